#!/bin/sh
# ecram_retention.sh: ECRAM switching speed versus retention (issue 15.1;
# docs/examples/ecram_retention.md).  The converted Fashion-MNIST CNN and a
# Song 2000 STDP network on three ECRAM presets with Arrhenius retention,
# idle 1 h, 1 day, 1 year, 10 years at 25 and 85 C.
#   examples/ecram_retention.sh [--small] [--out DIR]
# Writes DIR/ecram_retention.json and DIR/ecram_retention.png (default DIR
# build/examples/ecram_retention).  Needs build/memspike (make) and
# /usr/bin/python3 with matplotlib; Fashion-MNIST from Debian's
# dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
set -eu
here=$(dirname "$0")
BIN=${BIN:-build/memspike}
export BIN
[ -x "$BIN" ] || { echo "ecram_retention: $BIN not built (run make)" >&2; exit 2; }
exec /usr/bin/python3 "$here/ecram_retention.py" "$@"
