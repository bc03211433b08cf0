"""The Optimizer base class, the optimizer registry and the Updater (``mxnet.optimizer``).

Mirrors MXNet 1.9.1: same constructor arguments and defaults (learning rate 0.01),
per-parameter learning-rate and weight-decay multipliers (``set_lr_mult``,
``set_wd_mult``, ``param_dict``), update counting (``num_update`` feeds the
lr_scheduler), multi-precision master copies for float16 weights, and the
pickled state format of ``Updater.get_states``/``set_states``.

Every rule updates the raw arrays of its NDArrays in place (``weight._data``, the
states' ``_data``) with the array module of the data (NumPy or CuPy), so nothing is
recorded by autograd, and the gradient buffer (owned by the Trainer) is only read.
The rules themselves live in ``sgd.py``, ``adam.py`` and ``adaptive.py``.
"""
import math
import os
import pickle
import warnings

import numpy as np

from ..base import DistGluError
from ..context import array_module, device_scope
from ..ndarray.ndarray import NDArray, zeros
from ..ndarray.ops._core import _same_device

__all__ = ['Optimizer', 'Updater', 'create', 'get_updater', 'register']


def _float(x, what):
    """A Python float (keeps float32 arithmetic float32: NumPy scalars would promote)."""
    try:
        return float(x)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: expected a number, got %r" % (what, x)) from err


def _env_aggregate_num(default):
    return int(os.getenv('MXNET_OPTIMIZER_AGGREGATION_SIZE', str(default)))


class Optimizer:
    """The base class of every optimizer (``mxnet.optimizer.Optimizer``).

    Parameters
    ----------
    rescale_grad : float, default 1.0
        The gradient is multiplied by it before the rule (often ``1/batch_size``).
    param_idx2name : dict of int to str, optional
        Names of the parameters by index; with it, ``set_wd_mult`` gives weight decay
        multiplier 0 to every name that ends neither with ``_weight`` nor ``_gamma``.
    wd : float, default 0.0
        Weight decay (L2 penalty) coefficient; each rule applies it as MXNet does.
    clip_gradient : float, optional
        Clip the rescaled gradient to ``[-clip_gradient, clip_gradient]``.
    learning_rate : float, optional
        The learning rate. None uses the lr_scheduler's, or 0.01 without one; given
        together with an lr_scheduler it overwrites the scheduler's ``base_lr``.
    lr_scheduler : LRScheduler, optional
        Called with ``num_update`` to give the learning rate of each update.
    sym : Symbol, optional
        Accepted for MXNet compatibility: its ``__lr_mult__``/``__wd_mult__`` attributes
        are read when it has ``attr_dict()`` and ``list_arguments()``.
    begin_num_update : int, default 0
        The update count to start from.
    multi_precision : bool, default False
        With float16 weights, keep a float32 master copy of each weight in the state and
        run the rule in float32 on it (``update_multi_precision``).
    param_dict : dict of int to gluon.Parameter, optional
        Parameters whose ``lr_mult``/``wd_mult`` attributes scale the learning rate and
        weight decay (they take precedence over ``set_lr_mult``/``set_wd_mult``).
    aggregate_num : int, optional
        How many parameters the Updater hands to ``update`` in one call (as lists).
        None keeps the optimizer's default (MXNet: 4 for SGD, 45 for LAMB, else 0:
        one parameter per call; ``MXNET_OPTIMIZER_AGGREGATION_SIZE`` overrides 4/45).
    """
    opt_registry = {}
    # Index of the float32 master copy in a multi-precision state (SGD/NAG put it last).
    _mp_master_index = 0

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0.,
                 clip_gradient=None, learning_rate=None,
                 lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None, aggregate_num=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None:
            if lr_scheduler.base_lr != learning_rate:
                # MXNet prints (not warns) this UserWarning
                print(UserWarning("learning rate from ``lr_scheduler`` has been "
                                  "overwritten by ``learning_rate`` in optimizer."))
                lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = (self._default_aggregate_num() if aggregate_num is None
                              else int(aggregate_num))
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise DistGluError("param_idx2name should be a dict of param indexes to names, "
                               "got %s" % type(param_idx2name).__name__)
        self.idx2name = param_idx2name.copy()
        self.sym_info = ()
        if sym is not None and hasattr(sym, 'attr_dict') and hasattr(sym, 'list_arguments'):
            self.sym_info = (sym.attr_dict(), sym.list_arguments())
        self.param_dict = param_dict if param_dict else {}
        self.allow_np_array = False
        self.set_lr_mult({})
        self.set_wd_mult({})

    def _default_aggregate_num(self):
        return 0

    # ------------------------------------------------------------------ registry
    @staticmethod
    def register(klass):
        """Register an optimizer class under its lower-cased class name (a decorator)."""
        if not isinstance(klass, type):
            raise DistGluError("register: expected an Optimizer class, got %r" % (klass,))
        name = klass.__name__.lower()
        if name in Optimizer.opt_registry:
            old = Optimizer.opt_registry[name]
            warnings.warn('WARNING: New optimizer %s.%s is overriding existing optimizer %s.%s'
                          % (klass.__module__, klass.__name__, old.__module__, old.__name__))
        Optimizer.opt_registry[name] = klass
        return klass

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An optimizer by registered name (case-insensitive): ``create('adam', learning_rate=.1)``.

        An Optimizer instance is returned as it is (with no keyword arguments).
        """
        if isinstance(name, Optimizer):
            if kwargs:
                raise DistGluError("create: keyword arguments %s cannot be applied to an "
                                   "Optimizer instance" % sorted(kwargs))
            return name
        if not isinstance(name, str):
            raise DistGluError("create: expected an optimizer name (str) or an Optimizer, "
                               "got %s" % type(name).__name__)
        klass = Optimizer.opt_registry.get(name.lower())
        if klass is None:
            raise ValueError('Cannot find optimizer %s' % name)
        return klass(**kwargs)

    # ------------------------------------------------------------------ learning rate
    @property
    def learning_rate(self):
        """The current learning rate (the scheduler's at ``num_update`` when there is one)."""
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        """Set the learning rate; an error (UserWarning raised, as MXNet) with an lr_scheduler."""
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been "
                              "defined. Note that set_learning_rate can mutate "
                              "the value of the learning rate of the optimizer "
                              "only when the LRScheduler of the optimizer is "
                              "undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):
        """[DEPRECATED] Use set_lr_mult."""
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Set learning-rate multipliers by parameter index or name (replaces earlier ones)."""
        self.lr_mult = self._sym_mults('__lr_mult__')
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Set weight-decay multipliers by parameter index or name (replaces earlier ones).

        As MXNet: every name of ``param_idx2name`` that ends neither with ``_weight`` nor
        with ``_gamma`` (biases, betas, running statistics) first gets multiplier 0.
        """
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not (n.endswith('_weight') or n.endswith('_gamma')):
                self.wd_mult[n] = 0.0
        self.wd_mult.update(self._sym_mults('__wd_mult__'))
        self.wd_mult.update(args_wd_mult)

    def _sym_mults(self, key):
        """The multipliers the symbol's arguments carry as attribute ``key`` (by name)."""
        mults = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and key in attr[name]:
                    mults[name] = float(attr[name][key])
        return mults

    # ------------------------------------------------------------------ counting
    def _set_current_context(self, device_id):
        """Keep separate update counts per device (as MXNet's per-device updaters)."""
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index):
        """Count one update of ``index`` (an index or a list of them); raise ``num_update``."""
        if not isinstance(index, (list, tuple)):
            index = [index]
        counts = self._index_update_count
        for idx in index:
            if idx not in counts:
                counts[idx] = self.begin_num_update
            counts[idx] += 1
            if counts[idx] > self.num_update:
                self.num_update = counts[idx]

    def _scaled(self, value, indices, mults, attr):
        """``value`` per index times the index's multiplier: the Parameter's ``attr``
        (``lr_mult``/``wd_mult``), else ``mults`` by index, else ``mults`` by name."""
        values = [value] * len(indices)
        for i, index in enumerate(indices):
            if index in self.param_dict:
                values[i] *= getattr(self.param_dict[index], attr)
            elif index in mults:
                values[i] *= mults[index]
            elif index in self.idx2name:
                values[i] *= mults.get(self.idx2name[index], 1.0)
        return values

    def _get_lrs(self, indices):
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return self._scaled(lr, indices, self.lr_mult, 'lr_mult')

    def _get_lr(self, index):
        """The learning rate of parameter ``index``: the current rate times its multiplier."""
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        return self._scaled(self.wd, indices, self.wd_mult, 'wd_mult')

    def _get_wd(self, index):
        """The weight decay of parameter ``index``: ``wd`` times its multiplier."""
        return self._get_wds([index])[0]

    # ------------------------------------------------------------------ states
    def create_state(self, index, weight):
        """The auxiliary state of a weight (momentum, moments, ...), or None."""
        return None

    def create_state_multi_precision(self, index, weight):
        """``create_state``, plus a float32 master copy for float16 weights with multi_precision."""
        if self.multi_precision and weight.dtype == np.float16:
            with device_scope(weight.context):
                master = NDArray._wrap(weight._data.astype(np.float32), weight.context)
            inner = self.create_state(index, master)
            return (inner, master) if self._mp_master_index == 1 else (master, inner)
        if weight.dtype == np.float16 and not self.multi_precision:
            warnings.warn("Accumulating with float16 in optimizer can lead to "
                          "poor accuracy or slow convergence. "
                          "Consider using multi_precision=True option of the "
                          "%s optimizer" % type(self).__name__)
        return self.create_state(index, weight)

    # ------------------------------------------------------------------ updates
    def update(self, index, weight, grad, state):
        """Update ``weight`` in place from ``grad`` and ``state``.

        ``index``, ``weight``, ``grad`` and ``state`` may also be equal-length lists
        (MXNet's aggregated form): every index is counted first, then each is updated.
        """
        many = isinstance(index, (list, tuple))
        if many:
            if not index and not weight:
                return
            if not (len(index) == len(weight) == len(grad) == len(state)):
                raise DistGluError("update: indices, weights, grads and states must have the "
                                   "same length, got %d, %d, %d, %d"
                                   % (len(index), len(weight), len(grad), len(state)))
            for w, g in zip(weight, grad):
                _check_pair(w, g)
        else:
            _check_pair(weight, grad)
        ctx = (weight[0] if many else weight)._ctx
        if ctx.device_type == 'gpu':
            with device_scope(ctx):   # allocations and kernels on the weight's device
                self._update_checked(many, index, weight, grad, state)
        else:
            self._update_checked(many, index, weight, grad, state)

    def _update_checked(self, many, index, weight, grad, state):
        self._update_count(index)
        if many:
            for i, w, g, s in zip(index, weight, grad, state):
                self._step(i, w, g, s)
        else:
            self._step(index, weight, grad, state)

    def _step(self, index, weight, grad, state):
        """One parameter's rule (its update already counted). Subclasses implement it."""
        raise NotImplementedError()

    def update_multi_precision(self, index, weight, grad, state):
        """``update``; with multi_precision and float16 weights, on the float32 master copy.

        The gradient is cast to float32, the rule runs on the master copy, which is then
        cast back into the float16 weight.
        """
        many = isinstance(index, (list, tuple))
        if many and not weight:
            return self.update(index, weight, grad, state)
        first = weight[0] if many else weight
        if not (self.multi_precision and first.dtype == np.float16):
            return self.update(index, weight, grad, state)
        m = self._mp_master_index
        with device_scope(first.context):
            if not many:
                self.update(index, state[m], _as_float32(grad), state[1 - m])
                _cast_into(state[m], weight)
                return None
            masters = [s[m] for s in state]
            self.update(list(index), masters, [_as_float32(g) for g in grad],
                        [s[1 - m] for s in state])
            for w, master in zip(weight, masters):
                _cast_into(master, w)
        return None

    # ------------------------------------------------------------------ rule helpers
    def _clipping(self, python_rule):
        """Whether to clip: MXNet's fused kernels clip for clip_gradient > 0; the rules
        written in Python there (AdaGrad, AdaDelta, Adamax, Nadam, ...) whenever it is not None."""
        c = self.clip_gradient
        if c is None:
            return False
        return True if python_rule else c > 0

    def _grad(self, xp, grad, weight=None, wd=0.0, python_rule=False):
        """A new array ``clip(rescale_grad * grad [+ wd * weight])`` (the grad is only read)."""
        g = grad * _float(self.rescale_grad, 'rescale_grad')
        if wd:
            g += weight * wd
        if self._clipping(python_rule):
            c = _float(self.clip_gradient, 'clip_gradient')
            xp.clip(g, -c, c, out=g)
        return g

    def _rule_inputs(self, index, weight, grad, wd_in_grad=False, python_rule=False):
        """What every rule starts from: ``(lr, wd, w, xp, g)`` with ``w`` the weight's raw
        array (updated in place), ``xp`` its array module and ``g`` a new array
        ``clip(rescale_grad * grad [+ wd * weight])`` (``wd_in_grad``: MXNet adds the weight
        decay to the gradient before clipping)."""
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        w = weight._data
        xp = _xp(w)
        if wd_in_grad:
            g = self._grad(xp, grad._data, w, wd, python_rule)
        else:
            g = self._grad(xp, grad._data, python_rule=python_rule)
        return lr, wd, w, xp, g

    # ------------------------------------------------------------------ pickling
    def __getstate__(self):
        state = self.__dict__.copy()
        # the Trainer sets param_dict again after loading
        state.pop('param_dict', None)
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


register = Optimizer.register
create = Optimizer.create_optimizer


def _check_pair(weight, grad):
    if not isinstance(weight, NDArray) or not isinstance(grad, NDArray):
        raise DistGluError("update: expected NDArray weight and grad, got %s and %s"
                           % (type(weight).__name__, type(grad).__name__))
    if weight.shape != grad.shape:
        raise DistGluError("update: weight and grad must have the same shape, got %s and %s"
                           % (weight.shape, grad.shape))
    if not _same_device(weight._ctx, grad._ctx):
        raise DistGluError("update: weight and grad must be on the same context, got %s and %s"
                           % (weight._ctx, grad._ctx))


def _as_float32(a):
    return NDArray._wrap(a._data.astype(np.float32), a.context)


def _cast_into(src, dst):
    dst._data[...] = src._data


def _state_zeros(weight, dtype=None):
    """A zero state array shaped like ``weight`` on its context (dtype: the weight's)."""
    return zeros(weight.shape, ctx=weight.context,
                 dtype=weight._data.dtype if dtype is None else dtype)


def _acc_zeros(weight):
    """A zero accumulator: float32 as MXNet's (AdaGrad, RMSProp, AdaDelta, Ftrl), but
    float64 for float64 weights."""
    return _state_zeros(weight, np.float64 if weight._data.dtype == np.float64 else np.float32)


def _xp(a):
    return array_module(a)


def _momentum_state(momentum, weight):
    """A zero momentum shaped like ``weight``, or None when ``momentum`` is 0 (SGD family)."""
    if momentum != 0.0:
        return _state_zeros(weight)
    return None


def _ema(avg, g, decay):
    """``avg = decay * avg + (1 - decay) * g`` in place (``g`` is only read)."""
    avg *= decay
    avg += g * (1. - decay)


def _ema_sq(avg, g, decay):
    """``avg = decay * avg + (1 - decay) * g**2`` in place (``g`` is only read)."""
    avg *= decay
    avg += (g * g) * (1. - decay)


def _bias_correction(beta1, beta2, t):
    """MXNet's Adam factor ``sqrt(1 - beta2**t) / (1 - beta1**t)`` (applied to the lr)."""
    return math.sqrt(1. - beta2 ** t) / (1. - beta1 ** t)


class Updater:
    """Applies an optimizer to (index, grad, weight) triples, keeping one state per index.

    ``get_states``/``set_states`` pickle the states (NDArrays as NumPy arrays with their
    context), and the optimizer too with ``dump_optimizer=True``: used by
    ``Trainer.save_states``/``load_states``.
    """

    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.states = {}
        self.states_synced = {}
        self.aggregate_updates = optimizer.aggregate_num > 0

    def __call__(self, index, grad, weight):
        """Update ``weight`` (an NDArray or a list) from ``grad`` for ``index``."""
        if not isinstance(index, (list, tuple)):
            indices, grads, weights = [index], [grad], [weight]
        else:
            indices, grads, weights = list(index), list(grad), list(weight)
        if weights:
            self.optimizer._set_current_context(weights[0].context.device_id)
        for i, idx in enumerate(indices):
            if isinstance(idx, bytes):
                idx = indices[i] = idx.decode('utf-8')
            if idx not in self.states:
                self.states[idx] = self.optimizer.create_state_multi_precision(idx, weights[i])
                self.states_synced[idx] = True
            elif not self.states_synced[idx]:
                self.states[idx] = self.sync_state_context(self.states[idx],
                                                           weights[i].context)
                self.states_synced[idx] = True
        opt = self.optimizer
        if self.aggregate_updates:
            by_dtype = {}
            for i, w, g in zip(indices, weights, grads):
                by_dtype.setdefault(w.dtype, []).append((i, w, g))
            n = opt.aggregate_num
            for group in by_dtype.values():
                idxs, ws, gs = (list(x) for x in zip(*group))
                for start in range(0, len(idxs), n):
                    sl = slice(start, start + n)
                    opt.update_multi_precision(idxs[sl], ws[sl], gs[sl],
                                               [self.states[i] for i in idxs[sl]])
        else:
            for i, w, g in zip(indices, weights, grads):
                opt.update_multi_precision(i, w, g, self.states[i])

    def sync_state_context(self, state, context):
        """The state moved onto ``context`` (NDArrays in it copied there if elsewhere)."""
        if isinstance(state, NDArray):
            return state.as_in_context(context)
        if isinstance(state, (tuple, list)):
            synced = [self.sync_state_context(s, context) for s in state]
            return tuple(synced) if isinstance(state, tuple) else synced
        return state

    def set_states(self, states):
        """Load states pickled by ``get_states`` (with the optimizer if it was dumped)."""
        states = pickle.loads(states)
        if isinstance(states, tuple) and len(states) == 2:
            self.states, self.optimizer = states
        else:
            self.states = states
        self.states_synced = dict.fromkeys(self.states.keys(), False)

    def get_states(self, dump_optimizer=False):
        """The pickled states (bytes); ``dump_optimizer=True`` adds the optimizer."""
        return pickle.dumps((self.states, self.optimizer) if dump_optimizer else self.states)


def get_updater(optimizer):
    """An :class:`Updater` for ``optimizer`` (the closure a KVStore or Trainer calls)."""
    return Updater(optimizer)


# The rules, so that ``mx.optimizer.optimizer.SGD`` resolves as in MXNet (they import
# Optimizer from this module, which is complete by now).
from .sgd import SGD, NAG, Signum, DCASGD, SGLD, ccSGD, Test  # noqa: E402,F401
from .adam import Adam, AdamW, Adamax, Nadam, LAMB, FTML  # noqa: E402,F401
from .adaptive import RMSProp, AdaGrad, GroupAdaGrad, AdaDelta, Ftrl  # noqa: E402,F401
from .lars import LARS, LBSGD  # noqa: E402,F401
