"""The NDArray: a NumPy or CuPy array, its Context, and its place in the autograd graph.

Mirrors ``mxnet.ndarray.NDArray`` (MXNet 1.x): same properties, conversions, printing
and in-place semantics. Operators live in ``ops/``; this file holds the data holder and
binds the operator methods.
"""
import numpy as np

from .. import autograd as _ag
from ..base import DistGluError, DistGluValueError, normalize_dtype
from ..context import Context, current_context, context_of, context_xp, device_scope

__all__ = ['NDArray', 'array', 'empty', 'zeros', 'ones', 'full', 'arange', 'eye', 'linspace',
           'zeros_like', 'ones_like', 'full_like', 'waitall', 'from_numpy', 'concatenate']

_new = object.__new__
_ndarray_t = np.ndarray


def _asarray_result(y):
    """Ensure an operator result is an array (numpy reductions on 0-d return scalars)."""
    if isinstance(y, np.generic) or not hasattr(y, 'shape'):
        return np.asarray(y)
    return y


class NDArray:
    """A multi-dimensional array on a context (``mxnet.nd.NDArray``).

    Holds ``_data`` (numpy.ndarray on cpu, cupy.ndarray on gpu), ``_ctx``, and
    ``_node``/``_oidx``: the graph node that produced it (or the ``_Leaf`` of a variable).
    """
    __slots__ = ('_data', '_ctx', '_node', '_oidx', '__weakref__')
    __array_priority__ = 1000.0  # numpy scalars defer to NDArray's reflected operators

    def __init__(self, data, ctx=None):
        data = _asarray_result(data)
        self._data = data
        self._ctx = ctx if ctx is not None else context_of(data)
        self._node = None
        self._oidx = 0

    @staticmethod
    def _wrap(data, ctx):
        a = _new(NDArray)
        if type(data) is not _ndarray_t:
            data = _asarray_result(data)
        a._data = data
        a._ctx = ctx
        a._node = None
        a._oidx = 0
        return a

    @staticmethod
    def _wrap_node(data, node, idx):
        a = NDArray._wrap(data, None)
        a._ctx = context_of(a._data)
        a._node = node
        a._oidx = idx
        return a

    # ------------------------------------------------------------------ properties
    @property
    def shape(self):
        return self._data.shape

    @property
    def dtype(self):
        """The element type as a numpy type class (``numpy.float32``), as MXNet returns it."""
        return self._data.dtype.type

    @property
    def size(self):
        return self._data.size

    @property
    def ndim(self):
        return self._data.ndim

    @property
    def context(self):
        return self._ctx

    ctx = context

    @property
    def stype(self):
        return 'default'

    @property
    def handle(self):
        return id(self._data)

    @property
    def grad(self):
        """The gradient buffer attached by ``attach_grad`` (None if there is none)."""
        n = self._node
        if type(n) is _ag._Leaf:
            return n.grad
        return None

    @property
    def T(self):
        return transpose(self)

    @property
    def writable(self):
        return True

    # ------------------------------------------------------------------ conversion
    def asnumpy(self):
        """A NumPy copy of the data."""
        d = self._data
        if type(d) is _ndarray_t:
            return d.copy()
        return d.get()

    def zeros_like(self, *args, **kwargs):
        """An array of zeros with this array's shape, dtype and context."""
        return zeros_like(self)

    def ones_like(self, *args, **kwargs):
        """An array of ones with this array's shape, dtype and context."""
        return ones_like(self)

    def __abs__(self):
        return self.abs()

    def asscalar(self):
        if self._data.size != 1:
            raise DistGluValueError("The current array is not a scalar: asscalar needs "
                                    "exactly one element, the array has shape %s"
                                    % (self.shape,))
        return self.asnumpy().reshape(-1)[0]

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype)

    def astype(self, dtype, copy=True):
        """Cast to ``dtype`` (recorded: the gradient is cast back)."""
        return _ops().astype(self, dtype, copy=copy)

    def copy(self):
        return self.copyto(self._ctx)

    def copyto(self, other):
        """Copy into ``other`` (an NDArray, written in place) or onto a Context."""
        if isinstance(other, NDArray):
            if other is self:
                return other
            if other.shape != self.shape:
                raise DistGluError("copyto: shape mismatch, source %s vs target %s"
                                   % (self.shape, other.shape))
            other._check_inplace()
            other._data[...] = _to_ctx(self._data, other._ctx).astype(other._data.dtype,
                                                                        copy=False)
            return other
        if isinstance(other, Context):
            return _ops().copy_to_ctx(self, other)
        raise DistGluError("copyto: expected an NDArray or a Context, got %s"
                           % type(other).__name__)

    def as_in_context(self, context):
        """This array if it already lives on ``context``, else a copy there."""
        if context == self._ctx:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def as_nd_ndarray(self):
        return self

    def tostype(self, stype):
        if stype != 'default':
            raise DistGluError("tostype: distglu only has dense ('default') storage, got %r"
                               % (stype,))
        return self

    def __float__(self):
        return float(self._scalar_value('float'))

    def __int__(self):
        return int(self._scalar_value('int'))

    def __index__(self):
        return int(self._scalar_value('index'))

    def __bool__(self):
        n = self._data.size
        if n == 0:
            return False
        if n != 1:
            raise ValueError("The truth value of an NDArray with multiple elements is "
                             "ambiguous.")
        return bool(self._scalar_value('bool'))

    __nonzero__ = __bool__

    def _scalar_value(self, what):
        if self._data.size != 1:
            raise DistGluError("%s(): only one-element NDArrays can be converted to Python "
                               "scalars, got shape %s" % (what, self.shape))
        return self.asnumpy().reshape(-1)[0]

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d NDArray")
        return self._data.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __hash__(self):
        return id(self)

    def __reduce__(self):
        return (_unpickle, (self.asnumpy(), self._ctx))

    def __getstate__(self):
        return {'data': self.asnumpy(), 'ctx': self._ctx}

    # ------------------------------------------------------------------ printing
    def __repr__(self):
        shape_info = 'x'.join(['%d' % x for x in self.shape])
        return '\n%s\n<%s %s @%s>' % (str(self.asnumpy()), type(self).__name__, shape_info,
                                       self._ctx)

    __str__ = __repr__

    # ------------------------------------------------------------------ autograd
    def attach_grad(self, grad_req='write', stype=None):
        """Allocate a zero gradient buffer and make this array a variable for autograd."""
        g = NDArray._wrap(context_xp(self._ctx).zeros_like(self._data), self._ctx)
        _ag._attach(self, g, grad_req)

    def detach(self):
        """The same data, cut from the graph."""
        return NDArray._wrap(self._data, self._ctx)

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        """Backpropagate from this array (as if summed when non-scalar)."""
        _ag.backward([self], None if out_grad is None else [out_grad], retain_graph,
                     train_mode)

    def _check_inplace(self):
        """In-place writes are errors inside record() on arrays in a graph (as MXNet)."""
        if _ag._recording and self._node is not None and self._node.bwd is not None:
            raise DistGluError(_ag._INPLACE_IN_GRAPH)

    def _fresh_grad_get(self):
        n = self._node
        return type(n) is _ag._Leaf and n.fresh

    def _fresh_grad_set(self, v):
        n = self._node
        if type(n) is _ag._Leaf:
            n.fresh = bool(v)

    _fresh_grad = property(_fresh_grad_get, _fresh_grad_set)

    def wait_to_read(self):
        """Arrays are computed eagerly; on a GPU this waits for the device."""
        if self._ctx.device_type == 'gpu':
            context_xp(self._ctx).cuda.Device(self._ctx.device_id).synchronize()

    def wait_to_write(self):
        self.wait_to_read()


def _unpickle(data, ctx):
    return array(data, ctx=ctx, dtype=data.dtype)


def _ops():
    from . import ops
    return ops


def _to_ctx(data, ctx):
    """Move a raw array onto ``ctx``'s device."""
    xp = context_xp(ctx)
    if xp is np:
        if type(data) is _ndarray_t:
            return data
        return data.get()
    with device_scope(ctx):
        return xp.asarray(data)


# ---------------------------------------------------------------------- creation

def _ctx_or_default(ctx):
    if ctx is None:
        return current_context()
    if not isinstance(ctx, Context):
        raise DistGluError("ctx: expected a Context such as mx.cpu() or mx.gpu(0), got %r"
                           % (ctx,))
    return ctx


def array(source_array, ctx=None, dtype=None):
    """Create an array from a list, a NumPy array, an NDArray or a scalar.

    As MXNet 1.x, the dtype defaults to the source's dtype for an NDArray and to float32
    for everything else (NumPy float64 arrays become float32).
    """
    if isinstance(source_array, NDArray):
        dt = source_array._data.dtype if dtype is None else normalize_dtype(dtype)
        src = source_array.asnumpy() if (ctx is not None and ctx != source_array._ctx) \
            else source_array._data
        ctx = source_array._ctx if ctx is None else ctx
    else:
        dt = normalize_dtype(dtype)
        src = source_array
        if not isinstance(src, np.ndarray) and hasattr(src, '__cuda_array_interface__'):
            src = src.get()
        try:
            # values beyond float32's range become inf silently, as in MXNet
            with np.errstate(over='ignore'):
                src = np.asarray(src, dtype=dt)
        except (TypeError, ValueError) as err:
            raise DistGluError("array: expected a list, NumPy array, NDArray or scalar of "
                               "numbers, got %s (%s)" % (type(source_array).__name__, err)) from err
    ctx = _ctx_or_default(ctx)
    xp = context_xp(ctx)
    if xp is np:
        data = np.array(src, dtype=dt, copy=True)
    else:
        with device_scope(ctx):
            data = xp.array(src, dtype=dt)
    return NDArray._wrap(data, ctx)


def from_numpy(ndarray, zero_copy=True):
    """Wrap a NumPy array (shares memory when ``zero_copy``)."""
    if not isinstance(ndarray, np.ndarray):
        raise DistGluError("from_numpy: expected a numpy.ndarray, got %s"
                           % type(ndarray).__name__)
    return NDArray._wrap(ndarray if zero_copy else ndarray.copy(), current_context())


def _shape_tuple(shape):
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except TypeError as err:
        raise DistGluError("shape: expected an int or a tuple of ints, got %r" % (shape,)) from err


def _create(fn_name, shape, ctx, dtype, *args):
    ctx = _ctx_or_default(ctx)
    xp = context_xp(ctx)
    dt = normalize_dtype(dtype)
    with device_scope(ctx):
        data = getattr(xp, fn_name)(_shape_tuple(shape), *args, dtype=dt)
    return NDArray._wrap(data, ctx)


def empty(shape, ctx=None, dtype=None, **kwargs):
    return _create('empty', shape, ctx, dtype)


def zeros(shape, ctx=None, dtype=None, **kwargs):
    return _create('zeros', shape, ctx, dtype)


def ones(shape, ctx=None, dtype=None, **kwargs):
    return _create('ones', shape, ctx, dtype)


def full(shape, val, ctx=None, dtype=np.float32, out=None):
    res = _create('full', shape, ctx, dtype, val)
    if out is not None:
        out[:] = res
        return out
    return res


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=np.float32):
    """Evenly spaced values in [start, stop), each repeated ``repeat`` times (MXNet)."""
    if stop is None:
        start, stop = 0, start
    ctx = _ctx_or_default(ctx)
    xp = context_xp(ctx)
    dt = normalize_dtype(dtype)
    with device_scope(ctx):
        data = xp.arange(start, stop, step, dtype=np.float64).astype(dt)
        if repeat != 1:
            data = xp.repeat(data, int(repeat))
    return NDArray._wrap(data, ctx)


def eye(N, M=0, k=0, ctx=None, dtype=np.float32, **kwargs):
    ctx = _ctx_or_default(ctx)
    xp = context_xp(ctx)
    with device_scope(ctx):
        data = xp.eye(int(N), int(M) if M else None, int(k), dtype=normalize_dtype(dtype))
    return NDArray._wrap(data, ctx)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32):
    ctx = _ctx_or_default(ctx)
    xp = context_xp(ctx)
    with device_scope(ctx):
        data = xp.linspace(start, stop, int(num), endpoint=endpoint).astype(
            normalize_dtype(dtype))
    return NDArray._wrap(data, ctx)


def _like(fn_name, data, *args, dtype=None):
    if not isinstance(data, NDArray):
        raise DistGluError("%s: expected an NDArray, got %s" % (fn_name, type(data).__name__))
    xp = context_xp(data._ctx)
    dt = data._data.dtype if dtype is None else normalize_dtype(dtype)
    with device_scope(data._ctx):
        res = getattr(xp, fn_name)(data._data, *args, dtype=dt)
    return NDArray._wrap(res, data._ctx)


def zeros_like(data, **kwargs):
    return _like('zeros_like', data)


def ones_like(data, **kwargs):
    return _like('ones_like', data)


def full_like(data, fill_value, **kwargs):
    return _like('full_like', data, fill_value, dtype=kwargs.get('dtype'))


def waitall():
    """Arrays are computed eagerly on the CPU; on GPUs this synchronizes every device."""
    from ..context import num_gpus, gpu_module
    for i in range(num_gpus()):
        gpu_module(Context('gpu', i)).cuda.Device(i).synchronize()


def concatenate(arrays, axis=0, always_copy=True):
    return _ops().concat(*arrays, dim=axis)


def transpose(data, axes=None):
    return _ops().transpose(data, axes)
