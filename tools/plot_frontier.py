#!/usr/bin/python3
"""plot_frontier.py: the accuracy-energy frontier of several codings and
the spike-rate crossover, from the JSON files of `memspike convert
--coding C --json FILE` (one file per coding or model; docs/energy.md).

usage: plot_frontier.py [--out PREFIX] RESULT.json [RESULT.json ...]
  --out PREFIX  write PREFIX.png and PREFIX.json (default: frontier)

PREFIX.png, two panels:
  left   accuracy versus energy per inference (log), every operating point:
         each coding's SNN on digital hardware and on a crossbar at every
         reported T (joined in order of T, T written beside the crossbar
         points), each model's ANN on digital hardware and on a crossbar
         (stars); the points no other point beats in both accuracy and
         energy (the frontier) are circled and joined.
  right  energy of the SNN relative to the ANN on the same substrate
         (crossbar: SNN crossbar / ANN crossbar; digital: SNN digital /
         ANN digital) versus spikes per synapse per inference (synops /
         MACs), log-log: the measured operating points, and for the energy
         table's T of each coding the energy model's line through its
         point (every layer's spikes scaled by one factor: the SNN's energy
         is affine in the spike counts, its floor the energy with no spike);
         where a line crosses 1 is that coding's crossover, marked with a
         vertical tick and its value (thin lines: the other T).
PREFIX.json: {"points": [{"file", "coding", "impl", "steps", "accuracy",
"energy_pj", "latency_ns", "spikes_per_synapse", "frontier"}...],
"crossovers": [{"file", "coding", "steps", "digital", "crossbar"}...]}
(crossover values in spikes per synapse per inference; null: never).
Needs python3-matplotlib (/usr/bin/python3).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

IMPLS = ["ann_digital", "ann_crossbar", "snn_digital", "snn_crossbar"]
COLORS = {"rate": "tab:blue", "qcfs": "tab:green", "ttfs": "tab:red"}


def fail(path, msg):
    sys.exit("plot_frontier: %s: %s" % (path, msg))


def load(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        fail(path, "cannot read JSON: %s" % e)
    for k in ("by_steps", "coding", "ann_accuracy", "macs", "energy"):
        if k not in d:
            fail(path, "field '%s' is missing (expected the JSON of `memspike convert "
                 "--json`, from a build with --coding)" % k)
    if not d["by_steps"]:
        fail(path, "field 'by_steps' is empty")
    return d


def pareto(points):
    """Indices of the points not dominated (higher accuracy, lower energy)."""
    keep = []
    for i, p in enumerate(points):
        dom = False
        for j, q in enumerate(points):
            if j != i and q["accuracy"] >= p["accuracy"] and q["energy_pj"] <= p["energy_pj"] \
                    and (q["accuracy"] > p["accuracy"] or q["energy_pj"] < p["energy_pj"]):
                dom = True
                break
        if not dom:
            keep.append(i)
    return keep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="frontier")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args(argv)
    docs = [(f, load(f)) for f in a.files]
    points, xo = [], []
    for f, d in docs:
        c = d["coding"]
        name = os.path.basename(f)
        seen_ann = set()
        for s in d["by_steps"]:
            tot = s["total"]
            for im in IMPLS:
                ann = im.startswith("ann")
                if ann and im in seen_ann:
                    continue
                if ann:
                    seen_ann.add(im)
                points.append({"file": name, "coding": "ann" if ann else c, "impl": im,
                               "steps": None if ann else s["steps"],
                               "accuracy": d["ann_accuracy"] if ann else s["snn_accuracy"],
                               "energy_pj": tot[im]["total_pj"],
                               "latency_ns": tot[im]["latency_ns"],
                               "spikes_per_synapse": None if ann else s["spikes_per_synapse"]})
            xo.append({"file": name, "coding": c, "steps": s["steps"],
                       "digital": s["crossover_digital"], "crossbar": s["crossover_crossbar"]})
    front = set(pareto(points))
    for i, p in enumerate(points):
        p["frontier"] = i in front

    fig, (ax, bx) = plt.subplots(1, 2, figsize=(15, 6.2))
    for f, d in docs:
        c = d["coding"]
        col = COLORS.get(c, "tab:gray")
        st = d["by_steps"]
        for im, mk, ls in (("snn_crossbar", "o", "-"), ("snn_digital", "s", "--")):
            xs = [s["total"][im]["total_pj"] / 1e3 for s in st]
            ys = [100 * s["snn_accuracy"] for s in st]
            ax.plot(xs, ys, ls, marker=mk, color=col, ms=5, lw=1,
                    label="%s SNN %s (%s)" % (c, im[4:], os.path.basename(f)))
            if im == "snn_crossbar":
                for s, x, y in zip(st, xs, ys):
                    ax.annotate("T=%d" % s["steps"], (x, y), fontsize=7, color=col,
                                xytext=(3, -9), textcoords="offset points")
        for im, mk in (("ann_crossbar", "*"), ("ann_digital", "P")):
            ax.plot([st[0]["total"][im]["total_pj"] / 1e3], [100 * d["ann_accuracy"]], mk,
                    color=col, ms=13, mec="k",
                    label="ANN %s (%s)" % (im[4:], os.path.basename(f)))
    fp = sorted((p for p in points if p["frontier"]), key=lambda p: p["energy_pj"])
    ax.plot([p["energy_pj"] / 1e3 for p in fp], [100 * p["accuracy"] for p in fp], "-",
            color="k", lw=2, alpha=0.35, label="frontier (not beaten in both)")
    ax.plot([p["energy_pj"] / 1e3 for p in fp], [100 * p["accuracy"] for p in fp], "o",
            mfc="none", mec="k", ms=12)
    ax.set_xscale("log")
    accs = [100 * p["accuracy"] for p in points]
    top = max(accs)
    ax.set_ylim(max(min(accs), top - 25) - 1, top + 1)
    ax.set_xlabel("energy per inference (nJ, log)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("accuracy vs energy: 4 implementations x codings x T")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="lower right")

    bx.axhline(1.0, color="k", lw=1)
    for f, d in docs:
        c = d["coding"]
        col = COLORS.get(c, "tab:gray")
        st = d["by_steps"]
        T = d["energy"]["steps"]
        for sub, mk, ls in (("crossbar", "o", "-"), ("digital", "s", "--")):
            snn, ann = "snn_" + sub, "ann_" + sub
            xs = [s["spikes_per_synapse"] for s in st]
            ys = [s["total"][snn]["total_pj"] / s["total"][ann]["total_pj"] for s in st]
            bx.plot(xs, ys, mk, color=col, ms=6, mfc=col if sub == "crossbar" else "none",
                    label="%s, %s: measured (T=%s)" % (c, sub, ",".join(str(s["steps"])
                                                                        for s in st)))
            for s in st:
                main_t = s["steps"] == T or (T not in [q["steps"] for q in st] and s is st[-1])
                e1, e0 = s["total"][snn]["total_pj"], s["floor_pj"][snn]
                ea, s1 = s["total"][ann]["total_pj"], s["spikes_per_synapse"]
                if s1 <= 0 or e1 <= e0:
                    continue
                lo, hi = s1 / 100, s1 * 20
                gx = [lo * (hi / lo) ** (i / 60) for i in range(61)]
                gy = [(e0 + (x / s1) * (e1 - e0)) / ea for x in gx]
                bx.plot(gx, gy, ls, color=col, lw=1.4 if main_t else 0.6,
                        alpha=0.9 if main_t else 0.3,
                        label="%s, %s: model at T=%d (floor %.2fx; thin: other T)"
                        % (c, sub, s["steps"], e0 / ea) if main_t else None)
                x = s["crossover_" + sub]
                if not main_t and x is not None and x > 0:  # other T: a short tick
                    bx.plot([x], [1.0], "|", color=col, ms=14, alpha=0.6)
                if main_t and x is not None and x > 0:
                    bx.axvline(x, color=col, ls=ls, lw=0.8, alpha=0.6)
                    bx.annotate("%.3g" % x, (x, 1.0), fontsize=8, color=col, rotation=90,
                                xytext=(2, 4 if sub == "crossbar" else -30),
                                textcoords="offset points")
    bx.set_xscale("log")
    bx.set_yscale("log")
    bx.set_xlabel("spikes per synapse per inference (synops / ANN MACs)")
    bx.set_ylabel("SNN energy / ANN energy, same substrate")
    bx.set_title("crossover: below 1 the SNN wins (ticks: where the model line crosses)")
    bx.grid(True, which="both", alpha=0.3)
    bx.legend(fontsize=6.5, loc="upper left")
    fig.tight_layout()
    fig.savefig(a.out + ".png", dpi=110)
    with open(a.out + ".json", "w") as f:
        json.dump({"points": points, "crossovers": xo}, f, indent=1)
    for r in xo:
        print("%-24s %-5s T=%-4d crossover digital %-10s crossbar %s"
              % (r["file"], r["coding"], r["steps"], "never" if r["digital"] is None
                 else "%.4g" % r["digital"], "never" if r["crossbar"] is None
                 else "%.4g" % r["crossbar"]))
    print("wrote %s.png, %s.json" % (a.out, a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
