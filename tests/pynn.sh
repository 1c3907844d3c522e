#!/bin/sh
# pynn.sh: the PyNN backend (pyNN.memspike, python/pynn_memspike) on the
# source tree's libmemspike: its own checks (tests/test_pynn.py), the same
# script on 1 and 2 MPI ranks (tests/pynn_mpi.py: identical digests), the
# import of the installed package (after `make pynn-install`, which `make
# test` runs first), PyNN 0.10.1's system test scenarios and examples run
# unchanged from a PyNN source tree (PYNN_SRC, else the tag 0.10.1 of a
# PyNN git mirror at PYNN_GIT, default /work/.mirror/NeuralEnsemble+PyNN/repo;
# the scenario table must equal docs/pynn-scenarios.md: PYNN_UPDATE=1
# rewrites it), and Brian2 against memspike on the same PyNN scripts
# (bench/pynn_compare.py --small).  Last line: "pynn: N passed, N failed,
# N skipped".
set -u
PY=/usr/bin/python3
SRC=$(pwd)
BUILD=${BUILD:-build}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch pynn
MEMSPIKE_LIB=$SRC/$BUILD/libmemspike.so
MEMSPIKE_DEVICES=$SRC/configs/devices
export MEMSPIKE_LIB MEMSPIKE_DEVICES
HOOK="import sys; sys.path.insert(0, '$SRC/python'); import memspike_pynn_hook"

echo "pynn: pyNN.memspike on $MEMSPIKE_LIB"
if ! $PY -c 'import pyNN' 2>/dev/null; then
  skip "pyNN.memspike" "Debian's python3-pynn is missing (make deps)"
  finish pynn
fi
expect "import pyNN.memspike (source tree): the standard models" 0 "IF_curr_exp.*Izhikevich" \
  $PY -c "$HOOK; import pyNN.memspike as s; print(sorted(s.list_standard_models()))"

# The installed package, as a user's script finds it: no environment.
if (cd "$T" && env -u MEMSPIKE_LIB -u PYTHONPATH $PY -c 'import memspike_pynn_hook') 2>/dev/null; then
  expect "import pyNN.memspike (installed, from another directory)" 0 "memspike ok" \
    sh -c "cd '$T' && env -u MEMSPIKE_LIB -u PYTHONPATH $PY -c 'import pyNN.memspike as s; s.setup(); print(s.simulator.name, \"ok\")'"
else
  skip "import pyNN.memspike (installed)" "not installed: make pynn-install (make test does)"
fi

# The backend's own checks.
out=$(cd "$T" && $PY "$SRC/tests/test_pynn.py" 2>&1)
st=$?
while IFS= read -r line; do
  case "$line" in
    "  ok   "*) ok "${line#  ok   }" ;;
    "  FAIL "*) bad "${line#  FAIL }" ;;
  esac
done <<EOF2
$out
EOF2
if [ "$st" -ne 0 ] && ! printf '%s\n' "$out" | grep -q '^  FAIL '; then
  bad "tests/test_pynn.py (exit $st)" "$out"
fi

# One script on 1 and 2 ranks: the library splits and gathers; the
# results (spikes, V_m, STDP weights) must be the same bits.
d1="" d2=""
for n in 1 2; do
  o=$(cd "$T" && $MPIRUN -np $n -x MEMSPIKE_LIB -x MEMSPIKE_DEVICES $PY "$SRC/tests/pynn_mpi.py" 2>&1)
  d=$(printf '%s\n' "$o" | sed -n "s/^ranks $n .*digest //p")
  if [ -n "$d" ]; then ok "mpirun -np $n: $(printf '%s\n' "$o" | grep '^ranks')"; else bad "mpirun -np $n" "$o"; fi
  [ "$n" = 1 ] && d1=$d || d2=$d
done
if [ -n "$d1" ] && [ "$d1" = "$d2" ]; then
  ok "1 and 2 ranks: identical spikes, V_m and weights"
else
  bad "1 and 2 ranks give different results" "$d1 / $d2"
fi

# PyNN's own scenarios and examples, unchanged, from a PyNN source tree.
PYNN_GIT=${PYNN_GIT:-/work/.mirror/NeuralEnsemble+PyNN/repo}
if [ -z "${PYNN_SRC:-}" ] && git -C "$PYNN_GIT" rev-parse -q --verify 0.10.1 >/dev/null 2>&1; then
  mkdir -p "$T/pynn-src"
  git -C "$PYNN_GIT" archive 0.10.1 test examples | tar -x -C "$T/pynn-src" && PYNN_SRC=$T/pynn-src
fi
# Else Debian's own source package of the installed PyNN (python3-pynn is
# built from source package pynn): its .dsc and orig tarball from the
# Debian archive apt uses, the tarball checked against the .dsc's SHA-256,
# kept in build/pynn-src so a second run does not fetch again.
if [ -z "${PYNN_SRC:-}" ]; then
  cache=${MEMSPIKE_BUILD:-$SRC/build}/pynn-src
  if [ ! -d "$cache/PyNN-0.10.1/test/system/scenarios" ]; then
    mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
    mirror=${mirror:-http://deb.debian.org/debian}
    pool=${mirror%/}/pool/main/p/pynn
    mkdir -p "$cache"
    if curl -sfL --max-time 120 -o "$cache/pynn.dsc" "$pool/pynn_0.10.1-2.dsc" &&
       curl -sfL --max-time 300 -o "$cache/orig.tar.gz" "$pool/pynn_0.10.1.orig.tar.gz"; then
      want=$(awk '/^Checksums-Sha256:/{f=1; next} f && /orig.tar.gz$/{print $1; exit}' "$cache/pynn.dsc")
      have=$(sha256sum "$cache/orig.tar.gz" | cut -d' ' -f1)
      if [ -n "$want" ] && [ "$want" = "$have" ]; then
        tar -xzf "$cache/orig.tar.gz" -C "$cache" PyNN-0.10.1/test PyNN-0.10.1/examples
      else
        echo "  pynn_0.10.1.orig.tar.gz: SHA-256 $have, the .dsc says '$want': not used"
      fi
      rm -f "$cache/orig.tar.gz"
    fi
  fi
  [ -d "$cache/PyNN-0.10.1/test/system/scenarios" ] && PYNN_SRC=$cache/PyNN-0.10.1
fi
if [ -n "${PYNN_SRC:-}" ] && [ -d "$PYNN_SRC/test/system/scenarios" ]; then
  out=$(cd "$T" && $PY "$SRC/tests/pynn_scenarios.py" "$PYNN_SRC" --out "$T/scenarios.md" \
        --expect "$SRC/docs/pynn-scenarios.md" 2>&1)
  st=$?
  summary=$(printf '%s\n' "$out" | grep 'scenarios:')
  if [ "$st" -eq 0 ]; then ok "PyNN scenarios: $summary"; else bad "PyNN scenarios" "$out"; fi
  if [ "${PYNN_UPDATE:-0}" = 1 ]; then
    cp "$T/scenarios.md" "$SRC/docs/pynn-scenarios.md" && echo "  (docs/pynn-scenarios.md rewritten)"
  fi
  if cmp -s "$T/scenarios.md" "$SRC/docs/pynn-scenarios.md"; then
    ok "scenario table = docs/pynn-scenarios.md"
  else
    bad "scenario table differs from docs/pynn-scenarios.md (PYNN_UPDATE=1 to rewrite)" \
      "$(diff "$SRC/docs/pynn-scenarios.md" "$T/scenarios.md" | head -20)"
  fi
  # Examples: the one whose features are all supported runs to its end;
  # others stop at the feature they need, named.
  mkdir -p "$T/ex" && cp "$PYNN_SRC"/examples/*.py "$T/ex/"
  run_example() { (cd "$T/ex" && $PY -c "$HOOK; import runpy; sys.argv = ['$1', 'memspike']; runpy.run_path('$1', run_name='__main__')" 2>&1); }
  expect "example simpleRandomNetwork.py runs unchanged" 0 "Done" run_example simpleRandomNetwork.py
  [ -n "$(find "$T/ex/Results" -name 'simpleRandomNetwork_output_memspike_*.pkl' 2>/dev/null)" ] &&
    ok "example simpleRandomNetwork.py wrote its Neo pickle" ||
    bad "example simpleRandomNetwork.py wrote no Results/*.pkl"
  expect "example Izhikevich.py: NotImplementedError naming DCSource" 1 "NotImplementedError.*DCSource" \
    run_example Izhikevich.py
  expect "example varying_poisson.py: NotImplementedError naming the rate change" 1 \
    "NotImplementedError.*changing rate" run_example varying_poisson.py
else
  skip "PyNN scenarios and examples" "no PyNN 0.10.1 source: Debian's source package could not be fetched; set PYNN_SRC to one (or PYNN_GIT to a PyNN git clone)"
fi

# The same PyNN scripts on Brian2 and memspike: rates within the seed spread.
if $PY -c 'import pyNN.brian2' >/dev/null 2>&1; then
  out=$(cd "$T" && $PY "$SRC/bench/pynn_compare.py" --small 2>&1)
  st=$?
  printf '%s\n' "$out" | sed 's/^/       /'
  if [ "$st" -eq 0 ]; then ok "Brian2 vs memspike (CUBA, Brunel): mean rates within 2 x the larger seed sd"
  else bad "Brian2 vs memspike rates" "$out"; fi
else
  skip "Brian2 vs memspike" "python3-brian is missing (make deps)"
fi
finish pynn
