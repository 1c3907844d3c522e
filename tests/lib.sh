# lib.sh: the helpers every shell test script shares, sourced (POSIX sh)
# with `. "$(dirname "$0")/lib.sh"` before the script changes directory.
#   scratch NAME          T = a fresh /tmp/memspike-NAME-XXXXXX, removed on exit
#   ok NAME, bad NAME [DETAIL], skip NAME WHY
#   expect NAME STATUS PATTERN CMD...
#   finish NAME           the last line "NAME: N passed, N failed, N skipped",
#                         then exit 0 if nothing failed, else 1
# A check that cannot run is a skip, never a pass, and a failure under
# MEMSPIKE_TEST_STRICT=1 (`make test`, which installs every dependency).
# expect sets name, want, pat, out and st (the scripts read out and st after
# it); nothing here runs a check by itself.
pass=0
fail=0
skipped=0
# shellcheck disable=SC2034 # used by the scripts that source this file
MPIRUN="mpirun --allow-run-as-root --oversubscribe"

scratch() {
  T=$(mktemp -d "/tmp/memspike-$1-XXXXXX") || exit 1
  trap 'rm -rf "$T"' EXIT
}

ok() { pass=$((pass + 1)); echo "  ok   $1"; }
bad() { fail=$((fail + 1)); echo "  FAIL $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/       /'; }
# skip NAME WHY
skip() {
  if [ "${MEMSPIKE_TEST_STRICT:-0}" != 0 ]; then
    bad "$1 (skipped under MEMSPIKE_TEST_STRICT=1: $2)"
  else
    skipped=$((skipped + 1))
    echo "  skip $1 ($2)"
  fi
}

# expect NAME STATUS PATTERN CMD...: exit status and a stderr/stdout pattern
expect() {
  name=$1 want=$2 pat=$3
  shift 3
  out=$("$@" 2>&1)
  st=$?
  if [ "$st" -ne "$want" ]; then
    bad "$name (exit $st, wanted $want)" "$out"
  elif ! printf '%s' "$out" | grep -q -- "$pat"; then
    bad "$name (output lacks '$pat')" "$out"
  else
    ok "$name"
  fi
}

# finish NAME: the summary line and the script's exit status
finish() {
  echo "$1: $pass passed, $fail failed, $skipped skipped"
  [ "$fail" -eq 0 ] && exit 0
  exit 1
}
