"""
simulator.py: the state of a pyNN.memspike simulation.

PyNN builds a network object by object and may change parameters, weights
and what is recorded between runs; memspike fixes its structure at the
first run (include/memspike.h).  So the PyNN objects keep the description
(populations with per-neuron native parameters, projections, recorded
cells) and the first run, or the first question only the built network can
answer (connections of a rule-drawn projection), hands it to one ms_sim.
From then on parameter and weight changes go to the library; a
structural change (new population, projection or recorded cells) raises
NotImplementedError naming it.

MPI: every rank runs the same script and holds the whole description;
the library splits the neurons as `memspike run` does and gathers every
result on every rank, so PyNN itself runs as one process
(num_processes = 1 inside PyNN: no mpi4py gathers), and rank() /
num_processes() report the library's ranks.  Files are written by rank 0.
"""
import atexit
import re

import numpy as np
from pyNN import common

from . import _lib

name = "memspike"

_lib.init()


class ID(int, common.IDMixin):

    def __init__(self, n):
        """Create an ID object with numerical value `n`."""
        int.__init__(n)
        common.IDMixin.__init__(self)


def _seed_of(rng):
    """The seed of a PyNN RNG (NumpyRNG, NativeRNG, GSLRNG), or None."""
    s = getattr(rng, "seed", None)
    return None if s is None else int(s)


class OrderedSet(object):
    """A set that iterates in insertion order.  PyNN keeps the recorders in
    state.recorders and walks it at reset() (each recorder reads its data,
    a collective call under MPI): a plain set's order follows object ids,
    which differ between ranks, and the ranks' calls would not match."""

    def __init__(self):
        self._items = {}

    def add(self, x):
        self._items[x] = None

    def discard(self, x):
        self._items.pop(x, None)

    def remove(self, x):
        del self._items[x]

    def __iter__(self):
        return iter(list(self._items))

    def __len__(self):
        return len(self._items)

    def __contains__(self, x):
        return x in self._items


def safe_name(label, fallback):
    s = re.sub(r"[^A-Za-z0-9_-]", "_", str(label)) if label else ""
    return s or fallback


class State(common.control.BaseState):

    def __init__(self):
        common.control.BaseState.__init__(self)
        self.mpi_rank = _lib.rank()
        self.num_processes = 1         # inside PyNN: results are gathered by the library
        self.ms_nranks = _lib.nranks()
        self.sim = None
        self.dt = 0.1
        self.min_delay = 'auto'
        self.max_delay = 'auto'
        self.seed = None
        self.clear()

    # PyNN checks delays against these: 'auto' means one tick and the
    # longest delay memspike holds (65535 ticks)
    def _get_min_delay(self):
        return self.dt if self._min_delay == 'auto' else self._min_delay

    def _set_min_delay(self, d):
        self._min_delay = d
    min_delay = property(_get_min_delay, _set_min_delay)

    def _get_max_delay(self):
        return 65535 * self.dt if self._max_delay == 'auto' else self._max_delay

    def _set_max_delay(self, d):
        self._max_delay = d
    max_delay = property(_get_max_delay, _set_max_delay)

    # -- lifetime --------------------------------------------------------
    def clear(self):
        self.destroy()
        self.populations = []
        self.projections = []
        self.recorders = OrderedSet()
        self.id_counter = 0
        self.segment_counter = -1
        self.seed = None
        self.seed_given = False
        self.names = set()
        self.reset()

    def destroy(self):
        if self.sim is not None:
            self.sim.destroy()
        self.sim = None

    def unique_name(self, label, fallback):
        base = safe_name(label, fallback)
        name, k = base, 1
        while name in self.names:
            name = "%s_%d" % (base, k)
            k += 1
        self.names.add(name)
        return name

    def use_rng(self, rng):
        """A connector's or distribution's RNG: its seed becomes memspike's
        seed when setup() gave none (docs/python.md, "Random numbers")."""
        s = _seed_of(rng)
        if s is not None and self.seed is None:
            self.seed = s

    # -- building ----------------------------------------------------------
    @property
    def built(self):
        return self.sim is not None

    def build(self):
        """Hand the description to a new ms_sim and build it (run_until(0))."""
        if self.sim is not None:
            return
        keys = {"resolution": repr(float(self.dt)), "seed": str(self.seed or 1)}
        if self._min_delay != 'auto':
            keys["min_delay"] = repr(float(self._min_delay))
        self.names = set()
        self.sim = _lib.Sim(keys)
        try:
            for p in self.populations:
                p._ms_build(self.sim)
            for prj in self.projections:
                prj._ms_build(self.sim)
            for rec in self.recorders:
                rec._ms_build(self.sim)
            self.sim.run_until(0.0)
            for prj in self.projections:
                prj._ms_reapply()
        except Exception:
            self.destroy()
            raise
        self.ms_min_delay = self.sim.min_delay()

    def check_unbuilt(self, what):
        """A structural change: free to make before anything was simulated
        since setup() or reset() (the network is then built again at the
        next need, weights set through Projection.set() applied again);
        after that NotImplementedError."""
        if self.sim is None:
            return
        if self.t == 0:
            self.destroy()
            return
        raise NotImplementedError("pyNN.memspike: %s during a run (memspike fixes populations, "
                                  "projections and recorded cells from the first run until "
                                  "reset())" % what)

    # -- running -----------------------------------------------------------
    def run(self, simtime):
        self.run_until(self.t + simtime)

    def run_until(self, tstop):
        self.build()
        if tstop > self.t + 1e-12:
            self.sim.run_until(round(tstop / self.dt) * self.dt)
        self.t = tstop
        self.running = True
        self.run_count += 1

    def reset(self):
        """Back to t = 0 with the same network (recorders stored their data
        in PyNN's cache before this)."""
        if self.sim is not None:
            self.sim.reset()
            for p in self.populations:
                p._ms_apply_initial()
        self.running = False
        self.run_count = getattr(self, "run_count", 0) + 1
        self.t = 0.0
        self.t_start = 0.0
        self.segment_counter += 1


state = State()


def _at_exit():
    # every ms_sim before ms_finalize; under mpirun every rank must finalize
    state.destroy()
    _lib.finalize()


atexit.register(_at_exit)
