"""Neural-network operators behind the core Gluon layers.

``FullyConnected`` (one GEMM), ``softmax``/``log_softmax``/``softmin``,
``SoftmaxActivation``, ``Dropout``, ``Embedding``, ``smooth_l1`` and
``softmax_cross_entropy``, with MXNet 1.x's arguments and semantics.
"""
import numpy as np

from ... import autograd as _ag
from ...base import DistGluError
from ._core import _result, _write_out, _check_ctx, _grad_target, _check_nd, _xp

__all__ = ['FullyConnected', 'softmax', 'log_softmax', 'softmin', 'SoftmaxActivation',
           'Dropout', 'Embedding', 'smooth_l1', 'softmax_cross_entropy', 'log_sigmoid']


# ----------------------------------------------------------------------- FullyConnected

def _fc_bwd(xp, g, ins, out, attrs, grad_out=None):
    x, w = ins[0], ins[1]
    flatten, xshape, has_bias, need_dx = attrs
    if flatten:
        x2 = xp.reshape(x, (xshape[0], -1)) if len(xshape) != 2 else x
        g2 = g
    else:
        x2 = xp.reshape(x, (-1, xshape[-1]))
        g2 = xp.reshape(g, (-1, g.shape[-1]))
    # the data gradient is one of the three GEMMs: skip it when the input is not in a graph
    gx = xp.reshape(xp.dot(g2, w), xshape) if need_dx else None
    gw_buf = _grad_target(grad_out, 1, w.dtype)
    if gw_buf is not None:  # straight into the variable's gradient buffer
        gw = xp.dot(xp.transpose(g2), x2, out=gw_buf)
    else:
        gw = xp.dot(xp.transpose(g2), x2)
    if has_bias:
        gb_buf = _grad_target(grad_out, 2, g2.dtype)
        if gb_buf is not None:
            return gx, gw, xp.sum(g2, axis=0, out=gb_buf)
        return gx, gw, xp.sum(g2, axis=0)
    return gx, gw


_fc_bwd.grad_out = True


def FullyConnected(data, weight, bias=None, num_hidden=None, no_bias=False, flatten=True,
                   out=None, name=None, **kwargs):
    """``data · weightᵀ + bias`` (MXNet's FullyConnected).

    data: (N, ...) flattened to (N, prod(...)) when ``flatten`` else (..., in_units);
    weight: (num_hidden, in_units); bias: (num_hidden,). One BLAS call plus the bias add.
    """
    x = data._data
    w = weight._data
    if data._ctx is not weight._ctx:
        _check_ctx(data, weight, 'FullyConnected')
    xshape = x.shape
    if flatten:
        x2 = x.reshape(xshape[0], -1) if x.ndim != 2 else x
    else:
        x2 = x
    if w.ndim != 2 or x2.shape[-1] != w.shape[1]:
        raise DistGluError("FullyConnected: weight of shape %s does not match input of shape "
                           "%s (expected weight (num_hidden, %d))"
                           % (w.shape, xshape, x2.shape[-1]))
    if num_hidden is not None and w.shape[0] != num_hidden:
        raise DistGluError("FullyConnected: num_hidden=%d but weight has shape %s"
                           % (num_hidden, w.shape))
    if x2.dtype is not w.dtype and x2.dtype != w.dtype:
        raise DistGluError("FullyConnected: data (%s) and weight (%s) must have the same dtype"
                           % (x2.dtype, w.dtype))
    if x2.ndim == 2:
        y = x2 @ w.T
    else:  # flatten=False with (..., in_units): one GEMM over all leading axes, not a batch
        y = (x2.reshape(-1, xshape[-1]) @ w.T).reshape(xshape[:-1] + (w.shape[0],))
    use_bias = bias is not None and not no_bias
    need_dx = data._node is not None
    if use_bias:
        y += bias._data
        res = _result(y, data._ctx, _fc_bwd, (data, weight, bias), (data, weight), None,
                      (flatten, xshape, True, need_dx))
    else:
        res = _result(y, data._ctx, _fc_bwd, (data, weight), (data, weight), None,
                      (flatten, xshape, False, need_dx))
    return res if out is None else _write_out(out, res)


# ----------------------------------------------------------------------- softmax family

def _softmax_raw(xp, x, axis, temperature):
    if temperature is not None and temperature != 1.0:
        x = x / x.dtype.type(temperature)
    e = xp.exp(x - xp.max(x, axis=axis, keepdims=True))
    e /= xp.sum(e, axis=axis, keepdims=True)
    return e


def _softmax_bwd(xp, g, ins, y, attrs):
    axis, t = attrs
    gx = y * (g - xp.sum(g * y, axis=axis, keepdims=True))
    return (gx if t == 1.0 else gx / t,)


def _length_mask(xp, x, length, axis):
    """Boolean mask of valid positions along ``axis`` given per-row ``length``."""
    n = x.shape[axis]
    ar = xp.arange(n).reshape([-1 if i == axis % x.ndim else 1 for i in range(x.ndim)])
    lshape = list(x.shape)
    lshape[axis % x.ndim] = 1
    return ar < length.reshape(lshape)


def softmax(data, length=None, axis=-1, temperature=None, use_length=False, dtype=None,
            out=None, name=None):
    """Softmax along ``axis`` (``exp(x/T) / sum exp(x/T)``), numerically stable."""
    _check_nd(data, 'softmax')
    x = data._data
    xp = _xp(x)
    if dtype is not None:
        x = x.astype(dtype)
    t = 1.0 if temperature is None else float(temperature)
    if use_length:
        if length is None:
            raise DistGluError("softmax: use_length=True needs the length array")
        mask = _length_mask(xp, x, length._data, axis)
        x = xp.where(mask, x, -np.inf)
        y = _softmax_raw(xp, x, axis, t)
        y = xp.where(mask, y, 0).astype(x.dtype, copy=False)
    else:
        y = _softmax_raw(xp, x, axis, t)
    res = _result(y, data._ctx, _softmax_bwd, (data,), (), y, (axis, t))
    return _write_out(out, res)


def _log_softmax_bwd(xp, g, ins, y, attrs):
    axis, t = attrs
    gx = g - xp.exp(y) * xp.sum(g, axis=axis, keepdims=True)
    return (gx if t == 1.0 else gx / t,)


def log_softmax(data, axis=-1, temperature=None, dtype=None, use_length=False, out=None,
                name=None):
    """log(softmax(data)) computed stably as ``x - max - log(sum(exp(x - max)))``.

    MXNet 1.9.1's log_softmax takes no ``length`` input, so ``use_length=True`` cannot
    work there either; here it is a clear error.
    """
    _check_nd(data, 'log_softmax')
    if use_length:
        raise DistGluError("log_softmax: use_length=True is not supported (MXNet's "
                           "log_softmax has no length input); mask the input or use "
                           "softmax(data, length, use_length=True)")
    x = data._data
    xp = _xp(x)
    if dtype is not None:
        x = x.astype(dtype)
    t = 1.0 if temperature is None else float(temperature)
    if t != 1.0:
        x = x / x.dtype.type(t)
    s = x - xp.max(x, axis=axis, keepdims=True)
    y = s - xp.log(xp.sum(xp.exp(s), axis=axis, keepdims=True))
    res = _result(y, data._ctx, _log_softmax_bwd, (data,), (), y, (axis, t))
    return _write_out(out, res)


def softmin(data, axis=-1, temperature=None, dtype=None, out=None, name=None):
    """softmax(-data)."""
    return softmax(-data, axis=axis, temperature=temperature, dtype=dtype, out=out)


def SoftmaxActivation(data, mode='instance', out=None, name=None):
    """Softmax over the flattened features (``instance``) or over axis 1 (``channel``)."""
    if mode == 'instance':
        shp = data.shape
        flat = data.reshape((shp[0], -1)) if len(shp) != 2 else data
        res = softmax(flat, axis=-1)
        res = res.reshape(shp) if len(shp) != 2 else res
    elif mode == 'channel':
        res = softmax(data, axis=1)
    else:
        raise DistGluError("SoftmaxActivation: mode must be 'instance' or 'channel', got %r"
                           % (mode,))
    return _write_out(out, res)


def _log_sigmoid_bwd(xp, g, ins, y, attrs):
    return (g * (1 - xp.exp(y)),)


def log_sigmoid(data, out=None, name=None):
    """log(sigmoid(x)) = -softrelu(-x), stable for large |x|."""
    x = data._data
    xp = _xp(x)
    y = xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))
    return _write_out(out, _result(y, data._ctx, _log_sigmoid_bwd, (data,), (), y))


# ----------------------------------------------------------------------- Dropout

def _dropout_bwd(xp, g, ins, mask, attrs):
    return (g * mask,)


def Dropout(data, p=0.5, mode='training', axes=(), cudnn_off=False, out=None, name=None,
            **kwargs):
    """Zero elements with probability ``p`` and scale the rest by 1/(1-p).

    Active only in training mode (``autograd.record()`` or ``train_mode()``) unless
    ``mode='always'``; ``axes`` shares one mask along those axes (variational dropout).
    """
    _check_nd(data, 'Dropout')
    if not 0 <= p <= 1:
        raise DistGluError("Dropout: p must be in [0, 1], got %r" % (p,))
    if mode not in ('training', 'always'):
        raise DistGluError("Dropout: mode must be 'training' or 'always', got %r" % (mode,))
    x = data._data
    if p == 0 or (mode == 'training' and not _ag._training):
        return data if out is None else _write_out(out, data)
    from .. import random as _rnd
    mshape = list(x.shape)
    for a in axes:
        mshape[a] = 1
    keep = 1.0 - p
    u = _rnd._uniform_raw(0.0, 1.0, tuple(mshape), x.dtype, data._ctx)
    mask = (u < keep).astype(x.dtype) * x.dtype.type(1.0 / keep) if keep > 0 else u * 0
    y = x * mask
    return _write_out(out, _result(y, data._ctx, _dropout_bwd, (data,), (), mask))


# ----------------------------------------------------------------------- Embedding

def _embedding_bwd(xp, g, ins, out, attrs):
    idx, wshape = attrs
    if getattr(xp, 'is_nd', False):
        raise DistGluError("Embedding: second-order gradients are not supported")
    flat_g = g.reshape(-1, wshape[1])
    gw = xp.zeros(wshape, dtype=g.dtype)
    xp.add.at(gw, idx.reshape(-1), flat_g)
    return (None, gw)


def Embedding(data, weight, input_dim=None, output_dim=None, dtype='float32', sparse_grad=False,
              out=None, name=None, **kwargs):
    """Look up rows of ``weight`` (input_dim, output_dim) for the integer ids in ``data``.

    Ids are clipped to [0, input_dim-1] as MXNet does; the output has shape
    data.shape + (output_dim,). ``sparse_grad`` is accepted and gives a dense gradient.
    """
    _check_nd(data, 'Embedding')
    _check_nd(weight, 'Embedding', 'weight')
    w = weight._data
    if input_dim is not None and w.shape[0] != input_dim or \
            output_dim is not None and w.shape[1] != output_dim:
        raise DistGluError("Embedding: weight has shape %s, expected (%s, %s)"
                           % (w.shape, input_dim, output_dim))
    xp = _xp(w)
    idx = xp.clip(data._data.astype(np.int64), 0, w.shape[0] - 1)
    y = w[idx]
    return _write_out(out, _result(y, weight._ctx, _embedding_bwd, (data, weight), (), None,
                                   (idx, w.shape)))


# ----------------------------------------------------------------------- losses as ops

def _smooth_l1_bwd(xp, g, ins, out, sigma2):
    x, = ins
    inside = xp.abs(x) < 1.0 / sigma2
    return (xp.where(inside, g * x * sigma2, g * xp.sign(x)),)


def smooth_l1(data, scalar=1.0, out=None, name=None):
    """Elementwise smooth L1: 0.5 (σx)² if |x| < 1/σ² else |x| - 0.5/σ² (σ = scalar)."""
    x = data._data
    xp = _xp(x)
    s2 = float(scalar) ** 2
    ax = xp.abs(x)
    y = xp.where(ax < 1.0 / s2, 0.5 * s2 * x * x, ax - 0.5 / s2).astype(x.dtype, copy=False)
    return _write_out(out, _result(y, data._ctx, _smooth_l1_bwd, (data,), (data,), None, s2))


def softmax_cross_entropy(data, label, out=None, name=None):
    """Sum over the batch of -log softmax(data)[label]; returns shape (1,)."""
    from .indexing import pick
    from .reduce import sum as _sum
    ls = log_softmax(data, axis=-1)
    return _write_out(out, -_sum(pick(ls, label, axis=-1)))
