"""Reductions: ``sum mean prod max min nansum nanprod norm argmax argmin argmax_channel``.

MXNet 1.x semantics:
  * ``axis=None`` or ``axis=()`` reduces over every axis; ``exclude=True`` reduces over
    the axes *not* listed; negative axes count from the end; duplicate or out-of-range
    axes are errors.
  * A result with no axes left has shape ``(1,)`` (MXNet 1.x has no 0-d arrays);
    ``keepdims=True`` keeps every reduced axis as size 1.
  * The result keeps the input dtype, integers included (an integer ``mean`` truncates
    toward zero); ``argmax``/``argmin`` return indices in the input's dtype.
  * The gradient of ``max``/``min`` goes, in full, to every element equal to the result
    (all tied maxima get it, as in MXNet).

Where distglu deliberately differs from MXNet 1.9 (MXNet's values are NaN or garbage):
  * ``prod``/``nanprod`` gradients are exact when the input holds zeros (MXNet computes
    ``out / x`` and returns NaN there);
  * ``norm(ord=2)`` has gradient 0 where the norm is 0 (MXNet: NaN);
  * ``norm`` of an integer array is computed in float64 and truncated (MXNet's integer
    norm is wrong), and ``out_dtype`` casts the result (MXNet 1.9 raises for most
    combinations).

The module also registers NumPy-signature versions of the reductions with ``_ndxp``
(``xp.sum(a, axis=None, keepdims=False)`` etc., with NumPy's shapes, 0-d included) so that
backward functions written with ``xp.sum``/``xp.mean``/``xp.max``... are differentiable
under ``autograd.grad(..., create_graph=True)``.
"""
import numpy as np

from ...base import DistGluError, normalize_dtype
from ..ndarray import NDArray
from .. import _ndxp
from ._core import _result, _write_out, _ndarray_t, _sum_to, array_module

__all__ = ['sum', 'mean', 'prod', 'max', 'min', 'nansum', 'nanprod', 'sum_axis', 'max_axis',
           'min_axis', 'norm', 'argmax', 'argmin', 'argmax_channel']


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


def _check_data(data, opname):
    if not isinstance(data, NDArray):
        raise DistGluError("%s: expected an NDArray for data, got %s"
                           % (opname, type(data).__name__))


# ------------------------------------------------------------------ axes and shapes

def _axis_list(axis, ndim, opname, shape):
    """Normalized axes (non-negative ints, input order) of an explicit axis argument."""
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        axis = (axis,)
    elif not isinstance(axis, (tuple, list)):
        raise DistGluError("%s: axis must be an int, a tuple of ints or None, got %r"
                           % (opname, axis))
    out = []
    for a in axis:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise DistGluError("%s: axis must be an int, a tuple of ints or None, got %r"
                               % (opname, axis))
        a = int(a)
        if not -ndim <= a < ndim:
            raise DistGluError("%s: reduction axis %d is out of range for an array of shape "
                               "%s (%d dimensions)" % (opname, a, shape, ndim))
        a %= ndim
        if a in out:
            raise DistGluError("%s: duplicate reduction axes in %r for an array of %d "
                               "dimensions" % (opname, tuple(axis), ndim))
        out.append(a)
    return out


def _mx_axes(axis, ndim, exclude, opname, shape):
    """The reduced axes (sorted tuple) for MXNet's ``axis``/``exclude`` arguments."""
    if axis is None or (isinstance(axis, (tuple, list)) and len(axis) == 0):
        return tuple(range(ndim))
    lst = _axis_list(axis, ndim, opname, shape)
    if exclude:
        return tuple(i for i in range(ndim) if i not in lst)
    return tuple(sorted(lst))


def _np_axes(axis, ndim, opname, shape):
    """The reduced axes for NumPy's ``axis`` (None: all; (): none)."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(sorted(_axis_list(axis, ndim, opname, shape)))


def _shapes(shape, axes, keepdims, mx_shape):
    """(kept shape with reduced axes as 1, output shape)."""
    kshape = tuple(1 if i in axes else s for i, s in enumerate(shape))
    if keepdims:
        return kshape, kshape
    oshape = tuple(s for i, s in enumerate(shape) if i not in axes)
    if mx_shape and not oshape:
        oshape = (1,)
    return kshape, oshape


def _make_plan(shape, axes, keepdims, mx_shape):
    """(axes, kept shape, output shape, elements per output, keepdims for the NumPy call).

    A reduction over every axis is computed with keepdims (NumPy would return a scalar)
    and reshaped; any other one gets its output shape straight from NumPy.
    """
    kshape, oshape = _shapes(shape, axes, keepdims, mx_shape)
    n = 1
    for a in axes:
        n *= shape[a]
    return axes, kshape, oshape, n, bool(keepdims) or len(axes) == len(shape)


_plans = {}


def _mx_plan(axis, exclude, keepdims, shape, opname):
    """The cached plan of a reduction with MXNet's axis arguments (the per-call hot path)."""
    try:
        key = (axis, type(axis), bool(exclude), bool(keepdims), shape)
        plan = _plans.get(key)
    except TypeError:  # a list axis: not hashable
        key = plan = None
    if plan is None:
        plan = _make_plan(shape, _mx_axes(axis, len(shape), exclude, opname, shape),
                          keepdims, True)
        if key is not None:
            if len(_plans) > 4096:
                _plans.clear()
            _plans[key] = plan
    return plan


# ---------------------------------------------------- private differentiable helpers

def _reshape_bwd(xp, g, ins, out, attrs):
    return (_reshape(xp, g, attrs),)


def _reshape_nd(a, shape):
    """Differentiable reshape with NumPy semantics (used by backward code in nd mode)."""
    if a.shape == shape:
        return a
    return _result(a._data.reshape(shape), a._ctx, _reshape_bwd, (a,), (), None, a.shape)


def _reshape(xp, a, shape):
    """``a.reshape(shape)`` for raw arrays and, differentiably, for NDArrays."""
    if _is_nd(xp):
        return _reshape_nd(a, shape)
    return a if a.shape == shape else a.reshape(shape)


def _broadcast_bwd(xp, g, ins, out, attrs):
    return (_sum_to(xp, g, attrs),)


def _broadcast_nd(a, shape):
    """Differentiable, materialized broadcast of an NDArray to ``shape``."""
    x = a._data
    y = (np if type(x) is _ndarray_t else array_module(x)).empty(shape, dtype=x.dtype)
    y[...] = x
    return _result(y, a._ctx, _broadcast_bwd, (a,), (), None, x.shape)


def _expand(xp, gk, shape, scale=None):
    """A writable array of ``shape`` holding ``gk`` (kept shape) broadcast, times ``scale``."""
    if _is_nd(xp):
        if scale is not None:
            gk = gk * scale
        return _broadcast_nd(gk, shape)
    r = xp.empty(shape, dtype=gk.dtype)
    if scale is None:
        r[...] = gk
    else:
        xp.multiply(gk, scale, out=r)
    return r


# ------------------------------------------------------------------ vector-Jacobian products
# attrs = (input shape, kept shape, reduced axes, element count per output)

def _sum_bwd(xp, g, ins, out, attrs):
    xshape, kshape = attrs[0], attrs[1]
    return (_expand(xp, _reshape(xp, g, kshape), xshape),)


def _mean_bwd(xp, g, ins, out, attrs):
    xshape, kshape, _, n = attrs
    return (_expand(xp, _reshape(xp, g, kshape), xshape, 1.0 / (n or 1)),)


def _maxmin_bwd(xp, g, ins, out, attrs):
    x, = ins
    kshape = attrs[1]
    return (_reshape(xp, g, kshape) * (x == _reshape(xp, out, kshape)),)


def _nansum_bwd(xp, g, ins, out, attrs):
    x, = ins
    return (_reshape(xp, g, attrs[1]) * (x == x),)


def _prod_grad(xp, gk, x, axes, yk):
    """d prod(x over axes) / dx, times ``gk``; exact where x holds zeros."""
    if yk is not None and not _is_nd(xp) and not (x == 0).any():
        return gk * (yk / x)
    # product of the other elements: prod of non-zeros over x where no zero, the product
    # of the non-zeros at the single zero, 0 everywhere else
    z = x == 0
    xs = x + z
    pnz = xp.prod(xs, axis=axes, keepdims=True)
    c = xp.sum(z, axis=axes, keepdims=True)
    return gk * ((c == 0) * pnz / xs + z * (c == 1) * pnz)


def _prod_bwd(xp, g, ins, out, attrs):
    x, = ins
    kshape, axes = attrs[1], attrs[2]
    return (_prod_grad(xp, _reshape(xp, g, kshape), x, axes, _reshape(xp, out, kshape)),)


def _nanprod_bwd(xp, g, ins, out, attrs):
    x, = ins
    kshape, axes = attrs[1], attrs[2]
    valid = x == x
    if _is_nd(xp):
        xc = xp.where(valid, x, 1 - valid)
    else:
        xc = xp.where(valid, x, x.dtype.type(1))
    yk = None if _is_nd(xp) else _reshape(xp, out, kshape)
    return (_prod_grad(xp, _reshape(xp, g, kshape), xc, axes, yk) * valid,)


# ------------------------------------------------------------------ the reduction core

class _Reduction:
    """One reduction: NumPy/CuPy function name, vjp, what the vjp needs."""
    __slots__ = ('name', 'np_fn', 'fname', 'bwd', 'save_in', 'save_out', 'int_acc', 'empty_err')

    def __init__(self, name, fname, np_fn, bwd, save_in, save_out, int_acc, empty_err=False):
        self.name = name
        self.fname = fname
        self.np_fn = np_fn          # NumPy fast path (ufunc.reduce skips np.sum's wrapper)
        self.bwd = bwd
        self.save_in = save_in
        self.save_out = save_out
        self.int_acc = int_acc      # pass dtype= so integers keep their dtype
        self.empty_err = empty_err  # no identity: an empty reduction is an error

    def compute(self, x, axes, keepdims):
        fn = self.np_fn if type(x) is _ndarray_t else getattr(array_module(x), self.fname)
        if x.dtype.kind in 'iu':
            if self.int_acc:
                return fn(x, axis=axes, keepdims=keepdims, dtype=x.dtype)
            if self.fname == 'mean':
                xp = np if type(x) is _ndarray_t else array_module(x)
                return xp.trunc(fn(x, axis=axes, keepdims=keepdims,
                                   dtype=np.float64)).astype(x.dtype)
        if self.empty_err and x.size == 0:
            raise DistGluError("%s: cannot reduce an empty array of shape %s (the operation "
                               "has no identity)" % (self.name, x.shape))
        return fn(x, axis=axes, keepdims=keepdims)

    def apply(self, data, plan):
        x = data._data
        axes, kshape, oshape, n, call_kd = plan
        y = self.compute(x, axes, call_kd)
        if call_kd and y.shape != oshape:
            y = y.reshape(oshape)
        return _result(y, data._ctx, self.bwd, (data,), (data,) if self.save_in else (),
                       y if self.save_out else None, (x.shape, kshape, axes, n))

    def mx_op(self):
        red = self

        def op(data=None, axis=None, keepdims=False, exclude=False, out=None, name=None):
            if not isinstance(data, NDArray):
                _check_data(data, red.name)
            res = red.apply(data, _mx_plan(axis, exclude, keepdims, data._data.shape, red.name))
            return res if out is None else _write_out(out, res)

        op.__name__ = op.__qualname__ = self.name
        return op

    def np_op(self, has_dtype):
        red = self

        def adapter(a, axis=None, dtype=None, out=None, keepdims=False):
            if out is not None:
                raise DistGluError("second-order gradients: xp.%s(out=...) is not supported"
                                   % red.fname)
            axes = _np_axes(axis, a._data.ndim, red.fname, a.shape)
            res = red.apply(a, _make_plan(a.shape, axes, keepdims, False))
            if dtype is not None and normalize_dtype(dtype) != res._data.dtype:
                res = res.astype(dtype)
            return res

        if has_dtype:
            return adapter

        def adapter_nodtype(a, axis=None, out=None, keepdims=False):
            return adapter(a, axis, None, out, keepdims)
        return adapter_nodtype


def _np_mean(x, axis, keepdims, dtype=None):
    """np.mean without its Python wrapper for float32/float64 (same pairwise sum)."""
    if dtype is None and x.dtype.kind == 'f' and x.dtype.itemsize >= 4:
        y = np.add.reduce(x, axis=axis, keepdims=keepdims)
        n = x.size // y.size if y.size else 1
        if n != 1:
            y /= x.dtype.type(n)  # a fresh array: axis=() also reduces into a copy
        return y
    return np.mean(x, axis=axis, keepdims=keepdims, dtype=dtype)


_SUM = _Reduction('sum', 'sum', np.add.reduce, _sum_bwd, False, False, True)
_MEAN = _Reduction('mean', 'mean', _np_mean, _mean_bwd, False, False, False)
_PROD = _Reduction('prod', 'prod', np.multiply.reduce, _prod_bwd, True, True, True)
_MAX = _Reduction('max', 'max', np.maximum.reduce, _maxmin_bwd, True, True, False,
                  empty_err=True)
_MIN = _Reduction('min', 'min', np.minimum.reduce, _maxmin_bwd, True, True, False,
                  empty_err=True)
_NANSUM = _Reduction('nansum', 'nansum', np.nansum, _nansum_bwd, True, False, True)
_NANPROD = _Reduction('nanprod', 'nanprod', np.nanprod, _nanprod_bwd, True, True, True)


def _doc(op, what, extra=''):
    op.__doc__ = (
        "%s over ``axis`` (MXNet ``nd.%s``).\n\n"
        "``axis``: int, tuple or None (None or () reduce every axis); ``exclude=True`` "
        "reduces over the axes not listed; ``keepdims=True`` keeps reduced axes as size 1. "
        "A result with no axes left has shape (1,). The dtype is the input's.%s"
        % (what, op.__name__, extra))
    return op


sum = _doc(_SUM.mx_op(), 'Sum')  # noqa: A001
mean = _doc(_MEAN.mx_op(), 'Arithmetic mean', ' Integer means truncate toward zero.')
prod = _doc(_PROD.mx_op(), 'Product', ' The gradient is exact also where the input is 0.')
max = _doc(_MAX.mx_op(), 'Maximum',  # noqa: A001
           ' The gradient goes to every element equal to the maximum.')
min = _doc(_MIN.mx_op(), 'Minimum',  # noqa: A001
           ' The gradient goes to every element equal to the minimum.')
nansum = _doc(_NANSUM.mx_op(), 'Sum treating NaN as 0', ' NaN elements get gradient 0.')
nanprod = _doc(_NANPROD.mx_op(), 'Product treating NaN as 1', ' NaN elements get gradient 0.')
sum_axis = sum
max_axis = max
min_axis = min


# ------------------------------------------------------------------ norm

def _norm_bwd(xp, g, ins, out, attrs):
    x, = ins
    kshape, ord_, cast = attrs
    gk = _reshape(xp, g, kshape)
    if cast is not None:
        gk = gk.astype(cast)
    if ord_ == 1:
        return (gk * xp.sign(x),)
    yk = _reshape(xp, out, kshape)
    if cast is not None:
        yk = yk.astype(cast)
    return (gk * x / (yk + (yk == 0)),)


def norm(data=None, ord=2, axis=None, out_dtype=None, keepdims=False, out=None, name=None):
    """L1 (``ord=1``) or L2 (``ord=2``, default) norm over ``axis`` (MXNet ``nd.norm``).

    ``axis``: int, tuple or None (every axis, result shape (1,)). ``out_dtype`` casts the
    result. Differentiable; the L2 gradient is 0 where the norm is 0 (MXNet gives NaN).
    Integer inputs are computed in float64 and truncated back to the integer dtype.
    """
    _check_data(data, 'norm')
    if ord not in (1, 2):
        raise DistGluError("norm: only ord=1 and ord=2 are supported, got ord=%r" % (ord,))
    x = data._data
    axes = _mx_axes(axis, x.ndim, False, 'norm', x.shape)
    kshape, oshape = _shapes(x.shape, axes, keepdims, True)
    xp = np if type(x) is _ndarray_t else array_module(x)
    dt = x.dtype
    xc = x
    if dt.kind != 'f':
        xc = x.astype(np.float64)
    elif dt.itemsize < 4:  # accumulate float16 in float32 (MXNet's safe accumulation)
        xc = x.astype(np.float32)
    if ord == 1:
        y = xp.sum(xp.abs(xc), axis=axes, keepdims=True)
    elif len(axes) == x.ndim and xc.flags.c_contiguous and xc.size:
        flat = xc.reshape(-1)
        y = xp.sqrt(xp.asarray(xp.dot(flat, flat)))
    else:
        y = xp.sqrt(xp.sum(xp.square(xc), axis=axes, keepdims=True))
    odt = dt if out_dtype is None else normalize_dtype(out_dtype)
    if y.dtype != odt:
        y = (xp.trunc(y) if odt.kind in 'iub' else y).astype(odt)
    if y.shape != oshape:
        y = y.reshape(oshape)
    res = _result(y, data._ctx, _norm_bwd, (data,), (data,), y,
                  (kshape, ord, None if odt == dt else dt))
    return res if out is None else _write_out(out, res)


# ------------------------------------------------------------------ argmax / argmin

def _zero_bwd(xp, g, ins, out, attrs):
    return (None,)


def _arg_reduce(fname, data, axis, keepdims, out):
    _check_data(data, fname)
    x = data._data
    nd_ = x.ndim
    if axis is None:
        ax = None
        oshape = (1,) * nd_ if keepdims else (1,)
    else:
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise DistGluError("%s: axis must be an int or None, got %r" % (fname, axis))
        ax = int(axis)
        if not -nd_ <= ax < nd_:
            raise DistGluError("%s: axis %d is out of range for an array of shape %s"
                               % (fname, ax, x.shape))
        ax %= nd_
        oshape = tuple(1 if i == ax else s for i, s in enumerate(x.shape)) if keepdims \
            else (tuple(s for i, s in enumerate(x.shape) if i != ax) or (1,))
    if x.size == 0:
        raise DistGluError("%s: cannot take the %s of an empty array of shape %s"
                           % (fname, fname, x.shape))
    xp = np if type(x) is _ndarray_t else array_module(x)
    idx = getattr(xp, fname)(x, axis=ax, keepdims=True)
    y = idx.astype(x.dtype).reshape(oshape)
    res = _result(y, data._ctx, _zero_bwd, (data,))
    return res if out is None else _write_out(out, res)


def argmax(data=None, axis=None, keepdims=False, out=None, name=None):
    """Index of the maximum along ``axis`` (int or None: the flat index), in data's dtype.

    Ties and NaNs: the first occurrence. Not differentiable (zero gradient).
    """
    return _arg_reduce('argmax', data, axis, keepdims, out)


def argmin(data=None, axis=None, keepdims=False, out=None, name=None):
    """Index of the minimum along ``axis`` (int or None: the flat index), in data's dtype."""
    return _arg_reduce('argmin', data, axis, keepdims, out)


def argmax_channel(data=None, out=None, name=None):
    """``argmax(data, axis=1)``: the index of the maximum of each channel (MXNet)."""
    return _arg_reduce('argmax', data, 1, False, out)


# ------------------------------------------------------------------ NumPy-signature adapters
# (used as xp.<name> by backward code under create_graph=True)

for _name, _red, _has_dtype in (('sum', _SUM, True), ('mean', _MEAN, True),
                                ('prod', _PROD, True), ('max', _MAX, False),
                                ('amax', _MAX, False), ('min', _MIN, False),
                                ('amin', _MIN, False), ('nansum', _NANSUM, True),
                                ('nanprod', _NANPROD, True)):
    _ndxp.register(_name, _red.np_op(_has_dtype))
del _name, _red, _has_dtype

