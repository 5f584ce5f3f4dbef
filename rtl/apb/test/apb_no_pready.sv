// apb_no_pready: an APB slave without pready_o. Its minipc_add_rtl_block()
// must fail to build, naming the missing port (test rtl_apb_missing_port).
module apb_no_pready (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        psel_i,
  input  logic        penable_i,
  input  logic        pwrite_i,
  input  logic [7:0]  paddr_i,
  input  logic [31:0] pwdata_i,
  output logic [31:0] prdata_o
);
  logic [31:0] reg_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) reg_q <= 32'h0;
    else if (psel_i && penable_i && pwrite_i) reg_q <= pwdata_i;
  end
  assign prdata_o = reg_q;
  logic unused;
  assign unused = ^paddr_i;
endmodule
