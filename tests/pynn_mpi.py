#!/usr/bin/python3
"""
pynn_mpi.py: one PyNN script for `mpirun -np N` (tests/pynn.sh runs N = 1
and 2): Poisson input, E and I IF_curr_exp populations with native rules
(FixedProbability, FixedNumberPre), a FromList projection and an STDP
projection, spikes and V_m recorded.  Rank 0 prints a digest of the
spikes, the samples and the final weights; memspike splits the neurons
over the ranks and gathers the results, so the digest must not depend on N.
"""
import hashlib
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import memspike_pynn_hook  # noqa: E402,F401
import pyNN.memspike as sim  # noqa: E402

sim.setup(timestep=0.1, min_delay=1.0, rng_seed=1234)
noise = sim.Population(50, sim.SpikeSourcePoisson(rate=60.0), label="noise")
E = sim.Population(160, sim.IF_curr_exp(tau_refrac=2.0), label="E")
I = sim.Population(40, sim.IF_curr_exp(tau_refrac=2.0), label="I")
E.initialize(v=sim.RandomDistribution("uniform", (-65.0, -55.0), rng=sim.NumpyRNG(99)))
syn_e = sim.StaticSynapse(weight=0.4, delay=1.5)
sim.Projection(noise, E, sim.FixedNumberPreConnector(20), syn_e)
sim.Projection(noise, I, sim.FixedNumberPreConnector(20), syn_e)
sim.Projection(E, E, sim.FixedProbabilityConnector(0.1), sim.StaticSynapse(weight=0.1, delay=1.0))
sim.Projection(E, I, sim.FixedProbabilityConnector(0.1), sim.StaticSynapse(weight=0.1, delay=1.0))
sim.Projection(I, E, sim.FixedProbabilityConnector(0.1),
               sim.StaticSynapse(weight=-0.4, delay=1.0), receptor_type="inhibitory")
conns = [(i, (7 * i) % 40, 0.05 + 0.001 * i, 1.0 + 0.1 * (i % 5)) for i in range(160)]
sim.Projection(E, I, sim.FromListConnector(conns, column_names=["weight", "delay"]),
               sim.StaticSynapse())
stdp = sim.STDPMechanism(timing_dependence=sim.SpikePairRule(A_plus=0.01, A_minus=0.012),
                         weight_dependence=sim.AdditiveWeightDependence(w_max=0.5),
                         weight=0.2, delay=1.0)
plastic = sim.Projection(noise, E, sim.FixedProbabilityConnector(0.2), stdp)
E.record(["spikes", "v"])
I.record("spikes")
sim.run(200.0)
plastic.set(weight=0.25)
sim.run(100.0)
h = hashlib.sha256()
for pop in (E, I):
    seg = pop.get_data().segments[0]
    for st in seg.spiketrains:
        h.update(np.asarray(st.magnitude, dtype=np.float64).tobytes())
for sig in E.get_data().segments[0].analogsignals:
    h.update(np.asarray(sig.magnitude, dtype=np.float64).tobytes())
w = np.array(plastic.get("weight", format="list"), dtype=np.float64)
h.update(w.tobytes())
nspk = sum(len(st) for st in E.get_data().segments[0].spiketrains)
nconn = len(plastic)      # collective, like every read of results: on all ranks
if sim.rank() == 0:
    print("ranks %d E spikes %d connections %d digest %s"
          % (sim.num_processes(), nspk, nconn, h.hexdigest()))
sim.end()
