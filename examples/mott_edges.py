#!/usr/bin/python3
"""mott_edges.py: the helper of examples/mott_edges.sh.

  prepare OUT [--size N]  the photograph (scikit-image's camera.png, a
                          Debian python3-skimage file) as an IDX image, and
                          the edge model (docs/model-format.md): conv2d
                          1->4 with the Sobel kernels +x, -x, +y, -y and a
                          ReLU, then a 1x1 conv2d summing the four (so the
                          float output is |Gx| + |Gy|)
  report OUT              from OUT/image.json (memspike image): F1 of the
                          edge pixels of the ADC and Mott crossbar maps
                          against the float reference, the energies, the
                          PNG and OUT/mott_edges.json (with the CNN's
                          accuracy and energy from OUT/fmnist.json, memspike
                          convert --activation vo2, when present)

Only prepares inputs and reads results: the crossbar, the devices and the
Mott neurons are memspike's C code (build/memspike image).
"""
import gzip
import json
import os
import struct
import sys

import numpy as np

CAMERA = "/usr/lib/python3/dist-packages/skimage/data/camera.png"
SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=np.float32)
EDGE_FRACTION = 0.10   # the reference's top 10 % of pixels are its edges
BORDER = 2             # pixels left out of F1 (zero padding makes edges)


def load_photo(size):
    from PIL import Image
    im = Image.open(CAMERA).convert("L")
    if im.size != (size, size):
        im = im.resize((size, size), Image.BILINEAR)
    return np.asarray(im, dtype=np.uint8)


def write_idx(path, img):
    h, w = img.shape
    with gzip.open(path, "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, 1, h, w))
        f.write(img.tobytes())


def edge_model(h, w):
    import msgpack
    k = np.stack([SOBEL_X, -SOBEL_X, SOBEL_X.T, -SOBEL_X.T])[:, None, :, :]
    f32 = lambda a: np.ascontiguousarray(a, dtype="<f4").tobytes()
    layers = [
        {"type": "conv2d", "in_channels": 1, "out_channels": 4, "kernel_size": [3, 3],
         "stride": [1, 1], "padding": [1, 1], "weight": f32(k), "bias": f32(np.zeros(4))},
        {"type": "relu"},
        {"type": "conv2d", "in_channels": 4, "out_channels": 1, "kernel_size": [1, 1],
         "stride": [1, 1], "padding": [0, 0], "weight": f32(np.ones((1, 4, 1, 1))),
         "bias": None},
    ]
    return msgpack.packb({"format": "memspike-model", "version": 1,
                          "input": {"shape": [1, h, w], "scale": 1 / 255.0, "mean": 0.0,
                                    "std": 1.0},
                          "classes": h * w, "dataset": "skimage camera.png (edges)",
                          "layers": layers}, use_bin_type=True)


def sobel_l1(img):
    """|Gx| + |Gy| of the image scaled to [0, 1], zero padding (numpy)."""
    x = np.pad(img.astype(np.float64) / 255.0, 1)
    h, w = img.shape
    gx = np.zeros((h, w))
    gy = np.zeros((h, w))
    for u in range(3):
        for v in range(3):
            win = x[u:u + h, v:v + w]
            gx += SOBEL_X[u, v] * win
            gy += SOBEL_X.T[u, v] * win
    return np.abs(gx) + np.abs(gy)


def f1(pred, ref):
    tp = np.sum(pred & ref)
    fp = np.sum(pred & ~ref)
    fn = np.sum(~pred & ref)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def prepare(out, size):
    os.makedirs(out, exist_ok=True)
    img = load_photo(size)
    write_idx(os.path.join(out, "camera.idx.gz"), img)
    with open(os.path.join(out, "edges.msgpack"), "wb") as f:
        f.write(edge_model(*img.shape))
    np.save(os.path.join(out, "camera.npy"), img)


def report(out):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with open(os.path.join(out, "image.json")) as f:
        r = json.load(f)
    h, w = r["rows"], r["cols"]
    img = np.load(os.path.join(out, "camera.npy"))
    maps = {k: np.array(r[k], dtype=np.float64).reshape(h, w)
            for k in ("reference", "adc_map", "analog_map")}
    inner = np.zeros((h, w), bool)
    inner[BORDER:h - BORDER, BORDER:w - BORDER] = True
    tau = np.quantile(maps["reference"][inner], 1 - EDGE_FRACTION)
    edges = {k: (v > tau) & inner for k, v in maps.items()}
    res = {
        "image": CAMERA, "rows": h, "cols": w, "device": r["device"],
        "activation": r["activation"], "stuck_devices": r["stuck_devices"],
        "edge_fraction": EDGE_FRACTION, "threshold": tau, "border_px": BORDER,
        "f1_adc": f1(edges["adc_map"], edges["reference"]),
        "f1_mott": f1(edges["analog_map"], edges["reference"]),
        "energy_adc_pj": r["adc"]["energy_pj"], "energy_mott_pj": r["analog"]["energy_pj"],
        "energy_ratio": r["energy_ratio"],
        "activations": r["analog"]["activations"], "e_act_pj": r["analog"]["e_act_pj"],
        "mott_neuron_pj": r["analog"]["neuron_pj"],
        "convert_adc_pj": r["adc"]["convert_pj"], "convert_mott_pj": r["analog"]["convert_pj"],
        "latency_adc_ns": r["adc"]["latency_ns"], "latency_mott_ns": r["analog"]["latency_ns"],
    }
    # Energy per activation at which the Mott path costs as much as the ADC
    # path (everything else equal): the break-even of the assumed e_act.
    acts = res["activations"]
    res["e_act_break_even_pj"] = (res["energy_adc_pj"] - (res["energy_mott_pj"] -
                                  res["mott_neuron_pj"])) / acts if acts else None
    # The float reference against an independent numpy Sobel (up to the
    # normalization's scale): correlation.
    ind = sobel_l1(img)
    res["reference_vs_numpy_corr"] = float(np.corrcoef(ind[inner], maps["reference"][inner])[0, 1])
    fm = os.path.join(out, "fmnist.json")
    if os.path.exists(fm):
        with open(fm) as f:
            c = json.load(f)
        a = c["activation"]
        res["fmnist"] = {
            "model": "configs/models/fmnist_cnn.msgpack", "images": c.get("images"),
            "float_relu_accuracy": a["float_relu_accuracy"],
            "adc_accuracy": a["adc"]["accuracy"], "mott_accuracy": a["analog"]["accuracy"],
            "adc_energy_pj": a["adc"]["energy_pj"], "mott_energy_pj": a["analog"]["energy_pj"],
            "adc_convert_pj": a["adc"]["convert_pj"], "mott_convert_pj": a["analog"]["convert_pj"],
            "mott_neuron_pj": a["analog"]["neuron_pj"], "activations": a["activations"],
            "e_act_pj": a["e_act_pj"],
            "energy_ratio": a["analog"]["energy_pj"] / a["adc"]["energy_pj"],
            "e_act_break_even_pj": (a["adc"]["energy_pj"] - a["analog"]["energy_pj"] +
                                    a["analog"]["neuron_pj"]) / a["activations"],
            "latency_adc_ns": a["adc"]["latency_ns"], "latency_mott_ns": a["analog"]["latency_ns"],
        }
    with open(os.path.join(out, "mott_edges.json"), "w") as f:
        json.dump(res, f, indent=1)

    fig, ax = plt.subplots(1, 4, figsize=(16, 4.6))
    ax[0].imshow(img, cmap="gray")
    ax[0].set_title("camera.png (scikit-image), %dx%d" % (h, w))
    vmax = np.quantile(maps["reference"], 0.995)
    ax[1].imshow(maps["reference"], cmap="gray_r", vmin=0, vmax=vmax)
    ax[1].set_title("float reference |Gx|+|Gy|")
    ax[2].imshow(maps["analog_map"], cmap="gray_r", vmin=0, vmax=vmax)
    ax[2].set_title("crossbar + VO2 Mott neurons\nF1 %.3f, %.1f nJ/image"
                    % (res["f1_mott"], res["energy_mott_pj"] / 1e3))
    ax[3].imshow(maps["adc_map"], cmap="gray_r", vmin=0, vmax=vmax)
    ax[3].set_title("crossbar + ADC + digital ReLU\nF1 %.3f, %.1f nJ/image"
                    % (res["f1_adc"], res["energy_adc_pj"] / 1e3))
    for a in ax:
        a.axis("off")
    fig.suptitle("Edge detection on a %s crossbar (Sobel +-x, +-y as differential pairs); "
                 "F1 of the top %d %% edge pixels vs the float reference"
                 % (r["device"], int(100 * EDGE_FRACTION)), fontsize=11)
    fig.tight_layout(rect=(0, 0, 1, 0.93))
    fig.savefig(os.path.join(out, "mott_edges.png"), dpi=90)
    if "fmnist" in res:
        q = res["fmnist"]
        print("Fashion-MNIST CNN on %s: accuracy float ReLU %.2f %%, ADC %.2f %%, Mott %.2f %%; "
              "energy per inference ADC %.1f nJ, Mott %.1f nJ"
              % (r["device"], 100 * q["float_relu_accuracy"], 100 * q["adc_accuracy"],
                 100 * q["mott_accuracy"], q["adc_energy_pj"] / 1e3, q["mott_energy_pj"] / 1e3))
    print("F1 vs float: Mott %.3f, ADC %.3f; energy per image: Mott %.1f nJ, ADC %.1f nJ "
          "(ratio %.3f); %s" % (res["f1_mott"], res["f1_adc"], res["energy_mott_pj"] / 1e3,
                                res["energy_adc_pj"] / 1e3, res["energy_ratio"],
                                os.path.join(out, "mott_edges.png")))


def main(argv):
    if len(argv) >= 2 and argv[0] == "prepare":
        size = int(argv[argv.index("--size") + 1]) if "--size" in argv else 512
        prepare(argv[1], size)
    elif len(argv) == 2 and argv[0] == "report":
        report(argv[1])
    else:
        sys.exit("usage: mott_edges.py prepare OUT [--size N] | report OUT")


if __name__ == "__main__":
    main(sys.argv[1:])
