#!/usr/bin/python3
"""plot_weights.py: histograms of synaptic weights from `memspike run
--weights PROJ` CSV files (source,target,weight), one panel per run.

usage: plot_weights.py --out FILE.png [--bins 40] [--wmax W] [--unit pA]
                       [--rate LABEL=HZ]... LABEL=CSV[,CSV...]...
  LABEL=CSV      a run's weight files (several ranks: comma-separated)
  --wmax W       x-axis upper bound (default: largest weight seen)
  --unit U       the weights' unit, shown on the axis (pA for current
                 synapses, mV for delta synapses)
  --rate LABEL=HZ  the output neuron's rate in that run, shown in its panel
Panels share the y axis (synapse counts compare across runs).

Prints, per run, the number of weights, their mean, and the fractions in
the lowest and highest tenth of [0, wmax] (bimodality at a glance).
Needs python3-numpy and python3-matplotlib (/usr/bin/python3).
"""
import argparse
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(paths):
    ws = []
    for path in paths.split(","):
        try:
            f = open(path, newline="")
        except OSError as e:
            sys.exit("plot_weights: cannot read %s: %s" % (path, e.strerror))
        with f:
            rows = csv.reader(f)
            head = next(rows, None)
            if head != ["source", "target", "weight"]:
                sys.exit("plot_weights: %s: expected a header source,target,weight, got %r"
                         % (path, head))
            for n, row in enumerate(rows, start=2):
                try:
                    ws.append(float(row[2]))
                except (IndexError, ValueError):
                    sys.exit("plot_weights: %s:%d: expected three fields, the third a "
                             "number, got %r" % (path, n, row))
    return np.array(ws)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bins", type=int, default=40)
    ap.add_argument("--wmax", type=float, default=None)
    ap.add_argument("--unit", default=None)
    ap.add_argument("--rate", action="append", default=[], metavar="LABEL=HZ")
    ap.add_argument("runs", nargs="+", metavar="LABEL=CSV")
    args = ap.parse_args()
    runs = []
    for spec in args.runs:
        if "=" not in spec:
            sys.exit("plot_weights: expected LABEL=CSV, got %r" % spec)
        label, paths = spec.split("=", 1)
        runs.append((label, load(paths)))
    rates = {}
    for spec in args.rate:
        label, sep, hz = spec.rpartition("=")
        try:
            rates[label] = float(hz)
        except ValueError:
            sep = ""
        if not sep or label not in [l for l, _ in runs]:
            sys.exit("plot_weights: --rate %r: expected LABEL=HZ with the LABEL of a run" % spec)
    wmax = args.wmax or max(float(np.max(np.abs(w))) for _, w in runs if len(w))
    fig, axes = plt.subplots(1, len(runs), figsize=(4 * len(runs), 3.4), squeeze=False,
                             sharey=True)
    for ax, (label, w) in zip(axes[0], runs):
        ax.hist(w, bins=args.bins, range=(0, wmax), color="#3465a4")
        ax.set_title(label)
        ax.set_xlabel("weight (%s)" % args.unit if args.unit else "weight")
        if label in rates:
            ax.text(0.5, 0.97, "output neuron %.3g Hz" % rates[label], transform=ax.transAxes,
                    ha="center", va="top", fontsize=9,
                    bbox=dict(boxstyle="round", fc="white", ec="0.7"))
        low = np.mean(w < 0.1 * wmax) if len(w) else 0
        high = np.mean(w > 0.9 * wmax) if len(w) else 0
        print("%-10s n=%d mean=%.4g  <10%%: %.3f  >90%%: %.3f" % (label, len(w), w.mean(),
                                                                  low, high))
    axes[0][0].set_ylabel("synapses")
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print("wrote", args.out)


if __name__ == "__main__":
    main()
