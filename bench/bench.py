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

usage: bench.py [--networks brunel_delta,brette_cuba] [--repeat N] [--no-peer]
                [--no-mpi]
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


def run_memspike(name, seed, extra=(), ranks=0):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "summary.json")
        cmd = [BIN, "run", os.path.join(ROOT, "configs", name + ".ini"), "--no-log",
               "--quiet", "--json", out, "--set", "simulation.seed=%d" % seed, *extra]
        if ranks:
            cmd = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", str(ranks),
                   *cmd]
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
    ap.add_argument("--no-mpi", action="store_true", help="skip the 1 vs 2 rank runs")
    ap.add_argument("--no-device", action="store_true", help="skip the device benchmark")
    ap.add_argument("--no-cnn", action="store_true", help="skip the CNN conversion benchmark")
    ap.add_argument("--cnn-images", type=int, default=10000)
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
    if not args.no_mpi:
        mpi_bench(args.repeat)
    if not args.no_device:
        device_bench()
    if not args.no_cnn:
        cnn_bench(args.cnn_images)
        cnn_coding_bench(args.cnn_images)
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


# Interconnect assumed for the projection (a cluster, not this machine):
# EDR InfiniBand-class latency and per-rank bandwidth.
ALPHA_S = 2e-6
BETA_BPS = 12.5e9


def mpi_bench(repeat):
    """Brunel on 1 and 2 ranks, then a weak-scaling projection."""
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

    # Weak scaling: 100k neurons per rank, Brunel's in-degree, rates and
    # min-delay window.  Per window and rank:
    #   compute  = measured 1-rank compute per window x (100k / 12.5k)
    #   latency  = alpha x (log2 P + P - 1): counts by a log-depth all-to-all,
    #              payload to every rank holding targets (all, in a random net)
    #   volume   = 8 B x spikes of the distinct sources a rank needs, which for
    #              n K random synapses over N = P n sources is N (1 - e^{-nK/N})
    windows = r1["windows"]
    comp = (r1["simulate_s"] - r1["exchange_s"]) / windows * (100000 / 12500)
    rate = r1["mean_rate_hz"]
    win_s = r1["min_delay_ticks"] * 1e-4
    n, K = 100000, 1250
    print("\nWeak-scaling projection, 100k neurons per rank (Brunel in-degree %d, %.1f Hz,"
          " window %.1f ms)" % (K, rate, win_s * 1e3))
    print("  model per window: measured compute x 8 + alpha (log2 P + P - 1) + "
          "8 B x rate x window x N (1 - exp(-n K / N)) / beta")
    print("  alpha = %.1f us, beta = %.1f GB/s (assumed cluster interconnect); compute "
          "measured here: %.3f ms per window" % (ALPHA_S * 1e6, BETA_BPS / 1e9, comp * 1e3))
    print("  %-7s %14s %14s %14s %18s" % ("ranks", "compute_s", "latency_s", "volume_s",
                                          "time per sim. s"))
    import math
    per_s = 1.0 / win_s
    for P in (64, 1024, 16384):
        N = P * n
        distinct = N * (1 - math.exp(-n * K / N))
        lat = ALPHA_S * (math.log2(P) + P - 1)
        vol = 8 * rate * win_s * distinct / BETA_BPS
        print("  %-7d %14.2f %14.2f %14.2f %18.2f" % (P, comp * per_s, lat * per_s,
                                                      vol * per_s,
                                                      (comp + lat + vol) * per_s))


if __name__ == "__main__":
    sys.exit(main())
