"""cumsum, shuffle, moments, gamma, gammaln: values vs NumPy / the math module / MXNet 1.9.1,
dtypes, gradients (numeric float64 checks, second order) and error messages."""
import math

import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient


@pytest.fixture
def rng():
    return np.random.RandomState(4321)


def _second_order(f, x0, rng, eps=1e-5, rtol=1e-6, atol=1e-7):
    """d/dx <w, grad_x <h, f(x)>> by create_graph vs central differences of the
    (plain-backward) first gradient."""
    ys = f(nd.array(x0, dtype='float64'))
    ys = ys if isinstance(ys, list) else [ys]
    heads = [rng.randn(*y.shape) for y in ys]
    w = rng.randn(*x0.shape)

    def first(v):
        x = nd.array(v, dtype='float64')
        x.attach_grad()
        with autograd.record():
            out = f(x)
            out = out if isinstance(out, list) else [out]
            s = sum(nd.sum(o * nd.array(h, dtype='float64')) for o, h in zip(out, heads))
        s.backward()
        return x.grad.asnumpy()

    x = nd.array(x0, dtype='float64')
    x.attach_grad()
    with autograd.record():
        out = f(x)
        out = out if isinstance(out, list) else [out]
        s = sum(nd.sum(o * nd.array(h, dtype='float64')) for o, h in zip(out, heads))
        g = autograd.grad(s, [x], create_graph=True)[0]
        z = nd.sum(g * nd.array(w, dtype='float64'))
    z.backward()
    num = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        num[i] = ((first(xp) - first(xm)) * w).sum() / (2 * eps)
    np.testing.assert_allclose(x.grad.asnumpy(), num, rtol=rtol, atol=atol)


# ------------------------------------------------------------------ cumsum

def test_cumsum_values_and_dtypes():
    a = nd.array([[1, 2, 3], [4, 5, 6]])
    r = nd.cumsum(a)
    assert r.shape == (6,) and r.dtype == np.float32
    np.testing.assert_array_equal(r.asnumpy(), [1, 3, 6, 10, 15, 21])
    np.testing.assert_array_equal(nd.cumsum(a, axis=0).asnumpy(), [[1, 2, 3], [5, 7, 9]])
    np.testing.assert_array_equal(nd.cumsum(a, axis=1).asnumpy(), [[1, 3, 6], [4, 9, 15]])
    np.testing.assert_array_equal(nd.cumsum(a, axis=-1).asnumpy(), [[1, 3, 6], [4, 9, 15]])
    # MXNet 1.9.1 keeps the input dtype (no promotion of small integers)
    for dt in ('int32', 'int8', 'int64', 'float16', 'uint8', 'float64'):
        assert nd.cumsum(a.astype(dt)).dtype == np.dtype(dt)
    assert nd.cumsum(a, dtype='float64').dtype == np.float64
    assert nd.cumsum(a, dtype='int32').dtype == np.int32
    assert nd.cumsum(nd.array([5.])).shape == (1,)
    o = nd.zeros((2, 3))
    assert nd.cumsum(a, axis=0, out=o) is o
    np.testing.assert_array_equal(o.asnumpy(), [[1, 2, 3], [5, 7, 9]])


def test_cumsum_grads(rng):
    x = rng.randn(3, 4)
    check_numeric_gradient(lambda v: nd.cumsum(v, axis=1), [x])
    check_numeric_gradient(lambda v: nd.cumsum(v, axis=-2), [x])
    check_numeric_gradient(lambda v: nd.cumsum(v), [x])
    # MXNet 1.9.1: gradient of sum(cumsum(x)) is the reverse count
    v = nd.array(np.ones((3, 3)))
    v.attach_grad()
    with autograd.record():
        y = nd.cumsum(v)
    y.backward()
    np.testing.assert_array_equal(v.grad.asnumpy(), [[9, 8, 7], [6, 5, 4], [3, 2, 1]])
    assert v.grad.dtype == np.float32
    _second_order(lambda v: nd.cumsum(v * v, axis=0), rng.randn(2, 3), rng)


def test_cumsum_errors():
    with pytest.raises(DistGluError, match='axis 2 is out of range'):
        nd.cumsum(nd.ones((2, 3)), axis=2)
    with pytest.raises(DistGluError, match='expected an NDArray'):
        nd.cumsum([1, 2, 3])


# ------------------------------------------------------------------ moments

def test_moments_values():
    x = nd.array([[1, 2, 3], [4, 5, 6]])
    m, v = nd.moments(x, axes=[0])
    np.testing.assert_allclose(m.asnumpy(), [2.5, 3.5, 4.5])
    np.testing.assert_allclose(v.asnumpy(), [2.25, 2.25, 2.25])
    m, v = nd.moments(x, axes=1)
    np.testing.assert_allclose(v.asnumpy(), [2 / 3, 2 / 3], rtol=1e-6)
    m, v = nd.moments(x, axes=(0, 1))
    assert m.shape == v.shape == (1,) and m.dtype == v.dtype == np.float32
    np.testing.assert_allclose([m.asscalar(), v.asscalar()], [3.5, 2.9166667], rtol=1e-6)
    m, v = nd.moments(x, axes=(1,), keepdims=True)
    assert m.shape == v.shape == (2, 1)
    np.testing.assert_allclose(m.asnumpy(), [[2.], [5.]])
    assert nd.moments(x, axes=(0, 1), keepdims=True)[0].shape == (1, 1)
    np.testing.assert_allclose(nd.moments(x, axes=(-1,))[0].asnumpy(), [2., 5.])
    # integer input: MXNet 1.9.1 returns truncated integers in the input dtype
    m, v = nd.moments(x.astype('int32'), axes=(0,))
    assert m.dtype == v.dtype == np.int32
    np.testing.assert_array_equal(m.asnumpy(), [2, 3, 4])
    np.testing.assert_array_equal(v.asnumpy(), [2, 2, 2])
    assert nd.moments(x.astype('float16'), axes=(0,))[1].dtype == np.float16


def test_moments_grads(rng):
    x = rng.randn(2, 3, 4)
    check_numeric_gradient(lambda v: nd.moments(v, axes=(0, 2))[0], [x])
    check_numeric_gradient(lambda v: nd.moments(v, axes=(1,))[1], [x])
    check_numeric_gradient(lambda v: nd.moments(v, axes=(1, 2), keepdims=True)[1], [x])
    check_numeric_gradient(lambda v: nd.moments(v, axes=(0, 1, 2))[1], [x])
    _second_order(lambda v: nd.moments(v, axes=(0,)), rng.randn(3, 2), rng)


def test_moments_errors():
    x = nd.ones((2, 3))
    for axes in (None, ()):
        with pytest.raises(DistGluError, match='pass all axes'):
            nd.moments(x, axes=axes)
    with pytest.raises(DistGluError, match='axis 2 is out of range'):
        nd.moments(x, axes=(2,))
    with pytest.raises(DistGluError, match='given twice'):
        nd.moments(x, axes=(1, -1))


# ------------------------------------------------------------------ gamma, gammaln

X_MX = [-2.5, -2., -1., -0.5, 0., 0.5, 1., 2., 3.5, 10., 30., 40., 171., 200.]
# mxnet 1.9.1, float32
GAMMA_MX = [-0.9453086256980896, np.nan, np.nan, -3.544908046722412, np.inf, 1.772453784942627,
            1.0, 1.0, 3.3233513832092285, 362880.03125, 8.84176247485629e+30, np.inf, np.inf,
            np.inf]
GAMMALN_MX = [-0.056243713945150375, np.inf, np.inf, 1.2655121088027954, np.inf,
              0.5723649263381958, 0.0, 0.0, 1.200973629951477, 12.801827430725098,
              71.25704193115234, 106.63175964355469, 706.5730590820312, 857.9337158203125]
DGAMMALN_MX = [1.1031568050384521, np.inf, np.inf, 0.03648991510272026, np.inf,
               -1.9635107517242432, -0.5772156715393066, 0.42278432846069336,
               1.1031568050384521, 2.2517528533935547, 3.3844382762908936, 3.6763274669647217,
               5.138736724853516, 5.295815467834473]
DGAMMA_MX = [-1.0428236722946167, np.nan, np.nan, -0.1293533891439438, np.inf,
             -3.480232000350952, -0.5772156715393066, 0.42278432846069336, 3.666177749633789,
             817116.125, 2.99243981596742e+31, np.inf, np.inf, np.inf]


def test_gamma_gammaln_recorded():
    x = nd.array(X_MX)
    g, lg = nd.gamma(x), nd.gammaln(x)
    assert g.dtype == lg.dtype == np.float32
    np.testing.assert_allclose(g.asnumpy(), GAMMA_MX, rtol=1e-6)
    np.testing.assert_allclose(lg.asnumpy(), GAMMALN_MX, rtol=1e-6)
    assert lg.asnumpy()[6] == 0 and lg.asnumpy()[7] == 0
    for fn, ref in ((nd.gamma, DGAMMA_MX), (nd.gammaln, DGAMMALN_MX)):
        x.attach_grad()
        with autograd.record():
            y = fn(x)
        y.backward()
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.asnumpy(), ref, rtol=1e-5)


def test_gamma_gammaln_vs_math():
    xs = np.concatenate([np.linspace(-9.7, -0.05, 37), np.linspace(0.01, 3, 41),
                         [1e-6, 4.5, 7.25, 12.0, 33.3, 99.9, 170.5]])
    xs = xs[np.abs(xs - np.round(xs)) > 1e-3]   # away from the poles
    g = nd.gamma(nd.array(xs, dtype='float64')).asnumpy()
    lg = nd.gammaln(nd.array(xs, dtype='float64')).asnumpy()
    np.testing.assert_allclose(g, [math.gamma(v) for v in xs], rtol=1e-12)
    np.testing.assert_allclose(lg, [math.lgamma(v) for v in xs], rtol=1e-12, atol=1e-13)
    # float32: to float32 precision (of the float32-rounded inputs)
    x32 = xs.astype(np.float32)
    np.testing.assert_allclose(nd.gammaln(nd.array(x32)).asnumpy(),
                               np.array([math.lgamma(v) for v in x32], dtype=np.float32),
                               rtol=2e-6, atol=1e-6)
    np.testing.assert_allclose(nd.gamma(nd.array(x32)).asnumpy(),
                               [math.gamma(v) if v < 35 else np.inf for v in x32], rtol=2e-6)


def test_gamma_integer_and_half_dtypes():
    x = nd.array([1, 2, 3, 5, 7], dtype='int32')
    r = nd.gamma(x)
    assert r.dtype == np.int32
    np.testing.assert_array_equal(r.asnumpy(), [1, 1, 2, 24, 720])    # mxnet 1.9.1
    np.testing.assert_array_equal(nd.gammaln(x).asnumpy(), [0, 0, 0, 3, 6])  # truncated
    np.testing.assert_array_equal(nd.gamma(nd.array([1., 2., 5., 11.], dtype='float64'))
                                  .asnumpy(), [1., 1., 24., 3628800.])
    h = nd.gammaln(nd.array([1, 2, 3], dtype='float16'))
    assert h.dtype == np.float16
    np.testing.assert_allclose(h.asnumpy(), [0, 0, 0.6934], rtol=1e-3)


def test_gamma_gammaln_grads(rng):
    x = np.concatenate([rng.uniform(0.2, 4, 6), rng.uniform(-2.9, -2.1, 2)])
    check_numeric_gradient(nd.gamma, [x], rtol=1e-6, atol=1e-8)
    check_numeric_gradient(nd.gammaln, [x], rtol=1e-6, atol=1e-8)
    _second_order(nd.gammaln, np.array([0.3, 1.7, 6.2, -1.4]), rng, rtol=1e-5)
    _second_order(nd.gamma, np.array([0.7, 2.3, -0.6]), rng, rtol=1e-5)
    # the second derivative is trigamma; differentiating it again is refused clearly
    v = nd.array([1.5], dtype='float64')
    v.attach_grad()
    with autograd.record():
        g1 = autograd.grad(nd.gammaln(v), [v], create_graph=True)[0]
    g2 = autograd.grad(g1, [v], retain_graph=True)[0]
    np.testing.assert_allclose(g2.asnumpy(), [0.9348022005446793])   # trigamma(1.5)
    with pytest.raises(DistGluError, match='no third-order'):
        with autograd.record():
            autograd.grad(g1, [v], create_graph=True)


# ------------------------------------------------------------------ shuffle

def test_shuffle():
    assert nd.shuffle is nd.random.shuffle
    x = nd.arange(20).reshape((10, 2))
    mx.random.seed(5)
    y = nd.shuffle(x)
    v = y.asnumpy()
    assert y.shape == (10, 2) and y.dtype == np.float32
    assert sorted(v[:, 0].tolist()) == list(range(0, 20, 2))
    np.testing.assert_array_equal(v[:, 1], v[:, 0] + 1)          # rows stay intact
    assert not np.array_equal(v, x.asnumpy())
    mx.random.seed(5)
    np.testing.assert_array_equal(nd.shuffle(x).asnumpy(), v)     # seeded, reproducible
    np.testing.assert_array_equal(x.asnumpy()[:, 0], np.arange(0, 20, 2))   # input untouched
    assert nd.shuffle(nd.arange(5, dtype='int32')).dtype == np.int32
    o = nd.zeros((10, 2))
    assert nd.shuffle(x, out=o) is o and sorted(o.asnumpy()[:, 0]) == list(range(0, 20, 2))


def test_shuffle_not_differentiable():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    with autograd.record():
        y = nd.shuffle(x)
    with pytest.raises(DistGluError, match='not in a computational graph'):
        y.backward()
    with pytest.raises(DistGluError, match='expected an NDArray'):
        nd.shuffle(np.arange(3))
