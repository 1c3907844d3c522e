#!/bin/sh
# song2000.sh [OUTDIR]: the STDP worked example (Song, Miller & Abbott 2000)
# on an ideal synapse, Li-WO3 ECRAM and soft-bounds RRAM, then one PNG with
# the three weight histograms: OUTDIR/song2000.png (default out/song2000).
set -e
cd "$(dirname "$0")/.."
OUT=${1:-out/song2000}
BIN=${BIN:-build/memspike}
[ -x "$BIN" ] || make -s
for v in "" _ecram _rram; do
  "$BIN" run "configs/stdp_song2000$v.ini" --quiet --weights plastic --out "$OUT$v" \
    | grep -E "post |synapse devices" || true
done
/usr/bin/python3 tools/plot_weights.py --out "$OUT/song2000.png" --wmax 9 \
  ideal="$OUT/weights-plastic.rank0.csv" \
  "ECRAM Li-WO3=${OUT}_ecram/weights-plastic.rank0.csv" \
  "RRAM soft bounds=${OUT}_rram/weights-plastic.rank0.csv"
