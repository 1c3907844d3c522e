#!/usr/bin/python3
"""
test_pynn.py: pyNN.memspike's own checks, each against a closed form, a
stated tolerance or PyNN's contract.  Prints "  ok   NAME" or
"  FAIL NAME: detail" per check (tests/pynn.sh counts them); exit 1 on a
failure.  Run from the source tree: /usr/bin/python3 tests/test_pynn.py
(MEMSPIKE_LIB=build/libmemspike.so).
"""
import math
import os
import sys
import tempfile
import traceback
import warnings

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import memspike_pynn_hook  # noqa: E402,F401
import pyNN.memspike as sim  # noqa: E402
from pyNN.random import NumpyRNG, RandomDistribution  # noqa: E402

warnings.simplefilter("ignore")
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("  ok   %s" % name)
    else:
        failed += 1
        print("  FAIL %s: %s" % (name, detail))


def case(f):
    """Run one group of checks; an exception is a failure of the group."""
    try:
        f()
    except Exception as e:
        check(f.__name__, False, "%s: %s\n%s" % (type(e).__name__, e, traceback.format_exc()))
    finally:
        try:
            sim.end()
        except Exception:
            pass
    return f


@case
def units_if_curr_exp():
    # i_offset 1 nA into R = tau_m / cm = 10 ms / 0.25 nF = 40 MOhm: V rises
    # to v_rest + 40 mV; the threshold 10 mV above rest is crossed at
    # t = tau_m ln(40 / 30) = 2.877 ms, the first spike on the grid at 2.9 ms.
    sim.setup(timestep=0.1)
    p = sim.Population(1, sim.IF_curr_exp(i_offset=1.0, cm=0.25, tau_m=10.0, v_rest=-65.0,
                                          v_thresh=-55.0, v_reset=-70.0, tau_refrac=2.0))
    p.initialize(v=-65.0)
    p.record(["spikes", "v"])
    sim.run(20.0)
    blk = p.get_data()
    st = blk.segments[0].spiketrains[0]
    t1 = 10.0 * math.log(40.0 / 30.0)
    check("IF_curr_exp: first spike at tau ln(RI/(RI-dV)) (nA, nF -> pA, pF)",
          len(st) > 0 and 0 <= float(st[0]) - t1 < 0.1 + 1e-9, "spikes %s, expected %.3f" % (st, t1))
    v = blk.segments[0].analogsignals[0]
    check("record('v'): t = 0 ... 20 ms every 0.1 ms, in mV",
          v.shape == (201, 1) and str(v.units.dimensionality) == "mV"
          and abs(float(v[0, 0]) + 65.0) < 1e-9, "shape %s units %s v0 %s"
          % (v.shape, v.units, v[0, 0]))
    check("get('i_offset') gives PyNN units back", abs(p.get("i_offset") - 1.0) < 1e-12,
          str(p.get("i_offset")))


@case
def spike_source_array_delta():
    # a source spike at 5 and 12 ms through a 30 mV delta synapse with 1 ms
    # delay: the target fires at 6 and 13 ms.
    sim.setup(timestep=0.1)
    src = sim.Population(2, sim.SpikeSourceArray(spike_times=[[5.0, 12.0], [7.0]]))
    tgt = sim.Population(2, sim.IF_curr_delta(v_thresh=-50.0, v_rest=-65.0, v_reset=-65.0))
    sim.Projection(src, tgt, sim.OneToOneConnector(), sim.StaticSynapse(weight=30.0, delay=1.0))
    src.record("spikes")
    tgt.record("spikes")
    sim.run(20.0)
    s = [np.array(t) for t in src.get_data().segments[0].spiketrains]
    t = [np.array(x) for x in tgt.get_data().segments[0].spiketrains]
    check("SpikeSourceArray: recorded at the given times",
          np.allclose(s[0], [5.0, 12.0]) and np.allclose(s[1], [7.0]), str(s))
    check("IF_curr_delta: weight in mV, fires delay after each input",
          np.allclose(t[0], [6.0, 13.0]) and np.allclose(t[1], [8.0]), str(t))


@case
def poisson_rate_and_seed():
    def rates(seed):
        sim.setup(timestep=0.1, rng_seed=seed)
        p = sim.Population(200, sim.SpikeSourcePoisson(rate=50.0))
        p.record("spikes")
        sim.run(1000.0)
        trains = p.get_data().segments[0].spiketrains
        out = [np.array(t) for t in trains]
        sim.end()
        return out
    a, b, c = rates(7), rates(7), rates(8)
    mean = np.mean([len(t) for t in a])
    # 200 sources x 1 s at 50 Hz: the mean count has sd sqrt(50 / 200) = 0.5
    check("SpikeSourcePoisson: 200 x 1 s at 50 Hz, mean within 2 Hz", abs(mean - 50) < 2,
          "%.2f Hz" % mean)
    check("SpikeSourcePoisson: independent trains", not np.array_equal(a[0], a[1]))
    check("rng_seed: the same seed gives the same trains",
          all(np.array_equal(x, y) for x, y in zip(a, b)))
    check("rng_seed: another seed, other trains",
          not all(np.array_equal(x, y) for x, y in zip(a, c)))


@case
def connectors_native():
    sim.setup(timestep=0.1, rng_seed=3)
    a = sim.Population(30, sim.IF_curr_exp())
    b = sim.Population(20, sim.IF_curr_exp())
    pre = sim.Projection(a, b, sim.FixedNumberPreConnector(5), sim.StaticSynapse(weight=0.1))
    post = sim.Projection(a, b, sim.FixedNumberPostConnector(4), sim.StaticSynapse(weight=0.1))
    tot = sim.Projection(a, b, sim.FixedTotalNumberConnector(77, with_replacement=True),
                         sim.StaticSynapse(weight=0.1))
    one = sim.Projection(b, b, sim.OneToOneConnector(), sim.StaticSynapse(weight=0.2, delay=0.5))
    alls = sim.Projection(b, b, sim.AllToAllConnector(allow_self_connections=False),
                          sim.StaticSynapse(weight=-0.3), receptor_type="inhibitory")
    prob = sim.Projection(a, b, sim.FixedProbabilityConnector(0.25),
                          sim.StaticSynapse(weight=RandomDistribution("uniform", (0.1, 0.2))))
    c = np.array(pre.get("weight", format="list"))
    check("FixedNumberPre(5): 5 inputs each", np.all(np.bincount(c[:, 1].astype(int),
                                                                  minlength=20) == 5))
    c = np.array(post.get("weight", format="list"))
    check("FixedNumberPost(4): 4 outputs each", np.all(np.bincount(c[:, 0].astype(int),
                                                                    minlength=30) == 4))
    check("FixedTotalNumber(77): 77 in all", len(tot) == 77, str(len(tot)))
    w, d = one.get(["weight", "delay"], format="array")
    check("OneToOne: the diagonal, weight and delay back in PyNN units",
          np.allclose(np.diag(w), 0.2) and np.isnan(w[0, 1]) and np.allclose(np.diag(d), 0.5))
    w = alls.get("weight", format="array")
    check("AllToAll without self connections, inhibitory weight negative",
          np.all(np.isnan(np.diag(w))) and np.nanmax(w) == -0.3 and len(alls) == 380)
    w = np.array(prob.get("weight", format="list"))[:, 2]
    n = len(prob)
    check("FixedProbability(0.25) on 600 pairs: within 4 sd of 150, weights in [0.1, 0.2)",
          abs(n - 150) < 4 * math.sqrt(600 * 0.25 * 0.75) and w.min() >= 0.1 - 1e-6
          and w.max() < 0.2 + 1e-6, "%d, [%g, %g]" % (n, w.min(), w.max()))


@case
def from_list_get_set_weights():
    sim.setup(timestep=0.1)
    src = sim.Population(3, sim.SpikeSourceArray(spike_times=[[2.0], [4.0], [6.0]]))
    tgt = sim.Population(2, sim.IF_curr_exp())
    conns = [(0, 0, 0.5, 1.0), (1, 1, 0.25, 2.0), (2, 0, 0.125, 1.5)]
    prj = sim.Projection(src, tgt, sim.FromListConnector(conns, column_names=["weight", "delay"]),
                         sim.StaticSynapse())
    got = sorted(prj.get(["weight", "delay"], format="list"))
    check("FromListConnector: connections, weights (nA), delays back",
          np.allclose(np.array(got), np.array(sorted(conns))), str(got))
    tgt.record("v")
    sim.run(5.0)
    prj.set(weight=0.75)
    check("set(weight) between runs, get() sees it",
          np.allclose(prj.get("weight", format="array")[[0, 1, 2], [0, 1, 0]], 0.75))
    sim.run(5.0)
    check("run after set(weight) continues the time", abs(sim.get_current_time() - 10.0) < 1e-9)


@case
def stdp_changes_weights():
    sim.setup(timestep=0.1, rng_seed=5)
    src = sim.Population(20, sim.SpikeSourcePoisson(rate=40.0))
    tgt = sim.Population(1, sim.IF_curr_exp(v_thresh=-60.0, v_rest=-65.0, tau_refrac=1.0))
    stdp = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(tau_plus=20.0, tau_minus=20.0, A_plus=0.01,
                                            A_minus=0.012),
        weight_dependence=sim.AdditiveWeightDependence(w_min=0.0, w_max=1.0),
        weight=0.5, delay=1.0)
    prj = sim.Projection(src, tgt, sim.AllToAllConnector(), stdp)
    w0 = prj.get("weight", format="array")
    sim.run(500.0)
    w1 = prj.get("weight", format="array")
    check("STDPMechanism(SpikePairRule, Additive): weights move, stay in [0, w_max]",
          not np.allclose(w0, w1) and np.nanmin(w1) >= 0 and np.nanmax(w1) <= 1.0,
          "%s -> %s" % (w0.ravel()[:3], w1.ravel()[:3]))
    sim.end()
    sim.setup(timestep=0.1, rng_seed=5)
    src = sim.Population(20, sim.SpikeSourcePoisson(rate=40.0))
    tgt = sim.Population(1, sim.IF_curr_exp(v_thresh=-60.0, v_rest=-65.0, tau_refrac=1.0))
    mult = sim.STDPMechanism(
        timing_dependence=sim.SpikePairRule(A_plus=0.01, A_minus=0.012),
        weight_dependence=sim.MultiplicativeWeightDependence(w_max=1.0), weight=0.5, delay=1.0)
    prj = sim.Projection(src, tgt, sim.AllToAllConnector(), mult)
    sim.run(500.0)
    w2 = prj.get("weight", format="array")
    check("MultiplicativeWeightDependence: another trajectory than additive",
          not np.allclose(w1, w2) and np.nanmax(w2) < 1.0)


@case
def reset_repeats():
    sim.setup(timestep=0.1, rng_seed=11)
    src = sim.Population(10, sim.SpikeSourcePoisson(rate=100.0))
    tgt = sim.Population(5, sim.IF_curr_exp())
    sim.Projection(src, tgt, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.5, delay=1.0))
    tgt.record(["spikes", "v"])
    sim.run(50.0)
    sim.reset()
    sim.run(50.0)
    blk = tgt.get_data()
    a, b = blk.segments
    check("reset(): two segments, the second run repeats the first",
          len(blk.segments) == 2 and np.array_equal(np.asarray(a.analogsignals[0]),
                                                    np.asarray(b.analogsignals[0])))


@case
def parameters_between_runs():
    sim.setup(timestep=0.1)
    p = sim.Population(1, sim.IF_curr_exp(i_offset=0.0, tau_refrac=2.0))
    p.record("spikes")
    sim.run(100.0)
    n0 = p.get_spike_counts()[p[0]]
    p.set(i_offset=2.0)
    sim.run(100.0)
    n1 = p.get_spike_counts()[p[0]]
    check("IF_curr_exp: i_offset set between runs drives spikes", n0 == 0 and n1 > 5,
          "%d, %d" % (n0, n1))
    sim.end()
    sim.setup(timestep=0.1)
    q = sim.Population(1, sim.IF_curr_delta())
    sim.run(10.0)
    try:
        q.set(tau_m=5.0)
        ok = False
        msg = "no error"
    except NotImplementedError as e:
        ok = "tau_m" in str(e)
        msg = str(e)
    check("IF_curr_delta: a parameter between runs is NotImplementedError naming it", ok, msg)


@case
def izhikevich_spikes():
    # NEST's izhikevich (consistent_integration: forward Euler from the old
    # V, U), I_e = 10 pA with R = 1: the spike times of the same recurrence
    # in numpy, NEST's time stamps (the end of the step).
    h, a, b, c, d, I = 0.1, 0.02, 0.2, -65.0, 8.0, 10.0
    v, u, ref = -65.0, -13.0, []
    for k in range(5000):
        v, u = v + h * (0.04 * v * v + 5 * v + 140 - u + I), u + h * a * (b * v - u)
        if v >= 30.0:
            v, u = c, u + d
            ref.append((k + 1) * h)
    sim.setup(timestep=h)
    p = sim.Population(1, sim.Izhikevich(a=a, b=b, c=c, d=d, i_offset=I / 1000.0))
    p.initialize(v=-65.0, u=-13.0)
    p.record(["spikes", "v", "u"])
    sim.run(500.0)
    seg = p.get_data().segments[0]
    got = np.array(seg.spiketrains[0])
    check("Izhikevich: i_offset in nA (I_e pA), spike times of NEST's step (%d spikes)"
          % len(ref), len(got) == len(ref) and np.allclose(got, ref), "%s vs %s" % (got, ref))
    names = sorted(s.name for s in seg.analogsignals)
    check("Izhikevich: v and u recorded", names == ["u", "v"], str(names))


@case
def write_data_pickle():
    from neo.io import PickleIO
    sim.setup(timestep=0.1, rng_seed=2)
    p = sim.Population(5, sim.SpikeSourcePoisson(rate=80.0), label="P")
    p.record("spikes")
    sim.run(100.0)
    d = tempfile.mkdtemp()
    f = os.path.join(d, "p.pkl")
    p.write_data(f)
    a = [np.array(t) for t in p.get_data().segments[0].spiketrains]
    b = [np.array(t) for t in PickleIO(f).read_block().segments[0].spiketrains]
    check("write_data(.pkl): Neo pickle reads back the same spike trains",
          len(a) == 5 and all(np.array_equal(x, y) for x, y in zip(a, b)))


@case
def unsupported_named():
    sim.setup()
    for make, what in ((lambda: sim.IF_cond_exp(), "IF_cond_exp"),
                       (lambda: sim.DCSource(amplitude=1.0), "DCSource"),
                       (lambda: sim.TsodyksMarkramSynapse(), "TsodyksMarkramSynapse")):
        try:
            make()
            check("%s raises NotImplementedError" % what, False, "no error")
        except NotImplementedError as e:
            check("%s raises NotImplementedError naming it" % what, what in str(e), str(e))


@case
def device_synapse():
    sim.setup(timestep=0.1)
    src = sim.Population(4, sim.SpikeSourceArray(spike_times=[5.0]))
    tgt = sim.Population(1, sim.IF_curr_exp())
    prj = sim.Projection(src, tgt, sim.AllToAllConnector(),
                         sim.DeviceSynapse(device="ideal", weight=0.05, delay=1.0,
                                           weight_scale=0.1))
    tgt.record("v")
    sim.run(20.0)
    w = prj.get("weight", format="array")
    v = np.asarray(tgt.get_data().segments[0].analogsignals[0])[:, 0]
    check("DeviceSynapse('ideal'): weights programmed, the input moves V_m",
          np.allclose(w, 0.05, rtol=1e-3) and v.max() > v[0] + 0.01, "%s, %s" % (w.ravel(),
                                                                             v.max() - v[0]))


@case
def views_and_assemblies():
    sim.setup(timestep=0.1, rng_seed=4)
    a = sim.Population(10, sim.IF_curr_exp(), label="A")
    b = sim.Population(6, sim.IF_curr_exp(), label="B")
    asm = a + b
    prj = sim.Projection(a[2:5], asm, sim.AllToAllConnector(), sim.StaticSynapse(weight=0.1),
                         receptor_type="excitatory")
    check("PopulationView -> Assembly: 3 x 16 connections", len(prj) == 48, str(len(prj)))
    asm.record("spikes")
    a[0:3].set(i_offset=3.0)
    sim.run(50.0)
    counts = asm.get_spike_counts()
    check("Assembly recording; set() on a view reaches only its cells",
          all(counts[c] > 0 for c in a[0:3]) and all(counts[c] == 0 for c in b), str(counts))


sys.exit(1 if failed else 0)
