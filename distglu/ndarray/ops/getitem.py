"""``NDArray[key]`` and ``NDArray[key] = value`` with MXNet 1.x's indexing rules.

Keys: ints, slices, None, Ellipsis and index arrays (NDArray, NumPy, lists). Basic keys
(ints and slices) give views where MXNet does; index arrays follow NumPy's advanced
indexing except where MXNet places the axes added by None. Reading is a recorded gather
(:class:`~._gather._Plan`); a write whose value is in a graph is recorded too.
"""
import numpy as np

from ... import autograd as _ag
from ...autograd import _Node
from ...base import DistGluError, DistGluIndexError, DistGluValueError, numeric_types
from ..ndarray import NDArray, _to_ctx
from ._core import _result, _xp, _sum_to
from ._gather import (_out_of_bounds, _Plan, _plan_gather_bwd, _gather_op, _is_nd,
                      _int_index, _bounded)

__all__ = []

_wrap = NDArray._wrap


# ------------------------------------------------------------------ NDArray[key]

_ADV_SEQ = (list, tuple, range)


def _index_item(k, x, xp):
    """One entry of a key as None/Ellipsis/int/slice, or a raw int64 array (or a tuple of
    arrays for a boolean NDArray mask)."""
    if k is None or k is Ellipsis or type(k) is slice or type(k) is int:
        return k
    if isinstance(k, (int, np.integer)):
        return int(k)
    if isinstance(k, slice):
        return k
    if isinstance(k, NDArray):
        a = k._data
        if a.ndim == 0:
            return int(a)
        if k._ctx != x._ctx:
            a = _to_ctx(a, x._ctx)
        if a.dtype == np.bool_:
            return tuple(_int_index(z) for z in xp.nonzero(a))
        return _int_index(a)
    if isinstance(k, (np.ndarray,) + _ADV_SEQ):
        a = np.asarray(k)
        if a.dtype == object:
            raise DistGluValueError("NDArray does not support slicing with key %r: expected "
                                    "integers" % (k,))
        if a.ndim == 0:
            return int(a)
        # MXNet casts lists and NumPy arrays to integers, booleans included (no mask)
        a = a.astype(np.int64)
        return a if xp is np else xp.asarray(a)
    if hasattr(k, '__cuda_array_interface__'):
        return _int_index(xp.asarray(k))
    raise DistGluValueError("NDArray does not support slicing with key %r of type %s."
                            % (k, type(k)))


def _index_plan(x, key):
    """The :class:`_Plan` of ``x[key]`` following MXNet 1.x's rules.

    Ellipsis expands to full slices; ints, index arrays and slices are checked against
    their axis; index arrays (NDArray, NumPy, lists; floats truncate, booleans count as
    0/1 except in a boolean NDArray, which masks) follow NumPy's advanced indexing, except
    for where MXNet puts the axes added by None (see :func:`_advanced_plan`).
    """
    d = x._data
    xp = _xp(d)
    shape = d.shape
    ndim = len(shape)
    if type(key) is not tuple:
        key = (key,)
    items = []
    ell = -1
    nreal = 0
    for k in key:
        k = _index_item(k, x, xp)
        if k is None:
            items.append(None)
        elif k is Ellipsis:
            if ell >= 0:
                raise DistGluIndexError('Cannot use more than one ellipsis (`...`) for indexing')
            ell = len(items)
        elif type(k) is tuple:     # a boolean mask: one index array per masked axis
            items.extend(k)
            nreal += len(k)
        else:
            items.append(k)
            nreal += 1
    if nreal > ndim:
        raise DistGluIndexError('too many indices (%d) for array with %d dimensions'
                                % (nreal, ndim))
    fill = [slice(None)] * (ndim - nreal)
    if ell < 0:
        items.extend(fill)
    else:
        items[ell:ell] = fill

    adv = False
    ax = 0
    dims = []          # per real axis: selected length (None for int axes)
    for i, k in enumerate(items):
        if k is None:
            continue
        n = shape[ax]
        if type(k) is int:
            if not -n <= k < n:
                raise _out_of_bounds(k, ax, n)
            if k < 0:
                items[i] = k + n
            dims.append(None)
        elif type(k) is slice:
            try:
                dims.append(len(range(*k.indices(n))))
            except (ValueError, TypeError) as err:
                raise DistGluValueError('invalid slice %r for an axis of size %d: %s'
                                        % (k, n, err)) from err
        else:
            items[i] = _bounded(xp, k, n, ax)
            dims.append(None)
            adv = True
        ax += 1
    if not adv:
        return _basic_plan(shape, items, dims)
    return _advanced_plan(shape, items, dims)


def _basic_plan(shape, items, dims):
    np_shape = []
    sel = []               # (length, full axis?, step 1?) per real axis: MXNet's view rule
    ax = 0
    none_pos = []
    for k in items:
        if k is None:
            none_pos.append(len(np_shape))
            np_shape.append(1)
            continue
        n = shape[ax]
        if dims[ax] is None:
            sel.append((1, n == 1, True))
        else:
            ln = dims[ax]
            step = k.indices(n)[2]
            np_shape.append(ln)
            sel.append((ln, ln == n and step == 1, step == 1))
        ax += 1
    np_shape = tuple(np_shape)
    plan = _Plan(shape, tuple(items) + (Ellipsis,), False, np_shape, np_shape or (1,))
    plan.key_nd = tuple(k for k in items if k is not None) + (Ellipsis,)
    plan.none_pos = tuple(none_pos)
    # MXNet returns a view when the selection is one contiguous block of the C-ordered
    # array: right of the last partial axis everything is full, left of it one element
    view = True
    if all(s[0] for s in sel):
        last = -1
        for j, s in enumerate(sel):
            if not s[1]:
                last = j
        if last >= 0:
            ln, _, step1 = sel[last]
            view = (step1 or ln <= 1) and all(s[0] <= 1 for s in sel[:last])
    plan.view = view
    return plan


def _advanced_plan(shape, items, dims):
    key_nd = tuple(k for k in items if k is not None)
    adv_nd = [i for i, k in enumerate(key_nd) if type(k) is not slice]
    adv_full = [i for i, k in enumerate(items) if k is not None and type(k) is not slice]
    np_adjacent = adv_nd[-1] - adv_nd[0] == len(adv_nd) - 1
    mx_adjacent = adv_full[-1] - adv_full[0] == len(adv_full) - 1
    try:
        bshape = np.broadcast_shapes(*[k.shape for k in key_nd if type(k) not in (int, slice)])
    except ValueError as err:
        raise DistGluIndexError('shape mismatch: indexing arrays could not be broadcast together '
                          'with shapes %s' % ' '.join(str(k.shape) for k in key_nd
                                                      if type(k) not in (int, slice))) from err
    b = len(bshape)
    sl = [ln for ln in dims if ln is not None]
    if np_adjacent:
        p = sum(1 for k in key_nd[:adv_nd[0]] if type(k) is slice)
        np_shape = tuple(sl[:p]) + bshape + tuple(sl[p:])
    else:
        p = 0
        np_shape = bshape + tuple(sl)
    move = None
    mid = np_shape
    if not mx_adjacent and p > 0 and b > 0:
        # MXNet puts the index dimensions first once None separates the index arrays
        move = (p, b)
        mid = bshape + tuple(sl)
    out = list(mid)
    # MXNet's new-axis positions: non-index entries before the None, after the index block
    # when that block went to the front (MXNet ignores the block's size otherwise)
    pos = 0 if mx_adjacent else b
    for k in items:
        if k is None:
            out.insert(pos, 1)
        if k is None or type(k) is slice:
            pos += 1
    out = tuple(out)
    plan = _Plan(shape, key_nd, True, np_shape, out, move, mid, unique=False)
    plan.key_nd = key_nd
    return plan


def _simple_key(key, shape):
    """Whether ``key`` is a tuple of ints and slices only, with in-range ints."""
    if len(key) > len(shape):
        return False
    for ax, k in enumerate(key):
        t = type(k)
        if t is int:
            n = shape[ax]
            if not -n <= k < n:
                raise _out_of_bounds(k, ax, n)
        elif t is not slice:
            return False
    return True


def _getitem(self, key):
    """``x[key]`` as MXNet 1.x: ints, slices, None, Ellipsis, and index arrays (NDArray,
    NumPy, lists) with NumPy's advanced-indexing rules.

    A result that would be 0-d has shape (1,) (``x[1, 2]`` on a 2-D array included).
    Basic indexing returns a view when the selection is contiguous (as MXNet), a copy
    otherwise. Out-of-range indices raise IndexError. Differentiable: the backward
    scatters (adds, for repeated indices) into zeros of ``x``'s shape.
    """
    d = self._data
    if type(key) is int and d.ndim:
        n = d.shape[0]
        if not -n <= key < n:
            raise _out_of_bounds(key, 0, n)
        if key < 0:
            key += n
        y = d[key] if d.ndim > 1 else d[key:key + 1]
        if _ag._recording and self._node is not None:
            np_shape = d.shape[1:]
            plan = _Plan(d.shape, (key, Ellipsis), False, np_shape, np_shape or (1,))
            return _result(y, self._ctx, _plan_gather_bwd, (self,), (), None, plan)
        return _wrap(y, self._ctx)
    if type(key) is slice and (key.step is None or key.step == 1) and d.ndim:
        y = d[key]
        if _ag._recording and self._node is not None:
            plan = _Plan(d.shape, (key, Ellipsis), False, y.shape, y.shape)
            return _result(y, self._ctx, _plan_gather_bwd, (self,), (), None, plan)
        return _wrap(y, self._ctx)
    if (type(key) is tuple and not key) or (d.ndim == 0 and type(key) is slice
                                            and key == slice(None)):
        return self
    if type(key) is tuple and _simple_key(key, d.shape) and d.flags.c_contiguous:
        # ints and slices only: NumPy's view is MXNet's result; from a C-contiguous array
        # it is C-contiguous exactly when MXNet returns a view
        y = d[key + (Ellipsis,)]
        np_shape = y.shape
        if not y.flags.c_contiguous:
            y = y.copy()
        if not np_shape:
            y = y.reshape(1)
        if _ag._recording and self._node is not None:
            plan = _Plan(d.shape, key + (Ellipsis,), False, np_shape, y.shape)
            return _result(y, self._ctx, _plan_gather_bwd, (self,), (), None, plan)
        return _wrap(y, self._ctx)
    if (type(key) is list or isinstance(key, (NDArray, np.ndarray))) and d.ndim:
        a = _index_item(key, self, _xp(d))
        if hasattr(a, 'shape'):     # one index array: rows of x (x[idx])
            a = _bounded(_xp(d), a, d.shape[0], 0)
            y = d[a]
            if _ag._recording and self._node is not None:
                plan = _Plan(d.shape, (a,), True, y.shape, y.shape, unique=False)
                return _result(y, self._ctx, _plan_gather_bwd, (self,), (), None, plan)
            return _wrap(y, self._ctx)
    plan = _index_plan(self, key)
    y = plan.gather(d)
    if not plan.adv and not plan.view:
        y = y.copy()
    if _ag._recording and self._node is not None:
        return _result(y, self._ctx, _plan_gather_bwd, (self,), (), None, plan)
    return _wrap(y, self._ctx)


# ------------------------------------------------------------------ NDArray[key] = value

def _value_data(self, value, xp):
    """The raw form of a setitem value: an array on self's device, or a Python scalar."""
    if isinstance(value, NDArray):
        v = value._data
        return v if value._ctx == self._ctx else _to_ctx(v, self._ctx)
    if isinstance(value, (bool,) + numeric_types):
        return value
    if isinstance(value, (np.ndarray, list, tuple)) or hasattr(value, '__array__'):
        v = np.asarray(value)
        if v.dtype == object:
            raise DistGluError("setitem: value %r is not an array of numbers" % (value,))
        return v if xp is np else xp.asarray(v)
    if hasattr(value, '__cuda_array_interface__'):
        return xp.asarray(value)
    raise DistGluError("setitem: expected an NDArray, a NumPy array, a list or a scalar as the "
                       "value, got %s" % type(value).__name__)


def _broadcast_error(vshape, tshape):
    return DistGluValueError("setitem: cannot broadcast a value of shape %s to the indexed "
                             "region of shape %s" % (vshape, tshape))


def _assign(d, plan, v, xp):
    """Write raw value ``v`` into ``d`` at ``plan`` with MXNet's broadcasting rules."""
    scalar = not hasattr(v, 'shape')
    if not plan.adv:
        tgt = d[plan.key_nd] if plan.key_nd is not None else d[plan.key]
        if not scalar and plan.none_pos and v.ndim > tgt.ndim:
            # MXNet drops the key's new axes from the value (they are not in the target)
            if v.ndim == len(plan.np_shape) and all(v.shape[p] == 1 for p in plan.none_pos):
                v = v.reshape(tuple(s for i, s in enumerate(v.shape) if i not in plan.none_pos))
        try:
            tgt[...] = v
        except ValueError as err:
            raise _broadcast_error(getattr(v, 'shape', ()), tgt.shape) from err
        return
    if scalar or v.ndim == 0:
        d[plan.key] = v
        return
    out = plan.out
    if v.ndim > len(out):
        lead = v.shape[:v.ndim - len(out)]
        if any(s != 1 for s in lead):
            raise _broadcast_error(v.shape, out)
        v = v.reshape(v.shape[v.ndim - len(out):])
    try:
        vb = xp.broadcast_to(v, out)
    except ValueError as err:
        raise _broadcast_error(v.shape, out) from err
    if plan.move is not None:
        p, b = plan.move
        vb = xp.moveaxis(vb.reshape(plan.mid), tuple(range(b)), tuple(range(p, p + b)))
    elif out != plan.np_shape:
        vb = vb.reshape(plan.np_shape)
    d[plan.key] = vb


def _setitem_bwd(xp, g, ins, out, attrs):
    plan, vshape = attrs
    region = _gather_op(g, plan) if _is_nd(xp) else plan.gather(g)
    if len(vshape) > len(region.shape):
        return (xp.reshape(region, vshape),)
    return (_sum_to(xp, region, vshape),)


def _setitem(self, key, value):
    """``x[key] = value`` as MXNet 1.x: the keys of ``__getitem__``; ``value`` an NDArray,
    NumPy array, list or scalar, broadcast to the indexed region and cast to x's dtype.

    Inside ``record()`` it raises for an ``x`` that is already in a graph. When ``value``
    is in a graph (``y[:] = x * 2`` under record), ``x`` becomes the output of a recorded
    node: the written region's gradient flows to ``value``, the overwritten part of x's
    old content (not in any graph) gets none. (MXNet records only full overwrites like
    ``y[:] = ...``; distglu records partial writes the same way.)
    """
    self._check_inplace()
    d = self._data
    xp = _xp(d)
    if d.ndim == 0:
        if not ((type(key) is tuple and not key) or (type(key) is slice
                                                    and key == slice(None))):
            raise DistGluIndexError('scalar tensor can only accept `()` and `:` as index')
        plan = _Plan((), (Ellipsis,), False, (), (1,))
    elif d.size == 0:
        return
    elif type(key) is slice and key == slice(None):
        plan = _Plan(d.shape, (Ellipsis,), False, d.shape, d.shape)
    elif type(key) is int and d.ndim:
        n = d.shape[0]
        if not -n <= key < n:
            raise _out_of_bounds(key, 0, n)
        kk = (key, Ellipsis)
        plan = _Plan(d.shape, kk, False, d.shape[1:], d.shape[1:] or (1,))
        plan.key_nd = kk
    elif type(key) is tuple and _simple_key(key, d.shape):
        kk = key + (Ellipsis,)
        plan = _Plan(d.shape, kk, False, None, None)
        plan.key_nd = kk
    else:
        plan = _index_plan(self, key)
    record = (_ag._recording and isinstance(value, NDArray) and value._node is not None
              and value._node.bwd is not None)
    if record:
        if value._ctx != self._ctx:
            value = value.as_in_context(self._ctx)
        if value._data.dtype != d.dtype:
            value = value.astype(d.dtype)
    v = _value_data(self, value, xp)
    if isinstance(value, NDArray) and v is d:
        return
    _assign(d, plan, v, xp)
    if record:
        if not plan.adv:
            # the value was broadcast against the region without the key's new axes
            k = plan.key if plan.key_nd is None else plan.key_nd
            tshape = d[k].shape
            plan = _Plan(d.shape, k, False, tshape, tshape)
        self._node = _Node(_setitem_bwd, ((value._node, value._oidx),), (), None,
                           (plan, value.shape))
        self._oidx = 0


NDArray.__getitem__ = _getitem
NDArray.__setitem__ = _setitem
