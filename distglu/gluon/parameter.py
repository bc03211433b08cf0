"""Parameter and Constant (MXNet 1.x ``mxnet.gluon.parameter``); ParameterDict lives in
``parameter_dict`` and is re-exported here.

A Parameter holds one copy of its data per context plus a gradient buffer per copy.
A 0 in its shape means "not known yet": with ``allow_deferred_init`` the data is created
at the first forward pass, when the layer has seen its input.
"""
import warnings

import numpy as np

from .. import autograd
from ..base import DistGluAssertionError, DistGluError, normalize_dtype
from ..context import Context, cpu, current_context
from .. import ndarray as nd
from ..ndarray.ndarray import NDArray
# re-exported (MXNet's path); parameter_dict imports Parameter/Constant lazily: no cycle
from .parameter_dict import ParameterDict

# MXNet defines ParameterDict in gluon.parameter: type() and pickles name it there
ParameterDict.__module__ = __name__

__all__ = ['DeferredInitializationError', 'Parameter', 'Constant', 'ParameterDict',
           'tensor_types']

tensor_types = (NDArray,)


class DeferredInitializationError(DistGluError):
    """A parameter was used before its deferred initialization ran."""


# names whose default initialization follows the name, not the global initializer
_SUFFIX_DEFAULTS = ('bias', 'beta', 'gamma', 'running_mean', 'running_var', 'moving_mean',
                    'moving_var', 'moving_inv_var', 'moving_avg')


def shape_is_known(shape):
    return shape is not None and all(s > 0 for s in shape)


def _dtype_str(dtype):
    return np.dtype(dtype).name


def _dtype_repr(dtype):
    """A dtype printed as MXNet prints the value it was given ('float32' or a class)."""
    if isinstance(dtype, str):
        return dtype
    return str(np.dtype(dtype).type)


class Parameter:
    """A weight of a Block: data on one or more contexts and their gradients.

    Mirrors MXNet 1.x: ``Parameter(name, grad_req='write', shape=None, dtype=float32,
    lr_mult=1.0, wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
    stype='default', grad_stype='default')``.
    """

    def __init__(self, name, grad_req='write', shape=None, dtype=np.float32, lr_mult=1.0,
                 wd_mult=1.0, init=None, allow_deferred_init=False, differentiable=True,
                 stype='default', grad_stype='default'):
        self._var = None
        self._data = None
        self._grad = None
        self._ctx_list = None
        self._deferred_init = ()
        self._differentiable = differentiable
        self._allow_deferred_init = allow_deferred_init
        self._grad_req = None
        if isinstance(shape, int):
            shape = (shape,)
        self._shape = None if shape is None else tuple(shape)
        self.name = name
        self._dtype = normalize_dtype(dtype)
        self._dtype_given = dtype
        self.lr_mult = lr_mult
        self.wd_mult = wd_mult
        self.grad_req = grad_req
        self.init = init
        self._stype = stype
        self._grad_stype = grad_stype
        self._trainer = None

    def __repr__(self):
        return 'Parameter %s (shape=%s, dtype=%s)' % (self.name, self.shape,
                                                       _dtype_repr(self._dtype_given))

    # ------------------------------------------------------------------ attributes
    @property
    def grad_req(self):
        return self._grad_req

    @grad_req.setter
    def grad_req(self, req):
        if req not in ('write', 'add', 'null'):
            raise DistGluError("grad_req must be one of 'write', 'add', or 'null', but got "
                               "'%s'" % (req,))
        if not self._differentiable:
            req = 'null'
        if self._grad_req == req:
            return
        self._grad_req = req
        if req == 'null' and self._grad is not None:
            self._grad = None
            for d in self._data:
                d._node = None
        elif self._data is not None:
            self._init_grad()

    @property
    def dtype(self):
        """The dtype as it was given (MXNet returns 'float32' for a layer's default, a
        NumPy type when one was passed)."""
        return self._dtype_given

    @dtype.setter
    def dtype(self, dtype):
        self.cast(dtype)

    @property
    def shape(self):
        return self._shape

    @shape.setter
    def shape(self, new_shape):
        new_shape = tuple(new_shape)
        if self._shape is None:
            self._shape = new_shape
            return
        if len(self._shape) != len(new_shape) or any(
                i != j and i != 0 for i, j in zip(self._shape, new_shape)):
            raise DistGluAssertionError("Expected shape %s is incompatible with given shape "
                                        "%s." % (str(new_shape), str(self._shape)))
        self._shape = new_shape

    @property
    def stype(self):
        return self._stype

    # ------------------------------------------------------------------ init
    def initialize(self, init=None, ctx=None, default_init=None, force_reinit=False):
        """Create the data (now, or at the first forward if the shape is not known yet).

        ``init`` (or the parameter's own ``init``) decides the values; ``default_init``
        (Uniform by default) is used when neither is given.
        """
        from .. import initializer
        if default_init is None:
            default_init = initializer.Uniform()
        if self._data is not None and not force_reinit:
            warnings.warn("Parameter '%s' is already initialized, ignoring. Set "
                          "force_reinit=True to re-initialize." % self.name, stacklevel=2)
            return
        self._data = self._grad = None
        ctx = self._ctx_arg(ctx)
        if init is None:
            init = default_init if self.init is None else self.init
        if not shape_is_known(self._shape):
            if self._allow_deferred_init:
                self._deferred_init = (init, ctx, default_init, None)
                return
            raise DistGluError("Cannot initialize Parameter '%s' because it has invalid "
                               "shape: %s." % (self.name, str(self._shape)))
        self._deferred_init = (init, ctx, default_init, None)
        self._finish_deferred_init()

    @staticmethod
    def _ctx_arg(ctx):
        if ctx is None:
            return [current_context()]
        if isinstance(ctx, Context):
            return [ctx]
        ctx = list(ctx)
        for c in ctx:
            if not isinstance(c, Context):
                raise DistGluError("ctx: expected a Context or a list of Contexts, got %r"
                                   % (c,))
        return ctx

    def _finish_deferred_init(self):
        """Run a pending deferred initialization (the shape must be known by now)."""
        if not self._deferred_init:
            return
        init, ctx, default_init, data = self._deferred_init
        if not shape_is_known(self._shape):
            raise DistGluError("Cannot initialize Parameter '%s' because it has invalid "
                               "shape: %s. Please specify in_units, in_channels, etc for "
                               "`Block`s." % (self.name, str(self._shape)))
        self._deferred_init = ()
        from .. import initializer
        with autograd.pause():
            if data is None:
                data = nd.zeros(self._shape, dtype=self._dtype, ctx=cpu())
                attrs = {'__init__': init}
                if init is default_init and self.name.endswith(_SUFFIX_DEFAULTS):
                    # no initializer of its own: bias/beta -> 0, gamma/running_var -> 1 by
                    # name (MXNet 1.x would apply the global initializer here; see README)
                    attrs = {}
                initializer.create(default_init)(initializer.InitDesc(self.name, attrs), data)
            self._init_impl(data, ctx)

    def _init_impl(self, data, ctx_list):
        self._ctx_list = list(ctx_list)
        # every context gets its own copy (never an alias of the caller's array)
        self._data = [data.copyto(c) for c in self._ctx_list]
        self._init_grad()

    def _init_grad(self):
        if self._grad_req == 'null' or self._data is None:
            self._grad = None
            return
        self._grad = [nd.zeros_like(d) for d in self._data]
        autograd.mark_variables(self._data, self._grad, self._grad_req)

    def _check_and_get(self, arr_list, ctx):
        if arr_list is not None:
            if ctx is list:
                return arr_list
            if ctx is None:
                if len(arr_list) == 1:
                    return arr_list[0]
                ctx = current_context()
            idx = self._ctx_index(ctx)
            if idx is not None:
                return arr_list[idx]
            raise DistGluError("Parameter '%s' was not initialized on context %s. It was "
                               "only initialized on %s." % (self.name, str(ctx),
                                                             str(self._ctx_list)))
        if self._deferred_init:
            raise DeferredInitializationError(
                "Parameter '%s' has not been initialized yet because initialization was "
                "deferred. Actual initialization happens during the first forward pass. "
                "Please pass one batch of data through the network before accessing "
                "Parameters. You can also avoid deferred initialization by specifying "
                "in_units, num_features, etc., for network layers." % self.name)
        raise DistGluError("Parameter '%s' has not been initialized. Note that you should "
                           "initialize parameters and create Trainer with "
                           "Block.collect_params() instead of Block.params because the later "
                           "does not include Parameters of nested child Blocks" % self.name)

    def _ctx_index(self, ctx):
        for i, c in enumerate(self._ctx_list):
            if c is ctx or c == ctx:
                return i
        return None

    # ------------------------------------------------------------------ access
    def data(self, ctx=None):
        """The data on ``ctx`` (the only context if there is one)."""
        d = self._data
        if d is not None and ctx is None and len(d) == 1:
            return d[0]
        return self._check_and_get(d, ctx)

    def list_data(self):
        return self._check_and_get(self._data, list)

    def grad(self, ctx=None):
        """The gradient buffer on ``ctx``."""
        if self._data is not None and self._grad is None:
            raise DistGluError("Cannot get gradient array for Parameter '%s' because "
                               "grad_req='null'" % self.name)
        g = self._grad
        if g is not None and ctx is None and len(g) == 1:
            return g[0]
        return self._check_and_get(g, ctx)

    def list_grad(self):
        if self._data is not None and self._grad is None:
            raise DistGluError("Cannot get gradient array for Parameter '%s' because "
                               "grad_req='null'" % self.name)
        return self._check_and_get(self._grad, list)

    def list_ctx(self):
        if self._data is None:
            if self._deferred_init:
                return self._deferred_init[1]
            raise DistGluError("Parameter '%s' has not been initialized" % self.name)
        return self._ctx_list

    def set_data(self, data):
        """Set the value on every context (or store it for a pending deferred init)."""
        if not isinstance(data, NDArray):
            data = nd.array(data, dtype=self._dtype)
        self.shape = data.shape
        if self._data is None:
            if not self._deferred_init:
                raise DistGluError("Parameter '%s' has not been initialized" % self.name)
            self._deferred_init = self._deferred_init[:3] + (data,)
            return
        for arr in self._data:
            with autograd.pause():
                arr._data[...] = data.as_in_context(arr.context)._data

    def zero_grad(self):
        """Set the gradient buffers to 0."""
        if self._grad is None:
            return
        for g in self._grad:
            g._data[...] = 0

    def reset_ctx(self, ctx):
        """Move the parameter (data and gradients) to other context(s)."""
        ctx = self._ctx_arg(ctx)
        if self._data is not None:
            with autograd.pause():
                data = self._data[0].copyto(cpu())
            self._init_impl(data, ctx)
        elif self._deferred_init:
            init, _, default_init, data = self._deferred_init
            self._deferred_init = (init, ctx, default_init, data)
        else:
            raise DistGluError("Cannot reset context for Parameter '%s' because it has not "
                               "been initialized." % self.name)

    def cast(self, dtype):
        """Cast data and gradients to ``dtype``."""
        self._dtype = normalize_dtype(dtype)
        self._dtype_given = dtype
        if self._data is None:
            return
        with autograd.pause():
            self._data = [d.astype(self._dtype) for d in self._data]
            if self._grad is not None:
                self._init_grad()

    def var(self):
        raise DistGluError("Parameter.var(): distglu has no symbolic API; use data()")

    def row_sparse_data(self, row_id):
        """MXNet's accessor for row_sparse parameters; distglu has dense storage only,
        so this is MXNet's error for a parameter of the default storage type."""
        raise DistGluError("Cannot return a copy of Parameter %s via row_sparse_data() "
                           "because its storage type is default. Please use data() instead."
                           % self.name)

    def list_row_sparse_data(self, row_id):
        """See :meth:`row_sparse_data`."""
        raise DistGluError("Cannot return copies of Parameter '%s' on all contexts via "
                           "list_row_sparse_data() because its storage type is default. "
                           "Please use data() instead." % self.name)

    def _load_init(self, data, ctx, cast_dtype=False, dtype_source='current'):
        """Set the value from a loaded array, checking shape and dtype."""
        if self._shape:
            unknown_dim_size = -1 if self._shape is None else 0
            for self_dim, data_dim in zip(self._shape, data.shape):
                if self_dim != unknown_dim_size and self_dim != data_dim:
                    raise DistGluAssertionError(
                        "Failed loading Parameter '%s' from saved params: shape incompatible "
                        "expected %s vs saved %s" % (self.name, str(self._shape),
                                                     str(data.shape)))
            if len(self._shape) != len(data.shape):
                raise DistGluAssertionError(
                    "Failed loading Parameter '%s' from saved params: shape incompatible "
                    "expected %s vs saved %s" % (self.name, str(self._shape), str(data.shape)))
            self._shape = tuple(i if i != unknown_dim_size else j
                                for i, j in zip(self._shape, data.shape))
        else:
            self._shape = data.shape
        if np.dtype(data.dtype) != self._dtype:
            if not cast_dtype:
                raise DistGluAssertionError(
                    "Failed loading Parameter '%s' from saved params: dtype incompatible "
                    "expected %s vs saved %s. Set cast_dtype=True to cast the dtype of saved "
                    "params." % (self.name, _dtype_str(self._dtype), _dtype_str(data.dtype)))
            if dtype_source == 'saved':
                self._dtype = np.dtype(data.dtype)
                self._dtype_given = data.dtype
            else:
                data = data.astype(self._dtype)
        if self._data is None:
            if self._deferred_init:
                ctx = self._deferred_init[1] if ctx is None else self._ctx_arg(ctx)
            else:
                ctx = self._ctx_arg(ctx)
            self._deferred_init = ()
            self._init_impl(data, ctx)
        else:
            ctxs = self._ctx_list if ctx is None else self._ctx_arg(ctx)
            if set(ctxs) != set(self._ctx_list) or self._data[0].dtype != np.dtype(data.dtype):
                # other contexts, or the saved dtype replaces the current one
                self._init_impl(data, ctxs)
            else:
                self.set_data(data)
        self._deferred_init = ()


class Constant(Parameter):
    """A parameter that is never updated: ``grad_req='null'``, value given at creation."""

    def __init__(self, name, value):
        if not isinstance(value, NDArray):
            value = nd.array(value)
        self.value = value

        from .. import initializer

        class _ConstInit(initializer.Initializer):
            """Copies the constant's value (any parameter name)."""

            def _init_weight(self, _, arr):
                arr._data[...] = value.as_in_context(arr.context)._data

            def __call__(self, desc, arr):
                self._init_weight(desc, arr)

        super().__init__(name, grad_req='null', shape=value.shape, dtype=value.dtype,
                         init=_ConstInit())

    def __repr__(self):
        return 'Constant %s (shape=%s, dtype=%s)' % (self.name, self.shape,
                                                      _dtype_repr(self._dtype_given))

    @property
    def grad_req(self):
        return 'null'

    @grad_req.setter
    def grad_req(self, req):
        if req != 'null':
            warnings.warn("Constant parameter '%s' does not support grad_req other than "
                          "'null', and new value '%s' is ignored." % (self.name, req))
        self._grad_req = 'null'


def _reduce(self):
    """The parameter's value on CPU (the average of its copies; they are equal)."""
    data = self.list_data()
    if len(data) == 1:
        return data[0].copyto(cpu())
    acc = data[0].asnumpy().astype(np.float64)
    for d in data[1:]:
        acc += d.asnumpy()
    return nd.array(acc / len(data), dtype=data[0].dtype)


Parameter._reduce = _reduce

