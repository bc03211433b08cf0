"""End-to-end training: the linear-regression tutorial and an MLP classifier."""
import numpy as np

import distglu as mx
from distglu import nd, autograd, gluon, init
from distglu.gluon import nn


def test_linear_regression_tutorial_learns_w_and_b():
    mx.random.seed(1)
    true_w = nd.array([2, -3.4])
    true_b = 4.2
    features = nd.random.normal(scale=1, shape=(1000, 2))
    labels = nd.dot(features, true_w) + true_b
    labels += nd.random.normal(scale=0.01, shape=labels.shape)
    data_iter = gluon.data.DataLoader(gluon.data.ArrayDataset(features, labels), 10,
                                      shuffle=True)
    net = nn.Sequential()
    net.add(nn.Dense(1))
    net.initialize(init.Normal(sigma=0.01))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.03})
    for epoch in range(3):
        for X, y in data_iter:
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(10)
    w = net[0].weight.data().asnumpy().reshape(-1)
    b = net[0].bias.data().asscalar()
    np.testing.assert_allclose(w, [2, -3.4], atol=0.01)
    assert abs(b - 4.2) < 0.01
    assert loss(net(features), labels).mean().asscalar() < 1e-3


def test_mlp_learns_synthetic_classification():
    rng = np.random.default_rng(0)
    n, d, k = 1200, 10, 3
    centers = rng.normal(scale=2.0, size=(k, d))
    y = rng.integers(0, k, n)
    x = centers[y] + rng.normal(scale=1.0, size=(n, d))
    # a non-linear twist so a hidden layer is needed
    x[:, 0] = np.sin(x[:, 0]) * 3
    mx.random.seed(0)
    net = nn.Sequential()
    net.add(nn.Dense(32, activation='relu'), nn.Dense(32, activation='relu'), nn.Dense(k))
    net.initialize(init.Xavier())
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    train = gluon.data.ArrayDataset(x[:1000].astype(np.float32), y[:1000].astype(np.float32))
    loader = gluon.data.DataLoader(train, batch_size=50, shuffle=True)
    for epoch in range(15):
        for xb, yb in loader:
            with autograd.record():
                l = loss(net(xb), yb)
            l.backward()
            trainer.step(xb.shape[0])
    acc = mx.metric.Accuracy()
    acc.update(nd.array(y[1000:]), net(nd.array(x[1000:])))
    assert acc.get()[1] > 0.95
