"""
populations.py: Population, PopulationView and Assembly on memspike.

A Population keeps its cells' native parameters (NEST's names and units,
one value per cell) and initial values until the network is built.  At
the build a neuron population becomes one memspike population per run of
cells with equal parameters (memspike's parameters are per population),
usually exactly one.  A spike source becomes a parrot_neuron population
(the cells PyNN sees, recorded and connected from) fed through a one-tick
connection (one tick, or min_delay when setup() gave it) by hidden
generators, whose times are moved earlier by that delay and one tick more
(memspike's naming of a step by its start, recording.py): a poisson_generator per distinct (rate, start, stop)
(its train is drawn per target, so each parrot gets its own) or a
spike_generator per distinct spike_times, as pyNN.nest feeds its parrots.
`segments` lists (start, stop, memspike population, first gid) so that
cell i of the Population is gid first + i - start in its segment.
"""
import warnings

import numpy as np
from pyNN import common, errors
from pyNN.parameters import ParameterSpace, simplify
from pyNN.standardmodels import StandardCellType

from . import simulator, _lib
from .recording import Recorder


def _text(value):
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return repr(float(value))


def _runs(rows):
    """[(start, stop)] of the runs of equal rows of a (n, k) array."""
    n = rows.shape[0]
    if n == 0:
        return []
    if rows.shape[1] == 0:
        return [(0, n)]
    change = np.any(rows[1:] != rows[:-1], axis=1)
    cuts = [0] + list(np.nonzero(change)[0] + 1) + [n]
    return list(zip(cuts[:-1], cuts[1:]))


def _groups(keys):
    """Cells grouped by equal key, in first-appearance order: [(key, [indices])]."""
    out = {}
    for i, k in enumerate(keys):
        out.setdefault(k, []).append(i)
    return list(out.items())


class Assembly(common.Assembly):
    _simulator = simulator


class PopulationView(common.PopulationView):
    _assembly_class = Assembly
    _simulator = simulator

    def _get_parameters(self, *names):
        ps = {}
        for name in names:
            ps[name] = simplify(self.parent._native[name][self.mask])
        return ParameterSpace(ps, shape=(self.size,))

    def _set_parameters(self, parameter_space):
        self.parent._set_native(parameter_space, self.mask, self.size)

    def _set_initial_value_array(self, variable, initial_values):
        self.parent._set_initial(variable, initial_values, self.mask, self.size)

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)


class Population(common.Population):
    __doc__ = common.Population.__doc__
    _simulator = simulator
    _recorder_class = Recorder
    _assembly_class = Assembly

    def _create_cells(self):
        simulator.state.check_unbuilt("creating a Population")
        if not isinstance(self.celltype, StandardCellType) or not (
                hasattr(self.celltype, "ms_model") or hasattr(self.celltype, "ms_source")):
            raise NotImplementedError("pyNN.memspike: cell type %s (supported: IF_curr_exp, "
                                      "IF_curr_delta, Izhikevich, SpikeSourcePoisson, "
                                      "SpikeSourceArray)" % type(self.celltype).__name__)
        first = simulator.state.id_counter
        self.all_cells = np.array([simulator.ID(i) for i in range(first, first + self.size)],
                                  dtype=simulator.ID)
        self._mask_local = np.ones((self.size,), bool)
        for id in self.all_cells:
            id.parent = self
        simulator.state.id_counter += self.size
        ps = self.celltype.native_parameters
        ps.shape = (self.size,)
        ps.evaluate(simplify=False)
        if "spike_times" in ps.keys():
            for times in np.atleast_1d(ps["spike_times"]):
                t = np.asarray(getattr(times, "value", times), dtype=float)
                if np.any(np.diff(t) < 0):
                    raise errors.InvalidParameterValueError(
                        "SpikeSourceArray: spike times must be in ascending order, got %s" % t)
        self._native = {}
        for name, value in ps.items():
            a = np.asarray(value)
            if a.dtype != object and name != "spike_times":
                a = a.astype(float)
            self._native[name] = a
        self._initial = {}        # memspike state variable -> (size,) array
        self.segments = []
        simulator.state.populations.append(self)

    # -- parameters -------------------------------------------------------
    def _get_parameters(self, *names):
        return ParameterSpace(dict((n, simplify(self._native[n])) for n in names),
                              shape=(self.size,))

    def _set_parameters(self, parameter_space):
        self._set_native(parameter_space, slice(None), self.size)

    def _set_native(self, parameter_space, mask, size):
        parameter_space.shape = (size,)
        parameter_space.evaluate(simplify=False)
        changed = []
        for name, value in parameter_space.items():
            if name not in self._native:
                raise NotImplementedError("pyNN.memspike: parameter %s of %s"
                                          % (name, type(self.celltype).__name__))
            arr = self._native[name]
            if arr.dtype == object:
                arr[mask] = value
            else:
                arr[mask] = np.asarray(value, dtype=float)
            changed.append(name)
        if simulator.state.built:
            self._ms_push(changed)

    def _ms_push(self, names):
        """Parameters changed after the build: to each memspike population."""
        if hasattr(self.celltype, "ms_source"):
            raise NotImplementedError("pyNN.memspike: changing %s of a %s after the network was "
                                      "built (its trains are drawn at the build)"
                                      % (", ".join(names), type(self.celltype).__name__))
        sim = simulator.state.sim
        for name in names:
            for (a, b, pop, _g) in self.segments:
                vals = self._native[name][a:b]
                if np.any(vals != vals[0]):
                    raise NotImplementedError(
                        "pyNN.memspike: giving the cells of one memspike population different "
                        "values of %s after the network was built" % name)
                st = sim.set_param(pop, name, _text(vals[0]))
                if st == _lib.MS_ESTATE:
                    raise NotImplementedError(
                        "pyNN.memspike: changing %s of %s (%s) between runs: memspike allows it "
                        "for models updated at every tick (IF_curr_exp, Izhikevich), or after "
                        "reset()" % (name, type(self.celltype).__name__, self.celltype.ms_model))
                _lib.check(st, "set %s of %s" % (name, self.label))

    # -- initial values -----------------------------------------------------
    def _set_initial_value_array(self, variable, initial_values):
        self._set_initial(variable, initial_values, slice(None), self.size)

    def _set_initial(self, variable, value, mask, size):
        if variable not in self.celltype.ms_state:
            raise NotImplementedError("pyNN.memspike: initial value of %s for %s"
                                      % (variable, type(self.celltype).__name__))
        native, scale = self.celltype.ms_state[variable]
        if hasattr(value, "evaluate"):
            value.shape = (size,)
            vals = value.evaluate(simplify=False)
        else:
            vals = value
        vals = np.broadcast_to(np.asarray(vals, dtype=float), (size,)) * scale
        arr = self._initial.setdefault(native, np.zeros(self.size))
        arr[mask] = vals
        if simulator.state.built and simulator.state.t == 0:
            self._ms_apply_initial()

    def _ms_apply_initial(self):
        sim = simulator.state.sim
        for native, arr in self._initial.items():
            for (a, b, pop, _g) in self.segments:
                sim.set_initial(pop, native, arr[a:b])

    def _get_view(self, selector, label=None):
        return PopulationView(self, selector, label)

    # -- the build ----------------------------------------------------------
    def _ms_build(self, sim):
        state = simulator.state
        base = state.unique_name(self.label, "pop%d" % state.populations.index(self))
        self.segments = []
        if hasattr(self.celltype, "ms_model"):
            names = sorted(self._native)
            rows = np.column_stack([self._native[n] for n in names]) if names \
                else np.zeros((self.size, 0))
            runs = _runs(rows)
            for k, (a, b) in enumerate(runs):
                name = base if len(runs) == 1 else state.unique_name("%s_%d" % (base, k), base)
                params = dict((n, _text(self._native[n][a])) for n in names)
                if "t_ref" in params:
                    # NEST counts the refractory period in whole steps
                    # (Time::ms rounds); memspike wants a multiple of dt
                    dt = simulator.state.dt
                    params["t_ref"] = _text(round(self._native["t_ref"][a] / dt) * dt)
                pop = sim.add_population(name, self.celltype.ms_model, b - a, params)
                self.segments.append((a, b, pop, sim.first_gid(pop)))
            self._ms_apply_initial()
        else:
            pop = sim.add_population(base, "parrot_neuron", self.size, {})
            self.segments.append((0, self.size, pop, sim.first_gid(pop)))
            self._ms_build_source(sim, base, pop)

    def _ms_build_source(self, sim, base, parrots):
        dt = simulator.state.dt
        # the feed's delay: one tick, or min_delay when setup() gave one (the
        # feed crosses ranks, and no delay may be below min_delay); times
        # move earlier by it and one tick more (recording.py's naming)
        feed = simulator.state.min_delay
        shift = feed + dt
        if self.celltype.ms_source == "poisson_generator":
            keys = list(zip(self._native["rate"], self._native["start"], self._native["stop"]))
        else:
            keys = [tuple(np.asarray(getattr(s, "value", s), dtype=float).ravel())
                    for s in self._native["spike_times"]]
        for k, (key, cells) in enumerate(_groups(keys)):
            if self.celltype.ms_source == "poisson_generator":
                rate, start, stop = key
                params = {"rate": _text(rate), "start": _text(max(start - shift, 0.0))}
                if np.isfinite(stop) and stop < 1e9:
                    if stop - shift <= max(start - shift, 0.0):
                        continue
                    params["stop"] = _text(stop - shift)
            else:
                times = np.round(np.asarray(key) / dt) * dt - shift
                if np.any(times < dt - 1e-9):
                    warnings.warn("pyNN.memspike: %s: spike times before %g ms (min_delay "
                                  "+ two time steps) cannot be delivered through the source's "
                                  "parrot neuron and are dropped" % (self.label, shift + dt))
                    times = times[times >= dt - 1e-9]
                if times.size == 0:
                    continue
                params = {"spike_times": ", ".join(repr(float(t)) for t in times)}
            gen = sim.add_population(simulator.state.unique_name("%s_gen%d" % (base, k), base),
                                     self.celltype.ms_source, 1, params)
            name = simulator.state.unique_name("%s_feed%d" % (base, k), base)
            if len(cells) == self.size:
                sim.add_projection(name, gen, parrots, "all_to_all",
                                   {"weight": "1", "delay": _text(feed)})
            else:
                n = len(cells)
                sim.add_projection_list(name, gen, parrots, np.zeros(n), np.array(cells),
                                        np.ones(n), np.full(n, feed), {})

    def _ms_gids(self, indices):
        """memspike gids of cells `indices` (ndarray) of this Population."""
        gids = np.empty(len(indices), np.int64)
        for (a, b, _pop, g) in self.segments:
            m = (indices >= a) & (indices < b)
            gids[m] = g + indices[m] - a
        return gids
