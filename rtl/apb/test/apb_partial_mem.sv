// apb_partial_mem: an APB slave with a memory port that lacks mrsp_err_i.
// Its minipc_add_rtl_block() must fail to build, naming the missing port
// (test rtl_apb_partial_memory_port).
module apb_partial_mem (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        psel_i,
  input  logic        penable_i,
  input  logic        pwrite_i,
  input  logic [7:0]  paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o,
  output logic        pready_o,
  output logic        mreq_valid_o,
  input  logic        mreq_ready_i,
  output logic        mreq_we_o,
  output logic [31:0] mreq_addr_o,
  output logic [31:0] mreq_wdata_o,
  input  logic        mrsp_valid_i,
  input  logic [31:0] mrsp_rdata_i
);
  logic [31:0] reg_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) reg_q <= 32'h0;
    else if (psel_i && penable_i && pwrite_i) reg_q <= pwdata_i;
    else if (mrsp_valid_i) reg_q <= mrsp_rdata_i;
  end
  assign prdata_o = reg_q;
  assign pready_o = 1'b1;
  assign mreq_valid_o = 1'b0;
  assign mreq_we_o = 1'b0;
  assign mreq_addr_o = 32'h0;
  assign mreq_wdata_o = 32'h0;
  logic unused;
  assign unused = ^{paddr_i, mreq_ready_i};
endmodule
