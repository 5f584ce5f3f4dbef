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
// (after the clock edge) instead of at every evaluation of the inputs. Each
// counter decodes its own accesses from the registered bus pins
// (pit8254_counter.sv); ev_q tells all three that the registered cycle
// carries an access or a GATE change, so a cycle with neither (CLK pulses
// only) evaluates no bus logic at all.
//
// Fast-forward (simulation only, not a part of the 8254): compiled in only
// with `define MINIPC_SIM_FAST_FORWARD (the Verilated model: rtl/CMakeLists.txt
// passes -DMINIPC_SIM_FAST_FORWARD to Verilator, not to synthesis, so the
// synthesised design has exactly the part's pins). Then a cycle with ff_i high
// stands for ff_n_i CLK pulses of every counter that, by the caller's
// knowledge, only decrement CE: none of them may load, reload, trigger, or
// move OUT (pit8254_counter.sv, section 3). The Verilator wrapper uses it to
// skip the long runs of plain decrements between two OUT edges; it never uses
// it in BCD mode. Like the other inputs it is registered first. (The
// counters have one more simulation-only path, the plain decrement of
// pit8254_counter.sv: no port, no change of behaviour, only speed.)
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
  logic       ev_q;  // the registered cycle has CS# low or a GATE change (or ff_i)

  logic [2:0]  data_oe;
  logic [23:0] data;   // counter i's read byte at [8*i +: 8]

  // D, A1 A0, RD# and WR# matter only while CS# is low: they are loaded
  // only then (the counters look at them only when cs_nq is low).
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      d_q       <= 8'h00;
      a_q       <= 2'd0;
      rd_nq     <= 1'b1;
      wr_nq     <= 1'b1;
      cs_nq     <= 1'b1;
      cnt_clk_q <= 3'b000;
      gate_q    <= 3'b111;
      ev_q      <= 1'b0;
    end else begin
      cs_nq     <= cs_ni;
      cnt_clk_q <= cnt_clk_i;
      gate_q    <= gate_i;
`ifdef MINIPC_SIM_FAST_FORWARD
      ev_q      <= !cs_ni || (gate_i != gate_q) || ff_i;
`else
      ev_q      <= !cs_ni || (gate_i != gate_q);
`endif
      if (!cs_ni) begin
        d_q   <= d_i;
        a_q   <= a_i;
        rd_nq <= rd_ni;
        wr_nq <= wr_ni;
      end
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
      ff_q <= ff_i;
      if (ff_i) ff_n_q <= ff_n_i;
    end
  end
`endif

  pit8254_counter #(.Idx(0)) u_counter0 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[0]),
    .gate_i      (gate_q[0]),
    .out_o       (out_o[0]),
    .ev_i        (ev_q),
    .cs_ni       (cs_nq),
    .rd_ni       (rd_nq),
    .wr_ni       (wr_nq),
    .a_i         (a_q),
    .d_i         (d_q),
    .data_oe_i   (data_oe[0]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .data_o      (data[7:0])
  );

  pit8254_counter #(.Idx(1)) u_counter1 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[1]),
    .gate_i      (gate_q[1]),
    .out_o       (out_o[1]),
    .ev_i        (ev_q),
    .cs_ni       (cs_nq),
    .rd_ni       (rd_nq),
    .wr_ni       (wr_nq),
    .a_i         (a_q),
    .d_i         (d_q),
    .data_oe_i   (data_oe[1]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .data_o      (data[15:8])
  );

  pit8254_counter #(.Idx(2)) u_counter2 (
    .clk_i,
    .rst_ni,
    .cnt_clk_i   (cnt_clk_q[2]),
    .gate_i      (gate_q[2]),
    .out_o       (out_o[2]),
    .ev_i        (ev_q),
    .cs_ni       (cs_nq),
    .rd_ni       (rd_nq),
    .wr_ni       (wr_nq),
    .a_i         (a_q),
    .d_i         (d_q),
    .data_oe_i   (data_oe[2]),
`ifdef MINIPC_SIM_FAST_FORWARD
    .ff_i        (ff_q),
    .ff_n_i      (ff_n_q),
`endif
    .data_o      (data[23:16])
  );

  // Read data: only the counter addressed in a read cycle drives its byte
  // (data_oe), the others give 0; A1 A0 = 3 reads 0.
  always_comb begin
    data_oe = '0;
    if (!cs_ni && !rd_ni && wr_ni && a_i != 2'd3) data_oe[a_i] = 1'b1;
  end

  assign d_o = data[7:0] | data[15:8] | data[23:16];

endmodule
