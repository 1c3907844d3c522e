"""Shared harness for the Brian2 peer benchmarks (bench/brian2_*.py).

Each benchmark script builds its network with this module's helpers and then
calls `run_standalone()`, which:

  * sets up Brian2's C++ standalone device (one thread, no OpenMP),
  * generates and compiles the project (timed as ``build_s``),
  * runs the compiled binary under GNU ``/usr/bin/time`` so that the peak RSS
    of the binary itself (not of Python, make or g++) is recorded,
  * reads the run-loop time that the binary itself measured
    (``results/last_run_info.txt`` -> ``device._last_run_time``).

Only the final JSON line goes to the real stdout; everything else (Brian2
log output, compiler chatter, binary stdout) goes to stderr or into the
build directory.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

TIME_BIN = "/usr/bin/time"
RSS_FILE = os.path.join("results", "peak_rss_kb.txt")  # relative to build dir


def parse_args(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--seed", type=int, default=1, help="RNG seed (default 1)")
    p.add_argument("--duration-ms", type=float, default=1000.0,
                   help="simulated time in ms (default 1000)")
    p.add_argument("--build-dir", default=None,
                   help="standalone project directory (default: a temporary "
                        "directory that is deleted afterwards)")
    return p.parse_args()


class StdoutToStderr:
    """Point file descriptor 1 at stderr for the duration of the benchmark.

    Brian2, make and the standalone binary may all write to stdout; the
    benchmark contract is that stdout carries exactly one JSON line, so the
    original stdout is kept aside and only `emit()` writes to it.
    """

    def __enter__(self):
        sys.stdout.flush()
        self._saved_fd = os.dup(1)
        os.dup2(2, 1)
        self._saved_stdout = sys.stdout
        sys.stdout = sys.stderr
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self._saved_fd, 1)
        os.close(self._saved_fd)
        sys.stdout = self._saved_stdout
        return False

    def emit(self, record):
        os.write(self._saved_fd, (json.dumps(record) + "\n").encode())


def setup_device(build_dir):
    """Select the C++ standalone device. Must be called before any Brian2
    object is created. Returns (directory, is_temporary)."""
    from brian2 import set_device, prefs

    if build_dir is None:
        directory, temporary = tempfile.mkdtemp(prefix="brian2_bench_"), True
    else:
        directory, temporary = os.path.abspath(build_dir), False
    set_device("cpp_standalone", directory=directory, build_on_run=False)
    # 0 = no OpenMP at all: a single-threaded binary.
    prefs.devices.cpp_standalone.openmp_threads = 0
    # Brian2's default is `make -j` (no limit): one g++ per code object at
    # once, which for the microcircuit's 55 synapse objects drove this
    # shared 2-core machine to a load of 100.  Two jobs, as every build here.
    prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
    # Wrap the binary in GNU time: it wait4()s on ./main and writes that
    # process's own ru_maxrss (kB) to a file inside the build directory.
    if not os.access(TIME_BIN, os.X_OK):
        sys.exit(f"{TIME_BIN} (GNU time) is required to measure peak RSS")
    prefs.devices.cpp_standalone.run_cmd_unix = [
        TIME_BIN, "-f", "%M", "-o", RSS_FILE, "./main"]
    return directory, temporary


def run_standalone(directory):
    """Generate, compile and run the standalone project.

    Returns dict with build_s, make_s, run_loop_s, binary_wall_s, peak_rss_mb
    (make_s and binary_wall_s are diagnostics for stderr, not JSON keys).
    """
    from brian2 import device

    t0 = time.perf_counter()
    # with_output=False: the binary's stdout goes to results/stdout.txt.
    device.build(directory=directory, compile=True, run=True,
                 with_output=False)
    build_call_s = time.perf_counter() - t0

    # Wall time of the ./main subprocess (includes loading connectivity from
    # disk, the run loop, and writing results), as timed by Brian2 itself.
    binary_wall_s = device.timers["run_binary"]
    # Code generation + compilation (+ Brian2's small post-run sanity check
    # of state variables) = everything in build() except running the binary.
    build_s = build_call_s - binary_wall_s
    # Time spent inside Network::run() in the binary, as measured by the
    # binary itself. Without OpenMP Brian2 measures it with std::clock(),
    # i.e. process CPU time, which equals wall time for this 1-thread loop.
    run_loop_s = float(device._last_run_time)

    with open(os.path.join(directory, RSS_FILE)) as f:
        peak_rss_kb = int(f.read().split()[-1])

    return {"build_s": round(build_s, 3),
            "make_s": round(device.timers["compile"]["make"], 3),
            "run_loop_s": round(run_loop_s, 3),
            "binary_wall_s": round(binary_wall_s, 3),
            "peak_rss_mb": round(peak_rss_kb / 1024.0, 1)}


def cleanup(directory, temporary):
    if temporary:
        shutil.rmtree(directory, ignore_errors=True)
