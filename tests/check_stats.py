#!/usr/bin/python3
"""check_stats.py: an independent numpy check of `memspike replay`.

Shares no code with the C (io/io_stats.c): it reads the spike CSV that
replay exports (time_ms,population,local_id,gid) and recomputes what
docs/replay.md defines.

  check_stats.py stats CSV JSON --res MS --from MS --to MS --bin MS --pairs N
                 --pop NAME:NEURONS... [--neurons A:B]
      every statistic of `replay --stats --json` (JSON) from CSV: counts
      exactly, rates to 1e-12 relative (the same quotient of exact
      integers), every other number to 1e-9 relative (1e-12 absolute
      near 0)
  check_stats.py subset FULL SUB --res MS [--from MS] [--to MS]
                 [--population NAME,...] [--neurons A:B]
      SUB (replay --csv with filters) equals FULL filtered here, line for
      line
  check_stats.py sonata CSV H5 --res MS
      the SONATA file H5 holds the spikes of CSV per population (same
      counts, times to the tick, local ids), with the attributes of the
      SONATA spike file spec
Prints one line per check "ok ..." or "FAIL ..."; exit 1 on any failure.
"""
import argparse
import csv
import json
import math
import sys

import numpy as np

FAILS = []
ISI_BIN_MS = 5.0   # docs/replay.md: ISI histogram, 5 ms bins ...
ISI_BINS = 40      # ... from 0 to 200 ms
RATE_BINS = 20     # population-rate histogram: about 20 bins
CV_MIN = 5         # neurons with >= 5 spikes have a CV


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        FAILS.append(what)


def read_csv(path):
    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        rows = list(r)
    return head, rows


def ticks_of(times_ms, res):
    return np.rint(np.asarray(times_ms, dtype=float) / res).astype(np.int64)


def close(a, b, rel):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(abs(a), abs(b)) or abs(a - b) <= 1e-12


def pop_stats(tick, nid, n, t0, t1, bt, pairs, res):
    """The statistics of one population: tick (int64 ticks) and nid
    (0..n-1) of its spikes in [t0, t1)."""
    out = {}
    dur_ms = (t1 - t0) * res
    out["spikes"] = int(len(tick))
    out["rate_hz"] = len(tick) / (n * dur_ms * 1e-3)
    # ISIs per neuron
    order = np.lexsort((tick, nid))
    ts, ns = tick[order], nid[order]
    same = ns[1:] == ns[:-1]
    isi = (ts[1:] - ts[:-1])[same]
    isi_n = ns[1:][same]
    cvs = []
    counts = np.bincount(nid, minlength=n)
    for i in np.nonzero(counts >= CV_MIN)[0]:
        d = isi[isi_n == i].astype(float)
        cvs.append(np.std(d) / np.mean(d))
    out["cv_neurons"] = len(cvs)
    out["cv_isi"] = float(np.mean(cvs)) if cvs else None
    ib = int(round(ISI_BIN_MS / res))
    b = isi // ib
    out["isi_counts"] = np.bincount(b[b < ISI_BINS], minlength=ISI_BINS).tolist()
    out["isi_over"] = int(np.sum(b >= ISI_BINS))
    out["isis"] = int(len(isi))
    out["isi_edges_ms"] = [j * ib * res for j in range(ISI_BINS + 1)]
    # binned counts x[i, k]
    K = (t1 - t0) // bt
    inb = tick < t0 + K * bt
    x = np.zeros((n, K))
    np.add.at(x, (nid[inb], (tick[inb] - t0) // bt), 1)
    out["bins"] = int(K)
    out["binned_spikes"] = int(inb.sum())
    c = x.sum(axis=0)
    bin_s = bt * res * 1e-3
    if K > 0:
        out["fano"] = float(c.var() / c.mean()) if c.mean() > 0 else None
        vi = x.var(axis=1).mean()
        out["chi"] = float(math.sqrt(np.var(c / n) / vi)) if vi > 0 else None
        out["pop_rate_mean_hz"] = float(c.mean() / (n * bin_s))
        out["pop_rate_sd_hz"] = float(c.std() / (n * bin_s))
        maxc = int(c.max())
        w = max(1, -(-(maxc + 1) // RATE_BINS))
        nb = (maxc + w) // w
        out["rate_width"] = w
        out["rate_counts"] = np.bincount((c // w).astype(np.int64), minlength=nb).tolist()
        out["rate_edges_hz"] = [j * w / (n * bin_s) for j in range(nb + 1)]
    # correlation sample: neuron j * n // pairs, or all
    who = list(range(n)) if n <= pairs else [j * n // pairs for j in range(pairs)]
    out["corr_neurons"] = len(who)
    xs = x[who]
    live = [a for a in range(len(who)) if xs[a].var() > 0]
    rs = []
    if K > 0 and len(live) > 1:
        cm = np.corrcoef(xs[live])
        iu = np.triu_indices(len(live), 1)
        rs = cm[iu]
    out["corr_pairs"] = int(len(rs))
    out["mean_corr"] = float(np.mean(rs)) if len(rs) else None
    return out


def cmd_stats(a):
    head, rows = read_csv(a.csv)
    check(head == ["time_ms", "population", "local_id", "gid"], "CSV header %s" % head)
    js = json.load(open(a.json))
    t0 = int(round(a.from_ms / a.res))
    t1 = int(round(a.to_ms / a.res))
    bt = int(round(a.bin / a.res))
    check(close(js["window"]["start_ms"], a.from_ms, 1e-12) and
          close(js["window"]["stop_ms"], a.to_ms, 1e-12),
          "window [%s, %s) ms" % (js["window"]["start_ms"], js["window"]["stop_ms"]))
    lo, hi = (0, None)
    if a.neurons:
        lo, hi = (int(v) for v in a.neurons.split(":"))
    byname = {p["name"]: p for p in js["populations"]}
    times = np.array([float(r[0]) for r in rows])
    pops = np.array([r[1] for r in rows])
    local = np.array([int(r[2]) for r in rows], dtype=np.int64)
    tick = ticks_of(times, a.res)
    for spec in a.pop:
        name, size = spec.split(":")
        size = int(size)
        top = hi if hi is not None else size
        n = top - lo
        sel = (pops == name) & (local >= lo) & (local < top) & (tick >= t0) & (tick < t1)
        want = pop_stats(tick[sel], local[sel] - lo, n, t0, t1, bt, a.pairs, a.res)
        got = byname.get(name)
        if got is None:
            check(False, "%s: in the JSON" % name)
            continue
        check(got["neurons"] == n, "%s: neurons %s == %d" % (name, got["neurons"], n))
        for k in ("spikes", "cv_neurons", "bins", "binned_spikes", "corr_neurons",
                  "corr_pairs"):
            check(got[k] == want[k], "%s: %s %s == %s (exact)" % (name, k, got[k], want[k]))
        check(close(got["rate_hz"], want["rate_hz"], 1e-12),
              "%s: rate_hz %r == %r (1e-12)" % (name, got["rate_hz"], want["rate_hz"]))
        for k in ("cv_isi", "fano", "chi", "mean_corr", "pop_rate_mean_hz", "pop_rate_sd_hz"):
            check(close(got[k], want.get(k), 1e-9),
                  "%s: %s %r == %r (1e-9)" % (name, k, got[k], want.get(k)))
        h = got["isi_hist"]
        check(h["counts"] == want["isi_counts"] and h["over"] == want["isi_over"] and
              h["isis"] == want["isis"],
              "%s: ISI histogram counts (%d ISIs, exact)" % (name, want["isis"]))
        check(all(close(x, y, 1e-12) for x, y in zip(h["edges_ms"], want["isi_edges_ms"]))
              and len(h["edges_ms"]) == len(want["isi_edges_ms"]),
              "%s: ISI histogram edges_ms" % name)
        rh = got["rate_hist"]
        check(rh["counts"] == want.get("rate_counts") and rh["width_spikes"] == want.get("rate_width"),
              "%s: population-rate histogram counts (exact)" % name)
        check(len(rh["edges_hz"]) == len(want.get("rate_edges_hz", [])) and
              all(close(x, y, 1e-12) for x, y in zip(rh["edges_hz"], want["rate_edges_hz"])),
              "%s: population-rate histogram edges_hz" % name)
        # the numbers must be real: a network that fires gives every statistic
        check(want["spikes"] > 0 and want["cv_isi"] is not None and want["chi"] is not None
              and want["mean_corr"] is not None, "%s: every statistic defined" % name)


def cmd_subset(a):
    head, full = read_csv(a.full)
    head2, sub = read_csv(a.sub)
    check(head == head2, "subset: same header")
    pops = set(a.population.split(",")) if a.population else None
    lo, hi = (int(v) for v in a.neurons.split(":")) if a.neurons else (0, 1 << 40)
    t0 = a.from_ms / a.res if a.from_ms is not None else -1
    t1 = a.to_ms / a.res if a.to_ms is not None else float("inf")
    want = [r for r in full
            if (pops is None or r[1] in pops) and lo <= int(r[2]) < hi
            and t0 - 1e-9 <= float(r[0]) / a.res < t1 - 1e-9]
    check(len(want) > 0, "subset: the filter keeps spikes (%d of %d)" % (len(want), len(full)))
    check(want == sub, "subset: replay's filtered CSV == the full CSV filtered in Python "
          "(%d vs %d lines)" % (len(sub), len(want)))


def cmd_sonata(a):
    import h5py
    head, rows = read_csv(a.csv)
    f = h5py.File(a.h5, "r")
    check(int(f.attrs["magic"]) == 0x0A7A and list(f.attrs["version"]) == [0, 1],
          "sonata: root attributes magic 0x0A7A, version [0, 1]")
    names = sorted(set(r[1] for r in rows))
    check(sorted(f["spikes"].keys()) == names or set(names) <= set(f["spikes"].keys()),
          "sonata: populations %s" % sorted(f["spikes"].keys()))
    total = 0
    for name in f["spikes"]:
        g = f["spikes"][name]
        enum = h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype)
        check(enum == {"none": 0, "by_id": 1, "by_time": 2} and
              int(g.attrs["sorting"]) == enum["by_time"], "sonata: %s sorting = by_time (enum)" % name)
        ts, ids = g["timestamps"], g["node_ids"]
        u = ts.attrs["units"]
        check((u.decode() if isinstance(u, bytes) else u) == "ms", "sonata: %s timestamps units ms" % name)
        check(ts.dtype == np.float64 and ids.dtype == np.uint64,
              "sonata: %s dtypes float64, uint64" % name)
        mine = [r for r in rows if r[1] == name]
        t = np.array([float(r[0]) for r in mine])
        ok = (len(mine) == len(ts) and
              np.array_equal(ticks_of(ts[:], a.res), ticks_of(t, a.res)) and
              np.allclose(ts[:], t, rtol=0, atol=1e-9) and
              np.array_equal(ids[:], np.array([int(r[2]) for r in mine], dtype=np.uint64)))
        check(ok, "sonata: %s: %d spikes, times and node_ids == CSV" % (name, len(ts)))
        check(len(ts) == 0 or bool(np.all(np.diff(ts[:]) >= 0)), "sonata: %s sorted by time" % name)
        total += len(ts)
    check(total == len(rows) and total > 0, "sonata: %d spikes in all == CSV %d" % (total, len(rows)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sp = ap.add_subparsers(dest="cmd", required=True)
    s = sp.add_parser("stats")
    s.add_argument("csv")
    s.add_argument("json")
    s.add_argument("--res", type=float, required=True)
    s.add_argument("--from", dest="from_ms", type=float, required=True)
    s.add_argument("--to", dest="to_ms", type=float, required=True)
    s.add_argument("--bin", type=float, required=True)
    s.add_argument("--pairs", type=int, required=True)
    s.add_argument("--pop", action="append", required=True)
    s.add_argument("--neurons")
    s = sp.add_parser("subset")
    s.add_argument("full")
    s.add_argument("sub")
    s.add_argument("--res", type=float, required=True)
    s.add_argument("--from", dest="from_ms", type=float)
    s.add_argument("--to", dest="to_ms", type=float)
    s.add_argument("--population")
    s.add_argument("--neurons")
    s = sp.add_parser("sonata")
    s.add_argument("csv")
    s.add_argument("h5")
    s.add_argument("--res", type=float, required=True)
    a = ap.parse_args()
    {"stats": cmd_stats, "subset": cmd_subset, "sonata": cmd_sonata}[a.cmd](a)
    sys.exit(1 if FAILS else 0)


if __name__ == "__main__":
    main()
