#!/usr/bin/python3
"""
pynn_compare.py: the same PyNN scripts on pyNN.brian2 and pyNN.memspike,
several seeds each, mean firing rates side by side.

  /usr/bin/python3 bench/pynn_compare.py [--small] [--seeds N] [--json FILE]

Networks (one function each below, written once for both backends):
- cuba: Brette et al. 2007's CUBA benchmark (Vogels & Abbott 2005):
  IF_curr_exp, 80 % excitatory, E_L = -49 mV above threshold -50 mV,
  reset -60 mV, t_ref 5 ms, tau_syn 5 / 10 ms, w_e = 0.27 nS x 60 mV =
  16.2 pA, w_i = -4.5 nS x 20 mV = -90 pA, FixedProbability with 80
  inputs per neuron on average (p = 0.02 at the benchmark's N = 4000),
  V_m uniform in [-60, -50) mV.
- brunel: Brunel 2000's model A (IF_curr_delta, J = 0.1 mV, g = 5,
  eta = 1, D = 1.5 ms, C_E = 0.1 N_E, t_ref 2 ms, theta 20 mV, reset
  10 mV), 10 C_E external inputs per neuron at eta nu_thr / 10 from a
  pool of 20 N Poisson sources (FixedNumberPre, weight J); eta and g from
  $BRUNEL_ETA, $BRUNEL_G (defaults 1 and 5: drive at threshold, irregular
  firing near 15 Hz; at eta = 2 the small network fires near 94 Hz, where
  Brian2's refractory period, one step shorter than NEST's, gives 1 %
  less).
Each backend runs its seeds in one process of its own (setup() again
per seed).  Rates: spikes of all neurons over [T0, T) per neuron and second.
Seeds: memspike runs 10 (it is cheap), Brian2 3 (--small) or 5.  The
check: |memspike mean - brian2 mean| <= 2 x the larger of the two
seed-to-seed standard deviations (the spread of the network itself:
connectivity and initial V_m change with the seed); exit 1 otherwise.  --small is the size `make pynn`
runs (tests/pynn.sh); the default is the benchmark's size.
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def cuba(sim, seed, n, t_stop):
    from pyNN.random import NumpyRNG, RandomDistribution
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    sim.setup(timestep=0.1, min_delay=0.1, rng_seed=seed)
    ne = int(n * 0.8)
    cell = dict(cm=0.2, tau_m=20.0, tau_refrac=5.0, v_rest=-49.0, v_thresh=-50.0,
                v_reset=-60.0, tau_syn_E=5.0, tau_syn_I=10.0, i_offset=0.0)
    E = sim.Population(ne, sim.IF_curr_exp(**cell), label="E")
    I = sim.Population(n - ne, sim.IF_curr_exp(**cell), label="I")
    for p in (E, I):
        p.initialize(v=RandomDistribution("uniform", (-60.0, -50.0), rng=rng))
        p.record("spikes")
    conn = sim.FixedProbabilityConnector(min(1.0, 80.0 / n), rng=rng)
    for pre, w, r in ((E, 0.0162, "excitatory"), (I, -0.09, "inhibitory")):
        for post in (E, I):
            sim.Projection(pre, post, conn, sim.StaticSynapse(weight=w, delay=0.1),
                           receptor_type=r)
    sim.run(t_stop)
    return E, I


def brunel(sim, seed, n, t_stop, eta=float(os.environ.get("BRUNEL_ETA", 1.0)),
           g=float(os.environ.get("BRUNEL_G", 5.0))):
    from pyNN.random import NumpyRNG, RandomDistribution
    rng = NumpyRNG(seed=seed, parallel_safe=True)
    sim.setup(timestep=0.1, min_delay=1.5, rng_seed=seed)
    ne = int(n * 0.8)
    ni = n - ne
    ce, ci = int(0.1 * ne), int(0.1 * ni)
    J, tau_m, theta = 0.1, 20.0, 20.0
    nu_thr = theta / (J * ce * tau_m) * 1000.0       # Hz
    cell = dict(cm=0.25, tau_m=tau_m, tau_refrac=2.0, v_rest=0.0, v_thresh=theta,
                v_reset=10.0, i_offset=0.0)
    E = sim.Population(ne, sim.IF_curr_delta(**cell), label="E")
    I = sim.Population(ni, sim.IF_curr_delta(**cell), label="I")
    # external drive: eta nu_thr C_E per neuron as 10 C_E inputs at eta
    # nu_thr / 10 each, drawn from a pool of 20 n sources: Brian2's
    # PoissonGroup is a Bernoulli draw per step, memspike's (NEST's) a
    # Poisson count, the same only while rate x dt << 1 (here 0.006)
    ext = sim.Population(20 * n, sim.SpikeSourcePoisson(rate=eta * nu_thr / 10.0), label="ext")
    for p in (E, I):
        p.initialize(v=RandomDistribution("uniform", (0.0, theta), rng=rng))
        p.record("spikes")
        sim.Projection(ext, p, sim.FixedNumberPreConnector(10 * ce, rng=rng),
                       sim.StaticSynapse(weight=J, delay=1.5), receptor_type="excitatory")
    for pre, k, w, r in ((E, ce, J, "excitatory"), (I, ci, -g * J, "inhibitory")):
        for post in (E, I):
            sim.Projection(pre, post, sim.FixedNumberPreConnector(k, rng=rng),
                           sim.StaticSynapse(weight=w, delay=1.5), receptor_type=r)
    sim.run(t_stop)
    return E, I


NETS = {"cuba": cuba, "brunel": brunel}


def one(net, backend, seeds, n, t_stop, t0):
    """Run one network for each seed in this process (setup() again for
    each: one import of the backend); print [{"E": Hz, "I": Hz}, ...]."""
    import warnings
    import logging
    warnings.simplefilter("ignore")
    logging.disable(logging.WARNING)
    if backend == "memspike":
        sys.path.insert(0, os.path.join(HERE, "..", "python"))
        import memspike_pynn_hook  # noqa: F401
    import importlib
    if backend == "brian2":
        import brian2
        # numpy code generation: no C compiler run per process (Cython's
        # would cost minutes on a loaded machine; the results are the same)
        brian2.prefs.codegen.target = os.environ.get("BRIAN2_TARGET", "numpy")
    sim = importlib.import_module("pyNN." + backend)
    res = []
    for seed in seeds:
        if backend == "brian2":
            # pyNN.brian2's rng_seed seeds connectivity and V_m, not Brian2's
            # own generator (its Poisson sources): seeded here, so a rerun
            # gives the same peer rates (memspike's already are)
            brian2.seed(seed)
        E, I = NETS[net](sim, seed, n, t_stop)
        out = {}
        for p in (E, I):
            trains = p.get_data().segments[0].spiketrains
            nspk = sum(int(((st.magnitude >= t0) & (st.magnitude < t_stop)).sum())
                       for st in trains)
            out[p.label] = nspk / (p.size * (t_stop - t0) / 1000.0)
        sim.end()
        res.append(out)
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--seeds", type=int, default=None)
    ap.add_argument("--json")
    ap.add_argument("--nets", default="cuba,brunel")
    ap.add_argument("--one", nargs=6, metavar=("NET", "BACKEND", "SEEDS", "N", "T", "T0"))
    a = ap.parse_args()
    if a.one:
        net, backend, seed, n, t, t0 = a.one
        one(net, backend, [int(x) for x in seed.split(",")], int(n), float(t), float(t0))
        return
    sizes = {"cuba": (400, 300.0, 50.0), "brunel": (400, 300.0, 50.0)} if a.small else \
        {"cuba": (4000, 1000.0, 100.0), "brunel": (5000, 1000.0, 100.0)}
    nb = a.seeds or (3 if a.small else 5)
    seeds_of = {"brian2": list(range(1, 1 + nb)), "memspike": list(range(1, 1 + max(nb, 10)))}
    results, bad = [], 0
    print("%-7s %-4s %-9s %-62s %s" % ("net", "pop", "backend", "rate per seed (Hz)", "mean +- sd"))
    for net, (n, t, t0) in sizes.items():
        if net not in a.nets.split(","):
            continue
        rates = {}
        for backend in ("brian2", "memspike"):
            p = subprocess.run([sys.executable, os.path.abspath(__file__), "--one", net,
                                backend, ",".join(map(str, seeds_of[backend])), str(n), str(t),
                                str(t0)],
                               capture_output=True, text=True)
            if p.returncode != 0:
                sys.stderr.write(p.stderr[-3000:])
                sys.exit("pynn_compare: %s on %s failed" % (net, backend))
            rates[backend] = json.loads(p.stdout.strip().splitlines()[-1])
        for pop in ("E", "I"):
            stats = {}
            for backend in ("brian2", "memspike"):
                v = [r[pop] for r in rates[backend]]
                m = sum(v) / len(v)
                sd = (sum((x - m) ** 2 for x in v) / (len(v) - 1)) ** 0.5
                stats[backend] = (m, sd, v)
                print("%-7s %-4s %-9s %-62s %.2f +- %.2f" % (
                    net, pop, backend, " ".join("%.2f" % x for x in v), m, sd))
            (mb, sb, _), (mm, sm, _) = stats["brian2"], stats["memspike"]
            spread = 2 * max(sb, sm)
            ok = abs(mm - mb) <= spread
            bad += not ok
            print("%-7s %-4s difference %.2f Hz, 2 x larger sd %.2f Hz: %s" % (
                net, pop, mm - mb, spread, "within" if ok else "OUTSIDE"))
            results.append(dict(net=net, pop=pop, n=n, t_ms=t, t0_ms=t0, seeds=seeds_of,
                                brian2=stats["brian2"][2], memspike=stats["memspike"][2],
                                within=ok))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
