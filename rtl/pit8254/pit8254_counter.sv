// One counter of the Intel 8254: six modes, binary or BCD, GATE, OUT, the
// count register (CR), counting element (CE), output latch (OL), status latch
// and the read/write flip-flops.
//
// Everything is synchronous to clk_i. The bus side and the counter's CLK
// input arrive registered by pit8254's input stage:
//   - cnt_clk_i: one CLK pulse of this counter (a clock enable on clk_i);
//   - cs_ni, rd_ni, wr_ni, a_i, d_i: the bus pins of the previous clk_i
//     cycle. The counter decodes its own accesses (SC1 SC0 = Idx in a
//     control word, read-back bit D(Idx+1), A1 A0 = Idx for the count
//     register); a cycle with CS# and WR# low is one write, with CS# and RD#
//     low (WR# high) one read, whose side effects (flip-flops, latch
//     release) take place at the end of the cycle. data_o is combinational
//     from the state: driven while data_oe_i (the read cycle on the pins,
//     decoded by pit8254) is high, 0 otherwise.
//   - ev_i: the cycle carries a bus access (CS# low) or a GATE change of any
//     counter (or a fast-forward): the next-state logic is evaluated.
// Within one clk_i cycle the bus operation is applied first, then the GATE
// level, then the CLK pulse (the wrapper never combines them, but the order
// is defined).
//
// As on the part, the CE counts in the representation the control word
// selects: 16-bit binary, or four BCD decades (0000 wraps to 9999); count 0
// is the modulus (65536 or 10000). This follows the TLM model
// (models/pit/pit_counter.cpp) except where the datasheet says nothing: BCD
// digits above 9 written into CR, and a CE left over from the other
// representation after a control word, are not converted (docs/rtl.md).
//
// Clock enable: the state is the CE, the counting flags (what a CLK pulse
// changes) and the programming state (what only bus cycles change). The
// next state is computed and loaded only in a cycle that can change it: a
// bus cycle or a GATE change (ev_i), a CLK pulse while the counter counts or
// waits for a load, trigger or strobe end (`busy`), the cycle after a reload.
// An idle counter (no count written, GATE low in a gated mode, mode 1/5
// waiting for a trigger) holds its state: on the part a CLK pulse changes
// nothing then either. Evaluated in a cycle with no access to this
// counter, no change of its GATE and no CLK pulse while busy, the
// next-state logic gives the state back unchanged (the reload flag is
// cleared, as it is in any cycle after a reload): so ev_i may be shared by
// the three counters.
//
// Plain decrement (simulation only, like the fast-forward: compiled in
// only with `define MINIPC_SIM_PLAIN_DECREMENT, which rtl/CMakeLists.txt
// passes to Verilator, not to synthesis). Most CLK pulses of a counting
// counter only move CE down by one (mode 3: two). The flag `run` (computed
// with the state) says that the counter counts in binary with nothing
// pending: no load, reload or trigger, not BCD, OUT high in modes 2, 4 and 5.
// A CLK pulse with `run`, CE at 4 or more and no ev_i then loads and reloads
// nothing and cannot move OUT (every mode acts at CE 2, 1 or 0): the
// simulation loads CE - 1 (mode 3: CE - 2) into CE without evaluating the
// next-state logic, which gives that very state. The synthesised design has
// no such path (it would be a second decrementer doing the first one's job,
// 233 cells; synthesis drops `run`, which nothing else reads). The Verilated
// model with it and the design without it are run in lockstep by
// rtl/pit8254/pit8254_plain_test.cpp (CTest label rtl): same OUT, read data
// and state words at every cycle.
//
// The next-state logic is written inside the clocked block, under the clock
// enable, with blocking assignments to the temporaries ce_d, cnt_d, ctl_d
// (read nowhere else; synthesis keeps no flop for them). This departs from
// the always_comb/always_ff split on purpose: the Verilated model runs an
// always_comb at every clk_i cycle (its defaults and its enable test
// included), the clocked block's branches only when taken. So per clk_i
// cycle an idle counter costs a few tests, a plain pulse a few tests and a
// subtraction (docs/rtl.md, section 3, "Speed"). A function returning the
// next state would read better, but yosys 0.23 does not take struct members
// in functions.
module pit8254_counter #(
  parameter int unsigned Idx = 0  // counter number: SC1 SC0, A1 A0
) (
  input  logic        clk_i,
  input  logic        rst_ni,
  // counter pins (registered)
  input  logic        cnt_clk_i,
  input  logic        gate_i,
  output logic        out_o,
  // bus pins (registered)
  input  logic        ev_i,         // a bus cycle or a GATE change (or fast-forward)
  input  logic        cs_ni,
  input  logic        rd_ni,
  input  logic        wr_ni,
  input  logic [1:0]  a_i,
  input  logic [7:0]  d_i,
  // read data
  input  logic        data_oe_i,    // read cycle of this counter on the pins: drive data_o (else 0)
  output logic [7:0]  data_o
`ifdef MINIPC_SIM_FAST_FORWARD
  ,
  // Fast-forward, simulation only (not a part of the 8254; pit8254.sv):
  // ff_n_i plain-decrement CLK pulses at once (ev_i is high with ff_i).
  input  logic        ff_i,
  input  logic [15:0] ff_n_i
`endif
);

  localparam logic [1:0] RwLsb = 2'd1;
  localparam logic [1:0] RwMsb = 2'd2;
  localparam logic [1:0] Sc    = 2'(Idx);

  // ---- state ------------------------------------------------------------------
  // Flags a CLK pulse can change (12 bits). The wrapper reads ce_q, cnt_q
  // and ctl_q (pit8254_rtl.cpp, obs(): bits 9..0 of cnt_q follow CE).
  typedef struct packed {
    logic        busy;          // a CLK pulse changes the counting state
    logic        run;           // a CLK pulse at CE >= 4 is a plain decrement (simulation)
    logic        reload;        // a CR -> CE transfer happened last cycle
    logic        null_count;
    logic        odd;           // mode 3: the loaded count is odd
    logic        one;           // the loaded count is 1 (illegal in modes 2, 3)
    logic        armed;         // modes 4/5: strobe at next terminal count
    logic        trigger;       // GATE rising edge not yet sampled
    logic        load_pending;
    logic        loaded;
    logic        gate;
    logic        out;
  } cnt_state_t;

  // What only bus cycles change (60 bits).
  typedef struct packed {
    logic [7:0]  sts;           // status latch
    logic [15:0] ol;            // output latch
    logic [7:0]  lsb;           // first byte of a two-byte count
    logic [1:0]  rw;
    logic        rd_msb;        // read flip-flop
    logic        cnt_latched;
    logic        sts_latched;
    logic [15:0] cr;            // count register as written
    logic [2:0]  mode;          // M2 M1 M0 as written
    logic        bcd;
    logic        cr_valid;
    logic        wr_msb;        // write flip-flop
    logic        suspended;     // mode 0: first byte written
  } ctl_state_t;

  logic [15:0] ce_q /*verilator public_flat_rd*/;  // counting element
  cnt_state_t  cnt_q /*verilator public_flat_rd*/;
  ctl_state_t  ctl_q /*verilator public_flat_rd*/;
  // Next-state temporaries of the clocked block (header).
  logic [15:0] ce_d;
  cnt_state_t  cnt_d;
  ctl_state_t  ctl_d;

  // ---- helpers ------------------------------------------------------------------
  // Modes 6, 7 are modes 2, 3.
  function automatic logic [2:0] eff_mode(logic [2:0] mode);
    eff_mode = (mode[2:1] == 2'b11) ? {1'b0, mode[1:0]} : mode;
  endfunction

  // A CLK pulse decrements CE (mode 3: by two) in the current state.
  function automatic logic counts(logic [2:0] m, logic loaded, logic gate, logic one,
                                  logic suspended);
    unique case (m)
      3'd0:       counts = loaded && gate && !suspended;
      3'd1, 3'd5: counts = loaded;
      3'd4:       counts = loaded && gate;
      default:    counts = loaded && gate && !one;  // 2, 3: a loaded count 1 stands still
    endcase
  endfunction

  // CE - amount (1 or 2), wrapping 0 -> 65535 (binary) or 0000 -> 9999 (BCD:
  // four decades with a borrow chain).
  function automatic logic [15:0] decrement(logic [15:0] v, logic bcd, logic [3:0] amount);
    logic [15:0] r;
    logic        borrow;
    if (!bcd) begin
      r = v - {12'h000, amount};
    end else begin
      if (v[3:0] >= amount) begin
        r[3:0] = v[3:0] - amount;
        borrow = 1'b0;
      end else begin
        r[3:0] = v[3:0] + 4'd10 - amount;
        borrow = 1'b1;
      end
      for (int d = 1; d < 4; d++) begin
        if (!borrow) begin
          r[4*d +: 4] = v[4*d +: 4];
        end else if (v[4*d +: 4] != 4'd0) begin
          r[4*d +: 4] = v[4*d +: 4] - 4'd1;
          borrow = 1'b0;
        end else begin
          r[4*d +: 4] = 4'd9;
        end
      end
    end
    decrement = r;
  endfunction

  // ---- read data ------------------------------------------------------------------------
  // Only in a read cycle of this counter (data_oe_i); the bus is released
  // (0) otherwise, so the mux costs nothing in the other cycles.
  always_comb begin
    data_o = 8'h00;
    if (data_oe_i) begin
      if (ctl_q.sts_latched) begin
        data_o = ctl_q.sts;
      end else if (ctl_q.rw == RwMsb || (ctl_q.rw != RwLsb && ctl_q.rd_msb)) begin
        data_o = ctl_q.cnt_latched ? ctl_q.ol[15:8] : ce_q[15:8];
      end else begin
        data_o = ctl_q.cnt_latched ? ctl_q.ol[7:0] : ce_q[7:0];
      end
    end
  end

  // ---- next state and flops ------------------------------------------------------
  // Reset; else a plain decrement (CE only); else, under the clock enable,
  // the next-state logic (blocking assignments to ce_d, cnt_d, ctl_d, then
  // the flops load them). See the header for both.
  /* verilator lint_off BLKSEQ */
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      ce_q             <= 16'h0000;
      cnt_q            <= '0;
      cnt_q.null_count <= 1'b1;
      cnt_q.gate       <= 1'b1;
      ctl_q            <= '0;
      ctl_q.rw         <= 2'd3;  // unprogrammed part: OUT low, mode 0
`ifdef MINIPC_SIM_PLAIN_DECREMENT
    end else if (cnt_clk_i && cnt_q.run && !ev_i && (ce_q[15:2] != 14'd0)) begin
      // Plain decrement: CE - 1; mode 3 (M1 M0 = 11: modes 3, 7) CE - 2. No
      // wrap: CE >= 4.
      ce_q <= ce_q - {14'd0, ctl_q.mode[1] & ctl_q.mode[0], !(ctl_q.mode[1] & ctl_q.mode[0])};
`endif
    end else if (ev_i || cnt_q.reload || (cnt_clk_i && cnt_q.busy)) begin : next
      logic        wr, rd;
      logic        cw_we, latch_cnt, latch_sts, data_we, data_re;
      logic [2:0]  m;
      logic [15:0] n;
      logic [15:0] ce_dec;
      logic        trig;
      logic        first;
      logic        count;
      logic        load;
      logic        toggle;
      logic        count_done;

      ce_d       = ce_q;
      cnt_d      = cnt_q;
      ctl_d      = ctl_q;
      wr         = 1'b0;
      rd         = 1'b0;
      cw_we      = 1'b0;
      latch_cnt  = 1'b0;
      latch_sts  = 1'b0;
      data_we    = 1'b0;
      data_re    = 1'b0;
      m          = 3'd0;
      n          = 16'h0000;
      ce_dec     = ce_q;
      trig       = 1'b0;
      first      = 1'b0;
      count      = 1'b0;
      load       = 1'b0;
      toggle     = 1'b0;
      count_done = 1'b0;

      cnt_d.reload = 1'b0;

      // -- 1. bus operation and GATE (ev_i) ----------------------------------------
      if (ev_i) begin
        // Decode: a write (CS#, WR# low) or a read (CS#, RD# low, WR# high).
        wr = !cs_ni && !wr_ni;
        rd = !cs_ni && !rd_ni && wr_ni;
        if (wr && a_i == 2'd3) begin
          if (d_i[7:6] == 2'b11) begin
            // Read-back: D5 = /COUNT, D4 = /STATUS, D3..D1 = counters 2..0.
            latch_cnt = d_i[1 + Idx] && !d_i[5];
            latch_sts = d_i[1 + Idx] && !d_i[4];
          end else if (d_i[7:6] == Sc) begin
            if (d_i[5:4] == 2'b00) latch_cnt = 1'b1;  // counter latch command
            else cw_we = 1'b1;
          end
        end
        data_we = wr && a_i == Sc;
        data_re = rd && a_i == Sc;

        m = eff_mode(ctl_q.mode);  // the mode before a control word
        if (cw_we) begin
          // All control logic is reset; OUT goes to the mode's initial level.
          ctl_d.rw           = d_i[5:4];
          ctl_d.mode         = d_i[3:1];
          ctl_d.bcd          = d_i[0];
          ctl_d.wr_msb       = 1'b0;
          ctl_d.rd_msb       = 1'b0;
          ctl_d.cnt_latched  = 1'b0;
          ctl_d.sts_latched  = 1'b0;
          ctl_d.cr_valid     = 1'b0;
          ctl_d.suspended    = 1'b0;
          cnt_d.null_count   = 1'b1;
          cnt_d.load_pending = 1'b0;
          cnt_d.loaded       = 1'b0;
          cnt_d.armed        = 1'b0;
          cnt_d.trigger      = 1'b0;
          cnt_d.one          = 1'b0;
          cnt_d.odd          = 1'b0;
          cnt_d.out          = (d_i[3:1] != 3'd0);
        end
        if (latch_cnt && !ctl_q.cnt_latched) begin
          ctl_d.ol          = ce_q;
          ctl_d.cnt_latched = 1'b1;
        end
        if (latch_sts && !ctl_q.sts_latched) begin
          ctl_d.sts         = {cnt_q.out, cnt_q.null_count, ctl_q.rw, ctl_q.mode, ctl_q.bcd};
          ctl_d.sts_latched = 1'b1;
        end
        if (data_re) begin
          if (ctl_q.sts_latched) begin
            ctl_d.sts_latched = 1'b0;
          end else if (ctl_q.rw == RwLsb || ctl_q.rw == RwMsb) begin
            ctl_d.cnt_latched = 1'b0;
          end else if (!ctl_q.rd_msb) begin
            ctl_d.rd_msb = 1'b1;
          end else begin
            ctl_d.rd_msb      = 1'b0;
            ctl_d.cnt_latched = 1'b0;
          end
        end
        if (data_we) begin
          if (ctl_q.rw == RwLsb) begin
            ctl_d.cr   = {8'h00, d_i};
            count_done = 1'b1;
          end else if (ctl_q.rw == RwMsb) begin
            ctl_d.cr   = {d_i, 8'h00};
            count_done = 1'b1;
          end else if (!ctl_q.wr_msb) begin
            ctl_d.lsb    = d_i;
            ctl_d.wr_msb = 1'b1;
            if (m == 3'd0) begin  // the first byte stops counting, OUT low at once
              ctl_d.suspended = 1'b1;
              cnt_d.out       = 1'b0;
            end
          end else begin
            ctl_d.cr     = {d_i, ctl_q.lsb};
            ctl_d.wr_msb = 1'b0;
            count_done   = 1'b1;
          end
        end
        if (count_done) begin
          ctl_d.cr_valid   = 1'b1;
          cnt_d.null_count = 1'b1;
          ctl_d.suspended  = 1'b0;
          unique case (m)
            3'd0: begin
              cnt_d.out          = 1'b0;
              cnt_d.load_pending = 1'b1;
            end
            3'd4: cnt_d.load_pending = 1'b1;
            3'd2, 3'd3: if (!cnt_d.loaded || cnt_d.one) cnt_d.load_pending = 1'b1;
            default: ;  // modes 1, 5: wait for a trigger
          endcase
        end

        // GATE, in the mode just written
        m = eff_mode(ctl_d.mode);
        if (gate_i != cnt_d.gate) begin
          if (gate_i && (m == 3'd1 || m == 3'd2 || m == 3'd3 || m == 3'd5)) cnt_d.trigger = 1'b1;
          if (!gate_i && (m == 3'd2 || m == 3'd3)) cnt_d.out = 1'b1;
          cnt_d.gate = gate_i;
        end
      end

      // -- 2. CLK pulse (only where it changes something) -------------------------------
      // A pulse (re)loads CE from CR (load), or decrements it (count, one
      // decrement per mode); OUT follows per mode. (With ev_i but neither an
      // access to this counter nor a GATE change, a pulse of a counter that
      // is not busy changes nothing: that is what busy says.)
      if (cnt_clk_i && (ev_i || cnt_q.busy)) begin
        m             = eff_mode(ctl_d.mode);
        n             = ctl_d.cr;
        trig          = cnt_d.trigger;
        cnt_d.trigger = 1'b0;
        first         = (cnt_d.load_pending || trig) && ctl_d.cr_valid;
        ce_dec        = decrement(ce_d, ctl_d.bcd, (m == 3'd3) ? 4'd2 : 4'd1);
        // count: as counts(), per mode
        unique case (m)
          3'd0: begin
            count = cnt_d.loaded && cnt_d.gate && !ctl_d.suspended;
            load  = cnt_d.load_pending;
            if (!load && count && ce_dec == 16'd0) cnt_d.out = 1'b1;
          end
          3'd4, 3'd5: begin
            count     = cnt_d.loaded && (cnt_d.gate || m == 3'd5);
            load      = (m == 3'd4) ? cnt_d.load_pending : (trig && ctl_d.cr_valid);
            cnt_d.out = 1'b1;
            if (load) begin
              cnt_d.armed = 1'b1;
            end else if (count && ce_dec == 16'd0 && cnt_d.armed) begin
              cnt_d.out   = 1'b0;  // the strobe
              cnt_d.armed = 1'b0;
            end
          end
          3'd1: begin
            count = cnt_d.loaded;
            load  = trig && ctl_d.cr_valid;
            if (load) cnt_d.out = 1'b0;
            else if (count && ce_dec == 16'd0) cnt_d.out = 1'b1;
          end
          3'd2: begin
            // (Re)load on a load or trigger, or after the count reached 1
            // (OUT low for that one clock).
            count = cnt_d.loaded && cnt_d.gate && !cnt_d.one;
            load  = first || (count && !cnt_d.out);
            if (load) cnt_d.out = 1'b1;
            else if (count && ce_dec == 16'd1) cnt_d.out = 1'b0;
          end
          3'd3: begin
            // A (re)load starts the high half; the end of a half toggles OUT
            // and reloads. Odd N: N-1 is loaded and the high half lasts one
            // clock more.
            count  = cnt_d.loaded && cnt_d.gate && !cnt_d.one;
            toggle = (cnt_d.out && cnt_d.odd) ? (ce_d == 16'd0) : (ce_d == 16'd2);
            load   = first || (count && toggle);
            if (load) cnt_d.out = (first || n == 16'd1) ? 1'b1 : !cnt_d.out;
          end
          default: ;
        endcase
        if (m == 3'd2 || m == 3'd3) cnt_d.load_pending = 1'b0;
        if (load) begin
          ce_d               = (m == 3'd3 && n != 16'd1) ? {n[15:1], 1'b0} : n;
          cnt_d.one          = (n == 16'd1);
          cnt_d.loaded       = 1'b1;
          cnt_d.load_pending = 1'b0;
          cnt_d.null_count   = 1'b0;
          cnt_d.reload       = 1'b1;
          if (m == 3'd3) cnt_d.odd = n[0];
        end else if (count) begin
          ce_d = ce_dec;
        end
      end

`ifdef MINIPC_SIM_FAST_FORWARD
      // -- 3. fast-forward (simulation only) ----------------------------------------
      // ff_n_i CLK pulses at once, for a caller that knows none of them loads,
      // reloads, triggers or moves OUT: CE moves as that many pulses would move
      // it (mode 3: two per pulse), modulo 2^16; nothing else changes. Binary
      // mode only (the wrapper never asks in BCD mode).
      if (ff_i) begin
        m = eff_mode(ctl_d.mode);
        if (!ctl_d.bcd && counts(m, cnt_d.loaded, cnt_d.gate, cnt_d.one, ctl_d.suspended)) begin
          ce_d = ce_d - ((m == 3'd3) ? {ff_n_i[14:0], 1'b0} : ff_n_i);
        end
      end
`endif

      // -- busy and run for the next state ---------------------------------------------
      // busy: a CLK pulse would change the counting state, i.e. the counter
      // counts, or waits for a load, a trigger or the end of a mode 4/5
      // strobe. run: it counts in binary with nothing pending (header).
      m          = eff_mode(ctl_d.mode);
      count      = counts(m, cnt_d.loaded, cnt_d.gate, cnt_d.one, ctl_d.suspended);
      cnt_d.busy = cnt_d.load_pending || cnt_d.trigger || count ||
                   ((m == 3'd4 || m == 3'd5) && !cnt_d.out);
      cnt_d.run  = count && !cnt_d.load_pending && !cnt_d.trigger && !cnt_d.reload &&
                   !ctl_d.bcd && (cnt_d.out || !(m == 3'd2 || m == 3'd4 || m == 3'd5));

      ce_q  <= ce_d;
      cnt_q <= cnt_d;
      ctl_q <= ctl_d;
    end
  end
  /* verilator lint_on BLKSEQ */

  assign out_o = cnt_q.out;

endmodule
