#!/bin/sh
# check_layers.sh [ROOT]: the include rules of docs/DESIGN ("the map"),
# checked on every .c/.h under core neurons synapses network io mpi api
# include tools tests of ROOT (default: this checkout).  One line per broken rule,
# "file:line: #include X: rule", then a count; exit 1 if any, 2 on usage.
#
# Floors, top to bottom (an include may point down or stay in its room):
#   tools/ tests/   may include anything of the project
#   api/            the library's API (include/memspike.h implemented)
#   include/        the public header: includes no file of the project
#   io/
#   network/
#   neurons/ synapses/   (one floor: they may include each other)
#   mpi/            may include only core/
#   core/
# Third-party headers stay in their room: <mpi.h> only in mpi/; msgpack,
# libevent (event2/, event.h, evhttp.h), inih (ini.h), zlib and HDF5
# (hdf5.h, H5*.h), the JSON libraries (jansson.h, cjson/) only in io/;
# CUnit only in tests/.  One exception: in tests/, exactly the files named
# tests/fixture_*.c may include io/'s file-format headers (msgpack.h,
# msgpack/, zlib.h, zconf.h, hdf5.h): fixtures write malformed files in the formats
# under test, so they use the formats' own libraries (other test files use
# the fixtures' msgpack-free API).  Any other <header> counts as the
# system's.  A
# "quoted" include that names no file of the tree is checked as <header>
# (the compiler would find it on the system path).
set -eu
root=${1:-$(dirname "$0")/..}
if [ ! -d "$root" ] || [ $# -gt 1 ]; then
  echo "usage: check_layers.sh [ROOT]" >&2
  exit 2
fi
cd "$root"
dirs=""
for d in core neurons synapses network io mpi api include tools tests; do
  [ -d "$d" ] && dirs="$dirs $d"
done
[ -n "$dirs" ] || { echo "check_layers: no source directories under $root" >&2; exit 2; }
# shellcheck disable=SC2086
files=$(find $dirs -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
[ -n "$files" ] || { echo "check_layers: no .c/.h files under $root" >&2; exit 2; }

# shellcheck disable=SC2086
printf '%s\n' $files | LC_ALL=C awk '
BEGIN {
  floor["core"] = 0; floor["mpi"] = 1; floor["neurons"] = 2; floor["synapses"] = 2
  floor["network"] = 3; floor["io"] = 4; floor["api"] = 5; floor["include"] = 5
  floor["tools"] = 6; floor["tests"] = 6
  nbad = 0; nfiles = 0; nincl = 0
}
function top(path,   i) { i = index(path, "/"); return i ? substr(path, 1, i - 1) : "" }
function dir(path) { sub(/\/[^\/]*$/, "", path); return path }
# normalize a relative path; "" when it climbs out of the tree
function norm(path,   n, part, i, k, out, stack) {
  n = split(path, part, "/"); k = 0
  for (i = 1; i <= n; i++) {
    if (part[i] == "" || part[i] == ".") continue
    if (part[i] == "..") { if (k == 0) return ""; k--; continue }
    stack[++k] = part[i]
  }
  out = ""
  for (i = 1; i <= k; i++) out = out (i > 1 ? "/" : "") stack[i]
  return out
}
function exists(path,   line, r) { r = (getline line < path); close(path); return r >= 0 }
# the directory a third-party header must stay in; "" for system headers
function room(h) {
  if (h == "mpi.h" || h ~ /^mpi\//) return "mpi"
  if (h == "msgpack.h" || h ~ /^msgpack\//) return "io"
  if (h ~ /^event2\// || h == "event.h" || h == "evhttp.h" || h == "evdns.h") return "io"
  if (h == "ini.h" || h == "zlib.h" || h == "zconf.h") return "io"
  if (h == "hdf5.h" || h ~ /^H5[A-Za-z]*\.h$/) return "io"
  if (h == "jansson.h" || h == "jansson_config.h" || h ~ /^cjson\//) return "io"
  if (h ~ /^CUnit\//) return "tests"
  return ""
}
# io/ headers of a file format under test, which tests/fixture_*.c may include
function format(h) {
  return h == "msgpack.h" || h ~ /^msgpack\// || h == "zlib.h" || h == "zconf.h" ||
         h == "hdf5.h" || h ~ /^H5[A-Za-z]*\.h$/
}
function fixture(path) { return path ~ /^tests\/fixture_[^\/]*\.c$/ }
function bad(file, line, what, rule) {
  printf "%s:%d: #include %s: %s\n", file, line, what, rule
  nbad++; badfile[file] = 1
}
{
  file = $0; nfiles++; src = top(file); n = 0
  while ((getline text < file) > 0) {
    n++
    if (text !~ /^[ \t]*#[ \t]*include[ \t]*[<"]/) continue
    nincl++
    sub(/^[ \t]*#[ \t]*include[ \t]*/, "", text)
    quote = substr(text, 1, 1); close_ch = quote == "<" ? ">" : "\""
    rest = substr(text, 2); end = index(rest, close_ch)
    if (!end) { bad(file, n, text, "unterminated include"); continue }
    name = substr(rest, 1, end - 1); what = quote name close_ch
    target = ""
    if (quote == "\"") {
      target = norm(dir(file) "/" name)
      if (target == "" && name ~ /\.\./) { bad(file, n, what, "points outside the tree"); continue }
      if (target != "" && !exists(target)) target = ""
    }
    if (target == "") {                   # a system or third-party header
      r = room(name)
      if (r == "" || r == src || (format(name) && fixture(file)))
        continue
      if (format(name))
        bad(file, n, what, "third-party header outside its room (only " r "/ may include it; in tests/, only fixture_*.c)")
      else
        bad(file, n, what, "third-party header outside its room (only " r "/ may include it)")
      continue
    }
    dst = top(target)
    if (src == "tools" || src == "tests" || dst == src) continue
    if (!(dst in floor))
      bad(file, n, what, src "/ may include only the layered directories, not " dst "/")
    else if (src == "include")
      bad(file, n, what, "include/ (the public header) may include no file of the project")
    else if (src == "mpi" && dst != "core")
      bad(file, n, what, "mpi/ may include only core/ (not " dst "/)")
    else if (floor[dst] > floor[src])
      bad(file, n, what, "points up a floor (" src "/ is below " dst "/)")
  }
  close(file)
}
END {
  nb = 0; for (f in badfile) nb++
  if (nbad) {
    printf "check_layers: %d broken include rule%s in %d file%s (%d files, %d includes checked)\n", \
      nbad, nbad == 1 ? "" : "s", nb, nb == 1 ? "" : "s", nfiles, nincl
    exit 1
  }
  printf "check_layers: ok (%d files, %d includes)\n", nfiles, nincl
}'
