"""
electrodes.py: PyNN's current sources.  memspike has no current
injection yet (a neuron's drive is its I_e / i_offset), so each raises
NotImplementedError naming itself when created.
"""
from pyNN.standardmodels import electrodes

__all__ = ["DCSource", "ACSource", "StepCurrentSource", "NoisyCurrentSource"]


def _unsupported(base):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("pyNN.memspike does not support the current source %s "
                                  "(no current injection; use the cell's i_offset)"
                                  % base.__name__)
    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__})


for _name in __all__:
    globals()[_name] = _unsupported(getattr(electrodes, _name))
