"""Indexing operators: ``nd.take``, ``pick``, ``batch_take``, ``gather_nd``, ``scatter_nd``,
``boolean_mask``, ``one_hot``, ``topk``, ``sort``, ``argsort``, the ``Sequence*`` family and
``ravel_multi_index`` / ``unravel_index``.

Every differentiable operator here is a gather ``y = x[key]`` for an integer key (or, for
``scatter_nd``, its adjoint), recorded through the :class:`~._gather._Plan` that
``NDArray[key]`` (getitem.py) uses as well: the vjp scatters the output gradient back
(adding at repeated positions), and second-order gradients reuse the same plan.
"""
from math import prod as _prod

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError, normalize_dtype
from ..ndarray import NDArray, _to_ctx
from ._core import _result, _results, _write_out, _xp, _check_ctx, _check_nd
from ._gather import (_Plan, _plan_gather_bwd, _plan_scatter_bwd, _gather_result, _is_nd,
                      _int_index, _bounded)

__all__ = ['take', 'pick', 'batch_take', 'gather_nd', 'scatter_nd', 'one_hot', 'topk', 'sort',
           'argsort', 'boolean_mask', 'SequenceMask', 'SequenceLast', 'SequenceReverse',
           'ravel_multi_index', 'unravel_index']

_wrap = NDArray._wrap


# ------------------------------------------------------------------ index helpers

def _axis(axis, ndim, opname):
    a = int(axis)
    if not -ndim <= a < ndim:
        raise DistGluError("%s: axis %d is out of range for an array of %d dimensions "
                           "(expected -%d <= axis < %d)" % (opname, a, ndim, ndim, ndim))
    return a % ndim


def _index_data(index, data, opname, argname='indices'):
    """The raw int64 index array of NDArray ``index``, on ``data``'s device."""
    if not isinstance(index, NDArray):
        if isinstance(index, (list, tuple, np.ndarray)):
            index = NDArray._wrap(_to_ctx(np.asarray(index), data._ctx), data._ctx)
        else:
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (opname, argname, type(index).__name__))
    a = index._data
    if index._ctx != data._ctx:
        _check_ctx(data, index, opname)
    return _int_index(a)


def _apply_mode(xp, idx, n, mode, opname):
    if mode == 'clip':
        return xp.minimum(xp.maximum(idx, 0), max(n - 1, 0))   # (np.clip is slower)
    if mode == 'wrap':
        return idx % n if n else idx
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= n):
        raise DistGluError("%s: indices out of bounds for an axis of size %d: with "
                           "mode='raise' every index must lie in [0, %d)" % (opname, n, n))
    return idx


def _check_mode(mode, valid, opname):
    if mode not in valid:
        raise DistGluError("%s: Invalid Input: %r, valid values are: {%s}"
                           % (opname, mode, ', '.join("'%s'" % v for v in valid)))


def _along_key(xp, idx, ax):
    """Index arrays that pick ``idx`` along axis ``ax`` (NumPy's take_along_axis key)."""
    nd = idx.ndim
    key = []
    for i in range(nd):
        if i == ax:
            key.append(idx)
        else:
            shp = [1] * nd
            shp[i] = idx.shape[i]
            key.append(xp.arange(idx.shape[i]).reshape(shp))
    return tuple(key)


# ------------------------------------------------------------------ take / pick / gather

def take(a, indices, axis=0, mode='clip', out=None, name=None):
    """Take slices of ``a`` along ``axis`` at ``indices`` (``mxnet.nd.take``).

    Output shape ``a.shape[:axis] + indices.shape + a.shape[axis+1:]``, dtype of ``a``.
    Float indices are truncated toward zero; ``mode`` 'clip' clamps to [0, n-1], 'wrap'
    takes indices modulo n, 'raise' rejects indices outside [0, n). Differentiable in
    ``a``: repeated indices add their gradients.
    """
    _check_nd(a, 'take', 'a')
    _check_mode(mode, ('clip', 'raise', 'wrap'), 'take')
    x = a._data
    xp = _xp(x)
    ax = _axis(axis, x.ndim, 'take')
    n = x.shape[ax]
    idx = _apply_mode(xp, _index_data(indices, a, 'take'), n, mode, 'take')
    y = xp.take(x, idx, axis=ax)
    plan = _Plan(x.shape, (slice(None),) * ax + (idx,), True, y.shape, y.shape, unique=False)
    return _write_out(out, _gather_result(a, plan, y))


def batch_take(a, indices, out=None, name=None):
    """``a[i, indices[i]]`` for each row i (``mxnet.nd.batch_take``, deprecated for pick).

    ``indices`` holds one index per row of ``a`` viewed as (-1, a.shape[-1]); indices are
    clipped; the output has ``indices``' shape.
    """
    _check_nd(a, 'batch_take', 'a')
    x = a._data
    xp = _xp(x)
    idx = _index_data(indices, a, 'batch_take')
    oshape = idx.shape
    rows = _prod(x.shape[:-1])
    if idx.size != rows:
        raise DistGluError("batch_take: expected one index per row of a (%d), got indices of "
                           "shape %s" % (rows, idx.shape))
    idx = xp.clip(idx.reshape(-1), 0, x.shape[-1] - 1)
    key = tuple(xp.unravel_index(xp.arange(rows), x.shape[:-1])) + (idx,)
    plan = _Plan(x.shape, key, True, (rows,), oshape)
    return _write_out(out, _gather_result(a, plan))


def pick(data, index, axis=-1, keepdims=False, mode='clip', out=None, name=None):
    """Pick one element along ``axis`` for every other position (``mxnet.nd.pick``).

    ``index`` has ``data``'s shape without ``axis`` (or with it of size 1); float
    indices truncate; ``mode`` is 'clip' or 'wrap'. Output dtype of ``data``, shape
    without ``axis`` unless ``keepdims``. Differentiable in ``data``.
    """
    _check_nd(data, 'pick')
    if axis is None:
        raise DistGluError("pick: axis=None is not supported by pick yet. Must specify an axis.")
    _check_mode(mode, ('clip', 'wrap'), 'pick')
    x = data._data
    xp = _xp(x)
    ax = _axis(axis, x.ndim, 'pick')
    idx = _index_data(index, data, 'pick', 'index')
    reduced = x.shape[:ax] + x.shape[ax + 1:]
    kept = x.shape[:ax] + (1,) + x.shape[ax + 1:]
    if idx.shape == reduced:
        idx = idx.reshape(kept)
    elif idx.shape != kept:
        raise DistGluError("pick: index must have shape %s (data's shape without axis %d), "
                           "got %s" % (reduced, ax, idx.shape))
    idx = _apply_mode(xp, idx, x.shape[ax], mode, 'pick')
    plan = _Plan(x.shape, _along_key(xp, idx, ax), True, kept, kept if keepdims else reduced)
    return _write_out(out, _gather_result(data, plan))


def _nd_key(xp, idx, shape, opname):
    """gather_nd/scatter_nd indices (M, Y...) as a checked, non-negative index tuple."""
    if idx.ndim < 2:
        raise DistGluError("%s: indices must have at least 2 dimensions, (M, ...) with M the "
                           "number of indexed axes; got shape %s" % (opname, idx.shape))
    m = idx.shape[0]
    if m > len(shape):
        raise DistGluError("%s: Number of indices exceeds data dimension: indices index %d "
                           "axes, the data has %d" % (opname, m, len(shape)))
    return tuple(_bounded(xp, idx[i], shape[i], i) for i in range(m))


def gather_nd(data, indices, out=None, name=None):
    """``data[indices[0], ..., indices[M-1]]`` (``mxnet.nd.gather_nd``).

    ``indices`` has shape (M, Y0, ...); the output has shape (Y0, ...) + data.shape[M:].
    Negative indices count from the end; out-of-range ones raise IndexError. Repeated
    positions add their gradients.
    """
    _check_nd(data, 'gather_nd')
    x = data._data
    xp = _xp(x)
    key = _nd_key(xp, _index_data(indices, data, 'gather_nd'), x.shape, 'gather_nd')
    y = x[key]
    plan = _Plan(x.shape, key, True, y.shape, y.shape, unique=False)
    return _write_out(out, _gather_result(data, plan, y))


def scatter_nd(data, indices, shape, out=None, name=None):
    """zeros(shape) with ``data`` written at ``indices`` (``mxnet.nd.scatter_nd``).

    The inverse layout of :func:`gather_nd`: ``data`` has shape (Y0, ...) + shape[M:].
    With repeated indices the last write wins (MXNet leaves it undefined); the gradient
    of ``data`` is ``gather_nd`` of the output gradient.
    """
    _check_nd(data, 'scatter_nd')
    shape = tuple(int(s) for s in ((shape,) if isinstance(shape, int) else shape))
    v = data._data
    xp = _xp(v)
    key = _nd_key(xp, _index_data(indices, data, 'scatter_nd'), shape, 'scatter_nd')
    m = len(key)
    want = tuple(key[0].shape) + shape[m:]
    if v.shape != want:
        raise DistGluError("scatter_nd: data must have shape %s (indices.shape[1:] + "
                           "shape[M:]), got %s" % (want, v.shape))
    z = xp.zeros(shape, v.dtype)
    z[key] = v
    plan = _Plan(shape, key, True, want, want, unique=False)
    return _write_out(out, _result(z, data._ctx, _plan_scatter_bwd, (data,), (), None, plan))


def boolean_mask(data, index, axis=0, out=None, name=None):
    """The slices of ``data`` along ``axis`` where ``index`` is non-zero
    (``mxnet.nd.contrib.boolean_mask``; MXNet only supports axis 0, distglu any axis)."""
    _check_nd(data, 'boolean_mask')
    x = data._data
    xp = _xp(x)
    ax = _axis(axis, x.ndim, 'boolean_mask')
    _check_nd(index, 'boolean_mask', 'index')
    m = index._data
    if m.ndim != 1 or m.shape[0] != x.shape[ax]:
        raise DistGluError("boolean_mask: index must be a vector of length %d (data.shape[%d]),"
                           " got shape %s" % (x.shape[ax], ax, m.shape))
    pos = xp.nonzero(m)[0]
    key = (slice(None),) * ax + (pos,)
    y = x[key]
    plan = _Plan(x.shape, key, True, y.shape, y.shape)
    return _write_out(out, _gather_result(data, plan, y))


def one_hot(indices, depth, on_value=1.0, off_value=0.0, dtype='float32', out=None, name=None):
    """One-hot rows of length ``depth`` (``mxnet.nd.one_hot``): shape indices.shape + (depth,).

    Float indices truncate; negative or out-of-range indices give a row of ``off_value``.
    Not differentiable (as MXNet).
    """
    _check_nd(indices, 'one_hot', 'indices')
    depth = int(depth)
    if depth < 0:
        raise DistGluError("one_hot: depth must be a non-negative integer, got %d" % depth)
    dt = normalize_dtype(dtype)
    idx = _int_index(indices._data)
    xp = _xp(idx)
    hit = idx[..., None] == xp.arange(depth)
    if on_value == 1 and off_value == 0:
        y = hit.astype(dt)
    else:
        y = xp.where(hit, dt.type(on_value), dt.type(off_value))
    return _write_out(out, _wrap(y, indices._ctx))


# ------------------------------------------------------------------ ordering

_ORDER_DTYPES = ('float16', 'float32', 'float64', 'int32', 'int64', 'uint8')


def _order_dtype(dtype, opname):
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    if name not in _ORDER_DTYPES:
        raise DistGluError("%s: Invalid Input: %r, valid values are: {%s}"
                           % (opname, name, ', '.join("'%s'" % v for v in _ORDER_DTYPES)))
    return np.dtype(name)


def _stable_argsort(xp, x, ax, ascending):
    """Stable argsort; descending keeps ties in index order too (as MXNet)."""
    kw = {'kind': 'stable'} if xp is np else {}     # CuPy's sort is always stable
    if ascending:
        return xp.argsort(x, axis=ax, **kw)
    n = x.shape[ax]
    r = xp.argsort(xp.flip(x, axis=ax), axis=ax, **kw)
    return (n - 1) - xp.flip(r, axis=ax)


def _first_k(xp, x, ax, k, ascending):
    """Indices of the k smallest (ascending) or largest entries along ``ax``, in order,
    ties in index order (MXNet's stable order).

    NumPy's stable sort is 4-5x slower than its default one, and a partial selection is
    O(n): use those, and fall back to the stable sort only when equal values make the
    order ambiguous (a tie among the chosen, or with the k-th value).
    """
    n = x.shape[ax]
    if xp is np and n > 1:
        take = np.take_along_axis
        cand = None
        vals = x
        if k < n:
            cand = np.argpartition(x, k - 1 if ascending else n - k, axis=ax)
            cand = cand[(slice(None),) * ax + (slice(0, k) if ascending else slice(n - k, n),)]
            vals = take(x, cand, ax)
        o = np.argsort(vals, axis=ax)
        if not ascending:
            o = np.flip(o, axis=ax)
        sv = take(vals, o, ax)
        pre = (slice(None),) * ax
        ok = not (sv[pre + (slice(1, None),)] == sv[pre + (slice(0, -1),)]).any()
        if ok and k < n:
            kth = sv[pre + (slice(k - 1, k),)]
            hits = (x <= kth) if ascending else (x >= kth)
            ok = bool((hits.sum(axis=ax) == k).all())
        if ok:
            return o if cand is None else take(cand, o, ax)
    idx = _stable_argsort(xp, x, ax, ascending)
    return idx if k >= n else idx[(slice(None),) * ax + (slice(0, k),)]


def _order_args(data, axis, opname):
    """(data's array, the array to order (flattened for axis=None), axis, flattened?)."""
    _check_nd(data, opname)
    x = data._data
    if axis is None:
        return x, x.reshape(-1), 0, True
    return x, x, _axis(axis, x.ndim, opname), False


def _ordered(data, axis, k, is_ascend, opname):
    """(sorted indices of the first k along the axis, the plan that gathers their values)."""
    x, xs, ax, flat = _order_args(data, axis, opname)
    xp = _xp(x)
    n = xs.shape[ax]
    if k is None or k <= 0:
        k = n
    elif k > n:
        raise DistGluError("%s: k must be at most %d (the size of the axis), got k = %d"
                           % (opname, n, k))
    idx = _first_k(xp, xs, ax, k, is_ascend)
    if flat:
        key = tuple(xp.unravel_index(idx, x.shape)) if x.ndim != 1 else (idx,)
    else:
        key = _along_key(xp, idx, ax)
    return idx, _Plan(x.shape, key, True, idx.shape, idx.shape)


def topk(data, axis=-1, k=1, ret_typ='indices', is_ascend=False, dtype='float32', out=None,
         name=None):
    """The k largest (or smallest with ``is_ascend``) entries along ``axis`` (``nd.topk``).

    ``ret_typ``: 'indices' (dtype ``dtype``, float32 by default), 'value', 'both'
    ([values, indices]) or 'mask' (0/1 in data's dtype, data's shape). ``axis=None``
    searches the flattened array; ``k <= 0`` means all. Ties keep index order. The values
    are differentiable: their gradient goes back to the source positions.
    """
    _check_mode(ret_typ, ('both', 'indices', 'mask', 'value'), 'topk')
    dt = _order_dtype(dtype, 'topk')
    idx, plan = _ordered(data, axis, int(k), is_ascend, 'topk')
    ctx = data._ctx
    if ret_typ == 'indices':
        return _write_out(out, _wrap(idx.astype(dt), ctx))
    if ret_typ == 'mask':
        x = data._data
        m = _xp(x).zeros(x.shape, x.dtype)
        m[plan.key] = 1
        return _write_out(out, _wrap(m, ctx))
    vals = plan.gather(data._data)
    if ret_typ == 'value':
        return _write_out(out, _gather_result(data, plan, vals))
    res = _results([vals, idx.astype(dt)], ctx, _topk_both_bwd, (data,), (), None, plan)
    if out is not None:
        for o, r in zip(out, res):
            _write_out(o, r)
        return out
    return res


def _topk_both_bwd(xp, g, ins, out, plan):
    gv = g[0]
    if gv is None:
        return (None,)
    return _plan_gather_bwd(xp, gv, ins, out, plan)


def sort(data, axis=-1, is_ascend=True, out=None, name=None):
    """Sorted copy along ``axis`` (``mxnet.nd.sort``; ``axis=None`` sorts the flattened
    array). Differentiable: the gradient goes back to each value's source position."""
    if not (_ag._recording and data._node is not None):
        # values only: the fast unstable sort gives the same values
        x, xs, ax, _ = _order_args(data, axis, 'sort')
        xp = _xp(x)
        y = xp.sort(xs, axis=ax)
        if not is_ascend:
            y = xp.ascontiguousarray(xp.flip(y, axis=ax))
        return _write_out(out, _wrap(y, data._ctx))
    _, plan = _ordered(data, axis, 0, is_ascend, 'sort')
    return _write_out(out, _gather_result(data, plan))


def argsort(data, axis=-1, is_ascend=True, dtype='float32', out=None, name=None):
    """Indices that sort ``data`` along ``axis`` (``mxnet.nd.argsort``), as ``dtype``
    (float32 by default); stable, also when descending."""
    dt = _order_dtype(dtype, 'argsort')
    idx, _ = _ordered(data, axis, 0, is_ascend, 'argsort')
    return _write_out(out, _wrap(idx.astype(dt), data._ctx))


# ------------------------------------------------------------------ sequences

def _seq_lengths(data, sequence_length, use_sequence_length, axis, opname, axes=(0, 1)):
    """(int64 lengths clipped to [0, T], T, B, axis), lengths None without use_sequence_length."""
    _check_nd(data, opname)
    x = data._data
    if x.ndim < 2:
        raise DistGluError("%s: The data array must be of rank 2 or greater, got shape %s"
                           % (opname, x.shape))
    axis = int(axis)
    if axis not in axes:
        raise DistGluError("%s: Current implementation expects axis to be %s, got %d"
                           % (opname, ' or '.join(str(a) for a in axes), axis))
    t, b = (x.shape[0], x.shape[1]) if axis == 0 else (x.shape[1], x.shape[0])
    if not use_sequence_length:
        if sequence_length is not None:
            raise DistGluError("%s: sequence_length was given but use_sequence_length is False;"
                               " pass use_sequence_length=True to use it" % opname)
        return None, t, b, axis
    if sequence_length is None:
        raise DistGluError("%s: use_sequence_length=True needs a sequence_length array"
                           % opname)
    lens = _index_data(sequence_length, data, opname, 'sequence_length')
    if lens.shape != (b,):
        raise DistGluError("%s: sequence_length must have shape (%d,) (the batch size), got %s"
                           % (opname, b, lens.shape))
    return _xp(x).clip(lens, 0, t), t, b, axis


def _mask_bwd(xp, g, ins, out, keep):
    if _is_nd(xp):
        return (g * _wrap(keep.astype(g.dtype), g._ctx),)
    return (g * keep,)


def SequenceMask(data, sequence_length=None, use_sequence_length=False, value=0.0, axis=0,
                 out=None, name=None):
    """Set the steps past each sequence's length to ``value`` (``mxnet.nd.SequenceMask``).

    ``data``: (T, B, ...) for axis 0 or (B, T, ...) for axis 1; ``sequence_length``: (B,)
    (floats truncate). Without ``use_sequence_length`` the data passes unchanged.
    """
    lens, t, b, axis = _seq_lengths(data, sequence_length, use_sequence_length, axis,
                                    'SequenceMask')
    x = data._data
    xp = _xp(x)
    if lens is None:
        return _write_out(out, _result(x.copy(), data._ctx, _identity_bwd, (data,)))
    steps = xp.arange(t)
    keep = steps[:, None] < lens[None, :] if axis == 0 else lens[:, None] > steps[None, :]
    keep = keep.reshape(keep.shape + (1,) * (x.ndim - 2))
    y = xp.where(keep, x, x.dtype.type(value))
    return _write_out(out, _result(y, data._ctx, _mask_bwd, (data,), (), None, keep))


def _identity_bwd(xp, g, ins, out, attrs):
    return (g,)


def SequenceLast(data, sequence_length=None, use_sequence_length=False, axis=0, out=None,
                 name=None):
    """The last valid step of every sequence (``mxnet.nd.SequenceLast``): shape of ``data``
    without ``axis``. Lengths are clipped to [1, T] (MXNet reads out of bounds there)."""
    lens, t, b, axis = _seq_lengths(data, sequence_length, use_sequence_length, axis,
                                    'SequenceLast')
    x = data._data
    xp = _xp(x)
    last = xp.full((b,), t - 1, dtype=np.int64) if lens is None else xp.clip(lens - 1, 0, t - 1)
    batch = xp.arange(b)
    key = (last, batch) if axis == 0 else (batch, last)
    shp = (b,) + x.shape[2:]
    return _write_out(out, _gather_result(data, _Plan(x.shape, key, True, shp, shp)))


def SequenceReverse(data, sequence_length=None, use_sequence_length=False, axis=0, out=None,
                    name=None):
    """Reverse the first ``sequence_length[b]`` steps of every sequence, leaving the padding
    in place (``mxnet.nd.SequenceReverse``; axis must be 0, data (T, B, ...)). Lengths are
    clipped to [0, T] (MXNet reads out of bounds there)."""
    lens, t, b, axis = _seq_lengths(data, sequence_length, use_sequence_length, axis,
                                    'SequenceReverse', axes=(0,))
    x = data._data
    xp = _xp(x)
    steps = xp.arange(t)
    if lens is None:
        key = (steps[::-1],)
    else:
        s = steps[:, None]
        key = (xp.where(s < lens[None, :], lens[None, :] - 1 - s, s), xp.arange(b)[None, :])
    return _write_out(out, _gather_result(data, _Plan(x.shape, key, True, x.shape, x.shape)))


# ------------------------------------------------------------------ index arithmetic

def ravel_multi_index(data, shape, out=None, name=None):
    """Flat indices of the coordinates in the rows of ``data`` (len(shape), N...) into an
    array of ``shape`` (``mxnet.nd.ravel_multi_index``); no bounds check, data's dtype."""
    _check_nd(data, 'ravel_multi_index')
    shape = tuple(int(s) for s in shape)
    d = data._data
    if d.ndim < 1 or d.shape[0] != len(shape):
        raise DistGluError("ravel_multi_index: First dimension of input (%s) does not match "
                           "shape parameter dimension (%d)" % (d.shape[:1], len(shape)))
    c = _int_index(d)
    lin = c[0]
    for i in range(1, len(shape)):
        lin = lin * shape[i] + c[i]
    return _write_out(out, _wrap(lin.astype(d.dtype), data._ctx))


def unravel_index(data, shape, out=None, name=None):
    """Coordinates (len(shape), N...) of flat indices ``data`` in an array of ``shape``
    (``mxnet.nd.unravel_index``): C-style remainders, the first coordinate unbounded."""
    _check_nd(data, 'unravel_index')
    shape = tuple(int(s) for s in shape)
    d = data._data
    xp = _xp(d)
    q = _int_index(d)
    coords = [None] * len(shape)
    for i in range(len(shape) - 1, 0, -1):
        r = xp.fmod(q, shape[i])
        coords[i] = r
        q = (q - r) // shape[i]
    coords[0] = q
    return _write_out(out, _wrap(xp.stack(coords).astype(d.dtype), data._ctx))
