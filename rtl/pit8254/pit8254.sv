// Intel 8254 programmable interval timer, synthesizable, one clk_i domain.
//
// Every input is registered at clk_i first (one input stage), and the part
// acts on the registered values in the following cycle. So:
//
// Bus (the part's own pins, made synchronous to clk_i): a clk_i cycle with
// CS# and WR# low is one write of d_i at A1 A0 = a_i; a cycle with CS# and
// RD# low (WR# high) is one read: d_o shows the byte during that cycle (a
// combinational path from a_i and the counter state), and the read's side
// effects (read flip-flop, latch release) take place one cycle later. Hold
// RD#/WR# low for exactly one cycle per access and leave at least one idle
// cycle between two accesses (the part's recovery time).
//
// Counters: cnt_clk_i[i] is counter i's CLK input as a clock enable sampled
// on clk_i: a cycle with it high is one CLK pulse, acted on in the next
// cycle. gate_i[i] is sampled every clk_i cycle likewise. out_o[i] is a
// flop output: OUT moves two clk_i cycles after the CLK pulse or access that
// moves it.
//
// The input stage keeps the state machine's logic off the input-to-output
// paths; in the Verilated model that logic then runs once per clk_i cycle
// (after the clock edge) instead of at every evaluation of the inputs.
//
// Fast-forward (simulation only, not a part of the 8254): compiled in only
// with `define MINIPC_SIM_FAST_FORWARD (the Verilated model: rtl/CMakeLists.txt
// passes -DMINIPC_SIM_FAST_FORWARD to Verilator, not to synthesis, so the
// synthesised design has exactly the part's pins). Then a cycle with ff_i high
// stands for ff_n_i CLK pulses of every counter that, by the caller's
// knowledge, only decrement CE: none of them may load, reload, trigger, or
// move OUT (pit8254_counter.sv, section 3). The Verilator wrapper uses it to
// skip the long runs of plain decrements between two OUT edges; it never uses
// it in BCD mode. Like the other inputs it is registered first.
//
//   A1 A0 | write                      | read
//   0..2  | count byte (RW, write FF)  | status / latched count / CE
//   3     | control word, read-back    | no-operation, d_o = 0
module pit8254 (
  input  logic       clk_i,
  input  logic       rst_ni,
  // bus
  input  logic [7:0] d_i,
  output logic [7:0] d_o,
  input  logic [1:0] a_i,
  input  logic       rd_ni,
  input  logic       wr_ni,
  input  logic       cs_ni,
  // counters
  input  logic [2:0] cnt_clk_i,
  input  logic [2:0] gate_i,
`ifdef MINIPC_SIM_FAST_FORWARD
  // fast-forward (simulation only)
  input  logic        ff_i,
  input  logic [15:0] ff_n_i,
`endif
  output logic [2:0] out_o
);

  // input stage
  logic [7:0] d_q;
  logic [1:0] a_q;
  logic       rd_nq, wr_nq, cs_nq;
  logic [2:0] cnt_clk_q, gate_q;

  logic       wr, rd;
  logic       cw_wr;
  logic [2:0] cw_we, latch_cnt, latch_sts, data_we, data_re, data_oe;
  logic [23:0] data;   // counter i's read byte at [8*i +: 8]

  // Observation words of the three counters, read by the Verilator wrapper
  // (models/../rtl/pit8254/pit8254_rtl.cpp); synthesis drops them.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] obs0 /*verilator public_flat_rd*/;
  logic [63:0] obs1 /*verilator public_flat_rd*/;
  logic [63:0] obs2 /*verilator public_flat_rd*/;
  /* verilator lint_on UNUSEDSIGNAL */

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      d_q       <= 8'h00;
      a_q       <= 2'd0;
      rd_nq     <= 1'b1;
      wr_nq     <= 1'b1;
      cs_nq     <= 1'b1;
      cnt_clk_q <= 3'b000;
      gate_q    <= 3'b111;
    end else begin
      d_q       <= d_i;
      a_q       <= a_i;
      rd_nq     <= rd_ni;
      wr_nq     <= wr_ni;
      cs_nq     <= cs_ni;
      cnt_clk_q <= cnt_clk_i;
      gate_q    <= gate_i;
    end
  end

`ifdef MINIPC_SIM_FAST_FORWARD
  logic        ff_q;
  logic [15:0] ff_n_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ff_q   <= 1'b0;
      ff_n_q <= 16'h0000;
    end else begin
      ff_q   <= ff_i;
      ff_n_q <= ff_n_i;
    end
  end
`endif

  assign wr    = !cs_nq && !wr_nq;
  assign rd    = !cs_nq && !rd_nq && wr_nq;
  assign cw_wr = wr && (a_q == 2'd3);

  always_comb begin
    cw_we     = '0;
    latch_cnt = '0;
    latch_sts = '0;
    data_we   = '0;
    data_re   = '0;
    // Decoded only in a bus cycle (CS# low): otherwise no strobe.
    if (!cs_nq) begin
      if (cw_wr) begin
        if (d_q[7:6] == 2'b11) begin
          // Read-back: D5 = /COUNT, D4 = /STATUS, D3..D1 = counters 2..0.
          for (int i = 0; i < 3; i++) begin
            latch_cnt[i] = d_q[1 + i] && !d_q[5];
            latch_sts[i] = d_q[1 + i] && !d_q[4];
          end
        end else if (d_q[5:4] == 2'b00) begin
          latch_cnt[d_q[7:6]] = 1'b1;  // counter latch command
        end else begin
          cw_we[d_q[7:6]] = 1'b1;
        end
      end
      if (wr && a_q != 2'd3) data_we[a_q] = 1'b1;
      if (rd && a_q != 2'd3) data_re[a_q] = 1'b1;
    end
  end

  pit8254_counter u_counter0 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[0]),
    .gate_i      (gate_q[0]),
    .out_o       (out_o[0]),
    .cw_we_i     (cw_we[0]),
    .cw_i        (d_q[5:0]),
    .latch_cnt_i (latch_cnt[0]),
    .latch_sts_i (latch_sts[0]),
    .data_we_i   (data_we[0]),
    .data_re_i   (data_re[0]),
    .data_oe_i   (data_oe[0]),
    .data_i      (d_q),
    .data_o      (data[7:0]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .obs_o       (obs0)
  );

  pit8254_counter u_counter1 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[1]),
    .gate_i      (gate_q[1]),
    .out_o       (out_o[1]),
    .cw_we_i     (cw_we[1]),
    .cw_i        (d_q[5:0]),
    .latch_cnt_i (latch_cnt[1]),
    .latch_sts_i (latch_sts[1]),
    .data_we_i   (data_we[1]),
    .data_re_i   (data_re[1]),
    .data_oe_i   (data_oe[1]),
    .data_i      (d_q),
    .data_o      (data[15:8]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .obs_o       (obs1)
  );

  pit8254_counter u_counter2 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[2]),
    .gate_i      (gate_q[2]),
    .out_o       (out_o[2]),
    .cw_we_i     (cw_we[2]),
    .cw_i        (d_q[5:0]),
    .latch_cnt_i (latch_cnt[2]),
    .latch_sts_i (latch_sts[2]),
    .data_we_i   (data_we[2]),
    .data_re_i   (data_re[2]),
    .data_oe_i   (data_oe[2]),
    .data_i      (d_q),
    .data_o      (data[23:16]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .obs_o       (obs2)
  );

  // Read data: only the counter addressed in a read cycle drives its byte
  // (data_oe), the others give 0; A1 A0 = 3 reads 0.
  always_comb begin
    data_oe = '0;
    if (!cs_ni && !rd_ni && wr_ni && a_i != 2'd3) data_oe[a_i] = 1'b1;
  end

  assign d_o = data[7:0] | data[15:8] | data[23:16];

endmodule
