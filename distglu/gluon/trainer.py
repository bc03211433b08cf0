"""Trainer (MXNet 1.x ``mxnet.gluon.Trainer``): applies an optimizer to Parameters.

Gradients live in flat buckets (``distributed.GradBuckets``): on its first step the
Trainer re-points every gradient at a view into a few contiguous buffers, so reducing
them is one in-place call per bucket. ``step(batch_size)`` scales gradients by
1/batch_size (through the optimizer's ``rescale_grad``) and updates in place.
"""

from ..base import DistGluError, DistGluValueError
from .. import optimizer as opt
from ..distributed.grad_bucket import GradBuckets
from ..ndarray.ndarray import _to_ctx
from .parameter import Parameter, ParameterDict

__all__ = ['Trainer']

_STALE = ("Gradient of Parameter `%s` on context %s has not been updated by backward since "
          "last `step`. This could mean a bug in your model that made it only use a subset "
          "of the Parameters (Blocks) for this iteration. If you are intentionally only using "
          "a subset, call step with ignore_stale_grad=True to suppress this warning and skip "
          "updating of Parameters with stale gradient")


class Trainer:
    """Applies an Optimizer on a set of Parameters.

    Parameters
    ----------
    params : ParameterDict, dict of Parameters, or list of Parameters.
    optimizer : str or Optimizer.
    optimizer_params : dict of optimizer arguments, e.g. ``{'learning_rate': 0.1}``.
    kvstore : 'device' (default), 'local', a KVStore, or None.
    compression_params, update_on_kvstore : accepted for compatibility; updates always
        run locally after the gradients are reduced.
    """

    def __init__(self, params, optimizer, optimizer_params=None, kvstore='device',
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            # sorted by name, as MXNet: the update order (which rules such as Nadam's
            # shared schedule depend on) and the optimizer's indices follow it
            param_list = [params[key] for key in sorted(params.keys())]
        elif isinstance(params, (list, tuple)):
            param_list = list(params)
        else:
            raise DistGluValueError("First argument must be a list or dict of Parameters, "
                                    "got %s." % type(params))
        self._params = []
        self._param2idx = {}
        for i, param in enumerate(param_list):
            if not isinstance(param, Parameter):
                raise DistGluValueError("First argument must be a list or dict of Parameters, "
                                        "got list of %s." % type(param))
            if param in self._param2idx:
                continue  # shared parameters appear once
            self._param2idx[param] = len(self._params)
            self._params.append(param)
            param._trainer = self
        self._compression_params = compression_params
        self._update_on_kvstore = update_on_kvstore
        self._kvstore_arg = kvstore
        optimizer_params = dict(optimizer_params or {})
        self._scale = float(optimizer_params.get('rescale_grad', 1.0))
        self._contexts = None
        self._init_optimizer(optimizer, optimizer_params)
        self._buckets = None
        self._kvstore = None

    def _init_optimizer(self, optimizer, optimizer_params):
        param_dict = {i: param for i, param in enumerate(self._params)}
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise DistGluError("optimizer_params must be None if optimizer is an instance "
                                   "of Optimizer instead of str")
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        elif isinstance(optimizer, str):
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        else:
            raise DistGluError("optimizer: expected a name such as 'sgd' or an Optimizer, got "
                               "%r" % (optimizer,))
        self._updaters = None

    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and contexts != ctx:
                raise DistGluError(
                    "All Parameters must be initialized on the same set of contexts, but "
                    "Parameter %s is initialized on %s while previous Parameters are "
                    "initialized on %s." % (param.name, str(ctx), str(contexts)))
            contexts = ctx
        return contexts or []

    def _ensure_ready(self):
        """First step (or after re-initialization): contexts, updaters, flat buckets."""
        for p in self._params:
            if p._data is None:
                p._check_and_get(p._data, None)  # raises the right (deferred) error
        if self._contexts is None:
            self._contexts = self._check_contexts()
            self._updaters = [opt.get_updater(self._optimizer) for _ in self._contexts]
        if self._buckets is None or not self._buckets.is_current(self._params):
            self._buckets = GradBuckets(self._params)
        if self._kvstore is None and self._kvstore_arg is not None:
            from .. import kvstore as kvs
            self._kvstore = self._kvstore_arg if isinstance(self._kvstore_arg, kvs.KVStore) \
                else kvs.create(self._kvstore_arg)

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        return self._optimizer

    def set_learning_rate(self, lr):
        """Set a new learning rate for the optimizer."""
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """One update: gradients are reduced, scaled by 1/batch_size, and applied."""
        self._ensure_ready()
        self._optimizer.rescale_grad = self._scale / batch_size
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Reduce gradients (across contexts/ranks) without updating; then call update()."""
        self._ensure_ready()
        self._allreduce_grads()

    def _allreduce_grads(self):
        # One process: only multi-context parameters need summing across their copies.
        if len(self._contexts) <= 1:
            return
        for p in self._params:
            if p._grad is None:
                continue
            grads = p._grad
            total = grads[0]._data.copy()
            for g in grads[1:]:
                total += g.as_in_context(grads[0].context)._data
            for g in grads:
                g._data[...] = _to_ctx(total, g.context)

    def update(self, batch_size, ignore_stale_grad=False):
        """Apply the optimizer (after allreduce_grads), scaling by 1/batch_size."""
        self._ensure_ready()
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _update(self, ignore_stale_grad=False):
        updaters = self._updaters
        if not ignore_stale_grad:
            # every parameter is checked before any is updated (as MXNet): a stale
            # gradient leaves all weights as they were
            for param in self._params:
                if param.grad_req == 'null':
                    continue
                for data in param._data:
                    if not data._fresh_grad:
                        raise UserWarning(_STALE % (param.name, str(data.context)))
        # one call per context with every parameter, as MXNet: rules that look at the
        # whole step (LARS's momentum correction) see all parameters at once
        batches = [([], [], []) for _ in updaters]
        for i, param in enumerate(self._params):
            if param.grad_req == 'null':
                continue
            for batch, arr, grad in zip(batches, param._data, param._grad):
                if ignore_stale_grad and not arr._fresh_grad:
                    continue
                batch[0].append(i)
                batch[1].append(grad)
                batch[2].append(arr)
        for upd, (indices, grads, arrays) in zip(updaters, batches):
            if indices:
                upd(indices, grads, arrays)
            for arr in arrays:
                arr._fresh_grad = False

    def save_states(self, fname):
        """Save optimizer states (momentum etc.) atomically."""
        self._ensure_ready()
        from ..ndarray.io import atomic_write
        states = self._updaters[0].get_states(dump_optimizer=True)
        atomic_write(fname, states)

    def load_states(self, fname):
        """Load optimizer states written by save_states."""
        self._ensure_ready()
        with open(fname, 'rb') as f:
            states = f.read()
        for updater in self._updaters:
            updater.set_states(states)
            updater.optimizer = self._updaters[0].optimizer
        self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = {i: param for i, param in enumerate(self._params)}
