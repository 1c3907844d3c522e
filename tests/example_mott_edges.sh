#!/bin/sh
# example_mott_edges.sh: examples/mott_edges.sh --small (128x128 camera.png,
# Sobel kernels on ecram_metal_oxide pairs, VO2 Mott neurons vs ADC +
# digital ReLU) and `convert --activation vo2` on the shipped Fashion-MNIST
# CNN, checked against independent computations: the float reference
# against numpy's Sobel, F1 of the edge pixels above a bound, the energy
# terms recomputed from configs/energy/default.ini and the activation count
# from the layer shapes, and bad input.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
scratch mott_edges
if ! $PY -c "import numpy, matplotlib, msgpack, PIL" 2>/dev/null; then
  skip "mott_edges" "numpy, matplotlib, msgpack or PIL missing for /usr/bin/python3"
  finish mott_edges
fi
if [ ! -f /usr/lib/python3/dist-packages/skimage/data/camera.png ]; then
  skip "mott_edges" "python3-skimage's camera.png missing (tools/deps.sh)"
  finish mott_edges
fi

if sh examples/mott_edges.sh --small --out "$T/e" >"$T/log" 2>&1; then
  ok "examples/mott_edges.sh --small runs"
else
  bad "examples/mott_edges.sh --small runs" "$(tail -5 "$T/log")"
fi
[ -s "$T/e/mott_edges.png" ] && ok "PNG written" || bad "PNG written"

# Every figure against something computed here, not by memspike.
out=$($PY - "$T/e" <<'PYEOF' 2>&1
import configparser, json, sys
d = sys.argv[1]
r = json.load(open(d + "/mott_edges.json"))
m = json.load(open(d + "/image.json"))
c = configparser.ConfigParser(inline_comment_prefixes=(";",))
c.read("configs/energy/default.ini")
x = {k: float(v) if v.replace(".", "").replace("e-", "").isdigit() else v
     for k, v in c["crossbar"].items()}
H, W = r["rows"], r["cols"]
P = H * W                               # patches of both 'same' convolutions
cyc = x["input_bits"] / x["dac_bits"]
adc, dac = x["e_adc_pj"], x["e_dac_pj"]
# ADC path: conv1 9 rows, 4 signed columns (8 physical), conv2 4 rows, 1
# column (2 physical); every MVM bit-serial through DACs and ADCs.
conv_adc = P * cyc * (9 * dac + 8 * adc) + P * cyc * (4 * dac + 2 * adc)
# Mott path: conv1 keeps its DACs (the photo), no ADC; conv2 analog rows
# (no DAC, one read), ADCs on its 2 physical columns.
conv_mott = P * cyc * 9 * dac + P * 1 * 2 * adc
fails = []
def check(name, ok, detail):
    print(("ok   " if ok else "FAIL ") + name + ": " + detail)
check("float reference = numpy |Gx|+|Gy| (corr)", r["reference_vs_numpy_corr"] > 0.99999,
      "%.7f" % r["reference_vs_numpy_corr"])
check("F1 Mott vs float > 0.85", r["f1_mott"] > 0.85, "%.3f" % r["f1_mott"])
check("F1 ADC vs float > 0.90", r["f1_adc"] > 0.90, "%.3f" % r["f1_adc"])
check("activations = 4 columns x H W patches", r["activations"] == 4 * P,
      "%g vs %d" % (r["activations"], 4 * P))
check("Mott neuron energy = activations x e_act",
      abs(r["mott_neuron_pj"] - 4 * P * r["e_act_pj"]) < 1e-6 * r["mott_neuron_pj"],
      "%g vs %g" % (r["mott_neuron_pj"], 4 * P * r["e_act_pj"]))
check("ADC path converters by hand", abs(r["convert_adc_pj"] - conv_adc) < 1e-6 * conv_adc,
      "%g vs %g" % (r["convert_adc_pj"], conv_adc))
check("Mott path converters by hand", abs(r["convert_mott_pj"] - conv_mott) < 1e-6 * conv_mott,
      "%g vs %g" % (r["convert_mott_pj"], conv_mott))
ea, em = m["adc"], m["analog"]
# Activation SRAM, 64-bit words of input_bits values, the Horowitz tier of
# each layer's (inputs + outputs) bytes: ADC path reads every patch's rows
# and writes every output; the Mott path only reads conv1's photo and
# writes conv2's map (analog values are never in SRAM).
d = {k: float(v) for k, v in c["digital"].items() if k.startswith(("sram", "dram"))}
def word(nbytes):
    for lim, k in ((8 << 10, "sram_8kb_pj"), (32 << 10, "sram_32kb_pj"), (1 << 20, "sram_1mb_pj")):
        if nbytes <= lim:
            return d[k]
    return d["dram_pj"]
wb = x["input_bits"] / 64
e1, e2 = word((P + 4 * P) * x["input_bits"] / 8), word((4 * P + P) * x["input_bits"] / 8)
mem_adc = (P * 9 + 4 * P) * wb * e1 + (P * 4 + P) * wb * e2
mem_mott = P * 9 * wb * e1 + P * wb * e2
check("ADC path activation SRAM by hand", abs(ea["memory_pj"] - mem_adc) < 1e-6 * mem_adc,
      "%g vs %g" % (ea["memory_pj"], mem_adc))
check("Mott path activation SRAM by hand", abs(em["memory_pj"] - mem_mott) < 1e-6 * mem_mott,
      "%g vs %g" % (em["memory_pj"], mem_mott))
check("energy ratio = totals' ratio", abs(r["energy_ratio"] - em["energy_pj"] / ea["energy_pj"]) < 1e-9,
      "%g" % r["energy_ratio"])
# The totals differ only by converters, array reads and adds, the neurons
# and the activation SRAM: every component sums to the total.
for k, e in (("adc", ea), ("mott", em)):
    s = e["compute_pj"] + e["convert_pj"] + e["memory_pj"] + e["neuron_pj"]
    check("%s components sum to total" % k, abs(s - e["energy_pj"]) < 1e-6 * s,
          "%g vs %g" % (s, e["energy_pj"]))
check("Mott path cheaper than ADC path here", em["energy_pj"] < ea["energy_pj"],
      "%g < %g" % (em["energy_pj"], ea["energy_pj"]))
PYEOF
)
printf '%s\n' "$out" | while IFS= read -r l; do echo "  $l"; done
npass=$(printf '%s\n' "$out" | grep -c '^ok ')
nfail=$(printf '%s\n' "$out" | grep -c '^FAIL')
if [ "$nfail" -eq 0 ] && [ "$npass" -ge 13 ]; then
  ok "mott_edges.json checks ($npass)"
else
  bad "mott_edges.json checks ($npass passed, $nfail failed)" "$out"
fi

# The Fashion-MNIST CNN part (convert --activation vo2, 300 images on the
# same device pairs): counts from the layer shapes, energy, accuracy.
DATA=/usr/share/datasets/fashion-mnist
if [ -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  out=$($PY - "$T/e/mott_edges.json" <<'PYEOF' 2>&1
import json, sys
q = json.load(open(sys.argv[1]))["fmnist"]
# conv1 16 ch x 28x28, conv2 32 x 14x14, fc1 128: one neuron per column per patch
n = 16 * 28 * 28 + 32 * 14 * 14 + 128
ok = q["activations"] == n and q["images"] == 300
ok &= abs(q["mott_neuron_pj"] - n * q["e_act_pj"]) < 1e-6 * n
ok &= q["mott_convert_pj"] < q["adc_convert_pj"]
ok &= abs(q["mott_accuracy"] - q["float_relu_accuracy"]) < 0.05
ok &= abs(q["adc_accuracy"] - q["float_relu_accuracy"]) < 0.02
ok &= q["float_relu_accuracy"] > 0.85
print("ok" if ok else "FAIL", json.dumps(q))
PYEOF
)
  case "$out" in
    ok*) ok "Fashion-MNIST CNN with Mott neurons: counts, energy, accuracy within bounds" ;;
    *) bad "Fashion-MNIST CNN with Mott neurons: counts, energy, accuracy within bounds" "$out" ;;
  esac
  expect "bad --activation named" 2 "expected vo2 or vo2:PRESET" \
    "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --activation sigmoid
  expect "unknown preset named before any run" 2 "activation preset 'nope': no configs/neurons/nope.ini" \
    "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --activation vo2:nope
  printf 'kind = vo2\nslope = 0\n' >"$T/bad.ini"
  expect "bad preset names file, line, key" 2 "bad.ini:2: key 'slope': expected a number > 0" \
    "$BIN" image "$T/e/edges.msgpack" --image "$T/e/camera.idx.gz" --activation "vo2:$T/bad.ini" \
    --json "$T/x.json"
else
  skip "convert --activation vo2" "Fashion-MNIST missing ($DATA)"
fi
finish mott_edges
