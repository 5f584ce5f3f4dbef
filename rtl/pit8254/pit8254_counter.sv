// One counter of the Intel 8254: six modes, binary or BCD, GATE, OUT, the
// count register (CR), counting element (CE), output latch (OL), status latch
// and the read/write flip-flops.
//
// Everything is synchronous to clk_i. The bus side (decoded by pit8254) and
// the counter's CLK input arrive as one-cycle strobes:
//   - cnt_clk_i: one CLK pulse of this counter (a clock enable on clk_i);
//   - cw_we_i / latch_cnt_i / latch_sts_i / data_we_i / data_re_i: one bus
//     cycle each. data_o is combinational from the state, the read's side
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
  input  logic [7:0]  data_i,
  output logic [7:0]  data_o,
  // fast-forward (simulation only): ff_n_i plain-decrement CLK pulses
  input  logic        ff_i,
  input  logic [15:0] ff_n_i,
  // observation for the TLM wrapper (unused in a real design)
  output logic [63:0] obs_o
);

  localparam logic [1:0] RwLsb = 2'd1;
  localparam logic [1:0] RwMsb = 2'd2;

  // ---- state ------------------------------------------------------------------
  logic [2:0]  mode_q, mode_d;          // M2 M1 M0 as written
  logic [1:0]  rw_q, rw_d;
  logic        bcd_q, bcd_d;
  logic        wr_msb_q, wr_msb_d;      // write flip-flop
  logic        rd_msb_q, rd_msb_d;      // read flip-flop
  logic [7:0]  lsb_q, lsb_d;            // first byte of a two-byte count
  logic [15:0] cr_q, cr_d;              // count register as written
  logic        cr_valid_q, cr_valid_d;
  logic        null_count_q, null_count_d;
  logic        load_pending_q, load_pending_d;
  logic        loaded_q, loaded_d;
  logic        suspended_q, suspended_d;  // mode 0: first byte written
  logic        armed_q, armed_d;          // modes 4/5: strobe at next terminal count
  logic        gate_q, gate_d;
  logic        trigger_q, trigger_d;      // GATE rising edge not yet sampled
  logic        out_q, out_d;
  logic [15:0] ce_q, ce_d;              // counting element (binary number)
  logic        odd_q, odd_d;            // mode 3: the loaded count is odd
  logic        one_q, one_d;            // the loaded count is 1 (illegal in modes 2, 3)
  logic        cnt_latched_q, cnt_latched_d;
  logic [15:0] ol_q, ol_d;              // output latch
  logic        sts_latched_q, sts_latched_d;
  logic [7:0]  sts_q, sts_d;            // status latch
  logic        reload_q, reload_d;      // a CR -> CE transfer happened last cycle

  // ---- arithmetic helpers ---------------------------------------------------------
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

  // ---- combinational views of the current state -----------------------------------
  logic [2:0]  mode_eff;    // 6, 7 read as 2, 3
  logic [15:0] count_value; // CE as the part presents it
  logic [7:0]  status;
  logic [15:0] rd_word;

  assign mode_eff    = (mode_q[2:1] == 2'b11) ? {1'b0, mode_q[1:0]} : mode_q;
  assign count_value = ce_q;
  assign status      = {out_q, null_count_q, rw_q, mode_q, bcd_q};
  assign rd_word     = cnt_latched_q ? ol_q : count_value;

  always_comb begin
    if (sts_latched_q) begin
      data_o = sts_q;
    end else if (rw_q == RwMsb || (rw_q != RwLsb && rd_msb_q)) begin
      data_o = rd_word[15:8];
    end else begin
      data_o = rd_word[7:0];
    end
  end

  // ---- next state --------------------------------------------------------------
  always_comb begin
    logic [2:0]  m;
    logic [15:0] n;
    logic        trig;
    logic        stationary;
    logic        toggle;
    logic        count_done;

    mode_d         = mode_q;
    rw_d           = rw_q;
    bcd_d          = bcd_q;
    wr_msb_d       = wr_msb_q;
    rd_msb_d       = rd_msb_q;
    lsb_d          = lsb_q;
    cr_d           = cr_q;
    cr_valid_d     = cr_valid_q;
    null_count_d   = null_count_q;
    load_pending_d = load_pending_q;
    loaded_d       = loaded_q;
    suspended_d    = suspended_q;
    armed_d        = armed_q;
    gate_d         = gate_q;
    trigger_d      = trigger_q;
    out_d          = out_q;
    ce_d           = ce_q;
    odd_d          = odd_q;
    one_d          = one_q;
    cnt_latched_d  = cnt_latched_q;
    ol_d           = ol_q;
    sts_latched_d  = sts_latched_q;
    sts_d          = sts_q;
    reload_d       = 1'b0;
    count_done     = 1'b0;
    n              = cr_q;
    trig           = 1'b0;
    stationary     = 1'b0;
    toggle         = 1'b0;

    // -- 1. bus operation ------------------------------------------------------
    if (cw_we_i) begin
      // All control logic is reset; OUT goes to the mode's initial level.
      rw_d           = cw_i[5:4];
      mode_d         = cw_i[3:1];
      bcd_d          = cw_i[0];
      wr_msb_d       = 1'b0;
      rd_msb_d       = 1'b0;
      cnt_latched_d  = 1'b0;
      sts_latched_d  = 1'b0;
      cr_valid_d     = 1'b0;
      null_count_d   = 1'b1;
      load_pending_d = 1'b0;
      loaded_d       = 1'b0;
      suspended_d    = 1'b0;
      armed_d        = 1'b0;
      trigger_d      = 1'b0;
      one_d          = 1'b0;
      odd_d          = 1'b0;
      out_d          = (cw_i[3:1] != 3'd0);
    end
    if (latch_cnt_i && !cnt_latched_q) begin
      ol_d          = count_value;
      cnt_latched_d = 1'b1;
    end
    if (latch_sts_i && !sts_latched_q) begin
      sts_d         = status;
      sts_latched_d = 1'b1;
    end
    if (data_re_i) begin
      if (sts_latched_q) begin
        sts_latched_d = 1'b0;
      end else if (rw_q == RwLsb || rw_q == RwMsb) begin
        cnt_latched_d = 1'b0;
      end else if (!rd_msb_q) begin
        rd_msb_d = 1'b1;
      end else begin
        rd_msb_d      = 1'b0;
        cnt_latched_d = 1'b0;
      end
    end
    if (data_we_i) begin
      if (rw_q == RwLsb) begin
        cr_d       = {8'h00, data_i};
        count_done = 1'b1;
      end else if (rw_q == RwMsb) begin
        cr_d       = {data_i, 8'h00};
        count_done = 1'b1;
      end else if (!wr_msb_q) begin
        lsb_d    = data_i;
        wr_msb_d = 1'b1;
        if (mode_eff == 3'd0) begin  // the first byte stops counting, OUT low at once
          suspended_d = 1'b1;
          out_d       = 1'b0;
        end
      end else begin
        cr_d       = {data_i, lsb_q};
        wr_msb_d   = 1'b0;
        count_done = 1'b1;
      end
    end
    if (count_done) begin
      cr_valid_d   = 1'b1;
      null_count_d = 1'b1;
      suspended_d  = 1'b0;
      stationary   = loaded_d && one_d;
      unique case (mode_eff)
        3'd0: begin
          out_d          = 1'b0;
          load_pending_d = 1'b1;
        end
        3'd4: load_pending_d = 1'b1;
        3'd2, 3'd3: if (!loaded_d || stationary) load_pending_d = 1'b1;
        default: ;  // modes 1, 5: wait for a trigger
      endcase
      n = cr_d;
    end

    // -- 2. GATE ------------------------------------------------------------------
    m = (mode_d[2:1] == 2'b11) ? {1'b0, mode_d[1:0]} : mode_d;
    if (gate_i != gate_d) begin
      if (gate_i && (m == 3'd1 || m == 3'd2 || m == 3'd3 || m == 3'd5)) trigger_d = 1'b1;
      if (!gate_i && (m == 3'd2 || m == 3'd3)) out_d = 1'b1;
      gate_d = gate_i;
    end

    // -- 3. CLK pulse ---------------------------------------------------------------
    if (cnt_clk_i) begin
      trig       = trigger_d;
      trigger_d  = 1'b0;
      stationary = loaded_d && one_d && (m == 3'd2 || m == 3'd3);
      toggle     = (out_d && odd_d) ? (ce_d == 16'd0) : (ce_d == 16'd2);
      unique case (m)
        3'd0: begin
          if (load_pending_d) begin
            ce_d = n; one_d = (n == 16'd1); loaded_d = 1'b1; load_pending_d = 1'b0;
            null_count_d = 1'b0; reload_d = 1'b1;
          end else if (loaded_d && !suspended_d && gate_d) begin
            ce_d = decrement(ce_d, bcd_d, 4'd1);
            if (ce_d == 16'd0) out_d = 1'b1;
          end
        end
        3'd4: begin
          out_d = 1'b1;
          if (load_pending_d) begin
            ce_d = n; one_d = (n == 16'd1); loaded_d = 1'b1; load_pending_d = 1'b0;
            null_count_d = 1'b0; reload_d = 1'b1; armed_d = 1'b1;
          end else if (loaded_d && gate_d) begin
            ce_d = decrement(ce_d, bcd_d, 4'd1);
            if (ce_d == 16'd0 && armed_d) begin
              out_d = 1'b0; armed_d = 1'b0;
            end
          end
        end
        3'd1: begin
          if (trig && cr_valid_d) begin
            ce_d = n; one_d = (n == 16'd1); loaded_d = 1'b1; load_pending_d = 1'b0;
            null_count_d = 1'b0; reload_d = 1'b1; out_d = 1'b0;
          end else if (loaded_d) begin
            ce_d = decrement(ce_d, bcd_d, 4'd1);
            if (ce_d == 16'd0) out_d = 1'b1;
          end
        end
        3'd5: begin
          out_d = 1'b1;
          if (trig && cr_valid_d) begin
            ce_d = n; one_d = (n == 16'd1); loaded_d = 1'b1; load_pending_d = 1'b0;
            null_count_d = 1'b0; reload_d = 1'b1; armed_d = 1'b1;
          end else if (loaded_d) begin
            ce_d = decrement(ce_d, bcd_d, 4'd1);
            if (ce_d == 16'd0 && armed_d) begin
              out_d = 1'b0; armed_d = 1'b0;
            end
          end
        end
        3'd2: begin
          if ((load_pending_d || trig) && cr_valid_d) begin
            ce_d = n; one_d = (n == 16'd1); loaded_d = 1'b1; load_pending_d = 1'b0;
            null_count_d = 1'b0; reload_d = 1'b1; out_d = 1'b1;
          end else begin
            load_pending_d = 1'b0;
            if (loaded_d && gate_d && !stationary) begin
              if (!out_d) begin  // the count reached 0: reload, OUT high
                ce_d = n; one_d = (n == 16'd1); null_count_d = 1'b0; reload_d = 1'b1;
                out_d = 1'b1;
              end else begin
                ce_d = decrement(ce_d, bcd_d, 4'd1);
                if (ce_d == 16'd1) out_d = 1'b0;  // low for one clock
              end
            end
          end
        end
        3'd3: begin
          if (((load_pending_d || trig) && cr_valid_d) ||
              (loaded_d && gate_d && !stationary && toggle)) begin
            // A (re)load starts the high half; the end of a half toggles OUT.
            // Odd N: N-1 is loaded and the high half lasts one clock more.
            out_d = ((load_pending_d || trig) && cr_valid_d) ? 1'b1 : !out_d;
            one_d = (n == 16'd1);
            ce_d  = (n == 16'd1) ? n : {n[15:1], 1'b0};
            odd_d = n[0];
            if (n == 16'd1) out_d = 1'b1;
            loaded_d = 1'b1; load_pending_d = 1'b0; null_count_d = 1'b0; reload_d = 1'b1;
          end else begin
            load_pending_d = 1'b0;
            if (loaded_d && gate_d && !stationary) ce_d = decrement(ce_d, bcd_d, 4'd2);
          end
        end
        default: ;
      endcase
    end

    // -- 4. fast-forward (simulation only) ------------------------------------------
    // ff_n_i CLK pulses at once, for a caller that knows none of them loads,
    // reloads, triggers or moves OUT: CE moves as that many pulses would move
    // it (mode 3: two per pulse), modulo 2^16; nothing else changes. Binary
    // mode only (the wrapper never asks in BCD mode).
    if (ff_i && !bcd_d) begin
      stationary = loaded_d && one_d && (m == 3'd2 || m == 3'd3);
      unique case (m)
        3'd0:       if (loaded_d && !suspended_d && gate_d) ce_d = ce_d - ff_n_i;
        3'd1, 3'd5: if (loaded_d) ce_d = ce_d - ff_n_i;
        3'd4:       if (loaded_d && gate_d) ce_d = ce_d - ff_n_i;
        3'd2:       if (loaded_d && gate_d && !stationary) ce_d = ce_d - ff_n_i;
        3'd3:       if (loaded_d && gate_d && !stationary) ce_d = ce_d - {ff_n_i[14:0], 1'b0};
        default: ;
      endcase
    end
  end

  // ---- flops ------------------------------------------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      mode_q         <= 3'd0;
      rw_q           <= 2'd3;
      bcd_q          <= 1'b0;
      wr_msb_q       <= 1'b0;
      rd_msb_q       <= 1'b0;
      lsb_q          <= 8'h00;
      cr_q           <= 16'h0000;
      cr_valid_q     <= 1'b0;
      null_count_q   <= 1'b1;
      load_pending_q <= 1'b0;
      loaded_q       <= 1'b0;
      suspended_q    <= 1'b0;
      armed_q        <= 1'b0;
      gate_q         <= 1'b1;
      trigger_q      <= 1'b0;
      out_q          <= 1'b0;  // unprogrammed part: OUT low
      ce_q           <= 16'h0000;
      odd_q          <= 1'b0;
      one_q          <= 1'b0;
      cnt_latched_q  <= 1'b0;
      ol_q           <= 16'h0000;
      sts_latched_q  <= 1'b0;
      sts_q          <= 8'h00;
      reload_q       <= 1'b0;
    end else begin
      mode_q         <= mode_d;
      rw_q           <= rw_d;
      bcd_q          <= bcd_d;
      wr_msb_q       <= wr_msb_d;
      rd_msb_q       <= rd_msb_d;
      lsb_q          <= lsb_d;
      cr_q           <= cr_d;
      cr_valid_q     <= cr_valid_d;
      null_count_q   <= null_count_d;
      load_pending_q <= load_pending_d;
      loaded_q       <= loaded_d;
      suspended_q    <= suspended_d;
      armed_q        <= armed_d;
      gate_q         <= gate_d;
      trigger_q      <= trigger_d;
      out_q          <= out_d;
      ce_q           <= ce_d;
      odd_q          <= odd_d;
      one_q          <= one_d;
      cnt_latched_q  <= cnt_latched_d;
      ol_q           <= ol_d;
      sts_latched_q  <= sts_latched_d;
      sts_q          <= sts_d;
      reload_q       <= reload_d;
    end
  end

  assign out_o = out_q;

  // Observation word: what the wrapper needs to predict the next OUT change,
  // count reloads and give the model's warnings.
  assign obs_o = {16'h0000, cr_q, reload_q, wr_msb_q, cr_valid_q, bcd_q, one_q, odd_q,
                  armed_q, suspended_q, trigger_q, load_pending_q, loaded_q, gate_q, out_q,
                  mode_eff, ce_q};

endmodule
