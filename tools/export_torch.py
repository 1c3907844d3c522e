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

CLI (a model saved whole with torch.save(model, path)):
    export_torch.py MODEL.pt OUT.msgpack [--input-shape 1,28,28]
        [--input-scale 0.00392156862745098] [--input-mean 0] [--input-std 1]
        [--classes 10] [--ann-test-accuracy A] [--dataset NAME]
"""
import argparse
import math
import os
import sys

import msgpack
import numpy as np
import torch
import torch.nn as nn

FORMAT = "memspike-model"
VERSION = 1


class ExportError(ValueError):
    """A model that cannot be written in the memspike model format."""


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
        raise ExportError("the model must be an nn.Sequential, got %s" % type(model).__name__)
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
            supported = "Conv2d, BatchNorm2d, ReLU, AvgPool2d, MaxPool2d, Flatten, Linear, Dropout"
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


def export(model, path, input_shape=(1, 28, 28), input_scale=1 / 255, input_mean=0.0,
           input_std=1.0, classes=10, ann_test_accuracy=None, dataset=None):
    """Write `model` (an nn.Sequential) to `path` in the memspike model format.
    Returns the number of bytes written.  Raises ExportError, writing nothing,
    for a model that the format cannot hold."""
    with torch.no_grad():
        doc = build(model, input_shape, input_scale, input_mean, input_std, classes,
                    ann_test_accuracy, dataset)
    data = msgpack.packb(doc, use_bin_type=True)
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    tmp = path + ".tmp%d" % os.getpid()
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return len(data)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Export a torch.save'd nn.Sequential to a "
                                 "memspike model file (docs/model-format.md).")
    ap.add_argument("model", help="file written by torch.save(model) (a whole nn.Sequential)")
    ap.add_argument("out", help="output .msgpack")
    ap.add_argument("--input-shape", default="1,28,28")
    ap.add_argument("--input-scale", type=float, default=1 / 255)
    ap.add_argument("--input-mean", type=float, default=0.0)
    ap.add_argument("--input-std", type=float, default=1.0)
    ap.add_argument("--classes", type=int, default=10)
    ap.add_argument("--ann-test-accuracy", type=float, default=None)
    ap.add_argument("--dataset", default=None)
    a = ap.parse_args(argv)
    model = torch.load(a.model, map_location="cpu")
    shape = tuple(int(x) for x in a.input_shape.split(","))
    try:
        n = export(model, a.out, shape, a.input_scale, a.input_mean, a.input_std, a.classes,
                   a.ann_test_accuracy, a.dataset)
    except ExportError as e:
        print("export_torch: %s: %s" % (a.model, e), file=sys.stderr)
        return 2
    print("export_torch: wrote %s (%d bytes)" % (a.out, n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
