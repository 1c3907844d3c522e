#!/bin/sh
# example_neurram.sh: examples/neurram.sh --small, and checks of its figures
# against independent computations: the core count and each core's
# utilization recounted from the model file's layer shapes; the backward
# (transposed) MVM's error against the error the preset's programming noise,
# level grid and the converter's quantization predict (from the preset file
# and the model's own weights); the noise-trained model losing less accuracy
# at high programming noise than the plain one; EDP = energy x latency; the
# progressive chip-in-the-loop retraining (fc1, then fc2) gaining accuracy.
. "$(dirname "$0")/lib.sh"
BIN=${BIN:-build/memspike}
DATA=/usr/share/datasets/fashion-mnist
PY=/usr/bin/python3
scratch neurram
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  skip "neurram example" "Fashion-MNIST not installed (dataset-fashion-mnist)"
  finish neurram
fi
if ! "$PY" -c 'import matplotlib, msgpack' 2>/dev/null; then
  skip "neurram example" "python3-matplotlib or python3-msgpack missing"
  finish neurram
fi

expect "cim: --input-bits 1 refused" 2 "input-bits: expected" \
  "$BIN" cim configs/models/fmnist_plain.msgpack --data "$DATA" --input-bits 1
expect "cim: too few cores named" 2 "needs 17 cores of 256x256, the chip has 4" \
  "$BIN" cim configs/models/fmnist_plain.msgpack --data "$DATA" --cores 4 --images 1
expect "cim: bad --prog-noise" 2 "prog-noise: expected" \
  "$BIN" cim configs/models/fmnist_plain.msgpack --data "$DATA" --prog-noise 0.1,x

if ! sh examples/neurram.sh --small --out "$T/out" > "$T/log" 2>&1; then
  bad "examples/neurram.sh --small" "$(tail -n 20 "$T/log")"
  finish neurram
fi
ok "examples/neurram.sh --small ran"
for f in neurram.json neurram.png; do
  if [ -s "$T/out/$f" ]; then ok "wrote $f"; else bad "wrote $f"; fi
done
# the transposed read at 8-bit inputs (10-bit outputs): devices dominate
if "$BIN" cim configs/models/fmnist_plain.msgpack --data "$DATA" --images 20 --calib 8 \
  --input-bits 8 --transpose 40 --json "$T/t8.json" --quiet > "$T/log8" 2>&1; then
  ok "cim --input-bits 8 --transpose ran"
else
  bad "cim --input-bits 8 --transpose ran" "$(cat "$T/log8")"
fi

"$PY" - "$T/out/neurram.json" "$T/t8.json" configs/models/fmnist_plain.msgpack \
  configs/devices/rram_neurram2022.ini > "$T/checks" 2>&1 <<'EOF'
import json, math, sys
import msgpack
import numpy as np
res, t8 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
model = msgpack.unpackb(open(sys.argv[3], "rb").read(), raw=False)
dev = {}
for line in open(sys.argv[4]):
    line = line.split("#")[0].split(";")[0].strip()
    if "=" in line:
        k, v = (x.strip() for x in line.split("=", 1))
        dev[k] = v
def check(name, cond, detail=""):
    print(("ok   " if cond else "FAIL ") + name + ("" if cond else "  [%s]" % detail))

# 1. mapping: tiles of 128 weight rows (pairs on adjacent rows) x 256 columns
m = res["mapping"]
R = m["core_rows"]
tiles = []
for l in model["layers"]:
    if l["type"] == "conv2d":
        fan, out = l["in_channels"] * l["kernel_size"][0] * l["kernel_size"][1], l["out_channels"]
    elif l["type"] == "linear":
        fan, out = l["in_features"], l["out_features"]
    else:
        continue
    for rb in range(-(-2 * fan // R)):
        nr = min(R // 2, fan - rb * (R // 2))
        for cb in range(-(-out // m["core_cols"])):
            nc = min(m["core_cols"], out - cb * m["core_cols"])
            tiles.append(2.0 * nr * nc / (R * m["core_cols"]))
check("core count %d = independent count %d (<= %d on the chip)"
      % (m["cores_used"], len(tiles), m["chip_cores"]),
      m["cores_used"] == len(tiles) <= m["chip_cores"])
got = [t["utilization"] for t in m["tiles"]]
check("utilization of each core matches the recount",
      len(got) == len(tiles) and all(abs(a - b) < 1e-12 for a, b in zip(got, tiles)),
      "%s vs %s" % (got[:5], tiles[:5]))
check("mean utilization %.4f = recount %.4f" % (m["mean_utilization"], np.mean(tiles)),
      abs(m["mean_utilization"] - np.mean(tiles)) < 1e-12)

# 2. transposed MVM against the error the devices and quantization predict
lin = [l for l in model["layers"] if l["type"] == "linear"][-1]
W = np.frombuffer(lin["weight"], dtype="<f4").reshape(lin["out_features"], lin["in_features"])
wmin, wmax_dev = float(dev["w_min"]), float(dev["w_max"])
Rw, dw, sig = wmax_dev - wmin, float(dev["dw_min"]), float(dev["prog_noise_c0"])
gmax = float(dev["g_ref_uS"]) + float(dev["g_scale_uS"]) * wmax_dev
for label, t in (("example, 4-bit in", res["transpose"]), ("8-bit in", t8["transpose"])):
    nin, nout, wm = t["rows_out"], t["cols_in"], t["wmax"]
    Wn = W * (wm / np.abs(W).max())   # the converter scales a layer uniformly
    # device: the held device sigma^2, the one at w_min clipped (E max(0,z)^2 =
    # sigma^2 / 2), the non-zero one on a grid of dw (dw^2 / 12)
    var_w = (wm / Rw) ** 2 * (1.5 * sig ** 2 + dw ** 2 / 12)
    dev_term = nin * var_w * t["sum_e2"]
    Q = 2 ** (t["input_bits"] - 1) - 1
    in_term = (Wn ** 2).sum() * t["sum_e2"] / (12 * Q ** 2)       # max|e|^2 <= |e|^2
    L = 2 ** (t["output_bits"] - 1) - 1
    step = t["clip_v"] / L * nout * gmax * wm / (float(dev["g_scale_uS"]) * Rw)
    adc_term = 2 * nin * step ** 2 / 12 * t["sum_e2"]
    lo, hi = 0.5 * dev_term, 1.5 * (dev_term + in_term + adc_term)
    check("%s: backward-MVM squared error %.4g within [%.4g, %.4g] (devices %.4g, input "
          "quantization <= %.4g, ADC <= %.4g)" % (label, t["sum_err2"], lo, hi, dev_term,
                                                  in_term, adc_term),
          lo <= t["sum_err2"] <= hi)
    check("%s: cosine(W^T e on the crossbar, float) %.4f > 0.95" % (label, t["cosine"]),
          t["cosine"] > 0.95)

# 3. noise-resilient training degrades less at high programming noise
def drop(d, s):
    sw = {e["prog_noise"]: e["accuracy"] for e in d["sweep"]}
    return sw[0.0] - sw[s]
p, w = res["models"]["plain"], res["models"]["noise_trained"]
dp, dn = drop(p, 0.2), drop(w, 0.2)
check("accuracy lost at programming noise 0.2: plain %.3f, noise-trained %.3f (less by >= 0.05)"
      % (dp, dn), dp - dn >= 0.05)
for name, d in (("plain", p), ("noise-trained", w)):
    check("%s: cores at the preset noise %.3f within 0.03 of the float model %.3f"
          % (name, d["core_accuracy"], d["float_accuracy"]),
          abs(d["core_accuracy"] - d["float_accuracy"]) <= 0.03)

# 4. energy-delay product
e = res["energy"]
for side in ("cores", "digital"):
    x = e[side]
    check("%s: EDP %.6g = energy x latency %.6g" % (side, x["edp_pj_ns"],
                                                    x["total_pj"] * x["latency_ns"]),
          math.isclose(x["edp_pj_ns"], x["total_pj"] * x["latency_ns"], rel_tol=1e-9))
check("EDP ratio %.4g = digital EDP / cores EDP" % e["edp_ratio"],
      math.isclose(e["edp_ratio"], e["digital"]["edp_pj_ns"] / e["cores"]["edp_pj_ns"],
                   rel_tol=1e-9))
check("cores' EDP below the digital ANN's (ratio %.3g > 1)" % e["edp_ratio"], e["edp_ratio"] > 1)
lay = sum(l["cores"]["total_pj"] for l in e["layers"])
check("per-layer energies sum to the total", math.isclose(lay, e["cores"]["total_pj"],
                                                          rel_tol=1e-9))

# 5. progressive chip-in-the-loop retraining (plain model at noise 0.15):
# fc1 on its measured inputs, then fc2 on the programmed fc1's outputs
ft = p["finetune"]
check("progressive retraining on measured features: %.3f -> %.3f (fc1) -> %.3f (fc2), gains"
      % (ft["accuracy_before"], ft["accuracy_after_hidden"], ft["accuracy_after"]),
      ft["accuracy_after"] > ft["accuracy_before"] + 0.02)
EOF
# noise-resilient training's noise (tools/train_fmnist.py --weight-noise):
# per layer std s max|W| measured on the drawn noise, weights restored
if "$PY" -c 'import torch' 2>/dev/null; then
  "$PY" - >> "$T/checks" 2>&1 <<'EOF2'
import sys
sys.path.insert(0, "tools")
import torch
import torch.nn as nn
import train_fmnist as tf
torch.manual_seed(3)
m = tf.make_model("plain")
before = [p.detach().clone() for p in m.parameters()]
gen = torch.Generator().manual_seed(5)
clean = tf.add_weight_noise(m, 0.2, gen)
layers = [x for x in m.modules() if isinstance(x, (nn.Conv2d, nn.Linear))]
okstd = len(clean) == len(layers) == 4
for (w, c) in clean:
    d = (w.detach() - c).flatten()
    want = 0.2 * float(c.abs().max())
    rel = float(d.std()) / want
    tol = 4 / (2 * d.numel()) ** 0.5 + 0.01
    print(("ok   " if abs(rel - 1) < tol else "FAIL ") +
          "--weight-noise 0.2: layer of %d weights, noise std / (0.2 max|W|) = %.3f"
          % (d.numel(), rel))
tf.restore_weights(m, clean)
same = all(torch.equal(a, b) for a, b in zip(before, m.parameters()))
print(("ok   " if same and okstd else "FAIL ") + "--weight-noise: weights restored after the step")
print(("ok   " if tf.add_weight_noise(m, 0, gen) == [] else "FAIL ") + "--weight-noise 0 adds nothing")
EOF2
else
  skip "--weight-noise statistics" "python3-torch missing"
fi
while IFS= read -r line; do
  case $line in
  "ok   "*) ok "${line#ok   }" ;;
  "FAIL "*) bad "${line#FAIL }" ;;
  *) bad "check script: $line" ;;
  esac
done < "$T/checks"
finish neurram
