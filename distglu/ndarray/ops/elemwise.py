"""Elementwise unary math and activations (``nd.exp``, ``nd.relu``, ``nd.Activation``...).

Each operator is one row: its forward (a NumPy/CuPy function name, or ``fwd(xp, x)``)
and its vector-Jacobian product ``bwd(xp, g, ins, out, attrs)`` written with ``xp`` so the
same code serves plain and second-order (``create_graph``) backward passes.
"""
import math

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _write_out, _sum_to, _check_ctx, _ndarray_t, _xp, array_module

__all__ = ['exp', 'expm1', 'log', 'log1p', 'log2', 'log10', 'sqrt', 'rsqrt', 'cbrt', 'rcbrt',
           'square', 'reciprocal', 'abs', 'sign', 'floor', 'ceil', 'round', 'rint', 'trunc',
           'fix', 'sin', 'cos', 'tan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh',
           'arcsinh', 'arccosh', 'arctanh', 'degrees', 'radians', 'sigmoid', 'relu',
           'softsign', 'softrelu', 'erf', 'Activation', 'LeakyReLU', 'clip', 'where',
           'logical_not', 'identity', 'stop_gradient', 'BlockGrad', 'make_loss', 'MakeLoss',
           'hard_sigmoid', 'selu', 'gelu', 'elu']

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _unary(name, fwd, bwd, save_in=True, save_out=False, doc=None):
    """Build ``op(data, out=None, name=None)`` from a forward and a vjp."""
    np_fwd = getattr(np, fwd) if isinstance(fwd, str) else None

    def op(data, out=None, name=None, **kwargs):
        if not isinstance(data, NDArray):
            raise DistGluError("%s: expected an NDArray, got %s" % (op.__name__,
                                                                   type(data).__name__))
        x = data._data
        if np_fwd is not None:
            y = np_fwd(x) if type(x) is _ndarray_t else getattr(array_module(x), fwd)(x)
        else:
            y = fwd(_xp(x), x)
        res = _result(y, data._ctx, bwd, (data,), (data,) if save_in else (),
                      y if save_out else None)
        return res if out is None else _write_out(out, res)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc or ("Elementwise %s (as ``mxnet.nd.%s``); differentiable." % (name, name))
    return op


def _zero(xp, g, ins, out, attrs):
    return (None,)


def _sigmoid_fwd(xp, x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


def _softrelu_fwd(xp, x):
    # log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _round_fwd(xp, x):
    # MXNet rounds half away from zero (NumPy's round is half-to-even)
    return xp.sign(x) * xp.floor(xp.abs(x) + 0.5)


# Abramowitz & Stegun 7.1.26 is only 1.5e-7 accurate; use the erfc Chebyshev fit
# from Numerical Recipes (fractional error < 1.2e-7 everywhere), enough for float32.
def _erf_fwd(xp, x):
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277))))))))
    r = 1.0 - t * xp.exp(poly)
    return (xp.sign(x) * r).astype(x.dtype, copy=False)


_2_SQRTPI = 2.0 / math.sqrt(math.pi)

exp = _unary('exp', 'exp', lambda xp, g, i, y, a: (g * y,), False, True)
expm1 = _unary('expm1', 'expm1', lambda xp, g, i, y, a: (g * (y + 1),), False, True)
log = _unary('log', 'log', lambda xp, g, i, y, a: (g / i[0],))
log1p = _unary('log1p', 'log1p', lambda xp, g, i, y, a: (g / (i[0] + 1),))
log2 = _unary('log2', 'log2', lambda xp, g, i, y, a: (g / (i[0] * _LN2),))
log10 = _unary('log10', 'log10', lambda xp, g, i, y, a: (g / (i[0] * _LN10),))
sqrt = _unary('sqrt', 'sqrt', lambda xp, g, i, y, a: (g * 0.5 / y,), False, True)
rsqrt = _unary('rsqrt', lambda xp, x: 1 / xp.sqrt(x),
               lambda xp, g, i, y, a: (g * -0.5 * y * y * y,), False, True)
cbrt = _unary('cbrt', 'cbrt', lambda xp, g, i, y, a: (g / (3 * y * y),), False, True)
rcbrt = _unary('rcbrt', lambda xp, x: 1 / xp.cbrt(x),
               lambda xp, g, i, y, a: (g * (-1.0 / 3) * y / i[0],), True, True)
square = _unary('square', 'square', lambda xp, g, i, y, a: (g * 2 * i[0],))
reciprocal = _unary('reciprocal', lambda xp, x: 1 / x,
                    lambda xp, g, i, y, a: (-g * y * y,), False, True)
abs = _unary('abs', 'abs', lambda xp, g, i, y, a: (g * xp.sign(i[0]),))  # noqa: A001
sign = _unary('sign', 'sign', _zero, False)
floor = _unary('floor', 'floor', _zero, False)
ceil = _unary('ceil', 'ceil', _zero, False)
round = _unary('round', _round_fwd, _zero, False)  # noqa: A001
rint = _unary('rint', 'rint', _zero, False)
trunc = _unary('trunc', 'trunc', _zero, False)
fix = _unary('fix', 'trunc', _zero, False)
sin = _unary('sin', 'sin', lambda xp, g, i, y, a: (g * xp.cos(i[0]),))
cos = _unary('cos', 'cos', lambda xp, g, i, y, a: (-g * xp.sin(i[0]),))
tan = _unary('tan', 'tan', lambda xp, g, i, y, a: (g * (y * y + 1),), False, True)
arcsin = _unary('arcsin', 'arcsin', lambda xp, g, i, y, a: (g / xp.sqrt(1 - i[0] * i[0]),))
arccos = _unary('arccos', 'arccos', lambda xp, g, i, y, a: (-g / xp.sqrt(1 - i[0] * i[0]),))
arctan = _unary('arctan', 'arctan', lambda xp, g, i, y, a: (g / (i[0] * i[0] + 1),))
sinh = _unary('sinh', 'sinh', lambda xp, g, i, y, a: (g * xp.cosh(i[0]),))
cosh = _unary('cosh', 'cosh', lambda xp, g, i, y, a: (g * xp.sinh(i[0]),))
tanh = _unary('tanh', 'tanh', lambda xp, g, i, y, a: (g * (1 - y * y),), False, True)
arcsinh = _unary('arcsinh', 'arcsinh', lambda xp, g, i, y, a: (g / xp.sqrt(i[0] * i[0] + 1),))
arccosh = _unary('arccosh', 'arccosh', lambda xp, g, i, y, a: (g / xp.sqrt(i[0] * i[0] - 1),))
arctanh = _unary('arctanh', 'arctanh', lambda xp, g, i, y, a: (g / (1 - i[0] * i[0]),))
degrees = _unary('degrees', 'degrees', lambda xp, g, i, y, a: (g * (180 / math.pi),), False)
radians = _unary('radians', 'radians', lambda xp, g, i, y, a: (g * (math.pi / 180),), False)
sigmoid = _unary('sigmoid', _sigmoid_fwd, lambda xp, g, i, y, a: (g * y * (1 - y),),
                 False, True)
relu = _unary('relu', lambda xp, x: xp.maximum(x, 0), lambda xp, g, i, y, a: (g * (y > 0),),
              False, True)
softsign = _unary('softsign', lambda xp, x: x / (1 + xp.abs(x)),
                  lambda xp, g, i, y, a: (g / xp.square(1 + xp.abs(i[0])),))
softrelu = _unary('softrelu', _softrelu_fwd, lambda xp, g, i, y, a: (g * (1 - xp.exp(-y)),),
                  False, True)
erf = _unary('erf', _erf_fwd,
             lambda xp, g, i, y, a: (g * _2_SQRTPI * xp.exp(-i[0] * i[0]),))


def _id_bwd(xp, g, ins, out, attrs):
    return (g,)


identity = _unary('identity', lambda xp, x: x.copy(), _id_bwd, False)
make_loss = MakeLoss = _unary('make_loss', lambda xp, x: x, _id_bwd, False)


def stop_gradient(data, name=None, **kwargs):
    """The same values with no gradient flowing back (``BlockGrad``)."""
    return _result(data._data, data._ctx, _zero, (data,))


BlockGrad = stop_gradient


def hard_sigmoid(data, alpha=0.2, beta=0.5, out=None, name=None):
    x = data._data
    xp = _xp(x)
    y = xp.clip(x * alpha + beta, 0, 1).astype(x.dtype, copy=False)
    res = _result(y, data._ctx, _hard_sigmoid_bwd, (data,), (), y, alpha)
    return _write_out(out, res)


def _hard_sigmoid_bwd(xp, g, ins, y, alpha):
    return (g * alpha * ((y > 0) * (y < 1)),)


# ----------------------------------------------------------------------- Activation

_ACTIVATIONS = {'relu': relu, 'sigmoid': sigmoid, 'tanh': tanh, 'softrelu': softrelu,
                'softsign': softsign}


def Activation(data, act_type='relu', out=None, name=None, **kwargs):
    """``act_type`` one of relu, sigmoid, tanh, softrelu, softsign (MXNet's Activation)."""
    fn = _ACTIVATIONS.get(act_type)
    if fn is None:
        raise DistGluError("Activation: act_type must be one of %s, got %r"
                           % (sorted(_ACTIVATIONS), act_type))
    return fn(data, out=out)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT1_2 = 1.0 / math.sqrt(2.0)


def _leaky_bwd(xp, g, ins, out, slope):
    x, = ins
    return (xp.where(x > 0, g, g * slope),)


def _elu_bwd(xp, g, ins, y, slope):
    x, = ins
    return (xp.where(x > 0, g, g * (y + slope)),)


def _selu_bwd(xp, g, ins, y, attrs):
    x, = ins
    return (xp.where(x > 0, g * _SELU_SCALE, g * (y + _SELU_SCALE * _SELU_ALPHA)),)


def _gelu_bwd(xp, g, ins, y, attrs):
    x, = ins
    cdf = 0.5 * (1 + erf_fn(xp)(x * _SQRT1_2))
    pdf = xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
    return (g * (cdf + x * pdf),)


def erf_fn(xp):
    """erf on raw arrays (our fit) or on NDArrays (the differentiable op)."""
    return xp.erf if getattr(xp, 'is_nd', False) else (lambda v: _erf_fwd(xp, v))


def _prelu_bwd(xp, g, ins, y, attrs):
    x, gamma = ins
    gshape = attrs
    pos = x > 0
    gx = xp.where(pos, g, g * xp.reshape(gamma, gshape))
    ggamma = _sum_to(xp, g * x * (x <= 0), gshape)
    return gx, xp.reshape(ggamma, gamma.shape)


def _gamma_shape(x, gamma):
    """PReLU's gamma broadcasts along axis 1 (channels), or is a single value."""
    if gamma.size == 1:
        return (1,) * x.ndim
    if x.ndim < 2 or gamma.size != x.shape[1]:
        raise DistGluError("LeakyReLU(prelu): gamma must have one value or one per channel "
                           "(%s), got shape %s" % (x.shape[1] if x.ndim > 1 else 1,
                                                  gamma.shape))
    return (1, gamma.size) + (1,) * (x.ndim - 2)


def LeakyReLU(data, gamma=None, act_type='leaky', slope=0.25, lower_bound=0.125,
              upper_bound=0.334, out=None, name=None, **kwargs):
    """MXNet's LeakyReLU: act_type leaky, elu, selu, gelu, prelu (with ``gamma``), rrelu."""
    x = data._data
    xp = _xp(x)
    dt = x.dtype
    if act_type == 'leaky' or (act_type == 'rrelu' and not _ag._training):
        s = slope if act_type == 'leaky' else (lower_bound + upper_bound) / 2.0
        # slope 0 gives 0, not -0 (x * 0 is -0 for negative x), as MXNet prints it
        y = xp.where(x > 0, x, x * dt.type(s)) if s else xp.maximum(x, dt.type(0))
        res = _result(y, data._ctx, _leaky_bwd, (data,), (data,), None, s)
    elif act_type == 'rrelu':
        from .. import random as _rnd
        s = _rnd._uniform_raw(lower_bound, upper_bound, x.shape, dt, data._ctx)
        y = xp.where(x > 0, x, x * s)
        res = _result(y, data._ctx, _rrelu_bwd, (data,), (data,), s, None)
    elif act_type == 'elu':
        y = xp.where(x > 0, x, dt.type(slope) * xp.expm1(xp.minimum(x, 0)))
        res = _result(y, data._ctx, _elu_bwd, (data,), (data,), y, slope)
    elif act_type == 'selu':
        y = _SELU_SCALE * xp.where(x > 0, x, _SELU_ALPHA * xp.expm1(xp.minimum(x, 0)))
        y = y.astype(dt, copy=False)
        res = _result(y, data._ctx, _selu_bwd, (data,), (data,), y, None)
    elif act_type == 'gelu':
        y = (x * 0.5 * (1 + _erf_fwd(xp, x * _SQRT1_2))).astype(dt, copy=False)
        res = _result(y, data._ctx, _gelu_bwd, (data,), (data,), None, None)
    elif act_type == 'prelu':
        if gamma is None:
            raise DistGluError("LeakyReLU(act_type='prelu') needs the gamma array")
        _check_ctx(data, gamma, 'LeakyReLU')
        gshape = _gamma_shape(x, gamma._data)
        y = xp.where(x > 0, x, x * gamma._data.reshape(gshape))
        res = _result(y, data._ctx, _prelu_bwd, (data, gamma), (data, gamma), None, gshape)
    else:
        raise DistGluError("LeakyReLU: act_type must be one of leaky, elu, selu, gelu, prelu, "
                           "rrelu; got %r" % (act_type,))
    return _write_out(out, res)


def _rrelu_bwd(xp, g, ins, s, attrs):
    x, = ins
    return (xp.where(x > 0, g, g * s),)


def selu(data, **kw):
    return LeakyReLU(data, act_type='selu', **kw)


def gelu(data, **kw):
    return LeakyReLU(data, act_type='gelu', **kw)


def elu(data, alpha=1.0, **kw):
    return LeakyReLU(data, act_type='elu', slope=alpha, **kw)


# ----------------------------------------------------------------------- clip / where

def _clip_bwd(xp, g, ins, out, attrs):
    x, = ins
    lo, hi = attrs
    return (g * ((x >= lo) * (x <= hi)),)


def clip(data, a_min, a_max, out=None, name=None):
    """Clip values into [a_min, a_max]; the gradient passes where the input is inside."""
    x = data._data
    xp = _xp(x)
    if a_min is None and a_max is None:
        raise DistGluError("clip: at least one of a_min and a_max must be given")
    lo = -np.inf if a_min is None else a_min
    hi = np.inf if a_max is None else a_max
    y = xp.clip(x, lo, hi).astype(x.dtype, copy=False)
    return _write_out(out, _result(y, data._ctx, _clip_bwd, (data,), (data,), None, (lo, hi)))


def _where_mask_shape(c, x):
    # MXNet also accepts a 1-D condition selecting along the first axis
    if c.ndim == 1 and x.ndim > 1 and c.shape[0] == x.shape[0]:
        return (c.shape[0],) + (1,) * (x.ndim - 1)
    return c.shape


def where(condition, x, y, out=None, name=None):
    """Elements of ``x`` where ``condition`` is non-zero, else of ``y``."""
    for nm, v in (('condition', condition), ('x', x), ('y', y)):
        if not isinstance(v, NDArray):
            raise DistGluError("where: expected an NDArray for %s, got %s"
                               % (nm, type(v).__name__))
    _check_ctx(condition, x, 'where')
    _check_ctx(x, y, 'where')
    c, a, b = condition._data, x._data, y._data
    xp = _xp(a)
    cshape = _where_mask_shape(c, a)
    r = xp.where(c.reshape(cshape) != 0, a, b)
    res = _result(r, x._ctx, _where_bwd3, (condition, x, y), (condition,), None,
                  (cshape, a.shape, b.shape))
    return _write_out(out, res)


def _where_bwd3(xp, g, ins, out, attrs):
    cond, = ins
    cshape, xshape, yshape = attrs
    m = xp.reshape(cond, cshape) != 0
    if getattr(xp, 'is_nd', False):
        return None, _sum_to(xp, g * m, xshape), _sum_to(xp, g * (1 - m), yshape)
    return None, _sum_to(xp, g * m, xshape), _sum_to(xp, g * ~m, yshape)


def logical_not(data, out=None, name=None):
    """1 where data is zero, else 0, in data's dtype."""
    x = data._data
    y = (x == 0).astype(x.dtype)
    return _write_out(out, _result(y, data._ctx, _zero, (data,)))
