// apb_timer: a 32-bit down-counting timer with an interrupt, behind an AMBA
// APB4 slave port: the first example of a user's block (docs/rtl-blocks.md).
// It knows nothing of minipc: the bridge (rtl/apb) drives its APB port.
//
// Registers (32-bit, PADDR[7:0]):
//   0x00 CTRL    rw  bit 0 EN (counting), bit 1 PERIODIC (reload at expiry,
//                    else EN clears), bit 2 IE (interrupt enable)
//   0x04 LOAD    rw  the period in clk_i cycles; a write also loads COUNT
//   0x08 COUNT   ro  the counter (a read takes one wait state: PREADY low
//                    in the first access cycle)
//   0x0C STATUS  rw1c bit 0 EXPIRED: set when COUNT reaches zero
//   0x10 ID      ro  0x41505431 ("APT1")
// Any other address, a write to COUNT or ID, or PADDR[1:0] != 0: PSLVERR.
// Counting: while EN, COUNT decrements once per clk_i cycle; the cycle it
// would reach zero (COUNT <= 1) sets EXPIRED and reloads LOAD (PERIODIC) or
// stops with COUNT = 0 and EN cleared. A period is LOAD cycles.
// irq_o = EXPIRED & IE (a level). busy_o = EN: the clock is needed only
// while counting (the bridge does not tick the block otherwise).
module apb_timer (
  input  logic        clk_i,
  input  logic        rst_ni,
  input  logic        psel_i,
  input  logic        penable_i,
  input  logic        pwrite_i,
  input  logic [7:0]  paddr_i,
  input  logic [31:0] pwdata_i,
  input  logic [3:0]  pstrb_i,
  output logic [31:0] prdata_o,
  output logic        pready_o,
  output logic        pslverr_o,
  output logic        irq_o,
  output logic        busy_o
);
  localparam logic [5:0] AddrCtrl = 6'h0, AddrLoad = 6'h1, AddrCount = 6'h2, AddrStatus = 6'h3,
                         AddrId = 6'h4;
  localparam logic [31:0] IdValue = 32'h41505431;

  logic [2:0]  ctrl_q;
  logic [31:0] load_q, count_q;
  logic        expired_q;
  logic        rd_wait_q;

  logic        access, bad, wr, rd_count;
  logic [5:0]  word;
  logic [31:0] load_d;

  assign word = paddr_i[7:2];
  assign access = psel_i & penable_i;
  assign rd_count = access & ~pwrite_i & (word == AddrCount);
  assign pready_o = ~(rd_count & ~rd_wait_q);
  assign bad = (paddr_i[1:0] != 2'b00) | (word > AddrId) |
               (pwrite_i & ((word == AddrCount) | (word == AddrId)));
  assign pslverr_o = access & pready_o & bad;
  assign wr = access & pready_o & pwrite_i & ~bad;

  always_comb begin
    prdata_o = 32'h0;
    unique case (word)
      AddrCtrl:   prdata_o = {29'h0, ctrl_q};
      AddrLoad:   prdata_o = load_q;
      AddrCount:  prdata_o = count_q;
      AddrStatus: prdata_o = {31'h0, expired_q};
      AddrId:     prdata_o = IdValue;
      default:    prdata_o = 32'h0;
    endcase
  end

  always_comb begin
    load_d = load_q;
    for (int b = 0; b < 4; b++) begin
      if (pstrb_i[b]) load_d[8*b +: 8] = pwdata_i[8*b +: 8];
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ctrl_q    <= 3'b000;
      load_q    <= 32'h0;
      count_q   <= 32'h0;
      expired_q <= 1'b0;
      rd_wait_q <= 1'b0;
    end else begin
      rd_wait_q <= rd_count & ~pready_o;
      // Clearing EXPIRED loses to an expiry in the same cycle (later wins).
      if (wr && word == AddrStatus && pstrb_i[0] && pwdata_i[0]) expired_q <= 1'b0;
      if (ctrl_q[0]) begin
        if (count_q <= 32'd1) begin
          expired_q <= 1'b1;
          if (ctrl_q[1]) begin
            count_q <= load_q;
          end else begin
            count_q   <= 32'h0;
            ctrl_q[0] <= 1'b0;
          end
        end else begin
          count_q <= count_q - 32'd1;
        end
      end
      // A write of CTRL or LOAD wins over counting in the same cycle.
      if (wr && word == AddrCtrl && pstrb_i[0]) ctrl_q <= pwdata_i[2:0];
      if (wr && word == AddrLoad) begin
        load_q  <= load_d;
        count_q <= load_d;
      end
    end
  end

  assign irq_o  = expired_q & ctrl_q[2];
  assign busy_o = ctrl_q[0];
endmodule
