"""pylog_seek.py: test_pylog.py's tests of the index sidecar seek
(memspike_log.open_run(t_start_ms=...), read_log(from_tick=...)), in their
own file to keep test_pylog.py short; test_pylog registers them with
register(its module), whose helpers (sh, plot, BIN, TMP, ...) they use.
"""
import os
import struct
import warnings

import numpy as np

import memspike_log

T = None


def register(mod):
    global T
    T = mod
    for fn in (seek_equals_full_read_from_t_start, bad_sidecar_falls_back_with_a_warning,
               plot_from_reads_from_the_sidecar):
        mod.test(fn)


_SEEK = {}


def seek_log():
    """record_kinds.ini plus a multimeter: a log with every kind of record
    and several sidecar entries (made once)."""
    if "log" in _SEEK:
        return _SEEK["log"]
    ini = os.path.join(T.TMP, "seek.ini")
    with open(os.path.join(T.ROOT, "tests", "data", "record_kinds.ini")) as f:
        text = f.read()
    with open(ini, "w") as f:
        f.write(text + "\n[record seek_vm]\npopulation = post\nkind = multimeter\n"
                "neurons = all\nvariables = V_m\ninterval = 0.7\n")
    out = os.path.join(T.TMP, "seek")
    T.sh(T.BIN, "run", ini, "--out", out, "--quiet")
    log = os.path.join(out, "events.rank0.msgpack")
    n = (os.path.getsize(log + ".index") - 24) // 16
    assert n >= 4, "the sidecar of %s holds %d entries, want >= 4" % (log, n)
    _SEEK["log"] = log
    return log


def same_from(run, full, t0):
    """run (opened at tick t0) holds exactly full's data with tick >= t0."""
    res = full.resolution_ms
    assert run.start_tick == t0 and run.end_tick == full.end_tick, (run.start_tick, t0)
    for kind in ("spikes", "weights", "devices", "energy"):
        a, b = getattr(run, kind)(), getattr(full, kind)()
        b = b[np.rint(b["time_ms"] / res).astype(np.int64) >= t0]
        assert a.size == b.size, (kind, t0, a.size, b.size)
        for k in a.dtype.names:
            assert np.array_equal(a[k], b[k], equal_nan=a.dtype[k].kind == "f"), (kind, k, t0)
    a, b = run.samples("seek_vm"), full.samples("seek_vm")
    keep = np.rint(np.asarray(b.times_ms) / res).astype(np.int64) >= t0
    assert np.array_equal(np.asarray(a.times_ms), np.asarray(b.times_ms)[keep]), t0
    assert np.array_equal(np.asarray(a.values), np.asarray(b.values)[keep]), t0


def seek_equals_full_read_from_t_start():
    """open_run(t_start_ms=T) == the full read filtered to tick >= T for
    many T (on and off the grid, on entry ticks, 0, the end), and a seek
    past the first entry reads fewer records than the whole file."""
    log = seek_log()
    full = memspike_log.open_run(log)
    res, end = full.resolution_ms, full.end_tick
    with open(log + ".index", "rb") as f:
        idx = f.read()
    entries = [struct.unpack_from("<Q", idx, 24 + 16 * k)[0] for k in range((len(idx) - 24) // 16)]
    ticks = sorted(set([0, 1, 2, end - 1, end] + entries + [e - 1 for e in entries] +
                       [e + 1 for e in entries] + list(range(0, end, end // 23))) - {end + 1})
    seeks = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # a valid sidecar: no warning
        for t0 in ticks:
            ms = t0 * res
            run = memspike_log.open_run(log, t_start_ms=ms)
            same_from(run, full, t0)
            st = run.files[0].status
            if t0 > entries[0]:
                assert st["indexed"] and st["records"] < full.files[0].status["records"], \
                    (t0, st["records"])
                seeks += 1
    assert seeks >= 10, seeks
    # off the grid: the first tick at or after it
    same_from(memspike_log.open_run(log, t_start_ms=(end - 3.5) * res), full, end - 3)
    # read_log(from_tick) directly
    lf = memspike_log.read_log(log, from_tick=entries[-2] + 5)
    assert lf.status["indexed"] and lf.spikes["tick"].min() >= entries[-2] + 5


def bad_sidecar_falls_back_with_a_warning():
    """A missing, corrupt, stale, partial or misplaced sidecar: a warning
    naming it, a scan from the start, the same result (a partial last
    entry alone is ignored without a warning)."""
    log = seek_log()
    full = memspike_log.open_run(log)
    with open(log + ".index", "rb") as f:
        idx = f.read()
    with open(log, "rb") as f:
        data = f.read()
    n = (len(idx) - 24) // 16
    t0 = struct.unpack_from("<Q", idx, 24 + 16 * (n - 2))[0] + 7
    e1 = 24 + 16 * (n - 3)

    def put(b, at, *v):
        b = bytearray(b)
        struct.pack_into("<" + "Q" * len(v), b, at, *v)
        return bytes(b)
    t_prev, o_prev = struct.unpack_from("<QQ", idx, e1)
    cases = [("missing", None, "no usable index sidecar"),
             ("magic", b"MSPKIDX2" + idx[8:], "magic"),
             ("digest", put(idx, 8, struct.unpack_from("<Q", idx, 8)[0] ^ 1), "digest"),
             ("first", put(idx, 16, struct.unpack_from("<Q", idx, 16)[0] + 1), "first-record"),
             ("order", put(idx, e1 + 16, t_prev, o_prev + 10), "does not increase"),
             ("beyond", put(idx, 24 + 16 * (n - 1), 1 << 40, len(data) + 1), "beyond"),
             ("short", idx[:20], "not an index sidecar"),
             ("misplaced", put(idx, 24 + 16 * (n - 2),
                               *[x + d for x, d in zip(struct.unpack_from("<QQ", idx, 24 + 16 * (n - 2)), (0, 1))]),
              "does not decode"),
             ("partial", idx + b"\x01\x02\x03", None)]
    d = os.path.join(T.TMP, "badidx")
    os.makedirs(d, exist_ok=True)
    for name, side, why in cases:
        p = os.path.join(d, name + ".msgpack")
        with open(p, "wb") as f:
            f.write(data)
        if os.path.exists(p + ".index"):
            os.remove(p + ".index")
        if side is not None:
            with open(p + ".index", "wb") as f:
                f.write(side)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            run = memspike_log.open_run(p, t_start_ms=t0 * full.resolution_ms)
        msgs = [str(x.message) for x in w]
        st = run.files[0].status
        if why is None:
            assert not msgs and st["indexed"], (name, msgs)
        else:
            assert len(msgs) == 1 and why in msgs[0] and p + ".index" in msgs[0] \
                and "from the start" in msgs[0], (name, msgs)
            assert not st["indexed"] and st["records"] == full.files[0].status["records"], name
        same_from(run, full, t0)


def plot_from_reads_from_the_sidecar():
    """memspike plot --from: the window from there (a seek), a PNG."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise T.Skip("python3-matplotlib not installed: make deps")
    log = seek_log()
    png = os.path.join(T.TMP, "plot_seek.png")
    r = T.plot("raster", log, "--out", png, "--from", "1800")
    assert "wrote " + png in r.stdout, r.stdout
    T.png_size(png)
    r = T.plot("raster", log, "--out", png, "--from", "2500", want=1)
    assert "2500" in r.stderr, r.stderr

