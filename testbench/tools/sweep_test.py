#!/usr/bin/python3
"""System tests of tools/sweep (testbench/tools/CMakeLists.txt runs one case each).

    sweep_test.py CASE --sweep tools/sweep --minipc build/minipc --hello ELF --timer ELF --work DIR

Cases: cpu_modes, timer_hz, bad_key, unknown_config_key, determinism, failed_point,
cmdline_and_where.
"""
import argparse
import csv
import os
import shutil
import subprocess
import sys

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EXPERIMENTS = os.path.join(REPO, "tools", "experiments")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def fail(msg):
    print(f"FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def sweep(a, experiment, firmware, out, *extra):
    cmd = [PY, a.sweep, experiment, "--minipc", a.minipc, "--out", out, "--workers", "2"]
    if firmware:
        cmd += ["--firmware", firmware]
    cmd += list(extra)
    print("$ " + " ".join(cmd), file=sys.stderr)
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    sys.stderr.write(p.stderr)
    return p


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_png(path):
    if not os.path.isfile(path):
        fail(f"no plot {path}")
    with open(path, "rb") as f:
        if f.read(8) != PNG_MAGIC:
            fail(f"{path} is not a PNG")
    if os.path.getsize(path) < 1000:
        fail(f"{path} is suspiciously small")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def case_cpu_modes(a, work):
    p = sweep(a, os.path.join(EXPERIMENTS, "cpu_modes.yaml"), a.hello, work)
    if p.returncode != 0:
        fail(f"exit status {p.returncode}")
    r = rows(os.path.join(work, "cpu_modes.csv"))
    want = [("fast", "false"), ("fast", "true"), ("accurate", "false"), ("accurate", "true")]
    got = [(x["cpu0.mode"], x["uart0.instant_tx"]) for x in r]
    if got != want:
        fail(f"rows {got}, want {want} (grid order)")
    for x in r:
        if x["status"] != "0" or x["error"]:
            fail(f"point {x['point']}: status {x['status']} {x['error']}")
        if int(x["instructions"]) <= 0 or float(x["sim_ns"]) <= 0 or x["uart_tx_bytes"] != "239":
            fail(f"point {x['point']}: implausible metrics {x}")
        if float(x["wall_s"]) <= 0:
            fail(f"point {x['point']}: wall_s {x['wall_s']}")
    if list(r[0])[-1] != "wall_s":
        fail(f"wall_s is not the last column: {list(r[0])}")
    # instant_tx must shorten hello's simulated time in both modes
    if not float(r[1]["sim_ns"]) < float(r[0]["sim_ns"]) or not float(r[3]["sim_ns"]) < float(r[2]["sim_ns"]):
        fail("uart0.instant_tx=true did not shorten the run")
    check_png(os.path.join(work, "cpu_modes.png"))
    check_png(os.path.join(work, "cpu_modes-2.png"))
    if "[4/4]" not in p.stderr or "done in" not in p.stderr:
        fail("no progress lines on stderr")


def case_timer_hz(a, work):
    p = sweep(a, os.path.join(EXPERIMENTS, "timer_hz_latency.yaml"), a.timer, work)
    if p.returncode != 0:
        fail(f"exit status {p.returncode}")
    r = rows(os.path.join(work, "timer_hz_latency.csv"))
    got = [(x["bus.clock_hz"], x["cpu0.mode"]) for x in r]
    want = [(hz, mode) for hz in ("33MHz", "66MHz", "100MHz") for mode in ("fast", "accurate")]
    if got != want:
        fail(f"rows {got}, want {want} (grid order)")
    for x in r:
        if x["status"] != "0" or int(x["ticks"]) < 1000 or not 0 < float(x["irq0_total_median_ns"]) <= float(x["irq0_total_max_ns"]):
            fail(f"point {x['point']}: {x}")
    # accurate mode puts every access on the bus: a faster bus must cut its latency
    acc = [float(x["irq0_total_median_ns"]) for x in r if x["cpu0.mode"] == "accurate"]
    if not acc[0] > acc[1] > acc[2]:
        fail(f"accurate-mode median latency does not fall with the bus clock: {acc}")
    check_png(os.path.join(work, "timer_hz_latency.png"))
    check_png(os.path.join(work, "timer_hz_latency-2.png"))


def case_bad_key(a, work):
    exp = write(os.path.join(work, "bad.yaml"),
                "name: bad\nfirmware: firmware/hello-clang.elf\ngrdi:\n  cpu0.mode: [fast]\n"
                "metrics:\n  instructions: cpu0.instructions\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 2:
        fail(f"exit status {p.returncode}, want 2")
    if "'grdi'" not in p.stderr or exp not in p.stderr:
        fail("the message does not name the key and the file")
    if os.path.exists(os.path.join(work, "bad.csv")):
        fail("a CSV was written for a bad experiment")
    # a plot naming an unknown metric
    exp = write(os.path.join(work, "bad_plot.yaml"),
                "name: bad_plot\nfirmware: firmware/hello-clang.elf\ngrid:\n  cpu0.mode: [fast]\n"
                "metrics:\n  instructions: cpu0.instructions\nplot:\n  x: cpu0.mode\n  y: instrs\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 2 or "'plot.y'" not in p.stderr or "instrs" not in p.stderr:
        fail(f"bad plot.y: status {p.returncode}")


def case_unknown_config_key(a, work):
    exp = write(os.path.join(work, "typo.yaml"),
                "name: typo\nfirmware: firmware/hello-clang.elf\ngrid:\n  cpu0.mdoe: [fast, accurate]\n"
                "metrics:\n  instructions: cpu0.instructions\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 2 or "cpu0.mdoe" not in p.stderr or exp not in p.stderr:
        fail(f"status {p.returncode}; the message must name cpu0.mdoe and the file")


def case_config_file(a, work):
    # config: a platform file for every point; its blocks' keys are grid keys
    cfg = write(os.path.join(work, "two_uarts.yaml"),
                "include: " + os.path.join(REPO, "platform", "configs", "default.yaml") + "\n"
                "uart1:\n  type: uart16550\n  io_base: 0x2F8\n  irq: 3\n"
                "  tx_dma_channel: none\n  rx_dma_channel: none\n")
    exp = write(os.path.join(work, "cfg.yaml"),
                f"name: cfg\nfirmware: firmware/hello-clang.elf\nconfig: {cfg}\n"
                "grid:\n  uart1.instant_tx: [false, true]\nmetrics:\n  instructions: cpu0.instructions\n")
    p = sweep(a, exp, a.hello, work, "--no-plot")
    if p.returncode != 0:
        fail(f"status {p.returncode}: {p.stderr}")
    if len(rows(os.path.join(work, "cfg.csv"))) != 2:
        fail("want 2 rows")
    # without it the key is unknown
    exp = write(os.path.join(work, "nocfg.yaml"),
                "name: nocfg\nfirmware: firmware/hello-clang.elf\n"
                "grid:\n  uart1.instant_tx: [false, true]\nmetrics:\n  instructions: cpu0.instructions\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 2 or "uart1.instant_tx" not in p.stderr:
        fail(f"without config: status {p.returncode}")
    exp = write(os.path.join(work, "badcfg.yaml"),
                "name: badcfg\nfirmware: firmware/hello-clang.elf\nconfig: no/such.yaml\n"
                "grid:\n  cpu0.mode: [fast]\nmetrics:\n  instructions: cpu0.instructions\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 2 or "'config'" not in p.stderr:
        fail(f"a missing config file: status {p.returncode}")


def case_determinism(a, work):
    out = []
    for run in ("a", "b"):
        d = os.path.join(work, run)
        os.makedirs(d, exist_ok=True)
        p = sweep(a, os.path.join(EXPERIMENTS, "cpu_modes.yaml"), a.hello, d, "--no-wall", "--no-plot")
        if p.returncode != 0:
            fail(f"run {run}: exit status {p.returncode}")
        with open(os.path.join(d, "cpu_modes.csv"), "rb") as f:
            out.append(f.read())
    if out[0] != out[1]:
        fail("two runs of the same experiment gave different CSVs")
    if b"wall_s" in out[0]:
        fail("--no-wall left the wall_s column in")


def case_failed_point(a, work):
    # 2 ms is enough for hello with instant_tx, not at 115200 baud: one point times out (92).
    exp = write(os.path.join(work, "short.yaml"),
                "name: short\nfirmware: firmware/hello-clang.elf\ntime: 2ms\ngrid:\n"
                "  uart0.instant_tx: [true, false]\nmetrics:\n  sim_ns: platform.simulated_ns\n"
                "plot:\n  x: uart0.instant_tx\n  y: sim_ns\n  kind: bar\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 1:
        fail(f"exit status {p.returncode}, want 1")
    r = rows(os.path.join(work, "short.csv"))
    if len(r) != 2 or r[0]["status"] != "0" or r[0]["error"] or r[1]["status"] != "92":
        fail(f"rows {r}")
    if "time limit" not in r[1]["error"]:
        fail(f"the failed point's error is not stderr's last line: {r[1]['error']!r}")
    if "FAILED (status 92)" not in p.stderr:
        fail("no FAILED progress line")
    check_png(os.path.join(work, "short.png"))


def case_cmdline_and_where(a, work):
    # cmdline.<word> grid keys are not config keys: accepted, one CSV column
    # each, and joined into platform.cmdline (the DMA and disk experiment
    # tests show the firmware acting on them). A plot's `where:` keeps only
    # the points with that value, so no mean is taken over that key.
    exp = write(os.path.join(work, "cmd.yaml"),
                "name: cmd\nfirmware: firmware/hello-clang.elf\n"
                "grid:\n  cpu0.mode: [fast, accurate]\n  cmdline.size: [64, 4096]\n"
                "  uart0.instant_tx: [false, true]\n"
                "metrics:\n  sim_ns: platform.simulated_ns\n"
                "plot:\n  x: cpu0.mode\n  y: sim_ns\n  series: cmdline.size\n"
                "  where: {uart0.instant_tx: true}\n")
    p = sweep(a, exp, a.hello, work)
    if p.returncode != 0:
        fail(f"exit status {p.returncode}")
    r = rows(os.path.join(work, "cmd.csv"))
    if [x["cmdline.size"] for x in r] != ["64", "64", "4096", "4096"] * 2:
        fail(f"cmdline.size column: {[x['cmdline.size'] for x in r]}")
    check_png(os.path.join(work, "cmd.png"))
    if "mean over" in p.stderr:
        fail("the where: filter should leave no key to average over")
    bad = write(os.path.join(work, "bad_where.yaml"),
                "name: bad_where\nfirmware: firmware/hello-clang.elf\n"
                "grid:\n  cpu0.mode: [fast]\n  uart0.instant_tx: [false, true]\n"
                "metrics:\n  sim_ns: platform.simulated_ns\n"
                "plot:\n  x: cpu0.mode\n  y: sim_ns\n  where: {uart0.instant_tx: maybe}\n")
    p = sweep(a, bad, a.hello, work)
    if p.returncode != 2 or "'plot.where.uart0.instant_tx'" not in p.stderr:
        fail(f"bad where value: status {p.returncode}")
    bad = write(os.path.join(work, "bad_cmd.yaml"),
                "name: bad_cmd\nfirmware: firmware/hello-clang.elf\n"
                "grid:\n  cmdline.size: ['64 128']\n"
                "metrics:\n  sim_ns: platform.simulated_ns\n")
    p = sweep(a, bad, a.hello, work)
    if p.returncode != 2 or "one word" not in p.stderr:
        fail(f"a cmdline value with a space: status {p.returncode}")


CASES = {n[5:]: f for n, f in globals().items() if n.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=sorted(CASES))
    ap.add_argument("--sweep", required=True)
    ap.add_argument("--minipc", required=True)
    ap.add_argument("--hello", required=True)
    ap.add_argument("--timer", required=True)
    ap.add_argument("--work", required=True)
    a = ap.parse_args()
    work = os.path.join(a.work, a.case)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    CASES[a.case](a, work)
    print(f"PASS: {a.case}")


if __name__ == "__main__":
    main()
