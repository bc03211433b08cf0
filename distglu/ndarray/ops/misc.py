"""Small operators: ``cumsum``, ``shuffle``, ``moments``, ``gamma``, ``gammaln``.

MXNet 1.x behaviours mirrored here:
  * ``cumsum`` (in MXNet 1.9 ``nd.cumsum`` is the NumPy-frontend operator) keeps the input
    dtype unless ``dtype`` is given (an int32 array sums in int32), flattens when
    ``axis`` is None. distglu also accepts negative axes (MXNet 1.9 rejects them).
  * ``moments`` returns ``[mean, var]`` (population variance) over ``axes``; ``axes`` must
    be given (MXNet raises for None or ()), a reduction to no axes gives shape (1,).
    Integer input is computed in float64 and truncated, in the input dtype.
  * ``gamma``/``gammaln`` are computed in float64 (Lanczos approximation, g=7, n=9, and the
    reflection formula below 1/2) and cast to the input dtype, so integer inputs give
    truncated integers as in MXNet. ``gamma`` is NaN at the negative integers and +inf
    at 0; ``gammaln`` (log |gamma|) is +inf at 0 and the negative integers. Their
    gradients use the digamma function (also NumPy-only); it is +inf at those poles.
  * ``shuffle`` permutes the first axis with the generator of the array's context
    (seeded by ``mx.random.seed``); it is not differentiable.
"""
import math

import numpy as np

from ...base import DistGluError, normalize_dtype
from .. import _ndxp
from ..random import shuffle
from ._core import _result, _results, _write_out, _xp, _check_nd
from .reduce import _reshape, _expand

__all__ = ['cumsum', 'shuffle', 'moments', 'gamma', 'gammaln']


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


# ------------------------------------------------------------------ cumsum

def _revcumsum(xp, g, axis):
    return xp.flip(xp.cumsum(xp.flip(g, axis), axis), axis)


def _cumsum_bwd(xp, g, ins, out, attrs):
    xshape, axis = attrs
    if axis is None:
        return (_reshape(xp, _revcumsum(xp, g, 0), xshape),)
    return (_revcumsum(xp, g, axis),)


def cumsum(a=None, axis=None, dtype=None, out=None, name=None, **kwargs):
    """Cumulative sum along ``axis`` (the flattened array when None), as ``mxnet.nd.cumsum``.

    The result has ``a``'s dtype unless ``dtype`` is given. Differentiable.
    """
    _check_nd(a, 'cumsum', 'a')
    x = a._data
    dt = x.dtype if dtype is None else normalize_dtype(dtype)
    if axis is not None:
        ax = int(axis)
        if not -x.ndim <= ax < x.ndim:
            raise DistGluError("cumsum: axis %d is out of range for an array of shape %s"
                               % (ax, x.shape))
        axis = ax % x.ndim
    y = _xp(x).cumsum(x, axis=axis, dtype=dt)
    res = _result(y, a._ctx, _cumsum_bwd, (a,), (), None, (x.shape, axis))
    return res if out is None else _write_out(out, res)


def _np_cumsum(a, axis=None, dtype=None, out=None):
    if out is not None:
        raise DistGluError("second-order gradients: xp.cumsum(out=...) is not supported")
    return cumsum(a, axis=axis, dtype=dtype)


_ndxp.register('cumsum', _np_cumsum)


# ------------------------------------------------------------------ moments

def _moment_axes(axes, ndim, shape):
    if axes is None or (isinstance(axes, (tuple, list)) and len(axes) == 0):
        raise DistGluError("moments: empty axes are not supported; to compute global moments, "
                           "pass all axes, e.g. axes=%s" % (tuple(range(ndim)),))
    if isinstance(axes, (int, np.integer)) and not isinstance(axes, bool):
        axes = (axes,)
    if not isinstance(axes, (tuple, list)):
        raise DistGluError("moments: axes must be an int or a tuple of ints, got %r" % (axes,))
    out = []
    for ax in axes:
        if not isinstance(ax, (int, np.integer)) or isinstance(ax, bool) \
                or not -ndim <= ax < ndim:
            raise DistGluError("moments: axis %r is out of range for data of shape %s"
                               % (ax, shape))
        ax = int(ax) % ndim
        if ax in out:
            raise DistGluError("moments: axis %d is given twice in axes=%r" % (ax, axes))
        out.append(ax)
    return tuple(sorted(out))


def _moments_bwd(xp, g, ins, out, attrs):
    x, = ins
    xshape, kshape, axes, n, mean_raw = attrs
    gm, gv = g
    if _is_nd(xp):
        mean = xp.mean(x, axis=axes, keepdims=True)
    else:
        mean = mean_raw
    dx = None
    if gv is not None:
        dx = (x - mean) * (_reshape(xp, gv, kshape) * (2.0 / n))
    if gm is not None:
        gmk = _reshape(xp, gm, kshape)
        dx = _expand(xp, gmk, xshape, 1.0 / n) if dx is None else dx + gmk * (1.0 / n)
    return (dx,)


def moments(data=None, axes=None, keepdims=False, out=None, name=None, **kwargs):
    """``[mean, var]`` of ``data`` over ``axes`` (``mxnet.nd.moments``); ``var`` is the
    population variance. With ``keepdims`` the reduced axes stay as size 1. Differentiable.
    """
    _check_nd(data, 'moments')
    x = data._data
    axes = _moment_axes(axes, x.ndim, x.shape)
    xf = x if x.dtype.kind == 'f' else x.astype(np.float64)
    mean = xf.mean(axis=axes, keepdims=True)
    d = xf - mean
    var = (d * d).mean(axis=axes, keepdims=True)
    kshape = mean.shape
    n = 1
    for ax in axes:
        n *= x.shape[ax]
    if keepdims:
        oshape = kshape
    else:
        oshape = tuple(s for i, s in enumerate(x.shape) if i not in axes) or (1,)
    m_out = mean.reshape(oshape).astype(x.dtype, copy=False)
    v_out = var.reshape(oshape).astype(x.dtype, copy=False)
    res = _results([m_out, v_out], data._ctx, _moments_bwd, (data,), (data,), None,
                   (x.shape, kshape, axes, n, mean))
    if out is None:
        return res
    if not isinstance(out, (list, tuple)) or len(out) != 2:
        raise DistGluError("moments: out must be a list of two NDArrays [mean, var], got %r"
                           % (type(out).__name__,))
    return [_write_out(o, r) for o, r in zip(out, res)]


# ------------------------------------------------------------------ gamma, gammaln, digamma
# Lanczos approximation, g = 7, n = 9 (relative error ~1e-15 for x >= 1/2)
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)
_FACTORIALS = np.array([float(math.factorial(k)) for k in range(171)])   # gamma(1..171)


def _lgamma_pos(xp, x):
    """log gamma(x) for float64 x >= 1/2."""
    z = x - 1.0
    s = xp.full(x.shape, _LANCZOS[0])
    for i in range(1, len(_LANCZOS)):
        s += _LANCZOS[i] / (z + i)
    t = z + (_LANCZOS_G + 0.5)
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(s)


def _sinpi(xp, x):
    """sin(pi x), with the argument reduced exactly to [0, 2) first."""
    return xp.sin(math.pi * (x - 2.0 * xp.floor(0.5 * x)))


def _poles(xp, x):
    return (x <= 0) & (x == xp.floor(x))


def _gammaln_raw(xp, x):
    xf = x.astype(np.float64)
    refl = xf < 0.5
    with np.errstate(divide='ignore', invalid='ignore'):
        lg = _lgamma_pos(xp, xp.where(refl, 1.0 - xf, xf))
        r = xp.where(refl, math.log(math.pi) - xp.log(xp.abs(_sinpi(xp, xf))) - lg, lg)
    # exact zeros at 1 and 2 (the series leaves ~1e-16 there)
    r = xp.where(_poles(xp, xf), xp.inf, xp.where((xf == 1) | (xf == 2), 0.0, r))
    return r.astype(x.dtype, copy=False)


def _gamma_raw(xp, x):
    xf = x.astype(np.float64)
    refl = xf < 0.5
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        gp = xp.exp(_lgamma_pos(xp, xp.where(refl, 1.0 - xf, xf)))
        r = xp.where(refl, math.pi / (_sinpi(xp, xf) * gp), gp)
    pole = _poles(xp, xf)
    r = xp.where(pole, xp.where(xf == 0, xp.inf, xp.nan), r)
    # exact at the positive integers (so integer inputs give exact factorials)
    whole = (xf >= 1) & (xf <= 171) & (xf == xp.floor(xf))
    if whole.any():
        fact = _FACTORIALS if xp is np else xp.asarray(_FACTORIALS)
        r = xp.where(whole, fact[(xp.clip(xf, 1, 171) - 1).astype(np.int64)], r)
    with np.errstate(over='ignore', invalid='ignore'):   # float32 overflow gives inf
        return r.astype(x.dtype, copy=False)


def _psi_series(xp, x, order):
    """digamma (order 0) or trigamma (order 1) of float64 x >= 1/2: recurrence up to
    x + 6, then the asymptotic series."""
    acc = xp.zeros(x.shape)
    y = x
    for _ in range(6):
        acc += 1.0 / y if order == 0 else 1.0 / (y * y)
        y = y + 1.0
    r = 1.0 / (y * y)
    if order == 0:
        ser = xp.log(y) - 0.5 / y - r * (1.0 / 12 - r * (1.0 / 120 - r * (
            1.0 / 252 - r * (1.0 / 240 - r * (1.0 / 132)))))
        return ser - acc
    ser = 1.0 / y + 0.5 * r + (r / y) * (1.0 / 6 - r * (1.0 / 30 - r * (
        1.0 / 42 - r * (1.0 / 30 - r * (5.0 / 66)))))
    return ser + acc


def _digamma_raw(xp, x):
    xf = x.astype(np.float64)
    refl = xf < 0.5
    with np.errstate(divide='ignore', invalid='ignore'):
        p = _psi_series(xp, xp.where(refl, 1.0 - xf, xf), 0)
        frac = xf - xp.floor(xf)       # pi / tan(pi x) has period 1
        r = xp.where(refl, p - math.pi / xp.tan(math.pi * frac), p)
    r = xp.where(_poles(xp, xf), xp.inf, r)
    return r.astype(x.dtype, copy=False)


def _trigamma_raw(xp, x):
    xf = x.astype(np.float64)
    refl = xf < 0.5
    with np.errstate(divide='ignore', invalid='ignore'):
        p = _psi_series(xp, xp.where(refl, 1.0 - xf, xf), 1)
        s = _sinpi(xp, xf)
        r = xp.where(refl, math.pi * math.pi / (s * s) - p, p)
    r = xp.where(_poles(xp, xf), xp.inf, r)
    return r.astype(x.dtype, copy=False)


def _digamma_bwd(xp, g, ins, out, attrs):
    if _is_nd(xp):
        raise DistGluError("second-order gradients: the gradient of gamma/gammaln is "
                           "differentiable once more only (no third-order gradients)")
    return (g * _trigamma_raw(xp, ins[0]),)


def _digamma(xp, x):
    """digamma of raw arrays, or a differentiable digamma of NDArrays (create_graph)."""
    if _is_nd(xp):
        return _result(_digamma_raw(_xp(x._data), x._data), x._ctx, _digamma_bwd, (x,), (x,))
    return _digamma_raw(xp, x)


def _gamma_bwd(xp, g, ins, out, attrs):
    return (g * out * _digamma(xp, ins[0]),)


def _gammaln_bwd(xp, g, ins, out, attrs):
    return (g * _digamma(xp, ins[0]),)


def gamma(data=None, out=None, name=None, **kwargs):
    """Elementwise gamma function (``mxnet.nd.gamma``); gradient ``gamma(x) digamma(x)``."""
    _check_nd(data, 'gamma')
    x = data._data
    y = _gamma_raw(_xp(x), x)
    res = _result(y, data._ctx, _gamma_bwd, (data,), (data,), y)
    return res if out is None else _write_out(out, res)


def gammaln(data=None, out=None, name=None, **kwargs):
    """Elementwise log |gamma(x)| (``mxnet.nd.gammaln``); gradient ``digamma(x)``."""
    _check_nd(data, 'gammaln')
    x = data._data
    y = _gammaln_raw(_xp(x), x)
    res = _result(y, data._ctx, _gammaln_bwd, (data,), (data,))
    return res if out is None else _write_out(out, res)
