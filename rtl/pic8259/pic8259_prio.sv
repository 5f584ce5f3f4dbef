// 8259A priority resolver: the highest-priority level set in req_i, with
// rotation: level lowest_i has the lowest priority, (lowest_i + 1) mod 8 the
// highest. Combinational. valid_o = 0 when req_i is empty (level_o = 0).
module pic8259_prio (
  input  logic [7:0] req_i,
  input  logic [2:0] lowest_i,
  output logic       valid_o,
  output logic [2:0] level_o
);

  logic [15:0] twice;
  logic [7:0]  rotated;  // bit k = request of level (lowest_i + 1 + k) mod 8
  logic [2:0]  first;    // lowest set bit of rotated
  logic [2:0]  start;

  assign start   = lowest_i + 3'd1;
  assign twice   = {req_i, req_i} >> start;
  assign rotated = twice[7:0];

  always_comb begin
    first = 3'd0;
    for (int k = 7; k >= 0; k--) begin
      if (rotated[k]) first = 3'(k);
    end
  end

  assign valid_o = |req_i;
  assign level_o = valid_o ? first + start : 3'd0;

  /* verilator lint_off UNUSEDSIGNAL */
  logic [7:0] unused_twice;
  assign unused_twice = twice[15:8];
  /* verilator lint_on UNUSEDSIGNAL */

endmodule
