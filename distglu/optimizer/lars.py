"""Layer-wise adaptive rate scaling: LARS and LBSGD (``mxnet.optimizer.LARS``, ``.LBSGD``).

Both are SGD with momentum and weight decay whose learning rate is scaled per parameter
("layer") from the norms of the weight and the gradient. The formulas, states, name
rules and counting are those of MXNet 1.9.1 (checked against it update by update);
the SGD step itself is MXNet's ``sgd_mom_update``::

    mom = momentum * mom - lr * wd * weight - lr * clip(rescale_grad * grad, clip_gradient)
    weight = weight + mom

(``weight = (1 - lr * wd) * weight - lr * clip(...)`` without momentum).
"""
import logging
import math

import numpy as np

from ..base import DistGluError
from ..context import device_scope
from ..ndarray.ndarray import NDArray
from .optimizer import (Optimizer, register, _check_pair, _env_aggregate_num, _float,
                        _momentum_state, _state_zeros, _xp)

__all__ = ['LARS', 'LBSGD']

# LARS leaves parameters whose name ends so at the plain learning rate (MXNet tests the
# bare suffix: 'fc_bias', 'bn_gamma', 'bn_beta', but also e.g. 'mybias').
_NO_LARS_SUFFIXES = ('gamma', 'beta', 'bias')


def _sum_sq(xp, a):
    """The sum of squares of all elements (a 0-d array), accumulated in at least float32."""
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    r = a.ravel()
    return xp.dot(r, r)


def _as_list(index, weight, grad, state):
    if isinstance(index, (list, tuple)):
        index, weight, grad, state = list(index), list(weight), list(grad), list(state)
        if not (len(index) == len(weight) == len(grad) == len(state)):
            raise DistGluError("update: indices, weights, grads and states must have the "
                               "same length, got %d, %d, %d, %d"
                               % (len(index), len(weight), len(grad), len(state)))
        return index, weight, grad, state
    return [index], [weight], [grad], [state]


def _sgd_apply(opt, xp, w, grad, mom, lr, wd, momentum):
    """MXNet's sgd_(mom_)update in place on the raw weight ``w`` (``grad`` is only read).

    ``lr`` is a Python float or a 0-d device array; ``mom`` the raw momentum or None.
    """
    g = opt._grad(xp, grad)        # rescale_grad, then clip for clip_gradient > 0
    g *= lr
    if mom is not None:
        mom *= momentum
        mom -= g
        if wd:
            mom -= w * (lr * wd)
        w += mom
    else:
        if wd:
            w *= 1. - lr * wd
        w -= g


@register
class LARS(Optimizer):
    """LARS, layer-wise adaptive rate scaling (You et al., arXiv:1708.03888;
    ``mxnet.optimizer.LARS``).

    SGD with momentum and weight decay, each parameter at its own learning rate::

        w_norm = norm(weight);  g_norm = norm(grad)        (the raw gradient)
        lr_layer = lr * eta * w_norm / (g_norm * rescale_grad + wd * w_norm + eps)
                   if w_norm > 0 and g_norm > 0, else lr

    (``lr``, ``wd``: with their multipliers), then the SGD step of the module docstring.
    As MXNet, a parameter whose name ends with ``gamma``, ``beta`` or ``bias`` keeps
    ``lr``; the name is ``param_idx2name[index]``, else ``str(index)``. A
    ``gluon.Trainer`` gives indices and no names, so there (as in MXNet) every parameter,
    biases and BatchNorm ones included, is scaled. ``set_wd_mult`` gives weight decay
    multiplier 0 to every named parameter not ending with ``_weight`` (``_gamma`` too,
    unlike the other optimizers).

    With ``momentum_correction`` (default) the momentum of an ``update`` call is
    ``momentum * lr_now / lr_before``, the base learning rates of this call and of the
    previous one (they differ when an lr_scheduler changed it in between). Only the
    parameters of the first call after a change get it: with MXNet's Updater, the first
    ``aggregate_num`` parameters of a step; with one call per parameter, the first one.
    ``lazy_update`` only matters for row_sparse gradients, which distglu does not have.

    State: the momentum (None for momentum 0); with multi_precision and float16 weights
    ``(momentum, float32 weight)``, the norms being taken of the float16 weight and
    gradient as MXNet does. ``aggregate_num`` defaults to 4
    (``MXNET_OPTIMIZER_AGGREGATION_SIZE``), as SGD.
    """
    _mp_master_index = 1

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _default_aggregate_num(self):
        return _env_aggregate_num(4)

    def _get_lrs(self, indices):
        """The learning rates of ``indices``; remembers this call's base learning rate
        and the previous call's (``cur_lr``, ``last_lr``) for the momentum correction."""
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        self.last_lr = lr if self.cur_lr is None else self.cur_lr
        self.cur_lr = lr
        return self._scaled(lr, indices, self.lr_mult, 'lr_mult')

    def set_wd_mult(self, args_wd_mult):
        """Set weight-decay multipliers; named parameters not ending with ``_weight`` first
        get multiplier 0 (MXNet's LARS rule: BatchNorm's ``_gamma`` included)."""
        self.wd_mult = {n: 0.0 for n in self.idx2name.values() if not n.endswith('_weight')}
        self.wd_mult.update(self._sym_mults('__wd_mult__'))
        self.wd_mult.update(args_wd_mult)

    def create_state(self, index, weight):
        return _momentum_state(self.momentum, weight)

    def update(self, index, weight, grad, state):
        """Update ``weight`` (or equal-length lists) in place with the layer-wise rates."""
        self._lars_update(index, weight, grad, state, False)

    def update_multi_precision(self, index, weight, grad, state):
        """``update``; with multi_precision and float16 weights, on the float32 masters."""
        first = weight[0] if isinstance(weight, (list, tuple)) and weight else weight
        use_mp = bool(self.multi_precision) and isinstance(first, NDArray) and \
            first.dtype == np.float16
        self._lars_update(index, weight, grad, state, use_mp)

    def _lars_update(self, index, weight, grad, state, multi_precision):
        indices, weights, grads, states = _as_list(index, weight, grad, state)
        if not indices:
            return
        for w, g in zip(weights, grads):
            _check_pair(w, g)
        ctx = weights[0]._ctx
        if ctx.device_type == 'gpu':
            with device_scope(ctx):
                self._lars_apply(indices, weights, grads, states, multi_precision)
        else:
            self._lars_apply(indices, weights, grads, states, multi_precision)

    def _lars_apply(self, indices, weights, grads, states, multi_precision):
        eta = _float(self.eta, 'LARS eta')
        eps = _float(self.eps, 'LARS eps')
        rescale = _float(self.rescale_grad, 'rescale_grad')
        self._update_count(indices)
        lrs = self._get_lrs(indices)
        wds = self._get_wds(indices)
        use_momentum = self.momentum > 0
        momentum = self.momentum
        if use_momentum and self.momentum_correction and self.last_lr != 0:
            momentum = self.momentum * (self.cur_lr / self.last_lr)
        for index, weight, grad, state, lr, wd in zip(indices, weights, grads, states,
                                                      lrs, wds):
            w, g = weight._data, grad._data
            xp = _xp(w)
            name = self.idx2name[index] if index in self.idx2name else str(index)
            if not name.endswith(_NO_LARS_SUFFIXES):
                lr = self._layer_lr(xp, w, g, lr, wd, eta, eps, rescale)
            if multi_precision:
                mom, master = state
                target, g = master._data, g.astype(np.float32)
            else:
                mom, target = state, w
            mom = mom._data if (use_momentum and mom is not None) else None
            _sgd_apply(self, xp, target, g, mom, lr, wd, momentum)
            if multi_precision:
                w[...] = target

    @staticmethod
    def _layer_lr(xp, w, g, lr, wd, eta, eps, rescale):
        """``lr * eta * |w| / (|g| * rescale + wd * |w| + eps)``, or ``lr`` if a norm is 0."""
        w2, g2 = _sum_sq(xp, w), _sum_sq(xp, g)
        if xp is np:
            w2, g2 = float(w2), float(g2)
            if w2 > 0 and g2 > 0:
                wn = math.sqrt(w2)
                denom = math.sqrt(g2) * rescale + wd * wn + eps
                if denom == 0:      # rescale_grad 0 without wd/eps: inf as MXNet's kernel
                    return math.copysign(math.inf, lr * eta) if lr * eta else math.nan
                return lr * eta * wn / denom
            return lr
        # on the device: no host synchronisation for the ratio
        ok = (w2 > 0) & (g2 > 0)
        wn, gn = xp.sqrt(w2), xp.sqrt(g2)
        denom = xp.where(ok, gn * rescale + wn * wd + eps, 1)
        scale = xp.where(ok, wn * eta / denom, 1)
        return (scale * lr).astype(w.dtype if w.dtype != np.float16 else np.float32)


@register
class LBSGD(Optimizer):
    """Large-batch SGD with momentum, warmup and optional LARS (``mxnet.optimizer.LBSGD``).

    Gradients are accumulated per parameter over ``batch_scale`` updates (the macro-batch);
    the update with count ``n`` (``n`` starts at ``begin_epoch * updates_per_epoch + 1``)
    applies when ``n % batch_scale == 0``, with ``g = accumulated / batch_scale``, and
    leaves the weight as it is otherwise. It is the SGD step of the module docstring at
    learning rate ``lr * mult``, with (``nw = warmup_epochs * updates_per_epoch``,
    ``B = batch_scale``)::

        'linear': mult = 1 + (B - 1) * n / nw         'power2': 1 + (B - 1) * n**2 / nw**2
        'sqrt':   mult = 1 + (B - 1) * sqrt(n / nw)   other names: 1
        mult = B once n >= nw, and 1 if nw <= 1
        'lars':   mult = clip(sqrt(|w|**2 / (|g|**2 + wd * |w|**2 + 1e-18)), 0.01, 100)

    As MXNet: ``lr`` is read before the update is counted (an lr_scheduler sees the
    count of the previous update); the 'lars' norms use ``g`` before ``rescale_grad``;
    the first gradient of a macro-batch is kept by reference, not copied, so a gradient
    buffer that backward overwrites in place (a Trainer's) counts its newest value there;
    ``batch_scale`` 0 raises ZeroDivisionError at the first update. ``num_epochs`` is
    stored and unused.

    State: the momentum (None for momentum 0); with multi_precision and float16 weights
    ``(float32 weight, momentum)`` through ``create_state_multi_precision``
    (``create_state`` alone returns ``(momentum, float32 weight)`` for them, which
    ``update`` also accepts).
    """

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy='linear',
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                 num_epochs=60, **kwargs):
        super().__init__(**kwargs)
        logging.info('Running Large-Batch SGD Algorithm')
        logging.info('(Batch_scale=%s, warmup_epochs=%s, warmup_strategy=%s, '
                     'updates_per_epoch=%s)', batch_scale, warmup_epochs, warmup_strategy,
                     updates_per_epoch)
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = _state_zeros(weight, np.float32)
            master._data[...] = weight._data
            mom = _state_zeros(weight, np.float32) if self.momentum != 0.0 else None
            return (mom, master)
        if weight.dtype == np.float16 and not self.multi_precision:
            import warnings
            warnings.warn("Accumulating with float16 in optimizer can lead to "
                          "poor accuracy or slow convergence. "
                          "Consider using multi_precision=True option of the "
                          "LBSGD optimizer")
        return _momentum_state(self.momentum, weight)

    def _get_lbmult(self, nup):
        """The warmup multiplier of the learning rate at accumulated count ``nup``."""
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        strategy = self.warmup_strategy
        if strategy == 'linear':
            return 1.0 + (maxmult - 1) * nup / nwup
        if strategy == 'power2':
            return 1.0 + (maxmult - 1) * (nup * nup) / (nwup * nwup)
        if strategy == 'sqrt':
            return 1.0 + (maxmult - 1) * math.sqrt(float(nup) / nwup)
        return 1.0

    @staticmethod
    def _get_lars(xp, w, g, wd):
        """The 'lars' multiplier from the raw weight and (averaged) gradient arrays."""
        w2, g2 = float(_sum_sq(xp, w)), float(_sum_sq(xp, g))
        lars = math.sqrt(w2 / (g2 + wd * w2 + 1e-18))
        return min(max(lars, 0.01), 100.0)

    def _cumulate_gradient(self, grad, index):
        """Add ``grad`` to the macro-batch sum of ``index``: ``{'cum_grad', 'num_cums'}``."""
        cgrad = self.cumgrads.get(index)
        if cgrad and cgrad['num_cums'] > 0:
            cum = cgrad['cum_grad']
            if isinstance(cum, NDArray):
                cum = NDArray._wrap(cum._data + grad._data, grad._ctx)
            else:          # 0 after a macro-batch was applied: a new array
                cum = NDArray._wrap(grad._data + cum, grad._ctx)
            cgrad = {'cum_grad': cum, 'num_cums': cgrad['num_cums'] + 1}
        else:
            cgrad = {'cum_grad': grad, 'num_cums': self.init_updates + 1}
        self.cumgrads[index] = cgrad
        return cgrad

    def _update_checked(self, many, index, weight, grad, state):
        if many:
            for i, w, g, s in zip(index, weight, grad, state):
                self._lbsgd_step(i, w, g, s)
        else:
            self._lbsgd_step(index, weight, grad, state)

    def _lbsgd_step(self, index, weight, grad, state):
        lr = self._get_lr(index)           # before counting, as MXNet
        wd = self._get_wd(index)
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad['num_cums'] % self.batch_scale != 0:
            return
        g = cgrad['cum_grad']._data / self.batch_scale
        if g.dtype != grad._data.dtype:    # an integer batch_scale keeps float32 float32
            g = g.astype(grad._data.dtype)
        w = weight._data
        xp = _xp(w)
        if self.warmup_strategy == 'lars':
            lbmult = self._get_lars(xp, w, g, wd)
        else:
            lbmult = self._get_lbmult(cgrad['num_cums'])
        lr = lr * lbmult
        momentum = self.momentum if self.momentum > 0 else 0.0
        if isinstance(state, (list, tuple)):
            mom, master = state
            mom = mom._data if mom is not None else None
            _sgd_apply(self, xp, master._data, g.astype(np.float32), mom, lr, wd, momentum)
            w[...] = master._data
        else:
            mom = state._data if state is not None else None
            _sgd_apply(self, xp, w, g, mom, lr, wd, momentum)
        self.cumgrads[index]['cum_grad'] = 0
