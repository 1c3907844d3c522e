#!/bin/sh
# mem.sh: the memory estimate of `memspike run` (network/net_mem.c) against
# the peak RSS a run really reaches, and the refusal of a network that
# cannot fit.  The increase of peak RSS over a tiny variant of the same
# config (so that the process's own baseline cancels) must be within 10 %
# of the increase of the estimate, on brunel_delta and on a device config.
# Last line: "mem: N passed, N failed, N skipped".
set -u
BIN=${BIN:-build/memspike}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch mem
# Nothing here skips: without mpirun the MPI checks fail.

C=configs/brunel_delta.ini
TINY="--set E.n=10 --set I.n=10"
RUN="--out $T/out --quiet --set simulation.duration=200"
DEV="--set EE.synapse=device --set EE.device=ecram_li_wo3 --set EE.weight_scale=1
--set EE.weight=uniform(0.05,0.15) --set EE.delay=uniform(1,2)"

# The estimate in MB (1e6 bytes) from the first line of --dry-run.
estimate() {
  "$BIN" run $C "$@" --dry-run | awk 'NR == 1 {
    u = $(NF - 2); v = $(NF - 3); sub(",", "", u)
    f = u == "TiB" ? 1099511627776 : u == "GiB" ? 1073741824 : 1048576
    printf "%.3f\n", v * f / 1e6 }'
}
# Peak RSS in MB of a real run.
peak() {
  "$BIN" run $C $RUN "$@" --json "$T/r.json" >/dev/null &&
    sed -n 's/.*"peak_rss_mb": \([0-9.]*\).*/\1/p' "$T/r.json"
}

# compare NAME ARGS...: estimate vs measured increase over the tiny variant
compare() {
  name=$1
  shift
  e1=$(estimate "$@") e0=$(estimate "$@" $TINY)
  m1=$(peak "$@") m0=$(peak "$@" $TINY)
  if [ -z "$e1" ] || [ -z "$e0" ] || [ -z "$m1" ] || [ -z "$m0" ]; then
    bad "$name: estimate or run failed" "est $e1 / $e0, peak $m1 / $m0"
    return
  fi
  line=$(awk -v e1="$e1" -v e0="$e0" -v m1="$m1" -v m0="$m0" 'BEGIN {
    e = e1 - e0; m = m1 - m0; r = (e - m) / m
    printf "estimate +%.1f MB, measured peak RSS +%.1f MB (%+.1f %%) %s\n", e, m, 100 * r,
           (r < 0.1 && r > -0.1) ? "ok" : "bad" }')
  case "$line" in
    *ok) ok "$name: $line" ;;
    *) bad "$name: $line (not within 10 %)" ;;
  esac
}

echo "mem: estimate vs measured"
compare "brunel_delta"
# shellcheck disable=SC2086
compare "brunel_delta, EE on ECRAM devices with drawn weights and delays" $DEV

echo "mem: refusal"
t0=$(date +%s)
out=$("$BIN" run $C --set E.n=2000000000 --quiet 2>&1)
st=$?
dt=$(($(date +%s) - t0))
if [ "$st" -eq 2 ] && [ "$dt" -le 5 ] && printf '%s' "$out" | grep -q "does not fit: estimated .*limit .*largest: projection EE"; then
  ok "n = 2e9 refused in ${dt} s with exit 2, estimate, limit, largest contributors"
else
  bad "n = 2e9 refused quickly (exit $st, $dt s)" "$out"
fi
out=$("$BIN" run $C --set simulation.max_memory=32M --quiet 2>&1)
st=$?
if [ "$st" -eq 2 ] && printf '%s' "$out" | grep -q "limit 32.0 MiB (\[simulation\] max_memory)"; then
  ok "[simulation] max_memory = 32M refuses brunel_delta (exit 2)"
else
  bad "[simulation] max_memory = 32M refuses brunel_delta" "$out"
fi
out=$("$BIN" run $C --set E.n=2000000000 --dry-run 2>/dev/null)
st=$?
if [ "$st" -eq 2 ] && printf '%s' "$out" | grep -q "does NOT fit"; then
  ok "--dry-run prints the estimate, exit 2 when it does not fit"
else
  bad "--dry-run on a network that does not fit" "$out"
fi
out=$("$BIN" run $C --dry-run --out "$T/dry" 2>&1)
st=$?
if [ "$st" -eq 0 ] && [ ! -e "$T/dry" ] && printf '%s' "$out" | grep -q "limit per rank: .*fits"; then
  ok "--dry-run on brunel_delta: exit 0, fits, builds and writes nothing"
else
  bad "--dry-run on brunel_delta" "$out"
fi

# Under MPI each rank checks its own part against its share of the node.
if command -v mpirun >/dev/null 2>&1; then
  M="$MPIRUN -np 2"
  out=$($M "$BIN" run $C --dry-run 2>&1)
  st=$?
  if [ "$st" -eq 0 ] && printf '%s' "$out" | grep -q "rank 0 of 2" &&
     printf '%s' "$out" | grep -q "/ 2 ranks on this node" &&
     printf '%s' "$out" | grep -q "largest rank:"; then
    ok "mpirun -np 2 --dry-run: per-rank estimate and limit"
  else
    bad "mpirun -np 2 --dry-run" "$out"
  fi
  out=$($M "$BIN" run $C --set E.n=2000000000 --quiet 2>&1)
  st=$?
  if [ "$st" -eq 2 ] && printf '%s' "$out" | grep -q "does not fit: estimated .* on rank 0 of 2"; then
    ok "mpirun -np 2: n = 2e9 refused with exit 2"
  else
    bad "mpirun -np 2: n = 2e9 refused" "$out"
  fi
else
  bad "mpirun missing: the MPI checks cannot run"
fi

finish mem
