#!/bin/sh
# mott_edges.sh [--small] [--out DIR] [--device PRESET]: edge detection of a
# real photograph (scikit-image's camera.png) by Sobel kernels on a crossbar
# of device pairs, with VO2 Mott activation neurons (Oh et al., Nature
# Nanotechnology 2021) between the layers, against the ADC + digital ReLU
# path and the float reference (docs/examples/mott_edges.md).
# Writes DIR/mott_edges.json and DIR/mott_edges.png.
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
out=build/examples/mott_edges
size=512
device=ecram_metal_oxide
while [ $# -gt 0 ]; do
  case "$1" in
    --small) size=128 ;;
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
/usr/bin/python3 "$here/examples/mott_edges.py" report "$out"
