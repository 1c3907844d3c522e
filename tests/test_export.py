#!/usr/bin/python3
"""test_export.py: tools/export_torch.py (every value written, refusals) and
bench/torch_snn.py's conversion (BN folding, data-based normalization, IF
simulation, max-pool gating, read-out ties) against hand-computed numbers.

Plain asserts, no pytest.  Prints "N passed, N failed, N skipped" and
exits non-zero if anything failed; a test that cannot run raises Skip (a
failure under MEMSPIKE_TEST_STRICT=1, as `make test` sets).  Run with /usr/bin/python3 (needs torch, numpy, msgpack).
"""
import os
import sys
import tempfile
import traceback

import msgpack
import numpy as np
import torch
import torch.nn as nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import export_torch  # noqa: E402
import torch_snn  # noqa: E402

TMP = tempfile.mkdtemp(prefix="test_export.")
TESTS = []


class Skip(Exception):
    """Raised by a test that cannot run here: counted as skipped, not passed."""


def test(fn):
    TESTS.append(fn)
    return fn


def f32(b):
    return np.frombuffer(b, dtype="<f4")


def same(b, t):
    """bin b holds exactly the float32 values of tensor t (bit for bit)."""
    a = f32(b)
    ref = t.detach().to(torch.float32).numpy().ravel()
    assert a.shape == ref.shape, (a.shape, ref.shape)
    assert np.array_equal(a.view(np.uint32), ref.view(np.uint32)), "values differ"


def random_model():
    g = torch.Generator().manual_seed(7)
    torch.manual_seed(7)
    m = nn.Sequential(
        nn.Conv2d(2, 3, 3, padding=1),                                   # 0
        nn.BatchNorm2d(3, eps=1e-3),                                     # 1
        nn.ReLU(),                                                       # 2
        nn.MaxPool2d((2, 2), stride=(2, 1)),                             # 3
        nn.Sequential(nn.Conv2d(3, 4, (3, 2), stride=(1, 2), padding=(1, 0), bias=False),
                      nn.BatchNorm2d(4)),                                # 4, 5
        nn.ReLU(inplace=True),                                           # 6
        nn.AvgPool2d(2),                                                 # 7
        nn.Flatten(),                                                    # 8
        nn.Dropout(0.3),                                                 # 9
        nn.Linear(4 * 2 * 2, 7),                                         # 10
        nn.ReLU(),                                                       # 11
        nn.Linear(7, 5, bias=False))                                     # 12
    for bn in (m[1], m[4][1]):
        n = bn.num_features
        bn.weight.data = torch.rand(n, generator=g) + 0.5
        bn.bias.data = torch.randn(n, generator=g)
        bn.running_mean = torch.randn(n, generator=g)
        bn.running_var = torch.rand(n, generator=g) + 0.2
    m.eval()
    return m


@test
def export_every_value():
    m = random_model()
    flat = [m[0], m[1], m[2], m[3], m[4][0], m[4][1], m[5], m[6], m[7], m[8], m[9], m[10]]
    p = os.path.join(TMP, "rand.msgpack")
    n = export_torch.export(m, p, input_shape=(2, 9, 10), input_scale=0.5, input_mean=0.25,
                            input_std=2.0, classes=5, ann_test_accuracy=0.75, dataset="toy")
    data = open(p, "rb").read()
    assert n == len(data)
    doc = msgpack.unpackb(data, raw=False)
    assert list(doc.keys()) == ["format", "version", "input", "classes", "dataset",
                                "ann_test_accuracy", "layers"], list(doc.keys())
    assert doc["format"] == "memspike-model" and doc["version"] == 1
    assert doc["input"] == {"shape": [2, 9, 10], "scale": 0.5, "mean": 0.25, "std": 2.0}
    assert doc["classes"] == 5 and doc["dataset"] == "toy" and doc["ann_test_accuracy"] == 0.75
    L = doc["layers"]
    assert [x["type"] for x in L] == ["conv2d", "batchnorm2d", "relu", "maxpool2d", "conv2d",
                                      "batchnorm2d", "relu", "avgpool2d", "flatten", "dropout",
                                      "linear", "relu", "linear"], [x["type"] for x in L]
    c = L[0]
    assert (c["in_channels"], c["out_channels"], c["kernel_size"], c["stride"],
            c["padding"]) == (2, 3, [3, 3], [1, 1], [1, 1])
    same(c["weight"], flat[0].weight)
    same(c["bias"], flat[0].bias)
    for i, bn in ((1, flat[1]), (5, flat[5])):
        b = L[i]
        assert b["num_features"] == bn.num_features and b["eps"] == bn.eps
        same(b["weight"], bn.weight)
        same(b["bias"], bn.bias)
        same(b["running_mean"], bn.running_mean)
        same(b["running_var"], bn.running_var)
    assert L[1]["eps"] == 1e-3 and L[5]["eps"] == 1e-5
    assert L[2] == {"type": "relu"} and L[6] == {"type": "relu"} and L[11] == {"type": "relu"}
    assert L[3] == {"type": "maxpool2d", "kernel_size": [2, 2], "stride": [2, 1],
                    "padding": [0, 0]}, L[3]
    c = L[4]
    assert (c["in_channels"], c["out_channels"], c["kernel_size"], c["stride"],
            c["padding"]) == (3, 4, [3, 2], [1, 2], [1, 0])
    same(c["weight"], flat[4].weight)
    assert c["bias"] is None
    assert L[7] == {"type": "avgpool2d", "kernel_size": [2, 2], "stride": [2, 2],
                    "padding": [0, 0]}, L[7]
    assert L[8] == {"type": "flatten"}
    assert L[9]["type"] == "dropout" and abs(L[9]["p"] - 0.3) < 1e-15
    lin = L[10]
    assert (lin["in_features"], lin["out_features"]) == (16, 7)
    same(lin["weight"], flat[10].weight)
    same(lin["bias"], flat[10].bias)
    lin = L[12]
    assert (lin["in_features"], lin["out_features"]) == (7, 5) and lin["bias"] is None
    same(lin["weight"], m[11].weight)
    # the file's network computes what the torch model computes
    mod = torch_snn.read_model(p)
    assert mod["layers"][4]["out"] == (4, 4, 4), mod["layers"][4]["out"]
    x = torch.randn(6, 2, 9, 10, generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        ref = m(x)
        got = torch_snn.layer_forward(mod, x)
        assert torch.allclose(ref, got, atol=1e-5), (ref - got).abs().max()
        # folding BN changes nothing (up to float rounding)
        fo = torch_snn.ann_forward(torch_snn.fold(mod), x)
        assert torch.allclose(ref, fo, atol=1e-4), (ref - fo).abs().max()


@test
def export_defaults_and_no_optional_keys():
    m = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    p = os.path.join(TMP, "small.msgpack")
    export_torch.export(m, p, input_shape=(1, 2, 2), classes=3)
    doc = msgpack.unpackb(open(p, "rb").read(), raw=False)
    assert "dataset" not in doc and "ann_test_accuracy" not in doc
    assert doc["input"] == {"shape": [1, 2, 2], "scale": 1 / 255, "mean": 0.0, "std": 1.0}


@test
def qcfs_exports_clip_and_levels():
    """A QCFS activation (Bu et al. 2022) is written as a relu with its
    trained clip and its levels; its forward is the quantized clip-floor-shift."""
    q = export_torch.QCFS(4, 2.0)
    x = torch.tensor([-1.0, 0.1, 0.3, 0.8, 1.9, 3.0])
    # 2 * clamp(floor(x * 4 / 2 + 1/2) / 4, 0, 1)
    assert q(x).tolist() == [0.0, 0.0, 0.5, 1.0, 2.0, 2.0], q(x).tolist()
    m = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), q, nn.Linear(3, 2))
    p = os.path.join(TMP, "qcfs.msgpack")
    export_torch.export(m, p, input_shape=(1, 2, 2), classes=2)
    doc = msgpack.unpackb(open(p, "rb").read(), raw=False)
    assert doc["layers"][2] == {"type": "relu", "clip": 2.0, "levels": 4}, doc["layers"][2]
    with torch.no_grad():
        q.clip.fill_(-1.0)
    refused(nn.Sequential(nn.Flatten(), nn.Linear(4, 3), q, nn.Linear(3, 2)),
            "layer 2 (QCFS)", "clip=-1.0", "> 0", shape=(1, 2, 2), classes=2)


def refused(model, *words, shape=(1, 8, 8), classes=10):
    p = os.path.join(TMP, "refused.msgpack")
    if os.path.exists(p):
        os.remove(p)
    try:
        export_torch.export(model, p, input_shape=shape, classes=classes)
    except export_torch.ExportError as e:
        msg = str(e)
        for w in words:
            assert w in msg, "%r not in %r" % (w, msg)
        assert not os.path.exists(p), "a refused model left a file"
        return msg
    raise AssertionError("not refused: %r" % (model,))


def fc(n):
    return [nn.Flatten(), nn.Linear(n, 10)]


@test
def refuse_unsupported_layers():
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sigmoid(), *fc(72)),
            "layer 1", "Sigmoid", "not supported")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Dropout2d(0.1), *fc(72)),
            "layer 1", "Dropout2d")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.LeakyReLU(), *fc(72)),
            "layer 2", "LeakyReLU")

    class MyConv(nn.Conv2d):
        pass
    refused(nn.Sequential(MyConv(1, 2, 3), *fc(72)), "layer 0", "MyConv", "subclass")
    # nested: index in the flattened order, and the path
    msg = refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Sequential(nn.ReLU(), nn.Tanh()),
                                *fc(72)), "layer 2", "Tanh", "'1.1'")
    assert "Tanh" in msg


@test
def refuse_unsupported_options():
    refused(nn.Sequential(nn.Conv2d(2, 4, 3, groups=2), *fc(144)),
            "layer 0", "Conv2d", "groups=2", shape=(2, 8, 8))
    refused(nn.Sequential(nn.Conv2d(1, 2, 3, dilation=2), *fc(32)),
            "layer 0", "Conv2d", "dilation")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, padding_mode="reflect"), *fc(128)),
            "layer 0", "Conv2d", "padding_mode")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AvgPool2d(2, padding=1), *fc(32)),
            "layer 2", "AvgPool2d", "padding")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AvgPool2d(2, ceil_mode=True),
                          *fc(18)), "layer 2", "AvgPool2d", "ceil_mode")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.AvgPool2d(2, divisor_override=3),
                          *fc(18)), "layer 2", "AvgPool2d", "divisor_override")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=True),
                          *fc(18)), "layer 2", "MaxPool2d", "ceil_mode")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, dilation=2), *fc(8)),
            "layer 2", "MaxPool2d", "dilation")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2, padding=1), *fc(32)),
            "layer 2", "MaxPool2d", "padding")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, track_running_stats=False),
                          *fc(72)), "layer 1", "BatchNorm2d", "track_running_stats")
    refused(nn.Sequential(nn.Flatten(start_dim=0), nn.Linear(64, 10)),
            "layer 0", "Flatten", "start_dim")
    # shapes that do not chain, linear without flatten, wrong class count
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.Linear(6, 10)), "layer 1", "Linear", "Flatten")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), *fc(50)), "layer 2", "Linear", "in_features=50")
    refused(nn.Sequential(nn.Conv2d(3, 2, 3), *fc(72)), "layer 0", "in_channels=3")
    refused(nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(3), *fc(72)),
            "layer 1", "num_features=3")
    refused(nn.Sequential(nn.Flatten(), nn.Linear(64, 9)), "classes=10")
    bad = nn.Sequential(nn.Flatten(), nn.Linear(64, 10))
    with torch.no_grad():
        bad[1].weight[0, 0] = float("nan")
    refused(bad, "layer 1", "Linear", "weight", "non-finite")
    try:
        export_torch.export(nn.Conv2d(1, 1, 1), os.path.join(TMP, "x.msgpack"))
        raise AssertionError("a bare module was accepted")
    except export_torch.ExportError as e:
        assert "nn.Sequential" in str(e)


@test
def accepted_variants():
    # int / tuple strides, stride None, 'same' and 'valid' padding
    m = nn.Sequential(nn.Conv2d(1, 2, (3, 5), padding="same"), nn.ReLU(),
                      nn.MaxPool2d((2, 3)), nn.Conv2d(2, 2, 2, padding="valid"),
                      nn.BatchNorm2d(2, affine=False), *fc(2 * 3 * 1))
    p = os.path.join(TMP, "variants.msgpack")
    export_torch.export(m, p, input_shape=(1, 8, 6))
    L = msgpack.unpackb(open(p, "rb").read(), raw=False)["layers"]
    assert L[0]["padding"] == [1, 2]
    assert L[2]["kernel_size"] == [2, 3] and L[2]["stride"] == [2, 3]
    assert L[3]["padding"] == [0, 0]
    assert np.all(f32(L[4]["weight"]) == 1) and np.all(f32(L[4]["bias"]) == 0)


@test
def reader_names_what_is_wrong():
    m = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))
    p = os.path.join(TMP, "bad.msgpack")
    export_torch.export(m, p, input_shape=(1, 2, 2), classes=3)
    doc = msgpack.unpackb(open(p, "rb").read(), raw=False)
    doc["layers"][1]["weight"] = doc["layers"][1]["weight"][:24]
    open(p, "wb").write(msgpack.packb(doc, use_bin_type=True))
    try:
        torch_snn.read_model(p)
        raise AssertionError("short weight accepted")
    except torch_snn.ModelError as e:
        msg = str(e)
        assert "layer 1 (linear)" in msg and "'weight'" in msg and "12 float32" in msg \
            and "got 6" in msg, msg
    doc["layers"][1]["type"] = "softmax"
    open(p, "wb").write(msgpack.packb(doc, use_bin_type=True))
    try:
        torch_snn.read_model(p)
        raise AssertionError("unknown type accepted")
    except torch_snn.ModelError as e:
        assert "layer 1" in str(e) and "softmax" in str(e), str(e)


def hand_model():
    """conv 1x1 (2 ch) -> BN -> ReLU -> avgpool 2 -> flatten -> linear 2->2,
    input (1, 2, 2); numbers chosen to be exact in float32."""
    m = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2, eps=0.0625), nn.ReLU(),
                      nn.AvgPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(2, 2))
    with torch.no_grad():
        m[0].weight.copy_(torch.tensor([2.0, -1.0]).view(2, 1, 1, 1))
        m[0].bias.copy_(torch.tensor([0.5, 0.25]))
        m[1].weight.copy_(torch.tensor([3.0, 2.0]))
        m[1].bias.copy_(torch.tensor([1.0, 0.5]))
        m[1].running_mean.copy_(torch.tensor([0.5, -0.75]))
        m[1].running_var.copy_(torch.tensor([3.9375, 0.9375]))  # + eps = 4, 1
        m[6].weight.copy_(torch.tensor([[1.0, 0.5], [-1.0, 1.0]]))
        m[6].bias.copy_(torch.tensor([0.25, 0.0]))
    m.eval()
    p = os.path.join(TMP, "hand.msgpack")
    export_torch.export(m, p, input_shape=(1, 2, 2), classes=2)
    return torch_snn.read_model(p)


CALIB = torch.tensor([[[[1.0, 0.0], [0.5, -1.0]]], [[[0.25, 2.0], [-0.5, 0.0]]]])


@test
def bn_folding_by_hand():
    ops = torch_snn.fold(hand_model())
    assert [o["type"] for o in ops] == ["conv2d", "relu", "avgpool2d", "flatten", "linear"]
    # s = gamma / sqrt(var + eps) = [3/2, 2/1]; W' = W s; b' = (b - mean) s + beta
    assert ops[0]["W"].flatten().tolist() == [3.0, -2.0], ops[0]["W"]
    assert ops[0]["b"].tolist() == [1.0, 2.5], ops[0]["b"]
    assert ops[4]["W"].tolist() == [[1.0, 0.5], [-1.0, 1.0]]
    assert ops[4]["b"].tolist() == [0.25, 0.0]


@test
def normalization_by_hand():
    m = hand_model()
    # layer 1 (z = 3x + 1, -2x + 2.5), positive values over the two images:
    #   4, 1, 2.5 | 0.5, 2.5, 1.5, 4.5 | 1.75, 7, 1 | 2, 3.5, 2.5   (13 values)
    # avg pool of the ReLU: (1.875, 2.25), (2.4375, 2.0)
    # last layer z = (h0 + h1/2 + 1/4, -h0 + h1): (3.25, 0.375), (3.6875, -0.4375)
    ops = torch_snn.fold(m)
    assert torch_snn.calibrate(ops, CALIB, 100) == [7.0, 3.6875]
    assert torch_snn.calibrate(ops, CALIB, 50) == [2.5, 3.25]
    # 75th percentile of (0.375, 3.25, 3.6875): index 1.5 -> 3.25 + 0.5 * 0.4375
    lam = torch_snn.calibrate(ops, CALIB, 75)
    assert lam[1] == 3.46875, lam
    ops, lam = torch_snn.convert(m, CALIB, 100)
    assert lam == [7.0, 3.6875]
    W1, b1, W2, b2 = ops[0]["W"], ops[0]["b"], ops[4]["W"], ops[4]["b"]
    assert np.allclose(W1.flatten().numpy(), np.array([3.0, -2.0]) / 7, rtol=1e-7, atol=0)
    assert np.allclose(b1.numpy(), np.array([1.0, 2.5]) / 7, rtol=1e-7, atol=0)
    assert np.allclose(W2.numpy(), np.array([[1, 0.5], [-1, 1]]) * 7 / 3.6875, rtol=1e-7, atol=0)
    assert np.allclose(b2.numpy(), np.array([0.25, 0.0]) / 3.6875, rtol=1e-7, atol=0)
    # the normalized ANN's output is the original's / lambda_last; its max is 1
    out = torch_snn.ann_forward(ops, CALIB)
    assert np.allclose(out.numpy(), np.array([[3.25, 0.375], [3.6875, -0.4375]]) / 3.6875,
                       rtol=1e-6, atol=1e-7), out


def toy(layers, shape, classes):
    p = os.path.join(TMP, "toy.msgpack")
    export_torch.export(nn.Sequential(*layers).eval(), p, input_shape=shape, classes=classes)
    return torch_snn.fold(torch_snn.read_model(p))


def set_w(layer, w, b=None):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w).view_as(layer.weight))
        if b is not None:
            layer.bias.copy_(torch.tensor(b))
    return layer


@test
def if_neurons_by_hand():
    # one layer: constant currents 0.25, 0.375, 0.5 -> 2, 3, 4 spikes in 8 steps
    ops = toy([nn.Flatten(), set_w(nn.Linear(1, 3), [[0.25], [0.375], [0.5]], [0.0, 0, 0])],
              (1, 1, 1), 3)
    c, v = torch_snn.simulate(ops, torch.ones(1, 1, 1, 1), 8, v_init=0.0)
    assert c.tolist() == [[2, 3, 4]] and v.tolist() == [[0.0, 0.0, 0.0]], (c, v)
    c, v = torch_snn.simulate(ops, torch.ones(1, 1, 1, 1), 7, v_init=0.0)
    assert c.tolist() == [[1, 2, 3]] and v.tolist() == [[0.75, 0.625, 0.5]], (c, v)
    # V(0) = 0.5 (convert's default): 7 steps give round(7 I) spikes, not floor
    c, v = torch_snn.simulate(ops, torch.ones(1, 1, 1, 1), 7)
    assert c.tolist() == [[2, 3, 4]] and v.tolist() == [[0.25, 0.125, 0.0]], (c, v)
    # two layers: currents 0.5, 0.125 -> spikes at steps 2,4,6,8 and 8;
    # out0 = s0 + s1, out1 = s0/2 + 1/4
    ops = toy([nn.Flatten(), set_w(nn.Linear(2, 2), [[0.5, 0], [0, 0.25]], [0.0, 0]),
               nn.ReLU(), set_w(nn.Linear(2, 2), [[1.0, 1.0], [0.5, 0]], [0.0, 0.25])],
              (1, 1, 2), 2)
    x = torch.tensor([[[[1.0, 0.5]]]])
    c, v = torch_snn.simulate(ops, x, 8, v_init=0.0)
    assert c.tolist() == [[4, 4]] and v.tolist() == [[1.0, 0.0]], (c, v)
    assert torch_snn.predict(c.numpy(), v.numpy()).tolist() == [0]
    c, v = torch_snn.simulate(ops, x, 7, v_init=0.0)
    assert c.tolist() == [[3, 3]] and v.tolist() == [[0.0, 0.25]], (c, v)
    assert torch_snn.predict(c.numpy(), v.numpy()).tolist() == [1]  # tie -> larger V


@test
def readout_ties():
    p = torch_snn.predict(np.array([[3, 3, 1], [2, 2, 2], [0, 5, 5], [1, 0, 0]]),
                          np.array([[0.2, 0.5, 0.9], [0.5, 0.5, 0.5], [0.1, 0.7, 0.3],
                                    [0.0, 0.9, 0.9]]))
    assert p.tolist() == [1, 0, 1, 0], p


def pool_net(pool):
    # conv 1x1 weight 1: currents = input; window [[0.5, 0.75], [0, 0]];
    # spikes: n00 at 2,4,6,8; n01 at 2,3,4,6,7,8
    return toy([set_w(nn.Conv2d(1, 1, 1), [1.0], [0.0]), nn.ReLU(), pool, nn.Flatten(),
                set_w(nn.Linear(1, 1), [[1.0]], [0.0])], (1, 2, 2), 1)


@test
def maxpool_gating_by_hand():
    ops = pool_net(nn.MaxPool2d(2))
    x = torch.tensor([[[[0.5, 0.75], [0.0, 0.0]]]])
    # counts so far (this step included): t1 tie -> n00 (no spike); t2 tie -> n00 (spike);
    # t3.. n01 leads -> passes its spikes at 3,4,6,7,8: 6 in all
    c, _ = torch_snn.simulate(ops, x, 8, v_init=0.0)
    assert c.tolist() == [[6]], c
    c, _ = torch_snn.simulate(ops, x, 2, v_init=0.0)
    assert c.tolist() == [[1]], c
    # equal counts throughout: the first input in row-major order passes
    x = torch.tensor([[[[0.0, 0.5], [0.5, 0.0]]]])
    c, _ = torch_snn.simulate(ops, x, 8, v_init=0.0)
    assert c.tolist() == [[4]], c


@test
def avgpool_if_by_hand():
    ops = pool_net(nn.AvgPool2d(2))
    x = torch.tensor([[[[0.5, 0.75], [0.0, 0.0]]]])
    # window spikes per step 0,2,1,2,0,2,1,2 -> input /4; V: 0,.5,.75,1.25*,.25,.75,1*,.5
    c, v = torch_snn.simulate(ops, x, 8, v_init=0.0)
    assert c.tolist() == [[2]] and v.tolist() == [[0.0]], (c, v)


@test
def conversion_refuses_bad_structure():
    def bad(layers, shape, classes, word):
        try:
            toy(layers, shape, classes)
        except torch_snn.ModelError as e:
            assert word in str(e), (word, str(e))
            return
        raise AssertionError("accepted: %r" % (layers,))
    bad([nn.Flatten(), nn.Linear(4, 3), nn.Linear(3, 2)], (1, 2, 2), 2, "followed by relu")
    bad([nn.Flatten(), nn.Linear(4, 2), nn.ReLU()], (1, 2, 2), 2, "end with a weighted")
    bad([nn.ReLU(), nn.Flatten(), nn.Linear(4, 2)], (1, 2, 2), 2, "first layer")
    bad([nn.Conv2d(1, 1, 1), nn.ReLU(), nn.BatchNorm2d(1), nn.Flatten(), nn.Linear(4, 2)],
        (1, 2, 2), 2, "batchnorm2d")


@test
def fast_paths_match_torch():
    g = torch.Generator().manual_seed(5)
    s = (torch.rand(3, 4, 11, 9, generator=g) < 0.3).float()
    for k, st in (((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 2), (1, 3)), ((1, 1), (1, 1))):
        ref = torch.nn.functional.avg_pool2d(s, k, st)
        got = torch_snn._avgpool(s, k, st)
        assert got.shape == ref.shape and torch.equal(got, ref), (k, st)
    op = {"type": "linear", "W": torch.randn(7, 30, generator=g), "b": torch.randn(7, generator=g)}
    x = (torch.rand(5, 30, generator=g) < 0.5).float()
    ref = torch.nn.functional.linear(x, op["W"], op["b"])
    assert torch.allclose(torch_snn._apply_w(op, x), ref, atol=1e-5)


@test
def shipped_model_reads():
    p = os.path.join(ROOT, "configs", "models", "fmnist_cnn.msgpack")
    if not os.path.exists(p):
        raise Skip("no %s" % p)
    m = torch_snn.read_model(p)
    assert m["input_shape"] == (1, 28, 28) and m["classes"] == 10
    assert abs(m["mean"] - 0.2860) < 1e-12 and abs(m["std"] - 0.3530) < 1e-12
    assert m["ann_test_accuracy"] is not None and m["ann_test_accuracy"] >= 0.9
    assert os.path.getsize(p) < 1_500_000
    ops = torch_snn.fold(m)
    assert [o["type"] for o in torch_snn.weighted(ops)] == ["conv2d", "conv2d", "linear",
                                                            "linear"]


# ---- CLI: --arch for state dicts, explicit normalization, verification ----

FMNIST = "/usr/share/datasets/fashion-mnist"
MEMSPIKE = os.path.join(ROOT, "build", "memspike")
ARCH_PY = os.path.join(TMP, "toy_arch.py")


def _need_verify():
    if not os.path.isdir(FMNIST):
        raise Skip("%s missing: install dataset-fashion-mnist (make deps)" % FMNIST)
    if not os.access(MEMSPIKE, os.X_OK):
        raise Skip("%s not built" % MEMSPIKE)


def _toy_arch():
    """A factory module for --arch: a small 28x28 CNN with fixed random weights."""
    with open(ARCH_PY, "w") as f:
        f.write("import torch, torch.nn as nn\n"
                "def make():\n"
                "    return nn.Sequential(nn.Conv2d(1, 4, 5, stride=2), nn.ReLU(),\n"
                "                         nn.AvgPool2d(2), nn.Flatten(),\n"
                "                         nn.Linear(4 * 6 * 6, 10))\n")
    sys.path.insert(0, TMP)
    import toy_arch  # noqa: E402
    torch.manual_seed(3)
    return toy_arch.make().eval()


def _cli(args):
    """export_torch.main(args): (exit status, stderr text)."""
    import contextlib
    import io
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            st = export_torch.main(args)
        except SystemExit as e:
            st = e.code
    return st, err.getvalue()


@test
def state_dict_without_arch_hints_at_arch():
    m = _toy_arch()
    sd = os.path.join(TMP, "sd.pt")
    torch.save(m.state_dict(), sd)
    out = os.path.join(TMP, "sd.msgpack")
    st, err = _cli([sd, out, "--normalize", "1/255,0,1", "--no-verify"])
    assert st == 2, (st, err)
    assert "OrderedDict" in err and "--arch module:function" in err, err
    assert not os.path.exists(out)


@test
def state_dict_with_arch_exports_and_verifies():
    _need_verify()
    m = _toy_arch()
    sd = os.path.join(TMP, "sd2.pt")
    torch.save(m.state_dict(), sd)
    out = os.path.join(TMP, "sd2.msgpack")
    st, err = _cli([sd, out, "--arch", ARCH_PY + ":make", "--normalize", "1/255,0.2860,0.3530",
                    "--memspike", MEMSPIKE])
    assert st == 0, (st, err)
    doc = msgpack.unpackb(open(out, "rb").read(), raw=False)
    assert doc["input"] == {"shape": [1, 28, 28], "scale": 1 / 255, "mean": 0.2860,
                            "std": 0.3530}, doc["input"]
    checked, left, _ = export_torch.export.last_verify
    assert checked + left == 100 and checked >= 95, (checked, left)
    # A bad --arch is an error naming the spec.
    st, err = _cli([sd, out + "x", "--arch", ARCH_PY + ":nope", "--normalize", "1/255,0,1",
                    "--no-verify"])
    assert st == 2 and "has no function nope" in err, (st, err)


@test
def normalization_must_be_stated():
    m = _toy_arch()
    p = os.path.join(TMP, "whole.pt")
    torch.save(m, p)
    out = os.path.join(TMP, "whole.msgpack")
    st, err = _cli([p, out, "--no-verify"])
    assert st == 2 and "--normalize SCALE,MEAN,STD" in err, (st, err)
    assert not os.path.exists(out)
    st, err = _cli([p, out, "--normalize", "1/255,0,1", "--input-mean", "0", "--no-verify"])
    assert st == 2 and "not both" in err, (st, err)
    st, err = _cli([p, out, "--normalize", "0.5,0.25", "--no-verify"])
    assert st == 2 and "SCALE,MEAN,STD" in err, (st, err)
    st, err = _cli([p, out, "--input-scale", "0.5", "--input-mean", "0.25", "--input-std", "2",
                    "--no-verify"])
    assert st == 0, err
    doc = msgpack.unpackb(open(out, "rb").read(), raw=False)
    assert doc["input"]["scale"] == 0.5 and doc["input"]["mean"] == 0.25
    assert doc["input"]["std"] == 2.0


@test
def verify_refuses_differing_predictions():
    _need_verify()
    m = _toy_arch()
    p = os.path.join(TMP, "v.msgpack")
    export_torch.export(m, p, input_shape=(1, 28, 28), input_mean=0.2860, input_std=0.3530,
                        verify_data=FMNIST, memspike=MEMSPIKE)
    doc = msgpack.unpackb(open(p, "rb").read(), raw=False)
    # The same file checked against another network: predictions differ.
    torch.manual_seed(4)
    other = nn.Sequential(nn.Conv2d(1, 4, 5, stride=2), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(4 * 6 * 6, 10)).eval()
    try:
        export_torch.verify(other, doc, p, FMNIST, 100, MEMSPIKE)
        raise AssertionError("verify accepted another network's file")
    except export_torch.ExportError as e:
        assert "disagree on" in str(e) and "not written" in str(e), e
    # export() writes nothing when the check fails (a stale file stays as it was).
    q = os.path.join(TMP, "refused.msgpack")
    real = export_torch.verify
    export_torch.verify = lambda *a: (_ for _ in ()).throw(export_torch.ExportError("differ"))
    try:
        export_torch.export(m, q, verify_data=FMNIST, memspike=MEMSPIKE)
        raise AssertionError("export wrote despite a failed check")
    except export_torch.ExportError:
        pass
    finally:
        export_torch.verify = real
    assert not os.path.exists(q)
    assert not [f for f in os.listdir(TMP) if f.startswith("refused.msgpack.tmp")]


@test
def verify_catches_a_wrong_recorded_normalization():
    """The torch model sees the stated normalization; a file recording
    another one (as if the docs' example were pasted for a raw/255 model)
    gives different predictions, and verify refuses it."""
    _need_verify()
    m = _toy_arch()
    p = os.path.join(TMP, "n.msgpack")
    export_torch.export(m, p, input_shape=(1, 28, 28), input_mean=0.2860, input_std=0.3530)
    doc = msgpack.unpackb(open(p, "rb").read(), raw=False)
    doc["input"]["mean"], doc["input"]["std"] = 0.0, 1.0  # what torch is checked with
    try:
        export_torch.verify(m, doc, p, FMNIST, 100, MEMSPIKE)
        raise AssertionError("verify accepted a file with another normalization")
    except export_torch.ExportError as e:
        assert "disagree on" in str(e), e


def main():
    torch.set_num_threads(1)
    strict = os.environ.get("MEMSPIKE_TEST_STRICT", "0") not in ("", "0")
    passed = failed = skipped = 0
    for fn in TESTS:
        try:
            fn()
            passed += 1
            print("ok   %s" % fn.__name__)
        except Skip as e:
            if strict:
                failed += 1
                print("FAIL %s (skipped under MEMSPIKE_TEST_STRICT=1: %s)" % (fn.__name__, e))
            else:
                skipped += 1
                print("skip %s (%s)" % (fn.__name__, e))
        except Exception:  # noqa: BLE001
            failed += 1
            print("FAIL %s" % fn.__name__)
            traceback.print_exc()
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
