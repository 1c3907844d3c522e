#!/usr/bin/python3
"""plot_weights.py: histograms of synaptic weights from `memspike run
--weights PROJ` CSV files (source,target,weight), one panel per run.

usage: plot_weights.py --out FILE.png [--bins 40] [--wmax W] LABEL=CSV[,CSV...]...
  LABEL=CSV   a run's weight files (several ranks: comma-separated)
  --wmax W    x-axis upper bound (default: largest weight seen)

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
    ap.add_argument("runs", nargs="+", metavar="LABEL=CSV")
    args = ap.parse_args()
    runs = []
    for spec in args.runs:
        if "=" not in spec:
            sys.exit("plot_weights: expected LABEL=CSV, got %r" % spec)
        label, paths = spec.split("=", 1)
        runs.append((label, load(paths)))
    wmax = args.wmax or max(float(np.max(np.abs(w))) for _, w in runs if len(w))
    fig, axes = plt.subplots(1, len(runs), figsize=(4 * len(runs), 3.2), squeeze=False)
    for ax, (label, w) in zip(axes[0], runs):
        ax.hist(w, bins=args.bins, range=(0, wmax), color="#3465a4")
        ax.set_title(label)
        ax.set_xlabel("weight")
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
