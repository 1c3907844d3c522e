#!/bin/sh
# example_ecram_retention.sh: examples/ecram_retention.sh --small (issue
# 15.1) and checks against computations of its own: the retention time
# constants memspike used against lifetime_s exp(E_a / k_B (1/T - 1/T_ref))
# from the preset files, the STDP weights after idling against the closed
# form w_rest + (w0 - w_rest) exp(-t / tau(T)) from the weights right after
# training, the accuracy of the short-retention device falling to chance
# while the long-retention device keeps its own, arrhenius at its reference
# temperature giving the same result as relax, and bad flags refused.
. "$(dirname "$0")/lib.sh"
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
DATA=/usr/share/datasets/fashion-mnist
scratch ecram-retention

if ! $PY -c "import matplotlib" 2>/dev/null; then
  skip "ecram_retention example" "/usr/bin/python3 has no matplotlib (tools/deps.sh)"
  finish example_ecram_retention
fi
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  skip "ecram_retention example" "no Fashion-MNIST in $DATA (Debian dataset-fashion-mnist)"
  finish example_ecram_retention
fi

# Bad flags: a clear message, exit 2, before any work.
expect "convert --temperature -5 refused" 2 "expected kelvin > 0" \
  "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --device ecram_protonic \
  --temperature -5
expect "convert --drift-time 3x refused" 2 "drift-time: expected seconds" \
  "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --device ecram_protonic \
  --drift-time 3x

expect "convert --temperature without --device refused" 2 "needs --device" \
  "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --temperature 85C

# At its reference temperature arrhenius is relax: the same accuracy from a
# copy of the preset with retention = relax (1 h idle: the weights are 0.7 of
# their programmed values, so a difference would show).
mkdir -p "$T/dev"
sed -e 's/^retention = arrhenius/retention = relax/' -e '/^ea_ev/d' -e '/^t_ref_k/d' \
  configs/devices/ecram_protonic.ini >"$T/dev/ecram_protonic_relax.ini"
MEMSPIKE_DEVICES="$T/dev" # then configs/devices
export MEMSPIKE_DEVICES
for d in ecram_protonic ecram_protonic_relax; do
  "$BIN" convert configs/models/fmnist_cnn.msgpack --data "$DATA" --images 100 --calib 100 \
    --steps 16 --device $d --drift-time 1h --quiet --json "$T/$d.json" >/dev/null 2>"$T/$d.err" ||
    bad "convert on $d" "$(cat "$T/$d.err")"
done
unset MEMSPIKE_DEVICES
if $PY - "$T/ecram_protonic.json" "$T/ecram_protonic_relax.json" <<'PYEOF'; then
import json, sys
a, b = (json.load(open(f))["device"] for f in sys.argv[1:3])
sys.exit(0 if a["snn_accuracy"] == b["snn_accuracy"] and a["ann_accuracy"] == b["ann_accuracy"]
         and a["tau_s"] == b["tau_s"] == 1e4 else 1)
PYEOF
  ok "arrhenius at T_ref = relax (same accuracies, tau 1e4 s)"
else
  bad "arrhenius at T_ref differs from relax"
fi

out=$(sh examples/ecram_retention.sh --small --quiet --out "$T/ex" 2>&1)
st=$?
if [ "$st" -ne 0 ] || [ ! -s "$T/ex/ecram_retention.json" ] || [ ! -s "$T/ex/ecram_retention.png" ]; then
  bad "examples/ecram_retention.sh --small (exit $st)" "$out"
  finish example_ecram_retention
fi
ok "examples/ecram_retention.sh --small writes its JSON and PNG"

$PY - "$T/ex" <<'PYEOF'
import csv, json, math, os, sys
out = sys.argv[1]
r = json.load(open(os.path.join(out, "ecram_retention.json")))
kb = 1.380649e-23 / 1.602176634e-19  # eV/K from the SI constants
fails = []

def check(name, cond, detail=""):
    print(("  ok   " if cond else "  FAIL ") + name + ("" if cond else ": " + detail))
    if not cond:
        fails.append(name)

def preset(name):
    p = {}
    for line in open(os.path.join("configs", "devices", name + ".ini")):
        line = line.split(";")[0].split("#")[0]
        if "=" in line:
            k, v = (x.strip() for x in line.split("=", 1))
            p[k] = v
    return p

def weights(tag):
    with open(os.path.join(out, "stdp", tag, "weights-plastic.rank0.csv")) as f:
        return [float(x["weight"]) for x in csv.DictReader(f)]

for dev, d in r["devices"].items():
    p = preset(dev)
    ea, life = float(p["ea_ev"]), float(p["lifetime_s"])
    t_ref = float(p.get("t_ref_k", "298.15"))
    # memspike's time constants (convert's JSON) against E_a / k_B T.
    tau = {tc: d["by_temperature"][tc]["idle"][0]["cnn_tau_s_memspike"] for tc in ("25", "85")}
    want25 = life * math.exp(ea / kb * (1 / 298.15 - 1 / t_ref))
    want85 = life * math.exp(ea / kb * (1 / 358.15 - 1 / t_ref))
    check("%s: tau(25 C) = %.4g s from the preset" % (dev, want25),
          abs(tau["25"] / want25 - 1) < 1e-6, "memspike %r" % tau["25"])
    check("%s: tau(85 C) / tau(25 C) = exp(E_a/k (1/358.15 - 1/298.15)) = %.4g" %
          (dev, want85 / want25), abs(tau["85"] / tau["25"] / (want85 / want25) - 1) < 1e-6,
          "memspike %r" % (tau["85"] / tau["25"]))
    # STDP weights: w(t) - w_rest = (w0 - w_rest) exp(-t / tau(T)).
    wmin, wmax = float(p["w_min"]), float(p["w_max"])
    w_rest = 0.225 / (wmax - wmin) * (float(p["w_rest"]) - wmin)
    for tc, idle in (("25", 3600.0), ("85", 86400.0)):
        w0 = weights("%s_%gC_0" % (dev, float(tc)))  # trained at tc, read at once
        w = weights("%s_%gC_%g" % (dev, float(tc), idle))
        f = math.exp(-idle / (want25 if tc == "25" else want85))
        err = sorted(abs((x - w_rest) - (y - w_rest) * f) for x, y in zip(w, w0))
        # a few synapses see an in-flight spike after training ends
        q99 = err[int(0.99 * len(err))]
        check("%s: STDP weights after %g s at %s C = closed form (factor %.4g), 99th "
              "percentile error %.2g mV" % (dev, idle, tc, f, q99), q99 < 1e-7, "")

prot, oxy = r["devices"]["ecram_protonic"], r["devices"]["ecram_oxygen_ion"]
acc = lambda d, tc, i: d["by_temperature"][tc]["idle"][i]["cnn_snn_accuracy"]
check("protonic: CNN accuracy after 10 years at 85 C (%.3f) below 0.2 and below its "
      "programmed %.3f" % (acc(prot, "85", 3), prot["cnn_ref_snn_accuracy"]),
      acc(prot, "85", 3) < 0.2 and acc(prot, "85", 3) < prot["cnn_ref_snn_accuracy"] - 0.5)
check("protonic: 1 h at 25 C keeps more than 10 years at 85 C",
      acc(prot, "25", 0) > acc(prot, "85", 3) + 0.2)
check("oxygen-ion: CNN accuracy after 10 years at 85 C (%.3f) within 5 points of the "
      "programmed %.3f" % (acc(oxy, "85", 3), oxy["cnn_ref_snn_accuracy"]),
      acc(oxy, "85", 3) > oxy["cnn_ref_snn_accuracy"] - 0.05)
check("the devices' accuracy right after programming is that of a working network (> 0.8)",
      all(d["cnn_ref_snn_accuracy"] > 0.8 for d in r["devices"].values()))
# The trade-off: ordered by E_a, retention and write time move together.
devs = sorted(r["devices"].values(), key=lambda d: d["ea_ev"])
check("higher E_a: longer retention at 85 C and slower writes",
      all(a["by_temperature"]["85"]["tau_s"] < b["by_temperature"]["85"]["tau_s"] and
          a["t_pulse_s"] < b["t_pulse_s"] for a, b in zip(devs, devs[1:])))
sys.exit(1 if fails else 0)
PYEOF
pst=$?
# Count the Python checks into lib.sh's tallies.
if [ "$pst" -eq 0 ]; then ok "retention figures against their closed forms"; else bad "retention figures (see above)"; fi
finish example_ecram_retention
