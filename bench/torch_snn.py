#!/usr/bin/python3
"""torch_snn.py: a dense, clock-driven PyTorch peer for memspike's CNN -> SNN
conversion.  It reads a memspike model file (docs/model-format.md) the way
the C side does (msgpack, not torch modules), applies the same conversion
recipe, runs the first --images Fashion-MNIST test images for --steps time
steps, and prints ONE JSON line:

  {"peer": "torch_dense_snn", "steps": T, "images": N, "accuracy": ...,
   "ann_accuracy": ..., "images_per_s": ..., "seconds": ..., ...}

"seconds" is the wall time of the SNN simulation of the N test images
(constant input currents, T steps, read-out), batches of --batch images,
with torch.no_grad() and --threads threads (default 1, for a one-core
comparison).  Reading files, the ANN accuracy and calibration are not in it
(calibration time is reported as "calib_seconds").  Every neuron of every
layer is updated every step (dense, clock-driven); linear layers run as 1x1
convolutions (oneDNN) because Debian's torch may sit on the slow reference
BLAS, and IF updates run in place: a fair, not a straw-man, peer.

Conversion recipe (docs/model-format.md, section "Conversion"):
 1. fold every BatchNorm2d into the conv2d before it:
    s = gamma / sqrt(var + eps); W'[o] = W[o] * s[o];
    b'[o] = (b[o] - mean[o]) * s[o] + beta[o]; drop Dropout;
 2. the network must then be  W (relu pool* W)*  (W = conv2d or linear;
    flatten allowed anywhere): ReLU after every weighted layer but the last;
 3. data-based normalization: run the folded float32 ANN on the first
    --calib TRAINING images; lambda_l = numpy.percentile (linear) of all
    positive outputs z_l > 0 of weighted layer l over those images
    (p = --percentile; 100 = max), computed in float64 from the float32
    values; lambda_0 = 1; W_l *= lambda_{l-1} / lambda_l, b_l /= lambda_l
    (factor in float64, result rounded to float32); pools keep lambda;
 4. SNN, all layers in order every step: layer 1 gets the constant current
    W1 x + b1 from the analog input; later weighted layers get W s + b from
    the previous layer's 0/1 spikes this step; an average pool is a layer of
    IF neurons fed the mean of its window's spikes; a max pool adds this
    step's input spikes to per-input counts and spikes, per window, when
    the largest of them exceeds the window's own count (so that its count
    is its inputs' largest count).  IF: V += I; if V >= 1: spike, V -= 1;
    V(0) = v_init (memspike convert --v-init, default 0.5);
 5. prediction: argmax of output spike counts; ties by larger final
    membrane potential, then by lower class index.

usage: torch_snn.py [--model configs/models/fmnist_cnn.msgpack] [--steps 64]
                    [--images 10000] [--calib 1000] [--percentile 99.9]
                    [--data DIR] [--threads 1] [--batch 100]
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import msgpack
import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/datasets/fashion-mnist"
MODEL = os.path.join(ROOT, "configs", "models", "fmnist_cnn.msgpack")
USE_MKLDNN = torch.backends.mkldnn.is_available()
LAYER_TYPES = ("conv2d", "batchnorm2d", "relu", "avgpool2d", "maxpool2d", "flatten",
               "linear", "dropout")


class ModelError(ValueError):
    """A model file that is not a valid memspike model, or not convertible."""


# ---------------------------------------------------------------- reading

def _num(v, what):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ModelError("%s: expected a number (got %s)" % (what, type(v).__name__))
    v = float(v)
    if not math.isfinite(v):
        raise ModelError("%s: not finite (%r)" % (what, v))
    return v


def _uint(v, what, lo=0):
    if isinstance(v, bool) or not isinstance(v, int) or v < lo:
        raise ModelError("%s: expected an integer >= %d (got %r)" % (what, lo, v))
    return v


def _pair(v, what, lo):
    if not isinstance(v, (list, tuple)) or len(v) != 2:
        raise ModelError("%s: expected an array of 2 integers (got %r)" % (what, v))
    return [_uint(v[0], what, lo), _uint(v[1], what, lo)]


def _floats(d, key, n, what, nil_ok=False):
    v = d.get(key, "absent") if isinstance(d, dict) else "absent"
    if v is None and nil_ok:
        return None
    if not isinstance(v, (bytes, bytearray)):
        raise ModelError("%s: field '%s': expected a bin of %d float32 values (got %s)"
                         % (what, key, n, "nothing" if v == "absent" else type(v).__name__))
    if len(v) != 4 * n:
        raise ModelError("%s: field '%s': expected %d float32 values (got %s)"
                         % (what, key, n, len(v) / 4 if len(v) % 4 else len(v) // 4))
    a = np.frombuffer(bytes(v), dtype="<f4").astype(np.float32)
    if not np.all(np.isfinite(a)):
        raise ModelError("%s: field '%s': non-finite value" % (what, key))
    return a


def read_model(path):
    """Read and check a model file.  Returns a dict: input_shape, scale, mean,
    std, classes, ann_test_accuracy (or None), dataset (or None), layers (list
    of dicts with numpy float32 arrays shaped like PyTorch's, and 'in'/'out'
    shapes).  Raises ModelError naming the file, layer and field."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        doc = msgpack.unpackb(data, raw=False, strict_map_key=True)
    except Exception as e:  # noqa: BLE001 - any msgpack failure
        raise ModelError("%s: not a msgpack value (%s)" % (path, e))
    if not isinstance(doc, dict):
        raise ModelError("%s: top level is not a map" % path)
    if doc.get("format") != "memspike-model":
        raise ModelError("%s: field 'format': expected \"memspike-model\" (got %r)"
                         % (path, doc.get("format")))
    if doc.get("version") != 1:
        raise ModelError("%s: field 'version': expected 1 (got %r)" % (path, doc.get("version")))
    inp = doc.get("input")
    if not isinstance(inp, dict):
        raise ModelError("%s: field 'input': expected a map" % path)
    shp = inp.get("shape")
    if not isinstance(shp, list) or len(shp) != 3:
        raise ModelError("%s: field 'input.shape': expected [C, H, W]" % path)
    shape = tuple(_uint(x, "%s: field 'input.shape'" % path, 1) for x in shp)
    m = {"path": path, "input_shape": shape,
         "scale": _num(inp.get("scale"), "%s: field 'input.scale'" % path),
         "mean": _num(inp.get("mean"), "%s: field 'input.mean'" % path),
         "std": _num(inp.get("std"), "%s: field 'input.std'" % path),
         "classes": _uint(doc.get("classes"), "%s: field 'classes'" % path, 1),
         "dataset": doc.get("dataset"), "ann_test_accuracy": None}
    if m["scale"] <= 0 or m["std"] <= 0:
        raise ModelError("%s: input.scale and input.std must be > 0" % path)
    if doc.get("ann_test_accuracy") is not None:
        a = _num(doc["ann_test_accuracy"], "%s: field 'ann_test_accuracy'" % path)
        if not 0 <= a <= 1:
            raise ModelError("%s: field 'ann_test_accuracy': expected [0, 1] (got %r)" % (path, a))
        m["ann_test_accuracy"] = a
    layers = doc.get("layers")
    if not isinstance(layers, list) or not layers:
        raise ModelError("%s: field 'layers': expected a non-empty array" % path)
    cur = shape  # (C, H, W); flat = (F, 1, 1)
    out = []
    for i, L in enumerate(layers):
        if not isinstance(L, dict) or L.get("type") not in LAYER_TYPES:
            raise ModelError("%s: layer %d: unknown type %r (known: %s)"
                             % (path, i, L.get("type") if isinstance(L, dict) else L,
                                ", ".join(LAYER_TYPES)))
        t = L["type"]
        w = "%s: layer %d (%s)" % (path, i, t)
        r = {"type": t, "in": cur}
        c, h, wd = cur
        if t == "conv2d":
            ci = _uint(L.get("in_channels"), w + ": field 'in_channels'", 1)
            co = _uint(L.get("out_channels"), w + ": field 'out_channels'", 1)
            k = _pair(L.get("kernel_size"), w + ": field 'kernel_size'", 1)
            s = _pair(L.get("stride"), w + ": field 'stride'", 1)
            p = _pair(L.get("padding"), w + ": field 'padding'", 0)
            if ci != c:
                raise ModelError("%s: field 'in_channels': expected %d (the input's channels), "
                                 "got %d" % (w, c, ci))
            oh, ow = (h + 2 * p[0] - k[0]) // s[0] + 1, (wd + 2 * p[1] - k[1]) // s[1] + 1
            if h + 2 * p[0] < k[0] or wd + 2 * p[1] < k[1]:
                raise ModelError("%s: kernel %r larger than the padded %dx%d input"
                                 % (w, k, h, wd))
            r.update(k=k, s=s, p=p,
                     weight=_floats(L, "weight", co * ci * k[0] * k[1], w).reshape(co, ci, *k),
                     bias=_floats(L, "bias", co, w, nil_ok=True))
            cur = (co, oh, ow)
        elif t == "batchnorm2d":
            n = _uint(L.get("num_features"), w + ": field 'num_features'", 1)
            if n != c:
                raise ModelError("%s: field 'num_features': expected %d, got %d" % (w, c, n))
            eps = _num(L.get("eps"), w + ": field 'eps'")
            if eps <= 0:
                raise ModelError("%s: field 'eps': must be > 0" % w)
            r.update(eps=eps, gamma=_floats(L, "weight", n, w), beta=_floats(L, "bias", n, w),
                     mean=_floats(L, "running_mean", n, w), var=_floats(L, "running_var", n, w))
            if np.any(r["var"] < 0):
                raise ModelError("%s: field 'running_var': negative value" % w)
        elif t in ("avgpool2d", "maxpool2d"):
            k = _pair(L.get("kernel_size"), w + ": field 'kernel_size'", 1)
            s = _pair(L.get("stride"), w + ": field 'stride'", 1)
            p = _pair(L.get("padding"), w + ": field 'padding'", 0)
            if p != [0, 0]:
                raise ModelError("%s: field 'padding': expected [0, 0], got %r" % (w, p))
            if k[0] > h or k[1] > wd:
                raise ModelError("%s: kernel %r larger than the %dx%d input" % (w, k, h, wd))
            r.update(k=k, s=s)
            cur = (c, (h - k[0]) // s[0] + 1, (wd - k[1]) // s[1] + 1)
        elif t == "flatten":
            cur = (c * h * wd, 1, 1)
        elif t == "linear":
            fi = _uint(L.get("in_features"), w + ": field 'in_features'", 1)
            fo = _uint(L.get("out_features"), w + ": field 'out_features'", 1)
            if fi != c * h * wd:
                raise ModelError("%s: field 'in_features': expected %d, got %d"
                                 % (w, c * h * wd, fi))
            if h != 1 or wd != 1:
                raise ModelError("%s: input shape %r is not flat (a flatten layer must come "
                                 "first)" % (w, cur))
            r.update(weight=_floats(L, "weight", fo * fi, w).reshape(fo, fi),
                     bias=_floats(L, "bias", fo, w, nil_ok=True))
            cur = (fo, 1, 1)
        elif t == "dropout":
            p = _num(L.get("p"), w + ": field 'p'")
            if not 0 <= p <= 1:
                raise ModelError("%s: field 'p': expected [0, 1], got %r" % (w, p))
        r["out"] = cur
        out.append(r)
    if cur[0] * cur[1] * cur[2] != m["classes"]:
        raise ModelError("%s: the last layer has %d outputs but classes is %d"
                         % (path, cur[0] * cur[1] * cur[2], m["classes"]))
    m["layers"] = out
    return m


# ------------------------------------------------------------- conversion

def fold(model):
    """Step 1-2: BatchNorm folded into the conv2d before it, dropout dropped,
    structure checked.  Returns a list of ops (dicts): conv2d/linear with
    torch float32 'W', 'b' (never None), relu, avgpool2d, maxpool2d, flatten."""
    path = model["path"] if isinstance(model, dict) and "path" in model else "model"
    ops = []
    for i, L in enumerate(model["layers"]):
        t = L["type"]
        if t == "dropout":
            continue
        if t == "batchnorm2d":
            prev = ops[-1] if ops else None
            if prev is None or prev["type"] != "conv2d" or prev.get("bn"):
                raise ModelError("%s: layer %d (batchnorm2d): must directly follow a conv2d "
                                 "(dropout aside) to be folded" % (path, i))
            s = L["gamma"].astype(np.float64) / np.sqrt(L["var"].astype(np.float64) + L["eps"])
            W = prev["W64"] * s[:, None, None, None]
            b = (prev["b64"] - L["mean"].astype(np.float64)) * s + L["beta"].astype(np.float64)
            prev.update(W64=W, b64=b, bn=True)
            continue
        op = {"type": t, "index": i}
        if t in ("conv2d", "linear"):
            op["W64"] = L["weight"].astype(np.float64)
            nout = L["weight"].shape[0]
            op["b64"] = (np.zeros(nout) if L["bias"] is None else L["bias"].astype(np.float64))
            if t == "conv2d":
                op.update(s=tuple(L["s"]), p=tuple(L["p"]))
        elif t in ("avgpool2d", "maxpool2d"):
            op.update(k=tuple(L["k"]), s=tuple(L["s"]))
        ops.append(op)
    for op in ops:
        if "W64" in op:
            op["W"] = torch.from_numpy(op.pop("W64").astype(np.float32))
            op["b"] = torch.from_numpy(op.pop("b64").astype(np.float32))
            op.pop("bn", None)
    # structure:  W (relu pool* W)*   with flatten anywhere
    seq = [op for op in ops if op["type"] != "flatten"]
    state = "start"  # start -> W -> relu -> (pool)* -> W ...
    for op in seq:
        t = op["type"]
        weighted = t in ("conv2d", "linear")
        where = "%s: layer %d (%s)" % (path, op["index"], t)
        if state == "start":
            if not weighted:
                raise ModelError("%s: the first layer (flatten and dropout aside) must be "
                                 "conv2d or linear" % where)
            state = "W"
        elif state == "W":
            if t != "relu":
                raise ModelError("%s: a weighted layer that is not the last must be followed "
                                 "by relu (batchnorm, dropout and flatten aside)" % where)
            state = "relu"
        elif state in ("relu", "pool"):
            if weighted:
                state = "W"
            elif t in ("avgpool2d", "maxpool2d"):
                state = "pool"
            else:
                raise ModelError("%s: expected a pool or a weighted layer after relu" % where)
    if state != "W":
        raise ModelError("%s: the network must end with a weighted layer (conv2d or linear) "
                         "without relu" % path)
    return ops


def weighted(ops):
    return [op for op in ops if op["type"] in ("conv2d", "linear")]


def _apply_w(op, s):
    if op["type"] == "conv2d":
        return F.conv2d(s, op["W"], op["b"], stride=op["s"], padding=op["p"])
    if USE_MKLDNN:
        # a linear layer as a 1x1 convolution: the same sums, but through
        # oneDNN; torch's own matrix product may sit on a slow reference BLAS
        # (Debian's python3-torch with netlib libblas: ~20x slower)
        n, f = s.shape
        o = op["W"].shape[0]
        return F.conv2d(s.reshape(n, f, 1, 1), op["W"].view(o, f, 1, 1), op["b"]).view(n, o)
    return F.linear(s, op["W"], op["b"])


def _avgpool(s, k, st):
    """Mean of each window (sum of the kh*kw strided views, / (kh*kw));
    the same numbers as F.avg_pool2d, faster on 0/1 spikes."""
    kh, kw = k
    h, w = s.shape[2:]
    oh, ow = (h - kh) // st[0] + 1, (w - kw) // st[1] + 1
    acc = None
    for u in range(kh):
        for v in range(kw):
            view = s[:, :, u:u + st[0] * (oh - 1) + 1:st[0], v:v + st[1] * (ow - 1) + 1:st[1]]
            acc = view.clone() if acc is None else acc.add_(view)
    return acc.div_(kh * kw)


def ann_forward(ops, x, collect=None):
    """The folded float32 ANN on x (N, C, H, W).  With collect (a list per
    weighted layer), appends each weighted layer's positive outputs."""
    h = x
    k = 0
    for op in ops:
        t = op["type"]
        if t in ("conv2d", "linear"):
            h = _apply_w(op, h)
            if collect is not None:
                collect[k].append(h[h > 0].numpy().copy())
            k += 1
        elif t == "relu":
            h = torch.relu(h)
        elif t == "avgpool2d":
            h = F.avg_pool2d(h, op["k"], op["s"])
        elif t == "maxpool2d":
            h = F.max_pool2d(h, op["k"], op["s"])
        elif t == "flatten":
            h = h.flatten(1)
    return h


def layer_forward(model, x):
    """The model file's layers literally (BatchNorm in eval form, no folding),
    float32: the ANN whose accuracy the file records."""
    h = x
    for L in model["layers"]:
        t = L["type"]
        if t == "conv2d":
            b = None if L["bias"] is None else torch.from_numpy(L["bias"])
            h = F.conv2d(h, torch.from_numpy(L["weight"]), b, stride=tuple(L["s"]),
                         padding=tuple(L["p"]))
        elif t == "batchnorm2d":
            h = F.batch_norm(h, torch.from_numpy(L["mean"]), torch.from_numpy(L["var"]),
                             torch.from_numpy(L["gamma"]), torch.from_numpy(L["beta"]),
                             training=False, eps=L["eps"])
        elif t == "relu":
            h = torch.relu(h)
        elif t == "avgpool2d":
            h = F.avg_pool2d(h, tuple(L["k"]), tuple(L["s"]))
        elif t == "maxpool2d":
            h = F.max_pool2d(h, tuple(L["k"]), tuple(L["s"]))
        elif t == "flatten":
            h = h.flatten(1)
        elif t == "linear":
            b = None if L["bias"] is None else torch.from_numpy(L["bias"])
            h = F.linear(h, torch.from_numpy(L["weight"]), b)
    return h


def calibrate(ops, x, percentile=99.9, batch=500):
    """Step 3's lambdas (float64), one per weighted layer, from the folded ANN
    on calibration inputs x."""
    nw = len(weighted(ops))
    col = [[] for _ in range(nw)]
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            ann_forward(ops, x[i:i + batch], col)
    lams = []
    for k in range(nw):
        v = np.concatenate(col[k]).astype(np.float64) if col[k] else np.zeros(0)
        if v.size == 0:
            print("torch_snn: weighted layer %d has no positive output on the calibration "
                  "data; lambda = 1" % (k + 1), file=sys.stderr)
            lams.append(1.0)
        else:
            lams.append(float(np.percentile(v, percentile)))
    return lams


def normalize(ops, lams):
    """Step 3's scaling, in place: W_l *= lambda_{l-1}/lambda_l, b_l /= lambda_l."""
    prev = 1.0
    for op, lam in zip(weighted(ops), lams):
        op["W"] = torch.from_numpy((op["W"].numpy().astype(np.float64) * (prev / lam))
                                   .astype(np.float32))
        op["b"] = torch.from_numpy((op["b"].numpy().astype(np.float64) / lam)
                                   .astype(np.float32))
        prev = lam
    return ops


def convert(model, calib_x, percentile=99.9):
    """Steps 1-3: the normalized SNN ops and the lambdas."""
    ops = fold(model)
    lams = calibrate(ops, calib_x, percentile)
    return normalize(ops, lams), lams


# ------------------------------------------------------------- simulation

def _if(st, i):
    """IF update of state st = (V, spike buffer) with input i; returns the
    0/1 float spikes (the buffer, overwritten next step)."""
    v, s = st
    v += i
    torch.ge(v, 1.0, out=s)  # float out: ~3x faster than a bool tensor + cast
    v -= s
    return s


def simulate(ops, x, steps, layer_spikes=None, v_init=0.5):
    """Step 4 on a batch x (N, C, H, W).  Returns (output spike counts (N, K)
    as int64, final output membranes (N, K) float32).  With layer_spikes (a
    list), adds to layer_spikes[k] the batch's spikes, over all steps, of the
    k-th spiking layer (weighted and pool layers in order: memspike's
    stages), extending the list as needed."""
    n = x.shape[0]
    ws = weighted(ops)
    first, last = ws[0], ws[-1]
    jlast = ops.index(last)
    j0 = ops.index(first)
    # layer 1: constant current from the analog input (flatten before it aside)
    h = x
    for op in ops[:j0]:
        if op["type"] == "flatten":
            h = h.flatten(1)
    cur0 = _apply_w(first, h)
    state = {}
    counts = torch.zeros(n, last["W"].shape[0])
    vlast = None
    for _ in range(steps):
        s = None
        stage = 0
        for j in range(j0, len(ops)):
            op = ops[j]
            t = op["type"]
            if t in ("conv2d", "linear"):
                i = cur0 if j == j0 else _apply_w(op, s)
                if j not in state:
                    state[j] = (torch.full_like(i, v_init), torch.empty_like(i))
                s = _if(state[j], i)
            elif t == "avgpool2d":
                i = _avgpool(s, op["k"], op["s"])
                if j not in state:
                    state[j] = (torch.full_like(i, v_init), torch.empty_like(i))
                s = _if(state[j], i)
            elif t == "maxpool2d":
                c, h, w = s.shape[1:]
                kh, kw = op["k"]
                oh, ow = (h - kh) // op["s"][0] + 1, (w - kw) // op["s"][1] + 1
                if j not in state:
                    state[j] = (torch.zeros_like(s), torch.zeros(n, c, oh, ow))
                state[j][0].add_(s)  # input counts so far, this step included
                cnt = F.unfold(state[j][0], op["k"], stride=op["s"]).view(n, c, kh * kw, oh * ow)
                top = cnt.amax(2).view(n, c, oh, ow)
                s = (top > state[j][1]).float()  # rate-correct: count = largest input count
                state[j][1].add_(s)
            elif t == "flatten":
                s = s.flatten(1)
            # relu: nothing; the IF neurons of the weighted layer before it are the ReLU
            if layer_spikes is not None and t not in ("flatten", "relu"):
                if stage == len(layer_spikes):
                    layer_spikes.append(0)
                layer_spikes[stage] += int(s.sum().item())
                stage += 1
        counts += s.flatten(1)
        vlast = state[jlast][0]
    if vlast is None:  # steps == 0
        vlast = torch.zeros_like(counts)
    return counts.round().to(torch.int64), vlast.flatten(1).clone()


def _apply_w_nobias(op, s):
    """W s without the bias (the bias is a charge given once, not a current)."""
    b = op["b"]
    op["b"] = torch.zeros_like(b)
    try:
        return _apply_w(op, s)
    finally:
        op["b"] = b


def simulate_ttfs(ops, x, steps):
    """TTFS (--coding ttfs; network/net_cnn_ttfs.c), dense and clock-driven:
    every layer has a window of T = steps steps after the previous one's.
    During layer n's window, at every step k its neurons that reach V +
    (k + 1/2) / T >= 1 spike (once: a fired neuron is masked), and every
    spike map s_k is pushed through layer n + 1's weights into a slope
    (slope += W s_k) that is integrated every step (V_{n+1} += slope / T),
    so that after the window V_{n+1} = b + W x with x = (T - k) / T of the
    spike at step k; in its own window a neuron's V rises by 1/T a step.
    An average pool is such a layer with fixed weights; a max pool passes,
    within the same window, the first spike of each window of inputs.  The
    first layer's V is its analog input W x + b.  Returns (prediction
    (N,) int64 = argmax of the output layer's V, spikes of every layer)."""
    ws = weighted(ops)
    first = ws[0]
    j0 = ops.index(first)
    h = x
    for op in ops[:j0]:
        if op["type"] == "flatten":
            h = h.flatten(1)
    v = _apply_w(first, h)
    rest = [op for op in ops[j0 + 1:] if op["type"] != "relu"]
    spikes = 0
    i = 0
    while i < len(rest):
        # the stages that consume this layer's spikes within its window
        pools, flat = [], False
        while i < len(rest) and rest[i]["type"] in ("maxpool2d", "flatten"):
            if rest[i]["type"] == "flatten":
                flat = True
            else:
                pools.append(rest[i])
            i += 1
        nxt = rest[i]
        i += 1
        fired = torch.zeros_like(v, dtype=torch.bool)
        pfired = [None] * len(pools)
        vn, slope = None, None
        for k in range(steps):
            s = (v + (k + 0.5) / steps >= 1.0) & ~fired
            fired |= s
            sf = s.to(torch.float32)
            spikes += int(s.sum())
            for q, op in enumerate(pools):
                m = F.max_pool2d(sf, op["k"], op["s"]) > 0
                if pfired[q] is None:
                    pfired[q] = torch.zeros_like(m)
                m &= ~pfired[q]
                pfired[q] |= m
                sf = m.to(torch.float32)
                spikes += int(m.sum())
            if flat:
                sf = sf.flatten(1)
            if nxt["type"] == "avgpool2d":
                cur = _avgpool(sf, nxt["k"], nxt["s"])
            else:
                cur = _apply_w_nobias(nxt, sf)
            if slope is None:
                slope = cur
                vn = torch.zeros_like(cur) if nxt["type"] == "avgpool2d" else \
                    _apply_w(nxt, torch.zeros_like(sf))  # the bias: a charge
            else:
                slope += cur
            vn += slope / steps
        v = vn
    out = v.flatten(1)
    spikes += int((out + 0.5 / steps >= 1.0 / steps).sum())  # would spike in the window
    return out.argmax(1), spikes


def predict(counts, v):
    """Step 5: argmax counts; ties by larger final membrane, then lower index."""
    c = np.asarray(counts)
    vv = np.asarray(v, dtype=np.float64)
    cand = c == c.max(axis=1, keepdims=True)
    return np.where(cand, vv, -np.inf).argmax(axis=1)


# ------------------------------------------------------------------ data

def read_idx(path):
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x803:
        n, r, c = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
        a = np.frombuffer(data, np.uint8, n * r * c, 16).reshape(n, r, c)
    elif magic == 0x801:
        n = int.from_bytes(data[4:8], "big")
        a = np.frombuffer(data, np.uint8, n, 8)
    else:
        raise ValueError("%s: bad IDX magic 0x%08x" % (path, magic))
    return a


def load_set(data_dir, train, n=None):
    pre = "train" if train else "t10k"
    x = read_idx(os.path.join(data_dir, pre + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, pre + "-labels-idx1-ubyte.gz"))
    if x.shape[0] != y.shape[0]:
        raise ValueError("%s: %d images, %d labels" % (pre, x.shape[0], y.shape[0]))
    if n is not None:
        if n > x.shape[0]:
            raise ValueError("%s set has %d images, %d asked" % (pre, x.shape[0], n))
        x, y = x[:n], y[:n]
    return x, y


def inputs(model, raw):
    """x = (raw * scale - mean) / std as float32 (N, C, H, W), from uint8 raw."""
    x = (raw.astype(np.float64) * model["scale"] - model["mean"]) / model["std"]
    return torch.from_numpy(x.astype(np.float32).reshape(raw.shape[0], *model["input_shape"]))


# ------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(description="Dense clock-driven PyTorch SNN peer "
                                 "(memspike CNN conversion)")
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--steps", type=int, default=64)
    ap.add_argument("--images", type=int, default=10000)
    ap.add_argument("--calib", type=int, default=1000)
    ap.add_argument("--percentile", type=float, default=99.9)
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--coding", choices=("rate", "ttfs"), default="rate",
                    help="rate (default) or ttfs: time to first spike, windows of --steps "
                    "steps per layer (simulate_ttfs)")
    ap.add_argument("--batch", type=int, default=100,
                    help="images simulated together (100: the state fits the caches; "
                    "measured faster than 250-1000 on one core)")
    a = ap.parse_args(argv)
    if a.steps < 1 or a.images < 1 or a.calib < 1 or a.batch < 1 or a.threads < 1:
        ap.error("--steps, --images, --calib, --batch and --threads must be >= 1")
    if not 0 < a.percentile <= 100:
        ap.error("--percentile must be in (0, 100]")
    torch.set_num_threads(a.threads)
    try:
        model = read_model(a.model)
    except (ModelError, OSError) as e:
        print("torch_snn: %s" % e, file=sys.stderr)
        return 2
    xtr_raw, _ = load_set(a.data, True, a.calib)
    xte_raw, yte = load_set(a.data, False, a.images)
    xte = inputs(model, xte_raw)
    with torch.no_grad():
        ann_ok = 0
        for i in range(0, a.images, a.batch):
            out = layer_forward(model, xte[i:i + a.batch])
            ann_ok += int((out.argmax(1).numpy() == yte[i:i + a.batch]).sum())
        tc = time.perf_counter()
        try:
            ops, lams = convert(model, inputs(model, xtr_raw), a.percentile)
        except ModelError as e:
            print("torch_snn: %s" % e, file=sys.stderr)
            return 2
        calib_s = time.perf_counter() - tc
        ok = 0
        t0 = time.perf_counter()
        for i in range(0, a.images, a.batch):
            if a.coding == "ttfs":
                pred, _ = simulate_ttfs(ops, xte[i:i + a.batch], a.steps)
                ok += int((pred.numpy() == yte[i:i + a.batch]).sum())
                continue
            counts, v = simulate(ops, xte[i:i + a.batch], a.steps)
            ok += int((predict(counts.numpy(), v.numpy()) == yte[i:i + a.batch]).sum())
        secs = time.perf_counter() - t0
    print(json.dumps({"peer": "torch_dense_snn", "coding": a.coding, "steps": a.steps,
                      "images": a.images,
                      "accuracy": ok / a.images, "ann_accuracy": ann_ok / a.images,
                      "images_per_s": a.images / secs, "seconds": secs,
                      "threads": a.threads, "batch": a.batch, "calib": a.calib,
                      "percentile": a.percentile, "calib_seconds": calib_s,
                      "lambdas": lams, "model": os.path.relpath(os.path.abspath(a.model), ROOT)
                      if os.path.abspath(a.model).startswith(ROOT) else a.model}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
