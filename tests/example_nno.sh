#!/bin/sh
# example_nno.sh: the H-NNO worked example (docs/examples/nno.md) at its
# small size, and the device model in the engine:
#  - hnno_neuron in a memspike run: the recorded subthreshold V_m after one
#    input against w e^{-t/tau_m}, and a second input crossing threshold
#    fires and resets; a device in synapse mode refused as a neuron;
#  - examples/nno.sh --small: the ECG reservoir well above chance and at
#    least the raw beat's linear readout; the Mackey-Glass reservoir NRMSE
#    below the readout of the current input and below a bound; switching
#    energy = pulses x V^2 G t from syn_hnno.h's constants; the grown
#    network with fewer devices than the large fixed one at no lower
#    accuracy, above the small fixed one, and shrinking under reduced input
#    without losing accuracy.
. "$(dirname "$0")/lib.sh"
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
scratch nno
root=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -x "$BIN" ]; then
  skip "nno example" "$BIN not built"
  finish example_nno
fi
if ! $PY -c 'import numpy, matplotlib, msgpack' 2>/dev/null; then
  skip "nno example" "python3 numpy/matplotlib/msgpack missing"
  finish example_nno
fi

# -- the neuron model in the engine ------------------------------------
cat > "$T/leak.ini" <<'INI'
[simulation]
duration = 60
resolution = 0.1
output = out
[population g]
model = spike_generator
spike_times = 5.0, 40.0
[population n]
model = hnno_neuron
n = 1
tau_m = 12.5
[projection gn]
source = g
target = n
rule = all_to_all
weight = 0.7
delay = 1
[record vm]
population = n
kind = multimeter
variables = V_m
interval = 0.5
[record s]
population = n
kind = spike_recorder
INI
if "$BIN" run "$T/leak.ini" --out "$T/leak" --quiet > "$T/leak.log" 2>&1; then
  if PYTHONPATH="$root/python" $PY - "$T/leak" > "$T/leak.chk" 2>&1 <<'PYEOF'
import glob, sys, math
import numpy as np
import memspike_log
run = memspike_log.open_run(sorted(glob.glob(sys.argv[1] + "/events.rank*.msgpack")))
s = run.samples("vm")
t = np.asarray(s.times_ms)
v = np.asarray(s.var("V_m"))[:, 0]
# input at 5 + 1 (delay) = 6 ms: V = 0.7 e^{-(t - 6)/12.5} until the next at 41 ms
sel = (t >= 6) & (t < 41)
want = 0.7 * np.exp(-(t[sel] - 6) / 12.5)
err = float(np.max(np.abs(v[sel] - want)))
pre = float(np.max(np.abs(v[t < 6])))
sp = run.spikes(population="n")["time_ms"]
print("max |V - 0.7 e^-t/tau| = %.3g, before input %.3g, spikes %s" % (err, pre, list(sp)))
# 0.7 e^{-35/12.5} + 0.7 = 0.74 < 1: the second input must not fire
sys.exit(0 if err < 1e-9 and pre == 0 and len(sp) == 0 else 1)
PYEOF
  then ok "engine: subthreshold leak of hnno_neuron = w e^{-t/tau} ($(cat "$T/leak.chk"))"
  else bad "engine: subthreshold leak of hnno_neuron" "$(cat "$T/leak.chk")"; fi
else
  bad "engine: hnno_neuron run" "$(cat "$T/leak.log")"
fi
# weight 1.2: one input crosses V_th = 1 -> exactly two spikes (6 ms, 41 ms)
if "$BIN" run "$T/leak.ini" --set gn.weight=1.2 --out "$T/fire" --quiet > "$T/fire.log" 2>&1 &&
   n=$(PYTHONPATH="$root/python" $PY -c "
import glob, memspike_log
r = memspike_log.open_run(sorted(glob.glob('$T/fire/events.rank*.msgpack')))
print(' '.join('%g' % x for x in r.spikes(population='n')['time_ms']))") &&
   [ "$n" = "6 41" ]; then
  ok "engine: suprathreshold input fires at once (spikes at $n ms)"
else
  bad "engine: suprathreshold input fires at once" "spikes: ${n:-?} $(cat "$T/fire.log")"
fi
expect "engine: a device in synapse mode is refused as a neuron" 2 "synapse mode" \
  "$BIN" run "$T/leak.ini" --set n.H=0.55 --out "$T/bad" --quiet

# -- the example at its small size --------------------------------------
if sh "$root/examples/nno.sh" --small --out "$T/ex" > "$T/ex.log" 2>&1; then
  ok "examples/nno.sh --small runs"
else
  bad "examples/nno.sh --small runs" "$(tail -20 "$T/ex.log")"
  finish example_nno
fi
for f in nno.json nno_reservoir.png nno_grow.png; do
  if [ -s "$T/ex/$f" ]; then ok "writes $f"; else bad "writes $f"; fi
done

$PY - "$T/ex/nno.json" "$root/synapses/syn_hnno.h" > "$T/checks" 2>&1 <<'PYEOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
k = {}
for line in open(sys.argv[2]):
    m = re.match(r'\s*X\((\w+),\s*([-+0-9.eE]+),', line)
    if m:
        k[m.group(1)] = float(m.group(2))
res = []
def check(name, cond, detail):
    print("%s %s (%s)" % ("ok  " if cond else "FAIL", name, detail))
e = d["reservoir"]["ecg"]
check("ECG: reservoir well above chance", e["reservoir"]["accuracy"] > e["chance"] + 0.3,
      "reservoir %.3f, chance %.3f" % (e["reservoir"]["accuracy"], e["chance"]))
check("ECG: reservoir readout >= ridge on the raw beat",
      e["reservoir_and_input"]["accuracy"] >= e["raw_linear"]["accuracy"],
      "reservoir+input %.3f, reservoir %.3f, raw %.3f" % (e["reservoir_and_input"]["accuracy"],
      e["reservoir"]["accuracy"], e["raw_linear"]["accuracy"]))
m = d["reservoir"]["mackey_glass"]
check("Mackey-Glass: reservoir NRMSE below the current input's readout and below 0.35",
      m["reservoir"]["nrmse"] < m["input_linear"]["nrmse"] and m["reservoir"]["nrmse"] < 0.35,
      "reservoir %.3f, current input %.3f, persistence %.3f" % (m["reservoir"]["nrmse"],
      m["input_linear"]["nrmse"], m["persistence_nrmse"]))
g = d["grow"]
e1 = k["V_SW"] ** 2 * k["G_SW_US"] * 1e-6 * k["T_SW_S"] * 1e12
npul = int(-(-round((k["H_NEURON"] - k["H_SYNAPSE"]) / k["DH_PULSE"], 9) // 1))
for name, r in [("grow", g["grow"])] + [("fixed " + n, r) for n, r in g["fixed"].items()]:
    c = r["counts"]
    want_sw = r["grown"] + r["pruned"] if name == "grow" else int(name.split()[1])
    ok = (c["mode_switches"] == want_sw and c["switch_pulses"] == want_sw * npul and
          abs(r["energy_pj"]["mode_switches"] - c["switch_pulses"] * e1) <= 1e-9 * max(1, c["switch_pulses"] * e1))
    check("switching bookkeeping, %s" % name, ok, "%d switches x %d pulses x %.4g pJ = %.6g pJ, reported %.6g pJ"
          % (want_sw, npul, e1, want_sw * npul * e1, r["energy_pj"]["mode_switches"]))
big = max(g["fixed"], key=int)
small = min(g["fixed"], key=int)
gr, fb, fs = g["grow"], g["fixed"][big], g["fixed"][small]
check("grown network: fewer devices than fixed %s at no lower accuracy (-0.02)" % big,
      gr["final_devices"] < fb["final_devices"] and gr["final_accuracy"] >= fb["final_accuracy"] - 0.02,
      "grow %d devices %.3f, fixed %d devices %.3f" % (gr["final_devices"], gr["final_accuracy"],
      fb["final_devices"], fb["final_accuracy"]))
check("grown network above fixed %s" % small, gr["final_accuracy"] > fs["final_accuracy"] + 0.05,
      "grow %.3f, fixed %.3f" % (gr["final_accuracy"], fs["final_accuracy"]))
ri = gr["reduced_input"]
check("reduced input: prunes >= 25 % of units, accuracy kept (-0.03)",
      ri["units_after"] <= 0.75 * ri["units_before"] and ri["accuracy_after"] >= ri["accuracy_before"] - 0.03,
      "units %d -> %d, accuracy %.3f -> %.3f" % (ri["units_before"], ri["units_after"],
      ri["accuracy_before"], ri["accuracy_after"]))
PYEOF
[ -s "$T/checks" ] || bad "the numbers of nno.json could not be checked"
while IFS= read -r line; do
  case $line in
  "ok   "*) ok "${line#ok   }" ;;
  "FAIL "*) bad "${line#FAIL }" ;;
  *) bad "check output: $line" ;;
  esac
done < "$T/checks"
finish example_nno
