"""Random sampling (``mxnet.nd.random``), seeded by ``distglu.random.seed``.

Each context has its own generator: a NumPy ``Generator`` (PCG64) on CPUs and a CuPy
generator on each GPU. ``seed(s)`` reseeds all of them (or only ``ctx``'s), so a run
is reproducible; distributed ranks seed identically unless the user adds the rank.
"""
import numpy as np

from ..base import DistGluError, normalize_dtype
from ..context import Context, current_context, context_xp, device_scope
from .ndarray import NDArray

__all__ = ['seed', 'uniform', 'normal', 'randn', 'randint', 'exponential', 'gamma',
           'poisson', 'negative_binomial', 'generalized_negative_binomial', 'multinomial',
           'shuffle', 'bernoulli']

_generators = {}
_base_seed = [None]


def _generator(ctx):
    """The generator of a context, created on first use from the current seed."""
    key = (ctx.device_type == 'gpu', ctx.device_id if ctx.device_type == 'gpu' else 0)
    gen = _generators.get(key)
    if gen is None:
        s = _base_seed[0]
        if ctx.device_type == 'gpu':
            cp = context_xp(ctx)
            with device_scope(ctx):
                gen = cp.random.RandomState(None if s is None else s + 1000003 * ctx.device_id)
        else:
            gen = np.random.Generator(np.random.PCG64(s))
        _generators[key] = gen
    return gen


def seed(seed_state, ctx='all'):
    """Seed the generators of all contexts (``ctx='all'``) or of one context."""
    if not isinstance(seed_state, (int, np.integer)):
        raise DistGluError("seed: expected an integer seed, got %r" % (seed_state,))
    s = int(seed_state)
    if ctx == 'all':
        _base_seed[0] = s
        _generators.clear()
        return
    if not isinstance(ctx, Context):
        raise DistGluError("seed: ctx must be 'all' or a Context, got %r" % (ctx,))
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
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


def _out(data, ctx, out):
    res = NDArray._wrap(data, ctx)
    if out is not None:
        out[:] = res
        return out
    return res


def _ctx(ctx, out):
    if out is not None:
        return out.context
    return current_context() if ctx is None else ctx


def _param(v):
    return v._data if isinstance(v, NDArray) else v


def _sample(kind, params, shape, dtype, ctx, out):
    """Draw ``kind`` with scalar or NDArray parameters (output shape params.shape + shape)."""
    ctx = _ctx(ctx, out)
    dt = normalize_dtype(dtype if dtype is not None else
                         (out.dtype if out is not None else None))
    shp = _shape(shape) if out is None else (out.shape if shape is None else _shape(shape))
    arr_params = [p for p in params if isinstance(p, NDArray)]
    if arr_params:
        pshape = arr_params[0].shape
        extra = () if shape is None else _shape(shape)
        shp = pshape + extra
        params = [(_param(p).reshape(pshape + (1,) * len(extra)) if isinstance(p, NDArray)
                   else p) for p in params]
    gen = _generator(ctx)
    xp = context_xp(ctx)
    with device_scope(ctx):
        data = _draw(gen, xp, kind, params, shp)
    return _out(data.astype(dt, copy=False), ctx, out)


def _draw(gen, xp, kind, p, shp):
    is_np = xp is np
    if kind == 'uniform':
        low, high = p
        u = gen.random(shp, dtype=np.float64) if is_np else gen.random_sample(shp)
        return low + (high - low) * u
    if kind == 'normal':
        loc, scale = p
        z = gen.standard_normal(shp, dtype=np.float32) if is_np else gen.standard_normal(shp)
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
        lam = gen.gamma(1.0 / alpha, alpha * mu, shp) if alpha > 0 else mu
        return gen.poisson(lam, shp)
    if kind == 'bernoulli':
        u = gen.random(shp) if is_np else gen.random_sample(shp)
        return u < p[0]
    raise DistGluError("unknown distribution %r" % kind)


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
    dt = normalize_dtype(dtype, default=np.int32)
    if dt.kind not in 'iu':
        raise DistGluError("randint: dtype must be an integer type, got %s" % dt)
    if high <= low:
        raise DistGluError("randint: expected low < high, got low=%s high=%s" % (low, high))
    gen = _generator(ctx)
    xp = context_xp(ctx)
    with device_scope(ctx):
        if xp is np:
            data = gen.integers(low, high, _shape(shape), dtype=dt)
        else:
            data = gen.randint(low, high, _shape(shape)).astype(dt)
    return _out(data, ctx, out)


def multinomial(data, shape=None, get_prob=False, out=None, dtype='int32', **kwargs):
    """Draw category indices from the distributions in the last axis of ``data``.

    Output shape is ``data.shape[:-1] + shape``; with ``get_prob`` also returns the
    log-probabilities of the drawn samples.
    """
    if not isinstance(data, NDArray):
        raise DistGluError("multinomial: expected an NDArray of probabilities, got %s"
                           % type(data).__name__)
    ctx = data.context
    extra = () if shape is None else _shape(shape)
    probs = data.asnumpy().astype(np.float64)
    k = probs.shape[-1]
    flat = probs.reshape(-1, k)
    n = int(np.prod(extra)) if extra else 1
    gen = _generator(Context('cpu', 0))
    cdf = np.cumsum(flat, axis=1)
    cdf /= cdf[:, -1:]
    u = gen.random((flat.shape[0], n))
    idx = np.minimum((u[:, :, None] > cdf[:, None, :]).sum(axis=2), k - 1)
    idx = idx.reshape(probs.shape[:-1] + extra)
    res = NDArray._wrap(context_xp(ctx).asarray(idx.astype(normalize_dtype(dtype))), ctx)
    if out is not None:
        out[:] = res
        res = out
    if get_prob:
        lp = np.log(np.take_along_axis(flat, idx.reshape(flat.shape[0], n), axis=1))
        lp = lp.reshape(idx.shape).astype(data.asnumpy().dtype)
        return [res, NDArray._wrap(context_xp(ctx).asarray(lp), ctx)]
    return res


def shuffle(data, **kwargs):
    """A copy of ``data`` with its first axis randomly permuted."""
    if not isinstance(data, NDArray):
        raise DistGluError("shuffle: expected an NDArray, got %s" % type(data).__name__)
    gen = _generator(data.context)
    x = data._data
    if context_xp(data.context) is np:
        perm = gen.permutation(x.shape[0])
    else:
        perm = gen.permutation(x.shape[0])
    return NDArray._wrap(x[perm], data.context)


def _uniform_raw(low, high, shape, dtype, ctx):
    """Raw-array uniform samples (for operators such as Dropout and rrelu)."""
    gen = _generator(ctx)
    if context_xp(ctx) is np:
        u = gen.random(shape, dtype=np.float32 if dtype == np.float32 else np.float64)
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
