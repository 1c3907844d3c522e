#!/usr/bin/python3
"""ecram_retention.py: ECRAM switching speed versus retention (issue 15.1).

The same trained networks -- (a) the Fashion-MNIST CNN of
configs/models/fmnist_cnn.msgpack converted to a spiking network on
differential pairs of ECRAM devices, (b) the STDP network of
examples/ecram_retention_stdp.ini trained on the devices -- are left idle
for 1 h, 1 day, 1 year and 10 years at 25 C and 85 C, and read.  Every
device runs with retention = arrhenius (docs/devices.md): one barrier E_a
sets both the retention time constant tau(T) and the write pulse time.

Writes OUT/ecram_retention.json (every number) and OUT/ecram_retention.png.
Run through examples/ecram_retention.sh (see docs/examples/ecram_retention.md).
"""
import argparse
import csv
import json
import math
import os
import subprocess
import sys

KB = 8.617333262e-5  # eV/K
YEAR = 365.25 * 86400.0
DEVICES = ["ecram_protonic", "ecram_metal_oxide", "ecram_oxygen_ion"]
IDLES = [("1 h", 3600.0), ("1 day", 86400.0), ("1 year", YEAR), ("10 years", 10 * YEAR)]
TEMPS_C = [25.0, 85.0]
W_MAX_MV = 0.225  # the STDP network's weight range (examples/ecram_retention_stdp.ini)


def preset(root, name):
    """The numeric keys of configs/devices/NAME.ini (key = value lines)."""
    out = {}
    with open(os.path.join(root, "configs", "devices", name + ".ini")) as f:
        for line in f:
            line = line.split(";")[0].split("#")[0].strip()
            if "=" not in line:
                continue
            k, v = (x.strip() for x in line.split("=", 1))
            try:
                out[k] = float(v)
            except ValueError:
                out[k] = v
    return out


def arrhenius_tau(p, t_k):
    """tau(T) = lifetime_s exp(E_a / k (1/T - 1/T_ref)), computed here
    independently of the C code (the test compares the two)."""
    return p["lifetime_s"] * math.exp(p["ea_ev"] / KB * (1 / t_k - 1 / p.get("t_ref_k", 298.15)))


def write_lowering_ev(p):
    """Barrier lowering of the write field implied by one pulse moving a
    fraction f of the range with the hops retention undoes:
    t_pulse = f tau exp(-dE / kT) at T_ref."""
    f = p["dw_min"] / (p["w_max"] - p["w_min"])
    t_ref = p.get("t_ref_k", 298.15)
    return KB * t_ref * math.log(f * p["lifetime_s"] / p["t_pulse_s"])


def t_pulse_at(p, t_k):
    de = write_lowering_ev(p)
    # the barrier left under the field; none left: not thermally activated
    return p["t_pulse_s"] * math.exp(max(0.0, p["ea_ev"] - de) / KB *
                                     (1 / t_k - 1 / p.get("t_ref_k", 298.15)))


def run(cmd, quiet):
    if not quiet:
        print("  $ " + " ".join(cmd), flush=True)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        sys.stderr.write(r.stdout + r.stderr)
        sys.exit("ecram_retention: command failed (exit %d): %s" % (r.returncode, " ".join(cmd)))
    return r


def cnn_point(a, dev, idle_s, t_k, tag):
    js = os.path.join(a.out, "cnn", "%s.json" % tag)
    run([a.bin, "convert", a.model, "--data", a.data, "--images", str(a.images),
         "--calib", str(a.calib), "--steps", str(a.steps), "--device", dev,
         "--drift-time", repr(idle_s), "--temperature", repr(t_k), "--quiet",
         "--json", js], a.quiet)
    with open(js) as f:
        d = json.load(f)
    return d


def stdp_point(a, dev, p, idle_s, t_k, tag):
    """Train for a.train_s on the device, idle for idle_s at t_k, read the
    weights (the engine jumps over the idle time)."""
    outdir = os.path.join(a.out, "stdp", tag)
    os.makedirs(outdir, exist_ok=True)
    scale = W_MAX_MV / (p["w_max"] - p["w_min"])
    train_ms = a.train_s * 1e3
    js = os.path.join(outdir, "summary.json")
    run([a.bin, "run", a.stdp_config,
         "--set", "plastic.device=" + dev,
         "--set", "plastic.weight_scale=%.17g" % scale,
         "--set", "plastic.w_ref=%.17g" % p["w_min"],
         "--set", "plastic.temperature_k=%.17g" % t_k,
         "--set", "drive_ex.stop=%.17g" % train_ms,
         "--set", "drive_in.stop=%.17g" % train_ms,
         "--set", "simulation.duration=%.17g" % (train_ms + idle_s * 1e3),
         "--no-log", "--quiet", "--out", outdir, "--weights", "plastic", "--json", js], a.quiet)
    with open(os.path.join(outdir, "weights-plastic.rank0.csv")) as f:
        w = [float(r["weight"]) for r in csv.DictReader(f)]
    with open(js) as f:
        s = json.load(f)
    return w, s


def stdp_metrics(w0, w, step_mv):
    """Drift and retained pattern of weights w against w0 (right after
    training): a synapse keeps its class (strong: above W_max / 2) when it is
    still on the same side by at least one device step (the readout's
    resolution, assumed)."""
    mid = W_MAX_MV / 2
    n = len(w0)
    drift = sum(abs(x - y) for x, y in zip(w, w0)) / n / W_MAX_MV
    kept = sum(1 for x, y in zip(w, w0)
               if (y - mid) * (x - mid) > 0 and abs(x - mid) >= step_mv) / n
    strong0 = [y for y in w0 if y > mid]
    weak0 = [y for y in w0 if y <= mid]
    strong = [x for x, y in zip(w, w0) if y > mid]
    weak = [x for x, y in zip(w, w0) if y <= mid]
    mean = lambda v: sum(v) / len(v) if v else float("nan")
    contrast0 = (mean(strong0) - mean(weak0)) / W_MAX_MV
    contrast = (mean(strong) - mean(weak)) / W_MAX_MV
    return {"mean_abs_drift_of_wmax": drift, "retained_fraction": kept,
            "contrast": contrast, "contrast_ratio": contrast / contrast0 if contrast0 else None}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--small", action="store_true", help="test size")
    ap.add_argument("--out", default="build/examples/ecram_retention")
    ap.add_argument("--bin", default=os.environ.get("BIN", "build/memspike"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    a.model = os.path.join(root, "configs", "models", "fmnist_cnn.msgpack")
    a.stdp_config = os.path.join(root, "examples", "ecram_retention_stdp.ini")
    a.images, a.calib, a.train_s = (200, 200, 20.0) if a.small else (10000, 1000, 200.0)
    a.steps = 32
    os.makedirs(os.path.join(a.out, "cnn"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "stdp"), exist_ok=True)
    os.environ.setdefault("MEMSPIKE_DEVICES", os.path.join(root, "configs", "devices"))

    res = {"size": "small" if a.small else "full", "images": a.images, "snn_steps": a.steps,
           "stdp_train_s": a.train_s, "temperatures_c": TEMPS_C,
           "idle": [{"label": l, "s": s} for l, s in IDLES], "devices": {}}
    for dev in DEVICES:
        p = preset(root, dev)
        if p.get("retention") != "arrhenius":
            sys.exit("ecram_retention: %s has retention = %s, not arrhenius" % (dev, p.get("retention")))
        if not a.quiet:
            print("%s:" % dev, flush=True)
        d = {"ea_ev": p["ea_ev"], "lifetime_s_at_t_ref": p["lifetime_s"],
             "t_ref_k": p.get("t_ref_k", 298.15), "dw_min": p["dw_min"],
             "n_levels": (p["w_max"] - p["w_min"]) / p["dw_min"],
             "e_pulse_pj": p["e_pulse_pj"], "t_pulse_s": p["t_pulse_s"],
             "write_lowering_ev": write_lowering_ev(p),
             "tau0_s": p["lifetime_s"] * math.exp(-p["ea_ev"] / (KB * p.get("t_ref_k", 298.15))),
             "by_temperature": {}}
        # Right after programming / training (1 s for the CNN: the
        # converter's default; 0 for STDP), the reference for the drifts.
        ref = cnn_point(a, dev, 1.0, 298.15, "%s_ref" % dev)
        d["cnn_ideal_snn_accuracy"] = ref["by_steps"][-1]["snn_accuracy"] if "by_steps" in ref else None
        d["cnn_ref_snn_accuracy"] = ref["device"]["snn_accuracy"][-1]
        d["cnn_ref_ann_accuracy"] = ref["device"]["ann_accuracy"]
        s0 = stdp_point(a, dev, p, 0.0, 298.15, "%s_ref" % dev)[1]
        upd = max(1, s0["stdp_updates"])
        d["stdp_updates"] = s0["stdp_updates"]
        d["stdp_pulses"] = s0["device_pulses"]
        d["write_energy_per_update_pj"] = s0["write_energy_pj"] / upd
        d["pulses_per_update"] = s0["device_pulses"] / upd
        step_mv = W_MAX_MV / (p["w_max"] - p["w_min"]) * p["dw_min"]
        d["stdp_step_mv"] = step_mv
        for tc in TEMPS_C:
            tk = tc + 273.15
            bt = {"temperature_k": tk, "tau_s": arrhenius_tau(p, tk),
                  "t_pulse_s": t_pulse_at(p, tk),
                  "write_time_per_update_s": d["pulses_per_update"] * t_pulse_at(p, tk),
                  "idle": []}
            # Trained at this temperature too (retention acts during
            # training): the reference for this temperature's drifts.
            w0 = stdp_point(a, dev, p, 0.0, tk, "%s_%gC_0" % (dev, tc))[0]
            for label, idle in IDLES:
                tag = "%s_%gC_%g" % (dev, tc, idle)
                c = cnn_point(a, dev, idle, tk, tag)
                w, _ = stdp_point(a, dev, p, idle, tk, tag)
                m = stdp_metrics(w0, w, step_mv)
                pt = {"label": label, "idle_s": idle,
                      "cnn_snn_accuracy": c["device"]["snn_accuracy"][-1],
                      "cnn_ann_accuracy": c["device"]["ann_accuracy"],
                      "cnn_tau_s_memspike": c["device"].get("tau_s"),
                      "weight_factor_expected": math.exp(-idle / bt["tau_s"]),
                      "stdp": m}
                bt["idle"].append(pt)
                if not a.quiet:
                    print("  %4.0f C %-8s CNN SNN %.2f %%  STDP drift %.3f Wmax, kept %.3f" %
                          (tc, label, 100 * pt["cnn_snn_accuracy"],
                           m["mean_abs_drift_of_wmax"], m["retained_fraction"]), flush=True)
            d["by_temperature"]["%g" % tc] = bt
        res["devices"][dev] = d
    res["cnn_ideal_ann_accuracy"] = ref.get("ann_accuracy")
    path = os.path.join(a.out, "ecram_retention.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    png = os.path.join(a.out, "ecram_retention.png")
    plot(res, png)
    print("ecram_retention: %s, %s" % (path, png))


def plot(res, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(16, 5))
    colors = {"ecram_protonic": "tab:red", "ecram_metal_oxide": "tab:blue",
              "ecram_oxygen_ion": "tab:green"}
    names = {"ecram_protonic": "protonic WO3 (Onen 2022)",
             "ecram_metal_oxide": "metal-oxide (Kim 2019)",
             "ecram_oxygen_ion": "oxygen-ion W/YSZ/WOx"}
    # (a) the trade-off: tau at 85 C against the write pulse time at 25 C;
    # the line through each device varies E_a at its own field lowering and
    # attempt time tau0 (one barrier moves both).
    t25, t85 = 298.15, 358.15
    for dev, d in res["devices"].items():
        c = colors[dev]
        x = d["t_pulse_s"]
        y = d["by_temperature"]["85"]["tau_s"]
        f = 1 / d["n_levels"]  # dw_min / (w_max - w_min)
        eas = [d["ea_ev"] + k * 0.01 for k in range(-20, 21)]
        xs = [f * d["tau0_s"] * math.exp((e - d["write_lowering_ev"]) / (KB * t25)) for e in eas]
        ys = [d["tau0_s"] * math.exp(e / (KB * t85)) for e in eas]
        ax[0].loglog(xs, ys, "-", color=c, alpha=0.35)
        ax[0].annotate(names[dev].split(" (")[0], (x, y), textcoords="offset points",
                       xytext=(8, -12), fontsize=8, color=c)
        ax[0].loglog([x], [y], "o", color=c, ms=9,
                     label="%s\nE_a %.2f eV, %.3g pJ, %.3g s per update" %
                     (names[dev], d["ea_ev"], d["write_energy_per_update_pj"],
                      d["by_temperature"]["25"]["write_time_per_update_s"]))
    ax[0].axhline(10 * YEAR, color="k", ls=":", lw=1)
    ax[0].text(2e-9, 10 * YEAR * 1.5, "10 years", fontsize=8)
    ax[0].set_xlabel("write pulse time at 25 C (s)")
    ax[0].set_ylabel("retention time constant at 85 C (s)")
    ax[0].set_title("one barrier: faster writes, shorter retention\n(lines: E_a +-0.2 eV, same field and attempt time)")
    ax[0].legend(fontsize=7, loc="upper left")
    # (b) CNN accuracy and (c) STDP retained pattern against idle time.
    for dev, d in res["devices"].items():
        for tc, ls in (("25", "-"), ("85", "--")):
            bt = d["by_temperature"][tc]
            xs = [pt["idle_s"] for pt in bt["idle"]]
            ax[1].semilogx(xs, [100 * pt["cnn_snn_accuracy"] for pt in bt["idle"]], ls, marker="o",
                           color=colors[dev], label=names[dev] if tc == "25" else None)
            ax[2].semilogx(xs, [pt["stdp"]["mean_abs_drift_of_wmax"] for pt in bt["idle"]], ls,
                           marker="o", color=colors[dev])
    ax[1].axhline(10, color="k", ls=":", lw=1)
    ax[1].text(3600, 11, "chance", fontsize=8)
    ax[1].set_xlabel("idle time (s)")
    ax[1].set_ylabel("Fashion-MNIST accuracy, SNN on ECRAM pairs (%)")
    ax[1].set_title("converted CNN (%d images, T = %d)" % (res["images"], res["snn_steps"]))
    ax[1].legend(fontsize=7, title="solid 25 C, dashed 85 C", title_fontsize=7)
    ax[2].set_xlabel("idle time (s)")
    ax[2].set_ylabel("mean |w(t) - w(0)| / W_max")
    ax[2].set_title("STDP network (Song 2000, %g s training): weight drift" % res["stdp_train_s"])
    for a in ax[1:]:
        a.set_xticks([x["s"] for x in res["idle"]])
        a.set_xticklabels([x["label"] for x in res["idle"]])
        a.minorticks_off()
        a.grid(True, color="0.9")
    ax[2].text(0.02, 0.5, "solid 25 C, dashed 85 C", transform=ax[2].transAxes, fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=110)


if __name__ == "__main__":
    main()
