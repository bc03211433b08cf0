"""MXNet 1.x's fused update operators over many arrays at once (``nd.multi_sgd_update``,
``nd.preloaded_multi_*``, ``nd.multi_lars``) and the checks over many arrays
(``nd.all_finite``, ``nd.multi_sum_sq``, ...); the single-array rules are in update_ops."""
import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _xp
from .update_ops import _arrays, _extra, _finish, _num, _sgd, _wrap

__all__ = ['all_finite', 'multi_all_finite', 'multi_sum_sq', 'reset_arrays',
           'multi_sgd_update', 'multi_sgd_mom_update', 'multi_mp_sgd_update',
           'multi_mp_sgd_mom_update', 'preloaded_multi_sgd_update',
           'preloaded_multi_sgd_mom_update', 'preloaded_multi_mp_sgd_update',
           'preloaded_multi_mp_sgd_mom_update', 'multi_lars']


# ---------------------------------------------------------------------------- checks on many
def _nd_list(op, data, num, what='num_arrays'):
    if num is not None and int(num) != len(data):
        raise DistGluError("%s: %s=%d but %d arrays were given" % (op, what, int(num), len(data)))
    for i, a in enumerate(data):
        if not isinstance(a, NDArray):
            raise DistGluError("%s: expected NDArrays, got %s at position %d"
                               % (op, type(a).__name__, i))
    if not data:
        raise DistGluError("%s: expected at least one NDArray" % op)


def _flag_out(op, res, ctx, out):
    if out is None:
        return _wrap(res, ctx)
    if not isinstance(out, NDArray) or out.shape != (1,):
        raise DistGluError("%s: out: expected an NDArray of shape (1,), got %s"
                           % (op, out.shape if isinstance(out, NDArray) else type(out).__name__))
    out._check_inplace()
    out._data[...] = res
    return out


def _finite(op, arrays, init_output, out):
    xp = _xp(arrays[0]._data)
    ok = None
    for a in arrays:
        f = xp.isfinite(a._data).all()
        ok = f if ok is None else ok & f
    ok = ok.reshape(1).astype(np.float32)
    if not init_output and out is not None:  # MXNet only clears the flag: keep out when finite
        ok = out._data * ok
    return _flag_out(op, ok, arrays[0]._ctx, out)


def all_finite(data=None, init_output=True, out=None, name=None, **kwargs):
    """Shape (1,) float32: 1 if every element of ``data`` is finite, else 0
    (``mxnet.nd.all_finite``). With ``init_output=False`` and ``out`` given, ``out`` is only
    set to 0 (when something is not finite) and otherwise keeps its value."""
    _extra('all_finite', kwargs)
    _nd_list('all_finite', [data], None)
    return _finite('all_finite', [data], init_output, out)


def multi_all_finite(*data, num_arrays=1, init_output=True, out=None, name=None, **kwargs):
    """:func:`all_finite` over all ``num_arrays`` arrays (``mxnet.nd.multi_all_finite``)."""
    _extra('multi_all_finite', kwargs)
    _nd_list('multi_all_finite', data, num_arrays)
    return _finite('multi_all_finite', data, init_output, out)


def multi_sum_sq(*data, num_arrays=None, out=None, name=None, **kwargs):
    """Float32 array of shape (num_arrays,): the sum of squares of each array
    (``mxnet.nd.multi_sum_sq``), accumulated in at least float32."""
    op = 'multi_sum_sq'
    _extra(op, kwargs)
    if num_arrays is None:
        raise DistGluError("%s: required parameter num_arrays is missing" % op)
    _nd_list(op, data, num_arrays)
    xp = _xp(data[0]._data)
    res = xp.empty((len(data),), dtype=np.float32)
    for i, a in enumerate(data):
        x = a._data.ravel()
        if x.dtype != np.float64 and x.dtype != np.float32:
            x = x.astype(np.float32)
        res[i] = xp.dot(x, x)
    if out is None:
        return _wrap(res, data[0]._ctx)
    if not isinstance(out, NDArray) or out.shape != res.shape:
        raise DistGluError("%s: out: expected an NDArray of shape %s" % (op, res.shape))
    out._check_inplace()
    out._data[...] = res
    return out


def reset_arrays(*data, num_arrays=None, out=None, name=None, **kwargs):
    """Set every array to zero in place (``mxnet.nd.reset_arrays``); returns ``[]`` as MXNet."""
    op = 'reset_arrays'
    _extra(op, kwargs)
    if num_arrays is None:
        raise DistGluError("%s: required parameter num_arrays is missing" % op)
    _nd_list(op, data, num_arrays)
    for a in data:
        a._check_inplace()
    for a in data:
        a._data[...] = 0
    return []


# ---------------------------------------------------------------------------- multi-tensor SGD
def _multi_sgd(op, data, per, lrs, wds, momentum, rescale_grad, clip_gradient, num_weights,
               out, preloaded):
    """Apply the one-tensor SGD kernel to each group of ``per`` arrays of ``data``
    (weight, grad[, mom][, weight32]); preloaded: ``lrs``, ``wds`` are the last two arrays."""
    n = int(num_weights)
    data = list(data)
    if preloaded:
        if len(data) != per * n + 2:
            raise DistGluError("%s: expected %d arrays (%d per weight for num_weights=%d, then "
                               "lrs and wds), got %d" % (op, per * n + 2, per, n, len(data)))
        lr_nd, wd_nd = data[-2], data[-1]
        _nd_list(op, [lr_nd, wd_nd], None)
        if lr_nd.size != n or wd_nd.size != n:
            raise DistGluError("%s: lrs and wds must have num_weights=%d elements, got %d and %d"
                               % (op, n, lr_nd.size, wd_nd.size))
        lrs = lr_nd._data.ravel().tolist()   # host values: the kernel's scalars
        wds = wd_nd._data.ravel().tolist()
        data = data[:-2]
    else:
        if len(data) != per * n:
            raise DistGluError("%s: expected %d arrays (%d per weight for num_weights=%d), got %d"
                               % (op, per * n, per, n, len(data)))
        if lrs is None or wds is None:
            raise DistGluError("%s: required parameters lrs and wds are missing" % op)
        lrs, wds = list(lrs), list(wds)
        if len(lrs) != n or len(wds) != n:
            raise DistGluError("%s: lrs and wds must have num_weights=%d values, got %d and %d"
                               % (op, n, len(lrs), len(wds)))
    if out is not None:
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        if len(outs) != n:
            raise DistGluError("%s: out: expected %d arrays, got %d" % (op, n, len(outs)))
    else:
        outs = [None] * n
    has_mom = per in (3, 4) and op.find('mom') >= 0
    mp = op.find('mp_') >= 0
    res = []
    for i in range(n):
        grp = data[per * i: per * (i + 1)]
        mom = grp[2] if has_mom else None
        w32 = grp[-1] if mp else None
        res.append(_sgd(op, grp[0], grp[1], mom, w32, lrs[i], momentum, wds[i], rescale_grad,
                        clip_gradient, outs[i]))
    return res


def multi_sgd_update(*data, lrs=None, wds=None, rescale_grad=1.0, clip_gradient=-1.0,
                     num_weights=1, out=None, name=None, **kwargs):
    """:func:`sgd_update` on ``num_weights`` (weight, grad) pairs given flat in ``data``, with
    per-weight ``lrs`` and ``wds`` (``mxnet.nd.multi_sgd_update``). Returns the list of new
    weights (pass ``out=`` the weights to update them in place, as MXNet requires)."""
    _extra('multi_sgd_update', kwargs)
    return _multi_sgd('multi_sgd_update', data, 2, lrs, wds, 0.0, rescale_grad, clip_gradient,
                      num_weights, out, False)


def multi_sgd_mom_update(*data, lrs=None, wds=None, momentum=0.0, rescale_grad=1.0,
                         clip_gradient=-1.0, num_weights=1, out=None, name=None, **kwargs):
    """:func:`sgd_mom_update` on ``num_weights`` (weight, grad, mom) triples
    (``mxnet.nd.multi_sgd_mom_update``)."""
    _extra('multi_sgd_mom_update', kwargs)
    return _multi_sgd('multi_sgd_mom_update', data, 3, lrs, wds, momentum, rescale_grad,
                      clip_gradient, num_weights, out, False)


def multi_mp_sgd_update(*data, lrs=None, wds=None, rescale_grad=1.0, clip_gradient=-1.0,
                        num_weights=1, out=None, name=None, **kwargs):
    """:func:`mp_sgd_update` on ``num_weights`` (weight, grad, weight32) triples
    (``mxnet.nd.multi_mp_sgd_update``)."""
    _extra('multi_mp_sgd_update', kwargs)
    return _multi_sgd('multi_mp_sgd_update', data, 3, lrs, wds, 0.0, rescale_grad,
                      clip_gradient, num_weights, out, False)


def multi_mp_sgd_mom_update(*data, lrs=None, wds=None, momentum=0.0, rescale_grad=1.0,
                            clip_gradient=-1.0, num_weights=1, out=None, name=None, **kwargs):
    """:func:`mp_sgd_mom_update` on ``num_weights`` (weight, grad, mom, weight32) quadruples
    (``mxnet.nd.multi_mp_sgd_mom_update``)."""
    _extra('multi_mp_sgd_mom_update', kwargs)
    return _multi_sgd('multi_mp_sgd_mom_update', data, 4, lrs, wds, momentum, rescale_grad,
                      clip_gradient, num_weights, out, False)


def preloaded_multi_sgd_update(*data, rescale_grad=1.0, clip_gradient=-1.0, num_weights=1,
                               out=None, name=None, **kwargs):
    """:func:`multi_sgd_update` with ``lrs`` and ``wds`` given as the last two arrays of
    ``data`` (shape (num_weights,)) (``mxnet.nd.preloaded_multi_sgd_update``)."""
    _extra('preloaded_multi_sgd_update', kwargs)
    return _multi_sgd('preloaded_multi_sgd_update', data, 2, None, None, 0.0, rescale_grad,
                      clip_gradient, num_weights, out, True)


def preloaded_multi_sgd_mom_update(*data, momentum=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                                   num_weights=1, out=None, name=None, **kwargs):
    """:func:`multi_sgd_mom_update` with array ``lrs``, ``wds`` last in ``data``
    (``mxnet.nd.preloaded_multi_sgd_mom_update``)."""
    _extra('preloaded_multi_sgd_mom_update', kwargs)
    return _multi_sgd('preloaded_multi_sgd_mom_update', data, 3, None, None, momentum,
                      rescale_grad, clip_gradient, num_weights, out, True)


def preloaded_multi_mp_sgd_update(*data, rescale_grad=1.0, clip_gradient=-1.0, num_weights=1,
                                  out=None, name=None, **kwargs):
    """:func:`multi_mp_sgd_update` with array ``lrs``, ``wds`` last in ``data``
    (``mxnet.nd.preloaded_multi_mp_sgd_update``)."""
    _extra('preloaded_multi_mp_sgd_update', kwargs)
    return _multi_sgd('preloaded_multi_mp_sgd_update', data, 3, None, None, 0.0, rescale_grad,
                      clip_gradient, num_weights, out, True)


def preloaded_multi_mp_sgd_mom_update(*data, momentum=0.0, rescale_grad=1.0,
                                      clip_gradient=-1.0, num_weights=1, out=None, name=None,
                                      **kwargs):
    """:func:`multi_mp_sgd_mom_update` with array ``lrs``, ``wds`` last in ``data``
    (``mxnet.nd.preloaded_multi_mp_sgd_mom_update``)."""
    _extra('preloaded_multi_mp_sgd_mom_update', kwargs)
    return _multi_sgd('preloaded_multi_mp_sgd_mom_update', data, 4, None, None, momentum,
                      rescale_grad, clip_gradient, num_weights, out, True)


def multi_lars(lrs=None, weights_sum_sq=None, grads_sum_sq=None, wds=None, eta=None, eps=None,
               rescale_grad=1.0, out=None, name=None, **kwargs):
    """LARS learning rates (``mxnet.nd.multi_lars``), elementwise over arrays of shape (n,):
    with ``w = sqrt(weights_sum_sq)`` and ``g = sqrt(grads_sum_sq) * rescale_grad``,
    ``lrs * eta * w / (g + wds * w + eps)`` where ``w > 0`` and ``g > 0``, else ``lrs``."""
    op = 'multi_lars'
    _extra(op, kwargs)
    eta = _num(op, 'eta', eta, True)
    eps = _num(op, 'eps', eps, True)
    rescale = _num(op, 'rescale_grad', rescale_grad)
    lr = _arrays(op, lrs, [('weights_sum_sq', weights_sum_sq, None),
                           ('grads_sum_sq', grads_sum_sq, None), ('wds', wds, None)], 'lrs')
    xp = _xp(lr)
    wn = xp.sqrt(weights_sum_sq._data)
    gn = xp.sqrt(grads_sum_sq._data)
    gn *= rescale
    den = wds._data * wn
    den += gn
    den += eps
    num = lr * eta
    num *= wn
    ok = (wn > 0) & (gn > 0)
    res = xp.where(ok, num / den, lr)
    return _finish(op, res, lrs, out)
