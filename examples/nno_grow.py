#!/usr/bin/python3
"""nno_grow.py: part (b) of the H-NNO example (docs/examples/nno.md): a
network that grows when required and prunes idle units by switching H-NNO
devices between neuron and synapse mode, on Fashion-MNIST classes arriving
one at a time, against a fixed-size network with the same learning rule.

Hardware picture.  An array of H-NNO devices, all in synapse mode when
unused.  A unit (node) is one device switched to neuron mode plus a row of
D synapse-mode devices holding its prototype (D = 196: the image averaged
to 14 x 14).  Growing a unit switches one device synapse -> neuron and
programs its row; pruning switches it back and resets the row to the
middle level.  Switching pulses, their energy and time come from
synapses/syn_hnno.h (read by nno_common.device_constants), the synapse
levels, pulse and read energy from configs/devices/hnno_synapse.ini.

Learning (both networks; a grow-when-required network after Marsland,
Shapiro & Nehmzow, Neural Networks 15:1041 (2002), the GWR network the
paper builds on, without its edge topology): each training image x (pixels
mapped to [-1, 1]) finds the best-matching unit b (nearest prototype); b's
habituation h_b decays as h += tau_b (kappa (1 - h) - 1), and b moves
towards x by eps h_b (x - w_b) in whole device levels (stochastic rounding,
seeded; each level one write pulse).  Each unit's label is the class it
has won most often (decaying counts).  The growing network adds a unit at
x when b is far (|x - w_b| > d_T) and already habituated (h_b < h_T), or
when b carries another label (the supervised form of 'required'); it
prunes a unit that has lost idle_T presentations of its own class in a row
(redundant).  The fixed network has N_fixed units from the start (devices
switched to neuron mode at once, rows at random levels: a fresh array),
programs its rows from the first N_fixed images of the stream (sample
initialization, so that no unit starts dead), and never grows or prunes.
Protocol: classes 0..9 arrive one at a time (n_train images each); after
each, the test accuracy over the classes seen so far.  Then a reduced
input phase: only classes 0..4 are shown, and units idle for idle_R
presentations (of any class) are pruned: accuracy on classes 0..4 and units
before and after.
Energy per network (pJ): synapse reads (every presentation reads every
used synapse device: V_read^2 G t_read), neuron-mode spikes (every unit
integrates and the winner fires: one E_SPIKE per used unit), write pulses
(e_pulse_pj each), mode switches (pulses x V_SW^2 G_SW T_SW).
Usage: nno_grow.py --out DIR [--small] [--seed S]; writes DIR/grow.json
and DIR/nno_grow.png."""
import argparse
import gzip
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nno_common as C  # noqa: E402

DATA = os.environ.get("FMNIST_DIR", "/usr/share/datasets/fashion-mnist")
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot"]
EPS = 0.2          # learning rate of the winner
TAU_B, KAPPA = 0.3, 1.05  # habituation (Marsland 2002's form)
H_T = 0.3          # habituated: may grow past it
D_T = 7.0          # distance that is 'far' (|x - w|, pixels in [-1, 1], D = 196)
IDLE_T = 60        # presentations of its own class lost in a row: redundant
IDLE_R = 300       # reduced-input phase: presentations lost in a row: idle


def idx(path):
    with gzip.open(path, "rb") as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, np.uint8, offset=4 + 4 * nd).reshape(dims)


def load(n_train, n_test, seed):
    """n_train / n_test images per class, 14 x 14 averages in [-1, 1]."""
    rng = np.random.default_rng(seed)
    out = []
    for tag, n in (("train", n_train), ("t10k", n_test)):
        try:
            X = idx(os.path.join(DATA, "%s-images-idx3-ubyte.gz" % tag))
            y = idx(os.path.join(DATA, "%s-labels-idx1-ubyte.gz" % tag))
        except OSError as e:
            raise SystemExit("nno_grow: Fashion-MNIST not readable in %s (%s); Debian package "
                             "dataset-fashion-mnist, or set FMNIST_DIR" % (DATA, e))
        sel = np.concatenate([rng.permutation(np.nonzero(y == c)[0])[:n] for c in range(10)])
        img = X[sel].astype(np.float64).reshape(-1, 14, 2, 14, 2).mean((2, 4)) / 255.0
        out += [img.reshape(len(sel), -1) * 2 - 1, y[sel].astype(int)]
    return out


class Array:
    """The devices' bookkeeping and energy, shared by both networks."""

    def __init__(self, k, preset, D):
        self.k, self.D = k, D
        self.levels = int(round((preset["w_max"] - preset["w_min"]) / preset["dw_min"])) + 1
        self.w_min, self.w_max = preset["w_min"], preset["w_max"]
        self.step = (self.w_max - self.w_min) / (self.levels - 1)
        self.e_pulse = preset["e_pulse_pj"]
        self.g_ref, self.g_scale = preset["g_ref_uS"], preset["g_scale_uS"]
        self.e_read_per_us = preset["v_read"] ** 2 * preset["t_read_s"] * 1e6  # pJ per uS
        self.e_sw = C.pulse_energy_pj(k)
        self.sw_pulses = C.switch_pulses(k, k["H_SYNAPSE"], k["H_NEURON"])
        self.energy = {"synapse_reads": 0.0, "neuron_spikes": 0.0, "write_pulses": 0.0,
                       "mode_switches": 0.0}
        self.counts = {"write_pulses": 0, "mode_switches": 0, "switch_pulses": 0,
                       "switch_time_s": 0.0}
        self.peak_devices = 0

    def quantize(self, w, rng):
        q = (w - self.w_min) / self.step
        lo = np.floor(q)
        q = lo + (rng.random(q.shape) < (q - lo))
        return np.clip(q, 0, self.levels - 1)

    def w_of(self, q):
        return self.w_min + q * self.step

    def program(self, old_q, new_q):
        n = int(np.abs(new_q - old_q).sum())
        self.counts["write_pulses"] += n
        self.energy["write_pulses"] += n * self.e_pulse

    def switch(self, n=1):
        """n devices switched between synapse and neuron mode."""
        self.counts["mode_switches"] += n
        self.counts["switch_pulses"] += n * self.sw_pulses
        self.counts["switch_time_s"] += n * self.sw_pulses * (self.k["T_SW_S"] + self.k["T_GAP_S"])
        self.energy["mode_switches"] += n * self.sw_pulses * self.e_sw

    def present(self, W):
        """One presentation: every used synapse is read, every unit fires
        or not (one spike's energy per unit, the winner-take-all race)."""
        g = self.g_ref + self.g_scale * W
        self.energy["synapse_reads"] += float(g.sum()) * self.e_read_per_us
        self.energy["neuron_spikes"] += W.shape[0] * self.k["E_SPIKE_PJ"]

    def devices(self, units):
        return units * (1 + self.D)


class Net:
    def __init__(self, arr, rng, grow, n_fixed=0):
        self.a, self.rng, self.grow = arr, rng, grow
        D = arr.D
        self.Q = np.zeros((0, D))        # device levels
        self.h = np.zeros(0)             # habituation
        self.cnt = np.zeros((0, 10))     # label counts
        self.idle = np.zeros(0, int)
        self.grown = self.pruned = 0
        self.n_init = n_fixed  # fixed: rows still to program from the first images
        if n_fixed:
            self.Q = rng.integers(0, arr.levels, (n_fixed, D)).astype(float)
            arr.switch(n_fixed)
            arr.program(np.full((n_fixed, D), (arr.levels - 1) / 2), self.Q)
            self.h = np.ones(n_fixed)
            self.cnt = np.zeros((n_fixed, 10))
            self.idle = np.zeros(n_fixed, int)
        self.W = arr.w_of(self.Q)

    def units(self):
        return self.Q.shape[0]

    def add(self, x, c):
        q = self.a.quantize(x[None, :], self.rng)
        self.a.switch(1)
        self.a.program(np.full_like(q, (self.a.levels - 1) / 2), q)
        self.Q = np.vstack([self.Q, q])
        self.W = np.vstack([self.W, self.a.w_of(q)])
        self.h = np.append(self.h, 1.0)
        cnt = np.zeros((1, 10))
        cnt[0, c] = 1
        self.cnt = np.vstack([self.cnt, cnt])
        self.idle = np.append(self.idle, 0)
        self.grown += 1

    def remove(self, keep):
        gone = np.nonzero(~keep)[0]
        if gone.size == 0:
            return
        self.a.switch(gone.size)
        mid = np.full((gone.size, self.a.D), (self.a.levels - 1) / 2)
        self.a.program(self.Q[gone], mid)
        self.Q, self.W, self.h = self.Q[keep], self.W[keep], self.h[keep]
        self.cnt, self.idle = self.cnt[keep], self.idle[keep]
        self.pruned += gone.size

    def labels(self):
        return np.argmax(self.cnt, 1)

    def bmu(self, x):
        d = np.sqrt(((self.W - x) ** 2).sum(1))
        b = int(np.argmin(d))
        return b, d[b]

    def train(self, x, c, reduced=False):
        a = self.a
        if self.n_init:  # fixed network: the first images program its rows
            i = self.Q.shape[0] - self.n_init
            q = a.quantize(x, self.rng)
            a.program(self.Q[i], q)
            self.Q[i], self.W[i] = q, a.w_of(q)
            self.cnt[i, c] = 1
            self.n_init -= 1
            return
        if self.units() == 0:
            self.add(x, c)
            a.peak_devices = max(a.peak_devices, a.devices(self.units()))
            return
        a.present(self.W)
        b, d = self.bmu(x)
        lab = self.labels()
        added = self.grow and ((d > D_T and self.h[b] < H_T) or lab[b] != c)
        if added:
            self.add(x, c)
        else:
            old = self.Q[b].copy()
            self.Q[b] = a.quantize(self.W[b] + EPS * self.h[b] * (x - self.W[b]), self.rng)
            a.program(old, self.Q[b])
            self.W[b] = a.w_of(self.Q[b])
            self.h[b] = max(0.0, self.h[b] + TAU_B * (KAPPA * (1 - self.h[b]) - 1) * 0.1)
            self.cnt[b] *= 0.98
            self.cnt[b, c] += 1
        a.peak_devices = max(a.peak_devices, a.devices(self.units()))
        if not self.grow:
            return
        won = np.zeros(self.units(), bool)
        if not added:
            won[b] = True
        if reduced:  # idle: lost idle_R presentations in a row
            self.idle = np.where(won, 0, self.idle + 1)
            self.remove(self.idle <= IDLE_R)
        else:  # redundant: lost idle_T presentations of its own class in a row
            mine = self.labels() == c
            self.idle = np.where(won, 0, np.where(mine, self.idle + 1, self.idle))
            self.remove(self.idle <= IDLE_T)

    def accuracy(self, X, y):
        if self.units() == 0:
            return 0.0
        d = (self.W ** 2).sum(1)[None, :] - 2 * X @ self.W.T
        return float((self.labels()[np.argmin(d, 1)] == y).mean())


def total(e):
    return float(sum(e.values()))


def run_one(Xtr, ytr, Xte, yte, k, preset, seed, grow, n_fixed, n_reduced, iid=False):
    """One network through the protocol; iid: the same images shuffled
    over all classes (not class-incremental), a reference."""
    rng = np.random.default_rng(seed)
    arr = Array(k, preset, Xtr.shape[1])
    net = Net(arr, rng, grow, 0 if grow else n_fixed)
    hist = []
    order = [rng.permutation(np.nonzero(ytr == c)[0]) for c in range(10)]
    if iid:
        allx = rng.permutation(np.concatenate(order))
        order = np.array_split(allx, 10)
    for c in range(10):
        for i in order[c]:
            net.train(Xtr[i], ytr[i])
        seen = yte <= (9 if iid else c)
        hist.append({"classes": c + 1, "accuracy": net.accuracy(Xte[seen], yte[seen]),
                     "units": net.units(), "devices": arr.devices(net.units()),
                     "energy_pj": total(arr.energy)})
    low = yte < 5
    red = {"units_before": net.units(), "devices_before": arr.devices(net.units()),
           "accuracy_before": net.accuracy(Xte[low], yte[low])}
    e0 = total(arr.energy)
    pool = np.nonzero(ytr < 5)[0]
    for i in rng.choice(pool, n_reduced, replace=True):
        net.train(Xtr[i], ytr[i], reduced=True)
    red.update({"units_after": net.units(), "devices_after": arr.devices(net.units()),
                "accuracy_after": net.accuracy(Xte[low], yte[low]),
                "presentations": n_reduced, "energy_pj": total(arr.energy) - e0})
    return {"per_task": hist, "final_accuracy": hist[-1]["accuracy"],
            "final_units": hist[-1]["units"], "final_devices": hist[-1]["devices"],
            "peak_devices": arr.peak_devices, "grown": net.grown, "pruned": net.pruned,
            "energy_pj": dict(arr.energy), "energy_total_pj": total(arr.energy),
            "counts": dict(arr.counts), "reduced_input": red, "synapse_levels": arr.levels}


def run(Xtr, ytr, Xte, yte, k, preset, seed, fixed_sizes, n_reduced):
    res = {"grow": run_one(Xtr, ytr, Xte, yte, k, preset, seed, True, 0, n_reduced)}
    res["fixed"] = {str(n): run_one(Xtr, ytr, Xte, yte, k, preset, seed + 1, False, n, n_reduced)
                    for n in fixed_sizes}
    n_g = res["grow"]["final_units"]
    res["fixed_iid_reference"] = run_one(Xtr, ytr, Xte, yte, k, preset, seed + 2, False, n_g,
                                         n_reduced, iid=True)
    return res


def plot(path, res):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(1, 3, figsize=(14, 4.2))
    curves = [("grow / prune", res["grow"], "tab:green", "o-")]
    for i, (nf, r) in enumerate(sorted(res["fixed"].items(), key=lambda t: int(t[0]))):
        curves.append(("fixed, %s units" % nf, r, ("tab:gray", "k", "tab:brown")[i % 3], "s--"))
    curves.append(("fixed %d units, shuffled classes (ref.)" % res["fixed_iid_reference"]["final_units"],
                   res["fixed_iid_reference"], "tab:blue", ":"))
    for lab, r, col, st in curves:
        h = r["per_task"]
        n = [e["classes"] for e in h]
        ax[0].plot(n, [e["accuracy"] for e in h], st, color=col, label=lab)
        ax[1].plot(n, [e["devices"] for e in h], st, color=col, label=lab)
        ax[2].plot(n, [e["energy_pj"] * 1e-6 for e in h], st, color=col, label=lab)
    ax[0].plot(n, [1.0 / c for c in n], ":", color="k", label="chance")
    ax[0].set(xlabel="classes seen (one at a time)", ylabel="test accuracy, classes seen",
              title="Fashion-MNIST, class-incremental", ylim=(0, 1))
    r = res["grow"]["reduced_input"]
    ax[1].annotate("reduced input (classes 0-4):\n%d -> %d devices, acc %.2f -> %.2f" % (
        r["devices_before"], r["devices_after"], r["accuracy_before"], r["accuracy_after"]),
        xy=(0.03, 0.8), xycoords="axes fraction", fontsize=8)
    ax[1].set(xlabel="classes seen", ylabel="devices in use (neuron + synapse mode)",
              title="devices")
    ax[2].set(xlabel="classes seen", ylabel="energy so far (uJ)",
              title="energy: reads, spikes, writes, switches")
    for a in ax:
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    t0 = time.process_time()
    k, preset = C.device_constants(), C.read_preset("hnno_synapse")
    n_tr, n_te, fixed, n_red = ((100, 60, (100, 300), 1500) if a.small else
                                (300, 200, (200, 600), 4000))
    Xtr, ytr, Xte, yte = load(n_tr, n_te, a.seed)
    res = run(Xtr, ytr, Xte, yte, k, preset, a.seed, fixed, n_red)
    os.makedirs(a.out, exist_ok=True)
    plot(os.path.join(a.out, "nno_grow.png"), res)
    res["setup"] = {"train_per_class": n_tr, "test_per_class": n_te, "fixed_units": list(fixed),
                    "synapses_per_unit": int(Xtr.shape[1]), "eps": EPS, "d_T": D_T, "h_T": H_T,
                    "idle_T": IDLE_T, "idle_R": IDLE_R, "seed": a.seed,
                    "switch_pulse_energy_pj": C.pulse_energy_pj(k),
                    "switch_pulses_synapse_neuron": C.switch_pulses(k, k["H_SYNAPSE"], k["H_NEURON"])}
    res["paper"] = {"claim": "GWR on H-NNO devices vs a static network of fixed size with the "
                             "same Hebbian rule (MNIST, CUB-200 subset): accuracy more than doubled "
                             "as classes were added; with a reduced input set it dropped nearly "
                             "half its nodes without losing performance",
                    "source": "Zhang et al. Science 2022, Fig. 4 (numbers via the paper's text "
                              "and Ars Technica 2022-02; not read from the figure here)"}
    res["python_cpu_s"] = time.process_time() - t0
    C.write_json(os.path.join(a.out, "grow.json"), res)
    rows = [("grow", res["grow"])] + [("fixed%s" % n, r) for n, r in res["fixed"].items()]
    rows.append(("iid-ref", res["fixed_iid_reference"]))
    for n, r in rows:
        print("%-5s acc %.3f units %d devices %d (peak %d) energy %.3g pJ; reduced: units %d -> %d, acc %.3f -> %.3f" % (
            n, r["final_accuracy"], r["final_units"], r["final_devices"], r["peak_devices"],
            r["energy_total_pj"], r["reduced_input"]["units_before"], r["reduced_input"]["units_after"],
            r["reduced_input"]["accuracy_before"], r["reduced_input"]["accuracy_after"]))


if __name__ == "__main__":
    main()
