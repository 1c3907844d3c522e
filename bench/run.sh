#!/bin/sh
# run.sh: `make bench` -- all benchmarks; figures only, no assertion on time.
set -e
cd "$(dirname "$0")/.."
/usr/bin/python3 bench/bench.py "$@"
/usr/bin/python3 bench/log_bench.py
/usr/bin/python3 bench/ckpt_bench.py
/usr/bin/python3 bench/monitor_bench.py
