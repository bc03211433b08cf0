"""nn operators: FullyConnected, softmax family, Dropout, Embedding, smooth_l1, log_sigmoid."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient


def _softmax(x, axis=-1, t=1.0):
    e = np.exp((x - x.max(axis=axis, keepdims=True)) / t)
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize('flatten', [True, False])
@pytest.mark.parametrize('no_bias', [True, False])
def test_fully_connected(flatten, no_bias, rng):
    x = rng.normal(size=(3, 2, 4))
    w = rng.normal(size=(5, 8 if flatten else 4))
    b = rng.normal(size=(5,))
    args = [x, w] if no_bias else [x, w, b]

    def fc(*a):
        return nd.FullyConnected(*a, num_hidden=5, no_bias=no_bias, flatten=flatten)

    y = fc(*[nd.array(v) for v in args])
    ref = (x.reshape(3, -1) if flatten else x) @ w.T + (0 if no_bias else b)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-5)
    check_numeric_gradient(fc, args, rtol=1e-5, atol=1e-7)


def test_fully_connected_errors():
    with pytest.raises(DistGluError, match=r'weight of shape \(5, 3\) does not match'):
        nd.FullyConnected(nd.ones((2, 4)), nd.ones((5, 3)), num_hidden=5, no_bias=True)
    with pytest.raises(DistGluError, match='num_hidden=6'):
        nd.FullyConnected(nd.ones((2, 4)), nd.ones((5, 4)), num_hidden=6, no_bias=True)


@pytest.mark.parametrize('axis', [-1, 0, 1])
@pytest.mark.parametrize('t', [None, 2.0])
def test_softmax_and_log_softmax(axis, t, rng):
    x = rng.normal(size=(3, 4, 5))
    tt = 1.0 if t is None else t
    y = nd.softmax(nd.array(x), axis=axis, temperature=t)
    np.testing.assert_allclose(y.asnumpy(), _softmax(x, axis, tt), rtol=1e-5, atol=1e-7)
    ly = nd.log_softmax(nd.array(x), axis=axis, temperature=t)
    np.testing.assert_allclose(ly.asnumpy(), np.log(_softmax(x, axis, tt)), rtol=1e-5,
                               atol=1e-6)
    w = rng.normal(size=x.shape)  # a non-uniform head gradient
    check_numeric_gradient(lambda a: nd.softmax(a, axis=axis, temperature=t), [x],
                           out_grad=w, rtol=1e-5, atol=1e-8)
    check_numeric_gradient(lambda a: nd.log_softmax(a, axis=axis, temperature=t), [x],
                           out_grad=w, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(nd.softmin(nd.array(x), axis=axis).asnumpy(),
                               _softmax(-x, axis), rtol=1e-5, atol=1e-7)


def test_softmax_use_length():
    x = nd.array([[1, 2, 3], [4, 5, 6.]])
    y = nd.softmax(x, nd.array([2, 1]), use_length=True)
    np.testing.assert_allclose(y.asnumpy(), [[0.26894142, 0.73105858, 0], [1, 0, 0]],
                               rtol=1e-6)
    with pytest.raises(DistGluError, match='length'):
        nd.softmax(x, use_length=True)
    with pytest.raises(DistGluError, match='use_length'):
        nd.log_softmax(x, use_length=True)


def test_softmax_activation_and_stability():
    x = np.array([[1000., 0., -1000.], [1., 2., 3.]])
    np.testing.assert_allclose(nd.softmax(nd.array(x)).asnumpy(), _softmax(x), atol=1e-7)
    assert np.isfinite(nd.log_softmax(nd.array(x)).asnumpy()).all()
    v = np.arange(24.).reshape(2, 3, 4) / 10
    inst = nd.SoftmaxActivation(nd.array(v)).asnumpy()
    np.testing.assert_allclose(inst, _softmax(v.reshape(2, -1)).reshape(v.shape), rtol=1e-5)
    chan = nd.SoftmaxActivation(nd.array(v), mode='channel').asnumpy()
    np.testing.assert_allclose(chan, _softmax(v, axis=1), rtol=1e-5)
    with pytest.raises(DistGluError, match='mode'):
        nd.SoftmaxActivation(nd.array(v), mode='batch')


def test_dropout_modes_scale_and_gradient():
    x = nd.ones((200, 50))
    assert nd.Dropout(x, p=0.5) is x  # predict mode: identity
    mx.random.seed(0)
    x.attach_grad()
    with autograd.record():
        y = nd.Dropout(x, p=0.4)
    y.backward()
    v = y.asnumpy()
    kept = np.unique(v)
    assert len(kept) == 2 and kept[0] == 0
    np.testing.assert_allclose(kept[1], 1 / 0.6, rtol=1e-6)
    assert abs((v == 0).mean() - 0.4) < 0.02
    np.testing.assert_array_equal(x.grad.asnumpy(), v)  # gradient is the scaled mask
    with autograd.train_mode():
        shared = nd.Dropout(nd.ones((4, 100)), p=0.5, axes=(0,)).asnumpy()
    assert (shared == shared[0]).all()
    always = nd.Dropout(nd.ones((100,)), p=0.5, mode='always').asnumpy()
    assert (always == 0).any()
    with pytest.raises(DistGluError, match=r'p must be in \[0, 1\]'):
        nd.Dropout(x, p=1.5)


def test_embedding_forward_and_duplicate_gradients(rng):
    w = rng.normal(size=(6, 3))
    ids = nd.array([[0, 5], [5, 9]])  # 9 is clipped to 5, as MXNet does
    y = nd.Embedding(ids, nd.array(w), input_dim=6, output_dim=3)
    np.testing.assert_allclose(y.asnumpy(), w[[[0, 5], [5, 5]]], rtol=1e-6)
    wn = nd.array(w)
    wn.attach_grad()
    with autograd.record():
        out = nd.Embedding(ids, wn, input_dim=6, output_dim=3)
    out.backward()
    expect = np.zeros((6, 3))
    expect[0] = 1
    expect[5] = 3
    np.testing.assert_array_equal(wn.grad.asnumpy(), expect)
    with pytest.raises(DistGluError, match='expected \\(7, 3\\)'):
        nd.Embedding(ids, wn, input_dim=7, output_dim=3)


def test_smooth_l1_log_sigmoid_and_cross_entropy(rng):
    v = np.array([-3., -0.5, 0.2, 2.])
    np.testing.assert_allclose(nd.smooth_l1(nd.array(v)).asnumpy(),
                               np.where(np.abs(v) < 1, 0.5 * v * v, np.abs(v) - 0.5))
    np.testing.assert_allclose(nd.smooth_l1(nd.array(v), scalar=2.0).asnumpy(),
                               np.where(np.abs(v) < 0.25, 2 * v * v, np.abs(v) - 0.125))
    check_numeric_gradient(lambda a: nd.smooth_l1(a, scalar=1.5), [v], rtol=1e-5)
    x = np.array([-50., -1., 0., 3.])
    np.testing.assert_allclose(nd.log_sigmoid(nd.array(x)).asnumpy(),
                               -np.log1p(np.exp(-x)), rtol=1e-6)
    check_numeric_gradient(nd.log_sigmoid, [x[1:]], rtol=1e-5)
    logits = rng.normal(size=(4, 3))
    lab = np.array([0, 2, 1, 2])
    ce = nd.softmax_cross_entropy(nd.array(logits), nd.array(lab))
    assert ce.shape == (1,)
    ref = -np.log(_softmax(logits)[np.arange(4), lab]).sum()
    np.testing.assert_allclose(ce.asnumpy(), [ref], rtol=1e-5)
