"""nno_common.py: what the H-NNO examples (nno_reservoir.py, nno_grow.py)
share: the device constants, read from synapses/syn_hnno.h (the one place
they are written), the synapse-mode preset configs/devices/hnno_synapse.ini,
memspike runs, ridge regression, and the JSON output."""
import json
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "python"))


def device_constants(path=None):
    """{NAME: value} of the SYN_HNNO_CONSTANTS table in syn_hnno.h."""
    path = path or os.path.join(ROOT, "synapses", "syn_hnno.h")
    k = {}
    for line in open(path):
        m = re.match(r'\s*X\((\w+),\s*([-+0-9.eE]+),\s*"([^"]*)",\s*"([^"]*)"\)', line)
        if m:
            k[m.group(1)] = float(m.group(2))
    need = ["H_RESISTOR", "H_MEMCAP", "H_SYNAPSE", "H_NEURON", "DH_PULSE", "V_SW",
            "G_SW_US", "T_SW_S", "T_GAP_S", "TAU_LEAK_MS", "X_TH", "T_REF_MS", "E_SPIKE_PJ"]
    miss = [n for n in need if n not in k]
    if miss:
        raise SystemExit("%s: constants %s not found in SYN_HNNO_CONSTANTS" % (path, ", ".join(miss)))
    return k


def pulse_energy_pj(k):
    """One switching pulse, V^2 G t (syn_hnno_pulse_energy_pj)."""
    return k["V_SW"] ** 2 * k["G_SW_US"] * k["T_SW_S"] * 1e6


def switch_pulses(k, h_from, h_to):
    """Whole pulses moving h from h_from to h_to (syn_hnno_plan_switch)."""
    return int(np.ceil(abs(h_to - h_from) / k["DH_PULSE"] - 1e-9))


def read_preset(name="hnno_synapse"):
    """key -> float (or str) of configs/devices/NAME.ini."""
    path = os.path.join(ROOT, "configs", "devices", name + ".ini")
    out = {}
    for i, line in enumerate(open(path), 1):
        s = line.split("#")[0].strip()
        if not s:
            continue
        if "=" not in s:
            raise SystemExit("%s:%d: expected key = value" % (path, i))
        key, val = [x.strip() for x in s.split("=", 1)]
        try:
            out[key] = float(val)
        except ValueError:
            out[key] = val
    return out


def memspike_bin():
    return os.environ.get("BIN", os.path.join(ROOT, "build", "memspike"))


def run_memspike(ini_path, out_dir):
    """Run a config; returns the run's --json summary (dict)."""
    js = os.path.join(out_dir, "summary.json")
    cmd = [memspike_bin(), "run", ini_path, "--out", out_dir, "--json", js, "--quiet"]
    env = dict(os.environ)
    env.setdefault("MEMSPIKE_DEVICES", os.path.join(ROOT, "configs", "devices"))  # any cwd
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit("memspike run %s failed (exit %d):\n%s" % (ini_path, r.returncode, r.stderr))
    with open(js) as f:
        return json.load(f)


def read_spikes(out_dir, population):
    """(times_ms, local ids) of a population's recorded spikes."""
    import glob
    import memspike_log
    files = sorted(glob.glob(os.path.join(out_dir, "events.rank*.msgpack")))
    run = memspike_log.open_run(files)
    s = run.spikes(population=population)
    return np.asarray(s["time_ms"]), np.asarray(s["local_id"])


def ridge_fit(X, Y, lam):
    """W minimizing |[X 1] W - Y|^2 + lam |W|^2 (bias not penalized)."""
    Xb = np.hstack([X, np.ones((X.shape[0], 1))])
    R = lam * np.eye(Xb.shape[1])
    R[-1, -1] = 0
    return np.linalg.solve(Xb.T @ Xb + R, Xb.T @ Y)


def ridge_predict(X, W):
    return np.hstack([X, np.ones((X.shape[0], 1))]) @ W


def ridge_select(Xtr, Ytr, score, lams=(1e-3, 1e-2, 0.1, 1, 3, 10, 30, 100, 300, 1000), frac=0.25):
    """Ridge with lam picked on the last `frac` of the training set
    (score(Y_true, Y_pred): higher is better), then refitted on all of it.
    Features are standardized on the training set; returns predict(X)."""
    mu, sd = Xtr.mean(0), Xtr.std(0) + 1e-9
    Z = (Xtr - mu) / sd
    n = Z.shape[0]
    cut = int(n * (1 - frac))
    best = None
    for lam in lams:
        W = ridge_fit(Z[:cut], Ytr[:cut], lam)
        s = score(Ytr[cut:], ridge_predict(Z[cut:], W))
        if best is None or s > best[0]:
            best = (s, lam)
    W = ridge_fit(Z, Ytr, best[1])
    return (lambda X: ridge_predict((X - mu) / sd, W)), best[1]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")
