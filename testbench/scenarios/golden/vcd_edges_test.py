#!/usr/bin/python3
"""Tests of tools/vcd_edges.py on small hand-written VCDs (golden.cmake runs them)."""
import os
import subprocess
import sys
import tempfile
import unittest

TOOL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tools", "vcd_edges.py")

# The shape minipc writes: a top scope, scalars and a vector, ps timescale.
VCD = """$timescale
     1 ps
$end
$scope module SystemC $end
$var wire    1  aaaag  irq0       $end
$var wire    1  aaaah  irq1       $end
$scope module cpu0 $end
$var wire    1  aaaab  intr       $end
$var wire   32  aaabu  inta_vector [31:0]  $end
$upscope $end
$upscope $end
$enddefinitions  $end

#0
0aaaag
0aaaah
0aaaab
b0 aaabu
#1000
1aaaag
#1500
1aaaab
#2000
0aaaab
b100000 aaabu
#3000
0aaaag
b0 aaabu
"""


def run(*args):
    p = subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


class VcdEdges(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.vcd = os.path.join(self.dir.name, "t.vcd")
        with open(self.vcd, "w") as f:
            f.write(VCD)

    def tearDown(self):
        self.dir.cleanup()

    def test_lists_changes_of_the_chosen_signals_with_hex_vectors(self):
        rc, out, _ = run(self.vcd, "--signals", "irq0,cpu0.intr,cpu0.inta_vector")
        self.assertEqual(rc, 0)
        self.assertEqual(out.splitlines(), [
            "0 irq0 0", "0 cpu0.intr 0", "0 cpu0.inta_vector 0x0",
            "1000 irq0 1", "1500 cpu0.intr 1", "2000 cpu0.intr 0",
            "2000 cpu0.inta_vector 0x20", "3000 irq0 0", "3000 cpu0.inta_vector 0x0"])

    def test_until_keeps_changes_before_the_time(self):
        rc, out, _ = run(self.vcd, "--signals", "irq0", "--until", "2000ps")
        self.assertEqual((rc, out.splitlines()), (0, ["0 irq0 0", "1000 irq0 1"]))

    def test_unknown_signal_is_named(self):
        rc, _, err = run(self.vcd, "--signals", "irq0,cpu1.intr")
        self.assertEqual(rc, 2)
        self.assertIn("no signal cpu1.intr", err)

    def test_bad_until_is_named(self):
        rc, _, err = run(self.vcd, "--until", "soon")
        self.assertEqual(rc, 2)
        self.assertIn("--until 'soon'", err)

    def test_golden_matches_then_fails_when_an_edge_moves(self):
        golden = os.path.join(self.dir.name, "g.edges")
        with open(golden, "w") as f:
            f.write("# made by hand\n")
        rc, _, _ = run(self.vcd, "--signals", "irq0", "--golden", golden, "--update")
        self.assertEqual(rc, 0)
        with open(golden) as f:
            text = f.read()
        self.assertTrue(text.startswith("# made by hand\n"))  # comments kept
        self.assertEqual(run(self.vcd, "--signals", "irq0", "--golden", golden)[0], 0)
        with open(golden, "w") as f:
            f.write(text.replace("1000 irq0 1", "1001 irq0 1"))
        rc, out, _ = run(self.vcd, "--signals", "irq0", "--golden", golden)
        self.assertEqual(rc, 1)
        self.assertIn("-1001 irq0 1", out)
        self.assertIn("+1000 irq0 1", out)

    def test_missing_golden_is_an_error_without_update(self):
        rc, _, err = run(self.vcd, "--signals", "irq0", "--golden", os.path.join(self.dir.name, "none.edges"))
        self.assertEqual(rc, 2)
        self.assertIn("no golden file", err)


if __name__ == "__main__":
    unittest.main()
