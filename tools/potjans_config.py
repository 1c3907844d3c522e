#!/usr/bin/python3
"""potjans_config.py: write the Potjans & Diesmann (2014) cortical
microcircuit as a memspike config, the way NEST's example builds it
(pynest/examples/Potjans_2014, network.py / network_params.py / helpers.py,
last in NEST 3.8; now INM-6/microcircuit-PD14-model).

    tools/potjans_config.py [--n-scaling S] [--k-scaling S] [--dc]
                            [--duration MS] [--seed N] > CONFIG

With the defaults (N_scaling = K_scaling = 1, Poisson background) the
output is configs/potjans_2014.ini.  The synapse numbers are computed here
and written as `N` of each fixed_total_number projection:

    K = round(N_scaling * K_scaling * ln(1 - p) / ln((Npre Npost - 1) / (Npre Npost)))

with the full-scale population sizes and numpy's round (half to even), as
network.py does.  K_scaling < 1 divides the weights by sqrt(K_scaling)
and adds the DC that keeps the mean input (helpers.py
adjust_weights_and_input_to_synapse_scaling, using NEST's full-scale
reference rates).
"""
import argparse
import math

POPS = ["L23E", "L23I", "L4E", "L4I", "L5E", "L5I", "L6E", "L6I"]
N_FULL = [20683, 5834, 21915, 5479, 4850, 1065, 14395, 2948]
# conn_probs[target][source]
P = [
    [0.1009, 0.1689, 0.0437, 0.0818, 0.0323, 0.0, 0.0076, 0.0],
    [0.1346, 0.1371, 0.0316, 0.0515, 0.0755, 0.0, 0.0042, 0.0],
    [0.0077, 0.0059, 0.0497, 0.135, 0.0067, 0.0003, 0.0453, 0.0],
    [0.0691, 0.0029, 0.0794, 0.1597, 0.0033, 0.0, 0.1057, 0.0],
    [0.1004, 0.0622, 0.0505, 0.0057, 0.0831, 0.3726, 0.0204, 0.0],
    [0.0548, 0.0269, 0.0257, 0.0022, 0.06, 0.3158, 0.0086, 0.0],
    [0.0156, 0.0066, 0.0211, 0.0166, 0.0572, 0.0197, 0.0396, 0.2252],
    [0.0364, 0.001, 0.0034, 0.0005, 0.0277, 0.008, 0.0658, 0.1443],
]
K_EXT = [1600, 1500, 2100, 1900, 2000, 1900, 2900, 2100]
V0_MEAN = [-68.28, -63.16, -63.33, -63.45, -63.11, -61.66, -66.72, -61.43]
V0_STD = [5.36, 4.57, 4.74, 4.94, 4.94, 4.55, 5.46, 4.48]
RATES_REF = [0.903, 2.965, 4.414, 5.876, 7.569, 8.633, 1.105, 7.829]
C_M, TAU_M, TAU_SYN, T_REF, E_L, V_TH = 250.0, 10.0, 0.5, 2.0, -65.0, -50.0
PSP_EXC, G, W_REL_STD = 0.15, -4.0, 0.1
D_EXC, D_INH, D_REL_STD, D_POISSON = 1.5, 0.75, 0.5, 1.5
BG_RATE = 8.0
RES = 0.1


def psc_over_psp(c_m, tau_m, tau_syn):
    """helpers.postsynaptic_potential_to_current (Hanuschkin et al. 2010
    Eq. 5): the PSC amplitude giving a 1 mV peak PSP."""
    sub = 1.0 / (tau_syn - tau_m)
    pre = tau_m * tau_syn / c_m * sub
    frac = (tau_m / tau_syn) ** sub
    return 1.0 / (pre * (frac ** tau_m - frac ** tau_syn))


def round_half_even(x):
    return int(round(x))  # Python's round is half to even, as numpy's


def full_synapses(t, s):
    p = P[t][s]
    if p == 0:
        return 0.0
    prod = float(N_FULL[s]) * float(N_FULL[t])
    return math.log(1.0 - p) / math.log((prod - 1.0) / prod)


def network(ns, ks, dc_background):
    """The network at N_scaling ns, K_scaling ks: sizes n, synapse numbers
    k[target][source], weights w[target][source] (pA), the external weight,
    K_ext and the DC per population (pA), as network.py computes them (also
    used by bench/brian2_potjans.py, so both engines build one network)."""
    f = psc_over_psp(C_M, TAU_M, TAU_SYN)
    psc = PSP_EXC * f
    w = [[psc * (G if s % 2 else 1.0) for s in range(8)] for t in range(8)]
    w[0][2] *= 2.0  # L4E -> L23E doubled
    w_ext = psc
    n = [round_half_even(x * ns) for x in N_FULL]
    k_full = [[full_synapses(t, s) for s in range(8)] for t in range(8)]
    k = [[round_half_even(k_full[t][s] * ns * ks) for s in range(8)] for t in range(8)]
    k_ext = [round_half_even(x * ks) for x in K_EXT]
    dc = [BG_RATE * K_EXT[t] * psc * TAU_SYN * 0.001 if dc_background else 0.0
          for t in range(8)]
    if ks != 1.0:
        sq = math.sqrt(ks)
        for t in range(8):
            rec = sum(w[t][s] * k_full[t][s] / N_FULL[t] * RATES_REF[s] for s in range(8))
            dc[t] += 0.001 * TAU_SYN * (1.0 - sq) * rec
            if not dc_background:
                dc[t] += 0.001 * TAU_SYN * (1.0 - sq) * psc * K_EXT[t] * BG_RATE
        w = [[x / sq for x in row] for row in w]
        w_ext /= sq
    return dict(f=f, psc=psc, w=w, w_ext=w_ext, n=n, k=k, k_ext=k_ext, dc=dc)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-scaling", type=float, default=1.0)
    ap.add_argument("--k-scaling", type=float, default=1.0)
    ap.add_argument("--dc", action="store_true",
                    help="DC background instead of Poisson generators")
    ap.add_argument("--duration", type=float, default=1500.0)
    ap.add_argument("--seed", type=int, default=55)
    ap.add_argument("--output", default="out/potjans_2014")
    a = ap.parse_args()
    ns, ks = a.n_scaling, a.k_scaling

    net = network(ns, ks, a.dc)
    f, psc, w, w_ext = net["f"], net["psc"], net["w"], net["w_ext"]
    n, k, k_ext, dc = net["n"], net["k"], net["k_ext"], net["dc"]

    out = []
    o = out.append
    full = ns == 1.0 and ks == 1.0
    o("; potjans_2014: the cortical microcircuit of Potjans & Diesmann (2014),")
    o("; Cereb Cortex 24(3):785-806, as NEST's example builds it")
    o("; (pynest/examples/Potjans_2014, last in NEST 3.8; now")
    o("; INM-6/microcircuit-PD14-model).  Written by tools/potjans_config.py")
    o(";   --n-scaling %g --k-scaling %g%s" % (ns, ks, " --dc" if a.dc else ""))
    o("; (do not edit by hand: rerun it).  Format: docs/config-format.md.")
    o(";")
    o("; Synapse numbers: N = round(N_scaling K_scaling ln(1 - p) /")
    o(";   ln((Npre Npost - 1) / (Npre Npost))), full-scale sizes, half to even")
    o("; (network.py, helpers.num_synapses_from_conn_probs); connected with")
    o("; fixed_total_number, autapses and multapses allowed (NEST's defaults).")
    o("; Weights: PSC = PSP x PSC_over_PSP, PSC_over_PSP = 1 / (pre (frac^tau_m -")
    o(";   frac^tau_syn)), sub = 1 / (tau_syn - tau_m), pre = tau_m tau_syn /")
    o(";   C_m sub, frac = (tau_m / tau_syn)^sub (Hanuschkin et al. 2010 Eq. 5)")
    o(";   = %.4f pA/mV for C_m 250 pF, tau_m 10 ms, tau_syn 0.5 ms;" % f)
    o(";   0.15 mV -> %.4f pA, g = -4 -> %.4f pA, L4E -> L23E doubled;" % (psc, G * psc))
    o(";   normal with sd 0.1 |mean|, redrawn to keep the sign.")
    o("; Delays: normal, excitatory 1.5 +- 0.75 ms, inhibitory 0.75 +- 0.375 ms,")
    o(";   redrawn below resolution - 0.5 resolution = 0.05 ms (values round to")
    o(";   whole ticks, so the smallest delay is 0.1 ms), as network.py does.")
    if a.dc:
        o("; Background: DC = bg_rate K_ext PSC_ext tau_syn 0.001 pA as I_e")
        o(";   (helpers.dc_input_compensating_poisson), no Poisson generators.")
    else:
        o("; Background: one poisson_generator per population at 8 Hz x K_ext,")
        o(";   all_to_all (one independent train per target), weight PSC_ext =")
        o(";   %.4f pA, delay 1.5 ms (network_params.py delay_poisson)." % w_ext)
    if not full:
        o("; Reduced scale: K_scaling divides the weights by sqrt(K_scaling) and")
        o(";   I_e adds the DC that keeps the mean input at NEST's reference")
        o(";   rates (helpers.adjust_weights_and_input_to_synapse_scaling); the")
        o(";   rates are not expected to match the full model's closely.")
    o("; Initial V_m: the example's 'optimized' normal per population.")
    o("; NEST's reference rates over [500, 1500) ms (one run): " +
      ", ".join("%s %.3f" % (p, r) for p, r in zip(POPS, RATES_REF)) + " Hz;")
    o("; tools/potjans_fidelity.py compares seeds against them.")
    o("")
    o("[simulation]")
    o("duration = %g            ; ms: t_presim 500 + t_sim 1000" % a.duration)
    o("resolution = %g" % RES)
    o("seed = %d" % a.seed)
    o("output = %s" % a.output)
    for t, name in enumerate(POPS):
        o("")
        o("[population %s]" % name)
        o("model = iaf_psc_exp")
        o("n = %d" % n[t])
        o("C_m = %g" % C_M)
        o("tau_m = %g" % TAU_M)
        o("tau_syn_ex = %g" % TAU_SYN)
        o("tau_syn_in = %g" % TAU_SYN)
        o("t_ref = %g" % T_REF)
        o("E_L = %g" % E_L)
        o("V_reset = %g" % E_L)
        o("V_th = %g" % V_TH)
        if dc[t]:
            o("I_e = %.6f              ; pA" % dc[t])
        o("V_m = normal(%g, %g)" % (V0_MEAN[t], V0_STD[t]))
    if not a.dc:
        for t, name in enumerate(POPS):
            o("")
            o("[population bg_%s]" % name)
            o("model = poisson_generator")
            o("n = 1")
            o("rate = %g              ; Hz, 8 Hz x K_ext %d" % (BG_RATE * k_ext[t], k_ext[t]))
    for t, tn in enumerate(POPS):
        for s, sn in enumerate(POPS):
            if k[t][s] <= 0:
                continue
            m = w[t][s]
            bounds = "0, inf" if m >= 0 else "-inf, 0"
            d = D_INH if s % 2 else D_EXC
            o("")
            o("[projection %s_%s]" % (tn, sn))
            o("source = %s" % sn)
            o("target = %s" % tn)
            o("rule = fixed_total_number")
            o("N = %d                ; p = %g" % (k[t][s], P[t][s]))
            o("weight = redraw(normal(%.6f, %.6f), %s)" % (m, abs(m) * W_REL_STD, bounds))
            o("delay = redraw(normal(%g, %g), %g, inf)" % (d, d * D_REL_STD, RES - 0.5 * RES))
    if not a.dc:
        for t, tn in enumerate(POPS):
            o("")
            o("[projection %s_bg]" % tn)
            o("source = bg_%s" % tn)
            o("target = %s" % tn)
            o("rule = all_to_all")
            o("weight = %.6f" % w_ext)
            o("delay = %g" % D_POISSON)
    for name in POPS:
        o("")
        o("[record spikes_%s]" % name)
        o("population = %s" % name)
        o("kind = spike_recorder")
        o("neurons = all")
    print("\n".join(out))


if __name__ == "__main__":
    main()
