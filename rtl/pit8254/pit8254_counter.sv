// One counter of the Intel 8254: six modes, binary or BCD, GATE, OUT, the
// count register (CR), counting element (CE), output latch (OL), status latch
// and the read/write flip-flops.
//
// Everything is synchronous to clk_i. The bus side (decoded by pit8254) and
// the counter's CLK input arrive as one-cycle strobes:
//   - cnt_clk_i: one CLK pulse of this counter (a clock enable on clk_i);
//   - cw_we_i / latch_cnt_i / latch_sts_i / data_we_i / data_re_i: one bus
//     cycle each. data_o is combinational from the state (driven while
//     data_oe_i, the read cycle on the pins, is high; 0 otherwise), the read's side
//     effects (flip-flops, latch release) take place at the end of the cycle.
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
// Clock enable: the state is two packed words, the counting state (what a
// CLK pulse changes) and the programming state (what only bus cycles
// change). The flops load them only in a cycle that can change them (a bus
// strobe, a GATE change, a CLK pulse while the counter counts or waits for a
// load, the cycle after a reload), and the next-state logic of a CLK pulse
// is evaluated only then. An idle counter (no count written, GATE low in a
// gated mode, mode 1/5 waiting for a trigger) holds its state: on the part a
// CLK pulse changes nothing then either. In the Verilated model the idle
// counter costs a few tests per clk_i cycle instead of its whole next-state
// logic.
module pit8254_counter (
  input  logic        clk_i,
  input  logic        rst_ni,
  // counter pins
  input  logic        cnt_clk_i,
  input  logic        gate_i,
  output logic        out_o,
  // decoded bus strobes
  input  logic        cw_we_i,      // control word for this counter, RW != 00
  input  logic [5:0]  cw_i,         // RW1 RW0 M2 M1 M0 BCD
  input  logic        latch_cnt_i,  // counter latch command / read-back COUNT
  input  logic        latch_sts_i,  // read-back STATUS
  input  logic        data_we_i,    // count byte write
  input  logic        data_re_i,    // count/status byte read
  input  logic        data_oe_i,    // read cycle on the pins: drive data_o (else 0)
  input  logic [7:0]  data_i,
  output logic [7:0]  data_o,
`ifdef MINIPC_SIM_FAST_FORWARD
  // Fast-forward, simulation only (not a part of the 8254; pit8254.sv):
  // ff_n_i plain-decrement CLK pulses at once.
  input  logic        ff_i,
  input  logic [15:0] ff_n_i,
`endif
  // observation for the TLM wrapper (unused in a real design)
  output logic [63:0] obs_o
);

  localparam logic [1:0] RwLsb = 2'd1;
  localparam logic [1:0] RwMsb = 2'd2;

  // ---- state ------------------------------------------------------------------
  // What a CLK pulse can change (26 bits; the low half of obs_o).
  typedef struct packed {
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
    logic [15:0] ce;            // counting element
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

  cnt_state_t cnt_q, cnt_d;
  ctl_state_t ctl_q, ctl_d;
  logic       busy_q, busy_d;  // a CLK pulse changes the counting state

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

  // ---- clock enable -------------------------------------------------------------------
  // busy_q (registered with the state it is computed from): a CLK pulse
  // would change the counting state, i.e. the counter counts, or waits for a
  // load, a trigger or the end of a mode 4/5 strobe.
  logic bus_en;  // a bus strobe or a GATE change this cycle
  logic en;

  assign bus_en = cw_we_i || latch_cnt_i || latch_sts_i || data_we_i || data_re_i ||
                  (gate_i != cnt_q.gate);
`ifdef MINIPC_SIM_FAST_FORWARD
  assign en     = bus_en || (cnt_clk_i && busy_q) || cnt_q.reload || ff_i;
`else
  assign en     = bus_en || (cnt_clk_i && busy_q) || cnt_q.reload;
`endif

  // ---- read data ------------------------------------------------------------------------
  // Only in a read cycle of this counter (data_oe_i); the bus is released
  // (0) otherwise, so the mux costs nothing in the other cycles.
  always_comb begin
    logic [15:0] rd_word;
    rd_word = 16'h0000;
    data_o  = 8'h00;
    if (data_oe_i) begin
      rd_word = ctl_q.cnt_latched ? ctl_q.ol : cnt_q.ce;
      if (ctl_q.sts_latched) begin
        data_o = ctl_q.sts;
      end else if (ctl_q.rw == RwMsb || (ctl_q.rw != RwLsb && ctl_q.rd_msb)) begin
        data_o = rd_word[15:8];
      end else begin
        data_o = rd_word[7:0];
      end
    end
  end

  // ---- next state --------------------------------------------------------------
  always_comb begin
    logic [2:0]  m;
    logic [15:0] n;
    logic [15:0] ce_dec;
    logic        trig;
    logic        first;
    logic        count;
    logic        load;
    logic        toggle;
    logic        count_done;

    cnt_d        = cnt_q;
    ctl_d        = ctl_q;
    busy_d       = busy_q;
    cnt_d.reload = 1'b0;
    m            = 3'd0;
    n            = 16'h0000;
    ce_dec       = cnt_q.ce;
    trig         = 1'b0;
    first        = 1'b0;
    count        = 1'b0;
    load         = 1'b0;
    toggle       = 1'b0;
    count_done   = 1'b0;

    // -- 1. bus operation and GATE (bus_en) ------------------------------------------
    if (bus_en) begin
      m = eff_mode(ctl_q.mode);  // the mode before a control word
      if (cw_we_i) begin
        // All control logic is reset; OUT goes to the mode's initial level.
        ctl_d.rw           = cw_i[5:4];
        ctl_d.mode         = cw_i[3:1];
        ctl_d.bcd          = cw_i[0];
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
        cnt_d.out          = (cw_i[3:1] != 3'd0);
      end
      if (latch_cnt_i && !ctl_q.cnt_latched) begin
        ctl_d.ol          = cnt_q.ce;
        ctl_d.cnt_latched = 1'b1;
      end
      if (latch_sts_i && !ctl_q.sts_latched) begin
        ctl_d.sts         = {cnt_q.out, cnt_q.null_count, ctl_q.rw, ctl_q.mode, ctl_q.bcd};
        ctl_d.sts_latched = 1'b1;
      end
      if (data_re_i) begin
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
      if (data_we_i) begin
        if (ctl_q.rw == RwLsb) begin
          ctl_d.cr   = {8'h00, data_i};
          count_done = 1'b1;
        end else if (ctl_q.rw == RwMsb) begin
          ctl_d.cr   = {data_i, 8'h00};
          count_done = 1'b1;
        end else if (!ctl_q.wr_msb) begin
          ctl_d.lsb    = data_i;
          ctl_d.wr_msb = 1'b1;
          if (m == 3'd0) begin  // the first byte stops counting, OUT low at once
            ctl_d.suspended = 1'b1;
            cnt_d.out       = 1'b0;
          end
        end else begin
          ctl_d.cr     = {data_i, ctl_q.lsb};
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

    // -- 2. CLK pulse (only where it changes something) ---------------------------------
    // A pulse (re)loads CE from CR (load), or decrements it (count, one
    // decrement per mode); OUT follows per mode.
    if (cnt_clk_i && (bus_en || busy_q)) begin
      m             = eff_mode(ctl_d.mode);
      n             = ctl_d.cr;
      trig          = cnt_d.trigger;
      cnt_d.trigger = 1'b0;
      first         = (cnt_d.load_pending || trig) && ctl_d.cr_valid;
      ce_dec        = decrement(cnt_d.ce, ctl_d.bcd, (m == 3'd3) ? 4'd2 : 4'd1);
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
          toggle = (cnt_d.out && cnt_d.odd) ? (cnt_d.ce == 16'd0) : (cnt_d.ce == 16'd2);
          load   = first || (count && toggle);
          if (load) cnt_d.out = (first || n == 16'd1) ? 1'b1 : !cnt_d.out;
        end
        default: ;
      endcase
      if (m == 3'd2 || m == 3'd3) cnt_d.load_pending = 1'b0;
      if (load) begin
        cnt_d.ce           = (m == 3'd3 && n != 16'd1) ? {n[15:1], 1'b0} : n;
        cnt_d.one          = (n == 16'd1);
        cnt_d.loaded       = 1'b1;
        cnt_d.load_pending = 1'b0;
        cnt_d.null_count   = 1'b0;
        cnt_d.reload       = 1'b1;
        if (m == 3'd3) cnt_d.odd = n[0];
      end else if (count) begin
        cnt_d.ce = ce_dec;
      end
    end

`ifdef MINIPC_SIM_FAST_FORWARD
    // -- 3. fast-forward (simulation only) ------------------------------------------
    // ff_n_i CLK pulses at once, for a caller that knows none of them loads,
    // reloads, triggers or moves OUT: CE moves as that many pulses would move
    // it (mode 3: two per pulse), modulo 2^16; nothing else changes. Binary
    // mode only (the wrapper never asks in BCD mode).
    if (ff_i) begin
      m = eff_mode(ctl_d.mode);
      if (!ctl_d.bcd && counts(m, cnt_d.loaded, cnt_d.gate, cnt_d.one, ctl_d.suspended)) begin
        cnt_d.ce = cnt_d.ce - ((m == 3'd3) ? {ff_n_i[14:0], 1'b0} : ff_n_i);
      end
    end
`endif

    // -- busy for the next state ------------------------------------------------------
    if (en) begin
      m      = eff_mode(ctl_d.mode);
      busy_d = cnt_d.load_pending || cnt_d.trigger ||
               counts(m, cnt_d.loaded, cnt_d.gate, cnt_d.one, ctl_d.suspended) ||
               ((m == 3'd4 || m == 3'd5) && !cnt_d.out);
    end
  end

  // ---- flops (clock enable) ----------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_q            <= '0;
      cnt_q.null_count <= 1'b1;
      cnt_q.gate       <= 1'b1;
      ctl_q            <= '0;
      ctl_q.rw         <= 2'd3;  // unprogrammed part: OUT low, mode 0
      busy_q           <= 1'b0;
    end else if (en) begin
      cnt_q  <= cnt_d;
      ctl_q  <= ctl_d;
      busy_q <= busy_d;
    end
  end

  assign out_o = cnt_q.out;

  // Observation word: what the wrapper needs to predict the next OUT change,
  // count reloads and give the model's warnings. Bits (pit8254_rtl.cpp,
  // struct Obs): 15..0 CE, 16 OUT, 17 GATE, 18 loaded, 19 load pending,
  // 20 trigger, 21 armed, 22 one, 23 odd, 24 null count, 25 reload,
  // 26 suspended, 27 write FF, 28 CR valid, 29 BCD, 32..30 mode as written,
  // 48..33 CR.
  assign obs_o = {15'h0000, ctl_q.cr, ctl_q.mode, ctl_q.bcd, ctl_q.cr_valid, ctl_q.wr_msb,
                  ctl_q.suspended, cnt_q};

endmodule
