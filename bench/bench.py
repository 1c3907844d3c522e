#!/usr/bin/python3
"""bench.py: memspike against Brian2 (cpp_standalone, one thread) on the
benchmark networks, run side by side on this machine.

For each network it runs memspike (--no-log, --json) and the Brian2 peer
script (bench/brian2_*.py) and prints, per engine: build seconds, simulate
seconds (Brian2: its own run-loop timer), real-time factor, synaptic events
per second, peak RSS, bytes per synapse and mean rate; then the ratios
memspike / Brian2 for simulation time and memory.  Times are medians over
--repeat runs.  It asserts nothing about time: figures only.

With --mpi (on by default) it also runs Brunel on 1 and 2 ranks and prints
the speed-up, bytes sent per spike, the fraction of time in communication,
memory per rank, and a weak-scaling projection (model stated in the output).
The CNN section also times the whole default convert command on 1 and 2
ranks (wall, alternated) and checks that both print the same accuracies.

usage: bench.py [--networks brunel_delta,brette_cuba] [--repeat N] [--no-peer]
                [--no-mpi] [--no-cnn] [--no-convert-mpi]
"""
import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "memspike")
PY = "/usr/bin/python3"
PEER = {"brunel_delta": "brian2_brunel.py", "brette_cuba": "brian2_cuba.py",
        "potjans_2014": "brian2_potjans.py"}


# Runs above ~2 GB take this lock, so that two big runs (of any engineer
# or bench on this shared machine) never overlap.
BIG_LOCK = "/tmp/memspike-bigrun.lock"


def run_memspike(name, seed, extra=(), ranks=0, big=False):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "summary.json")
        cfg = name if name.endswith(".ini") else os.path.join(ROOT, "configs", name + ".ini")
        cmd = [BIN, "run", cfg, "--no-log", "--quiet", "--json", out,
               "--set", "simulation.seed=%d" % seed, *extra]
        if ranks:
            cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks),
                   *cmd]
        if big and shutil.which("flock"):
            cmd = ["flock", BIG_LOCK, *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            return json.load(f)


def run_peer(name, seed, extra=()):
    cmd = [PY, os.path.join(ROOT, "bench", PEER[name]), "--seed", str(seed), *extra]
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
    ap.add_argument("--no-mpi", action="store_true", help="skip the 1 vs 2 rank runs")
    ap.add_argument("--no-device", action="store_true", help="skip the device benchmark")
    ap.add_argument("--no-cnn", action="store_true", help="skip the CNN conversion benchmark")
    ap.add_argument("--cnn-images", type=int, default=10000)
    ap.add_argument("--no-convert-mpi", action="store_true",
                    help="skip the whole convert command on 1 and 2 ranks (~35 + 20 s a pair)")
    ap.add_argument("--no-potjans", action="store_true",
                    help="skip the microcircuit (full scale: ~3 GB, ~2 min a run; Brian2 at "
                         "0.1 scale: ~10 min of g++)")
    ap.add_argument("--potjans-scale", type=float, default=0.1,
                    help="N_scaling = K_scaling of the microcircuit run in both engines")
    ap.add_argument("--no-scaling", action="store_true", help="skip the Brunel size table")
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
    if not args.no_scaling:
        brunel_scaling()
    mc = None
    if not args.no_potjans:
        mc = potjans_bench(args.potjans_scale, args.no_peer)
    if not args.no_mpi:
        mpi_bench(args.repeat, mc)
    if not args.no_device:
        device_bench()
    if not args.no_cnn:
        cnn_bench(args.cnn_images)
        cnn_coding_bench(args.cnn_images)
        if not args.no_convert_mpi:
            convert_mpi_bench(args.repeat)
    return 0


def cnn_bench(images, steps=64):
    """Converted Fashion-MNIST CNN at T = 64: memspike (event-driven) and a
    dense clock-driven PyTorch SNN of the same conversion, one core each."""
    model = os.path.join(ROOT, "configs", "models", "fmnist_cnn.msgpack")
    data = "/usr/share/datasets/fashion-mnist"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "c.json")
        subprocess.run([BIN, "convert", model, "--data", data, "--steps", str(steps),
                        "--images", str(images), "--json", out, "--quiet"], check=True,
                       stdout=subprocess.DEVNULL)
        with open(out) as f:
            m = json.load(f)
        # The same network on the kernel's engine (one tick per layer).
        ne = min(images, 2000)
        subprocess.run([BIN, "convert", model, "--data", data, "--steps", str(steps),
                        "--images", str(ne), "--schedule", "engine", "--json", out, "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            me = json.load(f)
    res = subprocess.run([PY, os.path.join(ROOT, "bench", "torch_snn.py"), "--model", model,
                          "--steps", str(steps), "--images", str(images), "--threads", "1"],
                         check=True, capture_output=True, text=True)
    t = json.loads(res.stdout.strip().splitlines()[-1])
    print("\nCNN conversion, Fashion-MNIST, %d test images, T = %d (one core each)" % (images, steps))
    print("  %-22s %10s %12s" % ("engine", "accuracy", "images/s"))
    print("  %-22s %9.2f%% %12.1f" % ("memspike (events)", 100 * m["snn_accuracy"][0],
                                       m["images_per_s"]))
    print("  %-22s %9.2f%% %12.1f   (first %d images)" % (
        "memspike kernel engine", 100 * me["snn_accuracy"][0], me["images_per_s"], ne))
    print("  %-22s %9.2f%% %12.1f" % ("PyTorch dense SNN", 100 * t["accuracy"], t["images_per_s"]))
    agree = abs(m["snn_accuracy"][0] - t["accuracy"]) <= 0.005
    print("  accuracies agree (within 0.5 points): %s; speed-up memspike / PyTorch: %.2fx "
          "(goal 5x); ANN %.2f%%" % ("yes" if agree else "NO", m["images_per_s"] /
                                      t["images_per_s"], 100 * m["ann_accuracy"]))


def convert_accuracies(text):
    """The accuracies convert prints: the ANN line and the rows of the
    first table (steps, SNN acc %, vs ANN), up to the SNN run line."""
    acc, table = [], False
    for line in text.splitlines():
        s = line.strip()
        if s.startswith("ANN accuracy"):
            acc.append(s)
            table = True
        elif s.startswith("SNN run:"):
            break
        elif table and s and s.split()[0].isdigit():
            acc.append(" ".join(s.split()[:3]))
    return acc


def convert_mpi_bench(repeat):
    """The whole default convert command (all 10000 test images, every step
    count; load, calibration, SNN, report, MPI start and end) on 1 rank (no
    mpirun) and 2 ranks, alternated, wall time: the goal is 1.8x."""
    model = os.path.join(ROOT, "configs", "models", "fmnist_cnn.msgpack")
    cmd = [BIN, "convert", model, "--data", "/usr/share/datasets/fashion-mnist"]
    mpi = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2"]
    print("\nconvert on 1 and 2 ranks: `memspike convert configs/models/fmnist_cnn.msgpack "
          "--data /usr/share/datasets/fashion-mnist` (wall seconds of the whole command, "
          "alternated; 1 rank without mpirun)")
    wall = {1: [], 2: []}
    accs = {1: [], 2: []}
    for i in range(max(1, repeat)):
        for n in (1, 2):
            t0 = time.monotonic()
            res = subprocess.run(cmd if n == 1 else mpi + cmd, check=True, capture_output=True,
                                 text=True)
            wall[n].append(time.monotonic() - t0)
            accs[n].append(convert_accuracies(res.stdout))
            print("  run %d, %d rank%s: %7.2f s" % (i + 1, n, "" if n == 1 else "s", wall[n][-1]))
    m1, m2 = median(wall[1]), median(wall[2])
    same = all(a == accs[1][0] and a for n in (1, 2) for a in accs[n])
    print("  median 1 rank %.2f s, 2 ranks %.2f s: speed-up %.2fx (goal 1.8x); accuracies "
          "identical on every run (%d lines each): %s" % (m1, m2, m1 / m2, len(accs[1][0]),
                                                         "yes" if same else "NO"))


def cnn_coding_bench(images, steps=32):
    """The best coding (TTFS: the fewest spikes at the ANN's accuracy, see
    docs/energy.md) against the dense clock-driven PyTorch TTFS SNN of the
    same conversion (bench/torch_snn.py --coding ttfs), one core each, and
    the rate-coded T = 64 ratio of cnn_bench for comparison."""
    model = os.path.join(ROOT, "configs", "models", "fmnist_cnn.msgpack")
    data = "/usr/share/datasets/fashion-mnist"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "c.json")
        subprocess.run([BIN, "convert", model, "--data", data, "--steps", str(steps),
                        "--images", str(images), "--coding", "ttfs", "--json", out, "--quiet"],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out) as f:
            m = json.load(f)
    res = subprocess.run([PY, os.path.join(ROOT, "bench", "torch_snn.py"), "--model", model,
                          "--coding", "ttfs", "--steps", str(steps), "--images", str(images),
                          "--threads", "1"], check=True, capture_output=True, text=True)
    t = json.loads(res.stdout.strip().splitlines()[-1])
    print("\nCNN conversion, TTFS coding, Fashion-MNIST, %d test images, T = %d steps per "
          "layer window (one core each)" % (images, steps))
    print("  %-22s %10s %12s %14s" % ("engine", "accuracy", "images/s", "spikes/neuron"))
    print("  %-22s %9.2f%% %12.1f %14.4f" % ("memspike (events)", 100 * m["snn_accuracy"][0],
                                             m["images_per_s"], m["spikes_per_neuron"][0]))
    print("  %-22s %9.2f%% %12.1f" % ("PyTorch dense TTFS", 100 * t["accuracy"],
                                       t["images_per_s"]))
    agree = abs(m["snn_accuracy"][0] - t["accuracy"]) <= 0.005
    print("  accuracies agree (within 0.5 points): %s; speed-up memspike / PyTorch: %.2fx "
          "(goal 5x); ANN %.2f%%" % ("yes" if agree else "NO", m["images_per_s"] /
                                      t["images_per_s"], 100 * m["ann_accuracy"]))


def device_sets(preset):
    sets = []
    for proj in ("EE", "IE", "EI", "II"):
        sets += ["--set", proj + ".synapse=device", "--set", proj + ".device=" + preset,
                 "--set", proj + ".weight_scale=1"]
    return sets


def device_bench():
    """Brunel with static vs device synapses; the 10-year retention jump."""
    print("\nDevice synapses on Brunel delta (all 4 recurrent projections; weight = 1 mV x w)")
    print("  %-14s %10s %12s %10s %9s %12s %12s" % ("synapses", "simulate_s", "events/s",
                                                  "vs_static", "B/syn", "rate_Hz",
                                                  "read_pJ"))
    base = None
    for label, extra in (("static", []), ("ideal device", device_sets("ideal")),
                         ("ecram_li_wo3", device_sets("ecram_li_wo3"))):
        r = run_memspike("brunel_delta", seed=1, extra=extra)
        base = base or r
        print("  %-14s %10.3f %12.3g %10.2f %9.2f %12.3f %12.4g" % (
            label, r["simulate_s"], r["events_per_s"], r["simulate_s"] / base["simulate_s"],
            r["bytes_per_synapse"], r["mean_rate_hz"], r["read_energy_pj"]))
    # 1M device synapses read at t = 1 ms and again ten idle years later.
    year_ms = 365.25 * 86400e3
    T = 10 * year_ms
    cfg = """[simulation]
duration = %.1f
resolution = 0.1
[population pre]
model = spike_generator
n = 1000
spike_times = 1.0, %.1f
[population post]
model = iaf_psc_delta
n = 1000
[projection p]
source = pre
target = post
rule = all_to_all
weight = 0.5
delay = 1.0
synapse = device
device = ecram_protonic
weight_scale = 1
""" % (T + 10, T)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "jump.ini")
        with open(path, "w") as f:
            f.write(cfg)
        out = os.path.join(tmp, "s.json")
        env = dict(os.environ, MEMSPIKE_DEVICES=os.path.join(ROOT, "configs", "devices"))
        subprocess.run([BIN, "run", path, "--no-log", "--quiet", "--json", out], check=True,
                       stdout=subprocess.DEVNULL, env=env)
        with open(out) as f:
            r = json.load(f)
    print("  10 simulated years, 1M ecram_protonic synapses (relaxing, lifetime 1e4 s), "
          "read at 1 ms and at 10 y:")
    print("    simulate %.3f s for %.3g simulated s (%d device reads); build %.3f s" % (
        r["simulate_s"], r["simulated_ms"] / 1e3, r["device_reads"], r["build_s"]))


def cpu(r, phase="simulate"):
    """CPU seconds of a phase (this machine is shared: wall time also counts
    the waiting for a core), wall seconds from a binary without them."""
    return r.get(phase + "_cpu_s", r[phase + "_s"])


def ns_per_event(r):
    """Simulate CPU time per synaptic event (recurrent + external), and
    charged to the recurrent events alone (an upper bound of their cost)."""
    ev = r["syn_events"] + r["ext_events"]
    return 1e9 * cpu(r) / max(1, ev), 1e9 * cpu(r) / max(1, r["syn_events"])


def brunel_scaling():
    """Brunel delta at 0.5x, 1x, 2x, 4x the neurons, in-degree fixed (CE 1000,
    CI 250), so the rates stay and the synapses grow with N: the cost per
    event as the rings and tables outgrow the caches."""
    print("\nBrunel delta by size (neurons x order, in-degree fixed; 1000 ms, one core)")
    print("  %-6s %8s %11s %9s %9s %11s %10s %12s %12s %9s" % (
        "order", "neurons", "synapses", "B/syn", "RSS_MB", "simulate_s", "cpu_s", "ns/event",
        "ns/rec.event", "rate_Hz"))
    for order in (0.5, 1, 2, 4):
        ne, ni = int(10000 * order), int(2500 * order)
        r = run_memspike("brunel_delta", seed=1,
                         extra=["--set", "E.n=%d" % ne, "--set", "I.n=%d" % ni])
        a, b = ns_per_event(r)
        print("  %-6g %8d %11d %9.2f %9.1f %11.3f %10.3f %12.2f %12.2f %9.2f" % (
            order, r["neurons"], r["synapses"], r["bytes_per_synapse"], r["peak_rss_mb"],
            r["simulate_s"], cpu(r), a, b, r["mean_rate_hz"]))
    print("  ns/event: simulate CPU time / (recurrent + external events); ns/rec.event: all "
          "of it charged to the recurrent events")


def pop_rates(r):
    return [p["rate_hz"] for p in r["populations"] if p["model"] != "poisson_generator"]


def potjans_bench(scale, no_peer):
    """The microcircuit: memspike at full scale on 1 and 2 ranks; memspike and
    Brian2 side by side at N_scaling = K_scaling = scale (Brian2 cannot hold
    the full model here, see docs/potjans_2014.md)."""
    full = os.path.join(ROOT, "configs", "potjans_2014.ini")
    r1 = run_memspike(full, seed=55, big=True)
    r2 = run_memspike(full, seed=55, ranks=2, big=True)
    sim_s = r1["simulated_ms"] / 1000
    print("\nPotjans-Diesmann microcircuit, full scale (%d neurons, %d synapses, %.0f ms, "
          "seed 55)" % (r1["neurons"], r1["synapses"], r1["simulated_ms"]))
    print("  %-5s %8s %8s %10s %8s %8s %14s %8s %12s %10s %8s %9s" % (
        "ranks", "build_s", "cpu_s", "simulate_s", "cpu_s", "RTF", "core-s/bio-s", "B/syn",
        "RSS/rank_MB", "comm_frac", "B/spike", "ns/event"))
    for n, r in ((1, r1), (2, r2)):
        print("  %-5d %8.2f %8.2f %10.2f %8.2f %8.2f %14.1f %8.2f %12.1f %10.3f %8.2f %9.2f" % (
            n, r["build_s"], cpu(r, "build"), r["simulate_s"], cpu(r), r["simulate_s"] / sim_s,
            n * r["simulate_s"] / sim_s, r["bytes_per_synapse"], r["peak_rss_mb_all"] / n,
            r["exchange_s"] / r["simulate_s"], r["bytes_sent"] / max(1, r["spikes_emitted"]),
            ns_per_event(r)[0]))
    print("  2 ranks: speed-up %.2fx; RSS per rank %.2f of 1 rank's; identical spike count: %s"
          % (r1["simulate_s"] / r2["simulate_s"], r2["peak_rss_mb_all"] / 2 / r1["peak_rss_mb"],
             "yes" if r1["spikes_emitted"] == r2["spikes_emitted"] else "NO"))
    print("  rates (Hz, whole run) %s" % " ".join("%.3f" % x for x in pop_rates(r1)))
    print("  NEST 3.9 (shared/ANCHORS.md, issue 12): ~77 core-s per bio-s on a 128-thread node "
          "(RTF ~0.6); ~300 s per bio-s, ~200 s build, 14 GiB on one core")

    with tempfile.TemporaryDirectory() as tmp:
        cfg = os.path.join(tmp, "potjans_scaled.ini")
        with open(cfg, "w") as f:
            subprocess.run([PY, os.path.join(ROOT, "tools", "potjans_config.py"),
                            "--n-scaling", str(scale), "--k-scaling", str(scale)],
                           check=True, stdout=f)
        ms = run_memspike(cfg, seed=55)
    print("\nMicrocircuit at N_scaling = K_scaling = %g (%d neurons, %d synapses), one core "
          "each" % (scale, ms["neurons"], ms["synapses"]))
    if no_peer:
        print("  memspike simulate %.3f s, RSS %.1f MB (Brian2 not run)" % (
            ms["simulate_s"], ms["peak_rss_mb"]))
        return {"r1": r1, "r2": r2}
    pr = run_peer("potjans_2014", seed=55, extra=["--scale", str(scale)])
    print("  %-9s %8s %10s %9s %9s" % ("engine", "build_s", "simulate_s", "RSS_MB", "synapses"))
    print("  %-9s %8.2f %10.3f %9.1f %9d" % ("memspike", ms["build_s"], cpu(ms),
                                            ms["peak_rss_mb"], ms["synapses"]))
    print("  %-9s %8.2f %10.3f %9.1f %9d" % ("brian2", pr["build_s"], pr["run_loop_s"],
                                            pr["peak_rss_mb"], pr["synapses"]))
    print("  simulate time memspike/brian2 = %.3f (speed-up %.2fx), memory memspike/brian2 "
          "= %.3f" % (cpu(ms) / pr["run_loop_s"], pr["run_loop_s"] / cpu(ms),
                      ms["peak_rss_mb"] / pr["peak_rss_mb"]))
    print("  rates over the whole run (Hz), L23E L23I L4E L4I L5E L5I L6E L6I:")
    print("    memspike %s" % " ".join("%.3f" % x for x in pop_rates(ms)))
    print("    brian2   %s" % " ".join("%.3f" % pr["rate_by_pop_all"][p] for p in
                                       ("L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E",
                                        "L6I")))
    print("  (simulate: CPU seconds, as Brian2's std::clock() run-loop timer; brian2 build_s: "
          "code generation and g++ -j2; the engines draw the same network law from different "
          "streams)")
    return {"r1": r1, "r2": r2}


# Interconnect assumed for the projection (a cluster, not this machine):
# EDR InfiniBand-class MPI latency 2 us and 12.5 GB/s per rank (100 Gb/s
# links; OSU micro-benchmark latencies on EDR are ~1-2 us).
ALPHA_S = 2e-6
BETA_BPS = 12.5e9


def projection(label, r1, r2, n_meas, n, K, P_list):
    """Weak scaling: n neurons per rank, in-degree K, the measured rate and
    window.  Per window and rank:
      compute  = (1-rank simulate CPU - exchange) / windows x n / n_meas
      sync     = measured 2-rank exchange per window (this machine's floor:
                 barrier-like wait and imbalance), kept constant
      latency  = alpha (log2 P + P - 1): the counts by a log-depth collective,
                 then one message to every rank holding targets (all of them
                 once P < n K / ... in a random network)
      volume   = 8 B x rate x window x distinct sources a rank needs, which
                 for n K random synapses over N = P n sources is
                 N (1 - exp(-n K / N)), over beta.
    Presence table (per local neuron the ranks holding its targets): a
    neuron of fan-out K has targets on P (1 - exp(-K / P)) ranks."""
    windows = r1["windows"]
    win_s = r1["min_delay_ticks"] * 1e-4
    comp = (cpu(r1) - r1["exchange_s"]) / windows * (n / n_meas)
    sync = r2["exchange_s"] / r2["windows"]
    rate = r1["mean_rate_hz"]
    per_s = 1.0 / win_s
    print("\nWeak-scaling projection, %s: %d neurons per rank, in-degree %d, %.2f Hz, window "
          "%.1f ms" % (label, n, K, rate, win_s * 1e3))
    print("  constants: compute %.3f ms/window (measured 1 rank x %.2f), sync %.3f ms/window "
          "(measured at 2 ranks), alpha %.1f us, beta %.1f GB/s (assumed)" % (
              comp * 1e3, n / n_meas, sync * 1e3, ALPHA_S * 1e6, BETA_BPS / 1e9))
    print("  %-6s %10s %9s %10s %10s %12s %10s %14s %14s %12s" % (
        "ranks", "compute_s", "sync_s", "latency_s", "volume_s", "s/bio-s", "comm_frac",
        "presence_MB", "bitmap_MB", "build_bits_MB"))
    for P in P_list:
        N = P * n
        distinct = N * (1 - math.exp(-n * K / N))
        lat = ALPHA_S * (math.log2(P) + P - 1)
        vol = 8 * rate * win_s * distinct / BETA_BPS
        tot = comp + sync + lat + vol
        # Fan-out = in-degree in these networks (every synapse has one source).
        dests = P * (1 - math.exp(-K / P))
        presence = n * (4 + 4 * dests) / 1e6       # dest_off + int32 rank lists
        bitmap = n * P / 8 / 1e6                   # one bit per (neuron, rank)
        build_bits = 2 * N / 8 / 1e6               # net_build's global need + send bits
        print("  %-6d %10.2f %9.2f %10.2f %10.2f %12.2f %10.3f %14.1f %14.1f %12.1f" % (
            P, comp * per_s, sync * per_s, lat * per_s, vol * per_s, tot * per_s,
            (tot - comp) / tot, presence, bitmap, build_bits))


def mpi_bench(repeat, mc=None):
    """Brunel on 1 and 2 ranks, then the weak-scaling projections."""
    runs = {}
    for np_ in (1, 2):
        rs = [run_memspike("brunel_delta", seed=1, ranks=np_) for _ in range(max(1, repeat - 1))]
        runs[np_] = min(rs, key=lambda r: r["simulate_s"])
    r1, r2 = runs[1], runs[2]
    same = r1["spikes_emitted"] == r2["spikes_emitted"]
    print("\nBrunel delta on 1 and 2 ranks (mpirun, this 2-core machine; best of %d)" %
          max(1, repeat - 1))
    print("  %-5s %10s %10s %10s %12s %14s %12s" % ("ranks", "simulate_s", "comm_s",
                                                    "comm_frac", "bytes/spike",
                                                    "RSS/rank_MB", "spikes"))
    for n, r in runs.items():
        print("  %-5d %10.3f %10.3f %10.3f %12.2f %14.1f %12d" % (
            n, r["simulate_s"], r["exchange_s"], r["exchange_s"] / r["simulate_s"],
            r["bytes_sent"] / max(1, r["spikes_emitted"]), r["peak_rss_mb_all"] / n,
            r["spikes_emitted"]))
    print("  speed-up 2 ranks: %.2fx; identical spike count: %s" %
          (r1["simulate_s"] / r2["simulate_s"], "yes" if same else "NO"))
    projection("Brunel", r1, r2, 12500, 100000, 1250, (64, 1024, 16384))
    if mc:
        projection("microcircuit", mc["r1"], mc["r2"], mc["r1"]["neurons"], 77169, 3874,
                   (64, 1024, 16384))
    print("  presence_MB: this code's table (4 B offset + a 4 B rank per destination, per "
          "local neuron), bounded by the fan-out K whatever P; bitmap_MB: a bit per rank "
          "instead (grows with P); build_bits_MB: net_build's presence exchange today, two "
          "bits per global neuron (grows with N = P n: the part still to make sparse, by "
          "sending each owner the row sources of the CSR tables instead)")


if __name__ == "__main__":
    sys.exit(main())
