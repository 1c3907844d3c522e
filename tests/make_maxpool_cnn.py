#!/usr/bin/python3
"""make_maxpool_cnn.py OUT.msgpack: a small max-pooling CNN (conv-ReLU-maxpool twice,
one dense layer), trained briefly on 6000 Fashion-MNIST images with a fixed seed,
exported with tools/export_torch.py: a fixture for the max-pool paths of
`memspike convert` (tests/e2e.sh).  Needs python3-torch."""
import os, sys, gzip, numpy as np, torch, torch.nn as nn
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools'))
from export_torch import export
torch.manual_seed(0)
def idx(path):
    with gzip.open(path) as f:
        d = f.read()
    nd = d[3]; dims = [int.from_bytes(d[4+4*i:8+4*i], 'big') for i in range(nd)]
    return np.frombuffer(d, np.uint8, offset=4+4*nd).reshape(dims)
D='/usr/share/datasets/fashion-mnist/'
X = idx(D+'train-images-idx3-ubyte.gz')[:6000].astype(np.float32)/255
Y = idx(D+'train-labels-idx1-ubyte.gz')[:6000].astype(np.int64)
m = nn.Sequential(nn.Conv2d(1,8,3,padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Conv2d(8,16,3,padding=1), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(16*7*7, 10))
opt = torch.optim.Adam(m.parameters(), 1e-3)
x = torch.from_numpy(X).unsqueeze(1); y = torch.from_numpy(Y)
for ep in range(2):
    for i in range(0, len(x), 100):
        opt.zero_grad(); l = nn.functional.cross_entropy(m(x[i:i+100]), y[i:i+100]); l.backward(); opt.step()
m.eval()
export(m, sys.argv[1], input_shape=(1,28,28), input_scale=1/255, classes=10, dataset='fashion-mnist')
print('ok')
