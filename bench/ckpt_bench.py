#!/usr/bin/python3
"""ckpt_bench.py: checkpoint cost (docs/checkpoint-format.md), from `make bench`.

For Brunel (configs/brunel_delta.ini, 12500 neurons, 15.6 M static
synapses) on 1 and 2 ranks and for STDP on ECRAM devices
(configs/stdp_song2000_ecram.ini, 1000 plastic device synapses): a run
checkpointed at C, then

- checkpoint size (bytes, bytes per synapse), write time and GB/s (the
  slowest rank's wall time, temporary file + fsync + rename included, as
  the run prints it);
- read and load time and GB/s (every rank reads every rank's file);
- time to resume (`memspike resume`: config, build, load, then one more
  window) against time to rebuild (`memspike run` of the same network to
  the same tick: config, build and simulating from 0): the peer of a
  resume is the rerun it saves, measured in the same session.

Figures only: nothing here asserts a time (the machine is shared).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BIN = os.environ.get("BIN", "build/memspike")
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe"]


def cmd(np, args):
    base = [BIN] + args
    return base if np == 1 else MPIRUN + ["-np", str(np)] + base


def timed(np, args):
    t0 = time.monotonic()
    p = subprocess.run(cmd(np, args), capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.exit("ckpt_bench: %s failed:\n%s" % (" ".join(args), p.stderr[-2000:]))
    return dt, p.stdout + p.stderr


def bench(name, cfg, np, at_ms, step_ms, work):
    ck = os.path.join(work, re.sub(r"\W+", "_", name) + ".np%d" % np)
    end = at_ms + step_ms
    sets = ["--set", "simulation.duration=%g" % end, "--no-log", "--quiet"]
    # not --quiet: the run says where, how large and how fast it wrote
    _, out = timed(np, ["run", cfg, "--set", "simulation.duration=%g" % end, "--no-log",
                        "--progress", "1e8", "--checkpoint-at", "%g" % at_ms,
                        "--checkpoint-dir", ck])
    m = re.search(r"checkpoint at ([0-9.e+]+) ms: (\S+) \((\d+) bytes in \d+ files?, "
                  r"written in ([0-9.e+-]+) s\)", out)
    if not m:
        sys.exit("ckpt_bench: no checkpoint line in:\n" + out[-2000:])
    syn = int(re.search(r"synapses (\d+)", out).group(1))
    ckdir, nbytes, wr_s = m.group(2), int(m.group(3)), float(m.group(4))
    t_rebuild, _ = timed(np, ["run", cfg] + sets)
    t_resume, rout = timed(np, ["resume", ckdir, "--progress", "1e8"])
    r = re.search(r"\((\d+) bytes loaded on each rank in ([0-9.e+-]+) s\)", rout)
    rd_s = float(r.group(2))
    print("%-24s %2d %12d %8.2f %9.4f %7.2f %9.4f %7.2f %9.2f %9.2f" % (
        name, np, nbytes, nbytes / syn, wr_s, nbytes / wr_s / 1e9 if wr_s else 0,
        rd_s, int(r.group(1)) / rd_s / 1e9 if rd_s else 0, t_resume, t_rebuild))
    sys.stdout.flush()
    shutil.rmtree(ck, ignore_errors=True)


def main():
    work = tempfile.mkdtemp(prefix="memspike-ckbench-")
    try:
        print("checkpoints: size, write and load (GB/s), resume vs rebuild (wall s; the"
              " rebuild simulates from 0)")
        print("%-24s %2s %12s %8s %9s %7s %9s %7s %9s %9s" % (
            "network @ checkpoint", "np", "bytes", "B/syn", "write s", "GB/s", "load s",
            "GB/s", "resume s", "rebuild s"))
        bench("brunel @ 500 ms", "configs/brunel_delta.ini", 1, 500, 1.5, work)
        bench("brunel @ 500 ms", "configs/brunel_delta.ini", 2, 500, 1.5, work)
        bench("stdp_ecram @ 20000 ms", "configs/stdp_song2000_ecram.ini", 1, 20000, 1, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
