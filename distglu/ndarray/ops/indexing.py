"""Indexing operators (``nd.take``, ``pick``, ``gather_nd``, ``topk``, ``sort``, the
``Sequence*`` family...) and ``NDArray.__getitem__`` / ``__setitem__``.

Every differentiable operator here is a gather ``y = x[key]`` for an integer key. The key,
its shapes and MXNet's output layout are held by one :class:`_Plan`; the vjp scatters the
output gradient back into zeros of the input's shape (adding at repeated positions), and
the scatter's own vjp is the gather again, so second-order gradients reuse the same plan.
"""
import numpy as np

from ... import autograd as _ag
from ...autograd import _Node
from ...base import DistGluError, normalize_dtype, numeric_types
from ..ndarray import NDArray, _to_ctx
from ._core import _result, _results, _write_out, _xp, _check_ctx, _check_nd, _sum_to

__all__ = ['take', 'pick', 'batch_take', 'gather_nd', 'scatter_nd', 'one_hot', 'topk', 'sort',
           'argsort', 'boolean_mask', 'SequenceMask', 'SequenceLast', 'SequenceReverse',
           'ravel_multi_index', 'unravel_index']

_wrap = NDArray._wrap


class _IndexError(DistGluError, IndexError):
    """An out-of-range or malformed index (MXNet raises IndexError for these)."""


class _ValueError(DistGluError, ValueError):
    """A key or value that cannot be used for indexing (MXNet raises ValueError)."""


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


# ------------------------------------------------------------------ scatter-add kernels

_sparse_mod = None


def _sparse():
    """scipy.sparse when it is installed (it makes row scatter-adds one sparse GEMM)."""
    global _sparse_mod
    if _sparse_mod is None:
        try:
            import scipy.sparse as sp
            _sparse_mod = sp
        except ImportError:
            _sparse_mod = False
    return _sparse_mod


def _rows_add(xp, rows, g2, n):
    """An (n, R) array whose row r is the sum of the rows of ``g2`` (K, R) with rows[i] == r.

    ``rows`` holds K non-negative integers. NumPy: bincount for single columns, a sparse
    (n, K) one-hot matrix times ``g2`` for big blocks (10x faster than ``np.add.at``);
    CuPy: ``add.at`` (atomic adds).
    """
    k, r = g2.shape
    if k == 0 or n == 0 or r == 0:
        return xp.zeros((n, r), g2.dtype)
    if xp is np:
        if r == 1 and k >= 64:
            res = np.bincount(rows, weights=g2[:, 0], minlength=n)
            return res.astype(g2.dtype, copy=False).reshape(n, 1)
        if k * r > 2048 and g2.dtype in (np.float32, np.float64):
            sp = _sparse()
            if sp:
                m = sp.csc_array((np.ones(k, g2.dtype), rows, np.arange(k + 1)), shape=(n, k))
                return np.ascontiguousarray(m @ g2)
    z = xp.zeros((n, r), g2.dtype)
    xp.add.at(z, rows, g2)
    return z


def _is_full(k, n):
    return type(k) is slice and k.indices(n) == (0, n, 1)


def _scatter_add(xp, shape, key, g):
    """zeros(shape) with ``g`` (NumPy's layout of ``x[key]``) added at ``key``.

    Index arrays in ``key`` must be non-negative. Keys of the form (full slices, adjacent
    index arrays/ints, full slices) -- take, gather_nd, ``x[idx]`` -- become one row
    scatter-add over linearized indices; anything else uses ``add.at``.
    """
    nk = len(key)
    i = 0
    while i < nk and _is_full(key[i], shape[i]):
        i += 1
    p = i
    while i < nk and type(key[i]) is not slice:
        i += 1
    q = i
    if q > p and all(_is_full(key[j], shape[j]) for j in range(q, nk)):
        lin = None
        for a, n in zip(key[p:q], shape[p:q]):
            lin = a if lin is None else lin * n + a
        if hasattr(lin, 'shape'):
            lin = lin.reshape(-1)
            pre = _prod(shape[:p])
            nb = _prod(shape[p:q])
            post = _prod(shape[q:])
            rows = lin
            if pre > 1:
                rows = ((xp.arange(pre, dtype=lin.dtype) * nb)[:, None] + lin[None, :]).reshape(-1)
            return _rows_add(xp, rows, g.reshape(rows.size, post), pre * nb).reshape(shape)
    z = xp.zeros(shape, g.dtype)
    xp.add.at(z, key, g)
    return z


# ------------------------------------------------------------------ the plan of one gather

class _Plan:
    """A normalized integer index into an array of ``shape``.

    ``key``: a tuple NumPy/CuPy index with it (ints, slices, non-negative index arrays;
    basic keys may hold None and end in Ellipsis so that all-int keys give 0-d views);
    ``adv``: the key holds index arrays; ``np_shape``: the shape of ``x[key]``;
    ``move``: (p, b) when MXNet puts the b broadcast dimensions of the index arrays in
    front while NumPy leaves them at position p; ``mid``: the shape after that move;
    ``out``: the shape of the result (MXNet's new axes inserted, () becomes (1,));
    ``unique``: no element is indexed twice (the scatter may assign instead of add).
    """
    __slots__ = ('shape', 'key', 'adv', 'np_shape', 'mid', 'out', 'move', 'unique', 'view',
                 'key_nd', 'none_pos')

    def __init__(self, shape, key, adv, np_shape, out, move=None, mid=None, unique=True):
        self.shape = shape
        self.key = key
        self.adv = adv
        self.np_shape = np_shape
        self.out = out
        self.move = move
        self.mid = np_shape if mid is None else mid
        self.unique = unique
        self.view = False
        self.key_nd = None
        self.none_pos = ()

    def gather(self, x):
        """``x[key]`` in MXNet's layout (a view where NumPy gives one)."""
        y = x[self.key]
        if self.move is not None:
            p, b = self.move
            y = _xp(y).moveaxis(y, tuple(range(p, p + b)), tuple(range(b)))
        if y.shape != self.out:
            y = y.reshape(self.out)
        return y

    def scatter(self, xp, g):
        """zeros(shape) with ``g`` (shaped like :meth:`gather`'s result) put back at key."""
        if self.move is not None:
            p, b = self.move
            g = xp.moveaxis(g.reshape(self.mid), tuple(range(b)), tuple(range(p, p + b)))
        elif g.shape != self.np_shape:
            g = g.reshape(self.np_shape)
        if self.unique:
            z = xp.zeros(self.shape, g.dtype)
            z[self.key] = g
            return z
        return _scatter_add(xp, self.shape, self.key, g)


def _plan_gather_bwd(xp, g, ins, out, plan):
    if _is_nd(xp):
        return (_scatter_op(g, plan),)
    return (plan.scatter(xp, g),)


def _plan_scatter_bwd(xp, g, ins, out, plan):
    if _is_nd(xp):
        return (_gather_op(g, plan),)
    return (plan.gather(g),)


def _gather_op(x, plan):
    """Differentiable ``x[plan]`` (used by second-order gradients)."""
    return _result(plan.gather(x._data), x._ctx, _plan_gather_bwd, (x,), (), None, plan)


def _scatter_op(g, plan):
    """Differentiable scatter of ``g`` into zeros of ``plan.shape``."""
    return _result(plan.scatter(_xp(g._data), g._data), g._ctx, _plan_scatter_bwd, (g,), (),
                   None, plan)


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


def _gather_result(data, plan, y=None):
    """Wrap ``data[plan]`` (computed unless given) and record the gather's vjp."""
    if y is None:
        y = plan.gather(data._data)
    return _result(y, data._ctx, _plan_gather_bwd, (data,), (), None, plan)


# ------------------------------------------------------------------ index helpers

def _axis(axis, ndim, opname):
    a = int(axis)
    if not -ndim <= a < ndim:
        raise DistGluError("%s: axis %d is out of range for an array of %d dimensions "
                           "(expected -%d <= axis < %d)" % (opname, a, ndim, ndim, ndim))
    return a % ndim


def _int_index(a):
    """A raw index array as int64 (floats truncate toward zero, as MXNet casts)."""
    if a.dtype == np.int64:
        return a
    return a.astype(np.int64)


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
        return xp.clip(idx, 0, max(n - 1, 0))
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


def _bounded(xp, a, n, axis):
    """Check int64 index array ``a`` against an axis of size ``n``; make it non-negative."""
    if a.size:
        lo = int(a.min())
        hi = int(a.max())
        if lo < -n or hi >= n:
            raise _IndexError("index %d is out of bounds for axis %d with size %d"
                              % (lo if lo < -n else hi, axis, n))
        if lo < 0:
            a = xp.where(a < 0, a + n, a)
    return a


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
    if ascending:
        return xp.argsort(x, axis=ax, kind='stable')
    n = x.shape[ax]
    r = xp.argsort(xp.flip(x, axis=ax), axis=ax, kind='stable')
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
            raise _ValueError("NDArray does not support slicing with key %r: expected integers"
                              % (k,))
        if a.ndim == 0:
            return int(a)
        # MXNet casts lists and NumPy arrays to int32, booleans included (no mask)
        a = a.astype(np.int64)
        return a if xp is np else xp.asarray(a)
    if hasattr(k, '__cuda_array_interface__'):
        return _int_index(xp.asarray(k))
    raise _ValueError("NDArray does not support slicing with key %r of type %s."
                      % (k, type(k)))


def _index_plan(x, key):
    """The :class:`_Plan` of ``x[key]`` following MXNet 1.x's rules (see module docs)."""
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
                raise _IndexError('Cannot use more than one ellipsis (`...`) for indexing')
            ell = len(items)
        elif type(k) is tuple:     # a boolean mask: one index array per masked axis
            items.extend(k)
            nreal += len(k)
        else:
            items.append(k)
            nreal += 1
    if nreal > ndim:
        raise _IndexError('too many indices (%d) for array with %d dimensions' % (nreal, ndim))
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
                raise _IndexError('index %d is out of bounds for axis %d with size %d'
                                  % (k, ax, n))
            if k < 0:
                items[i] = k + n
            dims.append(None)
        elif type(k) is slice:
            try:
                dims.append(len(range(*k.indices(n))))
            except (ValueError, TypeError) as err:
                raise _ValueError('invalid slice %r for an axis of size %d: %s'
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
    sel = []               # (length, full) per real axis, for MXNet's view rule
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
        raise _IndexError('shape mismatch: indexing arrays could not be broadcast together '
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
                raise _IndexError('index %d is out of bounds for axis %d with size %d'
                                  % (k, ax, n))
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
            raise _IndexError('index %d is out of bounds for axis 0 with size %d' % (key, n))
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
    return _ValueError("setitem: cannot broadcast a value of shape %s to the indexed region "
                       "of shape %s" % (vshape, tshape))


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
            raise _IndexError('scalar tensor can only accept `()` and `:` as index')
        plan = _Plan((), (Ellipsis,), False, (), (1,))
    elif d.size == 0:
        return
    elif type(key) is slice and key == slice(None):
        plan = _Plan(d.shape, (Ellipsis,), False, d.shape, d.shape)
    elif type(key) is int and d.ndim:
        n = d.shape[0]
        if not -n <= key < n:
            raise _IndexError('index %d is out of bounds for axis 0 with size %d' % (key, n))
        kk = (key, Ellipsis)
        plan = _Plan(d.shape, kk, False, d.shape[1:], d.shape[1:] or (1,))
        plan.key_nd = kk
    elif type(key) is tuple and _simple_key(key, d.shape):
        kk = key + (Ellipsis,)
        plan = _Plan(d.shape, kk, False, None, None)
        plan.key_nd = kk
    else:
        plan = _index_plan(self, key)
    record = (_ag._recording and isinstance(value, NDArray) and value._node is not None)
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
