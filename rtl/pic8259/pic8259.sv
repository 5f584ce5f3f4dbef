// Intel 8259A programmable interrupt controller, synthesizable, one clk_i
// domain. One chip; a master/slave pair is two instances wired through
// CAS0-2 (see pic8259_rtl.cpp for the board-level sequencing).
//
// Bus (the part's pins made synchronous to clk_i): a clk_i cycle with CS#
// and WR# low is one write of d_i at A0 = a0_i, acted on at the end of that
// cycle; a cycle with CS# and RD# low (WR# high) is one read: d_o shows the
// byte during the cycle (combinational from a0_i and the state), its side
// effect (the poll command's acknowledge) takes place at the end of it.
//   A0 | write                                   | read
//   0  | ICW1 (D4=1), OCW2 (D4=0,D3=0), OCW3 (D3=1) | poll word / IRR / ISR
//   1  | ICW2, ICW3, ICW4 while expected, else OCW1 | poll word / IMR
//
// INTA cycle (8086 mode): two clk_i cycles with inta_ni low. The first
// freezes the priority resolver: the highest request the nesting rules let
// through gets its ISR bit (edge latch cleared); none: IR7, no ISR bit
// (spurious). From then on a master acknowledging a cascade line (ICW3 bit)
// drives the level on cas_o (cas_oe_o high) and leaves the data bus alone;
// the second pulse puts the vector on d_o (d_oe_o high) and performs the
// automatic EOI. A slave (SP/EN# low, or BUF=1 M/S=0) takes part in an INTA
// cycle only when cas_i matches its ICW3 ID at the first pulse.
//
// IR lines are sampled every clk_i cycle: a rising edge arms a line's edge
// latch, a low line disarms it. IRR = latch (edge lines) or the line itself
// (level lines: ICW1.LTIM for all, or elcr_i per line, a PIIX's ELCR).
//
// Before ICW1 the chip is uninitialized: OCWs and INTA are ignored, int_o
// stays low.
module pic8259 (
  input  logic       clk_i,
  input  logic       rst_ni,
  // bus
  input  logic [7:0] d_i,
  output logic [7:0] d_o,
  output logic       d_oe_o,
  input  logic       a0_i,
  input  logic       rd_ni,
  input  logic       wr_ni,
  input  logic       cs_ni,
  input  logic       inta_ni,
  output logic       int_o,
  // interrupt requests and edge/level control
  input  logic [7:0] ir_i,
  input  logic [7:0] elcr_i,
  // cascade
  input  logic [2:0] cas_i,
  output logic [2:0] cas_o,
  output logic       cas_oe_o,
  input  logic       sp_en_ni
);

  localparam logic [2:0] StUninit = 3'd0;
  localparam logic [2:0] StIcw2   = 3'd1;
  localparam logic [2:0] StIcw3   = 3'd2;
  localparam logic [2:0] StIcw4   = 3'd3;
  localparam logic [2:0] StReady  = 3'd4;

  // ---- state -----------------------------------------------------------------
  logic [2:0] step_q, step_d;
  logic       ltim_q, ltim_d, sngl_q, sngl_d, ic4_q, ic4_d;
  logic [7:0] icw2_q, icw2_d, icw3_q, icw3_d;
  logic [4:0] icw4_q, icw4_d;        // SFNM BUF M/S AEOI uPM
  logic [7:0] imr_q, imr_d, isr_q, isr_d;
  logic [7:0] armed_q, armed_d;      // edge sense latches
  logic [7:0] lines_q;               // IR levels of the last cycle
  logic [2:0] lowest_q, lowest_d;    // lowest-priority level (rotation)
  logic       smm_q, smm_d;          // special mask mode
  logic       ris_q, ris_d;          // read ISR (else IRR) at A0=0
  logic       poll_q, poll_d;        // next read is the poll word
  logic       rot_q, rot_d;          // rotate in automatic EOI mode
  // INTA cycle
  logic       phase_q, phase_d;      // first pulse seen
  logic       ack_sel_q, ack_sel_d;  // this chip answers the cycle
  logic       ack_real_q, ack_real_d;  // an ISR bit was set (not spurious)
  logic       ack_cas_q, ack_cas_d;  // master: a slave drives the vector
  logic [2:0] ack_level_q, ack_level_d;

  // ---- decode ----------------------------------------------------------------
  logic wr, rd, inta, ready;
  assign wr    = !cs_ni && !wr_ni;
  assign rd    = !cs_ni && !rd_ni && wr_ni;
  assign inta  = !inta_ni;
  assign ready = step_q == StReady;

  logic [7:0] level_mask, irr, req;
  assign level_mask = ltim_q ? 8'hFF : elcr_i;
  assign irr        = (armed_q & ~level_mask) | (lines_q & level_mask);
  assign req        = irr & ~imr_q;

  logic is_master;
  assign is_master = icw4_q[3] ? icw4_q[2] : sp_en_ni;

  // ---- priority resolution ------------------------------------------------------
  logic       top_v, cur_v, smm_v, eoi_v;
  logic [2:0] top_l, cur_l, smm_l, eoi_l;

  pic8259_prio u_prio_req (.req_i(req),           .lowest_i(lowest_q), .valid_o(top_v), .level_o(top_l));
  pic8259_prio u_prio_isr (.req_i(isr_q),         .lowest_i(lowest_q), .valid_o(cur_v), .level_o(cur_l));
  pic8259_prio u_prio_smm (.req_i(req & ~isr_q),  .lowest_i(lowest_q), .valid_o(smm_v), .level_o(smm_l));
  // non-specific EOI: in special mask mode, masked ISR bits stay
  pic8259_prio u_prio_eoi (.req_i(smm_q ? (isr_q & ~imr_q) : isr_q),
                           .lowest_i(lowest_q), .valid_o(eoi_v), .level_o(eoi_l));

  logic [2:0] top_prio, cur_prio;  // 0 = highest
  assign top_prio = top_l - lowest_q - 3'd1;
  assign cur_prio = cur_l - lowest_q - 3'd1;

  logic top_cascade;
  assign top_cascade = is_master && !sngl_q && icw3_q[top_l];

  logic       res_v;
  logic [2:0] res_l;
  always_comb begin
    res_v = 1'b0;
    res_l = top_l;
    if (smm_q) begin
      // every unmasked level not in service may interrupt
      res_v = smm_v;
      res_l = smm_l;
    end else if (top_v) begin
      if (!cur_v || top_prio < cur_prio) begin
        res_v = 1'b1;
      end else if (top_l == cur_l && icw4_q[4] && top_cascade) begin
        res_v = 1'b1;  // special fully nested: the slave's line again
      end
    end
  end

  assign int_o = ready && res_v;

  // ---- read data -------------------------------------------------------------------
  logic [7:0] poll_word;
  assign poll_word = (ready && res_v) ? {5'b10000, res_l} : 8'h00;

  always_comb begin
    d_o    = 8'h00;
    d_oe_o = 1'b0;
    if (inta && phase_q) begin
      d_o    = {icw2_q[7:3], ack_level_q};
      d_oe_o = ack_sel_q && !ack_cas_q;
    end else if (rd) begin
      d_oe_o = 1'b1;
      if (poll_q)      d_o = poll_word;
      else if (a0_i)   d_o = imr_q;
      else if (ris_q)  d_o = isr_q;
      else             d_o = irr;
    end
  end

  assign cas_o    = ack_level_q;
  assign cas_oe_o = phase_q && ack_sel_q && ack_cas_q;

  // ---- next state --------------------------------------------------------------------
  logic [7:0] rising;
  assign rising = ir_i & ~lines_q;

  logic       selected;  // cascade address matches (slaves) at the first INTA
  assign selected = is_master || cas_i == icw3_q[2:0];

  always_comb begin
    step_d      = step_q;
    ltim_d      = ltim_q;
    sngl_d      = sngl_q;
    ic4_d       = ic4_q;
    icw2_d      = icw2_q;
    icw3_d      = icw3_q;
    icw4_d      = icw4_q;
    imr_d       = imr_q;
    isr_d       = isr_q;
    lowest_d    = lowest_q;
    smm_d       = smm_q;
    ris_d       = ris_q;
    poll_d      = poll_q;
    rot_d       = rot_q;
    phase_d     = phase_q;
    ack_sel_d   = ack_sel_q;
    ack_real_d  = ack_real_q;
    ack_cas_d   = ack_cas_q;
    ack_level_d = ack_level_q;
    // edge sense: a rising edge arms, a low line disarms
    armed_d     = (armed_q | rising) & ir_i;

    if (inta) begin
      if (!phase_q) begin
        // first pulse: freeze and set ISR
        phase_d    = 1'b1;
        ack_sel_d  = ready && selected;
        ack_real_d = 1'b0;
        ack_cas_d  = 1'b0;
        ack_level_d = 3'd7;
        if (ready && selected && res_v) begin
          ack_real_d  = 1'b1;
          ack_level_d = res_l;
          ack_cas_d   = is_master && !sngl_q && icw3_q[res_l];
          isr_d[res_l]   = 1'b1;
          armed_d[res_l] = 1'b0;
        end
      end else begin
        // second pulse: vector on the bus, automatic EOI
        phase_d = 1'b0;
        if (ack_sel_q && ack_real_q) begin
          if (icw4_q[1]) begin
            isr_d[ack_level_q] = 1'b0;
            if (rot_q) lowest_d = ack_level_q;
          end
          // a slave that still requests keeps its INT high: a fresh request
          if (ack_cas_q && ir_i[ack_level_q]) armed_d[ack_level_q] = 1'b1;
        end
      end
    end else if (rd) begin
      if (poll_q) begin
        // the poll command: this read acknowledges, without AEOI
        poll_d = 1'b0;
        if (ready && res_v) begin
          isr_d[res_l]   = 1'b1;
          armed_d[res_l] = 1'b0;
        end
      end
    end else if (wr) begin
      if (!a0_i) begin
        if (d_i[4]) begin
          // ICW1
          step_d   = StIcw2;
          ltim_d   = d_i[3];
          sngl_d   = d_i[1];
          ic4_d    = d_i[0];
          armed_d  = 8'h00;
          imr_d    = 8'h00;
          isr_d    = 8'h00;
          lowest_d = 3'd7;
          icw3_d   = 8'h07;
          smm_d    = 1'b0;
          ris_d    = 1'b0;
          poll_d   = 1'b0;
          rot_d    = 1'b0;
          if (!d_i[0]) icw4_d = 5'b00000;
        end else if (step_q != StUninit) begin
          if (d_i[3]) begin
            // OCW3
            if (d_i[6]) smm_d = d_i[5];
            if (d_i[1]) ris_d = d_i[0];
            if (d_i[2]) poll_d = 1'b1;
          end else begin
            // OCW2: R SL EOI
            unique case (d_i[7:5])
              3'b001: if (eoi_v) isr_d[eoi_l] = 1'b0;
              3'b011: isr_d[d_i[2:0]] = 1'b0;
              3'b101: begin
                if (eoi_v) begin
                  isr_d[eoi_l] = 1'b0;
                  lowest_d     = eoi_l;
                end
              end
              3'b111: begin
                isr_d[d_i[2:0]] = 1'b0;
                lowest_d        = d_i[2:0];
              end
              3'b100: rot_d = 1'b1;
              3'b000: rot_d = 1'b0;
              3'b110: lowest_d = d_i[2:0];
              default: ;  // 3'b010: no operation
            endcase
          end
        end
      end else begin
        unique case (step_q)
          StIcw2: begin
            icw2_d = d_i;
            step_d = !sngl_q ? StIcw3 : ic4_q ? StIcw4 : StReady;
          end
          StIcw3: begin
            icw3_d = d_i;
            step_d = ic4_q ? StIcw4 : StReady;
          end
          StIcw4: begin
            icw4_d = d_i[4:0];
            step_d = StReady;
          end
          StReady: imr_d = d_i;  // OCW1
          default: ;             // not initialized: ignored
        endcase
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      step_q      <= StUninit;
      ltim_q      <= 1'b0;
      sngl_q      <= 1'b0;
      ic4_q       <= 1'b0;
      icw2_q      <= 8'h00;
      icw3_q      <= 8'h00;
      icw4_q      <= 5'b00000;
      imr_q       <= 8'h00;
      isr_q       <= 8'h00;
      armed_q     <= 8'h00;
      lines_q     <= 8'h00;
      lowest_q    <= 3'd7;
      smm_q       <= 1'b0;
      ris_q       <= 1'b0;
      poll_q      <= 1'b0;
      rot_q       <= 1'b0;
      phase_q     <= 1'b0;
      ack_sel_q   <= 1'b0;
      ack_real_q  <= 1'b0;
      ack_cas_q   <= 1'b0;
      ack_level_q <= 3'd7;
    end else begin
      step_q      <= step_d;
      ltim_q      <= ltim_d;
      sngl_q      <= sngl_d;
      ic4_q       <= ic4_d;
      icw2_q      <= icw2_d;
      icw3_q      <= icw3_d;
      icw4_q      <= icw4_d;
      imr_q       <= imr_d;
      isr_q       <= isr_d;
      armed_q     <= armed_d;
      lines_q     <= ir_i;
      lowest_q    <= lowest_d;
      smm_q       <= smm_d;
      ris_q       <= ris_d;
      poll_q      <= poll_d;
      rot_q       <= rot_d;
      phase_q     <= phase_d;
      ack_sel_q   <= ack_sel_d;
      ack_real_q  <= ack_real_d;
      ack_cas_q   <= ack_cas_d;
      ack_level_q <= ack_level_d;
    end
  end

  // Observation words for the Verilator wrapper (pic8259_rtl.cpp): register
  // contents the pins do not show. Synthesis drops them.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] obs0 /*verilator public_flat_rd*/;
  logic [31:0] obs1 /*verilator public_flat_rd*/;
  assign obs0 = {ack_cas_q, ack_sel_q, ack_real_q, ack_level_q,  // 63..58
                 ic4_q, sngl_q, ltim_q, rot_q, poll_q, ris_q, smm_q,  // 57..51
                 lowest_q, step_q, icw4_q,  // 50..40
                 icw3_q, icw2_q, imr_q, isr_q, irr};  // 39..0
  assign obs1 = {14'd0, phase_q, is_master, armed_q, lines_q};
  /* verilator lint_on UNUSEDSIGNAL */

endmodule
