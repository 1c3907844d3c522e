#!/bin/sh
# neurram.sh: NeuRRAM (Wan et al., Nature 608:504, 2022) in memspike: a
# Fashion-MNIST CNN on 256 x 256 compute-in-memory cores of RRAM pairs
# (configs/devices/rram_neurram2022.ini, configs/energy/neurram.ini),
# with and without noise-resilient training (configs/models/fmnist_plain
# and fmnist_plain_wn02, tools/train_fmnist.py --weight-noise 0.2):
# mapping and utilization per core, accuracy versus relative programming
# noise, last-layer chip-in-the-loop retraining, energy / latency / EDP
# against an int8 digital ANN, and a backward (transposed) MVM through the
# same devices.  Page: docs/examples/neurram.md.
#
# usage: examples/neurram.sh [--small] [--out DIR]
#   --small   the test size (300 test images, 3 noise levels x 2 programmings;
#             full size: 2000 images, 10 levels x 3 programmings)
#   --out DIR results (default build/examples/neurram): neurram.json,
#             neurram.png, and each model's memspike cim JSON
set -eu
out=build/examples/neurram
small=0
while [ $# -gt 0 ]; do
  case $1 in
  --small) small=1 ;;
  --out)
    [ $# -ge 2 ] || { echo "neurram.sh: --out needs a directory" >&2; exit 2; }
    out=$2
    shift ;;
  -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "neurram.sh: unknown option '$1' (expected --small, --out DIR)" >&2; exit 2 ;;
  esac
  shift
done
BIN=${BIN:-build/memspike}
DATA=${MEMSPIKE_FMNIST:-/usr/share/datasets/fashion-mnist}
PY=${MEMSPIKE_PYTHON:-/usr/bin/python3}
[ -x "$BIN" ] || { echo "neurram.sh: $BIN not found (run make)" >&2; exit 2; }
[ -f "$DATA/t10k-images-idx3-ubyte.gz" ] || {
  echo "neurram.sh: Fashion-MNIST not found in $DATA (Debian package dataset-fashion-mnist)" >&2
  exit 2
}
mkdir -p "$out"
if [ "$small" = 1 ]; then
  set -- --images 300 --calib 16 --prog-noise 0,0.1,0.2 --repeats 2 --finetune-last 1500 \
    --finetune-noise 0.15 --transpose 40
else
  set -- --images 2000 --calib 64 --prog-noise 0,0.025,0.05,0.075,0.1,0.125,0.15,0.2,0.25,0.3 \
    --repeats 3 --finetune-last 5000 --finetune-noise 0.15 --transpose 1000
fi
for m in plain plain_wn02; do
  echo "neurram: configs/models/fmnist_$m.msgpack on the cores" >&2
  "$BIN" cim "configs/models/fmnist_$m.msgpack" --data "$DATA" "$@" --json "$out/cim_$m.json"
done
"$PY" examples/neurram_plot.py "$out/cim_plain.json" "$out/cim_plain_wn02.json" --out "$out"
