"""
cells.py: PyNN's standard cells as memspike models, with NEST's parameter
names and units (memspike's configs use NEST's names: iaf_psc_exp takes
E_L, C_m in pF, I_e in pA ...), the tables pyNN.nest uses.

ms_model: the memspike model of a neuron population; ms_source: the
generator behind a spike source (its spikes reach the PyNN-visible
parrot_neuron population one tick later, so times and start/stop are moved
one tick earlier, as pyNN.nest does for its parrots).
ms_state: PyNN state variable -> (memspike state variable, scale).
weight_scale: PyNN weight unit -> memspike input unit (nA -> pA for
current synapses; mV stays mV for delta synapses and Izhikevich).
Cell types PyNN defines that memspike has no model for raise
NotImplementedError when created, naming the type.
"""
from pyNN.standardmodels import cells, build_translations


SUPPORTED = ("IF_curr_exp", "IF_curr_delta", "Izhikevich", "SpikeSourcePoisson",
             "SpikeSourceArray")
__all__ = list(SUPPORTED)


class IF_curr_exp(cells.IF_curr_exp):
    __doc__ = cells.IF_curr_exp.__doc__
    translations = build_translations(
        ('v_rest',     'E_L'),
        ('v_reset',    'V_reset'),
        ('cm',         'C_m',        1000.0),  # nF -> pF
        ('tau_m',      'tau_m'),
        ('tau_refrac', 't_ref'),
        ('tau_syn_E',  'tau_syn_ex'),
        ('tau_syn_I',  'tau_syn_in'),
        ('v_thresh',   'V_th'),
        ('i_offset',   'I_e',        1000.0),  # nA -> pA
    )
    ms_model = "iaf_psc_exp"
    ms_state = {'v': ('V_m', 1.0), 'isyn_exc': ('I_syn_ex', 1000.0),
                'isyn_inh': ('I_syn_in', 1000.0)}
    weight_scale = 1000.0   # nA -> pA
    standard_receptor_type = True


class IF_curr_delta(cells.IF_curr_delta):
    __doc__ = cells.IF_curr_delta.__doc__
    translations = build_translations(
        ('v_rest',     'E_L'),
        ('v_reset',    'V_reset'),
        ('cm',         'C_m',        1000.0),
        ('tau_m',      'tau_m'),
        ('tau_refrac', 't_ref'),
        ('v_thresh',   'V_th'),
        ('i_offset',   'I_e',        1000.0),
    )
    ms_model = "iaf_psc_delta"
    ms_state = {'v': ('V_m', 1.0)}
    weight_scale = 1.0      # mV: a jump of V_m
    standard_receptor_type = True


class Izhikevich(cells.Izhikevich):
    __doc__ = cells.Izhikevich.__doc__
    translations = build_translations(
        ('a',        'a'),
        ('b',        'b'),
        ('c',        'c'),
        ('d',        'd'),
        ('i_offset', 'I_e',      1000.0),
    )
    ms_model = "izhikevich"
    ms_state = {'v': ('V_m', 1.0), 'u': ('U_m', 1.0)}
    weight_scale = 1.0      # mV added to V_m
    standard_receptor_type = True


class SpikeSourcePoisson(cells.SpikeSourcePoisson):
    __doc__ = cells.SpikeSourcePoisson.__doc__
    translations = build_translations(
        ('rate',     'rate'),
        ('start',    'start'),
        ('duration', 'stop',    "start+duration", "stop-start"),
    )
    ms_source = "poisson_generator"
    ms_state = {}


class SpikeSourceArray(cells.SpikeSourceArray):
    __doc__ = cells.SpikeSourceArray.__doc__
    translations = build_translations(
        ('spike_times', 'spike_times'),
    )
    ms_source = "spike_generator"
    ms_state = {}


def _unsupported(base):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(
            "pyNN.memspike does not support the cell type %s (supported: %s)"
            % (base.__name__, ", ".join(SUPPORTED)))
    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__,
                                         "translations": {}})


_UNSUPPORTED = [name for name in dir(cells)
                if isinstance(getattr(cells, name), type)
                and issubclass(getattr(cells, name), cells.StandardCellType)
                and name not in SUPPORTED and name != "StandardCellType"]
for _name in _UNSUPPORTED:
    globals()[_name] = _unsupported(getattr(cells, _name))
__all__ += _UNSUPPORTED
