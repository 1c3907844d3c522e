#!/bin/sh
# deps.sh [--bench]: install the Debian packages memspike needs, only those
# missing.  Idempotent: when everything is present it only runs dpkg-query.
# As root it calls apt-get directly, otherwise through sudo.
#   (no flag)  build, run and test: compiler, libraries, MPI, CUnit, msgpack,
#              numpy and matplotlib for Python (log cross-check, plots),
#              Fashion-MNIST (the CNN conversion) and PyTorch (the exporter's
#              tests and the dense SNN that `convert` is checked against;
#              python3-torch: ~48 MB download, ~570 MB installed with its
#              dependencies on Debian 12; running memspike never needs it),
#              libhdf5 (SONATA spike export), h5py, Neo and pandas (the Python
#              log package: SONATA round trip, Neo Blocks, DataFrames),
#              jansson (all JSON output), for the live monitor's tests
#              curl, Prometheus (promtool and a server scraping a run),
#              Chromium (the page rendered headless) and python3-pil (its
#              screenshot checked), PyNN 0.10 (python3-pynn: the
#              pyNN.memspike backend and its tests) and Brian2
#              (python3-brian: pyNN.brian2, the peer its rates are checked
#              against), scikit-image (python3-skimage: the photograph of
#              examples/mott_edges.sh, camera.png)
#   --bench    also the peer simulator: Brian2
#   --fuzz     also clang (libFuzzer, for `make fuzz` and the short fuzz
#              runs of `make test`)
set -e
PKGS="gcc make pkg-config libevent-dev libmsgpack-dev libopenmpi-dev openmpi-bin
libcunit1-dev libinih-dev zlib1g-dev python3 python3-msgpack python3-numpy
python3-matplotlib dataset-fashion-mnist python3-torch libhdf5-dev python3-h5py
python3-neo python3-pandas libjansson-dev curl prometheus chromium python3-pil python3-pynn python3-brian
python3-skimage"
if [ "${1:-}" = "--bench" ]; then
  PKGS="$PKGS python3-brian"
fi
if [ "${1:-}" = "--fuzz" ]; then
  PKGS="$PKGS clang"
fi
missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
