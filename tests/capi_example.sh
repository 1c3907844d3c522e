#!/bin/sh
# capi_example.sh: the first program of docs/c-api.md (the ```c block after
# "<!-- capi-example: first.c -->"), taken from the doc as written,
# compiled against this build's libmemspike, static and shared, with
# -Wall -Wextra -Werror -pedantic, and run: both print the same, the
# network fires, a bad value gets the config reader's message, and under
# mpirun -np 2 the output is the one-rank output; and tests/capi_ranks.c,
# whose digests of every gathered result are the same on 1, 2 and 3
# ranks.  Environment: BUILD
# (default build), CC, LDLIBS (the Makefile's).  Also used by
# tests/install.sh through extract_example.
# Last line: "capi-example: N passed, N failed, N skipped".
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
CC=${CC:-cc}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch capi-example
# shellcheck source=tests/capi_lib.sh
. "$(dirname "$0")/capi_lib.sh" # extract_example

extract_example "$SRC/docs/c-api.md" > "$T/first.c"
[ -s "$T/first.c" ] && grep -q "ms_sim_create" "$T/first.c" &&
  ok "docs/c-api.md holds the first program ($(wc -l < "$T/first.c") lines)" ||
  bad "docs/c-api.md holds the first program" "$(head -5 "$T/first.c")"

FLAGS="-std=c11 -Wall -Wextra -Werror -pedantic"
# shellcheck disable=SC2086
if out=$($CC $FLAGS -I"$SRC/include" "$T/first.c" "$SRC/$BUILD/libmemspike.a" ${LDLIBS:-} \
  -o "$T/first-static" 2>&1); then
  ok "compiles against $BUILD/libmemspike.a"
else
  bad "compiles against $BUILD/libmemspike.a" "$out"
fi
# shellcheck disable=SC2086
if out=$($CC $FLAGS -I"$SRC/include" "$T/first.c" -L"$SRC/$BUILD" -lmemspike \
  -Wl,-rpath,"$SRC/$BUILD" -o "$T/first-shared" 2>&1); then
  ok "compiles against $BUILD/libmemspike.so"
else
  bad "compiles against $BUILD/libmemspike.so" "$out"
fi
expect "static: runs, E fires" 0 "spikes of E in 200 ms ([1-9]" "$T/first-static"
s_out=$out
expect "static: a bad value gets the config's message" 0 \
  "refused: \[population bad\] key 'tau_m': .*> 0" "$T/first-static"
expect "static: reset, then half the E -> E weight" 0 "at half weight: [0-9]* spikes" \
  "$T/first-static"
expect "shared: runs" 0 "spikes of E in 200 ms" "$T/first-shared"
[ "$out" = "$s_out" ] && ok "shared prints what static prints" ||
  bad "shared prints what static prints" "static: $s_out
shared: $out"
ldd "$T/first-shared" 2>/dev/null | grep -q "libmemspike.so.0 => $SRC/$BUILD" &&
  ok "the shared build loads $BUILD/libmemspike.so.0" ||
  bad "the shared build loads $BUILD/libmemspike.so.0" "$(ldd "$T/first-shared" 2>&1)"

# tests/capi_ranks.c: every gathered result (spikes, samples, pairs,
# weights, delays of static, STDP and list projections) after runs in
# steps, a weight change and a reset, digested on rank 0.
# shellcheck disable=SC2086
if out=$($CC $FLAGS -I"$SRC/include" "$SRC/tests/capi_ranks.c" -L"$SRC/$BUILD" -lmemspike \
  -Wl,-rpath,"$SRC/$BUILD" -o "$T/ranks" 2>&1); then
  ok "tests/capi_ranks.c compiles against $BUILD/libmemspike.so"
else
  bad "tests/capi_ranks.c compiles against $BUILD/libmemspike.so" "$out"
fi
expect "capi_ranks on one rank" 0 "run 200: [1-9][0-9]* spikes" "$T/ranks"
r1=$out
if command -v mpirun >/dev/null 2>&1; then
  expect "mpirun -np 2: the first program runs" 0 "spikes of E" $MPIRUN -np 2 "$T/first-shared"
  [ "$out" = "$s_out" ] && ok "mpirun -np 2 prints the one-rank output" ||
    bad "mpirun -np 2 prints the one-rank output" "1 rank: $s_out
2 ranks: $out"
  for np in 2 3; do
    expect "capi_ranks under mpirun -np $np" 0 "reset, run 200" $MPIRUN -np $np "$T/ranks"
    [ "$out" = "$r1" ] && ok "-np $np: spikes, samples, pairs, weights, delays as on one rank" ||
      bad "-np $np: spikes, samples, pairs, weights, delays as on one rank" "1 rank: $r1
$np ranks: $out"
  done
else
  skip "mpirun -np 2, 3" "no mpirun: install openmpi-bin (make deps)"
fi
finish capi-example
