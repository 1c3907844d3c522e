#!/bin/sh
# layers.sh: tools/check_layers.sh can fail.  A small tree that keeps every
# rule passes (tests/fixture_*.c including msgpack and zlib among them);
# each deliberate break (an upward include, mpi/ reaching past core/, a
# third-party header out of its room, <msgpack.h> in a test file that is no
# fixture) fails, naming file:line and the rule; and a copy of this
# checkout with `#include "../network/net_desc.h"` injected into a core
# file, <mpi.h> into an io file, or <msgpack.h> into tests/test_model.c,
# fails naming that line (and not its tests/fixture_format.c).  (Whether this checkout itself passes is `make layers`.)
# Last line: "layers: N passed, N failed, N skipped".
set -u
CHECK=$(cd "$(dirname "$0")/.." && pwd)/tools/check_layers.sh
SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch layers
# Nothing here skips; the last line reads like the others' all the same.

# put FILE LINE...: write a file of the clean tree
put() {
  f=$T/clean/$1
  shift
  mkdir -p "$(dirname "$f")"
  printf '%s\n' "$@" > "$f"
}
put core/sim_types.h '/* types */' '#include <stdint.h>'
put core/sim_a.c '#include "sim_types.h"' '#include <stdio.h>' '#include "./sim_types.h"'
put mpi/comm.h '#include "../core/sim_types.h"'
put mpi/comm.c '#include "comm.h"' '#include <mpi.h>'
put neurons/nrn_model.h '#include "../core/sim_types.h"' '#include "../synapses/syn_device.h"'
put neurons/nrn_model.c '#include "nrn_model.h"' '#include "../mpi/comm.h"'
put synapses/syn_device.h '#include "../neurons/nrn_model.h"'
put network/net_desc.h '#include "../neurons/nrn_model.h"' '#include "../synapses/syn_device.h"'
put network/net_build.c '#include "net_desc.h"' '#include "../mpi/comm.h"'
put io/io_log.h '#include "../network/net_desc.h"'
put io/io_log.c '#include "io_log.h"' '#include <msgpack.h>' '#include <event2/http.h>' \
  '#include <ini.h>' '#include <zlib.h>' '#include <hdf5.h>' '#include <H5Ppublic.h>'
put api/ms_sim.c '#include "../include/memspike.h"' '#include "../io/io_log.h"' '#include "../mpi/comm.h"'
put include/memspike.h '#include <stdint.h>'
put tools/memspike.c '#include "../io/io_log.h"' '#include "../tests/test_suites.h"' '#include "../api/ms_sim.c"'
put tests/test_suites.h '#include <CUnit/CUnit.h>'
put tests/test_a.c '#include "../tools/memspike.h"' '#include "../io/io_log.h"' '#include <CUnit/Basic.h>'
put tests/fixture_a.c '#include <CUnit/CUnit.h>' '#include <msgpack.h>' '#include <msgpack/pack.h>' \
  '#include <zlib.h>'

out=$(sh "$CHECK" "$T/clean" 2>&1)
st=$?
[ $st -eq 0 ] && echo "$out" | grep -q "^check_layers: ok (17 files" && ok "a tree keeping every rule passes ($out)" || bad "a tree keeping every rule passes (exit $st)" "$out"

# breaks NAME FILE LINE PATTERN: append LINE to FILE of a copy of the clean
# tree; the checker must exit 1 with one finding, naming FILE:n (the new
# line), the header and PATTERN
breaks() {
  name=$1 file=$2 line=$3 pat=$4
  rm -rf "$T/broken"
  cp -R "$T/clean" "$T/broken"
  printf '%s\n' "$line" >> "$T/broken/$file"
  n=$(wc -l < "$T/broken/$file")
  out=$(sh "$CHECK" "$T/broken" 2>&1)
  st=$?
  hdr=$(printf '%s\n' "$line" | sed 's/^[ \t]*#[ \t]*include[ \t]*//')
  if [ $st -eq 1 ] && printf '%s\n' "$out" | grep -qF "$file:$n: #include $hdr: " &&
    printf '%s\n' "$out" | grep -F "$file:$n:" | grep -q -- "$pat" &&
    [ "$(printf '%s\n' "$out" | grep -c ': #include ')" -eq 1 ]; then
    ok "$name fails: $(printf '%s\n' "$out" | head -1)"
  else
    bad "$name fails, naming $file:$n and '$pat' (exit $st)" "$out"
  fi
}
breaks "core including network/" core/sim_a.c '#include "../network/net_desc.h"' "points up a floor"
breaks "core including mpi/" core/sim_a.c '#include "../mpi/comm.h"' "points up a floor"
breaks "neurons including io/" neurons/nrn_model.c '#include "../io/io_log.h"' "points up a floor"
breaks "io including tools/" io/io_log.c '#include "../tools/memspike.c"' "points up a floor"
breaks "mpi including neurons/" mpi/comm.c '#include "../neurons/nrn_model.h"' "mpi/ may include only core/"
breaks "network including <mpi.h>" network/net_build.c '#include <mpi.h>' "only mpi/ may include it"
breaks "tests including <msgpack.h>" tests/test_a.c '#include <msgpack.h>' "only io/ may include it"
breaks "core including \"zlib.h\"" core/sim_a.c '#include "zlib.h"' "only io/ may include it"
breaks "synapses including <event2/event.h>" synapses/syn_device.h '#include <event2/event.h>' "only io/ may include it"
breaks "network including <hdf5.h>" network/net_build.c '#include <hdf5.h>' "only io/ may include it"
breaks "tools including <jansson.h>" tools/run_report.c '#include <jansson.h>' "only io/ may include it"
breaks "tools including <H5Fpublic.h>" tools/memspike.c '#include <H5Fpublic.h>' "only io/ may include it"
breaks "io including <CUnit/CUnit.h>" io/io_log.c '#include <CUnit/CUnit.h>' "only tests/ may include it"
breaks "spaced '  #  include' seen too" core/sim_a.c '  #  include "../io/io_log.h"' "points up a floor"
breaks "tests/fixture_a.h (a header) including <msgpack.h>" tests/fixture_a.h '#include <msgpack.h>' \
  "in tests/, only fixture_\*.c"
breaks "tests/test_fixture_a.c including <zlib.h>" tests/test_fixture_a.c '#include <zlib.h>' \
  "only io/ may include it"
breaks "tools/fixture_a.c including <msgpack.h>" tools/fixture_a.c '#include <msgpack.h>' \
  "only io/ may include it"
breaks "a fixture including <event2/event.h> (no file format)" tests/fixture_a.c \
  '#include <event2/event.h>' "only io/ may include it)"
breaks "a fixture including <ini.h> (no file format)" tests/fixture_a.c '#include <ini.h>' \
  "only io/ may include it)"
breaks "io including api/" io/io_log.h '#include "../api/ms_sim.c"' "points up a floor"
breaks "the public header including a project file" include/memspike.h '#include "../core/sim_types.h"' \
  "include/ (the public header) may include no file"
breaks "api including <mpi.h>" api/ms_sim.c '#include <mpi.h>' "only mpi/ may include it"
breaks "an include leaving the tree" core/sim_a.c '#include "../../etc/passwd"' "outside the tree"

# This checkout, copied, with one upward include and one stray <mpi.h>.
mkdir -p "$T/real"
for d in core neurons synapses network io mpi api include tools tests; do
  [ -d "$SRC/$d" ] && cp -R "$SRC/$d" "$T/real/"
done
printf '%s\n' '#include "../network/net_desc.h"' >> "$T/real/core/sim_rng.c"
printf '%s\n' '#include <mpi.h>' >> "$T/real/io/io_ini.c"
printf '%s\n' '#include <msgpack.h>' >> "$T/real/tests/test_model.c"
n1=$(wc -l < "$T/real/core/sim_rng.c")
n2=$(wc -l < "$T/real/io/io_ini.c")
n3=$(wc -l < "$T/real/tests/test_model.c")
out=$(sh "$CHECK" "$T/real" 2>&1)
st=$?
line1=$(printf '%s\n' "$out" | grep -F "core/sim_rng.c:$n1: #include \"../network/net_desc.h\": points up a floor")
line2=$(printf '%s\n' "$out" | grep -F "io/io_ini.c:$n2: #include <mpi.h>: third-party header outside its room (only mpi/")
line3=$(printf '%s\n' "$out" | grep -F "tests/test_model.c:$n3: #include <msgpack.h>: third-party header outside its room (only io/")
nfound=$(printf '%s\n' "$out" | grep -c ': #include ')
[ $st -eq 1 ] && [ -n "$line1" ] && ok "this checkout + an upward include in core/ fails: $line1" ||
  bad "this checkout + an upward include in core/ fails (exit $st)" "$out"
[ $st -eq 1 ] && [ -n "$line2" ] && ok "this checkout + <mpi.h> in io/ fails: $line2" ||
  bad "this checkout + <mpi.h> in io/ fails (exit $st)" "$out"
[ $st -eq 1 ] && [ -n "$line3" ] && ok "this checkout + <msgpack.h> in tests/test_model.c fails: $line3" ||
  bad "this checkout + <msgpack.h> in tests/test_model.c fails (exit $st)" "$out"
[ -f "$T/real/tests/fixture_format.c" ] && grep -q '^#include <msgpack.h>' "$T/real/tests/fixture_format.c" &&
  [ "$nfound" -eq 3 ] && ! printf '%s\n' "$out" | grep -q '^tests/fixture_' &&
  ok "this checkout's tests/fixture_format.c includes <msgpack.h> and passes (3 findings, all injected)" ||
  bad "this checkout's tests/fixture_format.c passes and only the 3 injected lines fail ($nfound findings)" "$out"

finish layers
