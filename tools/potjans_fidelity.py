#!/usr/bin/python3
"""potjans_fidelity.py: run the Potjans-Diesmann microcircuit for several
seeds and compare its per-population rates with NEST's reference.

    tools/potjans_fidelity.py [--seeds S] [--first-seed N] [--config FILE]
                              [--memspike BIN] [--work DIR] [--json FILE]

Each seed is one `memspike run CONFIG --set simulation.seed=N` (one rank,
one core: runs go one after the other), then
`memspike replay LOG --stats --json --from 500 --to 1500`.  Prints one
row per population: NEST's reference rate (one NEST run, network_params.py
full_mean_rates), the seed mean and sd of the population rate, the mean
CV of ISI, and how far the reference lies from the seed mean in units of
the seed sd; then each run's build time, simulate time, real-time factor,
bytes per synapse and peak RSS.  Not part of `make test` (a full-scale
run needs ~3 GB and ~1.5 min here).
"""
import argparse
import json
import math
import os
import subprocess
import sys

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
RATES_REF = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]


def mean_sd(xs):
    m = sum(xs) / len(xs)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else float("nan")
    return m, sd


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=55)
    ap.add_argument("--config", default=os.path.join(root, "configs", "potjans_2014.ini"))
    ap.add_argument("--memspike", default=os.path.join(root, "build", "memspike"))
    ap.add_argument("--work", default="/tmp/potjans_fidelity")
    ap.add_argument("--json", help="also write the table and the runs as JSON")
    ap.add_argument("--from-ms", type=float, default=500.0)
    ap.add_argument("--to-ms", type=float, default=1500.0)
    a = ap.parse_args()
    if a.seeds < 1:
        sys.exit("potjans_fidelity: --seeds must be >= 1")

    runs, stats = [], []
    for i in range(a.seeds):
        seed = a.first_seed + i
        out = os.path.join(a.work, "seed%d" % seed)
        os.makedirs(out, exist_ok=True)
        rj = os.path.join(out, "run.json")
        cmd = [a.memspike, "run", a.config, "--set", "simulation.seed=%d" % seed,
               "--out", out, "--json", rj, "--quiet"]
        print("potjans_fidelity: seed %d: %s" % (seed, " ".join(cmd)), file=sys.stderr)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        with open(rj) as f:
            runs.append(json.load(f))
        logs = sorted(os.path.join(out, x) for x in os.listdir(out)
                      if x.startswith("events.rank") and x.endswith(".msgpack"))
        st = subprocess.run([a.memspike, "replay"] + logs +
                            ["--stats", "--json", "--from", "%g" % a.from_ms,
                             "--to", "%g" % a.to_ms],
                            check=True, stdout=subprocess.PIPE, text=True).stdout
        pops = {p["name"]: p for p in json.loads(st)["populations"]}
        stats.append(pops)
        for x in logs:  # the logs are small, but need not stay
            os.remove(x)
            if os.path.exists(x + ".index"):
                os.remove(x + ".index")

    rows = []
    print("rates and CV of ISI over [%g, %g) ms, %d seed%s (%s)" %
          (a.from_ms, a.to_ms, a.seeds, "s" if a.seeds > 1 else "",
           ", ".join(str(a.first_seed + i) for i in range(a.seeds))))
    print("%-6s %9s %9s %8s %8s %8s" % ("pop", "NEST Hz", "mean Hz", "sd Hz", "CV mean", "z"))
    for name, ref in zip(POPS, RATES_REF):
        r = [s[name]["rate_hz"] for s in stats]
        cv = [s[name]["cv_isi"] for s in stats if s[name]["cv_isi"] is not None]
        m, sd = mean_sd(r)
        cvm = sum(cv) / len(cv) if cv else float("nan")
        z = (ref - m) / sd if sd and sd > 0 else float("nan")
        rows.append({"population": name, "nest_hz": ref, "mean_hz": m, "sd_hz": sd,
                     "cv_isi_mean": cvm, "z": z, "rates_hz": r})
        print("%-6s %9.3f %9.3f %8.3f %8.3f %8.2f" % (name, ref, m, sd, cvm, z))
    print("runs: seed, build s, simulate s, RTF, bytes/synapse, synapses, peak RSS MB")
    for r in runs:
        print("  %d %8.2f %9.2f %7.2f %7.2f %11d %9.1f" %
              (r["seed"], r["build_s"], r["simulate_s"], r["real_time_factor"],
               r["bytes_per_synapse"], r["synapses"], r["peak_rss_mb"]))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"table": rows, "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
