"""Random sampling (``mxnet.nd.random``), seeded by ``distglu.random.seed``.

Each context has its own generator: a NumPy ``Generator`` (PCG64) on CPUs and a CuPy
generator on each GPU. ``seed(s)`` reseeds all of them (or only ``ctx``'s), so a run
is reproducible; distributed ranks seed identically unless the user adds the rank.
"""
import numpy as _np

from ..base import DistGluError as _DistGluError, normalize_dtype as _normalize_dtype
from ..context import (Context as _Context, current_context as _current_context,
                       context_xp as _context_xp, device_scope as _device_scope)
from .ndarray import NDArray as _NDArray

__all__ = ['seed', 'uniform', 'normal', 'randn', 'randint', 'exponential', 'gamma',
           'poisson', 'negative_binomial', 'generalized_negative_binomial', 'multinomial',
           'shuffle', 'bernoulli', 'uniform_like', 'normal_like', 'gamma_like',
           'exponential_like', 'poisson_like', 'negative_binomial_like',
           'generalized_negative_binomial_like']

_generators = {}
_base_seed = [None]


def _generator(ctx):
    """The generator of a context, created on first use from the current seed."""
    key = (ctx.device_type == 'gpu', ctx.device_id if ctx.device_type == 'gpu' else 0)
    gen = _generators.get(key)
    if gen is None:
        s = _base_seed[0]
        if ctx.device_type == 'gpu':
            cp = _context_xp(ctx)
            with _device_scope(ctx):
                gen = cp.random.RandomState(None if s is None else s + 1000003 * ctx.device_id)
        else:
            gen = _np.random.Generator(_np.random.PCG64(s))
        _generators[key] = gen
    return gen


def seed(seed_state, ctx='all'):
    """Seed the generators of all contexts (``ctx='all'``) or of one context."""
    if not isinstance(seed_state, (int, _np.integer)):
        raise _DistGluError("seed: expected an integer seed, got %r" % (seed_state,))
    s = int(seed_state)
    if ctx == 'all':
        _base_seed[0] = s
        _generators.clear()
        return
    if not isinstance(ctx, _Context):
        raise _DistGluError("seed: ctx must be 'all' or a Context, got %r" % (ctx,))
    key = (ctx.device_type == 'gpu', ctx.device_id if ctx.device_type == 'gpu' else 0)
    _generators.pop(key, None)
    prev = _base_seed[0]
    _base_seed[0] = s
    try:
        _generator(ctx)
    finally:
        _base_seed[0] = prev


def _shape(shape):
    if shape is None:
        return (1,)
    if isinstance(shape, (int, _np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _out(data, ctx, out):
    res = _NDArray._wrap(data, ctx)
    if out is not None:
        out[:] = res
        return out
    return res


def _ctx(ctx, out):
    if out is not None:
        return out.context
    return _current_context() if ctx is None else ctx


def _param(v):
    return v._data if isinstance(v, _NDArray) else v


def _sample(kind, params, shape, dtype, ctx, out):
    """Draw ``kind`` with scalar or NDArray parameters (output shape params.shape + shape)."""
    ctx = _ctx(ctx, out)
    dt = _normalize_dtype(dtype if dtype is not None else
                         (out.dtype if out is not None else None))
    shp = _shape(shape) if out is None else (out.shape if shape is None else _shape(shape))
    arr_params = [p for p in params if isinstance(p, _NDArray)]
    if arr_params:
        pshape = arr_params[0].shape
        extra = () if shape is None else _shape(shape)
        shp = pshape + extra
        params = [(_param(p).reshape(pshape + (1,) * len(extra)) if isinstance(p, _NDArray)
                   else p) for p in params]
    gen = _generator(ctx)
    xp = _context_xp(ctx)
    with _device_scope(ctx):
        data = _draw(gen, xp, kind, params, shp)
    return _out(data.astype(dt, copy=False), ctx, out)


def _draw(gen, xp, kind, p, shp):
    is_np = xp is _np
    if kind == 'uniform':
        low, high = p
        u = gen.random(shp, dtype=_np.float64) if is_np else gen.random_sample(shp)
        return low + (high - low) * u
    if kind == 'normal':
        loc, scale = p
        z = gen.standard_normal(shp, dtype=_np.float32) if is_np else gen.standard_normal(shp)
        return loc + scale * z
    if kind == 'exponential':
        return gen.exponential(p[0], shp)
    if kind == 'gamma':
        return gen.gamma(p[0], p[1], shp)
    if kind == 'poisson':
        return gen.poisson(p[0], shp)
    if kind == 'negative_binomial':
        k, prob = p
        return gen.negative_binomial(k, prob, shp)
    if kind == 'generalized_negative_binomial':
        mu, alpha = p
        if _np.ndim(alpha) == 0:
            lam = gen.gamma(1.0 / alpha, alpha * mu, shp) if alpha > 0 else mu
        else:   # per-element alpha (NDArray parameters): alpha 0 means Poisson(mu)
            positive = alpha > 0
            safe = xp.where(positive, alpha, 1.0)
            lam = xp.where(positive, gen.gamma(1.0 / safe, safe * mu, shp), mu)
        return gen.poisson(lam, shp)
    if kind == 'bernoulli':
        u = gen.random(shp) if is_np else gen.random_sample(shp)
        return u < p[0]
    raise _DistGluError("unknown distribution %r" % kind)


def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from U[low, high); ``low``/``high`` may be NDArrays (one draw set each)."""
    return _sample('uniform', (low, high), shape, dtype, ctx, out)


def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Samples from N(loc, scale^2)."""
    return _sample('normal', (loc, scale), shape, dtype, ctx, out)


def randn(*shape, **kwargs):
    """Standard normal samples of the given shape: ``randn(2, 3)``."""
    loc = kwargs.pop('loc', 0)
    scale = kwargs.pop('scale', 1)
    return normal(loc, scale, shape or None, **kwargs)


def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _sample('exponential', (scale,), shape, dtype, ctx, out)


def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _sample('gamma', (alpha, beta), shape, dtype, ctx, out)


def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _sample('poisson', (lam,), shape, dtype, ctx, out)


def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _sample('negative_binomial', (k, p), shape, dtype, ctx, out)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None, out=None,
                                  **kwargs):
    return _sample('generalized_negative_binomial', (mu, alpha), shape, dtype, ctx, out)


def bernoulli(prob=0.5, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    return _sample('bernoulli', (prob,), shape, dtype, ctx, out)


def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Integers uniformly from [low, high), int32 by default."""
    ctx = _ctx(ctx, out)
    dt = _normalize_dtype(dtype, default=_np.int32)
    if dt.kind not in 'iu':
        raise _DistGluError("randint: dtype must be an integer type, got %s" % dt)
    if high <= low:
        raise _DistGluError("randint: expected low < high, got low=%s high=%s" % (low, high))
    gen = _generator(ctx)
    xp = _context_xp(ctx)
    with _device_scope(ctx):
        if xp is _np:
            data = gen.integers(low, high, _shape(shape), dtype=dt)
        else:
            data = gen.randint(low, high, _shape(shape)).astype(dt)
    return _out(data, ctx, out)


def multinomial(data, shape=None, get_prob=False, out=None, dtype='int32', **kwargs):
    """Draw category indices from the distributions in the last axis of ``data``.

    Output shape is ``data.shape[:-1] + shape`` ((1,) for one distribution and no
    ``shape``, as MXNet); with ``get_prob`` also returns the log-probabilities of the
    drawn samples.
    """
    if not isinstance(data, _NDArray):
        raise _DistGluError("multinomial: expected an NDArray of probabilities, got %s"
                            % type(data).__name__)
    ctx = data.context
    extra = () if shape is None else _shape(shape)
    probs = data.asnumpy().astype(_np.float64)
    k = probs.shape[-1]
    flat = probs.reshape(-1, k)
    n = int(_np.prod(extra)) if extra else 1
    gen = _generator(_Context('cpu', 0))
    cdf = _np.cumsum(flat, axis=1)
    cdf /= cdf[:, -1:]
    u = gen.random((flat.shape[0], n))
    idx = _np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), k - 1)
    # MXNet returns shape (1,), not a 0-d array, for one distribution and no shape
    idx = idx.reshape(probs.shape[:-1] + extra or (1,))
    res = _NDArray._wrap(_context_xp(ctx).asarray(idx.astype(_normalize_dtype(dtype))), ctx)
    if out is not None:
        out[:] = res
        res = out
    if get_prob:
        lp = _np.log(_np.take_along_axis(flat, idx.reshape(flat.shape[0], n), axis=1))
        lp = lp.reshape(idx.shape).astype(data.asnumpy().dtype)
        return [res, _NDArray._wrap(_context_xp(ctx).asarray(lp), ctx)]
    return res


def shuffle(data=None, out=None, name=None, **kwargs):
    """A copy of ``data`` with its first axis randomly permuted (``mxnet.nd.shuffle``),
    drawn from the generator of the array's context. Not differentiable."""
    if not isinstance(data, _NDArray):
        raise _DistGluError("shuffle: expected an NDArray, got %s" % type(data).__name__)
    x = data._data
    if x.ndim == 0:
        raise _DistGluError("shuffle: expected an array with at least one axis, got shape ()")
    ctx = data.context
    with _device_scope(ctx):
        y = x[_generator(ctx).permutation(x.shape[0])]
    return _out(y, ctx, out)


# ------------------------------------------------------------------ *_like samplers
# Shape, dtype and context come from ``data`` (a floating-point array); parameters are
# numbers, as in MXNet's _random_*_like operators.

def _like(kind, opname, data, params, out):
    if not isinstance(data, _NDArray):
        raise _DistGluError("%s: expected an NDArray for data, got %s"
                            % (opname, type(data).__name__))
    dt = data._data.dtype
    if dt.kind != 'f':
        raise _DistGluError("%s: data must have a floating-point dtype (the samples take it), "
                            "got %s" % (opname, dt.name))
    for pname, v in params:
        if isinstance(v, _NDArray) or not isinstance(v, (int, float, _np.number)):
            raise _DistGluError("%s: %s must be a number, got %s"
                                % (opname, pname, type(v).__name__))
    return _sample(kind, tuple(v for _, v in params), data.shape, dt, data.context, out)


def uniform_like(data=None, low=0, high=1, out=None, name=None, **kwargs):
    """Samples from U[low, high) with the shape, dtype and context of ``data``."""
    return _like('uniform', 'uniform_like', data, (('low', low), ('high', high)), out)


def normal_like(data=None, loc=0, scale=1, out=None, name=None, **kwargs):
    """Samples from N(loc, scale^2) with the shape, dtype and context of ``data``."""
    return _like('normal', 'normal_like', data, (('loc', loc), ('scale', scale)), out)


def gamma_like(data=None, alpha=1, beta=1, out=None, name=None, **kwargs):
    """Gamma samples (shape ``alpha``, scale ``beta``) shaped like ``data``."""
    return _like('gamma', 'gamma_like', data, (('alpha', alpha), ('beta', beta)), out)


def exponential_like(data=None, lam=1, out=None, name=None, **kwargs):
    """Exponential samples with *rate* ``lam`` (mean 1/lam, unlike ``exponential``'s
    ``scale``), shaped like ``data``."""
    if isinstance(lam, (int, float, _np.number)) and not lam > 0:
        raise _DistGluError("exponential_like: lam (the rate) must be positive, got %r" % lam)
    scale = 1.0 / lam if isinstance(lam, (int, float, _np.number)) else lam
    return _like('exponential', 'exponential_like', data, (('lam', scale),), out)


def poisson_like(data=None, lam=1, out=None, name=None, **kwargs):
    """Poisson samples (rate ``lam``) as floats shaped like ``data``."""
    return _like('poisson', 'poisson_like', data, (('lam', lam),), out)


def negative_binomial_like(data=None, k=1, p=1, out=None, name=None, **kwargs):
    """Negative binomial samples (``k`` failures, probability ``p``; mean k(1-p)/p) as
    floats shaped like ``data``."""
    return _like('negative_binomial', 'negative_binomial_like', data, (('k', k), ('p', p)),
                 out)


def generalized_negative_binomial_like(data=None, mu=1, alpha=1, out=None, name=None,
                                       **kwargs):
    """Generalized negative binomial samples (mean ``mu``, dispersion ``alpha``; variance
    mu + alpha mu^2) as floats shaped like ``data``."""
    return _like('generalized_negative_binomial', 'generalized_negative_binomial_like', data,
                 (('mu', mu), ('alpha', alpha)), out)


def _uniform_raw(low, high, shape, dtype, ctx):
    """Raw-array uniform samples (for operators such as Dropout and rrelu)."""
    gen = _generator(ctx)
    if _context_xp(ctx) is _np:
        u = gen.random(shape, dtype=_np.float32 if dtype == _np.float32 else _np.float64)
    else:
        u = gen.random_sample(shape)
    return (low + (high - low) * u).astype(dtype, copy=False)


# MXNet 1.x names in the nd namespace
random_uniform = uniform
random_normal = normal
random_randint = randint
random_exponential = exponential
random_gamma = gamma
random_poisson = poisson
