#!/bin/sh
# coding.sh: `memspike convert --coding rate|qcfs|ttfs` on the shipped
# models (issue 13): TTFS within 1 point of the ANN with at most one spike
# per neuron, QCFS within 1 point at T = 8 (on the committed QCFS model),
# bad --coding / --replicate values named, per-T energy counts measured,
# the crossover consistent with the energy model, --replicate's table,
# tools/plot_frontier.py.  Small image counts (the whole script ~1 min).
# Last line "coding: N passed, N failed, N skipped".
set -u
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch
scratch coding
MODEL=configs/models/fmnist_cnn.msgpack
QCFS=configs/models/fmnist_qcfs.msgpack
DATA=/usr/share/datasets/fashion-mnist

echo "coding: options"
expect "--coding: bad value named" 2 "--coding: expected rate, qcfs or ttfs (got 'temporal')" \
  $BIN convert $MODEL --data $DATA --coding temporal
expect "--coding ttfs refuses the engine schedule" 2 "--coding ttfs: runs on the batch schedule" \
  $BIN convert $MODEL --data $DATA --coding ttfs --schedule engine
expect "--replicate: bad value named" 2 "--replicate: expected up to 8 comma-separated" \
  $BIN convert $MODEL --data $DATA --replicate 2,0
expect "--help lists --coding" 0 "--coding C" $BIN convert --help

if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  skip "coding: conversions" "$DATA missing: install dataset-fashion-mnist (make deps)"
  finish coding
fi

echo "coding: QCFS fields of the model file"
# relu with clip and levels (docs/model-format.md): both or neither, clip > 0
if $PY - "$MODEL" "$T" <<'PYEOF' 2>/dev/null
import msgpack, sys
d = msgpack.unpackb(open(sys.argv[1], "rb").read(), raw=False)
relu = [l for l in d["layers"] if l["type"] == "relu"][0]
for name, extra in (("cliponly", {"clip": 2.0}), ("negclip", {"clip": -1.0, "levels": 4})):
    relu.clear(); relu.update({"type": "relu"}, **extra)
    open("%s/%s.msgpack" % (sys.argv[2], name), "wb").write(msgpack.packb(d, use_bin_type=True))
PYEOF
then
  expect "model: relu clip without levels" 2 "field 'levels' is missing" \
    $BIN convert "$T/cliponly.msgpack" --data $DATA --images 5 --quiet
  expect "model: relu clip <= 0" 2 "field 'clip' is -1, expected a number > 0" \
    $BIN convert "$T/negclip.msgpack" --data $DATA --images 5 --quiet
else
  skip "model: relu QCFS fields" "python3-msgpack missing"
fi

echo "coding: ttfs"
expect "--coding qcfs on a plain-ReLU model" 2 "expected a QCFS activation with a trained clip" \
  $BIN convert $MODEL --data $DATA --images 5 --coding qcfs --quiet
$BIN convert $MODEL --data $DATA --images 300 --calib 300 --steps 8,16,32 --coding ttfs \
  --replicate 1,2,4,8 --json "$T/ttfs.json" --quiet > "$T/ttfs.txt" 2>&1
st=$?
# (1) within 1 point of the ANN at T = 32, <= 1 spike per neuron, (2) the
# energy counts measured per T (the crossover of every T reproduces the
# model: floor + a (measured - floor) = ANN at a = x / spikes-per-synapse),
# (3) --replicate: more arrays and a shorter crossbar latency as K grows.
$PY - "$T/ttfs.json" > "$T/check.txt" 2>&1 <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
bad = []
last = d["by_steps"][-1]
if not (last["snn_accuracy"] >= d["ann_accuracy"] - 0.01):
    bad.append("T=%d: SNN %.4f vs ANN %.4f" % (last["steps"], last["snn_accuracy"], d["ann_accuracy"]))
for s in d["by_steps"]:
    if not (0 < s["spikes_per_neuron"] <= 1):
        bad.append("T=%d: %.4f spikes per neuron" % (s["steps"], s["spikes_per_neuron"]))
    for sub in ("digital", "crossbar"):
        x = s["crossover_" + sub]
        e1, e0 = s["total"]["snn_" + sub]["total_pj"], s["floor_pj"]["snn_" + sub]
        ea = s["total"]["ann_" + sub]["total_pj"]
        if x is None:
            if ea > e0 and e1 > e0:
                bad.append("T=%d %s: no crossover though the floor is below the ANN" % (s["steps"], sub))
            continue
        e = e0 + x / s["spikes_per_synapse"] * (e1 - e0)
        if abs(e - ea) > 1e-6 * ea:
            bad.append("T=%d %s: energy at the crossover %g != ANN %g" % (s["steps"], sub, e, ea))
if not d["counts_measured"]:
    bad.append("counts not measured per T")
syn = [s["synops"] for s in d["by_steps"]]
if len(set(syn)) < len(syn):
    bad.append("the same synops at every T: %r" % syn)
r = d["replicate"]
if [x["k"] for x in r] != [1, 2, 4, 8] or not all(
        r[i + 1]["arrays"] > r[i]["arrays"] and
        r[i + 1]["ann_crossbar"]["latency_ns"] < r[i]["ann_crossbar"]["latency_ns"]
        for i in range(3)):
    bad.append("replicate: %r" % r)
names = [l["name"] for l in d["energy"]["layers"]]
if "pool1" not in names:
    bad.append("pools missing from the energy table: %r" % names)
print("\n".join(bad) if bad else "ok T=%d SNN %.4f ANN %.4f, %.3f spikes/neuron" % (
    last["steps"], last["snn_accuracy"], d["ann_accuracy"], last["spikes_per_neuron"]))
PYEOF
if [ $st -eq 0 ] && grep -q "^ok " "$T/check.txt"; then
  ok "ttfs: $(cat "$T/check.txt"); crossovers reproduce the model; replicate 1,2,4,8"
else
  bad "ttfs: 300 images (exit $st)" "$(cat "$T/check.txt" "$T/ttfs.txt" | tail -30)"
fi
if grep -q "conv kernel replication on the crossbars" "$T/ttfs.txt"; then
  ok "ttfs: the replication table is printed"
else
  bad "ttfs: the replication table is printed" "$(tail -20 "$T/ttfs.txt")"
fi

echo "coding: rate"
# The energy table's T is measured at that T, not scaled from the largest.
out=$($BIN convert $MODEL --data $DATA --images 50 --calib 100 --steps 16,32 \
  --energy-steps 16 --quiet 2>&1)
if printf '%s\n' "$out" | grep -q "SNN counts measured at T=16"; then
  ok "rate: energy counts measured at --energy-steps 16"
else
  bad "rate: energy counts measured at --energy-steps 16" "$out"
fi

echo "coding: qcfs"
if [ -f "$QCFS" ]; then
  $BIN convert $QCFS --data $DATA --images 300 --calib 300 --steps 4,8,16 --coding qcfs \
    --json "$T/qcfs.json" --quiet > "$T/qcfs.txt" 2>&1
  st=$?
  res=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["steps"]: x for x in d["by_steps"]}
print("%.4f %.4f %.4f" % (d["ann_accuracy"], s[8]["snn_accuracy"], s[16]["snn_accuracy"]))' "$T/qcfs.json" 2>&1)
  if [ $st -eq 0 ] && printf '%s\n' "$res" | awk '{ exit !($2 >= $1 - 0.01 && $3 >= $1 - 0.01) }'; then
    ok "qcfs: ANN, T=8, T=16 accuracy $res on 300 images (within 1 point)"
  else
    bad "qcfs: within 1 point at T=8 and 16 (exit $st): $res" "$(tail -20 "$T/qcfs.txt")"
  fi
  if [ -f "$T/ttfs.json" ] && $PY tools/plot_frontier.py --out "$T/frontier" "$T/ttfs.json" \
      "$T/qcfs.json" > "$T/plot.txt" 2>&1 && [ -s "$T/frontier.png" ] &&
    $PY -c 'import json,sys; d=json.load(open(sys.argv[1])); assert any(p["frontier"] for p in d["points"]); assert d["crossovers"]' "$T/frontier.json"; then
    ok "plot_frontier.py: PNG and JSON from the ttfs and qcfs results"
  else
    bad "plot_frontier.py: PNG and JSON" "$(cat "$T/plot.txt")"
  fi
else
  skip "qcfs: the committed QCFS model" "$QCFS missing"
fi
finish coding
