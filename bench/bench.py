#!/usr/bin/python3
"""bench.py: memspike against Brian2 (cpp_standalone, one thread) on the
benchmark networks, run side by side on this machine.

For each network it runs memspike (--no-log, --json) and the Brian2 peer
script (bench/brian2_*.py) and prints, per engine: build seconds, simulate
seconds (Brian2: its own run-loop timer), real-time factor, synaptic events
per second, peak RSS, bytes per synapse and mean rate; then the ratios
memspike / Brian2 for simulation time and memory.  Times are medians over
--repeat runs.  It asserts nothing about time: figures only.

usage: bench.py [--networks brunel_delta,brette_cuba] [--repeat N] [--no-peer]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "memspike")
PY = "/usr/bin/python3"
PEER = {"brunel_delta": "brian2_brunel.py", "brette_cuba": "brian2_cuba.py"}


def run_memspike(name, seed, extra=()):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "summary.json")
        cmd = [BIN, "run", os.path.join(ROOT, "configs", name + ".ini"), "--no-log",
               "--quiet", "--json", out, "--set", "simulation.seed=%d" % seed, *extra]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return json.load(f)


def run_peer(name, seed):
    cmd = [PY, os.path.join(ROOT, "bench", PEER[name]), "--seed", str(seed)]
    res = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def median(xs):
    return statistics.median(xs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--networks", default="brunel_delta,brette_cuba")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs per engine and network (Brunel's peer runs once)")
    ap.add_argument("--no-peer", action="store_true", help="skip Brian2")
    args = ap.parse_args()
    rows = []
    for name in args.networks.split(","):
        reps = args.repeat
        ms = [run_memspike(name, seed=s + 1) for s in range(reps)]
        peer = []
        if not args.no_peer:
            peer_reps = 1 if name == "brunel_delta" else reps
            peer = [run_peer(name, seed=s + 1) for s in range(peer_reps)]
        rows.append((name, ms, peer))

    print("\nmemspike vs Brian2 %s (cpp_standalone, 1 thread); medians over runs\n"
          % (rows[0][2][0]["version"] if rows and rows[0][2] else "(not run)"))
    hdr = "%-13s %-9s %5s %8s %9s %8s %10s %9s %8s %9s"
    print(hdr % ("network", "engine", "runs", "build_s", "simulate_s", "RTF",
                 "events/s", "RSS_MB", "B/syn", "rate_Hz"))
    for name, ms, peer in rows:
        sim = median([m["simulate_s"] for m in ms])
        build = median([m["build_s"] for m in ms])
        simulated_s = ms[0]["simulated_ms"] / 1000
        ev = median([m["events_per_s"] for m in ms])
        rss = median([m["peak_rss_mb"] for m in ms])
        rates = [m["mean_rate_hz"] for m in ms]
        print("%-13s %-9s %5d %8.3f %9.3f %8.3f %10.3g %9.1f %8.2f %9.3f" % (
            name, "memspike", len(ms), build, sim, sim / simulated_s, ev, rss,
            ms[0]["bytes_per_synapse"], statistics.mean(rates)))
        if peer:
            psim = median([p["run_loop_s"] for p in peer])
            pbuild = median([p["build_s"] for p in peer])
            prss = median([p["peak_rss_mb"] for p in peer])
            prates = [p["mean_rate_hz"] for p in peer]
            pev = (ms[0]["syn_events"] + ms[0]["ext_events"]) / psim
            print("%-13s %-9s %5d %8.3f %9.3f %8.3f %10.3g %9.1f %8s %9.3f" % (
                "", "brian2", len(peer), pbuild, psim, psim / simulated_s, pev, prss, "-",
                statistics.mean(prates)))
            print("%-13s %-9s simulate time memspike/brian2 = %.3f (speed-up %.2fx), "
                  "memory memspike/brian2 = %.3f" % ("", "ratio", sim / psim, psim / sim,
                                                      rss / prss))
            print("%-13s %-9s rates: memspike %s Hz, brian2 %s Hz" % (
                "", "", " ".join("%.3f" % r for r in rates),
                " ".join("%.3f" % r for r in prates)))
    print("\nbuild_s: memspike network construction; Brian2 code generation and "
          "compilation.\nBrian2's events/s uses memspike's event count of the same "
          "network (same model, seed differs).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
