// apb_crc32: a CRC-32 engine (IEEE 802.3, reflected, as zlib's crc32()) that
// reads its input from memory itself: the second example of a user's block
// (docs/rtl-blocks.md), with an APB4 slave port for its registers and a
// memory request port (valid/ready request, one-cycle response) that the
// bridge turns into bus-master transactions on the platform's bus.
//
// Registers (32-bit, PADDR[7:0]):
//   0x00 CTRL    rw  bit 0 START (write 1: start; reads 0), bit 1 IE
//   0x04 ADDR    rw  source address (bits 1:0 ignored: word aligned)
//   0x08 LEN     rw  length in bytes (bits 1:0 ignored: whole words)
//   0x0C STATUS  rw1c bit 0 BUSY (ro), bit 1 DONE, bit 2 ERR (a bus error)
//   0x10 RESULT  ro  the CRC-32 of the words read (final XOR applied)
//   0x14 ID      ro  0x43524331 ("CRC1")
// Other addresses, writes to RESULT or ID, PADDR[1:0] != 0: PSLVERR. START
// while BUSY is ignored. irq_o = (DONE | ERR) & IE; busy_o = BUSY.
//
// Memory port: the block holds mreq_valid_o with mreq_addr_o (a 4-byte
// read; mreq_we_o is always low here) until a clk_i edge with mreq_ready_i
// high takes it; the answer comes later as one cycle of mrsp_valid_i with
// mrsp_rdata_i (bytes at rising addresses from bit 0) and mrsp_err_i. One
// request at a time.
module apb_crc32 (
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
  output logic        busy_o,
  output logic        mreq_valid_o,
  input  logic        mreq_ready_i,
  output logic        mreq_we_o,
  output logic [31:0] mreq_addr_o,
  output logic [31:0] mreq_wdata_o,
  input  logic        mrsp_valid_i,
  input  logic [31:0] mrsp_rdata_i,
  input  logic        mrsp_err_i
);
  localparam logic [5:0] AddrCtrl = 6'h0, AddrAddr = 6'h1, AddrLen = 6'h2, AddrStatus = 6'h3,
                         AddrResult = 6'h4, AddrId = 6'h5;
  localparam logic [31:0] IdValue = 32'h43524331;
  localparam logic [31:0] Poly = 32'hEDB88320;

  typedef enum logic [1:0] {Idle, Request, Wait} state_e;
  state_e      state_q;
  logic        ie_q, done_q, err_q;
  logic [29:0] addr_q, left_q;  // word address, words left
  logic [31:0] crc_q;

  logic        access, bad, wr;
  logic [5:0]  word;
  logic [31:0] crc_next;

  assign word = paddr_i[7:2];
  assign access = psel_i & penable_i;
  assign pready_o = 1'b1;
  assign bad = (paddr_i[1:0] != 2'b00) | (word > AddrId) |
               (pwrite_i & ((word == AddrResult) | (word == AddrId)));
  assign pslverr_o = access & bad;
  assign wr = access & pwrite_i & ~bad;

  always_comb begin
    prdata_o = 32'h0;
    unique case (word)
      AddrCtrl:   prdata_o = {30'h0, ie_q, 1'b0};
      AddrAddr:   prdata_o = {addr_q, 2'b00};
      AddrLen:    prdata_o = {left_q, 2'b00};
      AddrStatus: prdata_o = {29'h0, err_q, done_q, state_q != Idle};
      AddrResult: prdata_o = ~crc_q;
      AddrId:     prdata_o = IdValue;
      default:    prdata_o = 32'h0;
    endcase
  end

  // 32 bits of input, least significant first.
  always_comb begin
    crc_next = crc_q;
    for (int i = 0; i < 32; i++) begin
      crc_next = (crc_next >> 1) ^ ((crc_next[0] ^ mrsp_rdata_i[i]) ? Poly : 32'h0);
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q <= Idle;
      ie_q    <= 1'b0;
      done_q  <= 1'b0;
      err_q   <= 1'b0;
      addr_q  <= 30'h0;
      left_q  <= 30'h0;
      crc_q   <= 32'hFFFFFFFF;
    end else begin
      if (wr && word == AddrStatus && pstrb_i[0]) begin
        if (pwdata_i[1]) done_q <= 1'b0;
        if (pwdata_i[2]) err_q <= 1'b0;
      end
      if (wr && word == AddrCtrl && pstrb_i[0]) ie_q <= pwdata_i[1];
      unique case (state_q)
        Idle: begin
          if (wr && word == AddrAddr) addr_q <= pwdata_i[31:2];
          if (wr && word == AddrLen) left_q <= pwdata_i[31:2];
          if (wr && word == AddrCtrl && pstrb_i[0] && pwdata_i[0]) begin
            crc_q <= 32'hFFFFFFFF;
            if (left_q == 30'h0) begin
              done_q <= 1'b1;
            end else begin
              state_q <= Request;
            end
          end
        end
        Request: if (mreq_ready_i) state_q <= Wait;
        Wait: begin
          if (mrsp_valid_i) begin
            if (mrsp_err_i) begin
              err_q   <= 1'b1;
              state_q <= Idle;
            end else begin
              crc_q  <= crc_next;
              addr_q <= addr_q + 30'h1;
              left_q <= left_q - 30'h1;
              if (left_q == 30'h1) begin
                done_q  <= 1'b1;
                state_q <= Idle;
              end else begin
                state_q <= Request;
              end
            end
          end
        end
        default: state_q <= Idle;
      endcase
    end
  end

  assign mreq_valid_o = state_q == Request;
  assign mreq_we_o    = 1'b0;
  assign mreq_addr_o  = {addr_q, 2'b00};
  assign mreq_wdata_o = 32'h0;
  assign irq_o  = (done_q | err_q) & ie_q;
  assign busy_o = state_q != Idle;

  logic unused_pstrb;
  assign unused_pstrb = ^pstrb_i[3:1];
endmodule
