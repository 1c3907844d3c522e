#!/bin/sh
# song2000.sh [OUTDIR]: the STDP worked example (Song, Miller & Abbott 2000)
# on an ideal synapse, Li-WO3 ECRAM and soft-bounds RRAM, then one PNG with
# the three weight histograms (pA, shared count axis) and the output
# neuron's rate of each run: OUTDIR/song2000.png (default out/song2000).
set -e
cd "$(dirname "$0")/.."
OUT=${1:-out/song2000}
BIN=${BIN:-build/memspike}
[ -x "$BIN" ] || make -s
rates=""
for v in "" _ecram _rram; do
  log=$("$BIN" run "configs/stdp_song2000$v.ini" --quiet --weights plastic --out "$OUT$v")
  printf '%s\n' "$log" | grep -E "post |synapse devices" || true
  # summary line: "post  MODEL  N  SPIKES  RATE_HZ"
  rate=$(printf '%s\n' "$log" | awk '$1 == "post" && NF == 5 {print $5; exit}')
  case $v in "") label=ideal ;; _ecram) label="ECRAM Li-WO3" ;; _rram) label="RRAM soft bounds" ;; esac
  [ -n "$rate" ] && rates="$rates
--rate=$label=$rate"
done
# One argument per line of $rates (labels hold spaces).
IFS='
'
# shellcheck disable=SC2086
/usr/bin/python3 tools/plot_weights.py --out "$OUT/song2000.png" --wmax 9 --unit pA $rates \
  ideal="$OUT/weights-plastic.rank0.csv" \
  "ECRAM Li-WO3=${OUT}_ecram/weights-plastic.rank0.csv" \
  "RRAM soft bounds=${OUT}_rram/weights-plastic.rank0.csv"
