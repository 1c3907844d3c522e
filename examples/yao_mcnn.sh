#!/bin/sh
# yao_mcnn.sh: Yao et al., Nature 577:641 (2020), the five-layer memristor
# CNN (C1 8 kernels 3x3, pooling, C3 12 kernels 3x3, pooling, FC 192x10)
# on eight 128 x 16 1T1R arrays of differential pairs, as one command:
# the model (configs/models/fmnist_yao2020.msgpack, trained on
# Fashion-MNIST) converted by `memspike convert`, its weights programmed
# onto rram_yao2020 pairs, the last layer retrained in place on the same
# devices (hybrid training), the layers' tiles packed into shared 128x16
# arrays with a budget of 8 (--pack shared), and latency and energy with 1
# and 3 copies of the conv kernels, each copy on devices of its own with
# the test images split over the copies.  Writes OUT/convert.json
# (memspike convert's), OUT/convert.txt
# (its report), the same with no stuck devices (OUT/convert_nostuck.*),
# OUT/yao_mcnn.json and OUT/yao_mcnn.png (examples/yao_mcnn.py).
# Page: docs/examples/yao_mcnn.md.
#
# usage: examples/yao_mcnn.sh [--small] [--out DIR]
#   --small    300 test images, fine-tuning on 1,000 training images, T = 16
#              (the test size; default: all 10,000 test images, 6,000 training
#              images = 10 % of the set as Yao et al., Extended Data Fig. 6c)
#   --out DIR  output directory (default build/examples/yao_mcnn)
# Environment: BIN (default build/memspike), MEMSPIKE_FMNIST (default
# /usr/share/datasets/fashion-mnist).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$root/build/memspike}
DATA=${MEMSPIKE_FMNIST:-/usr/share/datasets/fashion-mnist}
out=build/examples/yao_mcnn
small=0
while [ $# -gt 0 ]; do
  case $1 in
  --small) small=1 ;;
  --out)
    [ $# -ge 2 ] || { echo "yao_mcnn.sh: --out needs a directory" >&2; exit 2; }
    out=$2
    shift
    ;;
  -h | --help)
    sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "yao_mcnn.sh: unknown option '$1' (expected --small, --out DIR)" >&2
    exit 2
    ;;
  esac
  shift
done
[ -x "$BIN" ] || { echo "yao_mcnn.sh: $BIN not found (run make first)" >&2; exit 2; }
if [ "$small" = 1 ]; then
  sizes="--images 300 --finetune-last 1000 --steps 16"
else
  sizes="--finetune-last 6000 --steps 16,32"
fi
mkdir -p "$out"
# shellcheck disable=SC2086 # sizes is a list of options
"$BIN" convert "$root/configs/models/fmnist_yao2020.msgpack" --data "$DATA" $sizes \
  --device rram_yao2020 --array 128x16 --arrays 8 --replicate 1,3 --pack shared \
  --json "$out/convert.json" --quiet >"$out/convert.txt"
# A diagnosis, not Yao's device: the same preset with no stuck devices
# (OUT/devices/rram_yao2020_nostuck.ini), to tell what the 9.77 % stuck
# devices cost from what levels, programming noise and drift cost.
mkdir -p "$out/devices"
{
  echo "# rram_yao2020 with stuck_fraction = 0, written by examples/yao_mcnn.sh for"
  echo "# a comparison only; everything else as configs/devices/rram_yao2020.ini."
  sed 's/^stuck_fraction *=.*/stuck_fraction = 0/' "$root/configs/devices/rram_yao2020.ini"
} >"$out/devices/rram_yao2020_nostuck.ini"
# shellcheck disable=SC2086
MEMSPIKE_DEVICES="$out/devices" "$BIN" convert "$root/configs/models/fmnist_yao2020.msgpack" \
  --data "$DATA" $sizes --device rram_yao2020_nostuck --array 128x16 --arrays 8 --pack shared \
  --replicate 1,3 --json "$out/convert_nostuck.json" --quiet >"$out/convert_nostuck.txt"
/usr/bin/python3 "$root/examples/yao_mcnn.py" "$out/convert.json" "$out" \
  "$out/convert_nostuck.json"
