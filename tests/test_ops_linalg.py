"""dot / batch_dot / khatri_rao: forward vs NumPy and MXNet 1.9 reference shapes, dtypes,
gradients with every transpose flag, second-order gradients, ``out=``, and errors."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.ndarray import _ndxp
from distglu.test_utils import check_numeric_gradient, numeric_grad


def _np_dot(a, b, ta=False, tb=False):
    """MXNet's dot in NumPy terms: contract one axis of each operand."""
    if a.ndim == 1 and b.ndim == 1:
        return np.asarray(np.dot(a, b)).reshape(1)
    ia = 0 if (ta and a.ndim > 1) else a.ndim - 1
    ib = b.ndim - 1 if (tb and b.ndim > 1) else 0
    return np.tensordot(a, b, axes=([ia], [ib]))


# (lhs shape, rhs shape, transpose_a, transpose_b, result shape recorded with mxnet 1.9.1)
DOT_CASES = [((3, 4), (4, 5), False, False, (3, 5)), ((4, 3), (4, 5), True, False, (3, 5)),
             ((3, 4), (5, 4), False, True, (3, 5)), ((4, 3), (5, 4), True, True, (3, 5)),
             ((4,), (4,), False, False, (1,)), ((3, 4), (4,), False, False, (3,)),
             ((4,), (4, 5), False, False, (5,)), ((4,), (3, 4), False, True, (3,)),
             ((4,), (4, 5), True, False, (5,)), ((4, 5), (4,), True, False, (5,)),
             ((2, 3, 4), (4, 2, 5), False, False, (2, 3, 2, 5)),
             ((2, 3, 4), (4, 5), False, False, (2, 3, 5)),
             ((2, 3, 4), (2, 7), True, False, (3, 4, 7)),
             ((2, 3, 4), (7, 4), False, True, (2, 3, 7)),
             ((2, 3, 4), (7, 2, 4), False, True, (2, 3, 7, 2)),
             ((7, 2, 4), (2, 3, 4), False, True, (7, 2, 2, 3)),
             ((1,), (1, 3), False, False, (3,))]


@pytest.mark.parametrize('sa,sb,ta,tb,shape', DOT_CASES)
def test_dot_forward_matches_numpy_and_mxnet_shapes(sa, sb, ta, tb, shape, rng):
    a = rng.uniform(-1, 1, size=sa).astype(np.float32)
    b = rng.uniform(-1, 1, size=sb).astype(np.float32)
    y = nd.dot(nd.array(a), nd.array(b), transpose_a=ta, transpose_b=tb)
    assert y.shape == shape
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), _np_dot(a, b, ta, tb), rtol=1e-5, atol=1e-6)


def test_dot_reference_values():
    # mxnet 1.9.1
    a = nd.array(np.arange(12).reshape(3, 4))
    b = nd.array(np.arange(20).reshape(4, 5))
    np.testing.assert_allclose(nd.dot(a, b).asnumpy()[0], [70, 76, 82, 88, 94])
    np.testing.assert_allclose(nd.dot(a, a, transpose_b=True).asnumpy()[0], [14, 38, 62])
    np.testing.assert_allclose(nd.dot(b, a, transpose_a=True, transpose_b=True).asnumpy()[0],
                               [70, 190, 310])
    np.testing.assert_allclose(nd.dot(nd.array([1, 2, 3, 4]), nd.array([1, 1, 1, 1])).asnumpy(),
                               [10])
    x3 = nd.array(np.arange(24).reshape(2, 3, 4))
    np.testing.assert_allclose(
        nd.dot(nd.ones((7, 2, 4)), x3, transpose_b=True).asnumpy().ravel()[:6],
        [6, 22, 38, 54, 70, 86])


@pytest.mark.parametrize('dtype', ['float16', 'float64'])
def test_dot_dtypes(dtype, rng):
    a = rng.uniform(-1, 1, size=(3, 4)).astype(dtype)
    b = rng.uniform(-1, 1, size=(4, 2)).astype(dtype)
    y = nd.dot(nd.array(a, dtype=dtype), nd.array(b, dtype=dtype))
    assert y.dtype == np.dtype(dtype).type
    tol = 1e-2 if dtype == 'float16' else 1e-12
    np.testing.assert_allclose(y.asnumpy(), a.astype(np.float64) @ b, rtol=tol, atol=tol)
    z = nd.batch_dot(nd.array(a[None], dtype=dtype), nd.array(b[None], dtype=dtype))
    assert z.dtype == np.dtype(dtype).type


@pytest.mark.parametrize('sa,sb,ta,tb,shape', DOT_CASES)
def test_dot_gradients(sa, sb, ta, tb, shape, rng):
    a = rng.uniform(-1, 1, size=sa)
    b = rng.uniform(-1, 1, size=sb)
    og = rng.uniform(-1, 1, size=shape)
    check_numeric_gradient(lambda x, y: nd.dot(x, y, transpose_a=ta, transpose_b=tb), [a, b],
                           out_grad=og)


def test_dot_gradient_of_one_input_only(rng):
    a = rng.uniform(-1, 1, size=(3, 4))
    b = rng.uniform(-1, 1, size=(5, 4))
    for node in (0, 1):  # the other input is a constant outside the graph
        check_numeric_gradient(lambda x, y: nd.dot(x, y, transpose_b=True), [a, b],
                               grad_nodes=[node])


def test_dot_broadcast_in_graph(rng):
    # a dense layer: dot(x, w^T) + bias, bias broadcast over the batch
    x = rng.uniform(-1, 1, size=(4, 3))
    w = rng.uniform(-1, 1, size=(2, 3))
    bias = rng.uniform(-1, 1, size=(2,))
    check_numeric_gradient(lambda a, b, c: nd.dot(a, b, transpose_b=True) + c, [x, w, bias],
                           out_grad=rng.uniform(-1, 1, size=(4, 2)))


# ------------------------------------------------------------------ batch_dot

BD_CASES = [((2, 3, 4), (2, 4, 5), False, False, (2, 3, 5)),
            ((2, 4, 3), (2, 4, 5), True, False, (2, 3, 5)),
            ((2, 3, 4), (2, 5, 4), False, True, (2, 3, 5)),
            ((2, 4, 3), (2, 5, 4), True, True, (2, 3, 5)),
            ((2, 3, 4, 5), (2, 3, 5, 6), False, False, (2, 3, 4, 6)),
            ((2, 3, 5, 4), (2, 3, 6, 5), True, True, (2, 3, 4, 6))]


@pytest.mark.parametrize('sa,sb,ta,tb,shape', BD_CASES)
def test_batch_dot_forward_and_gradients(sa, sb, ta, tb, shape, rng):
    a = rng.uniform(-1, 1, size=sa)
    b = rng.uniform(-1, 1, size=sb)
    y = nd.batch_dot(nd.array(a), nd.array(b), transpose_a=ta, transpose_b=tb)
    assert y.shape == shape and y.dtype == np.float32
    ref = np.matmul(np.swapaxes(a, -1, -2) if ta else a, np.swapaxes(b, -1, -2) if tb else b)
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    check_numeric_gradient(lambda x, z: nd.batch_dot(x, z, transpose_a=ta, transpose_b=tb),
                           [a, b], out_grad=rng.uniform(-1, 1, size=shape))


# ------------------------------------------------------------------ out=

def test_out_argument(rng):
    a = rng.uniform(-1, 1, size=(3, 4)).astype(np.float32)
    b = rng.uniform(-1, 1, size=(4, 5)).astype(np.float32)
    o = nd.zeros((3, 5))
    r = nd.dot(nd.array(a), nd.array(b), out=o)
    assert r is o
    np.testing.assert_allclose(o.asnumpy(), a @ b, rtol=1e-5, atol=1e-6)
    # a non-contiguous out still gets the values
    big = nd.zeros((5, 3)).T
    nd.dot(nd.array(a), nd.array(b), out=big)
    np.testing.assert_allclose(big.asnumpy(), a @ b, rtol=1e-5, atol=1e-6)
    ob = nd.zeros((2, 3, 5))
    nd.batch_dot(nd.array(np.stack([a, a])), nd.array(np.stack([b, 2 * b])), out=ob)
    np.testing.assert_allclose(ob.asnumpy()[1], 2 * a @ b, rtol=1e-5, atol=1e-6)
    with pytest.raises(DistGluError, match=r'shape \(3, 5\), got \(5, 3\)'):
        nd.dot(nd.array(a), nd.array(b), out=nd.zeros((5, 3)))


def test_out_joins_the_graph(rng):
    a = nd.array(rng.uniform(-1, 1, size=(3, 4)))
    b = nd.array(rng.uniform(-1, 1, size=(4, 5)))
    a.attach_grad()
    o = nd.zeros((3, 5))
    with autograd.record():
        nd.dot(a, b, out=o)
    o.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), np.tile(b.asnumpy().sum(1), (3, 1)),
                               rtol=1e-5)


# ------------------------------------------------------------------ second order

def _second_order(build, z_np, inputs, which=0):
    xs = [nd.array(v, dtype='float64') for v in inputs]
    xs[which].attach_grad()
    with autograd.record():
        z = build(*xs)
    z.backward()
    num = numeric_grad(lambda *v: np.asarray(z_np(*v)), inputs, eps=1e-5)[which]
    np.testing.assert_allclose(xs[which].grad.asnumpy(), num, rtol=1e-6, atol=1e-8)


def test_second_order_dot(rng):
    x = rng.uniform(-1, 1, size=(2, 3))
    w = rng.uniform(-1, 1, size=(4, 3))

    def build(a, b):
        b.attach_grad()
        y = nd.dot(a * a, b, transpose_b=True)
        g = autograd.grad(y, [b], create_graph=True)[0]   # (4, 3): column sums of a*a
        return nd.sum(g * g * b)

    _second_order(build, lambda a, b: np.sum(np.tile((a * a).sum(0), (4, 1)) ** 2 * b), [x, w])

    def build_a(a, b):
        y = nd.dot(a, b, transpose_b=True)
        g = autograd.grad(nd.sum(y * y), [a], create_graph=True)[0]
        return nd.sum(g * g)

    _second_order(build_a, lambda a, b: np.sum((2 * (a @ b.T) @ b) ** 2), [x, w])


def test_second_order_batch_dot(rng):
    x = rng.uniform(-1, 1, size=(2, 3, 4))
    w = rng.uniform(-1, 1, size=(2, 5, 4))

    def build(a, b):
        y = nd.batch_dot(a, b, transpose_b=True)
        g = autograd.grad(nd.sum(y * y), [a], create_graph=True)[0]
        return nd.sum(g * g)

    def z_np(a, b):
        y = a @ np.swapaxes(b, 1, 2)
        return np.sum((2 * y @ b) ** 2)

    _second_order(build, z_np, [x, w])


def test_ndxp_dot_matmul_adapters(rng):
    a = nd.array(rng.uniform(size=(4,)), dtype='float64')
    b = nd.array(rng.uniform(size=(4,)), dtype='float64')
    assert _ndxp.dot(a, b).shape == ()                 # NumPy: 0-d
    assert _ndxp.matmul(a, b).shape == ()
    m = nd.array(rng.uniform(size=(2, 3, 4)), dtype='float64')
    k = nd.array(rng.uniform(size=(2, 4, 5)), dtype='float64')
    np.testing.assert_allclose(_ndxp.matmul(m, k).asnumpy(), m.asnumpy() @ k.asnumpy())
    w = nd.array(rng.uniform(size=(4, 5)), dtype='float64')
    np.testing.assert_allclose(_ndxp.matmul(m, w).asnumpy(), m.asnumpy() @ w.asnumpy())
    np.testing.assert_allclose(_ndxp.dot(m, a).asnumpy(), m.asnumpy() @ a.asnumpy())
    with pytest.raises(DistGluError, match='matmul'):
        _ndxp.matmul(nd.ones((1, 3, 4)), nd.ones((2, 4, 5)))


# ------------------------------------------------------------------ khatri_rao

def test_khatri_rao():
    # mxnet 1.9.1
    a = nd.array([[1, 2], [3, 4]])
    b = nd.array([[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(nd.khatri_rao(a, b).asnumpy(),
                                  [[1, 4], [3, 8], [5, 12], [3, 8], [9, 16], [15, 24]])
    np.testing.assert_array_equal(nd.khatri_rao(a).asnumpy(), a.asnumpy())
    r = nd.khatri_rao(nd.array([[1, 2, 3]]), nd.array([[1, 2, 3]]),
                      nd.array([[2, 2, 2], [1, 1, 1]]))
    np.testing.assert_array_equal(r.asnumpy(), [[2, 8, 18], [1, 4, 9]])
    with pytest.raises(DistGluError, match='same number of columns'):
        nd.khatri_rao(nd.array([[1, 2, 3]]), nd.array([[1, 2]]))


# ------------------------------------------------------------------ errors

def test_errors():
    with pytest.raises(DistGluError, match=r'lhs \(3, 4\).*size 4.*rhs \(3, 4\).*size 3'):
        nd.dot(nd.ones((3, 4)), nd.ones((3, 4)))
    with pytest.raises(DistGluError, match=r'lhs \(4,\).*rhs \(3,\)'):
        nd.dot(nd.ones((4,)), nd.ones((3,)))
    with pytest.raises(DistGluError, match=r'lhs \(7, 2, 4\) \(transpose_a=True\)'):
        nd.dot(nd.ones((7, 2, 4)), nd.ones((2, 3, 4)), transpose_a=True)
    with pytest.raises(DistGluError, match='cannot transpose vectors'):
        nd.dot(nd.ones((4,)), nd.ones((4,)), transpose_a=True)
    with pytest.raises(DistGluError, match='float64 and rhs float32'):
        nd.dot(nd.ones((2, 2), dtype='float64'), nd.ones((2, 2)))
    with pytest.raises(DistGluError, match='expected an NDArray for rhs'):
        nd.dot(nd.ones((2, 2)), np.ones((2, 2)))
    # host contexts mix, as in MXNet
    assert nd.dot(nd.ones((2, 2)), nd.ones((2, 2), ctx=mx.cpu(1))).context == mx.cpu(0)
    assert nd.batch_dot(nd.ones((1, 2, 2)), nd.ones((1, 2, 2), ctx=mx.cpu(1))).shape == \
        (1, 2, 2)
    with pytest.raises(DistGluError, match=r'N >= 3.*\(4, 5\) and \(5, 6\)'):
        nd.batch_dot(nd.ones((4, 5)), nd.ones((5, 6)))
    with pytest.raises(DistGluError, match=r'N >= 3'):
        nd.batch_dot(nd.ones((2, 3, 4, 5)), nd.ones((6, 5, 6)))
    with pytest.raises(DistGluError, match=r'batch dimensions.*\(2, 3, 4, 5\) and \(1, 3, 5, 6\)'):
        nd.batch_dot(nd.ones((2, 3, 4, 5)), nd.ones((1, 3, 5, 6)))
    with pytest.raises(DistGluError, match=r'lhs \(2, 4, 5\).*size 5.*rhs \(2, 4, 6\).*size 4'):
        nd.batch_dot(nd.ones((2, 4, 5)), nd.ones((2, 4, 6)))


def test_context_kept():
    y = nd.dot(nd.ones((2, 3), ctx=mx.cpu(1)), nd.ones((3, 2), ctx=mx.cpu(1)))
    assert y.context == mx.cpu(1)
