#!/bin/sh
# examples.sh: every worked example's small-size check (issues 15 and 16).
# Each example NAME has examples/NAME.sh (the one command a user runs, full
# size by default, `--small` for the test size), docs/examples/NAME.md, and
# tests/example_NAME.sh, a script sourcing tests/lib.sh that runs it small
# and checks figures that could fail; its last line is "NAME: N passed, N
# failed, N skipped".  This runner runs them all in name order and sums.
# Last line "examples: N passed, N failed, N skipped".
set -u
BIN=${BIN:-build/memspike}
export BIN
dir=$(dirname "$0")
tp=0 tf=0 ts=0 n=0 st=0
for f in "$dir"/example_*.sh; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  out=$(sh "$f" 2>&1)
  rc=$?
  printf '%s\n' "$out"
  last=$(printf '%s\n' "$out" | tail -n 1)
  p=$(printf '%s' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p')
  if [ -z "$p" ]; then
    echo "  FAIL $f ended without a summary line (exit $rc)"
    tf=$((tf + 1)) st=1
    continue
  fi
  set -- $p
  tp=$((tp + $1)) tf=$((tf + $2)) ts=$((ts + $3))
  [ "$rc" -eq 0 ] || st=1
done
echo "examples: $tp passed, $tf failed, $ts skipped ($n examples)"
exit $st
