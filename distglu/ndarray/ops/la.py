"""Batched linear algebra: the ``nd.linalg`` namespace (MXNet 1.x ``mxnet.nd.linalg``).

Every operator works on the trailing two axes and batches over the leading ones (which
must match exactly: no broadcasting, as in MXNet). Inputs must be float32 or float64
(MXNet's linalg supports only these). A single (2-D) matrix reduced to a number (``det``,
``slogdet``, ``sumlogdiag``) gives shape ``(1,)``; a batch gives the batch shape.

MXNet behaviours mirrored here:
  * ``trmm``/``trsm``/``potri`` read only the triangle of ``A`` that ``lower`` names (the
    other one is ignored, not required to be zero); ``potrf`` reads the lower triangle.
  * ``extracttrian``/``maketrian`` store a lower triangle (``offset < 0``, or ``offset == 0``
    with ``lower``) row by row and an upper one (``offset > 0``, or ``lower=False``)
    column by column; ``lower`` matters only when ``offset == 0``.
  * ``gelqf`` returns ``[Q, L]`` (Q first) with LAPACK's signs (as NumPy's ``qr`` of A^T);
    ``syevd`` returns ``[U, lam]`` with the eigenvectors in the *rows* of U, eigenvalues
    ascending, each eigenvector signed so that its largest-magnitude entry is positive.
  * Gradients: ``potrf``'s is the symmetric one MXNet returns (A is taken as symmetric);
    ``syevd``'s is symmetrized and assumes distinct eigenvalues; ``det``/``slogdet`` give a
    zero gradient for an exactly singular matrix; ``slogdet``'s sign has no gradient.

Failures (a matrix that is singular, or not positive definite for ``potrf``) raise on the
CPU; CuPy does not check them by default, so on a GPU they give NaN/inf values instead.
NumPy has no triangular solver: ``trsm``/``potri`` solve with the masked triangle by LU.

Backward functions use the helpers ``_mm``/``_trsm``/``_tri``... which call the raw
kernels for a plain backward and the differentiable ``linalg`` operators for
``create_graph=True``, so every gradient here is differentiable again.
"""
import functools
import sys
import types

import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _results, _same_device, _write_out, _ndarray_t, array_module
from .reduce import _reshape

__all__ = ['linalg_gemm', 'linalg_gemm2', 'linalg_potrf', 'linalg_potri', 'linalg_trmm',
           'linalg_trsm', 'linalg_syrk', 'linalg_sumlogdiag', 'linalg_extractdiag',
           'linalg_makediag', 'linalg_extracttrian', 'linalg_maketrian', 'linalg_inverse',
           'linalg_det', 'linalg_slogdet', 'linalg_gelqf']

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_LinAlgError = np.linalg.LinAlgError   # CuPy raises NumPy's LinAlgError too


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


def _xp(x):
    return np if type(x) is _ndarray_t else array_module(x)


# ------------------------------------------------------------------ argument checks

def _arg(A, op, name='A', min_ndim=2):
    """The raw array of input ``name``, checked: NDArray, float32/float64, ndim."""
    if not isinstance(A, NDArray):
        raise DistGluError("linalg.%s: expected an NDArray for %s, got %s"
                           % (op, name, type(A).__name__))
    a = A._data
    if a.dtype not in _FLOATS:
        raise DistGluError("linalg.%s: %s has dtype %s, but MXNet's linalg operators support "
                           "float32 and float64 only (cast it with astype)" % (op, name, a.dtype))
    if a.ndim < min_ndim:
        raise DistGluError("linalg.%s: %s must have at least %d dimensions, got shape %s"
                           % (op, name, min_ndim, a.shape))
    return a


def _args(op, named):
    """Check several inputs: each as in :func:`_arg`, same context, dtype and ndim."""
    raws = [_arg(v, op, n) for n, v in named]
    (n0, v0), a0 = named[0], raws[0]
    for (n, v), a in zip(named[1:], raws[1:]):
        if not _same_device(v._ctx, v0._ctx):
            raise DistGluError("linalg.%s: all inputs must be on the same context, got %s on %s "
                               "and %s on %s" % (op, n0, v0._ctx, n, v._ctx))
        if a.dtype != a0.dtype:
            raise DistGluError("linalg.%s: all inputs must have the same dtype, got %s %s and "
                               "%s %s" % (op, n0, a0.dtype, n, a.dtype))
        if a.ndim != a0.ndim:
            raise DistGluError("linalg.%s: all inputs must have the same number of dimensions, "
                               "got %s %s and %s %s" % (op, n0, a0.shape, n, a.shape))
    return raws


def _square(a, op, name='A'):
    if a.shape[-1] != a.shape[-2]:
        raise DistGluError("linalg.%s: %s must hold square matrices in its last two axes, got "
                           "shape %s" % (op, name, a.shape))


def _same_batch(a, b, op, na='A', nb='B'):
    if a.shape[:-2] != b.shape[:-2]:
        raise DistGluError("linalg.%s: %s and %s must have the same leading (batch) dimensions, "
                           "got shapes %s and %s" % (op, na, nb, a.shape, b.shape))


def _scalar_shape(bshape):
    """Shape of one number per matrix: the batch shape, or (1,) for a single matrix."""
    return bshape or (1,)


def _finish(res, out):
    """``out=`` for one or several outputs."""
    if out is None:
        return res
    if isinstance(res, list):
        if not isinstance(out, (list, tuple)) or len(out) != len(res):
            raise DistGluError("out: expected a list of %d NDArrays for this operator's %d "
                               "outputs, got %r" % (len(res), len(res), type(out).__name__))
        return [_write_out(o, r) for o, r in zip(out, res)]
    return _write_out(out, res)


# ------------------------------------------------------------------ raw kernels

def _sw(xp, x):
    return xp.swapaxes(x, -1, -2)


def _k_tri(xp, a, lower, k=0):
    return xp.tril(a, k) if lower else xp.triu(a, k)


def _k_solve(xp, a, b, op):
    try:
        return xp.linalg.solve(a, b)
    except _LinAlgError:
        raise DistGluError("linalg.%s: the triangular matrix is singular (a zero on its "
                           "diagonal)" % op) from None


def _k_trsm(xp, a, b, transpose, rightside, lower, alpha):
    t = _k_tri(xp, a, lower)
    if transpose:
        t = _sw(xp, t)
    if rightside:   # X op(T) = alpha B  <=>  op(T)^T X^T = alpha B^T
        x = _sw(xp, _k_solve(xp, _sw(xp, t), _sw(xp, b), 'trsm'))
        x = xp.ascontiguousarray(x)
    else:
        x = _k_solve(xp, t, b, 'trsm')
    if alpha != 1:
        x *= alpha
    return x


def _k_trmm(xp, a, b, transpose, rightside, lower, alpha):
    t = _k_tri(xp, a, lower)
    if transpose:
        t = _sw(xp, t)
    y = xp.matmul(b, t) if rightside else xp.matmul(t, b)
    if alpha != 1:
        y *= alpha
    return y


def _k_gemm2(xp, a, b, ta, tb, alpha, axis):
    """alpha * op(A) @ op(B) with the rows of each matrix along ``axis`` (not -2 when set)."""
    if axis is not None:
        a = xp.swapaxes(a, axis, -2)
        b = xp.swapaxes(b, axis, -2)
    y = xp.matmul(_sw(xp, a) if ta else a, _sw(xp, b) if tb else b)
    if alpha != 1:
        y *= alpha
    if axis is not None:
        y = xp.ascontiguousarray(xp.swapaxes(y, axis, -2))
    return y


@functools.lru_cache(maxsize=256)
def _diag_index(n, offset):
    """(rows, cols) of diagonal ``offset`` of an n x n matrix."""
    m = n - abs(offset)
    i = np.arange(m)
    return i + max(-offset, 0), i + max(offset, 0)


@functools.lru_cache(maxsize=256)
def _trian_index(n, offset, lower):
    """(rows, cols) of the triangle extracttrian reads, in MXNet's storage order."""
    if offset < 0 or (offset == 0 and lower):
        return np.tril_indices(n, offset)             # row by row
    c, r = np.tril_indices(n, -offset)                # column by column
    return r, c


def _idx(xp, ij):
    return ij if xp is np else (xp.asarray(ij[0]), xp.asarray(ij[1]))


def _k_extract(xp, a, ij):
    r, c = _idx(xp, ij)
    return a[..., r, c]


def _k_make(xp, v, n, ij):
    y = xp.zeros(v.shape[:-1] + (n, n), dtype=v.dtype)
    r, c = _idx(xp, ij)
    y[..., r, c] = v
    return y


def _k_inv(xp, a, op='inverse'):
    try:
        return xp.linalg.inv(a)
    except _LinAlgError:
        raise DistGluError("linalg.%s: the input matrix is singular (not invertible)" % op) \
            from None


# ------------------------------------------------------------------ backward helpers
# raw kernels in a plain backward, differentiable operators under create_graph=True

def _T(xp, x):
    return xp.swapaxes(x, -1, -2)


def _mm(xp, a, b, ta=False, tb=False, alpha=1.0, axis=None):
    if _is_nd(xp):
        return gemm2(a, b, transpose_a=ta, transpose_b=tb, alpha=alpha,
                     axis=-2 if axis is None else axis)
    return _k_gemm2(xp, a, b, ta, tb, alpha, axis)


def _trsm(xp, a, b, transpose=False, rightside=False, lower=True, alpha=1.0):
    if _is_nd(xp):
        return trsm(a, b, transpose=transpose, rightside=rightside, lower=lower, alpha=alpha)
    return _k_trsm(xp, a, b, transpose, rightside, lower, alpha)


def _trmm(xp, a, b, transpose=False, rightside=False, lower=True, alpha=1.0):
    if _is_nd(xp):
        return trmm(a, b, transpose=transpose, rightside=rightside, lower=lower, alpha=alpha)
    return _k_trmm(xp, a, b, transpose, rightside, lower, alpha)


def _tri_bwd(xp, g, ins, out, attrs):
    return (_tri(xp, g, *attrs),)


def _tri(xp, a, lower, k=0):
    """tril/triu (a self-adjoint mask); differentiable for NDArrays."""
    if _is_nd(xp):
        x = a._data
        return _result(_k_tri(_xp(x), x, lower, k), a._ctx, _tri_bwd, (a,), (), None,
                       (lower, k))
    return _k_tri(xp, a, lower, k)


def _copyltu(xp, m):
    """Symmetric matrix from the lower triangle of ``m``."""
    return _tri(xp, m, True) + _T(xp, _tri(xp, m, True, -1))


def _makediag(xp, v, offset=0):
    if _is_nd(xp):
        return makediag(v, offset=offset)
    n = v.shape[-1] + abs(offset)
    return _k_make(xp, v, n, _diag_index(n, offset))


def _extractdiag(xp, a, offset=0):
    if _is_nd(xp):
        return extractdiag(a, offset=offset)
    return _k_extract(xp, a, _diag_index(a.shape[-1], offset))


def _inv(xp, a):
    if _is_nd(xp):
        return inverse(a)
    return _k_inv(xp, a)


def _per_matrix(xp, s, bshape):
    """A number per matrix (shape bshape, or (1,)) shaped to broadcast over the matrices."""
    return _reshape(xp, s, bshape + (1, 1))


def _inv_safe(xp, a, singular):
    """inv(A), with the matrices flagged in raw ``singular`` (one flag per matrix, or None)
    replaced by the identity first."""
    if singular is None or not singular.any():
        return _inv(xp, a)
    mask = singular.reshape(a.shape[:-2] + (1, 1))
    return _k_inv(xp, xp.where(mask, xp.eye(a.shape[-1], dtype=a.dtype), a))


# ------------------------------------------------------------------ gemm, gemm2

def _row_axis(axis, ndim, op):
    ax = int(axis)
    ax = ax + ndim if ax < 0 else ax
    if not 0 <= ax < ndim - 1:
        raise DistGluError("linalg.%s: axis (the axis of the matrix rows) must be in [0, %d) "
                           "or a negative index of one of those, not the last axis; got %d "
                           "for %d-D inputs" % (op, ndim - 1, axis, ndim))
    return None if ax == ndim - 2 else ax


def _gemm_shapes(a, b, ta, tb, ax, op):
    sa = a.shape if ax is None else _swapped(a.shape, ax)
    sb = b.shape if ax is None else _swapped(b.shape, ax)
    if sa[:-2] != sb[:-2]:
        raise DistGluError("linalg.%s: A and B must have the same shape except on the row and "
                           "column axes, got shapes %s and %s" % (op, a.shape, b.shape))
    ka = sa[-2] if ta else sa[-1]
    kb = sb[-1] if tb else sb[-2]
    if ka != kb:
        raise DistGluError("linalg.%s: incompatible matrix dimensions for multiplication: A %s "
                           "(transpose_a=%s) and B %s (transpose_b=%s) contract axes of size %d "
                           "and %d" % (op, a.shape, ta, b.shape, tb, ka, kb))
    oshape = sa[:-2] + (sa[-1] if ta else sa[-2], sb[-2] if tb else sb[-1])
    return oshape if ax is None else _swapped(oshape, ax)


def _swapped(shape, ax):
    s = list(shape)
    s[ax], s[-2] = s[-2], s[ax]
    return tuple(s)


def _gemm_bwd(xp, g, ins, out, attrs):
    ta, tb, alpha, beta, ax, need = attrs
    a, b = ins[0], ins[1]
    da = db = dc = None
    if need[0]:
        da = _mm(xp, b, g, tb, True, alpha, ax) if ta else _mm(xp, g, b, False, not tb, alpha, ax)
    if need[1]:
        db = _mm(xp, g, a, True, ta, alpha, ax) if tb else _mm(xp, a, g, not ta, False, alpha, ax)
    if len(need) > 2 and need[2]:
        dc = g * beta
    return (da, db, dc)[:len(need)]


def gemm(A=None, B=None, C=None, transpose_a=False, transpose_b=False, alpha=1.0, beta=1.0,
         axis=-2, out=None, name=None, **kwargs):
    """``alpha * op(A) @ op(B) + beta * C`` per matrix (``mxnet.nd.linalg.gemm``).

    ``axis`` names the axis of the matrix rows (the columns are always the last axis);
    the default -2 is the usual layout. Differentiable in A, B and C.
    """
    a, b, c = _args('gemm', (('A', A), ('B', B), ('C', C)))
    ta, tb = bool(transpose_a), bool(transpose_b)
    ax = _row_axis(axis, a.ndim, 'gemm')
    oshape = _gemm_shapes(a, b, ta, tb, ax, 'gemm')
    if c.shape != oshape:
        raise DistGluError("linalg.gemm: C must have the shape of op(A) @ op(B), %s, got %s"
                           % (oshape, c.shape))
    xp = _xp(a)
    alpha, beta = float(alpha), float(beta)
    y = _k_gemm2(xp, a, b, ta, tb, alpha, ax)
    if beta == 1:
        y += c
    elif beta != 0:
        y += beta * c
    need = (A._node is not None, B._node is not None, C._node is not None)
    res = _result(y, A._ctx, _gemm_bwd, (A, B, C), (A, B), None, (ta, tb, alpha, beta, ax, need))
    return _finish(res, out)


def gemm2(A=None, B=None, transpose_a=False, transpose_b=False, alpha=1.0, axis=-2, out=None,
          name=None, **kwargs):
    """``alpha * op(A) @ op(B)`` per matrix (``mxnet.nd.linalg.gemm2``); see :func:`gemm`."""
    a, b = _args('gemm2', (('A', A), ('B', B)))
    ta, tb = bool(transpose_a), bool(transpose_b)
    ax = _row_axis(axis, a.ndim, 'gemm2')
    _gemm_shapes(a, b, ta, tb, ax, 'gemm2')
    alpha = float(alpha)
    y = _k_gemm2(_xp(a), a, b, ta, tb, alpha, ax)
    need = (A._node is not None, B._node is not None)
    res = _result(y, A._ctx, _gemm_bwd, (A, B), (A, B), None, (ta, tb, alpha, 0.0, ax, need))
    return _finish(res, out)


# ------------------------------------------------------------------ triangular products

def _tri_args(A, B, transpose, rightside, op):
    a, b = _args(op, (('A', A), ('B', B)))
    _square(a, op)
    _same_batch(a, b, op)
    n = a.shape[-1]
    k = b.shape[-1] if rightside else b.shape[-2]
    if k != n:
        raise DistGluError("linalg.%s: incompatible matrix dimensions: A %s is %dx%d but B %s "
                           "has %d %s (rightside=%s)" % (op, a.shape, n, n, b.shape, k,
                                                         'columns' if rightside else 'rows',
                                                         bool(rightside)))
    return a, b


def _trmm_bwd(xp, g, ins, out, attrs):
    a, b = ins
    tr, rs, lo, alpha, need_a, need_b = attrs
    da = db = None
    if need_b:
        db = _trmm(xp, a, g, not tr, rs, lo, alpha)
    if need_a:
        if rs:   # out = alpha B op(T): d op(T) = alpha B^T g
            d = _mm(xp, g, b, True, False, alpha) if tr else _mm(xp, b, g, True, False, alpha)
        else:    # out = alpha op(T) B: d op(T) = alpha g B^T
            d = _mm(xp, b, g, False, True, alpha) if tr else _mm(xp, g, b, False, True, alpha)
        da = _tri(xp, d, lo)
    return da, db


def trmm(A=None, B=None, transpose=False, rightside=False, lower=True, alpha=1.0, out=None,
         name=None, **kwargs):
    """Triangular matrix product (``mxnet.nd.linalg.trmm``).

    ``alpha * op(T) @ B`` (or ``alpha * B @ op(T)`` with ``rightside``), T the lower (or,
    with ``lower=False``, upper) triangle of A, op the transpose when ``transpose``.
    Differentiable in A (its triangle) and B.
    """
    a, b = _tri_args(A, B, transpose, rightside, 'trmm')
    tr, rs, lo, alpha = bool(transpose), bool(rightside), bool(lower), float(alpha)
    y = _k_trmm(_xp(a), a, b, tr, rs, lo, alpha)
    attrs = (tr, rs, lo, alpha, A._node is not None, B._node is not None)
    return _finish(_result(y, A._ctx, _trmm_bwd, (A, B), (A, B), None, attrs), out)


def _trsm_bwd(xp, g, ins, out, attrs):
    a, = ins
    tr, rs, lo, alpha, need_a, need_b = attrs
    y = _trsm(xp, a, g, not tr, rs, lo, 1.0)       # op(T)^-T g  (or g op(T)^-T)
    db = y * alpha if need_b else None
    da = None
    if need_a:
        x = out
        if rs:   # X op(T) = alpha B: d op(T) = -X^T Y
            d = _mm(xp, y, x, True, False) if tr else _mm(xp, x, y, True, False)
        else:    # op(T) X = alpha B: d op(T) = -Y X^T
            d = _mm(xp, x, y, False, True) if tr else _mm(xp, y, x, False, True)
        da = -_tri(xp, d, lo)
    return da, db


def trsm(A=None, B=None, transpose=False, rightside=False, lower=True, alpha=1.0, out=None,
         name=None, **kwargs):
    """Triangular solve (``mxnet.nd.linalg.trsm``): X with ``op(T) @ X = alpha * B``
    (or ``X @ op(T) = alpha * B`` with ``rightside``); T, op as in :func:`trmm`.

    A zero on T's diagonal raises. Differentiable in A (its triangle) and B.
    """
    a, b = _tri_args(A, B, transpose, rightside, 'trsm')
    tr, rs, lo, alpha = bool(transpose), bool(rightside), bool(lower), float(alpha)
    y = _k_trsm(_xp(a), a, b, tr, rs, lo, alpha)
    attrs = (tr, rs, lo, alpha, A._node is not None, B._node is not None)
    return _finish(_result(y, A._ctx, _trsm_bwd, (A, B), (A,), y, attrs), out)


# ------------------------------------------------------------------ syrk

def _syrk_bwd(xp, g, ins, out, attrs):
    a, = ins
    tr, alpha = attrs
    gs = g + _T(xp, g)
    return (_mm(xp, a, gs, False, False, alpha) if tr else _mm(xp, gs, a, False, False, alpha),)


def syrk(A=None, transpose=False, alpha=1.0, out=None, name=None, **kwargs):
    """``alpha * A @ A^T`` (or ``alpha * A^T @ A`` with ``transpose``) per matrix
    (``mxnet.nd.linalg.syrk``). Differentiable."""
    a = _arg(A, 'syrk')
    tr, alpha = bool(transpose), float(alpha)
    xp = _xp(a)
    y = xp.matmul(_sw(xp, a), a) if tr else xp.matmul(a, _sw(xp, a))
    if alpha != 1:
        y *= alpha
    return _finish(_result(y, A._ctx, _syrk_bwd, (A,), (A,), None, (tr, alpha)), out)


# ------------------------------------------------------------------ Cholesky

def _potrf_bwd(xp, g, ins, out, attrs):
    lf = out
    p = _copyltu(xp, _mm(xp, lf, g, True, False))               # copyltu(L^T dL)
    x = _trsm(xp, lf, _trsm(xp, lf, p, transpose=True), rightside=True)   # L^-T P L^-1
    return (x * 0.5,)


def potrf(A=None, out=None, name=None, **kwargs):
    """Cholesky factor L (lower, A = L @ L^T) of symmetric positive-definite matrices
    (``mxnet.nd.linalg.potrf``); reads the lower triangle of A.

    The gradient is MXNet's symmetric one: ``0.5 * L^-T copyltu(L^T dL) L^-1``.
    """
    a = _arg(A, 'potrf')
    _square(a, 'potrf')
    xp = _xp(a)
    if xp is not np:   # NumPy reads the lower triangle itself; make that explicit elsewhere
        a = xp.tril(a) + _sw(xp, xp.tril(a, -1))
    try:
        y = xp.linalg.cholesky(a)
    except _LinAlgError:
        raise DistGluError("linalg.potrf: Cholesky factorization failed: the input matrix is "
                           "not symmetric positive definite") from None
    return _finish(_result(y, A._ctx, _potrf_bwd, (A,), (), y, None), out)


def _potri_bwd(xp, g, ins, out, attrs):
    a, = ins
    w = _mm(xp, out, g + _T(xp, g))                          # C (G + G^T)
    return (-_tri(xp, _trsm(xp, a, w, transpose=True, rightside=True), True),)   # .. L^-T


def potri(A=None, out=None, name=None, **kwargs):
    """Inverse ``(L @ L^T)^-1`` from a Cholesky factor L, the lower triangle of A
    (``mxnet.nd.linalg.potri``). Differentiable in that triangle."""
    a = _arg(A, 'potri')
    _square(a, 'potri')
    xp = _xp(a)
    li = _k_inv(xp, xp.tril(a), 'potri')
    y = xp.matmul(_sw(xp, li), li)
    return _finish(_result(y, A._ctx, _potri_bwd, (A,), (A,), y, None), out)


# ------------------------------------------------------------------ diagonals and triangles

def _sumlogdiag_bwd(xp, g, ins, out, attrs):
    a, = ins
    bshape = attrs
    if bshape:
        g = _reshape(xp, g, bshape + (1,))
    return (_makediag(xp, g / _extractdiag(xp, a)),)


def sumlogdiag(A=None, out=None, name=None, **kwargs):
    """Sum of the logs of the diagonal of each square matrix (``mxnet.nd.linalg.sumlogdiag``):
    shape (1,) for one matrix, the batch shape otherwise. Differentiable."""
    a = _arg(A, 'sumlogdiag')
    _square(a, 'sumlogdiag')
    xp = _xp(a)
    with np.errstate(invalid='ignore', divide='ignore'):
        y = xp.log(xp.diagonal(a, 0, -2, -1)).sum(axis=-1)
    bshape = a.shape[:-2]
    y = y.reshape(_scalar_shape(bshape))
    return _finish(_result(y, A._ctx, _sumlogdiag_bwd, (A,), (A,), None, bshape), out)


def _offset(offset, n, op):
    k = int(offset)
    if n - abs(k) <= 0:
        raise DistGluError("linalg.%s: offset %d is out of range for %dx%d matrices"
                           % (op, k, n, n))
    return k


def _extractdiag_bwd(xp, g, ins, out, attrs):
    return (_makediag(xp, g, attrs),)


def extractdiag(A=None, offset=0, out=None, name=None, **kwargs):
    """Diagonal ``offset`` (0 main, > 0 above, < 0 below) of each square matrix
    (``mxnet.nd.linalg.extractdiag``): shape A.shape[:-2] + (n - |offset|,)."""
    a = _arg(A, 'extractdiag')
    _square(a, 'extractdiag')
    k = _offset(offset, a.shape[-1], 'extractdiag')
    y = _k_extract(_xp(a), a, _diag_index(a.shape[-1], k))
    return _finish(_result(y, A._ctx, _extractdiag_bwd, (A,), (), None, k), out)


def _makediag_bwd(xp, g, ins, out, attrs):
    return (_extractdiag(xp, g, attrs),)


def makediag(A=None, offset=0, out=None, name=None, **kwargs):
    """Square matrices with the last axis of A on diagonal ``offset``, zeros elsewhere
    (``mxnet.nd.linalg.makediag``): shape A.shape[:-1] + (m + |offset|,) * 2."""
    a = _arg(A, 'makediag', min_ndim=1)
    k = int(offset)
    n = a.shape[-1] + abs(k)
    y = _k_make(_xp(a), a, n, _diag_index(n, k))
    return _finish(_result(y, A._ctx, _makediag_bwd, (A,), (), None, k), out)


def _extracttrian_bwd(xp, g, ins, out, attrs):
    k, lo = attrs
    if _is_nd(xp):
        return (maketrian(g, offset=k, lower=lo),)
    m = g.shape[-1]
    n = int(round((np.sqrt(8 * m + 1) - 1) / 2)) + abs(k)
    return (_k_make(xp, g, n, _trian_index(n, k, lo)),)


def extracttrian(A=None, offset=0, lower=True, out=None, name=None, **kwargs):
    """A triangle of each square matrix as a vector (``mxnet.nd.linalg.extracttrian``).

    ``offset == 0``: the lower (``lower``) or upper triangle with the diagonal; ``offset
    < 0``: the lower triangle below diagonal ``offset``; ``offset > 0``: the upper triangle
    above it. Lower triangles are stored row by row, upper ones column by column.
    """
    a = _arg(A, 'extracttrian')
    _square(a, 'extracttrian')
    n = a.shape[-1]
    k, lo = _offset(offset, n, 'extracttrian'), bool(lower)
    y = _k_extract(_xp(a), a, _trian_index(n, k, lo))
    return _finish(_result(y, A._ctx, _extracttrian_bwd, (A,), (), None, (k, lo)), out)


def _maketrian_bwd(xp, g, ins, out, attrs):
    k, lo = attrs
    if _is_nd(xp):
        return (extracttrian(g, offset=k, lower=lo),)
    return (_k_extract(xp, g, _trian_index(g.shape[-1], k, lo)),)


def maketrian(A=None, offset=0, lower=True, out=None, name=None, **kwargs):
    """Square matrices from triangles stored as by :func:`extracttrian`, zeros elsewhere
    (``mxnet.nd.linalg.maketrian``). The last axis of A must have m(m+1)/2 entries; the
    matrices are (m + |offset|) x (m + |offset|)."""
    a = _arg(A, 'maketrian', min_ndim=1)
    length = a.shape[-1]
    m = int(round((np.sqrt(8 * length + 1) - 1) / 2))
    if m * (m + 1) // 2 != length or m == 0:
        raise DistGluError("linalg.maketrian: the last axis of A must hold a triangle, "
                           "m*(m+1)/2 entries for some m >= 1, got %d (shape %s)"
                           % (length, a.shape))
    k, lo = int(offset), bool(lower)
    n = m + abs(k)
    y = _k_make(_xp(a), a, n, _trian_index(n, k, lo))
    return _finish(_result(y, A._ctx, _maketrian_bwd, (A,), (), None, (k, lo)), out)


# ------------------------------------------------------------------ inverse, det, slogdet

def _inverse_bwd(xp, g, ins, out, attrs):
    return (-_mm(xp, _mm(xp, out, g, True, False), out, False, True),)   # -X^T G X^T


def inverse(A=None, out=None, name=None, **kwargs):
    """Inverse of each square matrix (``mxnet.nd.linalg.inverse``); a singular matrix
    raises. Differentiable."""
    a = _arg(A, 'inverse')
    _square(a, 'inverse')
    y = _k_inv(_xp(a), a)
    return _finish(_result(y, A._ctx, _inverse_bwd, (A,), (), y, None), out)


def _det_bwd(xp, g, ins, out, attrs):
    a, = ins
    bshape = attrs
    gd = _per_matrix(xp, g * out, bshape)
    singular = None if _is_nd(xp) else (out == 0)
    return (gd * _T(xp, _inv_safe(xp, a, singular)),)


def det(A=None, out=None, name=None, **kwargs):
    """Determinant of each square matrix (``mxnet.nd.linalg.det``): shape (1,) for one
    matrix, the batch shape otherwise. Differentiable (zero gradient where det is 0)."""
    a = _arg(A, 'det')
    _square(a, 'det')
    bshape = a.shape[:-2]
    y = _xp(a).linalg.det(a).reshape(_scalar_shape(bshape))
    return _finish(_result(y, A._ctx, _det_bwd, (A,), (A,), y, bshape), out)


def _slogdet_bwd(xp, g, ins, out, attrs):
    gl = g[1]
    if gl is None:
        return (None,)
    a, = ins
    sign, bshape = attrs
    singular = None if _is_nd(xp) else (sign == 0)
    gl = _per_matrix(xp, gl, bshape)
    if singular is not None and singular.any():
        gl = gl * _per_matrix(xp, (~singular).astype(gl.dtype), bshape)
    return (gl * _T(xp, _inv_safe(xp, a, singular)),)


def slogdet(A=None, out=None, name=None, **kwargs):
    """``[sign, logabsdet]`` of the determinant of each square matrix
    (``mxnet.nd.linalg.slogdet``); a singular matrix gives sign 0 and logabsdet -inf.
    Differentiable in logabsdet (the sign has no gradient)."""
    a = _arg(A, 'slogdet')
    _square(a, 'slogdet')
    bshape = a.shape[:-2]
    s, lad = _xp(a).linalg.slogdet(a)
    shp = _scalar_shape(bshape)
    s, lad = s.reshape(shp), lad.reshape(shp)
    res = _results([s, lad], A._ctx, _slogdet_bwd, (A,), (A,), None, (s, bshape))
    return _finish(res, out)


# ------------------------------------------------------------------ factorizations

def _gelqf_bwd(xp, g, ins, out, attrs):
    gq, gl = g
    if _is_nd(xp):
        q, lf = gelqf(ins[0])          # recomputed so that second-order terms flow
    else:
        q, lf = attrs
    m = None
    if gl is not None:
        m = _mm(xp, lf, gl, True, False)                     # L^T dL
    if gq is not None:
        m2 = _mm(xp, gq, q, False, True)                     # dQ Q^T
        m = -m2 if m is None else m - m2
    w = _mm(xp, _copyltu(xp, m), q)
    if gq is not None:
        w = w + gq
    return (_trsm(xp, lf, w, transpose=True),)               # L^-T (dQ + copyltu(M) Q)


def gelqf(A=None, out=None, name=None, **kwargs):
    """LQ factorization ``A = L @ Q`` of full-rank x-by-y matrices with x <= y
    (``mxnet.nd.linalg.gelqf``): returns ``[Q, L]``, Q (x, y) with orthonormal rows and L
    (x, x) lower triangular. Differentiable."""
    a = _arg(A, 'gelqf')
    if a.shape[-2] > a.shape[-1]:
        raise DistGluError("linalg.gelqf: A must have at least as many columns as rows (its "
                           "last dimension >= the second to last), got shape %s" % (a.shape,))
    xp = _xp(a)
    qt, rt = xp.linalg.qr(_sw(xp, a))
    q = xp.ascontiguousarray(_sw(xp, qt))
    lf = xp.ascontiguousarray(_sw(xp, rt))
    return _finish(_results([q, lf], A._ctx, _gelqf_bwd, (A,), (A,), None, (q, lf)), out)


def _syevd_bwd(xp, g, ins, out, attrs):
    gu, glam = g
    if _is_nd(xp):
        u, lam = syevd(ins[0])        # recomputed so that second-order terms flow
        eye = NDArray._wrap(_xp(lam._data).eye(lam.shape[-1], dtype=lam.dtype), lam._ctx)
    else:
        u, lam = attrs
        eye = xp.eye(lam.shape[-1], dtype=lam.dtype)
    inner = None
    if gu is not None:
        # F_ij = 1 / (lam_j - lam_i) off the diagonal, 0 on it
        diff = xp.expand_dims(lam, -2) - xp.expand_dims(lam, -1)
        inner = (1 - eye) / (diff + eye) * _mm(xp, u, gu, False, True)
    if glam is not None:
        d = _makediag(xp, glam)
        inner = d if inner is None else inner + d
    da = _mm(xp, _mm(xp, u, inner, True, False), u)       # U^T (..) U
    return ((da + _T(xp, da)) * 0.5,)


def syevd(A=None, out=None, name=None, **kwargs):
    """Eigendecomposition of symmetric matrices (``mxnet.nd.linalg.syevd``): returns
    ``[U, lam]`` with ``U @ A = diag(lam) @ U``, eigenvectors in the rows of U, ``lam``
    ascending; each eigenvector's largest-magnitude entry is positive (as MXNet). Reads
    the lower triangle of A. Differentiable for distinct eigenvalues."""
    a = _arg(A, 'syevd')
    _square(a, 'syevd')
    xp = _xp(a)
    lam, v = xp.linalg.eigh(a)
    u = _sw(xp, v)
    big = xp.take_along_axis(u, xp.argmax(xp.abs(u), axis=-1)[..., None], axis=-1)
    u = xp.ascontiguousarray(u * xp.where(big < 0, -1, 1).astype(u.dtype))
    return _finish(_results([u, lam], A._ctx, _syevd_bwd, (A,), (A,), None, (u, lam)), out)


# ------------------------------------------------------------------ names

_OPS = {'gemm': gemm, 'gemm2': gemm2, 'potrf': potrf, 'potri': potri, 'trmm': trmm,
        'trsm': trsm, 'syrk': syrk, 'sumlogdiag': sumlogdiag, 'extractdiag': extractdiag,
        'makediag': makediag, 'extracttrian': extracttrian, 'maketrian': maketrian,
        'inverse': inverse, 'det': det, 'slogdet': slogdet, 'gelqf': gelqf, 'syevd': syevd}

# MXNet's top-level aliases (nd.linalg_gemm2 ...); MXNet 1.9 has none for syevd
linalg_gemm, linalg_gemm2, linalg_potrf, linalg_potri = gemm, gemm2, potrf, potri
linalg_trmm, linalg_trsm, linalg_syrk, linalg_sumlogdiag = trmm, trsm, syrk, sumlogdiag
linalg_extractdiag, linalg_makediag = extractdiag, makediag
linalg_extracttrian, linalg_maketrian = extracttrian, maketrian
linalg_inverse, linalg_det, linalg_slogdet, linalg_gelqf = inverse, det, slogdet, gelqf

# The ``nd.linalg`` namespace: a module object holding only the operators
_namespace = types.ModuleType('distglu.ndarray.linalg', "Linear algebra operators "
                              "(``mxnet.nd.linalg``): " + ", ".join(sorted(_OPS)) + ".")
_namespace.__dict__.update(_OPS)
_namespace.__all__ = sorted(_OPS)
sys.modules.setdefault(_namespace.__name__, _namespace)
