"""Unary math and activations: forward vs NumPy, gradients, dtypes."""
import math

import numpy as np
import pytest

from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _erf(x):
    return np.vectorize(math.erf)(x)


# (op, numpy reference, input range)
UNARY = [
    (nd.exp, np.exp, (-2, 2)), (nd.expm1, np.expm1, (-2, 2)), (nd.log, np.log, (0.2, 3)),
    (nd.log1p, np.log1p, (0.1, 3)), (nd.log2, np.log2, (0.2, 3)), (nd.log10, np.log10, (0.2, 3)),
    (nd.sqrt, np.sqrt, (0.2, 3)), (nd.rsqrt, lambda x: 1 / np.sqrt(x), (0.2, 3)),
    (nd.cbrt, np.cbrt, (0.2, 3)), (nd.rcbrt, lambda x: 1 / np.cbrt(x), (0.2, 3)),
    (nd.square, np.square, (-2, 2)),
    (nd.reciprocal, lambda x: 1 / x, (0.5, 3)), (nd.abs, np.abs, (-2, 2)),
    (nd.sin, np.sin, (-3, 3)), (nd.cos, np.cos, (-3, 3)), (nd.tan, np.tan, (-1, 1)),
    (nd.arcsin, np.arcsin, (-0.9, 0.9)), (nd.arccos, np.arccos, (-0.9, 0.9)),
    (nd.arctan, np.arctan, (-3, 3)), (nd.sinh, np.sinh, (-2, 2)), (nd.cosh, np.cosh, (-2, 2)),
    (nd.tanh, np.tanh, (-3, 3)), (nd.arcsinh, np.arcsinh, (-3, 3)),
    (nd.arccosh, np.arccosh, (1.2, 3)), (nd.arctanh, np.arctanh, (-0.9, 0.9)),
    (nd.sigmoid, _sig, (-5, 5)), (nd.relu, lambda x: np.maximum(x, 0), (-2, 2)),
    (nd.softsign, lambda x: x / (1 + np.abs(x)), (-3, 3)),
    (nd.degrees, np.degrees, (-3, 3)), (nd.radians, np.radians, (-3, 3)),
    (nd.erf, _erf, (-3, 3)),
    (lambda x: nd.Activation(x, act_type='softrelu'), lambda x: np.log1p(np.exp(x)), (-5, 5)),
    (lambda x: nd.Activation(x, act_type='tanh'), np.tanh, (-2, 2)),
    (lambda x: nd.LeakyReLU(x, slope=0.1), lambda x: np.where(x > 0, x, 0.1 * x), (-2, 2)),
    (lambda x: nd.LeakyReLU(x, act_type='elu', slope=0.5),
     lambda x: np.where(x > 0, x, 0.5 * np.expm1(x)), (-2, 2)),
    (lambda x: nd.LeakyReLU(x, act_type='selu'),
     lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
     (-2, 2)),
    (lambda x: nd.LeakyReLU(x, act_type='gelu'), lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
     (-3, 3)),
    (lambda x: nd.clip(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7), (-2, 2)),
    (lambda x: nd.hard_sigmoid(x), lambda x: np.clip(0.2 * x + 0.5, 0, 1), (-4, 4)),
]


@pytest.mark.parametrize('op,ref,rng_', UNARY)
def test_unary_forward_and_gradient(op, ref, rng_, rng):
    x = rng.uniform(*rng_, size=(3, 4))
    # keep away from kinks for the numeric check
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    x = np.where(np.abs(np.abs(x) - 0.5) < 0.02, 0.3, x)
    x = np.where(np.abs(x - 0.7) < 0.02, 0.3, x)
    y = op(nd.array(x))
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref(x.astype(np.float32)), rtol=2e-5, atol=2e-6)
    check_numeric_gradient(op, [x], rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('op,ref', [
    (nd.sign, np.sign), (nd.floor, np.floor), (nd.ceil, np.ceil), (nd.rint, np.rint),
    (nd.trunc, np.trunc), (nd.fix, np.trunc)])
def test_piecewise_constant(op, ref):
    v = np.array([-2.5, -1.5, -0.4, 0.4, 1.5, 2.5, 3.7])
    np.testing.assert_array_equal(op(nd.array(v)).asnumpy(), ref(v.astype(np.float32)))
    x = nd.array(v)
    x.attach_grad()
    with autograd.record():
        y = op(x)
    y.backward()
    assert x.grad.asnumpy().tolist() == [0] * 7


def test_round_is_half_away_from_zero():
    # MXNet: round(-2.5) = -3, round(2.5) = 3; rint rounds half to even
    v = nd.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5])
    assert nd.round(v).asnumpy().tolist() == [-3, -2, -1, 1, 2, 3]
    assert nd.rint(v).asnumpy().tolist() == [-2, -2, -0, 0, 2, 2]


def test_sigmoid_extremes_are_finite():
    y = nd.sigmoid(nd.array([-1000., 0., 1000.])).asnumpy()
    assert y.tolist() == [0.0, 0.5, 1.0]


def test_prelu_gradient_for_gamma(rng):
    x = rng.uniform(-2, 2, (2, 3, 4))
    x = np.where(np.abs(x) < 0.05, 0.3, x)
    gamma = rng.uniform(0.1, 0.5, (3,))
    check_numeric_gradient(lambda a, g: nd.LeakyReLU(a, g, act_type='prelu'), [x, gamma],
                           rtol=1e-5, atol=1e-7)


def test_rrelu_modes():
    x = nd.array([-1.] * 1000)
    with autograd.predict_mode():
        y = nd.LeakyReLU(x, act_type='rrelu', lower_bound=0.1, upper_bound=0.3)
    np.testing.assert_allclose(y.asnumpy(), -0.2, rtol=1e-6)
    with autograd.train_mode():
        y = nd.LeakyReLU(x, act_type='rrelu', lower_bound=0.1, upper_bound=0.3).asnumpy()
    assert (y <= -0.1).all() and (y >= -0.3).all() and y.std() > 0


def test_where_and_gradients(rng):
    c = np.array([[1, 0, 1], [0, 0, 1]], dtype=np.float64)
    x = rng.normal(size=(2, 3))
    y = rng.normal(size=(2, 3))
    r = nd.where(nd.array(c), nd.array(x), nd.array(y))
    np.testing.assert_allclose(r.asnumpy(), np.where(c != 0, x, y).astype(np.float32))
    check_numeric_gradient(lambda a, b: nd.where(nd.array(c, dtype='float64'), a, b), [x, y])
    # MXNet's 1-D condition selects rows
    r = nd.where(nd.array([1, 0]), nd.array(x), nd.array(y))
    np.testing.assert_allclose(r.asnumpy(), np.stack([x[0], y[1]]).astype(np.float32))


def test_logical_not():
    assert nd.logical_not(nd.array([0, 1, 2])).asnumpy().tolist() == [1, 0, 0]


def test_activation_errors():
    with pytest.raises(DistGluError, match='act_type'):
        nd.Activation(nd.ones(2), act_type='swish')
    with pytest.raises(DistGluError, match='act_type'):
        nd.LeakyReLU(nd.ones(2), act_type='bogus')
    with pytest.raises(DistGluError, match='gamma'):
        nd.LeakyReLU(nd.ones((2, 3)), act_type='prelu')
    with pytest.raises(DistGluError, match='expected an NDArray'):
        nd.exp([1, 2])


def test_unary_out_and_methods():
    x = nd.array([1., 4.])
    o = nd.zeros(2)
    assert nd.sqrt(x, out=o) is o and o.asnumpy().tolist() == [1, 2]
    assert x.sqrt().asnumpy().tolist() == [1, 2]
    assert x.exp().dtype == np.float32
