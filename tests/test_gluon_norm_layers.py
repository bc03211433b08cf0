"""gluon.nn normalization layers: BatchNorm, BatchNormReLU, InstanceNorm, LayerNorm,
GroupNorm (MXNet 1.x ``basic_layers``).

Checked against NumPy formulas, against values and printed forms recorded from MXNet
1.9.1, and against central differences for gradients.
"""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.gluon import nn
from distglu.test_utils import check_numeric_gradient


def _param_summary(block):
    return [(p.name[len(block.prefix):], p.shape, p.grad_req, p.init, p._differentiable)
            for p in block.params.values()]


def test_repr_names_and_parameters_match_mxnet():
    outer = nn.HybridSequential(prefix='net_')
    with outer.name_scope():
        bn = nn.BatchNorm()
        bn2 = nn.BatchNorm(axis=-1, momentum=0.8, epsilon=1e-3, center=False, scale=False,
                           use_global_stats=True, in_channels=5)
        inorm = nn.InstanceNorm()
        inorm2 = nn.InstanceNorm(in_channels=3, scale=True)
        ln = nn.LayerNorm()
        ln2 = nn.LayerNorm(axis=1, in_channels=4, center=False)
        gn = nn.GroupNorm()
        gn2 = nn.GroupNorm(num_groups=2, epsilon=1e-3)
        bnr = nn.BatchNormReLU()
    # strings and parameter attributes printed by MXNet 1.9.1
    assert repr(bn) == ('BatchNorm(axis=1, eps=1e-05, momentum=0.9, fix_gamma=False, '
                        'use_global_stats=False, in_channels=None)')
    assert bn.prefix == 'net_batchnorm0_'
    assert _param_summary(bn) == [
        ('gamma', (0,), 'write', 'ones', True), ('beta', (0,), 'write', 'zeros', True),
        ('running_mean', (0,), 'null', 'zeros', False),
        ('running_var', (0,), 'null', 'ones', False)]
    assert repr(bn2) == ('BatchNorm(axis=-1, eps=0.001, momentum=0.8, fix_gamma=True, '
                         'use_global_stats=True, in_channels=5)')
    assert bn2.prefix == 'net_batchnorm1_'
    assert _param_summary(bn2) == [
        ('gamma', (5,), 'null', 'ones', False), ('beta', (5,), 'null', 'zeros', False),
        ('running_mean', (5,), 'null', 'zeros', False),
        ('running_var', (5,), 'null', 'ones', False)]
    assert bn2.in_channels == 5 and not hasattr(bn, 'in_channels')
    assert repr(inorm) == 'InstanceNorm(eps=1e-05, axis=1, center=True, scale=False, ' \
                          'in_channels=0)'
    assert inorm.prefix == 'net_instancenorm0_'
    assert _param_summary(inorm) == [('gamma', (0,), 'null', 'ones', True),
                                     ('beta', (0,), 'write', 'zeros', True)]
    assert repr(inorm2) == 'InstanceNorm(eps=1e-05, axis=1, center=True, scale=True, ' \
                           'in_channels=3)'
    assert _param_summary(inorm2) == [('gamma', (3,), 'write', 'ones', True),
                                      ('beta', (3,), 'write', 'zeros', True)]
    assert repr(ln) == 'LayerNorm(eps=1e-05, axis=-1, center=True, scale=True, in_channels=0)'
    assert ln.prefix == 'net_layernorm0_'
    assert repr(ln2) == 'LayerNorm(eps=1e-05, axis=1, center=False, scale=True, ' \
                        'in_channels=4)'
    assert _param_summary(ln2) == [('gamma', (4,), 'write', 'ones', True),
                                   ('beta', (4,), 'null', 'zeros', True)]
    assert repr(gn) == 'GroupNorm(eps=1e-05, num_groups=1, center=True, scale=True)'
    assert gn.prefix == 'net_groupnorm0_'
    assert _param_summary(gn2) == [('gamma', (2,), 'write', 'ones', True),
                                   ('beta', (2,), 'write', 'zeros', True)]
    assert repr(gn2) == 'GroupNorm(eps=0.001, num_groups=2, center=True, scale=True)'
    assert repr(bnr) == ('BatchNormReLU(axis=1, eps=1e-05, momentum=0.9, fix_gamma=False, '
                         'use_global_stats=False, in_channels=None)')
    assert bnr.prefix == 'net_batchnormrelu0_'


def test_deferred_in_channels_and_printed_shapes():
    x = nd.ones((2, 4, 3, 5))
    cases = [(nn.BatchNorm(), 4, 'in_channels=None', 'in_channels=4'),
             (nn.BatchNorm(axis=2), 3, 'in_channels=None', 'in_channels=3'),
             (nn.InstanceNorm(), 4, 'in_channels=0', 'in_channels=4'),
             (nn.InstanceNorm(axis=3), 5, 'in_channels=0', 'in_channels=5'),
             (nn.LayerNorm(), 5, 'in_channels=0', 'in_channels=5'),
             (nn.LayerNorm(axis=1), 4, 'in_channels=0', 'in_channels=4')]
    for block, c, before, after in cases:
        block.initialize()
        assert before in repr(block)
        assert all(p.shape == (0,) for p in block.params.values())
        y = block(x)
        assert y.shape == x.shape and y.dtype == np.float32
        assert after in repr(block)
        for p in block.params.values():
            assert p.shape == (c,) and p.data().shape == (c,)
    bn = nn.BatchNorm()
    bn.initialize()
    bn(x)
    np.testing.assert_array_equal(bn.gamma.data().asnumpy(), np.ones(4))
    np.testing.assert_array_equal(bn.beta.data().asnumpy(), np.zeros(4))
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), np.zeros(4))
    np.testing.assert_array_equal(bn.running_var.data().asnumpy(), np.ones(4))
    gn = nn.GroupNorm(2)
    gn.initialize()
    assert gn.gamma.data().shape == (2,)          # known at construction


def test_initializers_are_kept_under_a_global_initializer():
    bn = nn.BatchNorm(in_channels=3)
    bn.initialize(mx.init.Xavier())
    np.testing.assert_array_equal(bn.gamma.data().asnumpy(), np.ones(3))
    np.testing.assert_array_equal(bn.running_var.data().asnumpy(), np.ones(3))
    bn = nn.BatchNorm(in_channels=3, gamma_initializer=mx.init.Constant(2.0),
                      running_mean_initializer='ones')
    bn.initialize()
    np.testing.assert_array_equal(bn.gamma.data().asnumpy(), np.full(3, 2.0))
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), np.ones(3))


# ----------------------------------------------------------------------------- BatchNorm

def _sin(shape, k, s=1.0):
    return (s * np.sin(np.arange(np.prod(shape)) * k)).reshape(shape).astype(np.float32)


def test_batchnorm_training_steps_match_mxnet():
    """Three record/backward steps, then train and predict outputs (MXNet 1.9.1 values)."""
    bn = nn.BatchNorm(momentum=0.8)
    bn.initialize()
    for step in range(3):
        x = nd.array(_sin((4, 3, 2, 2), 0.3 + step, 2.0) + step)
        with autograd.record():
            y = bn(x)
        y.backward()
        if step == 0:
            bn.gamma.set_data(nd.array([1.0, 2.0, 0.5]))
            bn.beta.set_data(nd.array([0.0, 0.1, -0.1]))
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(),
                               [0.559990644, 0.580103636, 0.620276690], rtol=1e-6)
    np.testing.assert_allclose(bn.running_var.data().asnumpy(),
                               [1.488210917, 1.494359255, 1.449028134], rtol=1e-6)
    np.testing.assert_allclose(y[0, :, 0, 0].asnumpy(),
                               [-0.076173343, 0.849665284, -0.426339269], rtol=1e-5)
    np.testing.assert_allclose(bn(x)[0, :, 0, 0].asnumpy(),
                               [1.180406570, 3.152370691, 0.112082131], rtol=1e-5)
    np.testing.assert_allclose(bn.beta.grad().asnumpy(), [16.0, 16.0, 16.0])
    assert bn.running_mean.data().dtype == np.float32


def test_batchnorm_train_and_predict_match_numpy(rng):
    momentum, eps = 0.7, 1e-3
    bn = nn.BatchNorm(momentum=momentum, epsilon=eps, in_channels=3)
    bn.initialize()
    gamma = rng.uniform(0.5, 1.5, size=3)
    beta = rng.uniform(-1, 1, size=3)
    bn.gamma.set_data(gamma)
    bn.beta.set_data(beta)
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(3):
        x = rng.normal(1.0, 2.0, size=(5, 3, 4)).astype(np.float32)
        with autograd.record():
            y = bn(nd.array(x))
        y.backward()
        mean = x.mean(axis=(0, 2), dtype=np.float64)
        var = x.var(axis=(0, 2), dtype=np.float64)
        ref = (x - mean[:, None]) / np.sqrt(var[:, None] + eps) * gamma[:, None] + \
            beta[:, None]
        np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-4, atol=1e-5)
        rm = momentum * rm + (1 - momentum) * mean
        rv = momentum * rv + (1 - momentum) * var       # the biased batch variance
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), rm, rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.data().asnumpy(), rv, rtol=1e-5)
    # predict mode (no record, or record(train_mode=False)) uses the running statistics
    x = rng.normal(size=(2, 3, 4)).astype(np.float32)
    ref = (x - rm[:, None]) / np.sqrt(rv[:, None] + eps) * gamma[:, None] + beta[:, None]
    np.testing.assert_allclose(bn(nd.array(x)).asnumpy(), ref, rtol=1e-4, atol=1e-5)
    with autograd.record(train_mode=False):
        y = bn(nd.array(x))
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-4, atol=1e-5)
    # ... and does not move them
    np.testing.assert_allclose(bn.running_mean.data().asnumpy(), rm, rtol=1e-5)


def test_batchnorm_options(rng):
    x = rng.normal(size=(6, 2, 3)).astype(np.float32)
    # axis=-1, scale=False: gamma is taken as 1 and gets no gradient
    bn = nn.BatchNorm(axis=-1, scale=False, center=False)
    bn.initialize()
    bn(nd.array(x))
    bn.gamma.set_data(np.full(3, 5.0))
    bn.beta.set_data(np.full(3, 0.5))
    with autograd.record():
        y = bn(nd.array(x))
    mean = x.mean(axis=(0, 1))
    var = x.var(axis=(0, 1))
    np.testing.assert_allclose(y.asnumpy(), (x - mean) / np.sqrt(var + 1e-5) + 0.5,
                               rtol=1e-4, atol=1e-5)
    assert bn.gamma.grad_req == 'null' and bn.beta.grad_req == 'null'
    bn.gamma.grad_req = 'write'          # not differentiable: stays 'null', as MXNet
    assert bn.gamma.grad_req == 'null'
    # use_global_stats: the running statistics also in training, and they do not move
    bn = nn.BatchNorm(use_global_stats=True, in_channels=2)
    bn.initialize()
    bn.running_mean.set_data(np.array([1.0, -1.0]))
    bn.running_var.set_data(np.array([4.0, 0.25]))
    with autograd.record():
        y = bn(nd.array(x))
    y.backward()
    ref = (x - np.array([1.0, -1.0])[:, None]) / np.sqrt(np.array([4.0, 0.25])[:, None] +
                                                          1e-5)
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(bn.running_mean.data().asnumpy(), [1.0, -1.0])
    # BatchNormReLU
    bnr = nn.BatchNormReLU(in_channels=2)
    bnr.initialize()
    bnr.running_mean.set_data(np.array([1.0, -1.0]))
    bnr.running_var.set_data(np.array([4.0, 0.25]))
    np.testing.assert_allclose(bnr(nd.array(x)).asnumpy(), np.maximum(ref, 0), rtol=1e-5,
                               atol=1e-5)


def test_batchnorm_cast_keeps_float16_statistics_float32():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3, in_channels=2), nn.BatchNorm(in_channels=4))
    net.initialize()
    net.cast('float16')
    assert net[0].weight.data().dtype == np.float16
    assert all(p.data().dtype == np.float32 for p in net[1].params.values())
    y = net(nd.ones((2, 2, 5, 5), dtype='float16'))
    assert y.dtype == np.float16
    net.cast('float64')
    assert all(p.data().dtype == np.float64 for p in net[1].params.values())


# ----------------------------------------------------------------------------- others

def _np_norm(x, axes, eps):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


def test_instance_layer_group_norm_match_numpy(rng):
    x = rng.normal(1.0, 2.0, size=(2, 4, 3, 5)).astype(np.float32)
    xx = nd.array(x)
    g4, b4 = rng.uniform(0.5, 1.5, size=4), rng.uniform(-1, 1, size=4)
    bc = (slice(None), None, None)

    inorm = nn.InstanceNorm(scale=True, epsilon=1e-3)
    inorm.initialize()
    inorm(xx)
    inorm.gamma.set_data(g4)
    inorm.beta.set_data(b4)
    np.testing.assert_allclose(inorm(xx).asnumpy(),
                               _np_norm(x, (2, 3), 1e-3) * g4[bc] + b4[bc],
                               rtol=1e-4, atol=1e-5)
    # scale=False (MXNet's default) keeps gamma at its initial 1
    inorm = nn.InstanceNorm()
    inorm.initialize()
    np.testing.assert_allclose(inorm(xx).asnumpy(), _np_norm(x, (2, 3), 1e-5),
                               rtol=1e-4, atol=1e-5)
    # another channel axis: axis 2 is kept, axes 3 is normalized
    inorm = nn.InstanceNorm(axis=2, in_channels=3)
    inorm.initialize()
    inorm.beta.set_data(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(inorm(xx).asnumpy(), _np_norm(x, (1, 3), 1e-5) +
                               np.array([1.0, 2.0, 3.0])[:, None], rtol=1e-4, atol=1e-5)

    ln = nn.LayerNorm()
    ln.initialize()
    ln(xx)
    g5, b5 = rng.uniform(0.5, 1.5, size=5), rng.uniform(-1, 1, size=5)
    ln.gamma.set_data(g5)
    ln.beta.set_data(b5)
    np.testing.assert_allclose(ln(xx).asnumpy(), _np_norm(x, (3,), 1e-5) * g5 + b5,
                               rtol=1e-4, atol=1e-5)
    ln = nn.LayerNorm(axis=1, epsilon=0.1, in_channels=4)
    ln.initialize()
    ln.gamma.set_data(g4)
    np.testing.assert_allclose(ln(xx).asnumpy(), _np_norm(x, (1,), 0.1) * g4[bc],
                               rtol=1e-4, atol=1e-5)

    gn = nn.GroupNorm(num_groups=2)
    gn.initialize()
    gn.gamma.set_data(np.array([2.0, 0.5]))
    gn.beta.set_data(np.array([0.0, 1.0]))
    xg = x.reshape(2, 2, 2, 3, 5)
    ref = _np_norm(xg, (2, 3, 4), 1e-5) * np.array([2.0, 0.5])[:, None, None, None] + \
        np.array([0.0, 1.0])[:, None, None, None]
    np.testing.assert_allclose(gn(xx).asnumpy(), ref.reshape(x.shape), rtol=1e-4, atol=1e-5)


def test_norm_layer_errors():
    with pytest.raises(DistGluError, match='axis 3 does not exist'):
        b = nn.LayerNorm(axis=3)
        b.initialize()
        b(nd.ones((2, 3)))
    with pytest.raises(DistGluError, match='num_groups must be a positive int'):
        nn.GroupNorm(0)
    with pytest.raises(DistGluError, match='in_channels must be an int'):
        nn.BatchNorm(in_channels=-1)
    gn = nn.GroupNorm(3)
    gn.initialize()
    with pytest.raises(DistGluError, match='divisible by num_groups'):
        gn(nd.ones((2, 4, 3)))
    bn = nn.BatchNorm(in_channels=3)
    bn.initialize()
    with pytest.raises(DistGluError, match='gamma must have shape'):
        bn(nd.ones((2, 4, 3)))


# ----------------------------------------------------------------------------- gradients

def test_norm_layer_gradients_by_finite_differences(rng):
    x = rng.normal(size=(3, 4, 2, 3))
    for block, axis_c in ((nn.InstanceNorm(scale=True), 4), (nn.LayerNorm(), 3),
                          (nn.LayerNorm(axis=1), 4), (nn.GroupNorm(2), 2)):
        block.cast('float64')
        block.initialize()
        block(nd.array(x, dtype='float64'))
        gamma = rng.uniform(0.5, 1.5, size=axis_c)
        beta = rng.uniform(-1, 1, size=axis_c)

        def fn(xx, g, b, block=block):
            return block.hybrid_forward(nd, xx, g, b) ** 2

        analytic = check_numeric_gradient(fn, [x, gamma, beta], rtol=1e-5, atol=1e-7)
        block.gamma.set_data(nd.array(gamma, dtype='float64'))
        block.beta.set_data(nd.array(beta, dtype='float64'))
        xx = nd.array(x, dtype='float64')
        xx.attach_grad()
        with autograd.record():
            y = block(xx) ** 2
        y.backward()
        np.testing.assert_allclose(xx.grad.asnumpy(), analytic[0], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(block.gamma.grad().asnumpy(), analytic[1], rtol=1e-9,
                                   atol=1e-12)
        np.testing.assert_allclose(block.beta.grad().asnumpy(), analytic[2], rtol=1e-9,
                                   atol=1e-12)


def test_conv_batchnorm_net_gradients_in_training_mode(rng):
    """Conv2D -> BatchNorm (batch statistics) -> tanh -> Dense, float64, against central
    differences; the blocks' own parameter gradients agree."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, 2, padding=1), nn.BatchNorm(), nn.Activation('tanh'),
                nn.MaxPool2D(), nn.Dense(2))
    net.cast('float64')
    net.initialize(mx.init.Uniform(0.5))
    x = rng.normal(size=(3, 2, 4, 4))
    net(nd.array(x, dtype='float64'))
    conv, bn, act, pool, dense = [net[i] for i in range(5)]
    bn.gamma.set_data(nd.array(rng.uniform(0.5, 1.5, size=3), dtype='float64'))
    values = [p.data().asnumpy() for p in (conv.weight, conv.bias, bn.gamma, bn.beta,
                                           dense.weight, dense.bias)]
    rm, rv = bn.running_mean.data(), bn.running_var.data()

    def fn(xx, w, b, g, be, dw, db):
        with autograd.train_mode():       # batch statistics also for the finite differences
            h = conv.hybrid_forward(nd, xx, w, b)
            h = bn.hybrid_forward(nd, h, g, be, rm, rv)
            h = pool(act(h))
            return dense.hybrid_forward(nd, h, dw, db)

    analytic = check_numeric_gradient(fn, [x] + values, rtol=1e-5, atol=1e-7)
    xx = nd.array(x, dtype='float64')
    xx.attach_grad()
    with autograd.record():
        y = net(xx)
    y.backward()
    np.testing.assert_allclose(xx.grad.asnumpy(), analytic[0], rtol=1e-8, atol=1e-11)
    for p, g in zip((conv.weight, conv.bias, bn.gamma, bn.beta, dense.weight, dense.bias),
                    analytic[1:]):
        np.testing.assert_allclose(p.grad().asnumpy(), g, rtol=1e-8, atol=1e-11)


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_batchnorm_on_gpu_matches_cpu(rng):
    x = rng.normal(size=(4, 3, 5, 5)).astype(np.float32)
    res = []
    for ctx in (mx.cpu(), mx.gpu(0)):
        bn = nn.BatchNorm()
        bn.initialize(ctx=ctx)
        xx = nd.array(x, ctx=ctx)
        xx.attach_grad()
        with autograd.record():
            y = bn(xx)
        y.backward()
        res.append((y.asnumpy(), xx.grad.asnumpy(), bn.running_var.data().asnumpy(),
                    bn(xx).asnumpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
