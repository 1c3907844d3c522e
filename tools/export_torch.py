#!/usr/bin/python3
"""export_torch.py: write a trained PyTorch nn.Sequential CNN as a memspike
model file (docs/model-format.md, format "memspike-model", version 1).

Supported layers (exact classes, not subclasses):
  Conv2d       groups=1, dilation=1, padding_mode='zeros'; stride and padding
               ints or tuples (padding 'valid', or 'same' with stride 1 and
               odd kernels, is turned into numbers); bias or none
  BatchNorm2d  eval statistics (running_mean / running_var must exist);
               affine=False is written as weight 1, bias 0
  ReLU
  QCFS         (this module's class) the quantization-clip-floor-shift
               activation of Bu et al., ICLR 2022: written as a relu with
               its trained clip and its levels (docs/model-format.md)
  AvgPool2d    padding 0, ceil_mode False, divisor_override None
  MaxPool2d    padding 0, ceil_mode False, dilation 1, return_indices False
  Flatten      start_dim=1, end_dim=-1 (the defaults)
  Linear       bias or none (needs a flat input: put a Flatten before it)
  Dropout      any p (ignored at inference)
Nested nn.Sequential containers are flattened in order.  Anything else, or a
supported layer with an unsupported option, raises ExportError naming the
layer index, its class and what is not supported.  The exporter also follows
the shapes from input_shape through the network and refuses layers whose
shapes do not chain, and a final output size different from `classes`.

Module use:
    from export_torch import export
    export(model, "configs/models/x.msgpack", input_shape=(1, 28, 28),
           input_scale=1/255, input_mean=0.2860, input_std=0.3530, classes=10,
           ann_test_accuracy=0.91, dataset="fashion-mnist")

CLI (a model saved whole with torch.save(model, path), or a state dict
with --arch naming the function that builds the nn.Sequential):
    export_torch.py MODEL.pt OUT.msgpack --normalize SCALE,MEAN,STD
        [--arch module:function] [--input-shape 1,28,28] [--classes 10]
        [--ann-test-accuracy A] [--dataset NAME]
        [--verify-data DIR] [--verify-images 100] [--memspike BIN] [--no-verify]
The input normalization is stated, never assumed: the network sees
x = (raw * SCALE - MEAN) / STD, as in training, and the file records it
(--input-scale/--input-mean/--input-std set the three one by one).

Before the file is written, the torch model and memspike's ANN forward
(`memspike convert`) classify the first 100 test images of --verify-data
(IDX files, default /usr/share/datasets/fashion-mnist); a file whose
predictions differ on any image is not written.  Images whose two top
torch logits are within 1e-4 of each other are left out of the check
(float32 summation order may flip them).  The comparison relabels the
images with torch's predictions, so convert's ANN accuracy on them is the
fraction of agreeing predictions (no new convert output is needed).
"""
import argparse
import gzip
import importlib
import importlib.util
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import msgpack
import numpy as np
import torch
import torch.nn as nn

FORMAT = "memspike-model"
VERSION = 1


class ExportError(ValueError):
    """A model that cannot be written in the memspike model format."""


class _GradFloor(torch.autograd.Function):
    """floor() forward, identity backward (straight-through estimator)."""

    @staticmethod
    def forward(ctx, x):
        return torch.floor(x)

    @staticmethod
    def backward(ctx, g):
        return g


class QCFS(nn.Module):
    """Quantization-clip-floor-shift activation (Bu, Fang, Ding, Dai, Yu,
    Huang, "Optimal ANN-SNN conversion for high-accuracy and low-latency
    spiking neural networks", ICLR 2022, eq. 12):
        y = clip * clamp(floor(x L / clip + 1/2) / L, 0, 1)
    with a trainable clip (the SNN layer's threshold after conversion) and
    L quantization levels; the floor passes the gradient straight through.
    Exported as {"type": "relu", "clip": clip, "levels": L}."""

    def __init__(self, levels=8, clip=8.0):
        super().__init__()
        if int(levels) < 1:
            raise ValueError("QCFS levels must be >= 1, got %r" % (levels,))
        self.levels = int(levels)
        self.clip = nn.Parameter(torch.tensor([float(clip)]))

    def forward(self, x):
        L = self.levels
        y = _GradFloor.apply(x * (L / self.clip) + 0.5) / L
        return torch.clamp(y, 0, 1) * self.clip

    def extra_repr(self):
        return "levels=%d, clip=%.6g" % (self.levels, float(self.clip))


def _f32bin(t):
    """A tensor or array as msgpack bin: little-endian float32, C order."""
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().to(torch.float64).numpy()
    a = np.ascontiguousarray(np.asarray(t, dtype="<f4"))
    return a.tobytes()


def _pair(v, what):
    if isinstance(v, int):
        return [int(v), int(v)]
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(x, int) for x in v):
        return [int(v[0]), int(v[1])]
    if isinstance(v, (tuple, list)) and len(v) == 1 and isinstance(v[0], int):
        return [int(v[0]), int(v[0])]
    raise ValueError("%s %r is not an int or a pair of ints" % (what, v))


def _flatten_modules(model, prefix=""):
    """(path, module) for every leaf, nested nn.Sequential expanded in order."""
    out = []
    for name, m in model.named_children():
        path = prefix + name
        if type(m) is nn.Sequential:
            out.extend(_flatten_modules(m, path + "."))
        else:
            out.append((path, m))
    return out


def _finite(t, where, field):
    a = t.detach().cpu().to(torch.float64)
    if not bool(torch.isfinite(a).all()):
        raise ExportError("%s: field '%s' has a non-finite value (NaN or Inf)" % (where, field))
    if a.numel() and float(a.abs().max()) > 3.4028234663852886e38:
        raise ExportError("%s: field '%s' has a value outside float32 range" % (where, field))


def _pool(m, kind, where, shape):
    if len(shape) != 3:
        raise ExportError("%s: needs a (C, H, W) input, got a flat one of %d features"
                          % (where, shape[0]))
    try:
        k = _pair(m.kernel_size, "kernel_size")
        s = k if m.stride is None or (isinstance(m.stride, (tuple, list)) and len(m.stride) == 0) \
            else _pair(m.stride, "stride")
        p = _pair(m.padding, "padding")
    except ValueError as e:
        raise ExportError("%s: %s" % (where, e))
    if p != [0, 0]:
        raise ExportError("%s: padding=%r is not supported (only 0)" % (where, m.padding))
    if m.ceil_mode:
        raise ExportError("%s: ceil_mode=True is not supported" % where)
    if kind == "avgpool2d":
        if m.divisor_override is not None:
            raise ExportError("%s: divisor_override=%r is not supported" % (where, m.divisor_override))
    else:
        try:
            d = _pair(m.dilation, "dilation")
        except ValueError as e:
            raise ExportError("%s: %s" % (where, e))
        if d != [1, 1]:
            raise ExportError("%s: dilation=%r is not supported (only 1)" % (where, m.dilation))
        if m.return_indices:
            raise ExportError("%s: return_indices=True is not supported" % where)
    if min(k) < 1 or min(s) < 1:
        raise ExportError("%s: kernel_size %r and stride %r must be >= 1" % (where, k, s))
    c, h, w = shape
    if k[0] > h or k[1] > w:
        raise ExportError("%s: kernel %dx%d larger than its %dx%d input" % (where, k[0], k[1], h, w))
    oh, ow = (h - k[0]) // s[0] + 1, (w - k[1]) // s[1] + 1
    return {"type": kind, "kernel_size": k, "stride": s, "padding": [0, 0]}, (c, oh, ow)


def _conv(m, where, shape):
    if len(shape) != 3:
        raise ExportError("%s: needs a (C, H, W) input, got a flat one of %d features"
                          % (where, shape[0]))
    if m.groups != 1:
        raise ExportError("%s: groups=%d is not supported (only 1)" % (where, m.groups))
    try:
        dil = _pair(m.dilation, "dilation")
        k = _pair(m.kernel_size, "kernel_size")
        s = _pair(m.stride, "stride")
    except ValueError as e:
        raise ExportError("%s: %s" % (where, e))
    if dil != [1, 1]:
        raise ExportError("%s: dilation=%r is not supported (only 1)" % (where, m.dilation))
    if m.padding_mode != "zeros":
        raise ExportError("%s: padding_mode=%r is not supported (only 'zeros')"
                          % (where, m.padding_mode))
    if isinstance(m.padding, str):
        if m.padding == "valid":
            p = [0, 0]
        elif m.padding == "same" and s == [1, 1] and k[0] % 2 == 1 and k[1] % 2 == 1:
            p = [(k[0] - 1) // 2, (k[1] - 1) // 2]
        else:
            raise ExportError("%s: padding=%r is not supported with kernel %r and stride %r "
                              "(use int padding)" % (where, m.padding, k, s))
    else:
        try:
            p = _pair(m.padding, "padding")
        except ValueError as e:
            raise ExportError("%s: %s" % (where, e))
    if min(p) < 0:
        raise ExportError("%s: negative padding %r" % (where, p))
    c, h, w = shape
    if m.in_channels != c:
        raise ExportError("%s: in_channels=%d but its input has %d channels"
                          % (where, m.in_channels, c))
    oh = (h + 2 * p[0] - k[0]) // s[0] + 1
    ow = (w + 2 * p[1] - k[1]) // s[1] + 1
    if oh < 1 or ow < 1:
        raise ExportError("%s: kernel %r does not fit its %dx%d input with padding %r"
                          % (where, k, h, w, p))
    wt = m.weight
    if tuple(wt.shape) != (m.out_channels, m.in_channels, k[0], k[1]):
        raise ExportError("%s: weight shape %r is not (out, in, kh, kw)" % (where, tuple(wt.shape)))
    _finite(wt, where, "weight")
    if m.bias is not None:
        _finite(m.bias, where, "bias")
    rec = {"type": "conv2d", "in_channels": int(m.in_channels),
           "out_channels": int(m.out_channels), "kernel_size": k, "stride": s, "padding": p,
           "weight": _f32bin(wt), "bias": None if m.bias is None else _f32bin(m.bias)}
    return rec, (int(m.out_channels), oh, ow)


def _batchnorm(m, where, shape):
    if len(shape) != 3:
        raise ExportError("%s: needs a (C, H, W) input, got a flat one of %d features"
                          % (where, shape[0]))
    if m.running_mean is None or m.running_var is None:
        raise ExportError("%s: track_running_stats=False is not supported "
                          "(no eval statistics to export)" % where)
    if m.num_features != shape[0]:
        raise ExportError("%s: num_features=%d but its input has %d channels"
                          % (where, m.num_features, shape[0]))
    n = m.num_features
    gamma = m.weight if m.weight is not None else torch.ones(n)
    beta = m.bias if m.bias is not None else torch.zeros(n)
    for f, t in (("weight", gamma), ("bias", beta), ("running_mean", m.running_mean),
                 ("running_var", m.running_var)):
        _finite(t, where, f)
    if bool((m.running_var < 0).any()):
        raise ExportError("%s: field 'running_var' has a negative value" % where)
    if not (m.eps > 0 and math.isfinite(m.eps)):
        raise ExportError("%s: eps=%r must be a positive finite number" % (where, m.eps))
    rec = {"type": "batchnorm2d", "num_features": int(n), "eps": float(m.eps),
           "weight": _f32bin(gamma), "bias": _f32bin(beta),
           "running_mean": _f32bin(m.running_mean), "running_var": _f32bin(m.running_var)}
    return rec, shape


def _linear(m, where, shape):
    if len(shape) != 1:
        raise ExportError("%s: needs a flat input (put an nn.Flatten before it), got shape %r"
                          % (where, tuple(shape)))
    if m.in_features != shape[0]:
        raise ExportError("%s: in_features=%d but its input has %d features"
                          % (where, m.in_features, shape[0]))
    _finite(m.weight, where, "weight")
    if m.bias is not None:
        _finite(m.bias, where, "bias")
    rec = {"type": "linear", "in_features": int(m.in_features),
           "out_features": int(m.out_features), "weight": _f32bin(m.weight),
           "bias": None if m.bias is None else _f32bin(m.bias)}
    return rec, (int(m.out_features),)


def layer_records(model, input_shape=(1, 28, 28)):
    """The list of layer maps for `model`, and the final output shape.
    Raises ExportError for anything not supported."""
    if not isinstance(model, nn.Sequential):
        hint = ""
        if isinstance(model, dict):
            hint = (" (a state dict: pass --arch module:function, a function returning the "
                    "nn.Sequential whose state dict this is, e.g. --arch "
                    "tools/train_fmnist.py:make_model)")
        raise ExportError("the model must be an nn.Sequential, got %s%s"
                          % (type(model).__name__, hint))
    shape = tuple(int(x) for x in input_shape)
    if len(shape) != 3 or min(shape) < 1:
        raise ExportError("input_shape must be (C, H, W) with positive sizes, got %r"
                          % (input_shape,))
    mods = _flatten_modules(model)
    if not mods:
        raise ExportError("the model has no layers")
    recs = []
    for i, (path, m) in enumerate(mods):
        where = "layer %d (%s%s)" % (i, type(m).__name__,
                                     "" if path == str(i) else ", model path '%s'" % path)
        t = type(m)
        if t is nn.Conv2d:
            rec, shape = _conv(m, where, shape)
        elif t is nn.BatchNorm2d:
            rec, shape = _batchnorm(m, where, shape)
        elif t is nn.ReLU:
            rec = {"type": "relu"}
        elif t is QCFS:
            clip = float(m.clip.detach().reshape(-1)[0])
            if not (math.isfinite(clip) and clip > 0):
                raise ExportError("%s: clip=%r: expected a finite number > 0" % (where, clip))
            rec = {"type": "relu", "clip": clip, "levels": int(m.levels)}
        elif t is nn.AvgPool2d:
            rec, shape = _pool(m, "avgpool2d", where, shape)
        elif t is nn.MaxPool2d:
            rec, shape = _pool(m, "maxpool2d", where, shape)
        elif t is nn.Flatten:
            if m.start_dim != 1 or m.end_dim != -1:
                raise ExportError("%s: start_dim=%d, end_dim=%d is not supported (only 1, -1)"
                                  % (where, m.start_dim, m.end_dim))
            rec = {"type": "flatten"}
            n = 1
            for x in shape:
                n *= x
            shape = (n,)
        elif t is nn.Linear:
            rec, shape = _linear(m, where, shape)
        elif t is nn.Dropout:
            if not (0.0 <= float(m.p) <= 1.0):
                raise ExportError("%s: p=%r outside [0, 1]" % (where, m.p))
            rec = {"type": "dropout", "p": float(m.p)}
        else:
            supported = "Conv2d, BatchNorm2d, ReLU, QCFS, AvgPool2d, MaxPool2d, Flatten, Linear, Dropout"
            if isinstance(m, (nn.Conv2d, nn.BatchNorm2d, nn.ReLU, nn.AvgPool2d, nn.MaxPool2d,
                              nn.Flatten, nn.Linear, nn.Dropout)):
                raise ExportError("%s: subclasses of supported layers are not supported "
                                  "(their forward may differ); supported: %s" % (where, supported))
            raise ExportError("%s: layer type %s is not supported; supported: %s"
                              % (where, type(m).__name__, supported))
        recs.append(rec)
    return recs, shape


def build(model, input_shape=(1, 28, 28), input_scale=1 / 255, input_mean=0.0, input_std=1.0,
          classes=10, ann_test_accuracy=None, dataset=None):
    """The model file's top-level map (not yet packed)."""
    for name, v in (("input_scale", input_scale), ("input_mean", input_mean),
                    ("input_std", input_std)):
        if not math.isfinite(float(v)):
            raise ExportError("%s must be finite, got %r" % (name, v))
    if not float(input_scale) > 0 or not float(input_std) > 0:
        raise ExportError("input_scale and input_std must be > 0 (got %r, %r)"
                          % (input_scale, input_std))
    if int(classes) < 1:
        raise ExportError("classes must be >= 1, got %r" % (classes,))
    recs, out = layer_records(model, input_shape)
    n = 1
    for x in out:
        n *= x
    if n != int(classes):
        raise ExportError("the network's output has %d values (shape %r) but classes=%d"
                          % (n, tuple(out), int(classes)))
    doc = {"format": FORMAT, "version": VERSION,
           "input": {"shape": [int(x) for x in input_shape], "scale": float(input_scale),
                     "mean": float(input_mean), "std": float(input_std)},
           "classes": int(classes)}
    if dataset is not None:
        doc["dataset"] = str(dataset)
    if ann_test_accuracy is not None:
        a = float(ann_test_accuracy)
        if not (0.0 <= a <= 1.0):
            raise ExportError("ann_test_accuracy must be in [0, 1], got %r" % (a,))
        doc["ann_test_accuracy"] = a
    doc["layers"] = recs
    return doc


DEFAULT_VERIFY_DATA = "/usr/share/datasets/fashion-mnist"
TIE_TOL = 1e-4  # torch top-2 logit gap below which an image is left out of the check


def _read_idx(path):
    """An IDX file (optionally .gz) as a numpy array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ExportError("%s: not an unsigned-byte IDX file" % path)
    nd = data[3]
    dims = struct.unpack(">%dI" % nd, data[4:4 + 4 * nd])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def _idx_path(d, name):
    for p in (os.path.join(d, name + ".gz"), os.path.join(d, name)):
        if os.path.exists(p):
            return p
    raise ExportError("verification data: no %s[.gz] in %s (give --verify-data DIR with "
                      "IDX files, or --no-verify)" % (name, d))


def find_memspike():
    """The memspike binary: $MEMSPIKE, this checkout's build/memspike, the
    install's PREFIX/bin/memspike (this file in PREFIX/share/memspike/tools),
    then memspike on PATH."""
    here = os.path.dirname(os.path.abspath(__file__))
    for p in (os.environ.get("MEMSPIKE"), os.path.join(here, "..", "build", "memspike"),
              os.path.join(here, "..", "..", "..", "bin", "memspike"), shutil.which("memspike")):
        if p and os.path.isfile(p) and os.access(p, os.X_OK):
            return os.path.normpath(p)
    raise ExportError("cannot find the memspike binary to verify the export (build it with "
                      "make, set MEMSPIKE=PATH or --memspike BIN, or pass --no-verify)")


def verify(model, doc, model_path, data_dir, images=100, memspike=None):
    """Classify the first `images` test images of data_dir with the torch model
    (input normalized as doc records) and with memspike's ANN forward on the
    file at model_path; raise ExportError unless every prediction agrees.
    Returns (checked, left_out, torch_accuracy)."""
    memspike = memspike or find_memspike()
    imgs = _read_idx(_idx_path(data_dir, "t10k-images-idx3-ubyte"))[:images]
    labs = _read_idx(_idx_path(data_dir, "t10k-labels-idx1-ubyte"))[:images]
    inp = doc["input"]
    shape = tuple(inp["shape"])
    if int(np.prod(imgs.shape[1:])) != int(np.prod(shape)):
        raise ExportError("verification data %s: images are %r, the model expects %r"
                          % (data_dir, imgs.shape[1:], shape))
    raw = torch.tensor(imgs.reshape((len(imgs),) + shape), dtype=torch.float32)
    x = (raw * float(inp["scale"]) - float(inp["mean"])) / float(inp["std"])
    model.eval()
    with torch.no_grad():
        logits = model(x).reshape(len(imgs), -1).to(torch.float64)
    top2 = torch.topk(logits, 2, dim=1).values
    clear = ((top2[:, 0] - top2[:, 1]) > TIE_TOL).numpy()
    pred = logits.argmax(dim=1).numpy().astype(np.uint8)
    torch_acc = float((pred == labs).mean())
    keep = np.nonzero(clear)[0]
    if len(keep) == 0:
        raise ExportError("verification: every image is a near-tie in torch's output")
    with tempfile.TemporaryDirectory(prefix="export_torch.") as t:
        # Test set: the kept images, labelled with torch's predictions.
        sel = imgs[keep]
        with open(os.path.join(t, "t10k-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">4B", 0, 0, 8, sel.ndim))
            f.write(struct.pack(">%dI" % sel.ndim, *sel.shape))
            f.write(np.ascontiguousarray(sel).tobytes())
        with open(os.path.join(t, "t10k-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">4B", 0, 0, 8, 1) + struct.pack(">I", len(keep)))
            f.write(pred[keep].tobytes())
        for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
            src = _idx_path(data_dir, name)  # convert reads the training set for calibration
            os.symlink(os.path.abspath(src), os.path.join(t, os.path.basename(src)))
        js = os.path.join(t, "out.json")
        cmd = [memspike, "convert", model_path, "--data", t, "--images", str(len(keep)),
               "--steps", "1", "--calib", "10", "--json", js, "--quiet"]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           universal_newlines=True)
        if r.returncode != 0:
            raise ExportError("verification: %s failed (exit %d): %s"
                              % (" ".join(cmd), r.returncode, r.stderr.strip()))
        with open(js) as f:
            agree = json.load(f)["ann_accuracy"]
    n_agree = int(round(agree * len(keep)))
    if n_agree != len(keep):
        raise ExportError("memspike's ANN forward and torch disagree on %d of %d images "
                          "(first %d of %s; torch accuracy %.1f %%): the file would not "
                          "compute the torch model; not written"
                          % (len(keep) - n_agree, len(keep), images, data_dir, 100 * torch_acc))
    return len(keep), len(imgs) - len(keep), torch_acc


def export(model, path, input_shape=(1, 28, 28), input_scale=1 / 255, input_mean=0.0,
           input_std=1.0, classes=10, ann_test_accuracy=None, dataset=None,
           verify_data=None, verify_images=100, memspike=None):
    """Write `model` (an nn.Sequential) to `path` in the memspike model format.
    Returns the number of bytes written.  Raises ExportError, writing nothing,
    for a model that the format cannot hold, or, when verify_data names an
    IDX directory, whose predictions memspike's ANN forward does not
    reproduce on its first verify_images test images (verify())."""
    with torch.no_grad():
        doc = build(model, input_shape, input_scale, input_mean, input_std, classes,
                    ann_test_accuracy, dataset)
    data = msgpack.packb(doc, use_bin_type=True)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    try:
        if verify_data is not None:
            export.last_verify = verify(model, doc, tmp, verify_data, verify_images, memspike)
    except BaseException:
        os.unlink(tmp)
        raise
    os.replace(tmp, path)
    return len(data)


export.last_verify = None


def load_arch(spec):
    """The nn.Module returned by FUNCTION of MODULE for spec "MODULE:FUNCTION";
    MODULE is an importable name or a path to a .py file."""
    mod, sep, fn = spec.rpartition(":")
    if not sep or not mod or not fn:
        raise ExportError("--arch %r: expected module:function, e.g. "
                          "tools/train_fmnist.py:make_model or mypkg.nets:make_cnn" % spec)
    try:
        if mod.endswith(".py") or os.sep in mod:
            name = os.path.splitext(os.path.basename(mod))[0]
            sys.path.insert(0, os.path.dirname(os.path.abspath(mod)))
            specobj = importlib.util.spec_from_file_location(name, mod)
            if specobj is None:
                raise ImportError("no such file")
            m = importlib.util.module_from_spec(specobj)
            specobj.loader.exec_module(m)
        else:
            sys.path.insert(0, os.getcwd())
            m = importlib.import_module(mod)
    except (ImportError, OSError) as e:
        raise ExportError("--arch %r: cannot import %s: %s" % (spec, mod, e))
    f = getattr(m, fn, None)
    if not callable(f):
        raise ExportError("--arch %r: %s has no function %s" % (spec, mod, fn))
    return f()


def load_model(path, arch=None):
    """The model in `path` (torch.save of a whole model, or of a state dict
    when arch names the factory of its architecture)."""
    obj = torch.load(path, map_location="cpu")
    if arch is None:
        return obj
    if not isinstance(obj, dict):
        raise ExportError("--arch given but %s holds a %s, not a state dict"
                          % (path, type(obj).__name__))
    model = load_arch(arch)
    if not isinstance(model, nn.Module):
        raise ExportError("--arch %r returned %s, not an nn.Module" % (arch, type(model).__name__))
    try:
        model.load_state_dict(obj, strict=True)
    except RuntimeError as e:
        raise ExportError("the state dict in %s does not fit --arch %s: %s"
                          % (path, arch, str(e).splitlines()[0]))
    return model.eval()


def _normalize_arg(v):
    parts = v.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("expected SCALE,MEAN,STD, e.g. 1/255,0.2860,0.3530")
    out = []
    for p in parts:
        p = p.strip()
        try:
            if "/" in p:
                a, b = p.split("/", 1)
                out.append(float(a) / float(b))
            else:
                out.append(float(p))
        except (ValueError, ZeroDivisionError):
            raise argparse.ArgumentTypeError("%r is not a number (or a/b)" % p)
    return tuple(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export a torch.save'd nn.Sequential (or a state "
                                 "dict with --arch) to a memspike model file "
                                 "(docs/model-format.md), after checking that memspike's ANN "
                                 "forward gives torch's predictions.")
    ap.add_argument("model", help="file written by torch.save(model) or torch.save(state_dict)")
    ap.add_argument("out", help="output .msgpack")
    ap.add_argument("--arch", metavar="MODULE:FUNCTION", default=None,
                    help="for a state dict: the function returning its nn.Sequential "
                    "(MODULE an importable name or a .py path)")
    ap.add_argument("--normalize", metavar="SCALE,MEAN,STD", type=_normalize_arg, default=None,
                    help="the training input normalization x = (raw*SCALE - MEAN)/STD, "
                    "e.g. 1/255,0,1 (raw/255) or 1/255,0.2860,0.3530 (Fashion-MNIST "
                    "standardized); recorded in the file")
    ap.add_argument("--input-shape", default="1,28,28")
    ap.add_argument("--input-scale", type=float, default=None)
    ap.add_argument("--input-mean", type=float, default=None)
    ap.add_argument("--input-std", type=float, default=None)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--ann-test-accuracy", type=float, default=None)
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--verify-data", default=DEFAULT_VERIFY_DATA, metavar="DIR",
                    help="IDX test and training files for the check (default %(default)s)")
    ap.add_argument("--verify-images", type=int, default=100, metavar="N")
    ap.add_argument("--memspike", default=None, metavar="BIN",
                    help="memspike binary for the check (default: $MEMSPIKE, build/memspike, "
                    "PREFIX/bin/memspike, PATH)")
    ap.add_argument("--no-verify", action="store_true",
                    help="write without comparing against memspike's forward")
    a = ap.parse_args(argv)
    single = (a.input_scale, a.input_mean, a.input_std)
    if a.normalize is not None and any(v is not None for v in single):
        ap.error("give --normalize or --input-scale/--input-mean/--input-std, not both")
    if a.normalize is not None:
        norm = a.normalize
    elif all(v is not None for v in single):
        norm = single
    else:
        ap.error("state the input normalization used in training: --normalize SCALE,MEAN,STD "
                 "(e.g. 1/255,0,1 for raw/255, 1/255,0.2860,0.3530 for standardized "
                 "Fashion-MNIST); a wrong one silently costs accuracy")
    if a.verify_images < 1:
        ap.error("--verify-images must be >= 1")
    shape = tuple(int(x) for x in a.input_shape.split(","))
    try:
        model = load_model(a.model, a.arch)
        n = export(model, a.out, shape, norm[0], norm[1], norm[2], a.classes,
                   a.ann_test_accuracy, a.dataset,
                   verify_data=None if a.no_verify else a.verify_data,
                   verify_images=a.verify_images, memspike=a.memspike)
    except ExportError as e:
        print("export_torch: %s: %s" % (a.model, e), file=sys.stderr)
        return 2
    print("export_torch: wrote %s (%d bytes; input x = (raw * %.9g - %.9g) / %.9g)"
          % (a.out, n, norm[0], norm[1], norm[2]))
    if a.no_verify:
        print("export_torch: not verified against memspike (--no-verify)")
    else:
        checked, left, acc = export.last_verify
        print("export_torch: memspike's ANN forward gives torch's prediction on %d of %d test "
              "images (%d near-ties left out); torch accuracy on them %.1f %%"
              % (checked, checked + left, left, 100 * acc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
