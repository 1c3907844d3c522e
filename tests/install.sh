#!/bin/sh
# install.sh: `make install PREFIX=<temporary>` and the installed memspike
# used from another directory: run (a config whose device preset is found
# only through the install prefix), convert (default energy file and
# device preset from PREFIX/share/memspike), replay, the Python reader
# as a module, and the C library (header, libraries, pkg-config; the
# first program of docs/c-api.md linked against the installed shared
# library and run).  Before data directories, convert failed anywhere but the
# repository root.  Last line: "install: N passed, N failed, N skipped".
set -u
PY=/usr/bin/python3
DATA=/usr/share/datasets/fashion-mnist
SRC=$(pwd)
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/lib.sh" # ok bad skip expect finish scratch MPIRUN
scratch install

echo "install: make install PREFIX=$T/prefix, used from $T/elsewhere"
P=$T/prefix
S=$P/share/memspike
if out=$(make -s install PREFIX="$P" 2>&1); then
  ok "make install PREFIX=..."
else
  bad "make install PREFIX=..." "$out"
fi
for f in bin/memspike share/memspike/configs/devices/ecram_li_wo3.ini \
         share/memspike/configs/energy/default.ini share/memspike/configs/models/fmnist_cnn.msgpack \
         share/memspike/configs/brunel_delta.ini share/memspike/docs/config-format.md \
         share/memspike/tools/memspike_log.py share/memspike/tools/plot_energy.py \
         share/memspike/tools/memspike_plot.py share/memspike/python/memspike_log/__init__.py; do
  [ -s "$P/$f" ] && ok "installed $f" || bad "installed $f"
done
# The package: a directory memspike_log/ with its modules.
pydir=$(find "$P/lib" -type d -name memspike_log 2>/dev/null | head -1)
[ -n "$pydir" ] && [ -s "$pydir/__init__.py" ] && [ -s "$pydir/reader.py" ] &&
  ok "Python package installed under PREFIX/lib (${pydir#"$P"/})" ||
  bad "Python package installed under PREFIX/lib" "$(find "$P" -name '*.py' | head)"

# From a directory with no configs/: neither the cwd nor a source tree
# next to the binary can answer, only PREFIX/share/memspike.
mkdir -p "$T/elsewhere"
cd "$T/elsewhere" || exit 1
BIN=$P/bin/memspike
# A config copied out of the tree: its preset (device = ecram_li_wo3) is
# not next to it, so it must come from the prefix.
sed -e 's/^duration = .*/duration = 2000 ; ms/' -e 's|^output = .*|output = out|' \
  "$S/configs/stdp_song2000_ecram.ini" > song.ini
expect "run: preset from the prefix" 0 "event log: out/events.rank0.msgpack" $BIN run song.ini
expect "replay the run's log" 0 "total" $BIN replay out/events.rank0.msgpack
if [ -d "$DATA" ]; then
  expect "convert: default energy file from the prefix" 0 "energy per inference ($S/configs/energy/default.ini" \
    $BIN convert "$S/configs/models/fmnist_cnn.msgpack" --data "$DATA" --images 5 --steps 8 --calib 20
  expect "convert --device: preset from the prefix" 0 "on ecram_li_wo3 devices" \
    $BIN convert "$S/configs/models/fmnist_cnn.msgpack" --data "$DATA" --images 5 --steps 8 --calib 20 \
    --device ecram_li_wo3
else
  skip "convert from the prefix" "$DATA missing: install dataset-fashion-mnist (make deps)"
fi
expect "unknown preset names the prefix it searched" 2 "$S/configs/devices" \
  sh -c "sed 's/^device = .*/device = no_such_preset/' song.ini > bad.ini && $BIN run bad.ini"
if [ -n "$pydir" ]; then
  expect "Python: import memspike_log from the install" 0 "$P/lib.*run spikes [1-9]" \
    env PYTHONPATH="$(dirname "$pydir")" $PY -c 'import memspike_log
r = memspike_log.open_run("out/events.rank0.msgpack")
print(memspike_log.__file__, "run spikes", r.spikes().size)'
fi
expect "Python: installed memspike_log.py reads the log" 0 "post [1-9]" \
  $PY "$S/tools/memspike_log.py" --counts out/events.rank0.msgpack

if $PY -c "import matplotlib" 2>/dev/null; then
  expect "memspike plot from the install (plot script in the prefix)" 0 "raster.png" \
    $BIN plot raster out/events.rank0.msgpack --out raster.png
  [ "$(head -c 4 raster.png 2>/dev/null | od -An -c | tr -d ' ')" = "211PNG" ] &&
    ok "...writes a PNG" || bad "...writes a PNG" "$(ls -la raster.png 2>&1)"
else
  skip "memspike plot from the install" "python3-matplotlib not installed: make deps"
fi

# The C library: header, static and shared libraries, pkg-config file;
# the first program of docs/c-api.md built with pkg-config against the
# installed shared library (no rpath, no build tree: LD_LIBRARY_PATH only)
# and run from here.
for f in include/memspike.h lib/libmemspike.a lib/libmemspike.so.0 lib/pkgconfig/memspike.pc; do
  [ -s "$P/$f" ] && ok "installed $f" || bad "installed $f"
done
[ -L "$P/lib/libmemspike.so" ] && ok "installed lib/libmemspike.so -> $(readlink "$P/lib/libmemspike.so")" ||
  bad "installed lib/libmemspike.so (a link)"
# shellcheck source=tests/capi_lib.sh
. "$SRC/tests/capi_lib.sh" # extract_example
extract_example "$S/docs/c-api.md" > first.c
export PKG_CONFIG_PATH="$P/lib/pkgconfig"
expect "pkg-config --cflags --libs memspike" 0 "^-I$P/include -L$P/lib -lmemspike" \
  pkg-config --cflags --libs memspike
pcflags=$out
expect "pkg-config --modversion memspike" 0 "^$(sed -n 's/^#define MS_VERSION "\(.*\)"/\1/p' "$SRC/include/memspike.h")\$" \
  pkg-config --modversion memspike
# shellcheck disable=SC2086
if out=$(cc -std=c11 -Wall -Wextra -Werror first.c $pcflags -o first 2>&1); then
  ok "the docs' first program compiles with pkg-config (shared)"
else
  bad "the docs' first program compiles with pkg-config (shared)" "$out"
fi
ldd ./first 2>/dev/null | grep -q "libmemspike.so.0 => not found" &&
  ok "...it needs libmemspike.so.0 (not linked statically)" ||
  bad "...it needs libmemspike.so.0 (not linked statically)" "$(ldd ./first 2>&1)"
expect "...and runs on the installed libmemspike.so" 0 "spikes of E in 200 ms ([1-9]" \
  env LD_LIBRARY_PATH="$P/lib" ./first
LD_LIBRARY_PATH="$P/lib" ldd ./first | grep -q "libmemspike.so.0 => $P/lib/" &&
  ok "...loading $P/lib/libmemspike.so.0" || bad "...loading $P/lib/libmemspike.so.0"
unset PKG_CONFIG_PATH

# pyNN.memspike from the prefix: its directory first on the path and as a
# site directory (its .pth imports the hook; PYTHONPATH makes that the
# prefix's hook even when another install's .pth imported one at
# start-up), its libmemspike.so the installed one.
pysite=$(dirname "$(find "$P/lib" -name memspike_pynn.pth 2>/dev/null | head -1)")
if $PY -c 'import pyNN' 2>/dev/null; then
  expect "Python: import pyNN.memspike from the install, on its libmemspike.so" 0 "$P/lib/libmemspike.so.0 .*IF_curr_exp" \
    env -u MEMSPIKE_LIB PYTHONPATH="$pysite" $PY -c "import site; site.addsitedir('$pysite'); import pyNN.memspike as s; print(s._lib._find_library(), s.list_standard_models())"
else
  skip "Python: import pyNN.memspike from the install" "python3-pynn missing (make deps)"
fi

# The build tree's binary from elsewhere: data from its source tree.
expect "build/memspike from elsewhere: presets of its source tree" 0 "event log" \
  "$SRC/build/memspike" run song.ini --out out2 --quiet
cd "$SRC" || exit 1
finish install
