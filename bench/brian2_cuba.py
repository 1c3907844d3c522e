#!/usr/bin/python3
"""Brian2 peer benchmark: Brette et al. (2007) CUBA network (current-based LIF)

Same model as Brian2's examples/CUBA.py:
  * 4000 LIF neurons, first 3200 excitatory, last 800 inhibitory
  * random connectivity, each ordered pair (incl. i == j) with p = 0.02
  * current-based exponential synapses expressed in volts:
        dv/dt  = (ge + gi - (v - El)) / taum   (clamped while refractory)
        dge/dt = -ge / taue,  dgi/dt = -gi / taui
    taum 20 ms, taue 5 ms, taui 10 ms, Vt -50 mV, Vr -60 mV, El -49 mV
  * we = 60*0.27/10 mV = 1.62 mV, wi = -20*4.5/10 mV = -9 mV, no delay
  * refractory 5 ms (v clamped; synaptic currents keep integrating, as in
    the original example), v(0) ~ U[Vr, Vt]
  * dt 0.1 ms, 1000 ms simulated by default (CUBA.py runs 1 s)

Differences from memspike's configs/brette_cuba.ini (stated there too):
  * no delay here; memspike, like NEST, needs >= one tick (0.1 ms)
  * v clamped 49 steps after a spike here (Brian2 integrates again once
    timestep(t - lastspike) >= timestep(refractory)); 50 in memspike/NEST
  * threshold v > Vt here; V_m >= V_th in memspike and NEST
  * step order: state update, threshold, on_pre, reset here; memspike and
    NEST advance v with the last step's currents, then add the step's input,
    then test the threshold

Usage: /usr/bin/python3 bench/brian2_cuba.py [--seed S] [--duration-ms T]
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
        # Seeds the standalone binary's RNG, which draws both v(0) and the
        # p = 0.02 connectivity (both are generated inside the binary).
        b2.seed(args.seed)

        # ---- parameters -----------------------------------------------------
        NE, NI = 3200, 800
        N = NE + NI
        taum, taue, taui = 20 * ms, 5 * ms, 10 * ms
        Vt, Vr, El = -50 * mV, -60 * mV, -49 * mV
        we = (60 * 0.27 / 10) * mV
        wi = (-20 * 4.5 / 10) * mV

        eqs = """
        dv/dt  = (ge + gi - (v - El)) / taum : volt (unless refractory)
        dge/dt = -ge / taue : volt
        dgi/dt = -gi / taui : volt
        """
        neurons = b2.NeuronGroup(N, eqs, threshold="v > Vt", reset="v = Vr",
                                 refractory=5 * ms, method="exact",
                                 name="cuba")
        neurons.v = "Vr + rand() * (Vt - Vr)"
        neurons.ge = 0 * mV
        neurons.gi = 0 * mV

        syn_e = b2.Synapses(neurons[:NE], neurons, on_pre="ge += we",
                            name="syn_e")
        syn_e.connect(p=0.02)
        syn_i = b2.Synapses(neurons[NE:], neurons, on_pre="gi += wi",
                            name="syn_i")
        syn_i.connect(p=0.02)

        # Spike counts only (record=False): no per-spike storage.
        spikes = b2.SpikeMonitor(neurons, record=False, name="spikes")

        namespace = dict(taum=taum, taue=taue, taui=taui, Vt=Vt, Vr=Vr,
                         El=El, we=we, wi=wi)
        net = b2.Network(neurons, syn_e, syn_i, spikes)
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
            "network": "brette_cuba",
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
