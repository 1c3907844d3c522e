#!/usr/bin/python3
"""yao_mcnn.py: the numbers and the figure of examples/yao_mcnn.sh (Yao et
al., Nature 577:641 (2020), the five-layer memristor CNN on eight 128 x 16
1T1R arrays) from the JSON that `memspike convert` wrote for it.

usage: yao_mcnn.py CONVERT.json OUTDIR [NOSTUCK.json]

NOSTUCK.json (optional): the same run on the preset with no stuck devices;
its accuracies are reported beside (a diagnosis of what stuck devices cost).

Writes OUTDIR/yao_mcnn.json and OUTDIR/yao_mcnn.png.  Every figure comes
from CONVERT.json (accuracy of the float ANN, of the crossbar ANN on
rram_yao2020 pairs, after hybrid training of the last layer in place; the
energy model's totals per kernel-replication count); this script only
derives throughput and efficiency from them:
  images/s       1e9 / latency_ns (one image after the other, layers in turn)
  power W        energy per image / latency
  images/s/W     = images per joule = 1e12 / total_pj (independent of latency)
  GOPS/W         2 x MACs of the weighted layers per image / energy per image
                 (all layers' energy, pools included: conservative)
The paper's figures beside them (PAPER) are cited in docs/examples/yao_mcnn.md.
Needs python3-matplotlib.
"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

# Yao et al. 2020 (MNIST).  Accuracies: Fig. 3 (single convolver: 97.99 %
# software, error 4.93 % after weight transfer, 3.81 % = 96.19 % after hybrid
# training); Fig. 4 (three parallel convolver groups: 93.86 % -> 95.83 %).
# Efficiency: 11,014 GOPS/W, about 110 x a Tesla V100 (Results; Extended
# Data Tables 1-2), so the V100 figure used is 11,014 / 110 = 100 GOPS/W.
PAPER = {
    "dataset": "MNIST",
    "software_accuracy": 0.9799,
    "programmed_accuracy": 1 - 0.0493,
    "hybrid_accuracy": 0.9619,
    "parallel3_programmed_accuracy": 0.9386,
    "parallel3_hybrid_accuracy": 0.9583,
    "arrays": 8,
    "array_cells": 2048,
    "array_geometry": "128x16",
    "replicas": 3,
    "gops_per_w": 11014.0,
    "gpu": "NVIDIA Tesla V100",
    "gpu_ratio": 110.0,
    "gpu_gops_per_w": 11014.0 / 110.0,
}


def fail(msg):
    sys.exit("yao_mcnn.py: %s" % msg)


def need(d, *path):
    x = d
    for k in path:
        if not isinstance(x, dict) or k not in x:
            fail("%s: no field %s (run memspike convert with --device, --finetune-last, "
                 "--replicate and --array)" % (sys.argv[1], ".".join(path)))
        x = x[k]
    return x


def perf(total_pj, latency_ns, ops):
    return {"energy_per_image_nj": total_pj / 1e3,
            "latency_us": latency_ns / 1e3,
            "images_per_s": 1e9 / latency_ns,
            "power_mw": total_pj / latency_ns,  # pJ/ns = mW
            "images_per_s_per_w": 1e12 / total_pj,
            "gops_per_w": ops / (total_pj * 1e-12) / 1e9}


def main(argv):
    if len(argv) not in (3, 4):
        fail("usage: yao_mcnn.py CONVERT.json OUTDIR [NOSTUCK.json]")
    with open(argv[1]) as f:
        c = json.load(f)
    out = argv[2]
    layers = need(c, "energy", "layers")
    macs = sum(l["macs"] for l in layers if not l["name"].startswith("pool"))
    ops = 2 * macs
    total = need(c, "energy", "total")
    dev = need(c, "device")
    arrays = need(c, "arrays")
    reps = need(c, "replicate")
    budget = arrays.get("budget")
    by_k = []
    for r in reps:
        e = r["ann_crossbar"]
        row = {"replicas": r["k"], "arrays": r["arrays"],
               "arrays_one_per_tile": r.get("arrays_one_per_tile", r["arrays"]),
               "share_pj": r.get("share_pj", 0.0),
               "fits_budget": r.get("fits") if budget else None}
        row.update(perf(e["total_pj"], e["latency_ns"], ops))
        by_k.append(row)
    dig = total["ann_digital"]
    digital = perf(dig["total_pj"], dig["latency_ns"], ops)
    xbar = by_k[0]
    res = {
        "system": "Yao et al., Nature 577:641 (2020): five-layer memristor CNN",
        "model": c["model"],
        "dataset": "fashion-mnist",
        "test_images": c["images"],
        "accuracy": {
            "software": c["ann_accuracy"],
            "programmed": dev["ann_accuracy"],
            "hybrid": dev["finetune_ann_accuracy"],
            "hybrid_minus_programmed_points": 100 * (dev["finetune_ann_accuracy"]
                                                     - dev["ann_accuracy"]),
            "snn_steps": c["steps"],
            "snn_software": c["snn_accuracy"],
            "snn_programmed": dev["snn_accuracy"],
            "snn_hybrid": dev["finetune_snn_accuracy"],
        },
        "device": {"preset": dev["preset"], "stuck_devices": dev["stuck"],
                   "finetune_images": dev["finetune_images"], "drift_s": dev["drift_s"]},
        "arrays": arrays,
        "macs_per_image": macs,
        "crossbar_by_replicas": by_k,
        "digital_baseline": digital,
        "crossbar_vs_digital_efficiency": digital["energy_per_image_nj"]
        / xbar["energy_per_image_nj"],
        "crossbar_vs_paper_gpu_efficiency": xbar["gops_per_w"] / PAPER["gpu_gops_per_w"],
        "paper": PAPER,
    }
    rp = dev.get("replicas")
    if rp:
        res["replica_groups"] = {
            "copies": rp["copies"], "split": rp["split"],
            "overall_programmed": rp["overall_programmed"],
            "overall_hybrid": rp.get("overall_hybrid"),
            "by_copy": rp["by_copy"],
            "paper_overall_programmed": PAPER["parallel3_programmed_accuracy"],
            "paper_overall_hybrid": PAPER["parallel3_hybrid_accuracy"]}
    if len(argv) == 4:
        with open(argv[3]) as f:
            n = json.load(f)
        nd = n.get("device", {})
        if "finetune_ann_accuracy" not in nd:
            fail("%s: no device.finetune_ann_accuracy" % argv[3])
        res["accuracy_no_stuck"] = {"preset": nd["preset"], "stuck_devices": nd["stuck"],
                                    "software": n["ann_accuracy"],
                                    "programmed": nd["ann_accuracy"],
                                    "hybrid": nd["finetune_ann_accuracy"]}
        if "replicas" in nd:
            res["accuracy_no_stuck"]["replica_groups"] = nd["replicas"]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "yao_mcnn.json"), "w") as f:
        json.dump(res, f, indent=1)
        f.write("\n")
    plot(res, os.path.join(out, "yao_mcnn.png"))
    a = res["accuracy"]
    print("  accuracy (%d test images): software %.2f %%, programmed on %s %.2f %%, after "
          "hybrid training %.2f %%" % (c["images"], 100 * a["software"], dev["preset"],
                                        100 * a["programmed"], 100 * a["hybrid"]))
    if "accuracy_no_stuck" in res:
        q = res["accuracy_no_stuck"]
        print("  with no stuck devices (%s): programmed %.2f %%, after hybrid training %.2f %%"
              % (q["preset"], 100 * q["programmed"], 100 * q["hybrid"]))
    if rp:
        print("  %d kernel copies on their own devices: overall %.2f %% programmed, %s after "
              "hybrid training; per copy programmed %s"
              % (rp["copies"], 100 * rp["overall_programmed"],
                 "-" if rp.get("overall_hybrid") is None else
                 "%.2f %%" % (100 * rp["overall_hybrid"]),
                 ", ".join("%.2f %%" % (100 * g["programmed"]) for g in rp["by_copy"])))
    for r in by_k:
        print("  %d replica(s): %d arrays (%d with one per tile)%s, %.4g nJ and %.4g us per "
              "image, %.3g images/s/W, %.0f GOPS/W" % (r["replicas"], r["arrays"],
                                                      r["arrays_one_per_tile"],
                               "" if r["fits_budget"] is None else
                               (" (fits %d)" % budget if r["fits_budget"]
                                else " (more than %d)" % budget),
                               r["energy_per_image_nj"], r["latency_us"],
                               r["images_per_s_per_w"], r["gops_per_w"]))
    print("  digital ANN: %.4g nJ per image, %.3g images/s/W, %.0f GOPS/W; crossbar %.1f x "
          "better (paper: %.0f GOPS/W, %.0f x a %s)"
          % (digital["energy_per_image_nj"], digital["images_per_s_per_w"],
             digital["gops_per_w"], res["crossbar_vs_digital_efficiency"],
             PAPER["gops_per_w"], PAPER["gpu_ratio"], PAPER["gpu"]))
    print("  wrote %s/yao_mcnn.json and %s/yao_mcnn.png" % (out, out))
    return 0


def replica_panel(axis, res):
    """Per-copy accuracy of the kernel copies on their own devices."""
    rg = res.get("replica_groups")
    if not rg:
        axis.set_axis_off()
        return
    rows = [(res["device"]["preset"], rg, ("tab:blue", "navy"))]
    ns = res.get("accuracy_no_stuck", {}).get("replica_groups")
    if ns:
        rows.append(("no stuck", ns, ("tab:cyan", "teal")))
    labels = ["copy %d" % g["copy"] for g in rg["by_copy"]] + ["overall"]
    n = len(labels)
    wd = 0.8 / (2 * len(rows))
    k = 0
    for name, g, (c0, c1) in rows:
        prog = [100 * c["programmed"] for c in g["by_copy"]] + [100 * g["overall_programmed"]]
        hyb = [100 * c.get("hybrid", 0) for c in g["by_copy"]] + \
              [100 * (g.get("overall_hybrid") or 0)]
        for vals, col, what in ((prog, c0, "programmed"), (hyb, c1, "hybrid")):
            off = (k - (2 * len(rows) - 1) / 2) * wd
            bars = axis.bar([i + off for i in range(n)], vals, wd, color=col,
                            label="%s, %s" % (name, what))
            for b in bars:
                axis.annotate("%.1f" % b.get_height(), (b.get_x() + b.get_width() / 2,
                                                        b.get_height()),
                              ha="center", va="bottom", fontsize=6, rotation=90)
            k += 1
    yb = axis.bar([n - 0.2, n + 0.2], [100 * rg["paper_overall_programmed"],
                                       100 * rg["paper_overall_hybrid"]], 0.35,
                  color=["silver", "tab:gray"],
                  label="Yao 2020 Fig. 4 (MNIST)")
    for b in yb:
        axis.annotate("%.1f" % b.get_height(), (b.get_x() + b.get_width() / 2, b.get_height()),
                      ha="center", va="bottom", fontsize=7)
    axis.set_xticks(list(range(n + 1)))
    axis.set_xticklabels(labels + ["Yao 2020\noverall"], fontsize=8)
    axis.set_ylabel("test accuracy (%)")
    lo = min(100 * c["programmed"] for c in rg["by_copy"])
    axis.set_ylim(max(0, lo - 20), 125)
    axis.set_title("%d kernel copies, each on its own devices\n(image i on copy i mod %d)"
                   % (rg["copies"], rg["copies"]), fontsize=10)
    axis.legend(fontsize=6, loc="upper left", ncol=2)


def plot(res, path):
    fig, ax = plt.subplots(1, 4, figsize=(20, 4.8))
    a, p = res["accuracy"], res["paper"]
    ms = [100 * a["software"], 100 * a["programmed"], 100 * a["hybrid"]]
    pa = [100 * p["software_accuracy"], 100 * p["programmed_accuracy"],
          100 * p["hybrid_accuracy"]]
    x = range(3)
    groups = [(ms, "memspike, %s (Fashion-MNIST)" % res["device"]["preset"], "tab:blue")]
    if "accuracy_no_stuck" in res:
        q = res["accuracy_no_stuck"]
        groups.append(([100 * q["software"], 100 * q["programmed"], 100 * q["hybrid"]],
                       "memspike, no stuck devices", "tab:cyan"))
    groups.append((pa, "Yao 2020, MNIST (Fig. 3)", "tab:gray"))
    wd = 0.8 / len(groups)
    allb = []
    for g, (vals, lab_, col) in enumerate(groups):
        off = (g - (len(groups) - 1) / 2) * wd
        allb.append(ax[0].bar([i + off for i in x], vals, wd, label=lab_, color=col))
    for bars in allb:
        for b in bars:
            ax[0].annotate("%.1f" % b.get_height(), (b.get_x() + b.get_width() / 2,
                                                     b.get_height()),
                           ha="center", va="bottom", fontsize=8)
    ax[0].set_xticks(list(x))
    ax[0].set_xticklabels(["software", "after\nprogramming", "after hybrid\ntraining"])
    ax[0].set_ylabel("test accuracy (%)")
    ax[0].set_ylim(max(0, min(min(g[0]) for g in groups) - 15), 128)
    ax[0].set_title("accuracy (device pairs, %d test images)" % res["test_images"],
                    fontsize=10)
    ax[0].legend(fontsize=7, loc="upper left", ncol=1)

    replica_panel(ax[1], res)

    ks = res["crossbar_by_replicas"]
    lab = ["%d replica%s\n%d arrays%s\n(%d with one per tile)"
           % (r["replicas"], "" if r["replicas"] == 1 else "s", r["arrays"],
              "" if r["fits_budget"] is None
              else (" (fit)" if r["fits_budget"] else " (> %d)" % res["arrays"]["budget"]),
              r["arrays_one_per_tile"])
           for r in ks]
    xs = range(len(ks))
    ax[2].bar([i - 0.2 for i in xs], [r["latency_us"] for r in ks], 0.4, color="tab:orange",
              label="latency (us)")
    ax[2].set_ylabel("latency per image (us)", color="tab:orange")
    t = ax[2].twinx()
    t.bar([i + 0.2 for i in xs], [r["energy_per_image_nj"] for r in ks], 0.4,
          color="tab:green", label="energy (nJ)")
    t.set_ylabel("energy per image (nJ)", color="tab:green")
    t.set_ylim(0, 1.3 * max(r["energy_per_image_nj"] for r in ks))
    ax[2].set_xticks(list(xs))
    ax[2].set_xticklabels(lab, fontsize=8)
    ax[2].set_title("crossbar ANN, conv kernels replicated\n(%sx%s arrays, --pack %s)"
                    % (res["arrays"]["rows"], res["arrays"]["cols"],
                       res["arrays"].get("pack", "per-layer")), fontsize=10)

    bars = [("memspike\ncrossbar", res["crossbar_by_replicas"][0]["gops_per_w"], "tab:blue"),
            ("memspike\ndigital ANN", res["digital_baseline"]["gops_per_w"], "tab:blue"),
            ("Yao 2020\nmCNN", p["gops_per_w"], "tab:gray"),
            ("%s\n(Yao 2020)" % p["gpu"].replace("NVIDIA ", ""), p["gpu_gops_per_w"],
             "tab:gray")]
    ax[3].bar(range(4), [b[1] for b in bars], color=[b[2] for b in bars])
    for i, b in enumerate(bars):
        ax[3].annotate("%.0f" % b[1], (i, b[1]), ha="center", va="bottom", fontsize=8)
    ax[3].set_yscale("log")
    ax[3].set_xticks(range(4))
    ax[3].set_xticklabels([b[0] for b in bars], fontsize=8)
    ax[3].set_ylabel("GOPS/W (2 ops per MAC)")
    ax[3].set_title("efficiency: crossbar %.1f x digital (paper: %.0f x GPU)"
                    % (res["crossbar_vs_digital_efficiency"], p["gpu_ratio"]), fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
