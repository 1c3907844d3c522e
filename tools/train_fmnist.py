#!/usr/bin/python3
"""train_fmnist.py: train the small SNN-conversion-friendly CNN on
Fashion-MNIST (CPU, torch, 2 threads), measure its test accuracy on the
10,000 test images, and export it with tools/export_torch.py.

Writes configs/models/fmnist_cnn.msgpack (docs/model-format.md) and
configs/models/fmnist_cnn.txt (architecture, training settings, seed, log,
ANN test accuracy).  Deterministic for a given seed, torch build and thread
count.

usage: train_fmnist.py [--data DIR] [--out configs/models/fmnist_cnn]
                       [--epochs 10] [--batch 128] [--lr 1e-3] [--seed 1]
                       [--threads 2] [--arch bn|plain|maxpool|yao2020]
                       [--activation relu|qcfs] [--levels 4]
                       [--weight-noise S]

--activation qcfs trains with the quantization-clip-floor-shift activation
(Bu et al., ICLR 2022; export_torch.QCFS) in place of every hidden ReLU,
each with its own trainable clip (initialised from the 99.9th percentile
of the layer's positive pre-activations on the first batch) and --levels
quantization levels; the exporter records clip and levels, and `memspike
convert --coding qcfs` uses threshold = clip and an initial potential of
half the threshold.  The default output is then configs/models/fmnist_qcfs.

--arch yao2020 is the five-layer memristor CNN of Yao et al., Nature 577:641
(2020), Fig. 2a: C1 8 kernels 1x3x3, pooling, C3 12 kernels 8x3x3, pooling,
FC 192x10 (channel counts and the FC size from the paper; the padding and
pool sizes that give 12 x 4 x 4 = 192 features from a 28 x 28 image are
assumed: C1 padded, 2x2 then 3x3 average pooling).  Default output
configs/models/fmnist_yao2020.
--weight-noise S is noise-resilient training (Wan et al., Nature 608:504
(2022), NeuRRAM, "noise-resilient neural-network training"): at every
training step each conv and linear weight is replaced by w + N(0, (S
max|W_layer|)^2), max|W_layer| over that layer's weights, fresh noise per
step; the gradient of the noisy forward pass updates the clean weights
(the weights are restored before the optimizer step), and evaluation and
the exported file use the clean weights.  NeuRRAM used S = 0.2.
"""
import argparse
import gzip
import hashlib
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_torch  # noqa: E402

DATA = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST training-set pixel mean / std (pixel/255)
SCALE = 1 / 255


def read_idx(path):
    """An IDX file (gzip or plain) as a uint8 numpy array: (n, rows, cols) or (n,)."""
    op = gzip.open if path.endswith(".gz") else open
    with op(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError("%s: too short for an IDX header" % path)
    magic = int.from_bytes(data[0:4], "big")
    if magic == 0x00000803:
        if len(data) < 16:
            raise ValueError("%s: too short for an IDX image header" % path)
        n, r, c = (int.from_bytes(data[i:i + 4], "big") for i in (4, 8, 12))
        body, shape = data[16:], (n, r, c)
    elif magic == 0x00000801:
        n = int.from_bytes(data[4:8], "big")
        body, shape = data[8:], (n,)
    else:
        raise ValueError("%s: bad IDX magic 0x%08x (want 0x00000803 images or 0x00000801 "
                         "labels)" % (path, magic))
    need = int(np.prod(shape))
    if len(body) != need:
        raise ValueError("%s: expected %d data bytes, got %d" % (path, need, len(body)))
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def load_set(data_dir, train):
    pre = "train" if train else "t10k"
    x = read_idx(os.path.join(data_dir, pre + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(data_dir, pre + "-labels-idx1-ubyte.gz"))
    if x.shape[0] != y.shape[0]:
        raise ValueError("%s set: %d images but %d labels" % (pre, x.shape[0], y.shape[0]))
    return x, y


def normalize(raw):
    """x = (raw * scale - mean) / std, float32, shape (n, 1, 28, 28)."""
    x = (raw.astype(np.float64) * SCALE - MEAN) / STD
    return torch.from_numpy(x.astype(np.float32)).unsqueeze(1)


def make_model(arch="bn", activation="relu", levels=4):
    """bn: the shipped model; plain: no batch-norm, no biases (conv-ReLU-avgpool
    twice, two dense layers); maxpool: as plain with max pooling and biases.
    yao2020: Yao et al. 2020's five-layer mCNN (module docstring).
    activation qcfs: every hidden ReLU is a QCFS of `levels` levels."""
    def act():
        return export_torch.QCFS(levels) if activation == "qcfs" else nn.ReLU()
    if arch == "bn":
        return nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), act(), nn.AvgPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), act(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Dropout(0.2), nn.Linear(1568, 128), act(), nn.Linear(128, 10))
    if arch == "yao2020":
        # 28x28 -> C1 (padded) 8x28x28 -> pool 2 -> 8x14x14 -> C3 12x12x12
        # -> pool 3 -> 12x4x4 = 192 -> FC 10
        return nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), act(), nn.AvgPool2d(2),
            nn.Conv2d(8, 12, 3), act(), nn.AvgPool2d(3),
            nn.Flatten(), nn.Linear(192, 10))
    bias = arch == "maxpool"
    pool = nn.MaxPool2d if arch == "maxpool" else nn.AvgPool2d
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=bias), act(), pool(2),
        nn.Conv2d(16, 32, 3, padding=1, bias=bias), act(), pool(2),
        nn.Flatten(), nn.Linear(1568, 128, bias=bias), act(), nn.Linear(128, 10, bias=bias))


def init_clips(model, xb):
    """Each QCFS clip from the 99.9th percentile of the positive inputs of
    its activation on batch xb (a data-based start, as the conversion's
    normalization; training moves it)."""
    x = xb
    with torch.no_grad():
        model.eval()
        for m in model:
            if isinstance(m, export_torch.QCFS):
                pos = x[x > 0]
                if pos.numel():
                    m.clip.fill_(float(np.percentile(pos.numpy(), 99.9)))
            x = m(x)


def add_weight_noise(model, s, gen):
    """Noise-resilient training (NeuRRAM): every conv/linear weight tensor
    W becomes W + N(0, (s max|W|)^2) in place; returns the clean copies for
    restore_weights (empty when s is 0)."""
    clean = []
    if s <= 0:
        return clean
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                w = m.weight
                clean.append((w, w.detach().clone()))
                sigma = s * float(w.abs().max())
                w.add_(torch.randn(w.shape, generator=gen) * sigma)
    return clean


def restore_weights(model, clean):
    """Undo add_weight_noise (the gradients stay those of the noisy pass)."""
    with torch.no_grad():
        for w, c in clean:
            w.copy_(c)


def accuracy(model, x, y, batch=1000):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            correct += int((model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum())
    return correct / x.shape[0]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default=DATA)
    ap.add_argument("--out", default=None,
                    help="output path without extension (.msgpack and .txt are written; "
                    "default configs/models/fmnist_cnn, or fmnist_qcfs with --activation qcfs)")
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--arch", choices=("bn", "plain", "maxpool", "yao2020"), default="bn",
                    help="bn: the shipped model (default); plain: no batch-norm or biases; "
                         "maxpool: max pooling, no batch-norm; yao2020: Yao et al. 2020's "
                         "five-layer mCNN")
    ap.add_argument("--activation", choices=("relu", "qcfs"), default="relu")
    ap.add_argument("--levels", type=int, default=4,
                    help="QCFS quantization levels L (--activation qcfs)")
    ap.add_argument("--weight-noise", type=float, default=0.0, metavar="S",
                    help="noise-resilient training: Gaussian noise of std S x max|W| per "
                         "layer on the weights at every training step (NeuRRAM: 0.2; "
                         "default 0, none)")
    a = ap.parse_args(argv)
    if not (a.weight_noise >= 0 and a.weight_noise < 10):
        ap.error("--weight-noise: expected a relative std in [0, 10), got %g" % a.weight_noise)
    if a.levels < 1:
        ap.error("--levels: expected an integer >= 1, got %d" % a.levels)
    if a.out is None:
        name = ("fmnist_yao2020" if a.arch == "yao2020" else
                "fmnist_qcfs" if a.activation == "qcfs" else "fmnist_cnn")
        a.out = os.path.join(ROOT, "configs", "models", name)

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    torch.use_deterministic_algorithms(True)

    t0 = time.time()
    xtr_raw, ytr_raw = load_set(a.data, True)
    xte_raw, yte_raw = load_set(a.data, False)
    xtr, ytr = normalize(xtr_raw), torch.from_numpy(ytr_raw.astype(np.int64))
    xte, yte = normalize(xte_raw), torch.from_numpy(yte_raw.astype(np.int64))
    print("data: %d train, %d test images (%.1f s)" % (len(ytr), len(yte), time.time() - t0),
          flush=True)

    model = make_model(a.arch, a.activation, a.levels)
    if a.activation == "qcfs":
        init_clips(model, xtr[:512])
    nparams = sum(p.numel() for p in model.parameters())
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    steps_per_epoch = (len(ytr) + a.batch - 1) // a.batch
    # cosine decay of the learning rate to 0 over all steps
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=a.epochs * steps_per_epoch)
    gen = torch.Generator().manual_seed(a.seed)
    noise_gen = torch.Generator().manual_seed(a.seed + 1000)
    log = []
    t_train = time.time()
    for ep in range(1, a.epochs + 1):
        te = time.time()
        model.train()
        perm = torch.randperm(len(ytr), generator=gen)
        tot_loss, tot_ok = 0.0, 0
        for i in range(0, len(ytr), a.batch):
            idx = perm[i:i + a.batch]
            xb, yb = xtr[idx], ytr[idx]
            clean = add_weight_noise(model, a.weight_noise, noise_gen)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            opt.zero_grad()
            loss.backward()
            restore_weights(model, clean)
            opt.step()
            sched.step()
            tot_loss += float(loss) * len(idx)
            tot_ok += int((out.argmax(1) == yb).sum())
        line = ("epoch %d/%d: train loss %.4f, train accuracy (dropout on) %.4f, %.1f s"
                % (ep, a.epochs, tot_loss / len(ytr), tot_ok / len(ytr), time.time() - te))
        print(line, flush=True)
        log.append(line)
    train_s = time.time() - t_train
    test_acc = accuracy(model, xte, yte)
    train_acc = accuracy(model, xtr, ytr)
    print("training: %.1f s; ANN test accuracy %.4f (train %.4f, eval mode)"
          % (train_s, test_acc, train_acc), flush=True)

    path = a.out + ".msgpack"
    nbytes = export_torch.export(model, path, input_shape=(1, 28, 28), input_scale=SCALE,
                                 input_mean=MEAN, input_std=STD, classes=10,
                                 ann_test_accuracy=test_acc, dataset="fashion-mnist")
    with open(path, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    print("wrote %s (%d bytes)" % (path, nbytes), flush=True)

    rel = os.path.relpath(path, ROOT)
    txt = []
    txt.append("Fashion-MNIST CNN for SNN conversion (%s)" % os.path.basename(path))
    if a.activation == "qcfs":
        txt.append("QCFS activation (Bu et al., ICLR 2022), %d levels; trained clips: %s"
                   % (a.levels, ", ".join("%.4f" % float(m.clip) for m in model
                                          if isinstance(m, export_torch.QCFS))))
    txt.append("")
    extra = (" --activation qcfs --levels %d" % a.levels) if a.activation == "qcfs" else ""
    if a.weight_noise > 0:
        extra += " --weight-noise %g" % a.weight_noise
    txt.append("Produced by: tools/train_fmnist.py --epochs %d --batch %d --lr %g --seed %d "
               "--threads %d --arch %s%s" % (a.epochs, a.batch, a.lr, a.seed, a.threads,
                                             a.arch, extra))
    txt.append("Model file: %s, format memspike-model v1 (docs/model-format.md), %d bytes, "
               "sha256 %s" % (rel, nbytes, digest))
    txt.append("")
    txt.append("Architecture (torch.nn.Sequential, %d parameters):" % nparams)
    for line in str(model).splitlines():
        txt.append("  " + line)
    txt.append("")
    txt.append("Input: (1, 28, 28); x = (pixel/255 - %.4f) / %.4f, pixel in 0..255 "
               "(file: scale 1/255, mean %.4f, std %.4f; Fashion-MNIST training-set "
               "pixel mean and std)" % (MEAN, STD, MEAN, STD))
    txt.append("")
    txt.append("Training:")
    txt.append("  data: %s, all %d training images (no augmentation), %d test images"
               % (a.data, len(ytr), len(yte)))
    txt.append("  optimizer: Adam, lr %g, betas (0.9, 0.999), no weight decay; cosine "
               "learning-rate decay to 0 over %d steps" % (a.lr, a.epochs * steps_per_epoch))
    if a.weight_noise > 0:
        txt.append("  noise-resilient training (NeuRRAM, Wan et al. 2022): each step, conv and "
                   "linear weights W + N(0, (%g max|W|)^2) per layer in the forward and "
                   "backward pass; the clean weights are updated and exported" % a.weight_noise)
    txt.append("  loss: cross-entropy; batch %d; %d epochs; shuffling torch.randperm with "
               "a generator seeded %d" % (a.batch, a.epochs, a.seed))
    txt.append("  seed %d (torch.manual_seed, numpy), torch.use_deterministic_algorithms(True), "
               "%d threads, CPU" % (a.seed, a.threads))
    txt.append("  torch %s, numpy %s, Python %s, %s" % (torch.__version__, np.__version__,
                                                        platform.python_version(),
                                                        platform.machine()))
    txt.append("  training time: %.1f s" % train_s)
    txt.append("")
    txt.append("Log:")
    for line in log:
        txt.append("  " + line)
    txt.append("")
    txt.append("ANN accuracy (eval mode, BatchNorm running statistics, float32):")
    txt.append("  test (10,000 t10k images): %.4f (%d / %d)"
               % (test_acc, round(test_acc * len(yte)), len(yte)))
    txt.append("  train (60,000 images):     %.4f" % train_acc)
    txt.append("  (the test accuracy is stored in the model file as ann_test_accuracy; the "
               "test set was not used for any choice during training)")
    with open(a.out + ".txt", "w") as f:
        f.write("\n".join(txt) + "\n")
    print("wrote %s.txt; total %.1f s" % (a.out, time.time() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
