#!/usr/bin/python3
"""monitor_bench.py: what the live monitor costs (`make bench` runs it).

Prints, figures only (nothing asserted on time):
- Brunel (configs/brunel_delta.ini, 1 s simulated, --no-log): simulate
  time with --monitor 127.0.0.1:0 at the default interval (1 s) against
  the same run without it, --repeat interleaved pairs in this one run of
  the benchmark: medians, minimums and the ratio of each (on a loaded
  machine the minimums are the fairer figure);
- the same at --monitor-interval 0.05 (20 gathers per second), to show
  what the gathering itself costs;
- instructions (valgrind --tool=callgrind, collecting only inside
  sim_engine_advance: the simulation thread's loop, the monitor's hook
  and gathers included, its server thread not) for Brunel 200 ms with and
  without the monitor: a count that does not depend on the machine's load.

usage: monitor_bench.py [--repeat N] [--no-callgrind]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "memspike")
CONFIG = os.path.join(ROOT, "configs", "brunel_delta.ini")


def simulate_s(tmp, extra, duration=1000):
    js = os.path.join(tmp, "r.json")
    subprocess.run([BIN, "run", CONFIG, "--no-log", "--quiet", "--json", js,
                    "--set", "simulation.duration=%g" % duration] + extra,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(js) as f:
        return json.load(f)["simulate_s"]


def pairs(tmp, extra, n):
    off, on = [], []
    for _ in range(n):
        off.append(simulate_s(tmp, []))
        on.append(simulate_s(tmp, extra))
    return off, on


def report(what, off, on):
    mo, mn = statistics.median(off), statistics.median(on)
    print("  %-34s without %.3f s, with %.3f s (median; ratio %.4f = %+.2f %%); "
          "min %.3f vs %.3f (ratio %.4f)" % (what, mo, mn, mn / mo, 100 * (mn / mo - 1),
                                             min(off), min(on), min(on) / min(off)))


def callgrind_ir(tmp, extra):
    out = os.path.join(tmp, "cg.out")
    subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
                    "--toggle-collect=sim_engine_advance", BIN, "run", CONFIG, "--no-log",
                    "--quiet", "--set", "simulation.duration=200"] + extra,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        for line in f:
            if line.startswith("summary:") or line.startswith("totals:"):
                return int(line.split()[1])
    raise RuntimeError("no totals in " + out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-callgrind", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="memspike-monbench-")
    try:
        print("monitor: Brunel 1 s (12500 neurons), --no-log, %d interleaved pairs" % a.repeat)
        off, on = pairs(tmp, ["--monitor", "127.0.0.1:0"], a.repeat)
        report("monitor at the default 1 s:", off, on)
        off, on = pairs(tmp, ["--monitor", "127.0.0.1:0", "--monitor-interval", "0.05"],
                        a.repeat)
        report("monitor every 0.05 s:", off, on)
        if not a.no_callgrind and shutil.which("valgrind"):
            i0 = callgrind_ir(tmp, [])
            i1 = callgrind_ir(tmp, ["--monitor", "127.0.0.1:0"])
            print("  callgrind, Brunel 200 ms, inside sim_engine_advance: %d instructions "
                  "without, %d with the monitor (ratio %.5f = %+.3f %%)"
                  % (i0, i1, i1 / i0, 100 * (i1 / i0 - 1)))
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
