#!/bin/sh
# fuzz.sh BUILD SECONDS READER...: run each reader's libFuzzer harness
# (BUILD/fuzz_READER, from `make fuzz-build`) for SECONDS, seeded from
# tests/fuzz/corpus/READER (new inputs kept in BUILD/corpus/READER), a unit
# slower than 10 s counted as a hang.  Prints per reader the executions,
# executions per second and findings; a reader counts as passed only when
# it ran (executions > 0) and found nothing.  Crashing or hanging inputs
# are kept as BUILD/artifacts/READER-*.  Last line: "fuzz: N passed, N
# failed, 0 skipped".
set -u
B=$1 S=$2
shift 2
pass=0 fail=0
mkdir -p "$B/artifacts"
for r in "$@"; do
  mkdir -p "$B/corpus/$r"
  log="$B/fuzz_$r.log"
  # detect_leaks: a reader that leaks on bad input is a finding too.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$B/fuzz_$r" -max_total_time="$S" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
    -print_final_stats=1 -artifact_prefix="$B/artifacts/$r-" \
    "$B/corpus/$r" "tests/fuzz/corpus/$r" >"$log" 2>&1
  st=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  crashes=$(grep -c "ERROR: AddressSanitizer\|runtime error:\|ERROR: libFuzzer: deadly signal\|ERROR: LeakSanitizer\|ERROR: libFuzzer: out-of-memory" "$log")
  hangs=$(grep -c "ERROR: libFuzzer: timeout" "$log")
  line="$r: ${execs:-0} executions in $S s, ${rate:-0} exec/s, $crashes crashes, $hangs hangs"
  if [ "$st" -eq 0 ] && [ "${execs:-0}" -gt 0 ] && [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]; then
    pass=$((pass + 1))
    echo "  ok   $line"
  else
    fail=$((fail + 1))
    echo "  FAIL $line (exit $st; $log)"
    grep -m 5 "ERROR\|runtime error\|SUMMARY\|Test unit written" "$log" | sed 's/^/       /'
  fi
done
echo "fuzz: $pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
