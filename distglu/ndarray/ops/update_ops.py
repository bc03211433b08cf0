"""MXNet 1.x's fused optimizer update operators (``nd.sgd_update``, ``nd.adam_update``, ...).

As in MXNet 1.9.1: the new weight is the output (pass ``out=weight`` to update the weight in
place, as ``mxnet.optimizer`` does); the state arrays (``mom``, ``mean``, ``var``, ``weight32``,
...) are always updated in place; nothing is recorded by autograd. Scalars are applied in the
weight's dtype, and gradients are clipped for ``clip_gradient >= 0`` (as the kernels: 0 clips
every gradient to 0; MXNet's default -1 means no clipping). ``lazy_update`` only matters
for row_sparse gradients, which distglu does not have: it is accepted and ignored. The formulas are those of distglu.optimizer's rules
(bit-exact against MXNet 1.9.1's kernels), which share their in-place helpers with this module.
"""
import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _xp, _same_device

__all__ = ['sgd_update', 'sgd_mom_update', 'mp_sgd_update', 'mp_sgd_mom_update',
           'nag_mom_update', 'mp_nag_mom_update', 'adam_update', 'rmsprop_update',
           'rmspropalex_update', 'ftrl_update', 'ftml_update', 'signsgd_update',
           'signum_update', 'lamb_update_phase1', 'lamb_update_phase2']

_wrap = NDArray._wrap


# ---------------------------------------------------------------------------- checks
def _extra(op, kwargs):
    if kwargs:
        raise DistGluError("%s: unknown argument(s) %s" % (op, ', '.join(sorted(kwargs))))


def _given(op, **arrays):
    """Required array arguments must be NDArrays (before None could select another kernel)."""
    for name, a in arrays.items():
        if not isinstance(a, NDArray):
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (op, name, type(a).__name__))


def _num(op, what, x, required=False):
    """A Python float (keeps float32 arithmetic float32)."""
    if x is None:
        if required:
            raise DistGluError("%s: required parameter %s is missing" % (op, what))
        return None
    try:
        return float(x)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s: expected a number, got %r" % (op, what, x)) from err


def _arrays(op, weight, named, weight_name='weight', dtype=None):
    """Check that ``weight`` and each (name, array, dtype or None=weight's) are NDArrays of
    weight's shape on its device. Return ``weight``'s raw array."""
    if not isinstance(weight, NDArray):
        raise DistGluError("%s: expected an NDArray for %s, got %s"
                           % (op, weight_name, type(weight).__name__))
    w = weight._data
    for name, a, dt in named:
        if not isinstance(a, NDArray):
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (op, name, type(a).__name__))
        if a.shape != weight.shape:
            raise DistGluError("%s: %s must have the shape of %s %s, got %s"
                               % (op, name, weight_name, weight.shape, a.shape))
        want = w.dtype if dt is None else np.dtype(dt)
        if a._data.dtype != want:
            raise DistGluError("%s: %s must have dtype %s, got %s"
                               % (op, name, want, a._data.dtype))
        if not _same_device(a._ctx, weight._ctx):
            raise DistGluError("%s: all inputs must be on the same context, got %s (%s) and %s"
                               " (%s)" % (op, weight._ctx, weight_name, a._ctx, name))
    return w


def _target(weight, out):
    """The raw array the new weight is computed in: the weight's own buffer for
    ``out=weight`` (in place, as MXNet), else a copy."""
    if out is weight:
        weight._check_inplace()
        return weight._data
    return weight._data.copy()


def _finish(op, nw, weight, out):
    """Return the new weight ``nw``: wrapped, or written into ``out``."""
    if out is None:
        return _wrap(nw, weight._ctx)
    if out is weight:
        return out
    if not isinstance(out, NDArray):
        raise DistGluError("%s: out: expected an NDArray, got %s" % (op, type(out).__name__))
    if out.shape != nw.shape:
        raise DistGluError("%s: out: expected an array of shape %s, got %s"
                           % (op, nw.shape, out.shape))
    out._check_inplace()
    out._data[...] = nw
    return out


def _clip(xp, g, clip):
    if clip is not None and clip >= 0:      # as MXNet's kernels: 0 clips to 0, -1 is off
        xp.clip(g, -clip, clip, out=g)
    return g


def _rescaled(xp, grad, rescale, clip, w=None, wd=0.0, dtype=None):
    """A new array ``clip(rescale * grad [+ wd * w])`` (in ``dtype``: for mixed precision)."""
    if dtype is not None and grad.dtype != dtype:
        g = grad.astype(dtype)
        g *= rescale
    else:
        g = grad * rescale
    if wd:
        g += w * wd
    return _clip(xp, g, clip)


def _opt():
    # imported late: distglu.optimizer imports distglu.ndarray, which loads this module
    from ...optimizer import optimizer, sgd, adam
    return optimizer, sgd, adam


# ---------------------------------------------------------------------------- SGD family
def _sgd(op, weight, grad, mom, weight32, lr, momentum, wd, rescale_grad, clip_gradient, out,
         nesterov=False):
    """SGD / momentum SGD / NAG, plain or mixed precision (``weight32`` the float32 master)."""
    lr = _num(op, 'lr', lr, True)
    momentum = _num(op, 'momentum', momentum)
    wd = _num(op, 'wd', wd)
    rescale = _num(op, 'rescale_grad', rescale_grad)
    clip = _num(op, 'clip_gradient', clip_gradient)
    named = [('grad', grad, None)]
    if mom is not None or weight32 is not None:
        mdt = None if weight32 is None else np.float32
        if mom is not None:
            named.append(('mom', mom, mdt))
        if weight32 is not None:
            named.append(('weight32', weight32, np.float32))
    w = _arrays(op, weight, named)
    xp = _xp(w)
    if weight32 is not None:
        nw = weight32._data         # the master weight is always updated in place
        aliased = True
    else:
        nw = _target(weight, out)
        aliased = nw is w
    _, sgdm, _ = _opt()
    g = _rescaled(xp, grad._data, rescale, clip, dtype=nw.dtype)
    g *= lr
    if mom is None:
        sgdm._descend(nw, g, lr, wd)
    elif nesterov:
        m = mom._data
        w_old = None if aliased or not wd else nw.copy()
        m *= momentum
        if wd:
            nw *= 1. - (1. + momentum) * lr * wd
        nw += m * momentum
        nw -= g * (1. + momentum)
        m -= g
        if wd:  # MXNet reads the weight decay of the new state from the buffer it wrote
            m -= (nw if w_old is None else w_old) * (lr * wd)
    else:
        m = mom._data
        m *= momentum
        m -= g
        if wd:
            m -= nw * (lr * wd)
        nw += m
    if weight32 is not None:
        nw = nw.astype(w.dtype)
        if out is weight:
            weight._check_inplace()
            w[...] = nw
            return weight
    return _finish(op, nw, weight, out)


def sgd_update(weight=None, grad=None, lr=None, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
               lazy_update=True, out=None, name=None, **kwargs):
    """``weight = (1 - lr*wd) * weight - lr * clip(rescale_grad * grad)``
    (``mxnet.nd.sgd_update``)."""
    _extra('sgd_update', kwargs)
    return _sgd('sgd_update', weight, grad, None, None, lr, 0.0, wd, rescale_grad,
                clip_gradient, out)


def sgd_mom_update(weight=None, grad=None, mom=None, lr=None, momentum=0.0, wd=0.0,
                   rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None, name=None,
                   **kwargs):
    """Momentum SGD (``mxnet.nd.sgd_mom_update``); ``mom`` is updated in place::

        mom = momentum * mom - lr * wd * weight - lr * clip(rescale_grad * grad)
        weight = weight + mom
    """
    _extra('sgd_mom_update', kwargs)
    _given('sgd_mom_update', mom=mom)
    return _sgd('sgd_mom_update', weight, grad, mom, None, lr, momentum, wd, rescale_grad,
                clip_gradient, out)


def mp_sgd_update(weight=None, grad=None, weight32=None, lr=None, wd=0.0, rescale_grad=1.0,
                  clip_gradient=-1.0, lazy_update=True, out=None, name=None, **kwargs):
    """Mixed-precision SGD (``mxnet.nd.mp_sgd_update``): the update runs on the float32
    master ``weight32`` (updated in place); the output is it cast to ``weight``'s dtype."""
    _extra('mp_sgd_update', kwargs)
    _given('mp_sgd_update', weight32=weight32)
    return _sgd('mp_sgd_update', weight, grad, None, weight32, lr, 0.0, wd, rescale_grad,
                clip_gradient, out)


def mp_sgd_mom_update(weight=None, grad=None, mom=None, weight32=None, lr=None, momentum=0.0,
                      wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True, out=None,
                      name=None, **kwargs):
    """Mixed-precision momentum SGD (``mxnet.nd.mp_sgd_mom_update``): float32 ``mom`` and
    ``weight32`` are updated in place; the output is ``weight32`` in ``weight``'s dtype."""
    _extra('mp_sgd_mom_update', kwargs)
    _given('mp_sgd_mom_update', mom=mom, weight32=weight32)
    return _sgd('mp_sgd_mom_update', weight, grad, mom, weight32, lr, momentum, wd,
                rescale_grad, clip_gradient, out)


def nag_mom_update(weight=None, grad=None, mom=None, lr=None, momentum=0.0, wd=0.0,
                   rescale_grad=1.0, clip_gradient=-1.0, out=None, name=None, **kwargs):
    """Nesterov momentum (``mxnet.nd.nag_mom_update``), with ``g = clip(rescale_grad*grad)``::

        m = momentum * mom
        weight_new = weight + momentum * (m - lr*(g + wd*weight)) - lr*(g + wd*weight)
        mom = m - lr * (g + wd * W)

    where, as MXNet's kernel, ``W`` is ``weight_new`` with ``out=weight`` and ``weight``
    otherwise.
    """
    _extra('nag_mom_update', kwargs)
    _given('nag_mom_update', mom=mom)
    return _sgd('nag_mom_update', weight, grad, mom, None, lr, momentum, wd, rescale_grad,
                clip_gradient, out, nesterov=True)


def mp_nag_mom_update(weight=None, grad=None, mom=None, weight32=None, lr=None, momentum=0.0,
                      wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, out=None, name=None,
                      **kwargs):
    """Mixed-precision :func:`nag_mom_update` (``mxnet.nd.mp_nag_mom_update``) on the float32
    master ``weight32`` (updated in place)."""
    _extra('mp_nag_mom_update', kwargs)
    _given('mp_nag_mom_update', mom=mom, weight32=weight32)
    return _sgd('mp_nag_mom_update', weight, grad, mom, weight32, lr, momentum, wd,
                rescale_grad, clip_gradient, out, nesterov=True)


def signsgd_update(weight=None, grad=None, lr=None, wd=0.0, rescale_grad=1.0,
                   clip_gradient=-1.0, out=None, name=None, **kwargs):
    """signSGD (``mxnet.nd.signsgd_update``):
    ``weight = (1 - lr*wd) * weight - lr * sign(rescale_grad * grad)``. As MXNet 1.9.1's
    kernel, ``clip_gradient`` is accepted and not applied (even 0 does not zero the step)."""
    op = 'signsgd_update'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    wd = _num(op, 'wd', wd)
    w = _arrays(op, weight, [('grad', grad, None)])
    xp = _xp(w)
    _num(op, 'clip_gradient', clip_gradient)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad), None)
    xp.sign(g, out=g)
    g *= lr
    nw = _target(weight, out)
    if wd:
        nw *= 1. - lr * wd
    nw -= g
    return _finish(op, nw, weight, out)


def signum_update(weight=None, grad=None, mom=None, lr=None, momentum=0.0, wd=0.0,
                  rescale_grad=1.0, clip_gradient=-1.0, wd_lh=0.0, out=None, name=None,
                  **kwargs):
    """Signum (``mxnet.nd.signum_update``); ``mom`` is updated in place::

        mom = momentum * mom - (1 - momentum) * (wd * weight + clip(rescale_grad * grad))
        weight = (1 - lr * wd_lh) * weight + lr * sign(mom)
    """
    op = 'signum_update'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    momentum = _num(op, 'momentum', momentum)
    wd = _num(op, 'wd', wd)
    wd_lh = _num(op, 'wd_lh', wd_lh)
    w = _arrays(op, weight, [('grad', grad, None), ('mom', mom, None)])
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_gradient', clip_gradient))
    m = mom._data
    if wd:
        g += w * wd
    g *= 1. - momentum
    m *= momentum
    m -= g
    xp.sign(m, out=g)
    g *= lr
    nw = _target(weight, out)
    if wd_lh:
        nw *= 1. - lr * wd_lh
    nw += g
    return _finish(op, nw, weight, out)


# ---------------------------------------------------------------------------- adaptive
def adam_update(weight=None, grad=None, mean=None, var=None, lr=None, beta1=0.9, beta2=0.999,
                epsilon=1e-8, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, lazy_update=True,
                out=None, name=None, **kwargs):
    """Adam without bias correction (``mxnet.nd.adam_update``; the optimizer folds the
    correction into ``lr``). With ``g = clip(rescale_grad * grad + wd * weight)``::

        mean = beta1 * mean + (1 - beta1) * g;  var = beta2 * var + (1 - beta2) * g**2
        weight = weight - lr * mean / (sqrt(var) + epsilon)
    """
    op = 'adam_update'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    w = _arrays(op, weight, [('grad', grad, None), ('mean', mean, None), ('var', var, None)])
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_gradient', clip_gradient), w, _num(op, 'wd', wd))
    _, _, adam = _opt()
    adam._moments(mean._data, var._data, g, _num(op, 'beta1', beta1), _num(op, 'beta2', beta2))
    adam._adam_direction(xp, mean._data, var._data, _num(op, 'epsilon', epsilon), out=g)
    g *= lr
    nw = _target(weight, out)
    nw -= g
    return _finish(op, nw, weight, out)


def _rmsprop(op, weight, grad, n, g_avg, delta, lr, gamma1, gamma2, epsilon, wd, rescale_grad,
             clip_gradient, clip_weights, out):
    lr = _num(op, 'lr', lr, True)
    gamma1 = _num(op, 'gamma1', gamma1)
    epsilon = _num(op, 'epsilon', epsilon)
    clip_weights = _num(op, 'clip_weights', clip_weights)
    named = [('grad', grad, None), ('n', n, None)]
    if g_avg is not None or delta is not None:
        named += [('g', g_avg, None), ('delta', delta, None)]
    w = _arrays(op, weight, named)
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_gradient', clip_gradient), w, _num(op, 'wd', wd))
    optimizer, _, _ = _opt()
    nn = n._data
    optimizer._ema_sq(nn, g, gamma1)
    nw = _target(weight, out)
    if g_avg is None:
        denom = nn + epsilon
        xp.sqrt(denom, out=denom)
        g /= denom
        g *= lr
        nw -= g
    else:
        ga, dl = g_avg._data, delta._data
        optimizer._ema(ga, g, gamma1)
        denom = ga * ga
        xp.subtract(nn, denom, out=denom)
        denom += epsilon
        xp.sqrt(denom, out=denom)
        g /= denom
        g *= lr
        dl *= _num(op, 'gamma2', gamma2)
        dl -= g
        nw += dl
    if clip_weights is not None and clip_weights >= 0:   # MXNet: 0 clips to 0
        xp.clip(nw, -clip_weights, clip_weights, out=nw)
    return _finish(op, nw, weight, out)


def rmsprop_update(weight=None, grad=None, n=None, lr=None, gamma1=0.95, epsilon=1e-8, wd=0.0,
                   rescale_grad=1.0, clip_gradient=-1.0, clip_weights=-1.0, out=None, name=None,
                   **kwargs):
    """RMSProp (``mxnet.nd.rmsprop_update``); ``n`` is updated in place. With
    ``g = clip(rescale_grad * grad + wd * weight)``::

        n = (1 - gamma1) * g**2 + gamma1 * n
        weight = clip(weight - lr * g / sqrt(n + epsilon), clip_weights)   (clip if >= 0)
    """
    _extra('rmsprop_update', kwargs)
    return _rmsprop('rmsprop_update', weight, grad, n, None, None, lr, gamma1, None, epsilon,
                    wd, rescale_grad, clip_gradient, clip_weights, out)


def rmspropalex_update(weight=None, grad=None, n=None, g=None, delta=None, lr=None, gamma1=0.95,
                       gamma2=0.9, epsilon=1e-8, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0,
                       clip_weights=-1.0, out=None, name=None, **kwargs):
    """Centered RMSProp (Graves 2013; ``mxnet.nd.rmspropalex_update``); ``n``, ``g`` and
    ``delta`` are updated in place. With ``gr = clip(rescale_grad * grad + wd * weight)``::

        n = (1 - gamma1) * gr**2 + gamma1 * n;  g = (1 - gamma1) * gr + gamma1 * g
        delta = gamma2 * delta - lr * gr / sqrt(n - g**2 + epsilon)
        weight = clip(weight + delta, clip_weights)   (clip if >= 0)
    """
    op = 'rmspropalex_update'
    _extra(op, kwargs)
    if not isinstance(g, NDArray) or not isinstance(delta, NDArray):
        raise DistGluError("%s: expected NDArrays for g and delta, got %s and %s"
                           % (op, type(g).__name__, type(delta).__name__))
    return _rmsprop(op, weight, grad, n, g, delta, lr, gamma1, gamma2, epsilon, wd,
                    rescale_grad, clip_gradient, clip_weights, out)


def ftrl_update(weight=None, grad=None, z=None, n=None, lr=None, lamda1=0.01, beta=1.0, wd=0.0,
                rescale_grad=1.0, clip_gradient=-1.0, out=None, name=None, **kwargs):
    """FTRL-Proximal (``mxnet.nd.ftrl_update``); ``z`` and ``n`` are updated in place. With
    ``g = clip(rescale_grad * grad)``::

        z += g - (sqrt(n + g**2) - sqrt(n)) * weight / lr;  n += g**2
        weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (abs(z) > lamda1)
    """
    op = 'ftrl_update'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    lamda1 = _num(op, 'lamda1', lamda1)
    wd = _num(op, 'wd', wd)
    w = _arrays(op, weight, [('grad', grad, None), ('z', z, None), ('n', n, None)])
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_gradient', clip_gradient))
    zz, nn = z._data, n._data
    sqrt_n = xp.sqrt(nn)
    g2 = g * g
    nn += g2
    zz += g
    xp.sqrt(nn, out=g2)             # g2 is now sqrt(n_new)
    sqrt_n -= g2
    sqrt_n *= w
    sqrt_n *= 1. / lr
    zz += sqrt_n
    g2 += _num(op, 'beta', beta)
    g2 *= 1. / lr
    if wd:
        g2 += wd
    xp.sign(zz, out=g)
    g *= lamda1
    g -= zz
    g /= g2
    xp.greater(xp.abs(zz), lamda1, out=g2)
    nw = _target(weight, out)
    xp.multiply(g, g2, out=nw)
    return _finish(op, nw, weight, out)


def ftml_update(weight=None, grad=None, d=None, v=None, z=None, lr=None, beta1=0.6,
                beta2=0.999, epsilon=1e-8, t=None, wd=0.0, rescale_grad=1.0, clip_grad=-1.0,
                out=None, name=None, **kwargs):
    """FTML (``mxnet.nd.ftml_update``) at step ``t``; ``d``, ``v`` and ``z`` are updated in
    place. With ``g = clip(rescale_grad * grad + wd * weight, clip_grad)``::

        v = beta2 * v + (1 - beta2) * g**2
        d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d) * weight;  d = d_t
        weight = -z / d_t
    """
    op = 'ftml_update'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    t = _num(op, 't', t, True)
    b1 = _num(op, 'beta1', beta1)
    b2 = _num(op, 'beta2', beta2)
    w = _arrays(op, weight, [('grad', grad, None), ('d', d, None), ('v', v, None),
                             ('z', z, None)])
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_grad', clip_grad), w, _num(op, 'wd', wd))
    optimizer, _, _ = _opt()
    dd, vv, zz = d._data, v._data, z._data
    optimizer._ema_sq(vv, g, b2)
    zz *= b1
    g *= 1. - b1
    zz += g
    dd *= -b1
    xp.multiply(vv, 1. / (1. - b2 ** t), out=g)
    xp.sqrt(g, out=g)
    g += _num(op, 'epsilon', epsilon)
    g *= (1. - b1 ** t) / lr         # g is d_t
    dd += g
    dd *= w
    zz -= dd
    dd[...] = g
    nw = _target(weight, out)
    xp.divide(zz, g, out=nw)
    xp.negative(nw, out=nw)
    return _finish(op, nw, weight, out)


def lamb_update_phase1(weight=None, grad=None, mean=None, var=None, beta1=0.9, beta2=0.999,
                       epsilon=1e-6, t=None, bias_correction=True, wd=None, rescale_grad=1.0,
                       clip_gradient=-1.0, out=None, name=None, **kwargs):
    """LAMB's first phase (``mxnet.nd.lamb_update_phase1``): returns the update direction
    ``g`` (shape and dtype of ``weight``, which is only read); ``mean``, ``var`` are updated
    in place. With ``gr = clip(rescale_grad * grad)``::

        mean = beta1 * mean + (1 - beta1) * gr;  var = beta2 * var + (1 - beta2) * gr**2
        g = mean / (1 - beta1**t) / (sqrt(var / (1 - beta2**t)) + epsilon) + wd * weight
            (g = mean / (sqrt(var) + epsilon) + wd * weight without bias_correction)
    """
    op = 'lamb_update_phase1'
    _extra(op, kwargs)
    t = _num(op, 't', t, True)
    wd = _num(op, 'wd', wd, True)
    b1 = _num(op, 'beta1', beta1)
    b2 = _num(op, 'beta2', beta2)
    eps = _num(op, 'epsilon', epsilon)
    w = _arrays(op, weight, [('grad', grad, None), ('mean', mean, None), ('var', var, None)])
    xp = _xp(w)
    g = _rescaled(xp, grad._data, _num(op, 'rescale_grad', rescale_grad),
                  _num(op, 'clip_gradient', clip_gradient))
    _, _, adam = _opt()
    mm, vv = mean._data, var._data
    adam._moments(mm, vv, g, b1, b2)
    if bias_correction:
        xp.multiply(vv, 1. / (1. - b2 ** t), out=g)
        xp.sqrt(g, out=g)
        g += eps
        g *= 1. - b1 ** t
    else:
        xp.sqrt(vv, out=g)
        g += eps
    xp.divide(mm, g, out=g)
    if wd:
        g += w * wd
    return _finish(op, g, weight, out)


def lamb_update_phase2(weight=None, g=None, r1=None, r2=None, lr=None, lower_bound=-1.0,
                       upper_bound=-1.0, out=None, name=None, **kwargs):
    """LAMB's second phase (``mxnet.nd.lamb_update_phase2``). ``r1``, ``r2``: shape (1,)
    norms of the weight and of ``g``. ``r1`` is raised to ``lower_bound`` / lowered to
    ``upper_bound`` when those are >= 0; then
    ``weight = weight - lr * (r1 / r2 if r1 != 0 and r2 != 0 else 1) * g``.
    """
    op = 'lamb_update_phase2'
    _extra(op, kwargs)
    lr = _num(op, 'lr', lr, True)
    lower = _num(op, 'lower_bound', lower_bound)
    upper = _num(op, 'upper_bound', upper_bound)
    w = _arrays(op, weight, [('g', g, None)])
    for nm, r in (('r1', r1), ('r2', r2)):
        if not isinstance(r, NDArray) or r.size != 1:
            raise DistGluError("%s: expected a one-element NDArray for %s, got %s"
                               % (op, nm, r.shape if isinstance(r, NDArray)
                                  else type(r).__name__))
    xp = _xp(w)
    a = r1._data.reshape(1).astype(w.dtype)
    b = r2._data.reshape(1).astype(w.dtype)
    if lower is not None and lower >= 0:
        a = xp.maximum(a, lower)
    if upper is not None and upper >= 0:
        a = xp.minimum(a, upper)
    ok = (a != 0) & (b != 0)
    ratio = xp.where(ok, a / xp.where(ok, b, 1), 1).astype(w.dtype)   # no host sync
    ratio *= lr
    step = g._data * ratio
    nw = _target(weight, out)
    nw -= step
    return _finish(op, nw, weight, out)
