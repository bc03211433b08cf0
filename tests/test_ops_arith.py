"""Binary arithmetic and comparisons: values, broadcasting, dtypes, gradients, errors."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient

SHAPES = [((2, 3), (2, 3)), ((2, 3), (3,)), ((4, 1, 3), (2, 1)), ((1,), (2, 2))]


@pytest.mark.parametrize('op,ref', [
    (lambda a, b: a + b, np.add), (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply), (lambda a, b: a / b, np.divide),
    (lambda a, b: a ** b, np.power), (lambda a, b: a % b, np.mod),
    (nd.maximum, np.maximum), (nd.minimum, np.minimum), (nd.hypot, np.hypot),
    (nd.broadcast_add, np.add), (nd.broadcast_mul, np.multiply)])
@pytest.mark.parametrize('sa,sb', SHAPES)
def test_binary_forward_broadcast(op, ref, sa, sb, rng):
    a = rng.uniform(0.5, 2, sa).astype(np.float32)
    b = rng.uniform(0.5, 2, sb).astype(np.float32)
    r = op(nd.array(a), nd.array(b))
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.asnumpy(), ref(a, b), rtol=1e-6)


@pytest.mark.parametrize('op', [
    lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / b,
    lambda a, b: a ** b, lambda a, b: a % b, nd.maximum, nd.minimum, nd.hypot])
@pytest.mark.parametrize('sa,sb', SHAPES)
def test_binary_gradients(op, sa, sb, rng):
    a = rng.uniform(0.5, 2, sa)
    b = rng.uniform(0.5, 2, sb) + 0.01  # avoid ties for max/min and mod jumps
    check_numeric_gradient(op, [a, b], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize('op,ref', [
    (lambda a: a + 2, lambda a: a + 2), (lambda a: 2 + a, lambda a: 2 + a),
    (lambda a: a - 2, lambda a: a - 2), (lambda a: 2 - a, lambda a: 2 - a),
    (lambda a: a * 3, lambda a: a * 3), (lambda a: 3 * a, lambda a: 3 * a),
    (lambda a: a / 4, lambda a: a / 4), (lambda a: 4 / a, lambda a: 4 / a),
    (lambda a: a ** 3, lambda a: a ** 3), (lambda a: 2 ** a, lambda a: 2 ** a),
    (lambda a: a % 0.7, lambda a: np.mod(a, 0.7)), (lambda a: 5 % a, lambda a: np.mod(5, a)),
    (lambda a: -a, lambda a: -a), (lambda a: nd.maximum(a, 1), lambda a: np.maximum(a, 1)),
    (lambda a: nd.minimum(1, a), lambda a: np.minimum(1, a))])
def test_scalar_forms(op, ref, rng):
    a = rng.uniform(0.5, 2, (3, 4))
    r = op(nd.array(a))
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.asnumpy(), ref(a.astype(np.float32)), rtol=1e-5)
    check_numeric_gradient(op, [a], rtol=1e-5, atol=1e-6)


def test_comparisons_return_input_dtype():
    a = nd.array([1, 2, 3])
    b = nd.array([1, 5, 3])
    assert (a == b).asnumpy().tolist() == [1, 0, 1]
    assert (a != b).asnumpy().tolist() == [0, 1, 0]
    assert (a > 2).asnumpy().tolist() == [0, 0, 1]
    assert (a >= 2).asnumpy().tolist() == [0, 1, 1]
    assert (a < b).asnumpy().tolist() == [0, 1, 0]
    assert (a <= 1).asnumpy().tolist() == [1, 0, 0]
    assert (2 < a).asnumpy().tolist() == [0, 0, 1]
    assert (a > 2).dtype == np.float32
    ai = nd.array([1, 2, 3], dtype='int32')
    assert (ai > 2).dtype == np.int32


def test_integer_semantics_match_mxnet():
    x = nd.array([1, 2, 3], dtype='int32')
    # recorded from MXNet 1.9.1: int / int truncates, scalars take the array dtype
    assert (x / 2).asnumpy().tolist() == [0, 1, 1] and (x / 2).dtype == np.int32
    assert (nd.array([-3], dtype='int32') / 2).asnumpy().tolist() == [-1]
    assert (x + 0.5).asnumpy().tolist() == [1, 2, 3] and (x + 0.5).dtype == np.int32
    assert (nd.array([-1.5]) % 2).asnumpy().tolist() == [0.5]


def test_mixed_dtypes_raise_like_mxnet():
    with pytest.raises(DistGluError, match='float32 and float64'):
        nd.array([1.]) + nd.array([1.], dtype='float64')


def test_float16_and_float64_keep_dtype():
    for dt in ('float16', 'float64'):
        a = nd.array([1, 2], dtype=dt)
        for r in (a + a, a * 2.5, 1 / a, a ** 2, nd.exp(a)):
            assert r.dtype == np.dtype(dt)


def test_mixed_context_error_names_both():
    """Host contexts mix (MXNet computes cpu(0) + cpu(1)); host and GPU do not. The GPU
    side is checked on the context test itself, which needs no device."""
    from distglu.ndarray.ops._core import _check_ctx

    class _On:
        def __init__(self, ctx):
            self._ctx = ctx
    np.testing.assert_array_equal((nd.ones(2, ctx=mx.cpu(0)) + nd.ones(2, ctx=mx.cpu(1)))
                                  .asnumpy(), [2., 2.])
    _check_ctx(_On(mx.cpu(0)), _On(mx.cpu_pinned(0)), 'add')
    with pytest.raises(DistGluError, match=r'add: .*cpu\(0\) and gpu\(1\)'):
        _check_ctx(_On(mx.cpu(0)), _On(mx.gpu(1)), 'add')


def test_numpy_operand_is_a_clear_error():
    with pytest.raises(DistGluError, match='nd.array'):
        nd.ones(2) + np.ones(2)


def test_inplace_operators():
    x = nd.array([1., 2.])
    x += 1
    x -= nd.array([1., 1.])
    x *= 3
    x /= 2
    assert x.asnumpy().tolist() == [1.5, 3]
    with pytest.raises(DistGluError, match='cannot be written'):
        y = nd.ones(2)
        y += nd.ones((3, 2))


def test_out_argument():
    a, b = nd.array([1., 2.]), nd.array([3., 4.])
    out = nd.zeros(2)
    r = nd.add(a, b, out=out)
    assert r is out and out.asnumpy().tolist() == [4, 6]


def test_gradient_through_broadcast_dtype_float32():
    a = nd.ones((3, 4))
    b = nd.ones((4,))
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = a * b + b
    y.backward()
    assert b.grad.dtype == np.float32 and b.grad.asnumpy().tolist() == [6, 6, 6, 6]
