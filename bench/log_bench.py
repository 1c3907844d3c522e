#!/usr/bin/python3
"""log_bench.py: the event log benchmark (`make bench` runs it after bench.py).

Prints, figures only (nothing asserted on time):
- Brunel (configs/brunel_delta.ini, 1 s): log bytes per spike (file size
  minus the header, over the spikes; version 2) and the writer's cost: the
  simulate time with the log on vs --no-log (which also skips the
  recorder), medians and minimums over --repeat interleaved runs (on a
  loaded machine the minimums are the fairer figure);
- replay throughput of the C reader (build/bench_log replay): spikes/s and
  MB/s reading the whole Brunel log, and the whole large log;
- seek: a log of >= 100 M spikes (100000 parrot neurons driven by Poisson
  trains at 100 Hz for 10 s; generated once into WORKDIR and reused), the
  time to read only the last simulated second with io_log_reader_seek
  (build/bench_log seek), against reading the whole file.

usage: log_bench.py [--repeat N] [--workdir DIR]
"""
import argparse
import json
import os
import statistics
import struct
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "memspike")
READER = os.path.join(ROOT, "build", "bench_log")

POISSON_INI = """; log_bench.py: a Poisson-only network of parrot neurons (100 M spikes)
[simulation]
duration = %(duration)g
resolution = 0.1
seed = 7
output = out/log_bench

[population gen]
model = poisson_generator
n = 1
rate = 100

[population P]
model = parrot_neuron
n = 100000

[projection drive]
source = gen
target = P
rule = all_to_all
weight = 1
delay = 0.1

[record spikes]
population = P
kind = spike_recorder
"""


def run(config, out, extra=(), log=True):
    summ = os.path.join(out, "summary.json")
    cmd = [BIN, "run", config, "--quiet", "--out", out, "--json", summ, *extra]
    if not log:
        cmd.append("--no-log")
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(summ) as f:
        return json.load(f)


def reader(*args):
    res = subprocess.run([READER, *args], check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def header_bytes(log):
    """Bytes of the log header: the sidecar's third field, else a scan."""
    try:
        with open(log + ".index", "rb") as f:
            h = f.read(24)
        if len(h) == 24 and h[:8] == b"MSPKIDX1":
            return struct.unpack("<Q", h[16:24])[0]
    except OSError:
        pass
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workdir", default=os.path.join(ROOT, "build", "bench-log"))
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    brunel = os.path.join(ROOT, "configs", "brunel_delta.ini")

    with tempfile.TemporaryDirectory() as tmp:
        on, off = [], []
        for i in range(args.repeat):
            on.append(run(brunel, tmp)["simulate_s"])
            off.append(run(brunel, tmp, log=False)["simulate_s"])
        s = run(brunel, tmp)
        log = os.path.join(tmp, "events.rank0.msgpack")
        size = os.path.getsize(log)
        hdr = header_bytes(log)
        spikes = s["spikes_emitted"]
        reps = [reader("replay", log) for _ in range(args.repeat)]
        rep = min(reps, key=lambda r: r["seconds"])
    t_on, t_off = statistics.median(on), statistics.median(off)
    print("\nevent log (format version 2)\n")
    print("Brunel 1 s: %d spikes, log %d bytes (header %d): %.3f bytes per spike"
          % (spikes, size, hdr, (size - hdr) / spikes))
    print("writer cost: simulate %.3f s with the log, %.3f s with --no-log: %+.1f %%"
          " (medians of %d; minimums %.3f vs %.3f s: %+.1f %%)"
          % (t_on, t_off, 100 * (t_on - t_off) / t_off, args.repeat, min(on), min(off),
             100 * (min(on) - min(off)) / min(off)))
    print("replay (C reader, whole Brunel log): %.3f s, %.3g spikes/s, %.1f MB/s"
          % (rep["seconds"], rep["spikes_per_s"], rep["mb_per_s"]))

    big_dir = os.path.join(args.workdir, "poisson_100M")
    big = os.path.join(big_dir, "events.rank0.msgpack")
    duration = 10000.0
    if not os.path.exists(big + ".done"):
        os.makedirs(big_dir, exist_ok=True)
        ini = os.path.join(big_dir, "poisson.ini")
        with open(ini, "w") as f:
            f.write(POISSON_INI % {"duration": duration})
        t0 = time.monotonic()
        run(ini, big_dir)
        print("generated %s in %.1f s" % (big, time.monotonic() - t0))
        open(big + ".done", "w").close()
    full = reader("replay", big)
    last = int(round((duration - 1000.0) / 0.1))
    sk = min((reader("seek", big, str(last)) for _ in range(args.repeat)),
             key=lambda r: r["seconds"])
    print("large log: %d spikes, %.1f MB, %.3f bytes per spike" % (
        full["spikes"], full["bytes"] / 1e6, full["bytes"] / full["spikes"]))
    print("replay (whole large log): %.3f s, %.3g spikes/s, %.1f MB/s"
          % (full["seconds"], full["spikes_per_s"], full["mb_per_s"]))
    print("seek to the last simulated second (tick %d): %.4f s for %d spikes, "
          "%d records read, sidecar index %s" % (
              last, sk["seconds"], sk["spikes"], sk["records"],
              "used" if sk["indexed"] else "NOT used (scan)"))


if __name__ == "__main__":
    main()
