"""pylog_v2fixture.py: synthetic version-2 event logs for tests/test_pylog.py,
packed with msgpack as docs/log-format.md specifies (header with
projections and weights/devices/energy recorders; packed spike blocks,
device writes, energy counters, weight snapshots, an end record with
their counts), and the same spikes as version-1 records."""
import msgpack
import numpy as np

from memspike_log import _varint

V2_POPS = [{"name": "A", "model": "iaf_psc_delta", "first_gid": 0, "n": 100},
           {"name": "B", "model": "iaf_psc_exp", "first_gid": 100, "n": 200000}]
V2_PROJS = [{"name": "AB", "source": 0, "target": 1, "kind": "device", "device": "ecram"},
            {"name": "BB", "source": 1, "target": 1, "kind": "static", "device": ""}]


def v2_header(rank=0, nranks=1, version=2):
    recs = [{"name": "sA", "population": 0, "kind": "spikes", "first": 0, "count": 100,
             "variables": [], "interval_ms": 0.0},
            {"name": "sB", "population": 1, "kind": "spikes", "first": 0, "count": 200000,
             "variables": [], "interval_ms": 0.0}]
    h = {"format": "memspike-log", "version": version, "config": "syn.ini",
         "digest": 0x1234, "seed": 3, "rank": rank, "nranks": nranks, "resolution_ms": 0.1,
         "duration_ms": 50.0,
         "units": {"time": "ms", "weight": "pA", "conductance": "uS", "energy": "pJ"},
         "populations": V2_POPS, "recorders": recs}
    if version == 2:
        recs += [{"name": "W", "population": 1, "kind": "weights", "first": 0, "count": 0,
                  "variables": [], "interval_ms": 10.0, "projection": 0, "sample": 0.5},
                 {"name": "D", "population": 1, "kind": "devices", "first": 0, "count": 0,
                  "variables": [], "interval_ms": 0.0, "projection": 0},
                 {"name": "En", "population": 0, "kind": "energy", "first": 0, "count": 0,
                  "variables": [], "interval_ms": 0.0}]
        h["projections"] = V2_PROJS
    return h


def pack6(wend, ticks, gids):
    """[6, ...] for spikes sorted by (tick, gid), as the spec packs them."""
    vals, prev = [], None
    base = int(ticks[0]) if len(ticks) else 0
    i = 0
    while i < len(ticks):
        t = ticks[i]
        j = i
        while j < len(ticks) and ticks[j] == t:
            j += 1
        vals += [t - (base if prev is None else prev), j - i]
        g0 = 0
        for g in gids[i:j]:
            vals.append(g - g0)
            g0 = g
        prev = t
        i = j
    return [6, wend, base, len(ticks), _varint.pack(vals)]


def synth_spikes(seed):
    rng = np.random.default_rng(seed)
    out = []       # per window of 10 ticks: sorted (tick, gid)
    for w in range(50):
        n = int(rng.integers(0, 40))
        t = rng.integers(w * 10, w * 10 + 10, n)
        g = rng.choice(np.r_[rng.integers(0, 100, 30), rng.integers(100, 200100, 30)], n)
        o = np.lexsort((g, t))
        out.append((w * 10 + 10, [int(x) for x in t[o]], [int(x) for x in g[o]]))
    return out


def v2_records(seed=1, rank=0):
    recs, nsp = [], 0
    for k, (wend, t, g) in enumerate(synth_spikes(seed + rank)):
        if k % 10 == 0:      # a weight snapshot every 100 ticks (10 ms) at the window end
            pre = [1, 1, 5, 9 + rank]
            post = [100, 150, 100, 100 + k]
            recs.append([7, wend - 10 if k else 0, 2, pre, post,
                         [0.5 + 0.01 * k, 1.0, 1.5 - 0.01 * k, 2.0], [1e-3, 2e-3, 3e-3, 4e-3]])
        if k % 3 == 0:
            recs.append([4, wend, 0, wend - 10, [0, 3, 3], [1, 5, 5], [100, 100, 101],
                         [2, -1, 1], [1.5e-3, 1.4e-3, 2.0e-3]])
        recs.append([5, wend, [[0, 10 + k, 3, 2, 7, 0.5 * k, 1.25], [2, 0, 0, 40, 3, 0.0, 0.0],
                               [4, 12, 0, 0, 5, 0.0, 0.0]]])
        if t:
            recs.append(pack6(wend, t, g))
            nsp += len(t)
        else:
            recs.append([3, wend])
    recs.append([9, 500, {"spikes": nsp, "samples": 0, "windows": 50,
                          "devices": sum(r[0] == 4 for r in recs),
                          "energy": sum(r[0] == 5 for r in recs),
                          "weights": sum(r[0] == 7 for r in recs)}])
    return recs


def write_log(path, header, records):
    with open(path, "wb") as f:
        f.write(msgpack.packb(header, use_bin_type=True))
        for r in records:
            f.write(msgpack.packb(r, use_bin_type=True))
    return path


def v1_equivalent(records):
    """The same spikes as version-1 records (code 1), other kinds left out."""
    out = []
    for r in records:
        if r[0] == 6:
            vals = _varint.decode(r[4])
            ticks, gids, i, t = [], [], 0, r[2]
            while i < len(vals):
                t += int(vals[i])
                c = int(vals[i + 1])
                gids += list(np.cumsum(vals[i + 2:i + 2 + c]).astype(int))
                ticks += [t] * c
                i += 2 + c
            out.append([1, r[1], r[2], [x - r[2] for x in ticks], [int(x) for x in gids]])
        elif r[0] == 3:
            out.append(r)
        elif r[0] == 9:
            out.append([9, r[1], {k: r[2][k] for k in ("spikes", "samples", "windows")}])
    return out
