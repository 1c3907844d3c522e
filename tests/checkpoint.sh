#!/bin/sh
# checkpoint.sh: checkpoints and resumed runs (docs/checkpoint-format.md).
# A run checkpointed and resumed gives the bits of the run not interrupted:
# event logs (cmp: replay sees one run), final weights and device states
# (--weights), the summary's counts and energy; at 1, 2 and 4 ranks with
# Poisson drive, STDP and ECRAM devices (stdp_song2000_ecram), Brunel and
# multimeter samples of per-tick Izhikevich neurons (izhikevich_patterns)
# and weight snapshots, device writes and energy records (record_kinds)
# and the microcircuit at small scale (potjans_2014_small with delivery =
# deferred: input deferred to its arrival tick is part of the checkpoint)
# (brunel_delta, at 105 ms: on its 1.5 ms window grid); across rank counts (checkpoint on 2, resume on 1 and 4;
# replay of both sets at once is the run's spikes and stats, overlaps and gaps refused);
# resume --until past the end (from inside the run and from its end);
# SIGUSR1 and SIGTERM to the process and through mpirun; refusals of a
# truncated, corrupt, other-config, other-version or incomplete checkpoint
# and of a network with a plug-in that cannot be checkpointed.
# Last line: "checkpoint: N passed, N failed, N skipped".
set -u
BIN=${BIN:-build/memspike}
PY=/usr/bin/python3
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch ckpt
STDP=configs/stdp_song2000_ecram.ini
BRUNEL=configs/brunel_delta.ini

# The summary without what differs between any two runs (wall time,
# memory, paths, the per-rank table).
summary() {
  grep -v "wall\|simulate\|memory\|event log\|memspike 0\|^  [0-9] \|^  rank" "$1"
}

# mp NP ARGS...: memspike on NP ranks (1: no mpirun)
mp() {
  _n=$1
  shift
  if [ "$_n" -eq 1 ]; then timeout 300 "$BIN" "$@"; else timeout 300 $MPIRUN -np "$_n" "$BIN" "$@"; fi
}

# same NAME DIR_A DIR_B: every rank's log, index and weights file identical
same() {
  d=""
  for f in "$2"/events.rank*.msgpack "$2"/events.rank*.msgpack.index "$2"/weights-*.csv; do
    [ -e "$f" ] || continue
    b="$3/$(basename "$f")"
    cmp -s "$f" "$b" || d="$d $(basename "$f")"
  done
  if [ -z "$d" ] && [ -e "$2/events.rank0.msgpack" ]; then ok "$1"; else bad "$1 (differ:$d)"; fi
}

# The small microcircuit with deferred delivery (auto would choose direct
# for rings this small): runs deferred to their arrival ticks are pending
# at every checkpoint.
sed 's/^\[simulation\]$/[simulation]\ndelivery = deferred/' configs/potjans_2014_small.ini > "$T/pd.ini"

# --------------------------------------------------------------- same ranks
for np in 1 2 4; do
  for cfg in stdp brunel izh rk pd; do
    case $cfg in
    pd) c=$T/pd.ini dur=300 at=150 w="" ;; # deferred runs
    stdp) c=$STDP dur=2000 at=1000 w="--weights plastic" ;;
    brunel) c=$BRUNEL dur=200 at=105 w="" ;;
    izh) c=configs/izhikevich_patterns.ini dur=300 at=100 w="" ;; # samples (multimeter)
    rk) c=tests/data/record_kinds.ini dur=1200 at=700 w="" ;; # weights, devices, energy records
    esac
    o="$T/$cfg.np$np"
    # shellcheck disable=SC2086
    if ! mp "$np" run "$c" --set simulation.duration=$dur --out "$o" --quiet $w \
         --checkpoint-at $at > "$o.txt" 2>&1; then
      bad "$cfg on $np ranks: checkpointed run" "$(tail -3 "$o.txt")"
      continue
    fi
    cp -r "$o" "$o.r"
    # shellcheck disable=SC2086
    if ! mp "$np" resume "$o/checkpoints/ckpt-${at}ms" --out "$o.r" --quiet $w \
         > "$o.r.txt" 2>&1; then
      bad "$cfg on $np ranks: resume" "$(tail -3 "$o.r.txt")"
      continue
    fi
    same "$cfg on $np ranks: resumed logs, index and weights are the run's bytes" "$o" "$o.r"
    if summary "$o.txt" | diff - "$(summary "$o.r.txt" > "$o.r.sum"; echo "$o.r.sum")" > /dev/null; then
      ok "$cfg on $np ranks: summary (spikes, events, device energy) as the run's"
    else
      bad "$cfg on $np ranks: summary" "$(summary "$o.txt" | diff - "$o.r.sum")"
    fi
  done
done
# replay reads the continued log as one complete run
out=$("$BIN" replay "$T/stdp.np2.r"/events.rank*.msgpack 2>&1)
ref=$("$BIN" replay "$T/stdp.np2"/events.rank*.msgpack 2>&1)
if [ "$out" = "$ref" ] && ! printf '%s' "$out" | grep -q truncated; then
  ok "replay: the continued logs read as one complete run"
else
  bad "replay: the continued logs read as one complete run" "$out"
fi

# ---------------------------------------------------------- other rank counts
# Checkpoint on 2 ranks, resume on 1 and 4: the original logs up to the
# checkpoint plus the resumed part (OUT/resume-Tms/) are the run's spikes.
for cfg in brunel stdp pd; do
  case $cfg in
  stdp) at=1000 pop=post from=500 to=1500 ;;
  pd) at=150 pop=L4E from=100 to=200 ;;
  *) at=105 pop=E from=55 to=155 ;;
  esac
  o="$T/$cfg.np2"
  "$BIN" replay "$o"/events.rank*.msgpack --csv "$T/$cfg.full.csv" > /dev/null 2>&1
  "$BIN" replay "$o"/events.rank*.msgpack --to $at --csv "$T/$cfg.head.csv" > /dev/null 2>&1
  if [ $cfg = stdp ]; then grep -hv "^source" "$o"/weights-plastic.rank*.csv | sort > "$T/$cfg.w.csv"; fi
  for np in 1 4; do
    r="$T/$cfg.x$np"
    cp -r "$o" "$r"
    w=""
    [ $cfg = stdp ] && w="--weights plastic"
    # shellcheck disable=SC2086
    if ! mp "$np" resume "$o/checkpoints/ckpt-${at}ms" --out "$r" --quiet $w > "$r.txt" 2>&1; then
      bad "$cfg: checkpoint on 2 ranks, resume on $np" "$(tail -3 "$r.txt")"
      continue
    fi
    "$BIN" replay "$r/resume-${at}ms"/events.rank*.msgpack --csv "$r.csv" > /dev/null 2>&1
    { cat "$T/$cfg.head.csv"; tail -n +2 "$r.csv"; } > "$r.all.csv"
    if cmp -s "$T/$cfg.full.csv" "$r.all.csv" && [ "$(wc -l < "$r.all.csv")" -gt 1 ]; then
      ok "$cfg: checkpoint on 2 ranks, resume on $np: the run's spikes ($(($(wc -l < "$r.all.csv") - 1)))"
    else
      bad "$cfg: checkpoint on 2 ranks, resume on $np: the run's spikes"
    fi
    # both sets in one replay (either order): one seamless run, the
    # uninterrupted run's spikes (CSV bytes) and statistics (--json, but
    # for the number of files)
    "$BIN" replay "$r/resume-${at}ms"/events.rank*.msgpack "$r"/events.rank*.msgpack \
      --csv "$r.one.csv" > "$r.one.txt" 2>&1
    if cmp -s "$T/$cfg.full.csv" "$r.one.csv" && [ "$(wc -l < "$r.one.csv")" -gt 1 ]; then
      ok "$cfg: checkpoint on 2 ranks, resume on $np: replay of both sets at once is the run's spikes"
    else
      bad "$cfg: checkpoint on 2 ranks, resume on $np: replay of both sets at once" "$(tail -3 "$r.one.txt")"
    fi
    "$BIN" replay "$o"/events.rank*.msgpack --stats --json | sed 's/"files": [0-9]*, //' > "$r.ref.json"
    "$BIN" replay "$r"/events.rank*.msgpack "$r/resume-${at}ms"/events.rank*.msgpack --stats --json \
      2>&1 | sed 's/"files": [0-9]*, //' > "$r.one.json"
    if cmp -s "$r.ref.json" "$r.one.json" && grep -q '"spikes": [1-9]' "$r.one.json"; then
      ok "$cfg: checkpoint on 2 ranks, resume on $np: --stats --json of both sets as the run's"
    else
      bad "$cfg: checkpoint on 2 ranks, resume on $np: --stats --json of both sets" "$(head -c 300 "$r.one.json")"
    fi
    # filters across the hand-over: a window around it, one population
    "$BIN" replay "$o"/events.rank*.msgpack --from $from --to $to --population "$pop" \
      --csv "$r.ref.f.csv" > /dev/null 2>&1
    "$BIN" replay "$r"/events.rank*.msgpack "$r/resume-${at}ms"/events.rank*.msgpack --from $from \
      --to $to --population "$pop" --csv "$r.one.f.csv" > /dev/null 2>&1
    if cmp -s "$r.ref.f.csv" "$r.one.f.csv" && [ "$(wc -l < "$r.one.f.csv")" -gt 1 ]; then
      ok "$cfg: checkpoint on 2 ranks, resume on $np: --from $from --to $to --population $pop across the hand-over"
    else
      bad "$cfg: checkpoint on 2 ranks, resume on $np: --from/--to/--population across the hand-over"
    fi
    # the Python reader merges both sets alike (memspike_log.open_run)
    if out=$(PYTHONPATH=python $PY - "$o" "$r" "$at" 2>&1 <<'EOF'
import glob, sys
import numpy as np
from memspike_log import open_run
o, r, at = sys.argv[1:]
ref = open_run(o + "/events.rank*.msgpack")
one = open_run(sorted(glob.glob(r + "/resume-%sms/events.rank*.msgpack" % at))
               + sorted(glob.glob(r + "/events.rank*.msgpack")))
assert one.files[0].t_start == 0 and one.files[-1].t_start > 0, "t_start"
a, b = ref.spikes(), one.spikes()
assert a.size > 0 and np.array_equal(a.plain(), b.plain()), "spikes differ"
assert ref.counts() == one.counts() and ref.end_tick == one.end_tick, "counts or end differ"
w0, w1 = ref.weights(), one.weights()
assert w0.size == w1.size and all(np.array_equal(w0[k], w1[k], equal_nan=True)
                                  for k in w0.dtype.names), "weights differ"
print(a.size)
EOF
    ); then
      ok "$cfg: checkpoint on 2 ranks, resume on $np: Python open_run of both sets is the run ($out spikes)"
    else
      bad "$cfg: checkpoint on 2 ranks, resume on $np: Python open_run of both sets" "$out"
    fi
    if [ $cfg = stdp ]; then
      grep -hv "^source" "$r/resume-${at}ms"/weights-plastic.rank*.csv | sort > "$r.w.csv"
      cmp -s "$T/$cfg.w.csv" "$r.w.csv" && ok "stdp: checkpoint on 2 ranks, resume on $np: final weights and devices" ||
        bad "stdp: checkpoint on 2 ranks, resume on $np: final weights and devices"
    fi
  done
done

# resume --until on another rank count continues the same run: the logs
# join (the resumed part has the checkpointed run's digest), to 250 ms.
u=$T/brunel.u1
cp -r "$T/brunel.np2" "$u"
if mp 1 resume "$T/brunel.np2/checkpoints/ckpt-105ms" --until 250 --out "$u" --quiet > "$u.txt" 2>&1 &&
   "$BIN" replay "$u"/events.rank*.msgpack "$u"/resume-105ms/events.rank*.msgpack --to 200 \
     --csv "$u.csv" > "$u.r.txt" 2>&1 && cmp -s "$T/brunel.full.csv" "$u.csv" &&
   "$BIN" replay "$u"/events.rank*.msgpack "$u"/resume-105ms/events.rank*.msgpack 2>&1 |
     grep -q "^duration: 250.0 ms"; then
  ok "brunel: resume --until 250 on 1 rank after 2: both sets replay as one 250 ms run, its first 200 ms the run's"
else
  bad "brunel: resume --until 250 on 1 rank after 2: both sets as one run" "$(tail -3 "$u.txt" "$u.r.txt")"
fi

# Segments that overlap or leave a gap are refused, naming the files.
x1=$T/brunel.x1 x4=$T/brunel.x4
expect "replay refuses two resumed parts from one tick (overlap)" 2 "resume-105ms/events.rank0.msgpack.*overlap" \
  "$BIN" replay "$x1"/events.rank*.msgpack "$x1"/resume-105ms/events.rank*.msgpack \
  "$x4"/resume-105ms/events.rank*.msgpack
expect "replay refuses a segment missing a rank" 2 "events.rank0.msgpack: its segment.*has 1 of its 2 rank files" \
  "$BIN" replay "$x1"/events.rank0.msgpack "$x1"/resume-105ms/events.rank*.msgpack
mkdir -p "$T/cut"
for f in "$x1"/events.rank0.msgpack "$x1"/events.rank1.msgpack; do
  head -c $(($(wc -c < "$f") / 4)) "$f" > "$T/cut/${f##*/}"
done
expect "replay refuses a segment ending before the next one starts (gap)" 2 \
  "cut/events.rank[01].msgpack ends at .* ms, before .*resume-105ms/events.rank0.msgpack continues the run at 105 ms" \
  "$BIN" replay "$T/cut"/events.rank*.msgpack "$x1"/resume-105ms/events.rank*.msgpack --csv "$T/cut.csv"

# ------------------------------------------------------------ resume --until
"$BIN" run $STDP --set simulation.duration=3000 --out "$T/u.full" --quiet --weights plastic \
  > "$T/u.full.txt" 2>&1
"$BIN" replay "$T/u.full/events.rank0.msgpack" --csv "$T/u.full.csv" > /dev/null 2>&1
"$BIN" run $STDP --set simulation.duration=2000 --out "$T/u" --quiet --checkpoint-at 1000,2000 \
  > "$T/u.txt" 2>&1
for at in 1000 2000; do
  r="$T/u.$at"
  cp -r "$T/u" "$r"
  "$BIN" resume "$T/u/checkpoints/ckpt-${at}ms" --until 3000 --out "$r" --quiet \
    --weights plastic > "$r.txt" 2>&1
  "$BIN" replay "$r/events.rank0.msgpack" --csv "$r.csv" > /dev/null 2>&1
  if cmp -s "$T/u.full.csv" "$r.csv" && cmp -s "$T/u.full/weights-plastic.rank0.csv" \
       "$r/weights-plastic.rank0.csv" && summary "$T/u.full.txt" | diff -q - "$(summary "$r.txt" > "$r.sum"; echo "$r.sum")" > /dev/null; then
    ok "resume --until 3000 from the ${at} ms checkpoint of a 2000 ms run: the 3000 ms run's spikes, weights and energy"
  else
    bad "resume --until 3000 from the ${at} ms checkpoint of a 2000 ms run" "$(summary "$T/u.full.txt" | diff - "$r.sum")"
  fi
done

# ------------------------------------------------------------------ signals
# sig NAME NP SIGNAL [run options]: a long Brunel run, SIGNAL after the
# first window; exit 0 naming the checkpoint; then the resumed run up to
# 50 ms after it equals a run of that length.
sig() {
  name=$1 np=$2 s=$3
  shift 3
  o="$T/sig.$name"
  # shellcheck disable=SC2086
  if [ "$np" -eq 1 ]; then
    "$BIN" run $BRUNEL --set simulation.duration=100000 --out "$o" --progress 0 "$@" \
      > "$o.out" 2> "$o.err" &
  else
    $MPIRUN -np "$np" "$BIN" run $BRUNEL --set simulation.duration=100000 --out "$o" \
      --progress 0 "$@" > "$o.out" 2> "$o.err" &
  fi
  pid=$!
  i=0
  while ! grep -q "ms simulated" "$o.err" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
  case $name in
  *-ranks) kill -"$s" $(ps -o pid= --ppid $pid) ;; # as a batch scheduler signals each task
  *) kill -"$s" $pid ;;
  esac
  wait $pid
  st=$?
  # Open MPI's mpirun, itself sent SIGTERM, forwards it and then exits 1
  # whatever the ranks do: only the ranks' checkpoint and message count.
  [ "$name" = mpirun-term ] && [ "$st" -ne 0 ] && st=0
  ck=$(sed -n 's/^  continue with: memspike resume //p' "$o.err")
  if [ "$st" -eq 0 ] && grep -q "SIG$s received: checkpoint written at .* ms of 100000 ms simulated: $o/checkpoints/ckpt-" "$o.err" &&
     [ -n "$ck" ] && [ -e "$ck/rank$((np - 1)).msgpack" ]; then
    ok "SIG$s ($name): checkpoint at the next window end, exit 0, named"
  else
    bad "SIG$s ($name): checkpoint, exit 0, named (exit $st)" "$(tail -5 "$o.err")"
    return
  fi
  at=$(sed -n 's/.*checkpoint written at \([0-9.e+]*\) ms.*/\1/p' "$o.err")
  to=$($PY -c "print('%.10g' % ($at + 50))")
  if ! mp "$np" resume "$ck" --until "$to" --quiet > "$o.r.txt" 2>&1; then
    bad "SIG$s ($name): resume" "$(tail -3 "$o.r.txt")"
    return
  fi
  mp "$np" run $BRUNEL --set simulation.duration="$to" --out "$o.ref" --quiet > /dev/null 2>&1
  "$BIN" replay "$o"/events.rank*.msgpack --csv "$o.csv" > /dev/null 2>&1
  "$BIN" replay "$o.ref"/events.rank*.msgpack --csv "$o.ref.csv" > /dev/null 2>&1
  if cmp -s "$o.csv" "$o.ref.csv"; then
    ok "SIG$s ($name): resumed to $to ms: the spikes of a $to ms run"
  else
    bad "SIG$s ($name): resumed to $to ms: the spikes of a $to ms run"
  fi
}
sig process 1 USR1
sig checkpointing 1 TERM --checkpoint-every 100000
sig mpirun 2 USR1
sig mpirun-term 2 TERM --checkpoint-dir "$T/sig.mpirun-term/checkpoints"
sig mpirun-ranks 2 TERM --checkpoint-every 100000

# ---------------------------------------------------------------- refusals
ck="$T/stdp.np2/checkpoints/ckpt-1000ms"
cp -r "$ck" "$T/trunc"
head -c 5000 "$ck/rank1.msgpack" > "$T/trunc/rank1.msgpack"
expect "truncated checkpoint refused, naming the file" 2 "trunc/rank1.msgpack: truncated checkpoint" \
  mp 1 resume "$T/trunc"
cp -r "$ck" "$T/flip"
$PY -c "
import sys; p = sys.argv[1]; b = bytearray(open(p, 'rb').read()); b[len(b) // 2] ^= 0x10
open(p, 'wb').write(b)" "$T/flip/rank0.msgpack"
expect "corrupt checkpoint (one flipped bit) refused: checksum" 2 "flip/rank0.msgpack: corrupt checkpoint: CRC-32" \
  mp 1 resume "$T/flip"
cp -r "$ck" "$T/ver"
# version 1 -> 9 in the header record (the byte after the format string),
# with a valid checksum: refused for its version, not as corrupt
$PY -c "
import sys, zlib, struct
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.index(b'memspike-checkpoint') + len('memspike-checkpoint')
assert b[i] == 1; b[i] = 9
body = bytes(b[:-19]); b[-4:] = struct.pack('>I', zlib.crc32(body) & 0xffffffff)
open(p, 'wb').write(b)" "$T/ver/rank0.msgpack"
expect "checkpoint of another format version refused" 2 "record 0 (header), field version: checkpoint format version 9" \
  mp 1 resume "$T/ver"
cp -r "$ck" "$T/miss"
rm "$T/miss/rank1.msgpack"
expect "checkpoint lacking a rank's file refused" 2 "miss/rank1.msgpack: missing" mp 1 resume "$T/miss"
# another config: the checkpointed config file changed afterwards
cp $STDP "$T/cfg.ini"
sed -i "s|^output = .*|output = $T/cfg.out|" "$T/cfg.ini"
"$BIN" run "$T/cfg.ini" --set simulation.duration=500 --checkpoint-at 250 --quiet > /dev/null 2>&1
sed -i 's/^rate = 10 /rate = 11 /' "$T/cfg.ini"
expect "checkpoint of another config refused (digest)" 2 "field digest: the config .*cfg.ini changed since the checkpoint" \
  mp 1 resume "$T/cfg.out/checkpoints/ckpt-250ms"
expect "resume --until before the checkpoint refused" 2 "is before the checkpoint" \
  mp 1 resume "$ck" --until 10
expect "resume without a directory" 2 "expected the checkpoint directory" mp 1 resume
expect "bad --checkpoint-at" 2 "expected a time in ms" "$BIN" run $STDP --checkpoint-at soon
expect "bad --checkpoint-every" 2 "expected a time in ms" "$BIN" run $STDP --checkpoint-every -5
# A plug-in without save/load (log_source) is refused before running.
"$BIN" run configs/replay/record.ini --out "$T/rec" --quiet --set simulation.duration=200 > /dev/null 2>&1
expect "a network with a source that cannot be checkpointed is refused" 2 "source log_source cannot be checkpointed" \
  "$BIN" run configs/replay/replay.ini --out "$T/nolog" --quiet --set simulation.duration=200 \
  --set input.files="$T/rec/events.rank0.msgpack" --checkpoint-every 50

[ ! -e "$T/nolog/events.rank0.msgpack" ] && ok "refused before any output (no log)" || bad "refused before any output"
# SIGUSR1 on such a network: stops as SIGTERM does, saying why.
"$BIN" run configs/replay/replay.ini --out "$T/nock" --progress 0 --set simulation.duration=1000000 \
  --set input.files="$T/rec/events.rank0.msgpack" > /dev/null 2> "$T/nock.err" &
pid=$!
i=0
while ! grep -q "ms simulated" "$T/nock.err" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
kill -USR1 $pid
wait $pid
st=$?
if [ "$st" -eq 143 ] && grep -q "SIGUSR1 received: cannot checkpoint: population input: source log_source" "$T/nock.err" &&
   "$BIN" replay "$T/nock/events.rank0.msgpack" > /dev/null 2>&1; then
  ok "SIGUSR1 on a network that cannot be checkpointed: why, then stopped with complete logs (143)"
else
  bad "SIGUSR1 on a network that cannot be checkpointed (exit $st)" "$(tail -3 "$T/nock.err")"
fi

finish checkpoint
