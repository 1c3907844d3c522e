#!/usr/bin/python3
"""neurram_plot.py: merge the two `memspike cim` results of examples/neurram.sh
(a model trained plainly and one trained with noise-resilient training) into
neurram.json and draw neurram.png: (a) utilization of each core, (b) accuracy
versus relative programming noise, with and without noise-resilient training,
and after last-layer chip-in-the-loop retraining, (c) energy, latency and
energy-delay product per inference, cores against the int8 digital ANN,
(d) the backward (transposed) MVM through the same devices against the float
product W^T e.

usage: neurram_plot.py PLAIN.json NOISE_TRAINED.json [--out DIR]
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PAPER = {
    "source": "Wan et al., Nature 608:504 (2022), doi 10.1038/s41586-022-04992-8",
    "mnist_accuracy": 0.990,
    "cifar10_accuracy": 0.857,
    "cores": 48,
    "core_cells": [256, 256],
    "weights": "accuracy comparable to software models with 4-bit weights (abstract)",
    "energy": "2x better energy efficiency than previous RRAM CIM chips (abstract); "
              "5x-8x in the arXiv version (arXiv:2108.07879)",
    "noise_resilient_training_s": 0.2,
}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        sys.exit("neurram_plot.py: %s: %s" % (path, e))


def model_summary(d):
    return {k: d.get(k) for k in ("model", "float_accuracy", "core_accuracy", "sweep",
                                  "finetune", "prog_noise_preset")}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("plain")
    ap.add_argument("noise_trained")
    ap.add_argument("--out", default="build/examples/neurram")
    a = ap.parse_args(argv)
    p, w = load(a.plain), load(a.noise_trained)
    for name, d in (("plain", p), ("noise_trained", w)):
        for k in ("mapping", "sweep", "energy", "core_accuracy"):
            if k not in d:
                sys.exit("neurram_plot.py: %s result lacks '%s'" % (name, k))
    os.makedirs(a.out, exist_ok=True)
    res = {
        "system": "NeuRRAM",
        "paper": PAPER,
        "device": p["device"],
        "input_bits": p["input_bits"],
        "output_bits": p["output_bits"],
        "images": p["images"],
        "mapping": p["mapping"],
        "models": {"plain": model_summary(p), "noise_trained": model_summary(w)},
        "energy": p["energy"],
        "transpose": p.get("transpose"),
    }
    with open(os.path.join(a.out, "neurram.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")

    fig, ax = plt.subplots(2, 2, figsize=(12, 9))
    # (a) utilization per core
    tiles = p["mapping"]["tiles"]
    layers = []
    for t in tiles:
        if t["layer"] not in layers:
            layers.append(t["layer"])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    x = range(len(tiles))
    ax[0, 0].bar(x, [100 * t["utilization"] for t in tiles],
                 color=[colors[layers.index(t["layer"]) % len(colors)] for t in tiles])
    for i, l in enumerate(layers):
        ax[0, 0].bar([0], [0], color=colors[i % len(colors)], label=l)
    ax[0, 0].set_xlabel("core")
    ax[0, 0].set_ylabel("cells used (%)")
    ax[0, 0].set_title("(a) %d of %d cores of %dx%d,\nmean utilization %.1f %%"
                       % (p["mapping"]["cores_used"], p["mapping"]["chip_cores"],
                          p["mapping"]["core_rows"], p["mapping"]["core_cols"],
                          100 * p["mapping"]["mean_utilization"]))
    ax[0, 0].legend(fontsize=8)
    # (b) accuracy versus programming noise
    for d, lab, c in ((p, "plain training", colors[0]),
                      (w, "noise-resilient training (s = 0.2)", colors[1])):
        xs = [100 * e["prog_noise"] for e in d["sweep"]]
        ys = [100 * e["accuracy"] for e in d["sweep"]]
        sd = [100 * e.get("accuracy_sd", 0) for e in d["sweep"]]
        ax[0, 1].errorbar(xs, ys, yerr=sd, fmt="o-", color=c, capsize=3, label=lab)
        ax[0, 1].axhline(100 * d["float_accuracy"], color=c, ls=":", lw=1)
        ft = d.get("finetune")
        if ft:
            ax[0, 1].annotate("", xy=(100 * ft["prog_noise"], 100 * ft["accuracy_after"]),
                              xytext=(100 * ft["prog_noise"], 100 * ft["accuracy_before"]),
                              arrowprops=dict(arrowstyle="->", color=c))
            ax[0, 1].plot([100 * ft["prog_noise"]], [100 * ft["accuracy_before"]], "x",
                          color=c, ms=9)
            ax[0, 1].plot([100 * ft["prog_noise"]], [100 * ft["accuracy_after"]], "*",
                          color=c, ms=12)
    ax[0, 1].plot([], [], "kx", label="chip programmed for retraining (before)")
    ax[0, 1].plot([], [], "k*", label="after progressive chip-in-the-loop retraining (fc1, fc2)")
    ax[0, 1].plot([], [], "k:", lw=1, label="float model (software)")
    ax[0, 1].set_xlabel("relative programming noise (% of device range)")
    ax[0, 1].set_ylabel("test accuracy (%)")
    ax[0, 1].set_title("(b) Fashion-MNIST on the cores,\n%d-bit in / %d-bit out, %d test images"
                       % (p["input_bits"], p["output_bits"], p["images"]), fontsize=10)
    ax[0, 1].legend(fontsize=8)
    # (c) energy, latency, EDP
    e = p["energy"]
    names = ["energy (nJ)", "latency (us)", "EDP (nJ us)"]
    cv = [e["cores"]["total_pj"] / 1e3, e["cores"]["latency_ns"] / 1e3,
          e["cores"]["edp_pj_ns"] / 1e6]
    dv = [e["digital"]["total_pj"] / 1e3, e["digital"]["latency_ns"] / 1e3,
          e["digital"]["edp_pj_ns"] / 1e6]
    xi = range(3)
    ax[1, 0].bar([i - 0.2 for i in xi], cv, 0.4, label="RRAM CIM cores")
    ax[1, 0].bar([i + 0.2 for i in xi], dv, 0.4, label="digital ANN (%s)" % e["digital_precision"])
    ax[1, 0].set_yscale("log")
    ax[1, 0].set_xticks(list(xi))
    ax[1, 0].set_xticklabels(names)
    ax[1, 0].set_title("(c) per inference; digital / cores:\n%.1fx energy, %.2fx latency, %.1fx EDP"
                       % (e["energy_ratio"], e["latency_ratio"], e["edp_ratio"]), fontsize=10)
    ax[1, 0].legend(fontsize=8)
    # (d) transposed MVM
    t = p.get("transpose")
    if t:
        ax[1, 1].plot(t["first_float"], t["first_cross"], ".", ms=5)
        lo = min(t["first_float"] + t["first_cross"])
        hi = max(t["first_float"] + t["first_cross"])
        ax[1, 1].plot([lo, hi], [lo, hi], "k-", lw=0.8)
        ax[1, 1].set_xlabel("float W^T e (target weights)")
        ax[1, 1].set_ylabel("transposed read of the programmed cells")
        ax[1, 1].set_title("(d) backward MVM W^T e of the last layer (first image)\nrel. error "
                           "%.3f, cosine %.4f over %d images" % (t["rel_err"], t["cosine"],
                                                                   t["images"]), fontsize=10)
    fig.suptitle("NeuRRAM-like cores in memspike (%s)" % p["device"])
    fig.tight_layout()
    png = os.path.join(a.out, "neurram.png")
    fig.savefig(png, dpi=90)
    print("neurram: %s, %s" % (os.path.join(a.out, "neurram.json"), png))
    return 0


if __name__ == "__main__":
    sys.exit(main())
