#!/bin/sh
# replay.sh: `memspike replay` for analysis (docs/replay.md): --stats on
# the shipped Brunel config (300 ms) against an independent numpy
# computation (tests/check_stats.py, from the CSV export), filters against
# filtering the full CSV in Python, the SONATA file through h5py, sample
# CSVs, bad flags (exit 2 naming the flag), and the same output from the
# logs of 1 and 2 ranks.  Last line: "replay: N passed, N failed, N
# skipped"; a check that cannot run is a skip, a failure under
# MEMSPIKE_TEST_STRICT=1.
set -u
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
CHECK="$PY tests/check_stats.py"
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch replay
# pycheck NAME ARGS...: tests/check_stats.py, its FAIL lines shown
pycheck() {
  name=$1
  shift
  out=$($CHECK "$@" 2>&1)
  st=$?
  n=$(printf '%s\n' "$out" | grep -c '^ok')
  if [ "$st" -eq 0 ] && [ "$n" -gt 0 ]; then
    ok "$name ($n checks)"
  else
    bad "$name (exit $st)" "$(printf '%s\n' "$out" | grep -v '^ok' | head -20)"
  fi
}

BRUNEL="configs/brunel_delta.ini --set simulation.duration=300 --quiet"
echo "replay: statistics of Brunel (300 ms) against numpy"
# shellcheck disable=SC2086
if ! $BIN run $BRUNEL --out "$T/b1" > "$T/b1.txt" 2>&1; then
  bad "brunel runs" "$(tail -5 "$T/b1.txt")"
  finish replay
fi
LOG="$T/b1/events.rank0.msgpack"
expect "replay --csv" 0 "total" $BIN replay "$LOG" --csv "$T/full.csv"
[ "$(head -1 "$T/full.csv")" = "time_ms,population,local_id,gid" ] &&
  ok "spike CSV header time_ms,population,local_id,gid" || bad "spike CSV header" "$(head -1 "$T/full.csv")"
if $BIN replay "$LOG" --stats --json > "$T/s.json" 2> "$T/s.err" &&
   $PY -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/s.json"; then
  ok "--stats --json is valid JSON"
else
  bad "--stats --json is valid JSON" "$(cat "$T/s.err")"
fi
pycheck "--stats (all, bin 5 ms, 100 neurons) == numpy" stats "$T/full.csv" "$T/s.json" \
  --res 0.1 --from 0 --to 300 --bin 5 --pairs 100 --pop E:10000 --pop I:2500
$BIN replay "$LOG" --stats --json --population E --neurons 100:600 --from 50 --to 200 \
  --bin 2 --pairs 30 > "$T/s2.json"
pycheck "--stats E 100:600 [50, 200) ms, bin 2 ms, 30 neurons == numpy" stats "$T/full.csv" \
  "$T/s2.json" --res 0.1 --from 50 --to 200 --bin 2 --pairs 30 --pop E:10000 --neurons 100:600
# The checker itself fails on a wrong value (a check that could not fail
# would prove nothing): the JSON of bin 2 ms checked as bin 5 ms.
if $CHECK stats "$T/full.csv" "$T/s2.json" --res 0.1 --from 50 --to 200 --bin 5 --pairs 30 \
     --pop E:10000 --neurons 100:600 > /dev/null 2>&1; then
  bad "check_stats.py fails on statistics of another bin width"
else
  ok "check_stats.py fails on statistics of another bin width"
fi
out=$($BIN replay "$LOG" --stats)
printf '%s\n' "$out" | grep -q "^E: 10000 neurons" && printf '%s\n' "$out" | grep -q "cv_isi" &&
  printf '%s\n' "$out" | grep -q "^noise: not recorded" &&
  ok "--stats text: a block per population" || bad "--stats text: a block per population" "$out"

echo "replay: filters"
$BIN replay "$LOG" --csv "$T/sub.csv" --population E,I --neurons 100:600 --from 50 \
  --to 200.05 > "$T/sub.txt"
pycheck "--population E,I --neurons 100:600 --from 50 --to 200.05 == the full CSV filtered" \
  subset "$T/full.csv" "$T/sub.csv" --res 0.1 --from 50 --to 200.05 --population E,I \
  --neurons 100:600
$BIN replay "$LOG" --csv "$T/sub2.csv" --population I --population E --from 120.5 > /dev/null
pycheck "repeated --population, --from alone == the full CSV filtered" \
  subset "$T/full.csv" "$T/sub2.csv" --res 0.1 --from 120.5 --population E,I
$BIN replay "$LOG" --csv "$T/sub3.csv" --to 33.3 > /dev/null
pycheck "--to alone == the full CSV filtered" subset "$T/full.csv" "$T/sub3.csv" --res 0.1 --to 33.3
grep -q "^E .* 500 " "$T/sub.txt" && grep -q "window: \[50.0, 200.1) ms" "$T/sub.txt" &&
  ok "filtered summary: 500 neurons, the window" || bad "filtered summary" "$(cat "$T/sub.txt")"

echo "replay: --from seeks"
# The writer leaves an index sidecar; --from positions each file by it, so
# a late window reads fewer records, and gives what the whole stream cut
# to that window gives; without the sidecar the same by a scan.
all=$($BIN replay "$LOG" | sed -n 's/^read: \([0-9]*\) records.*/\1/p')
late=$($BIN replay "$LOG" --from 250 --csv "$T/late.csv" | sed -n 's/^read: \([0-9]*\) records (after a seek by the index)$/\1/p')
if [ -f "$LOG.index" ] && [ -n "$late" ] && [ -n "$all" ] && [ "$late" -lt "$all" ]; then
  ok "--from 250: $late of $all records read (seek by the index)"
else
  bad "--from 250 reads fewer records by the index" "all '$all', late '$late'"
fi
pycheck "--from 250 after a seek == the full CSV from 250 ms" subset "$T/full.csv" "$T/late.csv" \
  --res 0.1 --from 250
mkdir -p "$T/noidx"
cp "$LOG" "$T/noidx/events.rank0.msgpack"
out=$($BIN replay "$T/noidx/events.rank0.msgpack" --from 250 --csv "$T/late2.csv")
printf '%s' "$out" | grep -q "after a seek by a scan: no index" && cmp -s "$T/late.csv" "$T/late2.csv" &&
  ok "--from without the sidecar: a scan, the same CSV" || bad "--from without the sidecar" "$out"

echo "replay: SONATA"
if $PY -c 'import h5py' 2> /dev/null; then
  expect "--sonata writes" 0 "total" $BIN replay "$LOG" --sonata "$T/all.h5"
  pycheck "SONATA through h5py == CSV" sonata "$T/full.csv" "$T/all.h5" --res 0.1
  $BIN replay "$LOG" --sonata "$T/sub.h5" --population E,I --neurons 100:600 --from 50 \
    --to 200.05 > /dev/null
  pycheck "filtered SONATA through h5py == filtered CSV" sonata "$T/sub.csv" "$T/sub.h5" --res 0.1
else
  skip "SONATA through h5py" "no python3-h5py (make deps)"
fi
expect "--sonata over the input log refused" 2 "refusing to write over it" \
  $BIN replay "$LOG" --sonata "$LOG"
expect "--sonata unwritable: names the file" 1 "cannot write the SONATA file /proc/memspike-no/s.h5" \
  $BIN replay "$LOG" --sonata /proc/memspike-no/s.h5
ls "$T"/*.tmp.* > /dev/null 2>&1 && bad "no temporary file left behind" || ok "no temporary file left behind"

echo "replay: bad flags (exit 2, naming the flag)"
expect "--neurons without --population" 2 "--neurons: expected --population" \
  $BIN replay "$LOG" --neurons 0:10
expect "--neurons 5:3" 2 "--neurons: expected A:B" $BIN replay "$LOG" --population E --neurons 5:3
expect "--neurons beyond the population" 2 "population I has 2500 neurons" \
  $BIN replay "$LOG" --population E,I --neurons 0:5000
expect "--population unknown" 2 "expected one of: E, I, noise" \
  $BIN replay "$LOG" --population Nope
expect "--from not a number" 2 "--from: expected a time in ms" $BIN replay "$LOG" --from soon
expect "--from >= --to" 2 "expected --from < --to" $BIN replay "$LOG" --from 10 --to 5
expect "--bin not whole ticks" 2 "--bin 0.05: expected a positive whole number of ticks" \
  $BIN replay "$LOG" --stats --bin 0.05
expect "--bin 0" 2 "--bin: expected a bin width" $BIN replay "$LOG" --stats --bin 0
expect "--pairs 1" 2 "--pairs: expected a neuron count >= 2" $BIN replay "$LOG" --stats --pairs 1
expect "--kind unknown" 2 "--kind: expected spikes, samples" $BIN replay "$LOG" --csv "$T/x.csv" --kind volts
expect "--kind without --csv" 2 "--kind: expected --csv" $BIN replay "$LOG" --kind samples
expect "--json without --stats" 2 "--json: expected --stats" $BIN replay "$LOG" --json
expect "--kind samples without a multimeter" 2 "no state recorder" \
  $BIN replay "$LOG" --csv "$T/x.csv" --kind samples
expect "--stats --help" 0 "--population NAME" $BIN replay --help

echo "replay: samples"
cat > "$T/vm.ini" <<'INI'
[simulation]
duration = 100
seed = 3
[population A]
model = iaf_psc_delta
n = 50
E_L = -49
V_th = -50
V_reset = -60
V_m = uniform(-60, -50)
[population B]
model = iaf_psc_exp
n = 20
[projection AB]
source = A
target = B
rule = all_to_all
weight = 30
delay = 1
[record sa]
population = A
kind = spike_recorder
neurons = all
[record va]
population = A
kind = multimeter
neurons = 10:20
variables = V_m
interval = 1
[record vb]
population = B
kind = multimeter
neurons = all
variables = V_m, I_syn_ex
interval = 2
INI
if $BIN run "$T/vm.ini" --out "$T/vm1" --quiet > /dev/null 2>&1 &&
   $BIN replay "$T/vm1/events.rank0.msgpack" --csv "$T/vm1.csv" --kind samples > /dev/null; then
  head=$(head -1 "$T/vm1.csv")
  [ "$head" = "time_ms,population,local_id,gid,V_m_mV,I_syn_ex_pA" ] &&
    ok "samples CSV header with units ($head)" || bad "samples CSV header with units" "$head"
  # va: 10 neurons x 100 samples; vb: 20 neurons x 50 samples
  rows=$(($(wc -l < "$T/vm1.csv") - 1))
  [ "$rows" -eq 2000 ] && ok "samples CSV: one row per neuron and sample (2000)" ||
    bad "samples CSV: one row per neuron and sample" "$rows rows, wanted 2000"
  $BIN replay "$T/vm1/events.rank0.msgpack" --csv "$T/vm1f.csv" --kind samples --population B \
    --neurons 5:8 --from 10 --to 20 > /dev/null
  want=$(awk -F, 'NR > 1 && $2 == "B" && $3 >= 5 && $3 < 8 && $1 >= 10 && $1 < 20' "$T/vm1.csv" | md5sum)
  got=$(tail -n +2 "$T/vm1f.csv" | md5sum)
  n=$(($(wc -l < "$T/vm1f.csv") - 1))
  [ "$want" = "$got" ] && [ "$n" -eq 15 ] && ok "samples filter == the full sample CSV filtered (15 rows)" ||
    bad "samples filter == the full sample CSV filtered" "$n rows"
else
  bad "samples run and replay"
fi

echo "replay: 1 and 2 ranks"
if command -v mpirun > /dev/null 2>&1; then
  # shellcheck disable=SC2086
  if timeout 300 $MPIRUN -np 2 $BIN run $BRUNEL --out "$T/b2" > "$T/b2.txt" 2>&1; then
    L2="$T/b2/events.rank0.msgpack $T/b2/events.rank1.msgpack"
    # shellcheck disable=SC2086
    $BIN replay $L2 --stats --json > "$T/s2r.json"
    same=$($PY - "$T/s.json" "$T/s2r.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
print("same" if a["populations"] == b["populations"] and a["window"] == b["window"]
      and b["nranks"] == 2 and b["files"] == 2 else "differ")
PY
)
    [ "$same" = "same" ] && ok "--stats --json: 2 ranks == 1 rank" || bad "--stats --json: 2 ranks == 1 rank"
    # shellcheck disable=SC2086
    $BIN replay $L2 --csv "$T/full2.csv" --stats > /dev/null
    cmp -s "$T/full.csv" "$T/full2.csv" && ok "spike CSV: 2 ranks == 1 rank" || bad "spike CSV: 2 ranks == 1 rank"
    # shellcheck disable=SC2086
    $BIN replay $L2 --csv "$T/sub2r.csv" --population E,I --neurons 100:600 --from 50 \
      --to 200.05 > /dev/null
    cmp -s "$T/sub.csv" "$T/sub2r.csv" && ok "filtered CSV: 2 ranks == 1 rank" ||
      bad "filtered CSV: 2 ranks == 1 rank"
    expect "one rank's file alone refused" 2 "--partial" $BIN replay "$T/b2/events.rank1.msgpack" --stats
    expect "one rank's file with --partial" 0 "^E: 10000 neurons" \
      $BIN replay "$T/b2/events.rank1.msgpack" --stats --partial
  else
    bad "brunel on 2 ranks runs" "$(tail -5 "$T/b2.txt")"
  fi
  if timeout 120 $MPIRUN -np 2 $BIN run "$T/vm.ini" --out "$T/vm2" --quiet > /dev/null 2>&1 &&
     $BIN replay "$T/vm2"/events.rank*.msgpack --csv "$T/vm2.csv" --kind samples > /dev/null; then
    cmp -s "$T/vm1.csv" "$T/vm2.csv" && ok "samples CSV: 2 ranks == 1 rank" ||
      bad "samples CSV: 2 ranks == 1 rank" "$(diff "$T/vm1.csv" "$T/vm2.csv" | head -5)"
  else
    bad "samples on 2 ranks"
  fi
else
  skip "1 and 2 ranks" "no mpirun (make deps)"
fi

finish replay
