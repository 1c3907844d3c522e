"""
recording.py: PyNN's Recorder on memspike's in-memory records.

At the build each segment of a Population (populations.py) gets a spike
record and a multimeter over the range of cells recorded so far (memspike
records a contiguous range; cells outside the requested ones are filtered
here).  The library gathers records over ranks, so every rank reads all; each
read is a collective call, so a recorder reads all its records at once, in
one fixed order, and keeps them until the next run (PyNN asks for its
variables in the order of a set of strings, which differs between
processes).
Times: memspike names a step by its first tick (a spike in the step
(t, t + dt] and the sample taken at its end are at t), NEST and PyNN by
its end, so every time read here gets one dt added: a spike at memspike's
2.8 ms is PyNN's 2.9 ms, and the samples run dt, 2 dt, ..., with the
initial value at t = 0 added here as pyNN.nest does.
"""
import numpy as np
from pyNN import recording

from . import simulator


class Recorder(recording.Recorder):
    _simulator = simulator

    def __init__(self, population, file=None):
        recording.Recorder.__init__(self, population, file)
        self._ms_cells = {}      # variable -> set of population indices covered by a record
        self._ms_recs = {}       # "spikes" / "analog" -> [(segment, record handle)]
        self._ms_vars = []       # memspike variables of the multimeters
        self._data = None        # (key, spikes (t, gid), {gid: column}, times)

    def _record(self, variable, new_ids, sampling_interval=None):
        if variable not in ("spikes",) and variable not in self.population.celltype.ms_state:
            raise NotImplementedError("pyNN.memspike: recording %s of %s"
                                      % (variable, type(self.population.celltype).__name__))
        idx = set(int(i) for i in self.population.id_to_index(np.array(list(new_ids), dtype=int))) \
            if new_ids else set()
        have = self._ms_cells.setdefault(variable, set())
        if simulator.state.built and not idx <= have:
            simulator.state.check_unbuilt("recording %s of new cells of %s"
                                          % (variable, self.population.label))
        have |= idx
        if sampling_interval is not None:
            self.sampling_interval = sampling_interval

    def _ms_build(self, sim):
        pop = self.population
        self._ms_recs = {}
        analog = sorted(v for v in self._ms_cells if v != "spikes" and self._ms_cells[v])
        self._ms_vars = [pop.celltype.ms_state[v][0] for v in analog]
        kinds = []
        if self._ms_cells.get("spikes"):
            kinds.append(("spikes", "spikes", self._ms_cells["spikes"]))
        if analog:
            cells = set().union(*[self._ms_cells[v] for v in analog])
            kinds.append(("analog", ", ".join(self._ms_vars), cells))
        for kind, what, cells in kinds:
            cells = np.array(sorted(cells))
            for seg in pop.segments:
                a, b, mpop, _g = seg
                inside = cells[(cells >= a) & (cells < b)]
                if inside.size == 0:
                    continue
                first, last = int(inside[0]) - a, int(inside[-1]) - a
                interval = 0.0 if kind == "spikes" else float(self.sampling_interval)
                rec = sim.record(mpop, what, interval, first, last - first + 1)
                self._ms_recs.setdefault(kind, []).append((seg, rec))

    def _ids_to_gids(self, ids):
        idx = np.asarray(self.population.id_to_index(np.array(list(ids), dtype=int)),
                         dtype=np.int64).reshape(-1)
        return idx, self.population._ms_gids(idx)

    def _fetch(self):
        """All of this recorder's data: spike (times, gids) and analog
        {gid: (T, V) array} with their times, read once per run."""
        state = simulator.state
        key = (state.run_count, id(state.sim))
        if self._data is not None and self._data[0] == key:
            return self._data
        sim = state.sim
        ts, gs = [], []
        for _seg, rec in self._ms_recs.get("spikes", []):
            t, g = sim.spikes(rec)
            ts.append(t + state.dt)
            gs.append(g.astype(np.int64))
        columns, times = {}, None
        for _seg, rec in self._ms_recs.get("analog", []):
            t, g, names, vals = sim.samples(rec)
            order = [names.index(v) for v in self._ms_vars]
            for j, gid in enumerate(g.tolist()):
                columns[gid] = vals[:, j, order]
            times = t + state.dt
        spikes = (np.concatenate(ts) if ts else np.zeros(0),
                  np.concatenate(gs) if gs else np.zeros(0, np.int64))
        self._data = (key, spikes, columns, times)
        return self._data

    def _get_spiketimes(self, ids, clear=False):
        ids = np.array([int(i) for i in ids], dtype=int)
        if not simulator.state.built or ids.size == 0:
            return np.array([], dtype=int), np.array([])
        _idx, gids = self._ids_to_gids(ids)
        _key, (t, g), _c, _times = self._fetch()
        keep = np.isin(g, gids)
        lookup = dict(zip(gids.tolist(), ids.tolist()))
        return np.array([lookup[x] for x in g[keep].tolist()], dtype=int), t[keep]

    def _get_all_signals(self, variable, ids, clear=False):
        ids = list(ids)
        if not ids:
            return np.array([]), None
        native, scale = self.population.celltype.ms_state[variable]
        idx, gids = self._ids_to_gids(ids)
        columns, times = {}, None
        if simulator.state.built:
            _key, _s, columns, times = self._fetch()
        if times is None:
            times = np.array([])
        v = self._ms_vars.index(native) if native in self._ms_vars else None
        data = np.column_stack([columns[int(gid)][:, v] if int(gid) in columns and v is not None
                                else np.full(len(times), np.nan) for gid in gids]) \
            if len(times) else np.zeros((0, len(ids)))
        if (len(times) == 0 or times[0] > 1e-9) and simulator.state.t_start == 0 \
                and not self.clear_flag:
            init = self.population._initial.get(native)
            first = init[idx] if init is not None else np.full(len(ids), np.nan)
            data = np.vstack([first[np.newaxis, :], data])
        return data / scale, None

    def _local_count(self, variable, filter_ids=None):
        assert variable == 'spikes'
        ids = sorted(self.filter_recorded('spikes', filter_ids))
        counts = dict((int(i), 0) for i in ids)
        id_arr, _t = self._get_spiketimes(ids)
        for i in id_arr.tolist():
            counts[i] += 1
        return counts

    def _clear_simulator(self):
        self._data = None
        if simulator.state.built:
            for recs in self._ms_recs.values():
                for _seg, rec in recs:
                    simulator.state.sim.rec_clear(rec)

    def _reset(self):
        pass
