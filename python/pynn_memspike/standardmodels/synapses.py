"""
synapses.py: PyNN's synapse types as memspike projection keys.

StaticSynapse -> synapse = static_synapse; STDPMechanism(SpikePairRule,
Additive/MultiplicativeWeightDependence) -> synapse = stdp_synapse with
NEST's names (lambda = A_plus, alpha = A_minus / A_plus, mu_plus/mu_minus
0 or 1, Wmax = w_max): memspike's stdp_synapse is NEST's.  Weights and
Wmax are translated to the target's unit by the projection (nA -> pA for
IF_curr_exp, mV stays mV), since the factor depends on the target cell.
DeviceSynapse is memspike's own: one memory device per synapse from a
preset (configs/devices/NAME.ini, docs/devices.md).
"""
from pyNN.standardmodels import synapses, build_translations, StandardSynapseType

from .. import simulator

__all__ = ["StaticSynapse", "STDPMechanism", "SpikePairRule", "AdditiveWeightDependence",
           "MultiplicativeWeightDependence", "DeviceSynapse"]


class _MinDelay(object):
    def _get_minimum_delay(self):
        d = simulator.state.min_delay
        if d == 'auto':
            d = simulator.state.dt
        return d


class StaticSynapse(_MinDelay, synapses.StaticSynapse):
    __doc__ = synapses.StaticSynapse.__doc__
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))
    ms_synapse = "static_synapse"


class STDPMechanism(_MinDelay, synapses.STDPMechanism):
    __doc__ = synapses.STDPMechanism.__doc__
    base_translations = build_translations(
        ('weight', 'weight'),
        ('delay', 'delay'),
        ('dendritic_delay_fraction', 'dendritic_delay_fraction'),
    )
    ms_synapse = "stdp_synapse"

    def __init__(self, timing_dependence=None, weight_dependence=None,
                 voltage_dependence=None, dendritic_delay_fraction=1.0,
                 weight=0.0, delay=None):
        if voltage_dependence is not None:
            raise NotImplementedError("pyNN.memspike: STDPMechanism with a voltage_dependence")
        if dendritic_delay_fraction != 1:
            raise NotImplementedError("pyNN.memspike: STDPMechanism with dendritic_delay_fraction "
                                      "!= 1 (memspike, like NEST, counts the delay as dendritic)")
        if not isinstance(timing_dependence, SpikePairRule):
            raise NotImplementedError("pyNN.memspike: STDP timing dependence %s (supported: "
                                      "SpikePairRule)" % type(timing_dependence).__name__)
        if not isinstance(weight_dependence, (AdditiveWeightDependence,
                                              MultiplicativeWeightDependence)):
            raise NotImplementedError("pyNN.memspike: STDP weight dependence %s (supported: "
                                      "AdditiveWeightDependence, MultiplicativeWeightDependence)"
                                      % type(weight_dependence).__name__)
        synapses.STDPMechanism.__init__(self, timing_dependence, weight_dependence,
                                        voltage_dependence, dendritic_delay_fraction,
                                        weight, delay)

    def _build_translations(self):
        self.translations = dict(self.__class__.base_translations)
        for component in (self.timing_dependence, self.weight_dependence):
            if component:
                self.translations.update(component.translations)

    @property
    def possible_models(self):
        return set(["stdp_synapse"])


def _translate_alpha(**p):
    return p["A_minus"] / p["A_plus"] if p["A_plus"] != 0 else p["A_minus"]


def _translate_A_minus(**p):
    return p["alpha"] * p["lambda"] if p["lambda"] != 0 else p["alpha"]


class SpikePairRule(synapses.SpikePairRule):
    __doc__ = synapses.SpikePairRule.__doc__
    translations = build_translations(
        ('tau_plus',  'tau_plus'),
        ('tau_minus', 'tau_minus'),
        ('A_plus',    'lambda'),
        ('A_minus',   'alpha', _translate_alpha, _translate_A_minus),
    )
    possible_models = set(["stdp_synapse"])


class _WeightDependence(object):
    def __init__(self, w_min=0.0, w_max=1.0):
        if w_min != 0:
            raise NotImplementedError("pyNN.memspike: STDP with w_min != 0 (memspike's "
                                      "stdp_synapse, NEST's, has its lower bound at 0)")
        self._base.__init__(self, w_min, w_max)


class AdditiveWeightDependence(_WeightDependence, synapses.AdditiveWeightDependence):
    __doc__ = synapses.AdditiveWeightDependence.__doc__
    _base = synapses.AdditiveWeightDependence
    translations = build_translations(('w_max', 'Wmax'), ('w_min', 'w_min_zero'))
    possible_models = set(["stdp_synapse"])
    extra_parameters = {'mu_plus': 0.0, 'mu_minus': 0.0}


class MultiplicativeWeightDependence(_WeightDependence, synapses.MultiplicativeWeightDependence):
    __doc__ = synapses.MultiplicativeWeightDependence.__doc__
    _base = synapses.MultiplicativeWeightDependence
    translations = build_translations(('w_max', 'Wmax'), ('w_min', 'w_min_zero'))
    possible_models = set(["stdp_synapse"])
    extra_parameters = {'mu_plus': 1.0, 'mu_minus': 1.0}


class DeviceSynapse(_MinDelay, StandardSynapseType):
    """
    memspike's device synapse: each synapse is a memory device (ECRAM,
    RRAM, PCM, ideal) from a preset, configs/devices/NAME.ini
    (docs/devices.md).  weight = weight_scale x (w - w_ref) in the target's
    unit (pA for IF_curr_exp, given here in nA like every PyNN weight; mV
    for IF_curr_delta and Izhikevich).  plasticity = 'stdp' with a
    SpikePairRule turns each STDP change into write pulses.  Other keyword
    arguments override preset parameters (read_noise=0.01, ...).

        DeviceSynapse(device="ecram_li_wo3", weight=0.004, delay=1.0,
                      weight_scale=0.0045, w_ref=-0.8276, plasticity="stdp",
                      timing_dependence=SpikePairRule(A_plus=0.005, A_minus=0.00525),
                      w_max=0.009)
    """
    default_parameters = {'weight': 0.0, 'delay': None}
    translations = build_translations(('weight', 'weight'), ('delay', 'delay'))
    ms_synapse = "device"

    def __init__(self, device, weight=0.0, delay=None, weight_scale=None, w_ref=0.0,
                 weight_mode="single", plasticity="none", timing_dependence=None,
                 w_max=None, **preset_overrides):
        StandardSynapseType.__init__(self, weight=weight, delay=delay)
        if plasticity not in ("none", "stdp"):
            raise ValueError("DeviceSynapse: plasticity must be 'none' or 'stdp', not %r"
                             % (plasticity,))
        if plasticity == "stdp" and not isinstance(timing_dependence, SpikePairRule):
            raise NotImplementedError("pyNN.memspike: DeviceSynapse(plasticity='stdp') needs a "
                                      "SpikePairRule timing_dependence")
        self.device = device
        self.weight_scale = weight_scale
        self.w_ref = w_ref
        self.weight_mode = weight_mode
        self.plasticity = plasticity
        self.timing_dependence = timing_dependence
        self.w_max = w_max
        self.preset_overrides = preset_overrides


def _unsupported(base):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError("pyNN.memspike does not support the synapse type %s "
                                  "(supported: StaticSynapse, STDPMechanism, DeviceSynapse)"
                                  % base.__name__)
    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": base.__doc__})


_UNSUPPORTED = ["TsodyksMarkramSynapse", "SimpleStochasticSynapse",
                "StochasticTsodyksMarkramSynapse", "MultiQuantalSynapse", "ElectricalSynapse",
                "AdditivePotentiationMultiplicativeDepression", "GutigWeightDependence",
                "Vogels2011Rule"]
for _name in _UNSUPPORTED:
    globals()[_name] = _unsupported(getattr(synapses, _name))
__all__ += _UNSUPPORTED
