#!/bin/sh
# nno.sh: the perovskite nickelate H-NNO worked example (Zhang et al.,
# Science 2022, doi 10.1126/science.abj7943; docs/examples/nno.md): one
# device that pulses switch between neuron and synapse mode (neurons/
# nrn_hnno.c, configs/devices/hnno_synapse.ini, synapses/syn_hnno.h), in
#  (a) a spiking reservoir run by memspike (heartbeat classification on a
#      synthetic ECG, Mackey-Glass prediction): examples/nno_reservoir.py;
#  (b) a network that grows and prunes itself by switching devices, on
#      Fashion-MNIST classes arriving one at a time: examples/nno_grow.py.
# Usage: examples/nno.sh [--small] [--out DIR] [--seed S]
# Writes DIR/nno.json (both parts' numbers), DIR/nno_reservoir.png,
# DIR/nno_grow.png (default DIR build/examples/nno).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out=$root/build/examples/nno
small=
seed=1
while [ $# -gt 0 ]; do
  case $1 in
  --small) small=--small ;;
  --out) [ $# -ge 2 ] || { echo "nno.sh: --out needs a directory" >&2; exit 2; }; out=$2; shift ;;
  --seed) [ $# -ge 2 ] || { echo "nno.sh: --seed needs a number" >&2; exit 2; }; seed=$2; shift ;;
  -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "nno.sh: unknown argument '$1' (expected --small, --out DIR, --seed S)" >&2; exit 2 ;;
  esac
  shift
done
BIN=${BIN:-$root/build/memspike}
export BIN
[ -x "$BIN" ] || { echo "nno.sh: $BIN not built (run make)" >&2; exit 2; }
PY=/usr/bin/python3
mkdir -p "$out"
$PY "$here/nno_reservoir.py" --out "$out" --seed "$seed" $small
$PY "$here/nno_grow.py" --out "$out" --seed "$seed" $small
$PY - "$out" <<'PYEOF'
import json, os, sys
out = sys.argv[1]
r = json.load(open(os.path.join(out, "reservoir.json")))
g = json.load(open(os.path.join(out, "grow.json")))
json.dump({"example": "nno", "paper": "Zhang et al., Science 375:533 (2022), doi 10.1126/science.abj7943",
           "reservoir": r, "grow": g}, open(os.path.join(out, "nno.json"), "w"), indent=1)
print("wrote %s" % os.path.join(out, "nno.json"))
PYEOF
