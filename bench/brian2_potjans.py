#!/usr/bin/python3
"""Brian2 peer benchmark: the Potjans & Diesmann (2014) cortical microcircuit

The network memspike runs from tools/potjans_config.py (same sizes, synapse
numbers, weights, DC), built the way NEST's example builds it:
  * eight iaf_psc_exp populations: C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms
    (both receptors), t_ref 2 ms, E_L = V_reset = -65 mV, V_th -50 mV,
    initial V_m normal per population (the example's "optimized" values)
  * per projection fixed_total_number: N synapses, each from a uniform
    source onto a uniform target (multapses and autapses allowed), drawn
    with numpy
  * weights normal(mean, 0.1 |mean|) redrawn to keep their sign, delays
    normal(d, 0.5 d) (d = 1.5 ms excitatory, 0.75 ms inhibitory) redrawn
    below 0.05 ms; Brian2 rounds them to whole 0.1 ms steps as memspike does
  * Poisson background: PoissonInput with K_ext sources at 8 Hz per target
    (a binomial draw per step: the same law as one 8 K_ext Hz train); its
    constant 1.5 ms delay is left out (a shift, not a change of rates)
  * 1500 ms at 0.1 ms; rates per population over [500, 1500) ms.
Both receptors share tau_syn, so one current I_syn takes both signs.  The
draws are numpy's, not memspike's keyed streams: same network law, another
sample.

Usage: /usr/bin/python3 bench/brian2_potjans.py [--seed S] [--scale S]
           [--duration-ms T] [--build-dir DIR]
--scale sets N_scaling = K_scaling (default 0.1; see bench.py for why).
Prints one JSON line on stdout; everything else goes to stderr.
"""

import argparse
import os
import sys
import time

sys.dont_write_bytecode = True  # keep bench/ and tools/ free of __pycache__
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tools"))
import brian2_common as common  # noqa: E402
import potjans_config as pc  # noqa: E402


def redraw_normal(rng, mean, sd, lo, hi, size):
    x = rng.normal(mean, sd, size)
    bad = (x < lo) | (x > hi)
    while bad.any():
        x[bad] = rng.normal(mean, sd, int(bad.sum()))
        bad = (x < lo) | (x > hi)
    return x


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--scale", type=float, default=0.1)
    p.add_argument("--duration-ms", type=float, default=1500.0)
    p.add_argument("--build-dir", default=None)
    args = p.parse_args()
    t_start = time.perf_counter()
    with common.StdoutToStderr() as out:
        import numpy as np
        import brian2 as b2
        from brian2 import ms, mV, pA, pF, Hz

        directory, temporary = common.setup_device(args.build_dir)
        b2.defaultclock.dt = pc.RES * ms
        b2.seed(args.seed)
        net_p = pc.network(args.scale, args.scale, False)
        n, k, w, dc = net_p["n"], net_p["k"], net_p["w"], net_p["dc"]
        rng = np.random.default_rng(args.seed)

        eqs = """dv/dt = (E_L - v) / tau_m + (I_syn + I_e) / C_m : volt (unless refractory)
                 dI_syn/dt = -I_syn / tau_syn : amp
                 I_e : amp (constant)"""
        ntot = sum(n)
        neurons = b2.NeuronGroup(ntot, eqs, threshold="v >= V_th", reset="v = V_reset",
                                 refractory=pc.T_REF * ms, method="exact", name="micro")
        first = np.concatenate([[0], np.cumsum(n)]).astype(int)
        pops = [neurons[first[t]:first[t + 1]] for t in range(8)]
        v0 = np.concatenate([rng.normal(pc.V0_MEAN[t], pc.V0_STD[t], n[t]) for t in range(8)])
        neurons.v = v0 * mV
        neurons.I_syn = 0 * pA
        neurons.I_e = np.concatenate([np.full(n[t], dc[t]) for t in range(8)]) * pA

        objs = [neurons]
        nsyn = 0
        for t in range(8):
            for s in range(8):
                if k[t][s] <= 0:
                    continue
                m = w[t][s]
                lo, hi = (0.0, np.inf) if m >= 0 else (-np.inf, 0.0)
                d = pc.D_INH if s % 2 else pc.D_EXC
                syn = b2.Synapses(pops[s], pops[t], "w_syn : amp (constant)",
                                  on_pre="I_syn_post += w_syn", name="syn_%d_%d" % (t, s))
                kk = k[t][s]
                syn.connect(i=rng.integers(0, n[s], kk, dtype=np.int32),
                            j=rng.integers(0, n[t], kk, dtype=np.int32))
                syn.w_syn = redraw_normal(rng, m, abs(m) * pc.W_REL_STD, lo, hi, kk) * pA
                syn.delay = redraw_normal(rng, d, d * pc.D_REL_STD, pc.RES - 0.5 * pc.RES,
                                          np.inf, kk) * ms
                objs.append(syn)
                nsyn += kk
        for t in range(8):
            objs.append(b2.PoissonInput(pops[t], "I_syn", N=net_p["k_ext"][t],
                                        rate=pc.BG_RATE * Hz, weight=net_p["w_ext"] * pA))
        spikes = b2.SpikeMonitor(neurons, name="spikes")
        objs.append(spikes)
        namespace = dict(E_L=pc.E_L * mV, V_th=pc.V_TH * mV, V_reset=pc.E_L * mV,
                         tau_m=pc.TAU_M * ms, tau_syn=pc.TAU_SYN * ms, C_m=pc.C_M * pF)
        net = b2.Network(*objs)
        net.run(args.duration_ms * ms, namespace=namespace)

        timing = common.run_standalone(directory)
        idx = np.asarray(spikes.i[:])
        tms = np.asarray(spikes.t[:] / ms)
        common.cleanup(directory, temporary)
        wall_s = time.perf_counter() - t_start

        t0 = min(500.0, args.duration_ms / 3)  # the example's t_presim
        T = (args.duration_ms - t0) / 1000.0
        late = idx[tms >= t0]
        counts = np.bincount(late, minlength=ntot)
        rates = {pc.POPS[t]: round(float(counts[first[t]:first[t + 1]].sum() / (n[t] * T)), 4)
                 for t in range(8)}
        whole = np.bincount(idx, minlength=ntot)
        T_all = args.duration_ms / 1000.0
        rates_all = {pc.POPS[t]: round(float(whole[first[t]:first[t + 1]].sum() /
                                             (n[t] * T_all)), 4) for t in range(8)}
        print(f"make (g++): {timing['make_s']} s; binary wall (load + run "
              f"+ write): {timing['binary_wall_s']} s", file=sys.stderr)
        out.emit({
            "peer": "brian2",
            "version": b2.__version__,
            "network": "potjans_2014",
            "scale": args.scale,
            "neurons": int(ntot),
            "synapses": int(nsyn),
            "spikes": int(len(idx)),
            "mean_rate_hz": round(float(len(late) / (ntot * T)), 4),
            "rate_by_pop": rates,          # over [500 ms, end)
            "rate_by_pop_all": rates_all,  # over the whole run
            "build_s": timing["build_s"],
            "run_loop_s": timing["run_loop_s"],
            "wall_s": round(wall_s, 3),
            "peak_rss_mb": timing["peak_rss_mb"],
        })


if __name__ == "__main__":
    main()
