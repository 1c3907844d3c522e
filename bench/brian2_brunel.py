#!/usr/bin/python3
"""Brian2 peer benchmark: Brunel (2000) sparse balanced network, delta synapses

Same model and parameters as NEST's pynest/examples/brunel_delta_nest.py:
  * NE = 10000 excitatory + NI = 2500 inhibitory LIF neurons
  * fixed in-degree: every neuron gets CE = 1000 sources drawn uniformly
    *with replacement* from E and CI = 250 from I (multapses and autapses
    allowed)
  * delta synapses J = 0.1 mV (E), -g*J = -0.5 mV (I), delay 1.5 ms
  * tau_m 20 ms, V_th 20 mV, V_reset 0 mV, E_L 0 mV, V(0) = 0, t_ref 2 ms
  * external drive: independent Poisson input per neuron, CE inputs at
    eta * nu_th each (eta = 2 -> 20 kHz total), weight J
  * dt 0.1 ms, 1000 ms simulated by default

Refractoriness follows NEST iaf_psc_delta with refractory_input=False: V is
clamped at V_reset AND every input (recurrent or external) arriving while the
neuron is refractory is dropped. Brian2 clamps V via `(unless refractory)`,
and every increment is multiplied by int(not_refractory). (Brian2 2.5.1 also
guards *any* write to an `(unless refractory)` variable with not_refractory in
the generated code, so the explicit factor is redundant but documents intent;
the generated syn_*_pre and poissoninput code objects were checked.)
Per-step order (Brian2 default schedule): decay -> threshold -> inputs ->
reset, so an input delivered at step k first meets the threshold at step k+1
(NEST adds it before its threshold test at step k).

Usage: /usr/bin/python3 bench/brian2_brunel.py [--seed S] [--duration-ms T]
                                               [--build-dir DIR]
Prints one JSON line on stdout; everything else goes to stderr.
"""

import os
import sys
import time

sys.dont_write_bytecode = True  # keep bench/ free of __pycache__
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import brian2_common as common  # noqa: E402


def main():
    args = common.parse_args(__doc__.splitlines()[1])
    t_start = time.perf_counter()
    with common.StdoutToStderr() as out:
        import numpy as np
        import brian2 as b2
        from brian2 import ms, mV

        directory, temporary = common.setup_device(args.build_dir)
        b2.defaultclock.dt = 0.1 * ms
        b2.seed(args.seed)  # seeds the standalone binary's RNG (Poisson input)

        # ---- parameters (brunel_delta_nest.py) -----------------------------
        NE, NI = 10000, 2500
        N = NE + NI
        CE, CI = NE // 10, NI // 10          # 1000, 250
        tau_m = 20.0 * ms
        V_th = 20.0 * mV
        V_reset = 0.0 * mV
        t_ref = 2.0 * ms
        J = 0.1 * mV
        g = 5.0
        J_E, J_I = J, -g * J
        delay = 1.5 * ms
        eta = 2.0
        nu_th = V_th / (J * CE * tau_m)      # 10 Hz
        nu_ex = eta * nu_th                  # 20 Hz per input -> 20 kHz

        # ---- neurons --------------------------------------------------------
        # E_L = 0, no external current: dV/dt = -V/tau_m, integrated exactly.
        neurons = b2.NeuronGroup(
            N, "dv/dt = -v / tau_m : volt (unless refractory)",
            threshold="v >= V_th", reset="v = V_reset",
            refractory=t_ref, method="exact", name="brunel")
        neurons.v = 0 * mV
        exc, inh = neurons[:NE], neurons[NE:]

        # ---- recurrent connectivity: fixed in-degree, with replacement -----
        # Drawn with numpy (seeded from --seed) so that every target gets
        # exactly CE excitatory and CI inhibitory sources.
        rng = np.random.default_rng(args.seed)
        post_e = np.repeat(np.arange(N, dtype=np.int32), CE)
        pre_e = rng.integers(0, NE, size=N * CE, dtype=np.int32)
        post_i = np.repeat(np.arange(N, dtype=np.int32), CI)
        pre_i = rng.integers(0, NI, size=N * CI, dtype=np.int32)  # within inh

        # int(not_refractory_post) drops spikes arriving during refractoriness
        syn_e = b2.Synapses(exc, neurons,
                            on_pre="v_post += J_E * int(not_refractory_post)",
                            delay=delay, name="syn_e")
        syn_e.connect(i=pre_e, j=post_e)
        syn_i = b2.Synapses(inh, neurons,
                            on_pre="v_post += J_I * int(not_refractory_post)",
                            delay=delay, name="syn_i")
        syn_i.connect(i=pre_i, j=post_i)
        del pre_e, post_e, pre_i, post_i

        # ---- external Poisson drive -----------------------------------------
        # CE independent Poisson sources at nu_ex per neuron (binomially
        # sampled each step); the weight expression is evaluated per target
        # neuron, so events during refractoriness add 0.
        poisson = b2.PoissonInput(neurons, "v", N=CE, rate=nu_ex,
                                  weight="J * int(not_refractory)")

        # Spike counts only (record=False): no per-spike storage.
        spikes = b2.SpikeMonitor(neurons, record=False, name="spikes")

        namespace = dict(tau_m=tau_m, V_th=V_th, V_reset=V_reset,
                         J=J, J_E=J_E, J_I=J_I)
        net = b2.Network(neurons, syn_e, syn_i, poisson, spikes)
        net.run(args.duration_ms * ms, namespace=namespace)

        timing = common.run_standalone(directory)

        counts = np.asarray(spikes.count[:], dtype=np.int64)
        n_syn = int(len(syn_e)) + int(len(syn_i))
        common.cleanup(directory, temporary)
        wall_s = time.perf_counter() - t_start

        T = args.duration_ms / 1000.0
        rate_e = counts[:NE].sum() / (NE * T)
        rate_i = counts[NE:].sum() / (NI * T)
        print(f"make (g++): {timing['make_s']} s; binary wall (load + run "
              f"+ write): {timing['binary_wall_s']} s", file=sys.stderr)
        out.emit({
            "peer": "brian2",
            "version": b2.__version__,
            "network": "brunel_delta",
            "neurons": N,
            "synapses": n_syn,
            "spikes": int(counts.sum()),
            "mean_rate_hz": round(float(counts.sum() / (N * T)), 4),
            "rate_by_pop": {"E": round(float(rate_e), 4),
                            "I": round(float(rate_i), 4)},
            "build_s": timing["build_s"],
            "run_loop_s": timing["run_loop_s"],
            "wall_s": round(wall_s, 3),
            "peak_rss_mb": timing["peak_rss_mb"],
        })


if __name__ == "__main__":
    main()
