"""The gather plan shared by the indexing operators and ``NDArray[key]``.

Every differentiable indexing operation is a gather ``y = x[key]`` for an integer key. The
key, its shapes and MXNet's output layout are held by one :class:`_Plan`; the vjp scatters
the output gradient back into zeros of the input's shape (adding at repeated positions),
and the scatter's own vjp is the gather again, so second-order gradients reuse the same
plan. Also here: the scatter-add kernels and the index checks both users share.
"""
from math import prod as _prod

import numpy as np

from ...base import DistGluIndexError
from ._core import _result, _xp


def _out_of_bounds(index, axis, n):
    """The IndexError MXNet raises for ``index`` outside an axis of size ``n``."""
    return DistGluIndexError('index %d is out of bounds for axis %d with size %d'
                             % (index, axis, n))


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


def _gather_result(data, plan, y=None):
    """Wrap ``data[plan]`` (computed unless given) and record the gather's vjp."""
    if y is None:
        y = plan.gather(data._data)
    return _result(y, data._ctx, _plan_gather_bwd, (data,), (), None, plan)


# ------------------------------------------------------------------ index checks

def _int_index(a):
    """A raw index array as int64 (floats truncate toward zero, as MXNet casts)."""
    if a.dtype == np.int64:
        return a
    return a.astype(np.int64)


def _bounded(xp, a, n, axis):
    """Check int64 index array ``a`` against an axis of size ``n``; make it non-negative."""
    if a.size:
        lo = int(a.min())
        hi = int(a.max())
        if lo < -n or hi >= n:
            raise _out_of_bounds(lo if lo < -n else hi, axis, n)
        if lo < 0:
            a = xp.where(a < 0, a + n, a)
    return a
