// apb_test_slave: an APB3 slave (no PSTRB, no irq_o, no busy_o) for the
// bridge's tests (apb_bridge_test.cpp): one register of each behaviour.
//   0x00 SCRATCH rw
//   0x04 ERR     any transfer ends with PSLVERR
//   0x08 STUCK   PREADY never rises (the bridge's timeout)
//   0x0C SLOW    reads SCRATCH after SCRATCH[3:0] wait states; writes ignored
//   other        read as 0, writes ignored
module apb_test_slave (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        psel_i,
  input  logic        penable_i,
  input  logic        pwrite_i,
  input  logic [7:0]  paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic        pready_o,
  output logic        pslverr_o
);
  logic [31:0] scratch_q;
  logic [3:0]  waited_q;
  logic        access;
  logic [5:0]  word;

  assign word = paddr_i[7:2];
  assign access = psel_i & penable_i;
  always_comb begin
    pready_o = 1'b1;
    if (access && word == 6'h2) pready_o = 1'b0;
    if (access && word == 6'h3 && waited_q != scratch_q[3:0]) pready_o = 1'b0;
  end
  assign pslverr_o = access & pready_o & (word == 6'h1);
  assign prdata_o = (word == 6'h0 || word == 6'h3) ? scratch_q : 32'h0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      scratch_q <= 32'h0;
      waited_q  <= 4'h0;
    end else begin
      waited_q <= (access && !pready_o) ? waited_q + 4'h1 : 4'h0;
      if (access && pready_o && pwrite_i && word == 6'h0) scratch_q <= pwdata_i;
    end
  end

  logic unused_paddr;
  assign unused_paddr = ^paddr_i[1:0];
endmodule
