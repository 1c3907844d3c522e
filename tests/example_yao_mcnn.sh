#!/bin/sh
# example_yao_mcnn.sh: examples/yao_mcnn.sh --small (Yao et al., Nature
# 577:641 (2020): the five-layer memristor CNN on eight 128x16 arrays),
# then tests/check_yao_mcnn.py against independent counts: each layer's
# tiles and cells from the model file's own shapes, the 8-array budget for
# 1 and 3 replicas, the crossbar energy and latency recomputed from
# docs/energy.md's equations and configs/energy/default.ini, accuracy after
# hybrid training >= after programming, latency with 3 replicas < with 1;
# the shared packing checked tile by tile from its JSON layout; the kernel
# copies on their own devices (differing on rram_yao2020, agreeing on the
# ideal preset);
# and `memspike convert`'s refusals (--arrays too few, --array with an odd
# column count).  Last line "yao_mcnn: N passed, N failed, N skipped".
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/.." || exit 1
BIN=${BIN:-build/memspike}
DATA=${MEMSPIKE_FMNIST:-/usr/share/datasets/fashion-mnist}
MODEL=configs/models/fmnist_yao2020.msgpack
scratch yao_mcnn
if [ ! -x "$BIN" ]; then
  skip "yao_mcnn example" "$BIN not built"
  finish yao_mcnn
fi
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  skip "yao_mcnn example" "no Fashion-MNIST in $DATA (Debian package dataset-fashion-mnist)"
  finish yao_mcnn
fi
if ! /usr/bin/python3 -c 'import matplotlib, msgpack' 2>/dev/null; then
  skip "yao_mcnn example" "/usr/bin/python3 lacks matplotlib or msgpack"
  finish yao_mcnn
fi

if BIN=$BIN sh examples/yao_mcnn.sh --small --out "$T/out" >"$T/log" 2>&1; then
  ok "examples/yao_mcnn.sh --small"
else
  bad "examples/yao_mcnn.sh --small" "$(cat "$T/log")"
  finish yao_mcnn
fi
for f in convert.json yao_mcnn.json; do
  if /usr/bin/python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$T/out/$f" 2>/dev/null; then
    ok "$f is JSON"
  else
    bad "$f is JSON"
  fi
done
if [ -s "$T/out/yao_mcnn.png" ] && [ "$(head -c 4 "$T/out/yao_mcnn.png" | od -An -tx1 | tr -d ' ')" = 89504e47 ]; then
  ok "yao_mcnn.png is a PNG"
else
  bad "yao_mcnn.png is a PNG"
fi

# The kernel copies on the ideal preset: their devices cannot differ.
if "$BIN" convert "$MODEL" --data "$DATA" --images 200 --steps 8 --device ideal --replicate 3 \
  --array 128x16 --json "$T/ideal.json" --quiet >"$T/ideal.log" 2>&1; then
  ok "convert --device ideal --replicate 3"
else
  bad "convert --device ideal --replicate 3" "$(cat "$T/ideal.log")"
fi
/usr/bin/python3 tests/check_yao_mcnn.py "$MODEL" configs/energy/default.ini "$T/out" \
  "$T/ideal.json" >"$T/checks" 2>&1
rc=$?
while IFS= read -r line; do
  case $line in
  "ok "*) ok "${line#ok }" ;;
  "FAIL "*) bad "${line#FAIL }" ;;
  *) bad "check_yao_mcnn.py: $line" ;;
  esac
done <"$T/checks"
[ "$rc" -eq 0 ] || bad "check_yao_mcnn.py exit $rc"

expect "--arrays 6: refused naming each layer's count" 2 "needs 7 arrays of 128x16 cells at 1 kernel copy per conv layer (conv1 1, conv2 2, fc1 4" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --array 128x16 --arrays 6 \
  --replicate 1 --quiet
expect "--pack shared --arrays 3: refused with the packed count and the bound" 2 \
  "with --pack shared (7 tiles; the cells alone fill at least 3)" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --array 128x16 --arrays 3 \
  --replicate 1 --pack shared --quiet
expect "--pack bogus refused" 2 "expected per-layer, diagonal or shared" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --pack bogus
expect "--array 128x15: odd column count refused" 2 "COLS even" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --array 128x15
expect "--array 128: no COLS refused" 2 "expected ROWSxCOLS" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --array 128
expect "--arrays 0 refused" 2 "expected a count >= 1" \
  "$BIN" convert "$MODEL" --data "$DATA" --images 10 --steps 8 --arrays 0
finish yao_mcnn
