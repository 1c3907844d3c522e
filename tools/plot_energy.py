#!/usr/bin/python3
"""plot_energy.py: plots of the JSON written by `memspike convert`
(ANN -> SNN conversion, accuracy versus time steps, energy per inference of
the four implementations; docs/energy.md).

usage: plot_energy.py [--out PREFIX] [--linear] RESULT.json
  --out PREFIX  write PREFIX_accuracy.png and PREFIX_energy.png
                (default: RESULT without .json)
  --linear      linear axis for the totals (default logarithmic; --log is
                accepted and changes nothing)

PREFIX_accuracy.png: SNN accuracy versus steps (with the ANN's as a line,
spikes per neuron on a second axis).  PREFIX_energy.png: energy per
inference of ann_digital, ann_crossbar, snn_digital, snn_crossbar: totals
on a log axis with latency and energy-delay product, and beside them each
one's split by component (compute, memory, convert, neuron, routing) as
shares of its total.  Also prints the totals as a table.
Accuracies may be fractions (all <= 1) or percentages.
Needs python3-numpy and python3-matplotlib (/usr/bin/python3).
"""
import argparse
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

IMPLS = ["ann_digital", "ann_crossbar", "snn_digital", "snn_crossbar"]
COMPONENTS = ["compute_pj", "memory_pj", "convert_pj", "neuron_pj", "routing_pj"]
FIELDS = COMPONENTS + ["total_pj", "latency_ns"]


def fail(path, msg):
    sys.exit("plot_energy: %s: %s" % (path, msg))


def number(path, where, x):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        fail(path, "%s: expected a finite number, got %r" % (where, x))
    return float(x)


def numbers(path, where, xs):
    if not isinstance(xs, list):
        fail(path, "%s: expected a list of numbers, got %r" % (where, xs))
    return [number(path, "%s[%d]" % (where, i), x) for i, x in enumerate(xs)]


def field(path, obj, key, where):
    if not isinstance(obj, dict):
        fail(path, "%s: expected an object" % where)
    if key not in obj:
        fail(path, "%s: missing field '%s'" % (where, key))
    return obj[key]


def impl_block(path, obj, where):
    """An {"compute_pj": .., ..., "latency_ns": ..} object as a dict of floats."""
    return {f: number(path, "%s.%s" % (where, f), field(path, obj, f, where)) for f in FIELDS}


def load(path):
    try:
        with open(path) as f:
            d = json.load(f)
    except OSError as e:
        sys.exit("plot_energy: cannot read %s: %s" % (path, e.strerror))
    except json.JSONDecodeError as e:
        fail(path, "line %d: not JSON: %s" % (e.lineno, e.msg))
    r = {}
    r["model"] = field(path, d, "model", "top level")
    if not isinstance(r["model"], str):
        fail(path, "model: expected a string")
    r["images"] = number(path, "images", field(path, d, "images", "top level"))
    r["ann_accuracy"] = number(path, "ann_accuracy", field(path, d, "ann_accuracy", "top level"))
    r["steps"] = numbers(path, "steps", field(path, d, "steps", "top level"))
    r["snn_accuracy"] = numbers(path, "snn_accuracy", field(path, d, "snn_accuracy", "top level"))
    r["spikes"] = numbers(path, "spikes_per_neuron",
                          field(path, d, "spikes_per_neuron", "top level"))
    n = len(r["steps"])
    if len(r["snn_accuracy"]) != n or len(r["spikes"]) != n:
        fail(path, "steps, snn_accuracy and spikes_per_neuron: expected lists of one length "
             "(got %d, %d, %d)" % (n, len(r["snn_accuracy"]), len(r["spikes"])))
    en = field(path, d, "energy", "top level")
    r["T"] = number(path, "energy.steps", field(path, en, "steps", "energy"))
    layers = field(path, en, "layers", "energy")
    if not isinstance(layers, list):
        fail(path, "energy.layers: expected a list")
    r["layers"] = []
    for i, lay in enumerate(layers):
        where = "energy.layers[%d]" % i
        name = field(path, lay, "name", where)
        r["layers"].append({"name": str(name), **{
            k: impl_block(path, field(path, lay, k, where), "%s.%s" % (where, k))
            for k in IMPLS}})
    tot = field(path, en, "total", "energy")
    r["total"] = {k: impl_block(path, field(path, tot, k, "energy.total"), "energy.total." + k)
                  for k in IMPLS}
    return r


def as_percent(xs, ref):
    """Percentages: fractions (every value <= 1) are scaled by 100."""
    frac = all(x <= 1 for x in xs + [ref])
    s = 100.0 if frac else 1.0
    return [x * s for x in xs], ref * s


def plot_accuracy(r, out):
    acc, ann = as_percent(r["snn_accuracy"], r["ann_accuracy"])
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.plot(r["steps"], acc, "o-", color="C0", label="SNN (converted)")
    ax.axhline(ann, color="C3", ls="--", label="ANN %.2f %%" % ann)
    if r["steps"] and min(r["steps"]) > 0:
        ax.set_xscale("log", base=2)
        ax.set_xticks(r["steps"])
        ax.set_xticklabels(["%g" % s for s in r["steps"]])
    ax.set_xlabel("time steps T")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(alpha=0.3)
    ax2 = ax.twinx()
    ax2.plot(r["steps"], r["spikes"], "s:", color="C2", label="spikes per neuron")
    ax2.set_ylabel("spikes per neuron per inference", color="C2")
    h1, l1 = ax.get_legend_handles_labels()
    h2, l2 = ax2.get_legend_handles_labels()
    ax.legend(h1 + h2, l1 + l2, loc="lower right")
    ax.set_title("%s: %d images" % (r["model"], int(r["images"])))
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_energy(r, out, log=True):
    """Two panels.  Left: total energy per inference of each implementation,
    plain bars on a log axis (the crossbar totals are ~50x below the digital
    ones and vanish on a linear axis), labelled with energy, latency and EDP.
    Right: each implementation's split by component as shares of its own
    total (stacked on a linear axis: stacked bars on a log axis distort the
    shares).  log=False draws the left panel on a linear axis."""
    tot = r["total"]
    x = np.arange(len(IMPLS))
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.8),
                                  gridspec_kw={"width_ratios": [1.15, 1]})
    totals = np.array([tot[k]["total_pj"] for k in IMPLS]) * 1e-6  # µJ
    ax.bar(x, totals, color=["C0", "C1", "C0", "C1"], edgecolor="k", linewidth=0.5)
    for i, k in enumerate(IMPLS):
        lat = tot[k]["latency_ns"]
        edp = tot[k]["total_pj"] * 1e-12 * lat * 1e-9  # J s
        ax.annotate("%.3g \u00b5J\n%.4g \u00b5s\nEDP %.2g J\u00b7s" % (totals[i], lat * 1e-3, edp),
                    (x[i], totals[i]), ha="center", va="bottom", fontsize=8,
                    xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x)
    ax.set_xticklabels(IMPLS, fontsize=9)
    ax.set_ylabel("energy per inference (\u00b5J)")
    pos = totals[totals > 0]
    if log and len(pos):
        ax.set_yscale("log")
        ax.set_ylim(pos.min() * 0.3, totals.max() * 20)
    else:
        ax.set_ylim(0, totals.max() * 1.3 if totals.max() > 0 else 1)
    ax.set_title("total%s" % (" (log axis)" if log else ""))
    ax.grid(axis="y", alpha=0.3, which="both" if log else "major")
    bottom = np.zeros(len(IMPLS))
    safe = np.where(totals > 0, totals, 1.0)
    for i, c in enumerate(COMPONENTS):
        v = np.array([tot[k][c] for k in IMPLS]) * 1e-6 / safe * 100  # % of own total
        ax2.bar(x, v, bottom=bottom, color="C%d" % (i + 2), label=c[:-3])
        for j in range(len(IMPLS)):
            if v[j] >= 6:
                ax2.text(x[j], bottom[j] + v[j] / 2, "%.0f %%" % v[j], ha="center",
                         va="center", fontsize=7)
        bottom += v
    ax2.set_xticks(x)
    ax2.set_xticklabels(IMPLS, fontsize=9)
    ax2.set_ylabel("share of the implementation's energy (%)")
    ax2.set_ylim(0, 100)
    ax2.set_title("split by component")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    fig.suptitle("%s: energy per inference, SNN at T = %d" % (os.path.basename(r["model"]), int(r["T"])))
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("json")
    ap.add_argument("--out", help="output prefix (default: the JSON path without .json)")
    ap.add_argument("--log", action="store_true",
                    help="logarithmic totals axis (the default; kept for old scripts)")
    ap.add_argument("--linear", action="store_true", help="linear totals axis")
    a = ap.parse_args()
    r = load(a.json)
    prefix = a.out or (a.json[:-5] if a.json.endswith(".json") else a.json)
    plot_accuracy(r, prefix + "_accuracy.png")
    plot_energy(r, prefix + "_energy.png", not a.linear)
    print("%-13s %12s %12s %12s" % ("impl", "energy µJ", "latency µs", "EDP J s"))
    for k in IMPLS:
        t = r["total"][k]
        print("%-13s %12.4g %12.4g %12.3g" % (k, t["total_pj"] * 1e-6, t["latency_ns"] * 1e-3,
                                              t["total_pj"] * 1e-12 * t["latency_ns"] * 1e-9))
    print("wrote %s_accuracy.png %s_energy.png" % (prefix, prefix))


if __name__ == "__main__":
    main()
