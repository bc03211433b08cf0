"""Per-element-parameter samplers (``nd.sample_*``) and densities (``nd.random_pdf_*``).

Samplers: every parameter is an NDArray of one shape P; the output has shape
``P + shape`` and element ``[i..., j...]`` is drawn with the parameters at ``[i...]``.
The output dtype is ``dtype`` (float16/float32/float64; float32 when None), not the
parameters' dtype, as in MXNet. Draws come from the per-context generators of
``distglu.random`` (seeded by ``mx.random.seed``). Parameterizations follow MXNet:
``sample_gamma(alpha, beta)``: shape alpha, *scale* beta (mean alpha*beta);
``sample_exponential(lam)``: *rate* lam (mean 1/lam); ``sample_negative_binomial(k, p)``:
failures before the k-th success, success probability p (mean k(1-p)/p);
``sample_generalized_negative_binomial(mu, alpha)``: mean mu, variance mu + alpha mu^2
(alpha = 0 gives Poisson(mu)).

Densities: ``random_pdf_<dist>(sample, params..., is_log=False)``; the parameters have
shape P and ``sample`` has shape ``P + E`` (Dirichlet: alpha ``P + (k,)``, sample
``P + E + (k,)``); the output has the sample's shape (Dirichlet: without the last axis).
As in MXNet, ``random_pdf_gamma``'s ``beta`` is a *rate* (unlike ``sample_gamma``), no
support checks are made (the formulas are evaluated as they stand), and the densities are
differentiable w.r.t. the parameters and, for the continuous distributions, the sample
(the discrete ones give the sample a zero gradient). The gradient factors are computed in
the forward pass, so these gradients are differentiable once only (``create_graph=True``
through them raises a DistGluError).
"""
import math

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError, normalize_dtype
from ...context import context_xp, device_scope
from ..ndarray import NDArray
from ..random import _generator, _sample
from ._core import _result, _write_out, _xp
from .misc import _gammaln_raw, _digamma_raw

__all__ = ['sample_uniform', 'sample_normal', 'sample_gamma', 'sample_exponential',
           'sample_poisson', 'sample_negative_binomial',
           'sample_generalized_negative_binomial', 'sample_multinomial',
           'random_negative_binomial', 'random_generalized_negative_binomial',
           'random_pdf_uniform', 'random_pdf_normal', 'random_pdf_gamma',
           'random_pdf_exponential', 'random_pdf_poisson', 'random_pdf_negative_binomial',
           'random_pdf_generalized_negative_binomial', 'random_pdf_dirichlet']

_wrap = NDArray._wrap
_FLOATS = ('float16', 'float32', 'float64')


# ------------------------------------------------------------------ helpers

def _extra_shape(shape):
    if shape is None:
        return ()
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError as err:
        raise DistGluError("shape: expected an int or a tuple of ints, got %r" % (shape,)) \
            from err


def _float_dtype(opname, dtype):
    if dtype is None:
        return np.dtype(np.float32)
    dt = normalize_dtype(dtype)
    if dt.name not in _FLOATS:
        raise DistGluError("%s: dtype must be one of None, float16, float32, float64, got %s"
                           % (opname, dt.name))
    return dt


def _params(opname, names, values):
    """Check that the parameters are NDArrays of one shape on one context."""
    first = None
    for n, v in zip(names, values):
        if not isinstance(v, NDArray):
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (opname, n, type(v).__name__))
        if first is None:
            first = (n, v)
        elif v.shape != first[1].shape:
            raise DistGluError("%s: all parameters must have the same shape, got %s %s and "
                               "%s %s" % (opname, first[0], first[1].shape, n, v.shape))
        elif v._ctx != first[1]._ctx:
            raise DistGluError("%s: all parameters must be on the same context, got %s and %s"
                               % (opname, first[1]._ctx, v._ctx))
    return first[1]


def _sampler(opname, names, values, shape, dtype, out, draw):
    p0 = _params(opname, names, values)
    dt = _float_dtype(opname, dtype)
    extra = _extra_shape(shape)
    pshape = p0.shape
    ctx = p0._ctx
    full = pshape + extra
    raws = [v._data.reshape(pshape + (1,) * len(extra)) for v in values]
    gen = _generator(ctx)
    xp = context_xp(ctx)
    with device_scope(ctx):
        with np.errstate(all='ignore'):
            y = draw(gen, xp, xp is np, full, *raws)
        y = y.astype(dt, copy=False)
    return _write_out(out, _wrap(y, ctx))


def _std_uniform(gen, is_np, shp):
    return gen.random(shp) if is_np else gen.random_sample(shp)


def _std_gamma(gen, alpha, shp):
    # numpy's Generator and cupy's RandomState both broadcast array shape parameters
    return gen.standard_gamma(alpha, shp)


# ------------------------------------------------------------------ samplers

def sample_uniform(low=None, high=None, shape=None, dtype=None, out=None, name=None,
                   **kwargs):
    """U[low, high) samples, one set of ``shape`` draws per element of ``low``/``high``."""
    return _sampler('sample_uniform', ('low', 'high'), (low, high), shape, dtype, out,
                    lambda gen, xp, is_np, shp, lo, hi:
                    lo + (hi - lo) * _std_uniform(gen, is_np, shp))


def sample_normal(mu=None, sigma=None, shape=None, dtype=None, out=None, name=None,
                  **kwargs):
    """N(mu, sigma^2) samples (sigma is the standard deviation)."""
    return _sampler('sample_normal', ('mu', 'sigma'), (mu, sigma), shape, dtype, out,
                    lambda gen, xp, is_np, shp, m, s: m + s * gen.standard_normal(shp))


def sample_gamma(alpha=None, beta=None, shape=None, dtype=None, out=None, name=None,
                 **kwargs):
    """Gamma samples with shape ``alpha`` and scale ``beta`` (mean alpha*beta)."""
    return _sampler('sample_gamma', ('alpha', 'beta'), (alpha, beta), shape, dtype, out,
                    lambda gen, xp, is_np, shp, a, b: _std_gamma(gen, a, shp) * b)


def sample_exponential(lam=None, shape=None, dtype=None, out=None, name=None, **kwargs):
    """Exponential samples with rate ``lam`` (mean 1/lam)."""
    return _sampler('sample_exponential', ('lam',), (lam,), shape, dtype, out,
                    lambda gen, xp, is_np, shp, lam_:
                    gen.standard_exponential(shp) / lam_)


def sample_poisson(lam=None, shape=None, dtype=None, out=None, name=None, **kwargs):
    """Poisson samples with rate ``lam``, returned as floats."""
    return _sampler('sample_poisson', ('lam',), (lam,), shape, dtype, out,
                    lambda gen, xp, is_np, shp, lam_: gen.poisson(lam_, shp))


def _draw_nb(gen, xp, is_np, shp, k, p):
    # Gamma-Poisson mixture: lambda ~ Gamma(k, (1-p)/p), x ~ Poisson(lambda)
    lam = _std_gamma(gen, k, shp) * ((1.0 - p) / p)
    return gen.poisson(lam)


def sample_negative_binomial(k=None, p=None, shape=None, dtype=None, out=None, name=None,
                             **kwargs):
    """Negative binomial samples: failures before the ``k``-th success with success
    probability ``p`` (mean k(1-p)/p), returned as floats."""
    return _sampler('sample_negative_binomial', ('k', 'p'), (k, p), shape, dtype, out,
                    _draw_nb)


def _draw_gnb(gen, xp, is_np, shp, mu, alpha):
    pos = alpha > 0
    a = xp.where(pos, alpha, 1.0)
    lam = xp.where(pos, _std_gamma(gen, 1.0 / a, shp) * (a * mu), mu * xp.ones(shp))
    return gen.poisson(lam)


def sample_generalized_negative_binomial(mu=None, alpha=None, shape=None, dtype=None,
                                         out=None, name=None, **kwargs):
    """Generalized negative binomial samples: mean ``mu``, variance mu + alpha mu^2
    (alpha = 0 gives Poisson(mu)), returned as floats."""
    return _sampler('sample_generalized_negative_binomial', ('mu', 'alpha'), (mu, alpha),
                    shape, dtype, out, _draw_gnb)


def _multinomial_bwd(xp, g, ins, out, attrs):
    # d log p[idx] / d p[idx] = 1 / p[idx], accumulated over the draws
    if getattr(xp, 'is_nd', False):
        raise DistGluError("second-order gradients: random_pdf_* and sample_multinomial's "
                           "log-probabilities are differentiable once only")
    k, extra_n, pshape = attrs
    inv = ins[0]                       # 1/p[idx], shape of the log-prob output
    gi = g * inv
    oh = ins[1]                        # one-hot of idx: P + E + (k,)
    gi = xp.reshape(gi, gi.shape + (1,)) * oh
    if extra_n:
        gi = xp.sum(gi, axis=tuple(range(len(pshape), len(pshape) + extra_n)))
    return (xp.reshape(gi, pshape + (k,)),)


def sample_multinomial(data=None, shape=None, get_prob=False, dtype='int32', out=None,
                       name=None, **kwargs):
    """Category indices drawn from the distributions in the last axis of ``data``.

    The output has shape ``data.shape[:-1] + shape`` ((1,) when that is empty) and dtype
    ``dtype`` (int32, uint8, float16, float32 or float64). As MXNet, the probabilities
    are not normalized: a draw is the first index whose cumulative probability reaches a
    uniform number, or ``k`` (one past the last category) when the row sums to less than
    the number drawn. With ``get_prob=True`` also returns log p[index] (in ``data``'s
    dtype), differentiable w.r.t. ``data`` (gradient g / p[index] at the drawn index;
    the log-probability of an out-of-range draw uses the last category).
    """
    if not isinstance(data, NDArray):
        raise DistGluError("sample_multinomial: expected an NDArray of probabilities for "
                           "data, got %s" % type(data).__name__)
    if data.ndim < 1:
        raise DistGluError("sample_multinomial: data must have at least one axis (the "
                           "categories), got shape ()")
    dt = normalize_dtype(dtype if dtype is not None else 'int32')
    if dt.name not in ('int32', 'uint8', 'float16', 'float32', 'float64'):
        raise DistGluError("sample_multinomial: dtype must be one of int32, uint8, float16, "
                           "float32, float64, got %s" % dt.name)
    extra = _extra_shape(shape)
    ctx = data._ctx
    x = data._data
    xp = _xp(x)
    k = x.shape[-1]
    pshape = x.shape[:-1]
    gen = _generator(ctx)
    with device_scope(ctx):
        cdf = xp.cumsum(x.astype(np.float64), axis=-1)
        cdf = cdf.reshape(pshape + (1,) * len(extra) + (k,))
        u = xp.asarray(_std_uniform(gen, xp is np, pshape + extra))
        idx = (cdf < u[..., None]).sum(axis=-1)
        oshape = pshape + extra or (1,)
        res = _wrap(idx.astype(dt).reshape(oshape), ctx)
        if not get_prob:
            return _write_out(out, res)
        ci = xp.minimum(idx, k - 1)
        pb = x.reshape(pshape + (1,) * len(extra) + (k,))
        pb = xp.broadcast_to(pb, pshape + extra + (k,))
        sel = xp.take_along_axis(pb, ci[..., None], axis=-1)[..., 0]
        with np.errstate(divide='ignore'):
            lp = xp.log(sel).astype(x.dtype, copy=False).reshape(oshape)
        ins = ()
        if _ag._recording and data._node is not None:
            with np.errstate(divide='ignore'):
                inv = (1.0 / sel).astype(x.dtype, copy=False).reshape(oshape)
            oh = (ci[..., None] == xp.arange(k)).astype(x.dtype)
            ins = (_wrap(inv, ctx), _wrap(oh, ctx))
    lpres = _result(lp, ctx, _multinomial_bwd, (data,), ins, None, (k, len(extra), pshape))
    if out is not None:
        if not isinstance(out, (list, tuple)) or len(out) != 2:
            raise DistGluError("sample_multinomial: with get_prob=True, out must be a list "
                               "of two NDArrays (samples, log-probabilities)")
        return [_write_out(out[0], res), _write_out(out[1], lpres)]
    return [res, lpres]


# ------------------------------------------------------------------ scalar aliases

def _scalar_alias(opname, kind, names, values, shape, ctx, dtype, out):
    for n, v in zip(names, values):
        if isinstance(v, NDArray) or not isinstance(v, (int, float, np.number)):
            raise DistGluError("%s: %s must be a number, got %s (use nd.random.%s or "
                               "nd.sample_%s for array parameters)"
                               % (opname, n, type(v).__name__, kind, kind))
    if shape is None and out is None:
        raise DistGluError("%s: shape is required (MXNet cannot infer the output shape "
                           "without it)" % opname)
    if isinstance(ctx, str):
        from ...context import Context
        dev, _, rest = ctx.partition('(')
        ctx = Context(dev, int(rest.rstrip(')') or 0))
    dt = _float_dtype(opname, dtype if dtype is not None or out is None else out.dtype)
    return _sample(kind, tuple(values), shape, dt, ctx, out)


def random_negative_binomial(k=1, p=1, shape=None, ctx=None, dtype=None, out=None,
                             name=None, **kwargs):
    """MXNet's ``_random_negative_binomial`` operator (``nd.random_negative_binomial``):
    numbers ``k`` (an integer) and ``p`` only, and ``shape`` is required; for array
    parameters use ``nd.random.negative_binomial`` or ``nd.sample_negative_binomial``."""
    if not isinstance(k, NDArray) and not (isinstance(k, (int, np.integer)) or
                                           (isinstance(k, float) and k == int(k))):
        raise DistGluError("random_negative_binomial: k must be an integer, got %r" % (k,))
    return _scalar_alias('random_negative_binomial', 'negative_binomial', ('k', 'p'),
                         (k, p), shape, ctx, dtype, out)


def random_generalized_negative_binomial(mu=1, alpha=1, shape=None, ctx=None, dtype=None,
                                         out=None, name=None, **kwargs):
    """MXNet's ``_random_generalized_negative_binomial`` operator: numbers ``mu`` and
    ``alpha`` only, ``shape`` required."""
    return _scalar_alias('random_generalized_negative_binomial',
                         'generalized_negative_binomial', ('mu', 'alpha'), (mu, alpha),
                         shape, ctx, dtype, out)


# ------------------------------------------------------------------ densities

def _pdf_bwd(xp, g, ins, out, attrs):
    """ins: the gradient factors of the inputs that have one (attrs[0] marks which);
    attrs[1]: per input, the axes to reduce and the shape to reshape to; attrs[2]: whether
    the output dropped a last axis (Dirichlet)."""
    if getattr(xp, 'is_nd', False):
        raise DistGluError("second-order gradients: random_pdf_* and sample_multinomial's "
                           "log-probabilities are differentiable once only")
    has, red, dirichlet = attrs
    if dirichlet:                      # the output dropped the components' axis
        g = xp.reshape(g, g.shape + (1,))
    grads = []
    j = 0
    for i, h in enumerate(has):
        if not h:
            grads.append(None)
            continue
        gi = g * ins[j]
        j += 1
        axes, shp = red[i]
        if axes:
            gi = xp.sum(gi, axis=axes)
        if gi.shape != shp:
            gi = xp.reshape(gi, shp)
        grads.append(gi)
    return tuple(grads)


def _pdf(opname, sample, names, params, is_log, logfn, out, dirichlet=False,
         discrete=False):
    if not isinstance(sample, NDArray):
        raise DistGluError("%s: expected an NDArray for sample, got %s"
                           % (opname, type(sample).__name__))
    p0 = _params(opname, names, params)
    if p0._ctx != sample._ctx:
        raise DistGluError("%s: sample and parameters must be on the same context, got %s "
                           "and %s" % (opname, sample._ctx, p0._ctx))
    for n, v in zip(('sample',) + tuple(names), (sample,) + tuple(params)):
        vd, sd = v._data.dtype, sample._data.dtype
        if vd.kind != 'f' or vd != sd:
            raise DistGluError("%s: sample and parameters must share one floating-point "
                               "dtype, got sample %s and %s %s" % (opname, sd.name, n, vd.name))
    x = sample._data
    ps = p0.shape
    sshape = x.shape
    if dirichlet:
        if len(ps) < 1:
            raise DistGluError("%s: alpha must have at least one axis, got shape ()" % opname)
        lead, kk = ps[:-1], ps[-1]
        ok = (len(sshape) >= len(ps) and sshape[:len(lead)] == lead and sshape[-1] == kk)
        nextra = len(sshape) - len(ps)
        bshape = lead + (1,) * nextra + (kk,)
        raxes = tuple(range(len(lead), len(lead) + nextra))
        expect = "alpha.shape[:-1] + (any) + alpha.shape[-1:] = %s + (...) + (%d,)" % (lead, kk)
    else:
        ok = len(sshape) >= len(ps) and sshape[:len(ps)] == ps
        nextra = len(sshape) - len(ps)
        bshape = ps + (1,) * nextra
        raxes = tuple(range(len(ps), len(sshape)))
        expect = "the parameters' shape %s followed by any axes" % (ps,)
    if not ok:
        raise DistGluError("%s: sample must have shape %s, got %s" % (opname, expect, sshape))
    xp = _xp(x)
    ctx = sample._ctx
    raws = [v._data.reshape(bshape) for v in params]
    inputs = (sample,) + tuple(params)
    need = _ag._recording and any(v._node is not None for v in inputs)
    with device_scope(ctx), np.errstate(all='ignore'):
        logp, derivs = logfn(xp, x, *raws, need)
        logp = logp.astype(x.dtype, copy=False)
        y = logp if is_log else xp.exp(logp)
        ins = []
        has = []
        if need:
            for i, d in enumerate(derivs):
                if d is None or (i == 0 and discrete):
                    has.append(False)
                    continue
                f = d if is_log else d * (y[..., None] if dirichlet else y)
                f = xp.broadcast_to(f, sshape).astype(x.dtype, copy=False)
                has.append(True)
                ins.append(_wrap(xp.ascontiguousarray(f), ctx))
    red = [((), sshape)] + [(raxes, ps)] * len(params)
    res = _result(y, ctx, _pdf_bwd, inputs, tuple(ins), None, (tuple(has), red, dirichlet))
    return _write_out(out, res)


def _lg(xp, v):
    return _gammaln_raw(xp, v)


def _dg(xp, v):
    return _digamma_raw(xp, v)


def _log_uniform(xp, x, lo, hi, need):
    w = hi - lo
    logp = -xp.log(w) + x * 0
    if not need:
        return logp, ()
    inv = 1.0 / w
    return logp, (None, inv, -inv)


def random_pdf_uniform(sample=None, low=None, high=None, is_log=False, out=None, name=None,
                       **kwargs):
    """Density of U[low, high) at ``sample``: 1/(high-low) (MXNet checks no support)."""
    return _pdf('random_pdf_uniform', sample, ('low', 'high'), (low, high), is_log,
                _log_uniform, out)


_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _log_normal(xp, x, mu, sigma, need):
    z = (x - mu) / sigma
    logp = -0.5 * z * z - xp.log(sigma) - _HALF_LOG_2PI
    if not need:
        return logp, ()
    dmu = z / sigma
    return logp, (-dmu, dmu, (z * z - 1.0) / sigma)


def random_pdf_normal(sample=None, mu=None, sigma=None, is_log=False, out=None, name=None,
                      **kwargs):
    """Density of N(mu, sigma^2) at ``sample``."""
    return _pdf('random_pdf_normal', sample, ('mu', 'sigma'), (mu, sigma), is_log,
                _log_normal, out)


def _log_gamma(xp, x, alpha, beta, need):
    lx = xp.log(x)
    logp = alpha * xp.log(beta) + (alpha - 1.0) * lx - beta * x - _lg(xp, alpha)
    if not need:
        return logp, ()
    return logp, ((alpha - 1.0) / x - beta, xp.log(beta) + lx - _dg(xp, alpha),
                  alpha / beta - x)


def random_pdf_gamma(sample=None, alpha=None, beta=None, is_log=False, out=None, name=None,
                     **kwargs):
    """Density of Gamma(shape alpha, *rate* beta) at ``sample`` (as MXNet: the rate, while
    ``sample_gamma``'s beta is a scale)."""
    return _pdf('random_pdf_gamma', sample, ('alpha', 'beta'), (alpha, beta), is_log,
                _log_gamma, out)


def _log_exponential(xp, x, lam, need):
    logp = xp.log(lam) - lam * x
    if not need:
        return logp, ()
    return logp, (-lam + x * 0, 1.0 / lam - x)


def random_pdf_exponential(sample=None, lam=None, is_log=False, out=None, name=None,
                           **kwargs):
    """Density of the exponential distribution with rate ``lam`` at ``sample``."""
    return _pdf('random_pdf_exponential', sample, ('lam',), (lam,), is_log,
                _log_exponential, out)


def _log_poisson(xp, x, lam, need):
    logp = x * xp.log(lam) - lam - _lg(xp, x + 1.0)
    if not need:
        return logp, ()
    return logp, (None, x / lam - 1.0)


def random_pdf_poisson(sample=None, lam=None, is_log=False, out=None, name=None, **kwargs):
    """Probability of ``sample`` under Poisson(lam) (lgamma-based, so non-integer samples
    get a value too, as MXNet). The sample gets a zero gradient."""
    return _pdf('random_pdf_poisson', sample, ('lam',), (lam,), is_log, _log_poisson, out,
                discrete=True)


def _log_nb(xp, x, k, p, need):
    logp = (_lg(xp, x + k) - _lg(xp, x + 1.0) - _lg(xp, k) + k * xp.log(p)
            + x * xp.log(1.0 - p))
    if not need:
        return logp, ()
    return logp, (None, _dg(xp, x + k) - _dg(xp, k) + xp.log(p), k / p - x / (1.0 - p))


def random_pdf_negative_binomial(sample=None, k=None, p=None, is_log=False, out=None,
                                 name=None, **kwargs):
    """Probability of ``sample`` failures before the ``k``-th success (success probability
    ``p``): C(x+k-1, x) p^k (1-p)^x. The sample gets a zero gradient."""
    return _pdf('random_pdf_negative_binomial', sample, ('k', 'p'), (k, p), is_log, _log_nb,
                out, discrete=True)


def _log_gnb(xp, x, mu, alpha, need):
    r = 1.0 / alpha
    am = alpha * mu
    l1 = xp.log(1.0 + am)
    logp = (_lg(xp, x + r) - _lg(xp, x + 1.0) - _lg(xp, r) - r * l1
            + x * (xp.log(am) - l1))
    if not need:
        return logp, ()
    dmu = x / mu - (1.0 + x * alpha) / (1.0 + am)
    dalpha = ((_dg(xp, r) - _dg(xp, x + r)) * (r * r) + (r * r) * l1 - r * mu / (1.0 + am)
              + x * (r - mu / (1.0 + am)))
    return logp, (None, dmu, dalpha)


def random_pdf_generalized_negative_binomial(sample=None, mu=None, alpha=None, is_log=False,
                                             out=None, name=None, **kwargs):
    """Probability of ``sample`` under the negative binomial with mean ``mu`` and
    dispersion ``alpha`` (variance mu + alpha mu^2). The sample gets a zero gradient."""
    return _pdf('random_pdf_generalized_negative_binomial', sample, ('mu', 'alpha'),
                (mu, alpha), is_log, _log_gnb, out, discrete=True)


def _log_dirichlet(xp, x, alpha, need):
    lx = xp.log(x)
    sa = alpha.sum(axis=-1)
    logp = _lg(xp, sa) - _lg(xp, alpha).sum(axis=-1) + ((alpha - 1.0) * lx).sum(axis=-1)
    if not need:
        return logp, ()
    return logp, ((alpha - 1.0) / x, _dg(xp, sa)[..., None] - _dg(xp, alpha) + lx)


def random_pdf_dirichlet(sample=None, alpha=None, is_log=False, out=None, name=None,
                         **kwargs):
    """Density of Dirichlet(alpha) at ``sample`` (the last axis holds the k components;
    the output drops it). The components are not checked to sum to one, as MXNet."""
    return _pdf('random_pdf_dirichlet', sample, ('alpha',), (alpha,), is_log,
                _log_dirichlet, out, dirichlet=True)
