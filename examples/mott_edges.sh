#!/bin/sh
# mott_edges.sh [--small] [--out DIR] [--device PRESET]: edge detection of a
# real photograph (scikit-image's camera.png) by Sobel kernels on a crossbar
# of device pairs, with VO2 Mott activation neurons (Oh et al., Nature
# Nanotechnology 2021) between the layers, against the ADC + digital ReLU
# path and the float reference; then the shipped Fashion-MNIST CNN with the
# same neurons on the same devices (docs/examples/mott_edges.md).
# Writes DIR/mott_edges.json and DIR/mott_edges.png.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
out=build/examples/mott_edges
size=512
images=10000
device=ecram_metal_oxide
while [ $# -gt 0 ]; do
  case "$1" in
    --small) size=128 images=300 ;;
    --out) out=$2; shift ;;
    --device) device=$2; shift ;;
    *) echo "usage: examples/mott_edges.sh [--small] [--out DIR] [--device PRESET]" >&2; exit 2 ;;
  esac
  shift
done
ms="$here/build/memspike"
[ -x "$ms" ] || { echo "mott_edges: build memspike first (make)" >&2; exit 2; }
mkdir -p "$out"
/usr/bin/python3 "$here/examples/mott_edges.py" prepare "$out" --size "$size"
"$ms" image "$out/edges.msgpack" --image "$out/camera.idx.gz" --device "$device" \
  --activation vo2 --json "$out/image.json"
# The same neurons between the layers of the shipped Fashion-MNIST CNN on
# the same device pairs: accuracy and energy against the ADC path.
data=/usr/share/datasets/fashion-mnist
if [ -f "$data/t10k-images-idx3-ubyte.gz" ]; then
  "$ms" convert "$here/configs/models/fmnist_cnn.msgpack" --data "$data" --images "$images" \
    --steps 4 --device "$device" --activation vo2 --json "$out/fmnist.json" --quiet \
    >"$out/fmnist.txt"
else
  echo "mott_edges: $data missing (dataset-fashion-mnist): no CNN comparison" >&2
  rm -f "$out/fmnist.json"
fi
/usr/bin/python3 "$here/examples/mott_edges.py" report "$out"
