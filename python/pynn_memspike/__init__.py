"""
pyNN.memspike: PyNN 0.10's API on memspike, an event-driven spiking
network simulator with memory-device synapses (docs/python.md, "PyNN").

    import pyNN.memspike as sim
    sim.setup(timestep=0.1, rng_seed=42)
    ...

Models are NEST's (iaf_psc_exp, iaf_psc_delta, izhikevich,
poisson_generator, spike_generator), driven through libmemspike with
ctypes (_lib.py).  Anything of PyNN's API that memspike cannot do raises
NotImplementedError naming it.
"""
import logging

from pyNN import common, space, errors            # noqa: F401
from pyNN.common.control import DEFAULT_MAX_DELAY, DEFAULT_TIMESTEP, DEFAULT_MIN_DELAY
from pyNN.connectors import *                      # noqa: F401,F403
from pyNN.recording import *                       # noqa: F401,F403
from pyNN.random import NumpyRNG, GSLRNG, NativeRNG  # noqa: F401
from pyNN.space import Space                       # noqa: F401
from pyNN.standardmodels import StandardCellType
from neo.io import get_io

from . import simulator, _lib
from .standardmodels import *                      # noqa: F401,F403
from .populations import Population, PopulationView, Assembly
from .projections import Projection

logger = logging.getLogger("PyNN")


def list_standard_models():
    """The StandardCellType classes this backend can simulate."""
    return [obj.__name__ for obj in globals().values()
            if isinstance(obj, type) and issubclass(obj, StandardCellType)
            and (hasattr(obj, "ms_model") or hasattr(obj, "ms_source"))]


def setup(timestep=DEFAULT_TIMESTEP, min_delay=DEFAULT_MIN_DELAY, **extra_params):
    """
    Start a simulation: timestep (ms, memspike's resolution), min_delay
    ('auto' or ms: memspike's window between rank exchanges),
    rng_seed (memspike's seed; without it the seed of the first
    NumpyRNG / NativeRNG given to a connector, else 1).  max_delay is
    accepted ('auto' in memspike); other extra parameters of other
    backends (threads, spike_precision='on_grid') are accepted when they
    ask for what memspike does, else NotImplementedError.
    """
    max_delay = extra_params.get('max_delay', DEFAULT_MAX_DELAY)
    common.setup(timestep, min_delay, **extra_params)
    if extra_params.get("spike_precision", "on_grid") != "on_grid":
        raise NotImplementedError("pyNN.memspike: spike_precision=%r (spikes are on the time "
                                  "grid)" % extra_params["spike_precision"])
    simulator.state.clear()
    simulator.state.dt = timestep
    simulator.state.min_delay = min_delay
    simulator.state.max_delay = max_delay
    seed = extra_params.get("rng_seed", extra_params.get("seed"))
    if seed is not None:
        simulator.state.seed = int(seed)
    return rank()


def end(compatible_output=True):
    """Write the data asked for with record(..., filename) and free the simulation."""
    for (population, variables, filename) in simulator.state.write_on_end:
        io = get_io(filename)
        population.write_data(io, variables)
    simulator.state.write_on_end = []
    simulator.state.destroy()


run, run_until = common.build_run(simulator)
run_for = run

reset = common.build_reset(simulator)

initialize = common.initialize

get_current_time, get_time_step, get_min_delay, get_max_delay, \
    _num_processes, _rank = common.build_state_queries(simulator)


def num_processes():
    """The number of MPI ranks memspike runs on (results are on every rank)."""
    return _lib.nranks()


def rank():
    """This process's MPI rank."""
    return _lib.rank()


create = common.build_create(Population)

connect = common.build_connect(Projection, FixedProbabilityConnector, StaticSynapse)  # noqa: F405

record = common.build_record(simulator)


def record_v(source, filename):
    return record(['v'], source, filename)


def record_gsyn(source, filename):
    raise NotImplementedError("pyNN.memspike: gsyn (no conductance-based cells)")
