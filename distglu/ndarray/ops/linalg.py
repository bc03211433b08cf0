"""Matrix products: ``dot``, ``batch_dot``, ``khatri_rao`` (MXNet 1.x semantics).

``dot`` on N-D arrays contracts one axis of each input, as MXNet does: the last axis of
``lhs`` (its first with ``transpose_a``) with the first axis of ``rhs`` (its last with
``transpose_b``); the result's shape is lhs's remaining axes followed by rhs's (for
2-D inputs this is the matrix product of the transposed-as-asked operands). A 1-D
operand contributes no output axis and ignores its transpose flag, except that two
1-D inputs cannot be transposed; their product has shape (1,).

Both operators are one BLAS call (``matmul`` on 2-D or stacked views, no copies for the
transposes) and differentiable in both inputs; their backward passes are again ``dot``/
``batch_dot`` calls, so they are differentiable again under ``create_graph=True``.
"""
import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from .. import _ndxp
from ._core import _result, _same_device, _write_out, _ndarray_t, array_module
from .reduce import _reshape, _reshape_nd

__all__ = ['dot', 'batch_dot', 'khatri_rao']


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _check_pair(lhs, rhs, opname):
    for nm, v in (('lhs', lhs), ('rhs', rhs)):
        if not isinstance(v, NDArray):
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (opname, nm, type(v).__name__))
    if not _same_device(lhs._ctx, rhs._ctx):
        raise DistGluError("%s: all inputs must be on the same context, got lhs on %s and rhs "
                           "on %s (use as_in_context to move one)" % (opname, lhs._ctx, rhs._ctx))
    a, b = lhs._data, rhs._data
    if a.dtype != b.dtype:
        raise DistGluError("%s: both inputs must have the same dtype (as in MXNet), got lhs %s "
                           "and rhs %s; cast one with astype()" % (opname, a.dtype, b.dtype))
    return a, b


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


def _into_out(out, shape, dtype):
    """``out``'s raw array if a product can be written straight into it, else None."""
    if out is None or not isinstance(out, NDArray):
        return None
    o = out._data
    if o.shape != shape or o.dtype != dtype or not o.flags.c_contiguous:
        return None
    out._check_inplace()
    return o


def _finish(y, ctx, bwd, lhs, rhs, attrs, out, direct):
    res = _result(y, ctx, bwd, (lhs, rhs), (lhs, rhs), None, attrs)
    if direct is None:
        return res if out is None else _write_out(out, res)
    if res._node is not None:
        out._node = res._node
        out._oidx = 0
    return out


# ------------------------------------------------------------------ dot

def _mm(xp, x, y, tx, ty):
    """2-D product ``op(x) @ op(y)`` (op: transpose when the flag is set)."""
    if _is_nd(xp):
        return dot(x, y, transpose_a=tx, transpose_b=ty)
    return xp.matmul(x.T if tx else x, y.T if ty else y)


def _dot_bwd(xp, g, ins, out, attrs):
    a, b = ins
    ashape, bshape, ta, tb, m, k, n, need_a, need_b = attrs
    g2 = _reshape(xp, g, (m, n))
    ga = gb = None
    if need_a:
        b2 = _reshape(xp, b, (n, k) if tb else (k, n))
        ga = _mm(xp, b2, g2, tb, True) if ta else _mm(xp, g2, b2, False, not tb)
        ga = _reshape(xp, ga, ashape)
    if need_b:
        a2 = _reshape(xp, a, (k, m) if ta else (m, k))
        gb = _mm(xp, g2, a2, True, ta) if tb else _mm(xp, a2, g2, not ta, False)
        gb = _reshape(xp, gb, bshape)
    return ga, gb


def dot(lhs=None, rhs=None, transpose_a=False, transpose_b=False, forward_stype=None,
        out=None, name=None):
    """Dot product of two arrays (MXNet ``nd.dot``).

    ``lhs`` (..., k) with ``rhs`` (k, ...) gives lhs.shape[:-1] + rhs.shape[1:];
    ``transpose_a`` contracts lhs's first axis instead (giving lhs.shape[1:]),
    ``transpose_b`` rhs's last axis (giving rhs.shape[:-1]). 1-D x 1-D gives shape (1,).
    Both inputs must share a context and a dtype. Differentiable in both inputs.
    float16 works on the CPU too (MXNet 1.x's CPU dot accepts only float32/float64).
    """
    if not (isinstance(lhs, NDArray) and isinstance(rhs, NDArray)) \
            or lhs._ctx is not rhs._ctx or lhs._data.dtype != rhs._data.dtype:
        _check_pair(lhs, rhs, 'dot')
    a, b = lhs._data, rhs._data
    ta, tb = bool(transpose_a), bool(transpose_b)
    sa, sb = a.shape, b.shape
    if len(sa) == 2 and len(sb) == 2:  # the common case: no reshapes
        m, k = (sa[1], sa[0]) if ta else sa
        kb, n = (sb[1], sb[0]) if tb else sb
        if k != kb:
            _dot_mismatch(sa, sb, ta, tb, k, kb)
        a2 = a.T if ta else a
        b2 = b.T if tb else b
        oshape = (m, n)
    else:
        if not sa or not sb:
            raise DistGluError("dot: expected arrays of at least 1 dimension, got shapes %s "
                               "and %s" % (sa, sb))
        if len(sa) == 1:
            if len(sb) == 1 and (ta or tb):
                raise DistGluError("dot: cannot transpose vectors (transpose_a/transpose_b "
                                   "with two 1-D inputs of shapes %s and %s)" % (sa, sb))
            ta = False
            k, ldims = sa[0], ()
        elif ta:
            k, ldims = sa[0], sa[1:]
        else:
            k, ldims = sa[-1], sa[:-1]
        if len(sb) == 1:
            tb = False
            kb, rdims = sb[0], ()
        elif tb:
            kb, rdims = sb[-1], sb[:-1]
        else:
            kb, rdims = sb[0], sb[1:]
        if k != kb:
            _dot_mismatch(sa, sb, transpose_a, transpose_b, k, kb)
        m, n = _prod(ldims), _prod(rdims)
        oshape = ldims + rdims or (1,)
        a2 = a.reshape((k, m) if ta else (m, k))
        b2 = b.reshape((n, k) if tb else (k, n))
        if ta:
            a2 = a2.T
        if tb:
            b2 = b2.T
    mm = np.matmul if type(a) is _ndarray_t else array_module(a).matmul
    direct = None if out is None else _into_out(out, oshape, a.dtype)
    if direct is not None:
        mm(a2, b2, out=direct.reshape(m, n))
        y = direct
    else:
        y = mm(a2, b2)
        if y.shape != oshape:
            y = y.reshape(oshape)
    attrs = (sa, sb, ta, tb, m, k, n, lhs._node is not None, rhs._node is not None)
    if out is None:
        return _result(y, lhs._ctx, _dot_bwd, (lhs, rhs), (lhs, rhs), None, attrs)
    return _finish(y, lhs._ctx, _dot_bwd, lhs, rhs, attrs, out, direct)


def _dot_mismatch(sa, sb, ta, tb, k, kb):
    raise DistGluError(
        "dot: shape mismatch, lhs %s (transpose_a=%s) contracts an axis of size %d but "
        "rhs %s (transpose_b=%s) an axis of size %d" % (sa, bool(ta), k, sb, bool(tb), kb))


# ------------------------------------------------------------------ batch_dot

def _bmm(xp, x, y, tx, ty):
    """Batched ``op(x) @ op(y)`` over the leading axes."""
    if _is_nd(xp):
        return batch_dot(x, y, transpose_a=tx, transpose_b=ty)
    return xp.matmul(xp.swapaxes(x, -1, -2) if tx else x, xp.swapaxes(y, -1, -2) if ty else y)


def _batch_dot_bwd(xp, g, ins, out, attrs):
    a, b = ins
    ta, tb, need_a, need_b = attrs
    ga = gb = None
    if need_a:
        ga = _bmm(xp, b, g, tb, True) if ta else _bmm(xp, g, b, False, not tb)
    if need_b:
        gb = _bmm(xp, g, a, True, ta) if tb else _bmm(xp, a, g, not ta, False)
    return ga, gb


def batch_dot(lhs=None, rhs=None, transpose_a=False, transpose_b=False, forward_stype=None,
              out=None, name=None):
    """Batched matrix product (MXNet ``nd.batch_dot``).

    ``lhs`` (B..., m, k) and ``rhs`` (B..., k, n), both N-D with N >= 3 and equal leading
    (batch) axes (no broadcasting, as MXNet), give (B..., m, n); ``transpose_a``/
    ``transpose_b`` transpose the last two axes of an input first. Differentiable.
    """
    a, b = _check_pair(lhs, rhs, 'batch_dot')
    ta, tb = bool(transpose_a), bool(transpose_b)
    sa, sb = a.shape, b.shape
    if len(sa) < 3 or len(sa) != len(sb):
        raise DistGluError("batch_dot: expected two arrays with the same number N >= 3 of "
                           "dimensions, got shapes %s and %s" % (sa, sb))
    if sa[:-2] != sb[:-2]:
        raise DistGluError("batch_dot: the leading batch dimensions must be equal, got shapes "
                           "%s and %s" % (sa, sb))
    ka = sa[-2] if ta else sa[-1]
    kb = sb[-1] if tb else sb[-2]
    if ka != kb:
        raise DistGluError(
            "batch_dot: shape mismatch, lhs %s (transpose_a=%s) contracts an axis of size %d "
            "but rhs %s (transpose_b=%s) an axis of size %d" % (sa, ta, ka, sb, tb, kb))
    xp = np if type(a) is _ndarray_t else array_module(a)
    a3 = xp.swapaxes(a, -1, -2) if ta else a
    b3 = xp.swapaxes(b, -1, -2) if tb else b
    oshape = sa[:-2] + (a3.shape[-2], b3.shape[-1])
    direct = _into_out(out, oshape, a.dtype)
    if direct is not None:
        xp.matmul(a3, b3, out=direct)
        y = direct
    else:
        y = xp.matmul(a3, b3)
    attrs = (ta, tb, lhs._node is not None, rhs._node is not None)
    return _finish(y, lhs._ctx, _batch_dot_bwd, lhs, rhs, attrs, out, direct)


# ------------------------------------------------------------------ khatri_rao

def khatri_rao(*args, out=None, name=None):
    """Column-wise Khatri-Rao product of 2-D matrices (M_i, N) -> (M_1 * ... * M_n, N).

    Not differentiable (as in MXNet).
    """
    if not args:
        raise DistGluError("khatri_rao: expected at least one input matrix")
    for i, v in enumerate(args):
        if not isinstance(v, NDArray):
            raise DistGluError("khatri_rao: input %d: expected an NDArray, got %s"
                               % (i, type(v).__name__))
        if v._data.ndim != 2:
            raise DistGluError("khatri_rao: input %d: expected a 2-D matrix, got shape %s"
                               % (i, v.shape))
        if not _same_device(v._ctx, args[0]._ctx):
            raise DistGluError("khatri_rao: all inputs must be on the same context, got %s "
                               "and %s" % (args[0]._ctx, v._ctx))
        if v.shape[1] != args[0].shape[1]:
            raise DistGluError("khatri_rao: all inputs must have the same number of columns, "
                               "got shapes %s and %s" % (args[0].shape, v.shape))
    ncol = args[0].shape[1]
    r = args[0]._data
    for v in args[1:]:  # one broadcast multiply per input matrix
        r = (r[:, None, :] * v._data[None, :, :]).reshape(-1, ncol)
    if len(args) == 1:
        r = r.copy()
    res = NDArray._wrap(r, args[0]._ctx)
    return res if out is None else _write_out(out, res)


# ------------------------------------------------------------------ NumPy-signature adapters
# (xp.dot / xp.matmul in backward code under create_graph=True)

def _np_dot(a, b, out=None):
    if out is not None:
        raise DistGluError("second-order gradients: xp.dot(out=...) is not supported")
    if b._data.ndim > 2:
        raise DistGluError("second-order gradients: xp.dot with an N-D (N > 2) second "
                           "operand has no differentiable version yet (got shapes %s and %s)"
                           % (a.shape, b.shape))
    res = dot(a, b)
    if a._data.ndim == 1 and b._data.ndim == 1:
        res = _reshape_nd(res, ())
    return res


def _np_matmul(a, b, out=None):
    if out is not None:
        raise DistGluError("second-order gradients: xp.matmul(out=...) is not supported")
    la, lb = a._data.ndim, b._data.ndim
    if lb <= 2:
        return _np_dot(a, b)
    if la == lb and a.shape[:-2] == b.shape[:-2]:
        return batch_dot(a, b)
    raise DistGluError("second-order gradients: xp.matmul of shapes %s and %s (broadcast "
                       "batch axes) has no differentiable version yet" % (a.shape, b.shape))


_ndxp.register('dot', _np_dot)
_ndxp.register('matmul', _np_matmul)
