"""Trainer: step scaling, flat gradient buckets, stale gradients, states, several trainers."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.gluon import nn


def _net(units=3, in_units=4, init=1.0):
    net = nn.Dense(units, in_units=in_units)
    net.initialize(mx.init.Constant(init))
    return net


def test_step_scales_by_batch_size():
    net = _net()
    tr = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.5})
    x = nd.ones((8, 4))
    with autograd.record():
        y = net(x)
    y.backward()
    # d(sum y)/dW = 8 per entry; step(8) applies lr * 8 / 8
    tr.step(8)
    np.testing.assert_allclose(net.weight.data().asnumpy(), 1 - 0.5)
    # the bias keeps its own initializer ('zeros') as in MXNet
    np.testing.assert_allclose(net.bias.data().asnumpy(), 0 - 0.5)


def test_gradients_live_in_flat_buckets():
    net = nn.Sequential()
    net.add(nn.Dense(5, in_units=4), nn.Dense(2, in_units=5))
    net.initialize()
    tr = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    x = nd.random.uniform(shape=(3, 4))
    for _ in range(2):
        with autograd.record():
            y = net(x)
        y.backward()
        tr.step(3)
    bufs = tr._buckets.buffers()
    assert len(bufs) == 1 and bufs[0].size == 4 * 5 + 5 + 5 * 2 + 2
    for p in net.collect_params().values():
        g = p.grad()._data
        assert g.base is bufs[0] or np.shares_memory(g, bufs[0])
        # backward writes straight into the bucket
    with autograd.record():
        y = net(x)
    y.backward()
    w = net[0].weight
    g = w.grad()._data
    off = (g.__array_interface__['data'][0] - bufs[0].__array_interface__['data'][0]) \
        // g.itemsize
    np.testing.assert_array_equal(bufs[0][off:off + 20].reshape(5, 4), w.grad().asnumpy())
    # the Trainer orders parameters by name, as MXNet: the bucket holds dense0_bias first
    assert [p.name for p in tr._params] == sorted(net.collect_params().keys())
    assert off == 5


def test_small_buckets_split_by_size():
    from distglu.distributed import GradBuckets
    net = nn.Sequential()
    net.add(nn.Dense(50, in_units=40), nn.Dense(20, in_units=50))
    net.initialize()
    params = list(net.collect_params().values())
    b = GradBuckets(params, bucket_bytes=4 * 2100)
    sizes = [bk.buffer.size for bk in b.buckets]
    assert sum(sizes) == 50 * 40 + 50 + 20 * 50 + 20
    assert len(sizes) > 1
    assert b.is_current(params)


def test_stale_gradient_error_and_ignore():
    a = _net()
    b = _net()
    params = list(a.collect_params().values()) + list(b.collect_params().values())
    tr = gluon.Trainer(params, 'sgd', {'learning_rate': 0.1})
    x = nd.ones((2, 4))
    with autograd.record():
        y = a(x)
    y.backward()
    with pytest.raises(UserWarning, match='has not been updated by backward since last `step`'):
        tr.step(2)
    before = b.weight.data().asnumpy().copy()
    tr.step(2, ignore_stale_grad=True)
    np.testing.assert_array_equal(b.weight.data().asnumpy(), before)
    assert not np.allclose(a.weight.data().asnumpy(), 1.0)
    # a's gradient is stale now too
    with pytest.raises(UserWarning):
        tr.step(2)


def test_two_trainers_on_disjoint_params():
    net = nn.Sequential()
    net.add(nn.Dense(3, in_units=4), nn.Dense(2, in_units=3))
    net.initialize(mx.init.One())
    t1 = gluon.Trainer(net[0].collect_params(), 'sgd', {'learning_rate': 0.1})
    t2 = gluon.Trainer(net[1].collect_params(), 'sgd', {'learning_rate': 0.0})
    with autograd.record():
        y = net(nd.ones((1, 4)))
    y.backward()
    t1.step(1)
    t2.step(1)
    assert not np.allclose(net[0].weight.data().asnumpy(), 1)
    np.testing.assert_array_equal(net[1].weight.data().asnumpy(), 1)


def test_learning_rate_and_states(tmp_path):
    net = _net()
    tr = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1, 'momentum': 0.9})
    assert tr.learning_rate == 0.1
    tr.set_learning_rate(0.2)
    assert tr.learning_rate == 0.2
    x = nd.ones((2, 4))
    for _ in range(2):
        with autograd.record():
            y = net(x)
        y.backward()
        tr.step(2)
    f = str(tmp_path / 'trainer.states')
    tr.save_states(f)
    saved = [p.data().asnumpy().copy() for p in (net.weight, net.bias)]
    with autograd.record():
        y = net(x)
    y.backward()
    tr.step(2)
    after3 = [p.data().asnumpy().copy() for p in (net.weight, net.bias)]
    # restore weights and momentum to step 2 in a new trainer: step 3 is reproduced
    net.weight.set_data(nd.array(saved[0]))
    net.bias.set_data(nd.array(saved[1]))
    tr2 = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.2, 'momentum': 0.9})
    with autograd.record():
        y = net(x)
    y.backward()
    tr2.load_states(f)
    tr2.step(2)
    np.testing.assert_allclose(net.weight.data().asnumpy(), after3[0], rtol=1e-6)
    np.testing.assert_allclose(net.bias.data().asnumpy(), after3[1], rtol=1e-6)


def test_trainer_argument_errors():
    net = _net()
    with pytest.raises(DistGluError, match='list or dict of Parameters'):
        gluon.Trainer(net, 'sgd')
    with pytest.raises(DistGluError, match='optimizer_params must be None'):
        gluon.Trainer(net.collect_params(), mx.optimizer.SGD(), {'learning_rate': 1})


def test_deferred_params_error_until_forward():
    net = nn.Dense(2)
    net.initialize()
    tr = gluon.Trainer(net.collect_params(), 'sgd')
    with pytest.raises(gluon.DeferredInitializationError):
        tr.step(1)


def test_multi_context_gradients_are_summed():
    net = nn.Dense(1, in_units=2)
    net.initialize(mx.init.One(), ctx=[mx.cpu(0), mx.cpu(1)])
    tr = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 1.0})
    xs = gluon.utils.split_and_load(nd.ones((4, 2)), [mx.cpu(0), mx.cpu(1)])
    with autograd.record():
        ys = [net(x) for x in xs]
    autograd.backward(ys)
    tr.step(4)
    for ctx in (mx.cpu(0), mx.cpu(1)):
        np.testing.assert_allclose(net.weight.data(ctx).asnumpy(), [[0, 0]])


def test_direct_gradient_writes_match_copied_ones():
    """FullyConnected writes a weight's gradient straight into the bucket when the weight is
    used once; a weight used twice must still get the sum of both uses."""
    mx.random.seed(3)
    x = nd.random.uniform(shape=(5, 4))
    once = nn.Dense(4, in_units=4)
    once.initialize()
    tr = gluon.Trainer(once.collect_params(), 'sgd', {'learning_rate': 0.0})
    for _ in range(2):  # second step runs with the gradients in buckets
        with autograd.record():
            y = once(x)
        y.backward()
        tr.step(1)
    w = once.weight.data().asnumpy()
    expect_w = np.ones((5, 4)).T @ x.asnumpy()
    np.testing.assert_allclose(once.weight.grad().asnumpy(), expect_w, rtol=1e-5)
    np.testing.assert_allclose(once.bias.grad().asnumpy(), np.full(4, 5.0), rtol=1e-6)
    with autograd.record():
        y = once(once(x))  # the same weight used twice
    y.backward()
    h = x.asnumpy() @ w.T + once.bias.data().asnumpy()
    g_out = np.ones((5, 4))
    g_h = g_out @ w
    expect = g_out.T @ h + g_h.T @ x.asnumpy()
    np.testing.assert_allclose(once.weight.grad().asnumpy(), expect, rtol=1e-4)
    np.testing.assert_allclose(once.bias.grad().asnumpy(), g_out.sum(0) + g_h.sum(0), rtol=1e-5)


def test_parameters_update_in_name_order_as_mxnet():
    """Nadam's momentum schedule is shared by all parameters, so the update order shows in
    the values: MXNet's Trainer sorts the ParameterDict's names (bias before weight).
    Values recorded from MXNet 1.9.1 with the same program."""
    net = nn.Dense(1, in_units=5)
    net.initialize(mx.init.Zero())
    net.weight.set_data(nd.array([[0.1, -0.2, 0.3, -0.4, 0.5]]))
    net.bias.set_data(nd.array([0.05]))
    tr = gluon.Trainer(net.collect_params(), 'nadam', {'learning_rate': 0.01})
    x = nd.array(np.arange(20, dtype=np.float32).reshape(4, 5) / 10)
    y = nd.array([[1.], [-1.], [2.], [0.5]])
    for _ in range(3):
        with autograd.record():
            loss = gluon.loss.L2Loss()(net(x), y)
        loss.backward()
        tr.step(4)
    np.testing.assert_allclose(
        net.weight.data().asnumpy(),
        [[0.11802812665700912, -0.18186339735984802, 0.31822091341018677,
          -0.3817117214202881, 0.5183433890342712]], rtol=1e-6)
    np.testing.assert_allclose(net.bias.data().asnumpy(), [0.07241516560316086], rtol=1e-6)


def test_stale_gradient_error_leaves_every_weight_unchanged():
    """MXNet checks all parameters for stale gradients before updating any of them."""
    net = nn.Sequential()
    net.add(nn.Dense(2, in_units=4), nn.Dense(1, in_units=4))
    net.initialize(mx.init.One())
    tr = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    x = nd.ones((8, 4))
    with autograd.record():
        loss = net[0](x).sum()            # net[1] is not used: its gradient is stale
    loss.backward()
    with pytest.raises(UserWarning, match=net[1].bias.name):
        tr.step(8)
    assert (net[0].weight.data().asnumpy() == 1).all()
    tr.step(8, ignore_stale_grad=True)
    np.testing.assert_allclose(net[0].weight.data().asnumpy(), 0.9, rtol=1e-6)
    assert (net[1].weight.data().asnumpy() == 1).all()
