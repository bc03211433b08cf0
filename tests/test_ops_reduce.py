"""Reductions: forward vs NumPy and MXNet 1.9 reference values, dtypes, gradients,
second-order gradients, the NumPy-signature ``_ndxp`` adapters, and errors."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.ndarray import _ndxp
from distglu.test_utils import check_numeric_gradient, numeric_grad

NP_REF = {'sum': np.sum, 'mean': np.mean, 'prod': np.prod, 'max': np.max, 'min': np.min,
          'nansum': np.nansum, 'nanprod': np.nanprod}
OPS = list(NP_REF)

# (axis, keepdims, exclude) combinations for a 3-D input
AXES = [(None, False, False), (None, True, False), ((), False, False), (1, False, False),
        (-1, False, False), ((0, 2), False, False), ((2, 0), True, False), ([1], False, False),
        (1, True, True), ((0, -1), False, True), ((0, 1, 2), False, True), ((), False, True),
        (np.int64(2), False, False)]


def _reduced(axis, ndim, exclude):
    if axis is None or (isinstance(axis, (tuple, list)) and len(axis) == 0):
        return tuple(range(ndim))
    ax = [int(a) % ndim for a in (axis if isinstance(axis, (tuple, list)) else [axis])]
    if exclude:
        return tuple(i for i in range(ndim) if i not in ax)
    return tuple(sorted(ax))


def _np_reduce(op, x, axis, keepdims, exclude):
    axes = _reduced(axis, x.ndim, exclude)
    r = np.asarray(NP_REF[op](x, axis=axes, keepdims=keepdims))
    return r.reshape(1) if r.shape == () else r


@pytest.mark.parametrize('op', OPS)
@pytest.mark.parametrize('axis,keepdims,exclude', AXES)
def test_forward_matches_numpy(op, axis, keepdims, exclude, rng):
    x = rng.uniform(0.5, 1.5, size=(2, 3, 4)).astype(np.float32)
    if op.startswith('nan'):
        x[0, 1, 2] = np.nan
        x[1, 0, 0] = np.nan
    y = getattr(nd, op)(nd.array(x), axis=axis, keepdims=keepdims, exclude=exclude)
    ref = _np_reduce(op, x, axis, keepdims, exclude)
    assert y.shape == ref.shape
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-6)


# shapes recorded with mxnet 1.9.1 for nd.sum(x, **kw), x of shape (2, 3, 4)
MX_SHAPES = [({}, (1,)), ({'axis': ()}, (1,)), ({'axis': 1}, (2, 4)), ({'axis': -1}, (2, 3)),
             ({'axis': (0, 2)}, (3,)), ({'axis': 1, 'keepdims': True}, (2, 1, 4)),
             ({'axis': 1, 'exclude': True}, (3,)), ({'axis': (), 'exclude': True}, (1,)),
             ({'exclude': True}, (1,)), ({'keepdims': True}, (1, 1, 1)),
             ({'axis': (), 'keepdims': True}, (1, 1, 1)),
             ({'axis': (0, 1, 2), 'exclude': True}, (2, 3, 4)),
             ({'axis': 1, 'exclude': True, 'keepdims': True}, (1, 3, 1)),
             ({'axis': -1, 'exclude': True}, (4,)), ({'axis': (2, 0)}, (3,))]


@pytest.mark.parametrize('kw,shape', MX_SHAPES)
def test_mxnet_reference_shapes(kw, shape):
    x = nd.array(np.arange(24).reshape(2, 3, 4) - 10)
    assert nd.sum(x, **kw).shape == shape
    assert nd.max(x, **kw).shape == shape


def test_mxnet_reference_values():
    x = nd.array(np.arange(24).reshape(2, 3, 4) - 10)
    np.testing.assert_allclose(nd.sum(x, axis=-1, exclude=True).asnumpy(), [0, 6, 12, 18])
    np.testing.assert_allclose(nd.sum_axis(x, axis=1).asnumpy()[0], [-18, -15, -12, -9])
    np.testing.assert_allclose(nd.max_axis(x, axis=1).asnumpy()[1], [10, 11, 12, 13])
    mn = nd.min_axis(x, axis=1, keepdims=True)
    assert mn.shape == (2, 1, 4)
    np.testing.assert_allclose(mn.asnumpy().ravel()[:6], [-10, -9, -8, -7, 2, 3])
    np.testing.assert_allclose(nd.mean(x, axis=(0, 1)).asnumpy(), [0, 1, 2, 3])
    v = nd.array([1, 2, 3])
    assert nd.sum(v, axis=0).shape == (1,)
    assert nd.sum(v, axis=0, keepdims=True).shape == (1,)


def test_ndarray_methods():
    x = nd.array(np.arange(24).reshape(2, 3, 4) - 10)
    assert x.sum(1).shape == (2, 4)
    assert x.max(axis=0, keepdims=True).shape == (1, 3, 4)
    np.testing.assert_allclose(x.norm().asnumpy(), [34.698704], rtol=1e-6)
    np.testing.assert_allclose(x.argmax(1).asnumpy(), np.full((2, 4), 2.0))
    np.testing.assert_allclose(x.mean().asnumpy(), [1.5])
    np.testing.assert_allclose(x.prod(axis=2).asnumpy()[0], [5040, 360, 0])
    assert x.nansum().shape == (1,) and x.min().asscalar() == -10


@pytest.mark.parametrize('dtype', ['float16', 'float64'])
@pytest.mark.parametrize('op', OPS)
def test_float_dtypes_kept(op, dtype, rng):
    x = rng.uniform(0.5, 1.5, size=(3, 4)).astype(dtype)
    y = getattr(nd, op)(nd.array(x, dtype=dtype), axis=1)
    assert y.dtype == np.dtype(dtype).type
    tol = 2e-2 if dtype == 'float16' else 1e-12
    np.testing.assert_allclose(y.asnumpy().astype(np.float64),
                               NP_REF[op](x.astype(np.float64), axis=1), rtol=tol)


def test_integer_reductions_keep_dtype():
    # mxnet 1.9.1: every reduction of an int32 array is int32; an integer mean truncates
    xi = nd.array([[1, 2], [3, 4]], dtype='int32')
    for op, val in (('sum', 10), ('mean', 2), ('prod', 24), ('max', 4), ('min', 1),
                    ('nansum', 10), ('nanprod', 24), ('argmax', 3), ('argmin', 0)):
        r = getattr(nd, op)(xi)
        assert r.dtype == np.int32, op
        assert r.shape == (1,) and r.asscalar() == val, op
    neg = nd.array([[-1, -2], [-3, -4]], dtype='int32')
    np.testing.assert_array_equal(nd.mean(neg, axis=1).asnumpy(), [-1, -3])
    big = nd.array([200, 100], dtype='uint8')
    assert nd.sum(big).dtype == np.uint8
    assert nd.sum(nd.array([2 ** 20, 2 ** 20], dtype='int32')).asscalar() == 2 ** 21


# ------------------------------------------------------------------ gradients

GRAD_AXES = [(None, False, False), (1, False, False), ((0, 2), True, False), (-1, False, True),
             ((), False, True)]


@pytest.mark.parametrize('op', ['sum', 'mean', 'prod', 'max', 'min', 'nansum', 'nanprod'])
@pytest.mark.parametrize('axis,keepdims,exclude', GRAD_AXES)
def test_gradients_numeric(op, axis, keepdims, exclude, rng):
    # distinct values (no ties for max/min), away from zero (prod)
    x = rng.permutation(24).reshape(2, 3, 4) * 0.05 + 0.5
    f = getattr(nd, op)
    og = rng.uniform(-1, 1, size=_np_reduce(op, x, axis, keepdims, exclude).shape)
    check_numeric_gradient(lambda a: f(a, axis=axis, keepdims=keepdims, exclude=exclude), [x],
                           out_grad=og, rtol=1e-5, atol=1e-7)


def test_max_min_gradient_goes_to_every_tie():
    # reference: mxnet 1.9.1 (every tied extremum gets the full gradient)
    cases = [('max', {}, [[0, 1, 1], [0, 0, 0]]), ('max', {'axis': 1}, [[0, 1, 1], [1, 1, 0]]),
             ('max', {'axis': 0}, [[0, 1, 1], [1, 0, 0]]), ('min', {}, [[0, 0, 0], [0, 0, 1]]),
             ('min', {'axis': 1}, [[1, 0, 0], [0, 0, 1]]),
             ('min', {'axis': 0}, [[1, 0, 0], [0, 1, 1]])]
    for op, kw, ref in cases:
        x = nd.array([[1, 3, 3], [2, 2, 0]])
        x.attach_grad()
        with autograd.record():
            y = getattr(nd, op)(x, **kw)
        y.backward()
        np.testing.assert_array_equal(x.grad.asnumpy(), ref, err_msg='%s %s' % (op, kw))
        assert x.grad.dtype == np.float32


def test_prod_gradient_exact_with_zeros():
    # MXNet 1.9.1 returns NaN where x == 0 (it computes out / x); distglu is exact
    x = nd.array([[1, 0, 3], [2, 0, 0], [2, 3, 4]])
    x.attach_grad()
    with autograd.record():
        y = nd.prod(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [0, 0, 24])
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 3, 0], [0, 0, 0], [12, 8, 6]])


def test_nan_reductions_gradient():
    x = nd.array([[1, np.nan, 3], [2, 0, np.nan]])
    x.attach_grad()
    with autograd.record():
        y = nd.nansum(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [4, 2])
    np.testing.assert_array_equal(x.grad.asnumpy(), [[1, 0, 1], [1, 1, 0]])  # as mxnet
    with autograd.record():
        y = nd.nanprod(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(y.asnumpy(), [3, 0])
    # mxnet: [[3, 0, 1], [0, nan, 0]]; the derivative at the zero is 2 (exact)
    np.testing.assert_array_equal(x.grad.asnumpy(), [[3, 0, 1], [0, 2, 0]])


@pytest.mark.parametrize('dtype', ['float16', 'float64'])
def test_gradient_dtype(dtype):
    x = nd.array([[1, 2], [3, 4]], dtype=dtype)
    x.attach_grad()
    with autograd.record():
        y = nd.sum(nd.mean(x, axis=1) * nd.max(x, axis=0))
    y.backward()
    assert x.grad.dtype == np.dtype(dtype).type
    # y = m0*M0 + m1*M1 with m_i = (x_i0 + x_i1)/2 (row means), M_j = x_1j (column maxima)
    np.testing.assert_allclose(x.grad.asnumpy(), [[1.5, 1.5], [2.0 + 1.5, 2.0 + 3.5]])


# ------------------------------------------------------------------ norm

@pytest.mark.parametrize('ord_', [1, 2])
@pytest.mark.parametrize('axis,keepdims', [(None, False), (None, True), (1, False),
                                           (-1, True), ((0, 2), False), ((0, 1, 2), False),
                                           ((), False)])
def test_norm_forward_and_gradient(ord_, axis, keepdims, rng):
    x = rng.uniform(-2, 2, size=(2, 3, 4))
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    axes = _reduced(axis, 3, False)
    ref = np.sum(np.abs(x), axis=axes, keepdims=keepdims) if ord_ == 1 \
        else np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))
    ref = np.asarray(ref).reshape(1) if np.ndim(ref) == 0 else ref
    y = nd.norm(nd.array(x), ord=ord_, axis=axis, keepdims=keepdims)
    assert y.dtype == np.float32 and y.shape == ref.shape
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5)
    check_numeric_gradient(lambda a: nd.norm(a, ord=ord_, axis=axis, keepdims=keepdims), [x],
                           out_grad=rng.uniform(-1, 1, size=ref.shape))


def test_norm_reference_values_and_options():
    x = nd.array(np.arange(24).reshape(2, 3, 4) - 10)
    np.testing.assert_allclose(nd.norm(x).asnumpy(), [34.698704], rtol=1e-6)
    assert nd.norm(x, keepdims=True).shape == (1, 1, 1)
    np.testing.assert_allclose(nd.norm(x, ord=1).asnumpy(), [146.0])
    np.testing.assert_allclose(nd.norm(x, ord=1, axis=-1).asnumpy().ravel(),
                               [34, 18, 4, 14, 30, 46])
    np.testing.assert_allclose(nd.norm(x, axis=(0, 2)).asnumpy(),
                               [18.654758, 17.776388, 23.2379], rtol=1e-6)
    y = nd.norm(nd.array([3, 4], dtype='float16'), out_dtype='float32')
    assert y.dtype == np.float32 and y.asscalar() == 5.0
    h = nd.norm(nd.array([[3, 4], [6, 8]], dtype='float16'), axis=1)
    assert h.dtype == np.float16
    np.testing.assert_allclose(h.asnumpy(), [5, 10])
    # integer input: computed in floating point, truncated to the dtype (mxnet 1.9 gives 4)
    n = nd.norm(nd.array([[1, 2], [3, 4]], dtype='int32'))
    assert n.dtype == np.int32 and n.asscalar() == 5


def test_norm_gradient_at_zero_and_out_dtype():
    x = nd.array([[0, 0, 0], [1, -2, 0]])
    x.attach_grad()
    with autograd.record():
        y = nd.norm(x, axis=1)
    y.backward()
    # mxnet 1.9.1 gives NaN for the all-zero row; distglu gives 0
    np.testing.assert_allclose(x.grad.asnumpy(), [[0, 0, 0], [1 / 5 ** .5, -2 / 5 ** .5, 0]],
                               rtol=1e-6)
    with autograd.record():
        y = nd.norm(x, ord=1, axis=1)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 0, 0], [1, -1, 0]])
    xh = nd.array([3, 4], dtype='float16')
    xh.attach_grad()
    with autograd.record():
        y = nd.norm(xh, out_dtype='float64')
    y.backward()
    assert y.dtype == np.float64 and xh.grad.dtype == np.float16
    np.testing.assert_allclose(xh.grad.asnumpy(), [0.6, 0.8], rtol=1e-3)


# ------------------------------------------------------------------ argmax / argmin

def test_argmax_argmin():
    x = nd.array(np.arange(24).reshape(2, 3, 4) - 10)
    for kw, shape, val in (({}, (1,), 23), ({'keepdims': True}, (1, 1, 1), 23),
                           ({'axis': 1}, (2, 4), 2), ({'axis': -1, 'keepdims': True},
                                                      (2, 3, 1), 3)):
        r = nd.argmax(x, **kw)
        assert r.shape == shape and r.dtype == np.float32
        assert np.all(r.asnumpy() == val)
    assert nd.argmin(x).asscalar() == 0
    np.testing.assert_array_equal(nd.argmax_channel(x).asnumpy(), np.full((2, 4), 2.0))
    np.testing.assert_array_equal(nd.argmax_channel(nd.array([[0, 1, 2], [3, 5, 4]])).asnumpy(),
                                  [2, 1])
    # ties and NaN: the first occurrence (mxnet 1.9.1)
    np.testing.assert_array_equal(nd.argmax(nd.array([[1, 5, 5], [2, 2, 1]]), axis=1).asnumpy(),
                                  [1, 0])
    np.testing.assert_array_equal(nd.argmin(nd.array([[1, 5, 1], [2, 2, 1]]), axis=1).asnumpy(),
                                  [0, 2])
    assert nd.argmax(nd.array([[1, np.nan, 5]]), axis=1).asscalar() == 1
    assert nd.argmax(nd.array([1, 5, 2])).shape == (1,)
    h = nd.argmax(nd.array([[1, 2], [4, 3]], dtype='float16'), axis=1)
    assert h.dtype == np.float16
    np.testing.assert_array_equal(h.asnumpy(), [1, 0])


def test_argmax_has_zero_gradient():
    x = nd.array([[1, 2, 3], [4, 5, 6]])
    x.attach_grad()
    with autograd.record():
        y = nd.argmax(x, axis=1) * nd.sum(x, axis=1)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.full((2, 3), 2.0))  # as mxnet


# ------------------------------------------------------------------ second order

def _second_order(build, z_np, x, rtol=1e-6, atol=1e-8):
    """x.grad after z = build(x) (which calls autograd.grad(create_graph=True)).backward()
    matches central differences of z_np."""
    xa = nd.array(x, dtype='float64')
    xa.attach_grad()
    with autograd.record():
        z = build(xa)
    z.backward()
    num = numeric_grad(lambda v: np.asarray(z_np(v)), [x], eps=1e-5)[0]
    np.testing.assert_allclose(xa.grad.asnumpy(), num, rtol=rtol, atol=atol)


def _g(y, x):
    return autograd.grad(y, [x], create_graph=True)[0]


def test_second_order_sum_mean(rng):
    x = rng.uniform(0.5, 1.5, size=(2, 3))
    _second_order(lambda a: nd.sum(_g(nd.sum(a * a * a, axis=1), a) ** 2),
                  lambda v: np.sum((3 * v * v) ** 2), x)
    _second_order(lambda a: nd.sum(_g(nd.mean(a * a * a, axis=0, keepdims=True), a) * a),
                  lambda v: np.sum(3 * v * v / 2 * v), x)
    _second_order(lambda a: nd.sum(_g(nd.sum(a * a), a) * a, axis=(), exclude=True),
                  lambda v: np.sum(2 * v * v), x)


def test_second_order_prod_max_norm(rng):
    x = rng.uniform(0.5, 1.5, size=(2, 3))
    _second_order(lambda a: nd.sum(_g(nd.prod(a, axis=1), a)),
                  lambda v: np.sum(np.prod(v, axis=1, keepdims=True) / v), x)
    _second_order(lambda a: nd.sum(_g(nd.max(a * a, axis=1), a) ** 2),
                  lambda v: np.sum((2 * v * (v == v.max(axis=1, keepdims=True))) ** 2), x)
    c = rng.uniform(-1, 1, size=(2, 3))
    _second_order(lambda a: nd.sum(_g(nd.norm(a, axis=1), a) * nd.array(c, dtype='float64')),
                  lambda v: np.sum(v / np.linalg.norm(v, axis=1, keepdims=True) * c), x)
    _second_order(lambda a: nd.sum(_g(nd.nansum(a * a), a) ** 2), lambda v: np.sum(4 * v * v), x)


def test_create_graph_gradients_with_zeros_and_nans():
    # the differentiable (create_graph) backward paths give the same exact first-order values
    for op, data, ref in (
            ('prod', [[1, 0, 3], [2, 0, 0], [2, 3, 4]], [[0, 3, 0], [0, 0, 0], [12, 8, 6]]),
            ('nanprod', [[1, np.nan, 3], [2, 0, np.nan]], [[3, 0, 1], [0, 2, 0]])):
        x = nd.array(data, dtype='float64')
        x.attach_grad()
        with autograd.record():
            g = _g(getattr(nd, op)(x, axis=1), x)
        assert g._node is not None
        np.testing.assert_array_equal(g.asnumpy(), ref, err_msg=op)


@pytest.mark.skipif(not hasattr(nd, 'reshape'), reason="needs nd.reshape (shape family)")
def test_second_order_through_broadcast_sum_to(rng):
    # the backward of a broadcasting multiply reduces with xp.sum(..., keepdims=True)
    x = rng.uniform(0.5, 1.5, size=(2, 3))
    b = nd.array(rng.uniform(size=(1, 3)), dtype='float64')
    b.attach_grad()
    _second_order(lambda a: nd.sum(_g(nd.sum(a * b), b) ** 2),
                  lambda v: np.sum(v.sum(axis=0) ** 2), x)


# ------------------------------------------------------------------ _ndxp adapters

def test_ndxp_adapters_numpy_semantics(rng):
    x = rng.uniform(0.5, 1.5, size=(2, 3, 4))
    a = nd.array(x, dtype='float64')
    assert _ndxp.sum(a).shape == ()                      # NumPy: 0-d
    np.testing.assert_allclose(_ndxp.sum(a).asnumpy(), x.sum())
    assert _ndxp.sum(a, axis=()).shape == (2, 3, 4)      # NumPy: axis=() reduces nothing
    assert _ndxp.sum(a, axis=(0, 2), keepdims=True).shape == (1, 3, 1)
    np.testing.assert_allclose(_ndxp.mean(a, 1).asnumpy(), x.mean(1))
    np.testing.assert_allclose(_ndxp.max(a, axis=-1).asnumpy(), x.max(-1))
    np.testing.assert_allclose(_ndxp.amin(a, axis=0, keepdims=True).asnumpy(),
                               x.min(0, keepdims=True))
    np.testing.assert_allclose(_ndxp.prod(a, axis=2).asnumpy(), x.prod(2))
    assert _ndxp.sum(a, dtype='float32').dtype == np.float32
    # differentiable
    a.attach_grad()
    with autograd.record():
        y = _ndxp.sum(_ndxp.max(a, axis=2, keepdims=True) * 2.0)
    y.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), 2.0 * (x == x.max(2, keepdims=True)))


# ------------------------------------------------------------------ errors

def test_errors():
    x = nd.array(np.arange(24).reshape(2, 3, 4))
    with pytest.raises(DistGluError, match=r'axis 3 is out of range.*\(2, 3, 4\)'):
        nd.sum(x, axis=3)
    with pytest.raises(DistGluError, match='axis -4 is out of range'):
        nd.mean(x, axis=-4)
    with pytest.raises(DistGluError, match='duplicate'):
        nd.sum(x, axis=(1, 1))
    with pytest.raises(DistGluError, match='duplicate'):
        nd.max(x, axis=(-1, 2))
    with pytest.raises(DistGluError, match='axis must be an int'):
        nd.sum(x, axis=1.5)
    with pytest.raises(DistGluError, match='expected an NDArray'):
        nd.sum(np.ones(3))
    with pytest.raises(DistGluError, match='ord=1 and ord=2.*ord=3'):
        nd.norm(x, ord=3)
    with pytest.raises(DistGluError, match='axis must be an int or None'):
        nd.argmax(x, axis=(1,))
    with pytest.raises(DistGluError, match='axis 3 is out of range'):
        nd.argmax(x, axis=3)
    with pytest.raises(DistGluError, match='axis 1 is out of range'):
        nd.argmax_channel(nd.array([1, 5, 2]))
    with pytest.raises(DistGluError, match='empty'):
        nd.max(nd.zeros((0, 3)), axis=0)
    with pytest.raises(DistGluError, match=r'shape \(2, 4\), got \(3,\)'):
        nd.sum(x, axis=1, out=nd.zeros((3,)))


def test_out_argument():
    x = nd.array(np.arange(6).reshape(2, 3))
    o = nd.zeros((2,))
    r = nd.sum(x, axis=1, out=o)
    assert r is o
    np.testing.assert_array_equal(o.asnumpy(), [3, 12])
    o2 = nd.zeros((1,))
    nd.norm(x, ord=1, out=o2)
    assert o2.asscalar() == 15
    nd.argmax(x, axis=0, out=nd.zeros((3,)))


def test_cpu_contexts_are_kept():
    x = nd.array(np.arange(6).reshape(2, 3), ctx=mx.cpu(1))
    assert nd.sum(x).context == mx.cpu(1)
    assert nd.argmax(x, axis=1).context == mx.cpu(1)
    assert nd.norm(x, axis=0).context == mx.cpu(1)
