#!/bin/sh
# e2e.sh: the command line as a user meets it: exit codes and messages for
# bad input, a run written to a log, replay in C and in Python agreeing, a
# truncated log, CNN conversion (against the dense PyTorch SNN too), the
# exporter, and `make install`.  Last line: "e2e: N passed, N failed, N
# skipped"; a check that cannot run is a skip, never a pass, and a failure
# under MEMSPIKE_TEST_STRICT=1 (`make test`, which installs every dependency).
set -u
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch e2e

echo "e2e: command line"
expect "--help" 0 "memspike run CONFIG" $BIN --help
expect "--version" 0 "memspike [0-9]" $BIN --version
expect "no arguments" 2 "usage" $BIN
expect "unknown command" 2 "unknown command 'frobnicate'" $BIN frobnicate
expect "unknown run option" 2 "unknown option '--bogus'" $BIN run configs/brunel_delta.ini --bogus
expect "option without its value" 2 "option '--out' needs a value" $BIN run configs/brunel_delta.ini --out
# The usage after a message is whole (it was cut at the 1 KB message buffer).
expect "usage after an error is not cut" 2 "130 or 143: run stopped" $BIN run configs/brunel_delta.ini --bogus
expect "run --help" 0 "--progress S" $BIN run --help
expect "run CONFIG --help" 0 "Exit status: 0 success" $BIN run configs/brunel_delta.ini --help
expect "replay --help" 0 "--partial" $BIN replay --help
expect "convert --help" 0 "within 1% of" $BIN convert --help
expect "convert MODEL --help" 0 "Exit status: 0 success" $BIN convert m.msgpack --help
expect "convert: unknown last option" 2 "unknown option '--bogus'" $BIN convert m.msgpack --data d --bogus
expect "memspike_log.py --help" 0 "usage: memspike_log.py" $PY tools/memspike_log.py --help
expect "plot --help" 0 "raster|rates|isi|vm|weights|energy" $BIN plot --help
if $BIN convert --help | grep -q '%%'; then bad "convert --help prints 1%, not 1%%"; else ok "convert --help prints 1%, not 1%%"; fi
expect "missing config file" 2 "nope.ini" $BIN run "$T/nope.ini"

# [simulation] output is relative to the working directory: an absolute
# path under $T, so that "leaves no output behind" looks where output goes.
cat > "$T/small.ini" <<INI
[simulation]
duration = 200
seed = 5
output = $T/out

[population E]
model = iaf_psc_delta
n = 400
E_L = -49
V_th = -50
V_reset = -60
tau_m = 20
t_ref = 5
V_m = uniform(-60, -50)

[projection EE]
source = E
target = E
rule = pairwise_bernoulli
p = 0.02
weight = 0.25
delay = 0.1

[record spikes]
population = E
kind = spike_recorder
neurons = 0:300

[record vm]
population = E
kind = multimeter
neurons = 0:3
variables = V_m
interval = 1.0
INI

# --weights writes round-trip precision (%.17g): an STDP pair moves a
# weight of 0.5 by amounts no 9-digit print can hold.
cat > "$T/pairw.ini" <<'INI'
[simulation]
duration = 100
resolution = 0.1
[population gpre]
model = spike_generator
spike_times = 10, 60
[population gpost]
model = spike_generator
spike_times = 14
[population pre]
model = parrot_neuron
n = 1
[population post]
model = parrot_neuron
n = 1
[projection a]
source = gpre
target = pre
rule = all_to_all
weight = 1
delay = 1
[projection b]
source = gpost
target = post
rule = all_to_all
weight = 1
delay = 1
[projection plastic]
source = pre
target = post
rule = all_to_all
receptor_type = 1
weight = 0.5
delay = 1
synapse = stdp_synapse
lambda = 0.1
Wmax = 10
INI
if $BIN run "$T/pairw.ini" --out "$T/pairw" --weights plastic > "$T/pairw.txt" 2>&1; then
  wline=$(sed -n 2p "$T/pairw"/weights-plastic.rank0.csv)
  wval=${wline##*,}
  digits=$(printf '%s' "$wval" | tr -cd '0-9' | sed 's/^0*//' | wc -c)
  if [ "$digits" -ge 15 ]; then ok "--weights: round-trip digits ($wval)"
  else bad "--weights: round-trip digits" "$wline"; fi
else
  bad "--weights run" "$(tail -5 "$T/pairw.txt")"
fi

# Config errors: exit 2, message naming file and line.
sed 's/^n = 400/n = 40x/' "$T/small.ini" > "$T/badnum.ini"
expect "bad number names file:line:key" 2 "badnum.ini:8:.*'n'" $BIN run "$T/badnum.ini"
sed 's/^model = iaf_psc_delta/model = iaf_psc_delt/' "$T/small.ini" > "$T/badmodel.ini"
expect "unknown model lists known ones" 2 "iaf_psc_exp" $BIN run "$T/badmodel.ini"
sed 's/^delay = 0.1/delay = -1/' "$T/small.ini" > "$T/baddelay.ini"
expect "negative delay" 2 "baddelay.ini:.*delay" $BIN run "$T/baddelay.ini"
sed 's/^target = E/target = X/' "$T/small.ini" > "$T/badref.ini"
expect "undefined population" 2 "'X'" $BIN run "$T/badref.ini"
expect "bad --set" 2 "nosuch" $BIN run "$T/small.ini" --set nosuch.key=1
expect "unwritable output dir" 1 "output directory" $BIN run "$T/small.ini" --out /proc/memspike-cannot
[ ! -e "$T/out" ] && ok "bad config leaves no output behind" || bad "bad config leaves no output behind" "$(ls -R "$T/out")"
# ...and that is where a good run without --out writes (else the check above
# could never fail).
expect "run without --out writes to [simulation] output" 0 "event log: $T/out/events.rank0.msgpack" \
  $BIN run "$T/small.ini" --quiet
[ -s "$T/out/events.rank0.msgpack" ] && ok "[simulation] output holds the log" ||
  bad "[simulation] output holds the log" "$(ls -la "$T" "$T/out" 2>&1)"

# A run, its log, and replay in C and Python.
expect "run writes a log" 0 "event log: $T/run/events.rank0.msgpack" $BIN run "$T/small.ini" --out "$T/run"
expect "run summary has rates" 0 "mean rate" $BIN run "$T/small.ini" --out "$T/run2"
LOG="$T/run/events.rank0.msgpack"
c_counts=$($BIN replay "$LOG" | awk '$1 == "E" {print $4}')
py_counts=$($PY tools/memspike_log.py --counts "$LOG" | awk '$1 == "E" {print $2}')
if [ -n "$c_counts" ] && [ "$c_counts" = "$py_counts" ] && [ "$c_counts" -gt 0 ]; then
  ok "replay and Python reader agree ($c_counts spikes)"
else
  bad "replay and Python reader agree" "C: '$c_counts' Python: '$py_counts'"
fi
cmp -s "$LOG" "$T/run2/events.rank0.msgpack" && ok "same seed, identical log bytes" || bad "same seed, identical log bytes"
# Log format version 2: the header lists the projections; the index
# sidecar (docs/log-format.md, section 9) lies beside the log, the same
# bytes for the same run.
hdr=$($PY -c 'import msgpack, sys
h = next(msgpack.Unpacker(open(sys.argv[1], "rb"), raw=False))
print(h["version"], " ".join("%s:%s:%d>%d" % (p["name"], p["kind"], p["source"], p["target"])
                             for p in h["projections"]))' "$LOG" 2>&1)
[ "$hdr" = "2 EE:static:0>0" ] && ok "version-2 header lists the projections" ||
  bad "version-2 header lists the projections" "$hdr"
if [ "$(head -c 8 "$LOG.index" 2>/dev/null)" = "MSPKIDX1" ] &&
   cmp -s "$LOG.index" "$T/run2/events.rank0.msgpack.index"; then
  ok "index sidecar beside the log, identical for the same seed"
else
  bad "index sidecar beside the log, identical for the same seed" "$(ls -la "$T/run" 2>&1)"
fi
expect "replay --csv" 0 "total" $BIN replay "$LOG" --csv "$T/spikes.csv"
lines=$(($(wc -l < "$T/spikes.csv") - 1))
[ "$lines" = "$c_counts" ] && ok "CSV has one line per spike" || bad "CSV has one line per spike" "$lines vs $c_counts"

# Weights, devices and energy records (version 2): they add up to the
# run's summary (tests/check_records.py reads the log with msgpack alone).
if $PY -c "import msgpack" 2> /dev/null; then
  expect "run with weights, devices and energy records" 0 "event log" \
    $BIN run tests/data/record_kinds.ini --out "$T/kinds" --json "$T/kinds.json" --quiet
  out=$($PY tests/check_records.py "$T/kinds/events.rank0.msgpack" --json "$T/kinds.json" 2>&1)
  if [ $? -eq 0 ] && ! echo "$out" | grep -q FAIL; then
    ok "weights, devices and energy records match the summary"
  else
    bad "weights, devices and energy records match the summary" "$out"
  fi
  sed 's/^sample = 0.3/sample = 1.5/' tests/data/record_kinds.ini > "$T/kinds_bad.ini"
  expect "bad weights sample is a config error" 2 "key 'sample': expected a fraction" \
    $BIN run "$T/kinds_bad.ini" --out "$T/kinds_bad"
else
  skip "weights, devices and energy records" "python3-msgpack missing"
fi

# A log cut in the middle: replay keeps the complete records and says so.
size=$(wc -c < "$LOG")
head -c $((size * 2 / 3)) "$LOG" > "$T/cut.msgpack"
expect "truncated log reported" 0 "truncated" $BIN replay "$T/cut.msgpack"
printf 'not a log' > "$T/junk.msgpack"
expect "garbage log rejected" 1 "junk.msgpack" $BIN replay "$T/junk.msgpack"
expect "missing log" 1 "missing.msgpack" $BIN replay "$T/missing.msgpack"

# replay never writes over its input; the CSV goes through a temporary name;
# an unwritable CSV is one message naming the file.
cp "$LOG" "$T/keep.msgpack"
expect "replay --csv over the input log refused" 2 "refusing to write over it" \
  $BIN replay "$LOG" --csv "$LOG"
cmp -s "$LOG" "$T/keep.msgpack" && ok "the input log is intact" || bad "the input log is intact"
ln -s "$LOG" "$T/alias.msgpack"
expect "replay --csv over the input by another name refused" 2 "refusing" \
  $BIN replay "$LOG" --csv "$T/alias.msgpack"
ls "$T"/spikes.csv.tmp.* > /dev/null 2>&1 && bad "no temporary CSV left behind" || ok "no temporary CSV left behind"
out=$($BIN replay "$LOG" --csv /proc/memspike-no/s.csv 2>&1 >/dev/null)
st=$?
if [ "$st" -eq 1 ] && printf '%s' "$out" | grep -q "cannot write the CSV file /proc/memspike-no/s.csv" &&
   ! printf '%s' "$out" | grep -q "replay: replay:"; then
  ok "unwritable CSV: one message naming the file"
else
  bad "unwritable CSV: one message naming the file (exit $st)" "$out"
fi

# Progress when stderr is not a terminal: whole lines, with percent, RTF, ETA.
out=$($BIN run "$T/small.ini" --no-log --progress 0 2>&1 >/dev/null)
printf '%s\n' "$out" | grep -q "^  200 / 200 ms simulated (100.0 %), real-time factor .*, ETA 0 s$" &&
  ok "progress lines when stderr is not a terminal" || bad "progress lines when stderr is not a terminal" "$out"
out=$($BIN run "$T/small.ini" --no-log --quiet --progress 0 2>&1 >/dev/null)
[ -z "$out" ] && ok "--quiet: no progress" || bad "--quiet: no progress" "$out"
expect "bad --progress" 2 "expected seconds" $BIN run "$T/small.ini" --progress soon

# SIGTERM: the run stops at a window end, says where the log ends, and the
# log is complete (not truncated) up to there.
$BIN run "$T/small.ini" --out "$T/sig" --quiet --set simulation.duration=100000000 \
  > "$T/sig.out" 2> "$T/sig.err" &
pid=$!
i=0
while [ ! -s "$T/sig/events.rank0.msgpack" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -TERM $pid
wait $pid
st=$?
if [ "$st" -eq 143 ] && grep -q "SIGTERM received: stopped at .* ms of 100000000 ms simulated; the event log $T/sig/events.rank0.msgpack ends there" "$T/sig.err"; then
  ok "SIGTERM: exit 143 and where the log ends"
else
  bad "SIGTERM: exit 143 and where the log ends (exit $st)" "$(cat "$T/sig.err")"
fi
out=$($BIN replay "$T/sig/events.rank0.msgpack" 2>&1)
st=$?
if [ "$st" -eq 0 ] && ! printf '%s' "$out" | grep -q truncated; then
  ok "SIGTERM: the log reads back complete"
else
  bad "SIGTERM: the log reads back complete (exit $st)" "$out"
fi

# STDP on ideal weights has no devices: no "synapse devices ... 0 pJ" line.
out=$($BIN run configs/stdp_song2000.ini --no-log --quiet --set simulation.duration=2000 2>&1)
if printf '%s' "$out" | grep -q "synapse devices"; then
  bad "no device line without devices" "$out"
else
  printf '%s' "$out" | grep -q "plastic synapses: [0-9]* STDP updates" &&
    ok "no device line without devices" || bad "no device line without devices" "$out"
fi

# rate_in NAME OUT POP LO HI: population POP's rate (Hz) in summary OUT is in [LO, HI].
rate_in() {
  r=$(printf '%s\n' "$2" | awk -v p="$3" '$1 == p && $2 != "model" {print $5}')
  if [ -n "$r" ] && awk -v r="$r" -v lo="$4" -v hi="$5" 'BEGIN {exit !(r >= lo && r <= hi)}'; then
    ok "$1 ($3 $r Hz in [$4, $5])"
  else
    bad "$1 ($3 '$r' Hz, wanted [$4, $5])" "$2"
  fi
}

# Izhikevich 2003 RS and FS under I_e = 10; bands from a separate Python
# integration (see the config's header).
out=$($BIN run configs/izhikevich_patterns.ini --out "$T/izh" 2>&1)
st=$?
[ "$st" -eq 0 ] && ok "izhikevich_patterns.ini runs" || bad "izhikevich_patterns.ini runs (exit $st)" "$out"
rate_in "izhikevich RS rate" "$out" RS 23 23
rate_in "izhikevich FS rate" "$out" FS 130 131
# RS adapts: every neuron's first interval is under half of its last.
if $BIN replay "$T/izh/events.rank0.msgpack" --csv "$T/izh.csv" > /dev/null 2>&1; then
  adapt=$(awk -F, '$2 == "RS" { if ($4 in last) { isi = $1 - last[$4]; if (!($4 in first)) first[$4] = isi; final[$4] = isi }
                                last[$4] = $1 }
                   END { n = 0; a = 0; for (g in first) { n++; if (first[g] < 0.5 * final[g]) a++ }
                         print a, n }' "$T/izh.csv")
  [ "$adapt" = "100 100" ] && ok "izhikevich RS: first ISI < half the last in every neuron" ||
    bad "izhikevich RS: first ISI < half the last in every neuron" "adapting, neurons: $adapt"
else
  bad "izhikevich replay --csv"
fi

# IF with reset by subtraction, two layers; bands derived in the config's
# header (reset to zero would give ~250-266 Hz in "out").
out=$($BIN run configs/if_soft_reset_demo.ini --no-log 2>&1)
st=$?
[ "$st" -eq 0 ] && ok "if_soft_reset_demo.ini runs" || bad "if_soft_reset_demo.ini runs (exit $st)" "$out"
rate_in "if_soft_reset constant drive" "$out" in 99 100
rate_in "if_soft_reset counts follow input" "$out" out 294 300

# CNN conversion (Fashion-MNIST from Debian's dataset-fashion-mnist).
DATA=/usr/share/datasets/fashion-mnist
MODEL=configs/models/fmnist_cnn.msgpack
expect "convert: missing model" 2 "nope.msgpack" $BIN convert "$T/nope.msgpack" --data $DATA
head -c 5000 $MODEL > "$T/cut.msgpack"
expect "convert: truncated model named" 2 "cut.msgpack" $BIN convert "$T/cut.msgpack" --data $DATA
expect "convert: missing data" 2 "no/such/dir" $BIN convert $MODEL --data "$T/no/such/dir"
expect "convert: bad --steps" 2 "ascending" $BIN convert $MODEL --data $DATA --steps 64,8
expect "convert: unknown device" 2 "no_such" $BIN convert $MODEL --data $DATA --images 5 --device no_such
# A model whose structure the converter refuses is bad input, like any other
# model error: exit 2 (it was 1).
if $PY -c "
import msgpack, sys
m = msgpack.unpackb(open('$MODEL', 'rb').read(), raw=False)
m['layers'].insert(0, {'type': 'relu'})
open('$T/firstrelu.msgpack', 'wb').write(msgpack.packb(m, use_bin_type=True))" 2>/dev/null && [ -d $DATA ]; then
  expect "convert: model structure error is exit 2" 2 "firstrelu.msgpack: layer 0 (relu)" \
    $BIN convert "$T/firstrelu.msgpack" --data $DATA --images 5 --quiet
else
  skip "convert: model structure error is exit 2" "python3-msgpack or $DATA missing"
fi
if [ ! -d $DATA ]; then
  for c in "convert: 100 images" "plot_energy.py draws both plots" "convert: device flaws and fine-tuning"; do
    skip "$c" "$DATA missing: install dataset-fashion-mnist (make deps)"
  done
else
  expect "convert: 100 images" 0 "SNN run" $BIN convert $MODEL --data $DATA --images 100 \
    --steps 16,64 --calib 200 --json "$T/cnn.json" --quiet
  if /usr/bin/python3 tools/plot_energy.py "$T/cnn.json" --out "$T/cnn" > /dev/null 2>&1 &&
    [ -s "$T/cnn_accuracy.png" ] && [ -s "$T/cnn_energy.png" ]; then
    ok "plot_energy.py draws both plots"
  else
    bad "plot_energy.py draws both plots"
  fi
  expect "convert: device flaws and fine-tuning" 0 "after fine-tuning" $BIN convert $MODEL \
    --data $DATA --images 50 --steps 32 --calib 100 --device rram_yao2020 --finetune-last 300 --quiet
  # Fault-aware mapping keys devices by their physical cell, so the array
  # geometry convert passes on (--array) must change which cells, hence how
  # many stuck devices, the layers land on.
  s1=$($BIN convert $MODEL --data $DATA --images 20 --steps 8 --calib 50 --device rram_yao2020 \
    --json "$T/geo1.json" --quiet > /dev/null 2>&1 &&
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"]["stuck"])' "$T/geo1.json")
  s2=$($BIN convert $MODEL --data $DATA --images 20 --steps 8 --calib 50 --device rram_yao2020 \
    --array 64x32 --json "$T/geo2.json" --quiet > /dev/null 2>&1 &&
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["device"]["stuck"])' "$T/geo2.json")
  if [ -n "$s1" ] && [ -n "$s2" ] && [ "$s1" != "$s2" ]; then
    ok "convert: --array reaches the fault-aware mapping ($s1 vs $s2 stuck devices)"
  else
    bad "convert: --array reaches the fault-aware mapping (stuck: '$s1' vs '$s2')"
  fi
  # Fine-tuning on flawless devices never lowers the crossbar ANN, and the
  # re-normalized output layer keeps the SNN near it (no saturation).
  out=$($BIN convert $MODEL --data $DATA --images 200 --steps 64 --calib 100 --device ideal \
    --finetune-last 500 --quiet 2>&1)
  dev=$(printf '%s\n' "$out" | sed -n 's/^  crossbar ANN \([0-9.]*\) %.*/\1/p')
  ft=$(printf '%s\n' "$out" | sed -n 's/.*fine-tuning.*crossbar ANN \([0-9.]*\) %.*T=64 \([0-9.]*\) %.*/\1 \2/p')
  if [ -n "$dev" ] && [ -n "$ft" ] && awk -v d="$dev" -v f="$ft" \
    'BEGIN { split(f, a, " "); exit !(a[1] >= d && a[2] >= a[1] - 3) }'; then
    ok "convert: fine-tuning on ideal devices keeps the ANN ($dev -> ${ft% *} %), SNN ${ft#* } %"
  else
    bad "convert: fine-tuning on ideal devices keeps the ANN and the SNN near it" "$out"
  fi
  # The CNN on the kernel's engine: the batch runner's predictions, image
  # by image; a log that replay reads; images split over 2 ranks.
  out=$($BIN convert $MODEL --data $DATA --images 200 --steps 16,64 --calib 200 \
    --schedule compare --quiet 2>&1)
  agree=$(printf '%s\n' "$out" | sed -n 's/.*, \([0-9.]*\) % at T=64 .*/\1/p')
  if [ -n "$agree" ] && awk -v a="$agree" 'BEGIN { exit !(a >= 99.5) }'; then
    ok "convert: engine and batch schedules agree on $agree % of 200 images at T=64"
  else
    bad "convert: engine and batch schedules agree (>= 99.5 % at T=64)" "$out"
  fi
  acc() { printf '%s\n' "$1" | awk '$1 == 64 && $2 ~ /^[0-9.]+$/ { print $2; exit }'; }
  one=$($BIN convert $MODEL --data $DATA --images 60 --steps 16,64 --calib 200 \
    --schedule engine --energy-steps 64 --log "$T/cnnlog1" --quiet 2>&1)
  two=$($MPIRUN -np 2 $BIN convert $MODEL --data $DATA \
    --images 60 --steps 16,64 --calib 200 --schedule engine --log "$T/cnnlog2" --quiet 2>&1)
  a1=$(acc "$one")
  a2=$(acc "$two")
  if [ -n "$a1" ] && [ "$a1" = "$a2" ] && [ -s "$T/cnnlog2/events.rank1.msgpack" ]; then
    ok "convert --schedule engine: 2 ranks give 1 rank's accuracy ($a1 % at T=64)"
  else
    bad "convert --schedule engine: 2 ranks give 1 rank's accuracy" "$one
$two"
  fi
  r1=$($BIN replay "$T/cnnlog1/events.rank0.msgpack" 2>&1 | awk '$1 == "total" { print $3 }')
  r2=$($BIN replay "$T/cnnlog2"/events.rank*.msgpack 2>&1 | awk '$1 == "total" { print $3 }')
  # The layer table prints spikes per image at --energy-steps, rounded.
  fc2=$($BIN replay "$T/cnnlog1/events.rank0.msgpack" 2>&1 | awk '$1 == "fc2" { print $4 }')
  out_fc2=$(printf '%s\n' "$one" | awk '$1 == "fc2" { print $6 }')
  if [ -n "$r1" ] && [ "$r1" = "$r2" ] && [ -n "$fc2" ] &&
    awk -v a="$fc2" -v b="$out_fc2" 'BEGIN { d = a / 60 - b; exit !(d <= 0.5 && d >= -0.5) }'; then
    ok "replay of the CNN log: $r1 spikes on 1 and 2 ranks, fc2 per image as convert reports"
  else
    bad "replay of the CNN log (1 rank: $r1, 2 ranks: $r2; fc2 $fc2 vs $out_fc2 per image)"
  fi
  expect "convert --schedule engine refuses Poisson input" 2 "current input only" $BIN convert \
    $MODEL --data $DATA --schedule engine --input poisson
  # Max pooling gated by spike counts is a layer kind of the kernel too.
  if /usr/bin/python3 tests/make_maxpool_cnn.py "$T/maxpool.msgpack" > /dev/null 2>&1; then
    out=$($BIN convert "$T/maxpool.msgpack" --data $DATA --images 200 --steps 16,64 \
      --calib 200 --schedule compare --quiet 2>&1)
    agree=$(printf '%s\n' "$out" | sed -n 's/.*, \([0-9.]*\) % at T=64 .*/\1/p')
    if [ -n "$agree" ] && awk -v a="$agree" 'BEGIN { exit !(a >= 99.5) }'; then
      ok "convert: max-pool CNN, engine and batch agree on $agree % of 200 images at T=64"
    else
      bad "convert: max-pool CNN, engine and batch agree (>= 99.5 % at T=64)" "$out"
    fi
  else
    skip "convert: max-pool CNN" "tests/make_maxpool_cnn.py needs python3-torch"
  fi
fi
# The exporter and the dense PyTorch SNN need torch (python3-torch: make
# deps installs it; running memspike does not need it).
# pytest NAME SCRIPT [ARGS]: a Python suite whose last line is "N passed,
# N failed, N skipped"; its skipped tests count as one skip here
pytest() {
  name=$1
  shift
  out=$($PY "$@" 2>&1)
  st=$?
  last=$(echo "$out" | tail -1)
  if [ $st -eq 0 ] && echo "$last" | grep -q "^[1-9][0-9]* passed, 0 failed, [0-9][0-9]* skipped$"; then
    ok "$name ($last)"
    echo "$last" | grep -q " 0 skipped$" || skip "$name: some of its tests" "$(echo "$out" | grep '^skip')"
  else
    bad "$name (exit $st)" "$(echo "$out" | tail -25)"
  fi
}
if ! $PY -c "import torch" 2>/dev/null; then
  skip "export_torch.py tests" "python3-torch not installed: make deps"
  skip "convert vs dense PyTorch SNN" "python3-torch not installed: make deps"
else
  pytest "export_torch.py tests" tests/test_export.py
  if [ -d $DATA ]; then
    pytest "convert vs dense PyTorch SNN, 200 images" tests/test_convert_torch.py --bin "$BIN"
  else
    skip "convert vs dense PyTorch SNN" "$DATA missing: install dataset-fashion-mnist (make deps)"
  fi
fi

# The Python package memspike_log against replay (1 and 2 ranks, truncated
# and corrupt logs, Neo, synthetic version-2 logs) and `memspike plot`.
pytest "memspike_log package and memspike plot" tests/test_pylog.py --bin "$BIN"

# A build whose libraries pkg-config cannot find stops before compiling,
# naming each and its Debian package.
mkdir -p "$T/no-pc"
expect "make without libraries names them and the packages" 2 \
  "pkg-config finds no inih .*ompi-c (MPI).*apt-get install libinih-dev .*libopenmpi-dev" \
  env PKG_CONFIG_LIBDIR="$T/no-pc" PKG_CONFIG_PATH="$T/no-pc" make -s BUILD="$T/no-libs" all
[ ! -e "$T/no-libs" ] && ok "...and compiles nothing" || bad "...and compiles nothing" "$(ls -R "$T/no-libs" | head)"
expect "make without pkg-config says so" 2 "there is no $T/no-pc/pkg-config.*apt-get install pkg-config libinih-dev" \
  make -s BUILD="$T/no-libs" PKG_CONFIG="$T/no-pc/pkg-config" all

# Replay as input (log_source): the example feeding one recorded input
# into ideal, ECRAM and RRAM synapses (tools/replay_devices.sh, whose
# header gives the measured rates and why devices stay within 10 %).
echo "e2e: replay as input"
out=$(BIN=$BIN sh tools/replay_devices.sh "$T/rd" 2>&1)
st=$?
if [ "$st" -eq 0 ] && printf '%s\n' "$out" | grep -q "^ideal (static) .*identical to the recording"; then
  ok "replay_devices.sh: ideal replay == the recording's driven spikes"
else
  bad "replay_devices.sh: ideal replay == the recording's driven spikes (exit $st)" "$out"
fi
for dev in ECRAM RRAM; do
  line=$(printf '%s\n' "$out" | grep "^$dev ")
  pct=$(printf '%s\n' "$line" | sed -n 's/.*(\([-+0-9.]*\) % vs recorded).*/\1/p')
  if printf '%s' "$line" | grep -q "differ from the recording" && [ -n "$pct" ] &&
    awk -v p="$pct" 'BEGIN {exit !(p >= -10 && p <= 10)}'; then
    ok "replay_devices.sh: $dev differs from ideal, rate within 10 % ($pct %)"
  else
    bad "replay_devices.sh: $dev differs from ideal, rate within 10 %" "$out"
  fi
done
# A truncated recording: the replay warns where the logs end and runs on.
if [ -f "$T/rd/record/events.rank0.msgpack" ]; then
  size=$(wc -c < "$T/rd/record/events.rank0.msgpack")
  head -c $((size / 2)) "$T/rd/record/events.rank0.msgpack" > "$T/rd/half.msgpack"
  expect "log_source of a truncated log warns where it ends" 0 \
    "warning: log_source population input: the logs .*half.msgpack) are complete only up to [0-9.]* ms of the 2000 ms" \
    $BIN run configs/replay/replay.ini --no-log --quiet --set "input.files=$T/rd/half.msgpack"
fi
# A record corrupt mid-file: the run stops with the reader's message.
if [ -f "$T/rd/record/events.rank0.msgpack" ]; then
  cp "$T/rd/record/events.rank0.msgpack" "$T/rd/corrupt.msgpack"
  printf '\301\301\301\301\301\301\301\301' |
    dd of="$T/rd/corrupt.msgpack" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
  expect "log_source: a corrupt log stops the run naming it" 1 \
    "log_source population input (key files, from --set): $T/rd/corrupt.msgpack: record [0-9]* at byte" \
    $BIN run configs/replay/replay.ini --no-log --quiet --set "input.files=$T/rd/corrupt.msgpack"
fi
expect "log_source: a missing log: the message names config, key and log" 2 \
  "replay.ini:--set input.files: \[population input\] key 'files': $T/nope.msgpack: cannot open" \
  $BIN run configs/replay/replay.ini --no-log --set "input.files=$T/nope.msgpack"

# Install.
if make -s install PREFIX="$T/prefix" >/dev/null 2>&1 && "$T/prefix/bin/memspike" --version >/dev/null; then
  ok "make install PREFIX=..."
else
  bad "make install PREFIX=..."
fi

finish e2e
