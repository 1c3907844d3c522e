"""run.py: the log files of one run, merged like `memspike replay`
(io/io_replay.c): same digest, seed, rank count, resolution, populations
and recorders; each rank once; every rank present unless partial=True;
the common end is the smallest complete tick over the files, and events at
or after it are left out.
"""
import glob
import os

import numpy as np

from .reader import LogError, read_log

SPIKE_FIELDS = [("time_ms", np.float64), ("gid", np.uint32), ("population", np.uint16),
                ("local_id", np.uint32)]


class Table(np.ndarray):
    """A numpy structured array with .units: {field: unit} ("" = none)."""

    def __new__(cls, arr, units):
        obj = np.asarray(arr).view(cls)
        obj.units = dict(units)
        return obj

    def __array_finalize__(self, obj):
        self.units = getattr(obj, "units", {})

    def plain(self):
        """The same data as a plain numpy structured array."""
        return self.view(np.ndarray)


class Samples:
    """The samples of one state recorder over all ranks.

    times_ms  float64 (T,) sampling times
    gids, local_ids  uint32 (N,) the recorded neurons (ascending gid)
    population  the population's name
    variables  names (V,);  units  {variable: unit}
    values    float64 (T, N, V); NaN where a rank's file holds no sample
              (a truncated file)
    """

    def __init__(self, name, population, interval_ms, times_ms, gids, local_ids, variables,
                 units, values):
        self.name, self.population, self.interval_ms = name, population, interval_ms
        self.times_ms, self.gids, self.local_ids = times_ms, gids, local_ids
        self.variables, self.units, self.values = variables, units, values

    def var(self, name):
        """(T, N) values of variable name."""
        try:
            return self.values[:, :, self.variables.index(name)]
        except ValueError:
            raise KeyError("recorder %s samples %s, not %r"
                           % (self.name, ", ".join(self.variables), name)) from None

    def __repr__(self):
        return ("Samples(%s of %s: %d times x %d neurons x %s)"
                % (self.name, self.population, self.times_ms.size, self.gids.size,
                   "/".join("%s [%s]" % (v, self.units.get(v, "")) for v in self.variables)))


def _expand(paths_or_glob):
    if isinstance(paths_or_glob, (str, os.PathLike)):
        p = os.fspath(paths_or_glob)
        if os.path.isdir(p):
            files = sorted(glob.glob(os.path.join(p, "events.rank*.msgpack")))
            if not files:
                raise LogError("%s: no event logs (events.rank*.msgpack) in this directory" % p)
            return files
        if any(c in p for c in "*?["):
            # not the index sidecars (<log>.index) that "events.rank*" also matches
            files = sorted(f for f in glob.glob(p) if not f.endswith(".index"))
            if not files:
                raise LogError("%s: no file matches" % p)
            return files
        return [p]
    files = [os.fspath(x) for x in paths_or_glob]
    if not files:
        raise LogError("no log file given")
    return files


def _same_run(a, b):
    ha, hb = a.header, b.header
    for k, what in (("digest", "config digest"), ("seed", "seed"), ("nranks", "rank count"),
                    ("resolution_ms", "resolution")):
        if k == "nranks" and a.t_start != b.t_start:
            continue  # two segments (_segments)
        if ha[k] != hb[k]:
            raise LogError("%s and %s are not logs of one run: different %s (%r vs %r)"
                           % (a.path, b.path, what, ha[k], hb[k]))
    pk = ("name", "first_gid", "n")
    if [[p[k] for k in pk] for p in ha["populations"]] != \
            [[p[k] for k in pk] for p in hb["populations"]]:
        raise LogError("%s and %s are not logs of one run: different populations"
                       % (a.path, b.path))
    rk = ("name", "kind", "population", "first", "count", "variables")
    if [[r[k] for k in rk] for r in ha["recorders"]] != \
            [[r[k] for k in rk] for r in hb["recorders"]]:
        raise LogError("%s and %s are not logs of one run: different recorders"
                       % (a.path, b.path))
    if ha["rank"] == hb["rank"] and ha["nranks"] == hb["nranks"] and a.t_start == b.t_start:
        raise LogError("%s and %s are both the log of rank %d: give each rank's file once"
                       % (a.path, b.path, ha["rank"]))


def open_run(paths_or_glob, partial=False, t_start_ms=None):
    """Open the logs of one run: a path, a glob ("out/events.rank*.msgpack"),
    a directory (its events.rank*.msgpack) or a list of paths.  Raises
    LogError (a ValueError) for a bad file, files of different runs, or
    missing ranks (unless partial=True: then the run covers the ranks
    given, and .missing_ranks lists the others).

    t_start_ms: keep only [t_start_ms, end); each file is read from its
    index sidecar's last entry at or before it (read_log's from_ms), so a
    late window of a big log reads only its end."""
    files = [read_log(p, from_ms=t_start_ms) for p in _expand(paths_or_glob)]
    for i, f in enumerate(files):
        for g in files[:i]:
            _same_run(g, f)
    return Run(files, partial)


def _cut(f, lo, hi):
    """Keep f's rows inside its segment's span [lo, hi) (io/io_replay_seg.h):
    samples from lo, before hi; rows stamped with a window end (weights,
    energy) after lo, up to and with hi; spikes and device writes in [lo, hi)."""
    def half(a):
        return a[(a["tick"] >= lo) & (a["tick"] < hi)]

    def closed(a):
        return a[((a["tick"] > lo) | (lo == 0)) & (a["tick"] <= hi)]
    f.spikes, f.devices = half(f.spikes), half(f.devices)
    f.weights, f.energy = closed(f.weights), closed(f.energy)
    for ri, (t, v) in list(f.samples.items()):
        keep = (t >= lo) & (t < hi)
        f.samples[ri] = (t[keep], v[keep])


def _segments(files):
    """Group the files into segments, as `memspike replay` does
    (docs/replay.md "Resumed runs"): complete rank sets of one (t_start,
    nranks), each read from its t_start up to the next one's.  Returns the
    files ordered by segment (the order given within one) and the last
    segment's files; raises LogError for an overlap, a segment missing
    ranks or a gap."""
    order = sorted(range(len(files)), key=lambda i: (files[i].t_start,
                                                     files[i].header["nranks"], i))
    files = [files[i] for i in order]
    segs = []
    for f in files:
        if segs and segs[-1][0].t_start == f.t_start:
            segs[-1].append(f)  # _same_run refused two rank counts from one tick
        else:
            segs.append([f])
    if len(segs) == 1:
        return files, files
    res = files[0].header["resolution_ms"]
    for k, seg in enumerate(segs):
        h = seg[0].header
        if len(seg) != h["nranks"]:
            raise LogError("%s: its segment (a run on %d ranks from %.15g ms) has %d of its %d "
                           "rank files: the spikes of the neurons the missing ranks own would "
                           "be a gap in the resumed run (give every rank's file of each segment)"
                           % (seg[0].path, h["nranks"], seg[0].t_start * res, len(seg),
                              h["nranks"]))
        if k + 1 == len(segs):
            break
        nxt = segs[k + 1][0]
        for f in seg:
            if f.complete_tick < nxt.t_start:
                raise LogError("%s ends at %.15g ms, before %s continues the run at %.15g ms: "
                               "the run between is in no log given (a gap)"
                               % (f.path, f.complete_tick * res, nxt.path, nxt.t_start * res))
            _cut(f, f.t_start, nxt.t_start)
    return files, segs[-1]


class Run:
    """The merged logs of one run.

    files          LogFile per path, in the order given (grouped by segment:
                   a run resumed on another rank count, docs/replay.md)
    header         the first file's header
    version        format version of the first file
    populations, recorders, projections: header lists (projections [] in v1)
    population_names  [str]
    units          {quantity: unit} ("time": "ms", "V_m": "mV", ...)
    resolution_ms  one tick
    start_tick, t_start_ms  the start (open_run's t_start_ms; 0 without)
    end_tick, t_stop_ms  the common end (smallest complete tick)
    ranks, missing_ranks
    truncated      [LogFile] of the files without an end record
    """

    def __init__(self, files, partial=False):
        files, last = _segments(files)
        self.files = files
        self.header = h = files[0].header
        self.version = files[0].version
        self.populations = h["populations"]
        self.population_names = [p["name"] for p in self.populations]
        self.recorders = h["recorders"]
        self.projections = h.get("projections", [])
        self.units = dict(h["units"])
        self.resolution_ms = float(h["resolution_ms"])
        self.nranks = h["nranks"]
        self.ranks = sorted(f.rank for f in files if f.t_start == files[0].t_start)
        self.missing_ranks = sorted(set(range(self.nranks)) - set(self.ranks))
        if self.missing_ranks and not partial:
            m = self.missing_ranks
            raise LogError("%s is rank %d of a run on %d ranks, and the log%s of rank%s %s %s "
                           "not given: counts would cover only part of the network (give "
                           "every rank's file, or partial=True)"
                           % (files[0].path, h["rank"], self.nranks, "s" if len(m) > 1 else "",
                              "s" if len(m) > 1 else "", ", ".join(map(str, m)),
                              "are" if len(m) > 1 else "is"))
        self.end_tick = min(f.complete_tick for f in last)
        self.t_stop_ms = self.end_tick * self.resolution_ms
        self.start_tick = min(files[0].status.get("from_tick") or 0, self.end_tick)
        self.t_start_ms = self.start_tick * self.resolution_ms
        self.truncated = [f for f in files if f.status["truncated"]]
        self._first = np.array([p["first_gid"] for p in self.populations], dtype=np.int64)
        self._spikes = None

    # -------------------------------------------------------- lookups

    def population_index(self, population):
        """Index of a population given by name or index."""
        if isinstance(population, (int, np.integer)) and not isinstance(population, bool):
            if 0 <= population < len(self.populations):
                return int(population)
        elif population in self.population_names:
            return self.population_names.index(population)
        raise KeyError("no population %r in the run (populations: %s)"
                       % (population, ", ".join(self.population_names) or "none"))

    def recorder_index(self, recorder, kind=None):
        """Index of a recorder given by name or index (of the given kind)."""
        idx = None
        if isinstance(recorder, (int, np.integer)) and not isinstance(recorder, bool):
            if 0 <= recorder < len(self.recorders):
                idx = int(recorder)
        else:
            names = [r["name"] for r in self.recorders]
            if recorder in names:
                idx = names.index(recorder)
        if idx is None or (kind and self.recorders[idx]["kind"] != kind):
            have = [r["name"] for r in self.recorders if not kind or r["kind"] == kind]
            raise KeyError("no %srecorder %r in the run (%s)"
                           % (kind + " " if kind else "", recorder,
                              "recorders: " + ", ".join(have) if have else "none"))
        return idx

    def population_of(self, gids):
        """Population index of each gid (int array)."""
        return np.searchsorted(self._first, np.asarray(gids, dtype=np.int64), side="right") - 1

    def recorded_spans(self, population):
        """Sorted disjoint [lo, hi) local-id ranges of spike-recorded neurons."""
        p = self.population_index(population)
        s = sorted((r["first"], r["first"] + r["count"]) for r in self.recorders
                   if r["kind"] == "spikes" and r["population"] == p and r["count"] > 0)
        out = []
        for lo, hi in s:
            if out and lo <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], hi))
            else:
                out.append((lo, hi))
        return out

    def recorded_neurons(self, population):
        """Local ids of the neurons inside a spike recorder (ascending)."""
        sp = self.recorded_spans(population)
        if not sp:
            return np.zeros(0, dtype=np.uint32)
        return np.concatenate([np.arange(lo, hi, dtype=np.uint32) for lo, hi in sp])

    def _ms(self, ticks):
        return np.asarray(ticks, dtype=np.float64) * self.resolution_ms

    def _tick_window(self, t_start, t_stop):
        lo = self.start_tick if t_start is None else max(
            self.start_tick, int(np.ceil(t_start / self.resolution_ms - 1e-9)))
        hi = self.end_tick if t_stop is None else min(
            self.end_tick, int(np.ceil(t_stop / self.resolution_ms - 1e-9)))
        return lo, hi

    # --------------------------------------------------------- spikes

    def _merged(self):
        if self._spikes is None:
            parts = [f.spikes for f in self.files]
            s = np.concatenate(parts) if parts else np.zeros(0, self.files[0].spikes.dtype)
            s = s[s["tick"] < self.end_tick]
            self._spikes = s[np.lexsort((s["gid"], s["tick"]))]
        return self._spikes

    def spikes(self, population=None, t_start=None, t_stop=None, neurons=None):
        """Merged spikes, sorted by (time, gid): a Table with fields time_ms
        (float64), gid (uint32), population (uint16 index into
        population_names) and local_id (uint32).  Filters: population (name,
        index or a list of them), time window [t_start, t_stop) in ms, and
        neurons = (a, b): local ids in [a, b)."""
        s = self._merged()
        lo, hi = self._tick_window(t_start, t_stop)
        s = s[(s["tick"] >= lo) & (s["tick"] < hi)]
        pop = self.population_of(s["gid"])
        local = s["gid"].astype(np.int64) - self._first[pop]
        keep = np.ones(s.size, dtype=bool)
        if population is not None:
            want = population if isinstance(population, (list, tuple)) else [population]
            idx = [self.population_index(p) for p in want]
            keep &= np.isin(pop, idx)
        if neurons is not None:
            a, b = neurons
            keep &= (local >= a) & (local < b)
        out = np.zeros(int(keep.sum()), SPIKE_FIELDS)
        out["time_ms"] = self._ms(s["tick"][keep])
        out["gid"] = s["gid"][keep]
        out["population"] = pop[keep]
        out["local_id"] = local[keep]
        return Table(out, {"time_ms": "ms", "gid": "", "population": "", "local_id": ""})

    def spikes_df(self, **filters):
        """spikes() as a pandas DataFrame; population is a categorical of names."""
        import pandas as pd
        s = self.spikes(**filters)
        return pd.DataFrame({
            "time_ms": s["time_ms"],
            "population": pd.Categorical.from_codes(s["population"].astype(np.int64),
                                                    categories=self.population_names),
            "local_id": s["local_id"],
            "gid": s["gid"],
        })

    def counts(self):
        """Per population name: (recorded neurons, spikes inside its spike
        recorders) as `memspike replay` counts them, or None when the
        population has no spike recorder."""
        s = self._merged()
        pop = self.population_of(s["gid"])
        local = s["gid"].astype(np.int64) - self._first[pop]
        out = {}
        for i, name in enumerate(self.population_names):
            sp = self.recorded_spans(i)
            if not sp:
                out[name] = None
                continue
            mine = pop == i
            inside = np.zeros(s.size, dtype=bool)
            for lo, hi in sp:
                inside |= mine & (local >= lo) & (local < hi)
            out[name] = (sum(hi - lo for lo, hi in sp), int(inside.sum()))
        return out

    # -------------------------------------------------------- samples

    def samples(self, recorder):
        """The samples of state recorder `recorder` (name or index) over all
        ranks, up to the common end: a Samples object."""
        ri = self.recorder_index(recorder, "state")
        r = self.recorders[ri]
        nv = len(r["variables"])
        per = []            # (gids, ticks, values (T, n, V))
        for f in self.files:
            g = np.array(f.header["recorders"][ri].get("gids", []), dtype=np.uint32)
            if ri in f.samples and g.size:
                t, v = f.samples[ri]
                keep = t < self.end_tick
                per.append((g, t[keep], v[keep].reshape(-1, g.size, nv)))
        if per:
            ticks = np.unique(np.concatenate([t for _, t, _ in per]))
            # a gid is in one file of each segment (resumed runs): one column
            gids = np.unique(np.concatenate([g for g, _, _ in per]))
        else:
            ticks = np.zeros(0, dtype=np.int64)
            gids = np.zeros(0, dtype=np.uint32)
        vals = np.full((ticks.size, gids.size, nv), np.nan)
        for g, t, v in per:
            rows = np.searchsorted(ticks, t)
            cols = np.searchsorted(gids, g)
            vals[rows[:, None], cols[None, :], :] = v
        pop = self.populations[r["population"]]
        return Samples(r["name"], pop["name"], r["interval_ms"], self._ms(ticks), gids,
                       (gids.astype(np.int64) - pop["first_gid"]).astype(np.uint32),
                       list(r["variables"]), {v: self.units.get(v, "") for v in r["variables"]},
                       vals)

    # ------------------------------------------------ v2 record kinds

    def _gather(self, attr, t_start, t_stop, order, closed=False):
        """Rows of every file's attr in the window, sorted by order; closed:
        ticks are window ends (energy, weights), so the common end itself
        and t_stop are included."""
        parts = []
        for f in self.files:
            a = getattr(f, attr)
            if a.size:
                rk = np.zeros(a.size, dtype=[("rank", np.uint32)])
                rk["rank"] = f.rank
                parts.append((a, rk))
        if not parts:
            return None
        a = np.concatenate([p[0] for p in parts])
        rk = np.concatenate([p[1] for p in parts])["rank"]
        lo, hi = self._tick_window(t_start, t_stop)
        if closed and t_stop is not None:
            hi = min(self.end_tick, int(np.floor(t_stop / self.resolution_ms + 1e-9)))
        keep = (a["tick"] >= lo) & ((a["tick"] <= hi) if closed else (a["tick"] < hi))
        a, rk = a[keep], rk[keep]
        idx = np.lexsort(tuple(a[k] for k in reversed(order)))
        return a[idx], rk[idx]

    def _with_time(self, a, fields):
        dt = [("time_ms", np.float64)] + [(k, a.dtype[k]) for k in fields]
        out = np.zeros(a.size, dt)
        out["time_ms"] = self._ms(a["tick"])
        for k in fields:
            out[k] = a[k]
        return out

    def weights(self, recorder=None, t_start=None, t_stop=None):
        """Weight snapshots (code 7): a Table with fields time_ms, recorder,
        pre, post (gids), weight (units["weight"]) and g (uS; NaN when the
        projection has no devices), sorted by (time, recorder, pre, post).
        A snapshot's time is a window end: t_start <= time <= t_stop, and
        snapshots at the common end are included.
        recorder: a weights recorder's name or index, or None for all.
        Empty Table when the log has no weight records."""
        units = {"time_ms": "ms", "weight": self.units.get("weight", ""),
                 "g": self.units.get("conductance", "uS")}
        fields = ["recorder", "pre", "post", "weight", "g"]
        got = self._gather("weights", t_start, t_stop, ["tick", "recorder", "pre", "post"],
                           closed=True)
        if got is None:
            return Table(self._with_time(self.files[0].weights, fields), units)
        a, _ = got
        if recorder is not None:
            a = a[a["recorder"] == self.recorder_index(recorder, "weights")]
        return Table(self._with_time(a, fields), units)

    def devices(self, projection=None, t_start=None, t_stop=None):
        """Device writes (code 4): a Table with fields time_ms, projection,
        pre, post, pulses (int32: > 0 potentiation, < 0 depression) and g
        (uS after the write), sorted by (time, projection, pre, post)."""
        units = {"time_ms": "ms", "g": self.units.get("conductance", "uS"), "pulses": ""}
        fields = ["projection", "pre", "post", "pulses", "g"]
        got = self._gather("devices", t_start, t_stop, ["tick", "projection", "pre", "post"])
        if got is None:
            return Table(self._with_time(self.files[0].devices, fields), units)
        a, _ = got
        if projection is not None:
            names = [q["name"] for q in self.projections]
            j = names.index(projection) if projection in names else projection
            a = a[a["projection"] == j]
        return Table(self._with_time(a, fields), units)

    def component_names(self):
        """Names of energy components: projections, populations, "transport"."""
        return ([q["name"] for q in self.projections] + self.population_names + ["transport"])

    def energy(self, per_rank=False, t_start=None, t_stop=None):
        """Energy counters (code 5): a Table with fields time_ms (window end
        of the record), component (index into component_names()), reads,
        pulses, updates, spikes (counts since the previous record) and
        read_pj, write_pj (pJ); summed over ranks per (time, component)
        unless per_rank (then a rank field too).  Times are window ends:
        records with t_start <= time <= t_stop (and <= the common end)."""
        units = {"time_ms": "ms", "read_pj": self.units.get("energy", "pJ"),
                 "write_pj": self.units.get("energy", "pJ")}
        fields = ["component", "reads", "pulses", "updates", "spikes", "read_pj", "write_pj"]
        got = self._gather("energy", t_start, t_stop, ["tick", "component"], closed=True)
        if got is None:
            return Table(self._with_time(self.files[0].energy, fields), units)
        a, rk = got
        if per_rank:
            out = self._with_time(a, fields)
            full = np.zeros(out.size, out.dtype.descr + [("rank", np.uint32)])
            for k in out.dtype.names:
                full[k] = out[k]
            full["rank"] = rk
            return Table(full, units)
        key = a["tick"].astype(np.int64) * (1 << 20) + a["component"]
        uk, inv = np.unique(key, return_inverse=True)
        summed = np.zeros(uk.size, a.dtype)
        summed["tick"] = uk >> 20
        summed["component"] = uk & ((1 << 20) - 1)
        for k in fields[1:]:
            acc = np.zeros(uk.size, a.dtype[k])
            np.add.at(acc, inv, a[k])
            summed[k] = acc
        return Table(self._with_time(summed, fields), units)

    # ------------------------------------------------------------ neo

    def to_neo(self, **kw):
        """A neo.Block: one Segment with a SpikeTrain per spike-recorded
        neuron and an AnalogSignal per state recorder and variable (see
        neo_export.to_neo)."""
        from .neo_export import to_neo
        return to_neo(self, **kw)

    def __repr__(self):
        return ("Run(%d file%s of %d rank%s, version %d, %s, %g to %g ms)"
                % (len(self.files), "" if len(self.files) == 1 else "s", self.nranks,
                   "" if self.nranks == 1 else "s", self.version,
                   ", ".join(self.population_names), self.t_start_ms, self.t_stop_ms))
