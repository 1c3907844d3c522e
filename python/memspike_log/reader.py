"""reader.py: one memspike event log file (docs/log-format.md, versions 1
and 2), decoded into numpy arrays with the C reader's rules
(io/io_log_read.c):

- every complete record is returned; a file that stops without an end
  record is *truncated*: status says after which record, at which byte, and
  how many bytes of an incomplete record were dropped;
- anything else that is wrong raises LogError (a ValueError) naming the
  file, the record index (header = 0), its byte offset, the field and what
  was expected.

read_log(path) -> LogFile.  Merging the files of a run is run.py.
"""
import math
import os
import struct
import warnings

import msgpack
import numpy as np

from . import _varint

FORMAT = "memspike-log"
VERSIONS = (1, 2)
SPIKES, SAMPLES, WINDOW, DEVICES, ENERGY, PACKED, WEIGHTS, END = 1, 2, 3, 4, 5, 6, 7, 9
CODES_V1 = (SPIKES, SAMPLES, WINDOW, END)
CODES_V2 = (SPIKES, SAMPLES, WINDOW, DEVICES, ENERGY, PACKED, WEIGHTS, END)
HEADER_KEYS = ("format", "version", "config", "digest", "seed", "rank", "nranks",
               "resolution_ms", "duration_ms", "units", "populations", "recorders")
REC_KINDS_V1 = ("spikes", "state")
REC_KINDS_V2 = ("spikes", "state", "weights", "devices", "energy")
INT64_MAX = (1 << 63) - 1
UINT32_MAX = (1 << 32) - 1

SPIKE_DTYPE = np.dtype([("tick", np.int64), ("gid", np.uint32)])
WEIGHT_FIELDS = [("tick", np.int64), ("recorder", np.uint32), ("pre", np.uint32),
                 ("post", np.uint32), ("weight", np.float64), ("g", np.float64)]
DEVICE_FIELDS = [("tick", np.int64), ("projection", np.uint32), ("pre", np.uint32),
                 ("post", np.uint32), ("pulses", np.int32), ("g", np.float64)]
ENERGY_FIELDS = [("tick", np.int64), ("component", np.uint32), ("reads", np.uint64),
                 ("pulses", np.uint64), ("updates", np.uint64), ("spikes", np.uint64),
                 ("read_pj", np.float64), ("write_pj", np.float64)]


class LogError(ValueError):
    """A log that is not a valid memspike event log (not truncation)."""


def _type(v):
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, int):
        return "an integer"
    if isinstance(v, float):
        return "a float"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, (bytes, bytearray)):
        return "a bin"
    if isinstance(v, (list, tuple)):
        return "an array"
    if isinstance(v, dict):
        return "a map"
    if v is None:
        return "nil"
    return type(v).__name__


def _is_uint(v, hi=(1 << 64) - 1):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= hi


def _is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class LogFile:
    """One decoded log file.

    header   the header map (as msgpack decodes it)
    t_start  the header's start tick (0 when absent)
    version  1 or 2
    spikes   structured array (tick int64, gid uint32) in file order:
             sorted by (tick, gid)
    samples  {recorder index: (ticks int64 (T,), values float64 (T, ngids*nvars))}
    weights, devices, energy: structured arrays (tick first; see *_FIELDS)
    status   dict: records, good_bytes, partial_bytes, truncated, ended,
             complete_tick, spikes, samples, weights, devices, energy
    """

    def __init__(self, path):
        self.path = path
        self.header = None
        self.version = None
        self.spikes = np.zeros(0, SPIKE_DTYPE)
        self.samples = {}
        self.weights = np.zeros(0, WEIGHT_FIELDS)
        self.devices = np.zeros(0, DEVICE_FIELDS)
        self.energy = np.zeros(0, ENERGY_FIELDS)
        self.status = {}

    @property
    def rank(self):
        return self.header["rank"]

    @property
    def t_start(self):
        """The tick the log starts at: header "t_start" (a run resumed from a
        checkpoint into new rank files), 0 when absent."""
        return self.header.get("t_start", 0)

    @property
    def complete_tick(self):
        return self.status["complete_tick"]

    def describe_status(self):
        st = self.status
        if st["ended"]:
            return "complete, final tick %d" % st["complete_tick"]
        return ("truncated after record %d at byte %d (%s), complete up to tick %d"
                % (st["records"], st["good_bytes"],
                   "%d bytes of an incomplete record dropped" % st["partial_bytes"]
                   if st["partial_bytes"] else "no end record", st["complete_tick"]))


# ------------------------------------------------------------------ header

def _header_error(path, where, msg):
    return LogError("%s: %s: %s" % (path, where, msg))


def _get(path, m, where, key, check, what):
    if key not in m:
        raise _header_error(path, where, 'field "%s" is missing (expected %s)' % (key, what))
    v = m[key]
    if not check(v):
        raise _header_error(path, where, 'field "%s" must be %s, found %s'
                            % (key, what, _type(v) if not _is_num(v) else repr(v)))
    return v


def _check_header(path, h):
    if not isinstance(h, dict):
        raise LogError("%s: not a memspike log: the header must be a map, found %s"
                       % (path, _type(h)))
    if h.get("format") != FORMAT:
        raise LogError('%s: not a memspike log: header field "format" is %r, expected "%s"'
                       % (path, h.get("format"), FORMAT))
    v = h.get("version")
    if v not in VERSIONS or isinstance(v, bool):
        raise LogError('%s: header field "version" is %r; this reader knows versions 1 and 2'
                       % (path, v))
    keys = HEADER_KEYS + (("projections",) if v == 2 else ())
    for k in keys:
        if k not in h:
            raise LogError('%s: header: field "%s" is missing' % (path, k))
    w = "header"
    for k in ("digest", "seed"):
        _get(path, h, w, k, _is_uint, "an unsigned integer")
    _get(path, h, w, "nranks", lambda x: _is_uint(x) and x >= 1, "an integer >= 1")
    _get(path, h, w, "rank", lambda x: _is_uint(x) and x < h["nranks"],
         "an integer in [0, nranks = %d)" % h["nranks"])
    _get(path, h, w, "resolution_ms", lambda x: _is_num(x) and x > 0, "a number > 0")
    if "t_start" in h:  # optional: a log resumed into new rank files starts there
        _get(path, h, w, "t_start", lambda x: _is_uint(x, INT64_MAX), "a tick (uint, <= 2^63-1)")
    _get(path, h, w, "config", lambda x: isinstance(x, str), "a string")
    _get(path, h, w, "units", lambda x: isinstance(x, dict) and all(
        isinstance(a, str) and isinstance(b, str) for a, b in x.items()),
        "a map of strings to strings")
    pops = _get(path, h, w, "populations", lambda x: isinstance(x, list), "an array")
    end = 0
    for i, p in enumerate(pops):
        wp = "header: populations[%d]" % i
        if not isinstance(p, dict):
            raise _header_error(path, wp, "must be a map {name, model, first_gid, n}, found "
                                + _type(p))
        _get(path, p, wp, "name", lambda x: isinstance(x, str), "a string")
        _get(path, p, wp, "model", lambda x: isinstance(x, str), "a string")
        f = _get(path, p, wp, "first_gid", lambda x: _is_uint(x, UINT32_MAX), "a uint32")
        n = _get(path, p, wp, "n", lambda x: _is_uint(x, UINT32_MAX), "a uint32")
        if f < end or f + n > 1 << 32:
            raise _header_error(path, "%s (%s)" % (wp, p["name"]), "gids [%d, %d) overlap the "
                                "population before it or exceed 2^32" % (f, f + n))
        end = f + n
    nproj = 0
    if v == 2:
        projs = _get(path, h, w, "projections", lambda x: isinstance(x, list), "an array")
        for i, q in enumerate(projs):
            wq = "header: projections[%d]" % i
            if not isinstance(q, dict):
                raise _header_error(path, wq, "must be a map {name, source, target, kind, "
                                    "device}, found " + _type(q))
            _get(path, q, wq, "name", lambda x: isinstance(x, str), "a string")
            for k in ("source", "target"):
                _get(path, q, wq, k, lambda x: _is_uint(x) and x < len(pops),
                     "a population index < %d" % len(pops))
            _get(path, q, wq, "kind", lambda x: isinstance(x, str), "a string")
            _get(path, q, wq, "device", lambda x: isinstance(x, str), "a string")
        nproj = len(projs)
    recs = _get(path, h, w, "recorders", lambda x: isinstance(x, list), "an array")
    kinds = REC_KINDS_V2 if v == 2 else REC_KINDS_V1
    for i, r in enumerate(recs):
        wr = "header: recorders[%d]" % i
        if not isinstance(r, dict):
            raise _header_error(path, wr, "must be a map, found " + _type(r))
        name = _get(path, r, wr, "name", lambda x: isinstance(x, str), "a string")
        wr = "%s (%s)" % (wr, name)
        kind = _get(path, r, wr, "kind", lambda x: x in kinds,
                    " or ".join('"%s"' % k for k in kinds))
        pop = _get(path, r, wr, "population", lambda x: _is_uint(x) and x < max(len(pops), 1),
                   "a population index < %d" % len(pops))
        first = _get(path, r, wr, "first", lambda x: _is_uint(x, UINT32_MAX), "a uint32")
        count = _get(path, r, wr, "count", lambda x: _is_uint(x, UINT32_MAX), "a uint32")
        if kind in ("spikes", "state") and first + count > pops[pop]["n"]:
            raise _header_error(path, wr, "neurons [%d, %d) beyond population %s of %d"
                                % (first, first + count, pops[pop]["name"], pops[pop]["n"]))
        _get(path, r, wr, "interval_ms", lambda x: _is_num(x) and x >= 0, "a number >= 0")
        _get(path, r, wr, "variables", lambda x: isinstance(x, list) and all(
            isinstance(s, str) for s in x), "an array of strings")
        if kind == "state":
            if not r["variables"]:
                raise _header_error(path, wr, "a state recorder needs at least one variable")
            g = _get(path, r, wr, "gids", lambda x: isinstance(x, list), "an array of gids")
            f0 = pops[pop]["first_gid"]
            lo, hi = f0 + first, f0 + first + count
            prev = -1
            for j, x in enumerate(g):
                if not (_is_uint(x) and lo <= x < hi and x > prev):
                    raise _header_error(path, wr, "gids[%d] must be an ascending gid in "
                                        "[%d, %d)" % (j, lo, hi))
                prev = x
        if kind in ("weights", "devices"):
            _get(path, r, wr, "projection", lambda x: _is_uint(x) and x < nproj,
                 "a projection index < %d" % nproj)
        if kind == "weights":
            _get(path, r, wr, "sample", lambda x: _is_num(x) and 0 < x <= 1,
                 "a number in (0, 1]")
    return h


# ----------------------------------------------------------------- records

class _Ctx:
    """Where a record is, for messages."""

    def __init__(self, path, index, offset):
        self.path, self.index, self.offset = path, index, offset
        self.seeked = False

    def error(self, msg):
        return LogError("%s: record %d%s at byte %d: %s"
                        % (self.path, self.index, " after the seek point" if self.seeked else "",
                           self.offset, msg))


def _ticks_after(ctx, what, v, last, strict):
    if not _is_uint(v, INT64_MAX):
        raise ctx.error("%s must be a tick (an integer >= 0), found %s" % (what, _type(v)))
    if (v <= last) if strict else (v < last):
        raise ctx.error("%s %d %s the previous window end %d"
                        % (what, v, "does not follow" if strict else "lies before", last))
    return v


def _uint_array(ctx, what, a, hi, dtype):
    if not isinstance(a, list):
        raise ctx.error("%s must be an array, found %s" % (what, _type(a)))
    if not a:
        return np.zeros(0, dtype)
    # the fast path: Python ints only (no bool, float or other type), in range
    if set(map(type, a)) == {int}:
        try:
            v = np.array(a)
        except (ValueError, OverflowError):
            v = None
        if v is not None and v.dtype.kind in "iu" and v.min() >= 0 and v.max() <= hi:
            return v.astype(dtype)
    for i, x in enumerate(a):
        if not _is_uint(x, hi):
            raise ctx.error("%s[%d] must be an integer in [0, %d], found %s"
                            % (what, i, hi, repr(x) if _is_num(x) else _type(x)))
    return np.array(a, dtype=dtype)


def _num_array(ctx, what, a):
    if not isinstance(a, list):
        raise ctx.error("%s must be an array, found %s" % (what, _type(a)))
    if set(map(type, a)) <= {int, float}:
        try:
            return np.array(a, dtype=np.float64)
        except OverflowError:
            pass
    for i, x in enumerate(a):
        if not _is_num(x):
            raise ctx.error("%s[%d] must be a number, found %s" % (what, i, _type(x)))
    for i, x in enumerate(a):
        try:
            float(x)
        except OverflowError:
            raise ctx.error("%s[%d] is an integer beyond the float64 range" % (what, i)) from None
    return np.array(a, dtype=np.float64)


class _Pops:
    """gid -> known?, for validation."""

    def __init__(self, pops):
        self.first = np.array([p["first_gid"] for p in pops], dtype=np.int64)
        self.end = self.first + np.array([p["n"] for p in pops], dtype=np.int64)

    def bad(self, gids):
        """Index of the first gid that names no neuron, or -1."""
        if gids.size == 0:
            return -1
        if self.first.size == 0:
            return 0
        g = gids.astype(np.int64)
        i = np.searchsorted(self.first, g, side="right") - 1
        ok = (i >= 0) & (g < self.end[np.maximum(i, 0)])
        return -1 if ok.all() else int(np.argmin(ok))


def _check_sorted(ctx, ticks, gids, what):
    if ticks.size > 1:
        dt = np.diff(ticks)
        dg = np.diff(gids.astype(np.int64))
        bad = (dt < 0) | ((dt == 0) & (dg < 0))
        if bad.any():
            raise ctx.error("%s %d: spikes must be sorted by (tick, gid)"
                            % (what, int(np.argmax(bad)) + 1))


def _decode_packed(ctx, rec, last, pops):
    if len(rec) != 5:
        raise ctx.error("packed spike block: expected 5 elements [6, window_end, base_tick, "
                        "nspikes, bin], found %d" % len(rec))
    _, wend, base, nsp, payload = rec
    _ticks_after(ctx, "packed spike block: window_end", wend, last, True)
    _ticks_after(ctx, "packed spike block: base_tick", base, last, False)
    if not _is_uint(nsp):
        raise ctx.error("packed spike block: nspikes must be an unsigned integer, found "
                        + _type(nsp))
    if not isinstance(payload, (bytes, bytearray)):
        raise ctx.error("packed spike block: field 5 (payload) must be a bin, found "
                        + _type(payload))
    try:
        vals = _varint.decode(payload)
    except _varint.VarintError as e:
        raise ctx.error("packed spike block: payload: %s" % e)
    ticks = np.empty(nsp if nsp <= len(payload) else 0, dtype=np.int64)
    gids = np.empty(ticks.size, dtype=np.int64)
    i = n = 0
    tick = base
    nv = vals.size
    while i < nv:
        if i + 1 >= nv:
            raise ctx.error("packed spike block: payload: tick group at varint %d has no "
                            "count" % i)
        tick += int(vals[i])
        cnt = int(vals[i + 1])
        if tick > INT64_MAX:
            raise ctx.error("packed spike block: payload: tick group at varint %d: tick "
                            "exceeds 2^63 - 1" % i)
        if not base <= tick < wend:
            raise ctx.error("packed spike block: payload: tick group at varint %d: tick %d "
                            "is not in [base_tick %d, window_end %d)" % (i, tick, base, wend))
        if cnt < 1:
            raise ctx.error("packed spike block: payload: tick group at varint %d: count must "
                            "be >= 1" % i)
        if i + 2 + cnt > nv:
            raise ctx.error("packed spike block: payload: tick group at varint %d: count %d "
                            "runs past the payload (%d varints)" % (i, cnt, nv))
        if n + cnt > ticks.size:
            raise ctx.error("packed spike block: the payload holds more than nspikes = %d "
                            "spikes" % nsp)
        gaps = vals[i + 2:i + 2 + cnt]
        if np.any(gaps > np.uint64(UINT32_MAX)):
            raise ctx.error("packed spike block: payload: tick group at varint %d: gid gap "
                            "exceeds 2^32 - 1" % i)
        g = np.cumsum(gaps.astype(np.int64))
        if g[-1] > UINT32_MAX:
            raise ctx.error("packed spike block: payload: tick group at varint %d: gid %d "
                            "exceeds 2^32 - 1" % (i, int(g[-1])))
        ticks[n:n + cnt] = tick
        gids[n:n + cnt] = g
        n += cnt
        i += 2 + cnt
    if n != nsp:
        raise ctx.error("packed spike block: nspikes is %d, the payload holds %d" % (nsp, n))
    b = pops.bad(gids)
    if b >= 0:
        raise ctx.error("packed spike block: spike %d: gid %d names no neuron of a population "
                        "in the header" % (b, gids[b]))
    return wend, ticks, gids.astype(np.uint32)


def _decode_spikes(ctx, rec, last, pops):
    if len(rec) != 5:
        raise ctx.error("spike block: expected 5 elements [1, window_end, base_tick, "
                        "[dtick...], [gid...]], found %d" % len(rec))
    _, wend, base, dts, gs = rec
    _ticks_after(ctx, "spike block: window_end", wend, last, True)
    _ticks_after(ctx, "spike block: base_tick", base, last, False)
    if not isinstance(dts, list) or not isinstance(gs, list) or len(dts) != len(gs):
        raise ctx.error("spike block: expected two arrays of equal length (tick offsets, gids)")
    if wend <= base:
        raise ctx.error("spike block: base tick %d is not before the window end %d"
                        % (base, wend))
    d = _uint_array(ctx, "spike block: tick offsets", dts, wend - base - 1, np.int64)
    g = _uint_array(ctx, "spike block: gids", gs, UINT32_MAX, np.uint32)
    b = pops.bad(g)
    if b >= 0:
        raise ctx.error("spike %d: gid must be an integer naming a neuron of a population in "
                        "the header" % b)
    return wend, base + d, g


def _str_keys(pairs):
    return {k: v for k, v in pairs if isinstance(k, str)}


_IDX_MAGIC = b"MSPKIDX1"


def _sidecar_entry(path, size, digest, first_off, at):
    """The sidecar entry (tick, offset) to start a read for tick `at` from
    (docs/log-format.md section 9), or (None, why) when PATH.index is
    missing or does not fit the log."""
    ipath = path + ".index"
    try:
        with open(ipath, "rb") as f:
            data = f.read()
    except OSError as e:
        return None, "%s: no usable index sidecar (%s)" % (ipath, e.strerror)
    if len(data) < 24 or data[:8] != _IDX_MAGIC:
        return None, "%s: not an index sidecar (magic MSPKIDX1 expected)" % ipath
    d, h = struct.unpack_from("<QQ", data, 8)
    if d != digest:
        return None, ("%s: digest %d differs from the log's %d (another run's index)"
                      % (ipath, d, digest))
    if h != first_off:
        return None, ("%s: first-record offset %d differs from the log's %d"
                      % (ipath, h, first_off))
    n = (len(data) - 24) // 16          # a partial last entry is ignored
    best = (0, first_off)
    pt, po = -1, first_off - 1
    for k in range(n):
        t, o = struct.unpack_from("<QQ", data, 24 + 16 * k)
        if t <= pt or o <= po:
            return None, "%s: entry %d does not increase in tick and offset" % (ipath, k + 1)
        if o > size:
            return None, ("%s: entry %d points at byte %d beyond the log's %d bytes"
                          % (ipath, k + 1, o, size))
        if t <= at:
            best = (t, o)
        pt, po = t, o
    return best, None


def read_log(path, from_tick=None, from_ms=None):
    """Decode the log at path into a LogFile (LogError on a bad file).

    from_tick (or from_ms, converted with the header's resolution) keeps
    only what has a tick >= it; with a valid index sidecar the read starts
    at its last entry at or before that tick instead of the start (a
    sidecar that does not fit the log: warnings.warn and a full scan).
    After a seek status["records"] counts the records read from the seek
    point, status["indexed"] is True and the end record's counts are not
    compared (they count the whole file)."""
    lf = LogFile(path)
    try:
        size = os.path.getsize(path)
        f = open(path, "rb")
    except OSError as e:
        raise LogError("%s: cannot open the event log: %s" % (path, e.strerror)) from None
    lim = max(size, 16)
    with f:
        # Limits as large as the file: a length no file this size can hold
        # reads as a cut-off value (like the C reader's extent scan), and a
        # corrupt length never asks for gigabytes.
        # Maps keep their string keys only: readers look keys up by name, so
        # any other key (even an array, which Python cannot hash) is ignored
        # like an unknown key, as the C reader does.
        unp = msgpack.Unpacker(f, raw=False, strict_map_key=False, max_buffer_size=max(lim, 1 << 20),
                               object_pairs_hook=_str_keys,
                               max_str_len=lim, max_bin_len=lim, max_array_len=lim,
                               max_map_len=lim, max_ext_len=lim)
        if size == 0:
            raise LogError("%s: empty file: expected a memspike log header" % path)
        if f.read(8) == b"MSPKIDX1":
            raise LogError("%s: an index sidecar (MSPKIDX1), not an event log: give the log "
                           "it indexes" % path)
        f.seek(0)
        try:
            h = unp.unpack()
        except msgpack.OutOfData:
            raise LogError("%s: header incomplete: the file ends at byte %d" % (path, size)) from None
        except (ValueError, TypeError, msgpack.UnpackException) as e:
            # TypeError: a map key msgpack cannot hash (an array)
            raise LogError("%s: header: cannot decode (%s)" % (path, e)) from None
        lf.header = _check_header(path, h)
        lf.version = h["version"]
        codes = CODES_V2 if lf.version == 2 else CODES_V1
        pops = _Pops(h["populations"])
        recs = h["recorders"]
        nprojs = len(h.get("projections", [])) if lf.version == 2 else 0
        ncomp = nprojs + len(h["populations"]) + 1
        nval = [len(r.get("gids", [])) * len(r["variables"]) if r["kind"] == "state" else 0
                for r in recs]
        first_off = unp.tell()
        if from_tick is None and from_ms is not None:
            x = float(from_ms) / h["resolution_ms"]
            r = round(x)
            from_tick = int(r) if abs(x - r) <= 1e-9 * max(abs(x), 1) else int(math.ceil(x))
        if from_tick is not None:
            from_tick = max(0, int(from_tick))
        # Rows stamped with a window end e (weights, energy) sit before the
        # mark of e: seek one tick earlier, as io_replay does.
        seek_at = from_tick - 1 if from_tick else 0
        entry = None
        if seek_at > 0:
            entry, why = _sidecar_entry(path, size, h["digest"], first_off, seek_at)
            if entry is None:
                warnings.warn("%s; reading the log from the start" % why, stacklevel=2)

        def mkunp(off):
            f.seek(off)
            return msgpack.Unpacker(f, raw=False, strict_map_key=False,
                                    max_buffer_size=max(lim, 1 << 20),
                                    object_pairs_hook=_str_keys,
                                    max_str_len=lim, max_bin_len=lim, max_array_len=lim,
                                    max_map_len=lim, max_ext_len=lim)
        base = 0
        if entry is not None and entry[1] > first_off:
            base = entry[1]
            unp = mkunp(base)
        else:
            entry = None
        seeked = entry is not None
        st = {"records": 0, "good_bytes": base + unp.tell(), "partial_bytes": 0,
              "truncated": False, "ended": False, "complete_tick": entry[0] if seeked else 0,
              "spikes": 0, "samples": 0, "weights": 0, "devices": 0, "energy": 0,
              "indexed": seeked, "seek_offset": base if seeked else None,
              "from_tick": from_tick}
        last = st["complete_tick"]
        sp_t, sp_g = [], []
        samp = {}
        wts, devs, ens = [], [], []
        while True:
            try:
                off = base + unp.tell()
                ctx = _Ctx(path, st["records"] + 1, off)
                ctx.seeked = seeked
                try:
                    rec = unp.unpack()
                except msgpack.OutOfData:
                    break
                except ValueError as e:
                    if "exceeds max_" in str(e):   # a length beyond the file: cut off
                        break
                    raise ctx.error("cannot decode (%s)" % e) from None
                except (TypeError, msgpack.UnpackException) as e:
                    raise ctx.error("cannot decode (%s)" % e) from None
                if st["ended"]:
                    raise ctx.error("data after the end record")
                if not isinstance(rec, list):
                    raise ctx.error("expected an array [type code, ...], found " + _type(rec))
                if not rec or not _is_uint(rec[0]) or rec[0] == 0:
                    raise ctx.error("the first element of a record (its type code) must be a "
                                    "positive integer, found "
                                    + (_type(rec[0]) if rec else "an empty array"))
                code = rec[0]
                if code not in codes:
                    if 64 <= code <= 127:
                        pass                        # optional record: skipped
                    elif code in CODES_V2:
                        raise ctx.error("type code %d is not part of format version 1 (a version-2 "
                                        "record in a version-1 file)" % code)
                    else:
                        raise ctx.error("unknown record type code %d (codes 1-63 are critical: "
                                        "this reader cannot interpret the file)" % code)
                elif code in (SPIKES, PACKED):
                    dec = _decode_spikes if code == SPIKES else _decode_packed
                    wend, t, g = dec(ctx, rec, last, pops)
                    _check_sorted(ctx, t, g, "spike")
                    sp_t.append(t)
                    sp_g.append(g)
                    st["spikes"] += t.size
                    last = st["complete_tick"] = wend
                elif code == SAMPLES:
                    if len(rec) != 4:
                        raise ctx.error("sample record: expected 4 elements [2, recorder, tick, "
                                        "[value...]], found %d" % len(rec))
                    ri = rec[1]
                    if not (_is_uint(ri) and ri < len(recs) and nval[ri] > 0):
                        raise ctx.error("sample record: recorder must be the index of a state "
                                        "recorder of the header")
                    t = _ticks_after(ctx, "sample record: tick", rec[2], last, False)
                    v = rec[3]
                    if not isinstance(v, list) or len(v) != nval[ri]:
                        raise ctx.error("sample record: expected an array of %d values (%d neurons "
                                        "x %d variables of recorder %s)"
                                        % (nval[ri], len(recs[ri]["gids"]),
                                           len(recs[ri]["variables"]), recs[ri]["name"]))
                    samp.setdefault(ri, ([], []))
                    samp[ri][0].append(t)
                    samp[ri][1].append(_num_array(ctx, "sample record: values", v))
                    st["samples"] += 1
                elif code == WINDOW:
                    if len(rec) != 2:
                        raise ctx.error("window end: expected [3, tick]")
                    last = st["complete_tick"] = _ticks_after(ctx, "window end", rec[1], last, True)
                elif code == DEVICES:
                    devs.append(_decode_devices(ctx, rec, last, nprojs))
                    st["devices"] += 1
                elif code == ENERGY:
                    ens.append(_decode_energy(ctx, rec, last, ncomp))
                    st["energy"] += 1
                elif code == WEIGHTS:
                    wts.append(_decode_weights(ctx, rec, last, recs))
                    st["weights"] += 1
                elif code == END:
                    if len(rec) != 3 or not isinstance(rec[2], dict):
                        raise ctx.error("end record: expected [9, final_tick, {summary}]")
                    t = _ticks_after(ctx, "end record: final tick", rec[1], last, False)
                    keys = ("spikes", "samples", "windows") + (
                        ("devices", "energy", "weights") if lf.version >= 2 else ())
                    for k in keys:
                        if not _is_uint(rec[2].get(k)):
                            raise ctx.error('end record: summary field "%s" must be an unsigned '
                                            'integer' % k)
                    if seeked:
                        pass    # after a seek the counts start there: not compared
                    elif rec[2]["spikes"] != st["spikes"] or rec[2]["samples"] != st["samples"]:
                        raise ctx.error("end record counts %d spikes and %d samples, the file "
                                        "holds %d and %d" % (rec[2]["spikes"], rec[2]["samples"],
                                                             st["spikes"], st["samples"]))
                    if not seeked and lf.version >= 2 and any(rec[2][k] != st[k] for k in keys[3:]):
                        raise ctx.error("end record counts %d device-write, %d energy and %d "
                                        "weight records, the file holds %d, %d and %d"
                                        % tuple([rec[2][k] for k in keys[3:]] +
                                                [st[k] for k in keys[3:]]))
                    st["ended"] = True
                    st["complete_tick"] = t
                st["records"] += 1
                st["good_bytes"] = base + unp.tell()
            except LogError as e:
                if not (seeked and st["records"] == 0):
                    raise
                # The record at the sidecar's offset does not decode: the
                # index does not fit this log.  Scan from the start.
                warnings.warn("%s.index: the record at its offset %d does not decode (%s); "
                              "reading the log from the start" % (path, base, e), stacklevel=2)
                seeked = False
                base = 0
                unp = mkunp(first_off)
                base = first_off
                st.update(records=0, complete_tick=0, indexed=False, seek_offset=None,
                          good_bytes=first_off)
                last = 0
    st["truncated"] = not st["ended"]
    st["partial_bytes"] = size - st["good_bytes"]
    lf.status = st
    if sp_t:
        t = np.concatenate(sp_t)
        lf.spikes = np.empty(t.size, SPIKE_DTYPE)
        lf.spikes["tick"] = t
        lf.spikes["gid"] = np.concatenate(sp_g)
    for ri, (ts, vs) in samp.items():
        lf.samples[ri] = (np.array(ts, dtype=np.int64), np.vstack(vs))
    if wts:
        lf.weights = np.concatenate(wts)
    if devs:
        lf.devices = np.concatenate(devs)
    if ens:
        lf.energy = np.concatenate(ens)
    if from_tick:
        # Exactly [from_tick, end): what a seek read before it is dropped.
        lf.spikes = lf.spikes[lf.spikes["tick"] >= from_tick]
        for ri, (ts, vs) in list(lf.samples.items()):  # kept when empty: the gids
            k = ts >= from_tick
            lf.samples[ri] = (ts[k], vs[k])
        lf.weights = lf.weights[lf.weights["tick"] >= from_tick]
        lf.devices = lf.devices[lf.devices["tick"] >= from_tick]
        lf.energy = lf.energy[lf.energy["tick"] >= from_tick]
    return lf


def _decode_devices(ctx, rec, last, nprojs):
    if len(rec) != 9:
        raise ctx.error("device writes: expected 9 elements [4, window_end, proj, base_tick, "
                        "[dtick...], [pre...], [post...], [pulses...], [g...]], found %d"
                        % len(rec))
    _, wend, proj, base = rec[:4]
    _ticks_after(ctx, "device writes: window_end", wend, last, True)
    _ticks_after(ctx, "device writes: base_tick", base, last, False)
    if not (_is_uint(proj) and proj < nprojs):
        raise ctx.error("device writes: proj must be a projection index < %d" % nprojs)
    arrs = rec[4:]
    if not all(isinstance(a, list) for a in arrs) or len({len(a) for a in arrs}) != 1:
        raise ctx.error("device writes: expected five arrays of equal length (dtick, pre, post, "
                        "pulses, g)")
    if wend <= base and arrs[0]:
        raise ctx.error("device writes: base tick %d is not before the window end %d"
                        % (base, wend))
    n = len(arrs[0])
    out = np.zeros(n, DEVICE_FIELDS)
    out["tick"] = base + _uint_array(ctx, "device writes: dtick", arrs[0],
                                     max(wend - base - 1, 0), np.int64)
    out["projection"] = proj
    out["pre"] = _uint_array(ctx, "device writes: pre", arrs[1], UINT32_MAX, np.uint32)
    out["post"] = _uint_array(ctx, "device writes: post", arrs[2], UINT32_MAX, np.uint32)
    for i, x in enumerate(arrs[3]):
        if not (isinstance(x, int) and not isinstance(x, bool) and -2**31 <= x < 2**31):
            raise ctx.error("device writes: pulses[%d] must be an int32, found %s"
                            % (i, repr(x) if _is_num(x) else _type(x)))
    out["pulses"] = np.array(arrs[3], dtype=np.int32)
    out["g"] = _num_array(ctx, "device writes: g", arrs[4])
    return out


def _decode_energy(ctx, rec, last, ncomp):
    if len(rec) != 3 or not isinstance(rec[2], list):
        raise ctx.error("energy counters: expected [5, window_end, [[component, reads, pulses, "
                        "updates, spikes, read_pj, write_pj], ...]]")
    wend = _ticks_after(ctx, "energy counters: window_end", rec[1], last, True)
    rows = rec[2]
    out = np.zeros(len(rows), ENERGY_FIELDS)
    prev = -1
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != 7:
            raise ctx.error("energy counters: row %d: expected [component, reads, pulses, "
                            "updates, spikes, read_pj, write_pj]" % i)
        if not (_is_uint(row[0]) and prev < row[0] < ncomp):
            raise ctx.error("energy counters: row %d: component must be ascending and < %d "
                            "(projections, populations, transport)" % (i, ncomp))
        prev = row[0]
        for j, k in enumerate(("reads", "pulses", "updates", "spikes")):
            if not _is_uint(row[1 + j]):
                raise ctx.error("energy counters: row %d: %s must be an unsigned integer, "
                                "found %s" % (i, k, _type(row[1 + j])))
        for j, k in enumerate(("read_pj", "write_pj")):
            if not _is_num(row[5 + j]):
                raise ctx.error("energy counters: row %d: %s must be a number, found %s"
                                % (i, k, _type(row[5 + j])))
        out[i] = (wend,) + tuple(row)
    return out


def _decode_weights(ctx, rec, last, recs):
    if len(rec) != 7:
        raise ctx.error("weight snapshot: expected 7 elements [7, tick, rec, [pre...], "
                        "[post...], [w...], [g...]], found %d" % len(rec))
    _, tick, ri, pre, post, w, g = rec
    _ticks_after(ctx, "weight snapshot: tick", tick, last, False)
    if not (_is_uint(ri) and ri < len(recs) and recs[ri]["kind"] == "weights"):
        raise ctx.error("weight snapshot: rec must be the index of a weights recorder of the "
                        "header")
    if not all(isinstance(a, list) for a in (pre, post, w, g)) or \
            not len(pre) == len(post) == len(w) or len(g) not in (0, len(w)):
        raise ctx.error("weight snapshot: expected arrays pre, post, w of equal length and g "
                        "empty or of that length")
    out = np.zeros(len(w), WEIGHT_FIELDS)
    out["tick"] = tick
    out["recorder"] = ri
    out["pre"] = _uint_array(ctx, "weight snapshot: pre", pre, UINT32_MAX, np.uint32)
    out["post"] = _uint_array(ctx, "weight snapshot: post", post, UINT32_MAX, np.uint32)
    out["weight"] = _num_array(ctx, "weight snapshot: w", w)
    out["g"] = _num_array(ctx, "weight snapshot: g", g) if g else np.nan
    return out
