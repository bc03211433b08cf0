"""Dtype casts and moves between contexts (both differentiable)."""

from ...base import normalize_dtype
from ..ndarray import _to_ctx
from ._core import _result, _check_nd

__all__ = ['cast', 'Cast', 'astype', 'copy_to_ctx']


def _cast_bwd(xp, g, ins, out, attrs):
    return (g.astype(attrs),)


def astype(data, dtype, copy=True):
    """Cast to ``dtype``; the gradient is cast back to the input's dtype."""
    _check_nd(data, 'astype')
    dt = normalize_dtype(dtype)
    x = data._data
    if not copy and x.dtype == dt:
        return data
    return _result(x.astype(dt), data._ctx, _cast_bwd, (data,), (), None, x.dtype)


def cast(data, dtype, out=None, name=None):
    res = astype(data, dtype)
    if out is not None:
        out[:] = res
        return out
    return res


Cast = cast


def _move_bwd(xp, g, ins, out, attrs):
    src_ctx = attrs
    if getattr(xp, 'is_nd', False):
        return (g.as_in_context(src_ctx),)
    return (_to_ctx(g, src_ctx),)


def copy_to_ctx(data, ctx):
    """A copy of ``data`` on ``ctx`` (gradients flow back to the source context)."""
    if ctx == data._ctx:
        y = data._data.copy()
    else:
        y = _to_ctx(data._data, ctx)
        if y is data._data:
            y = y.copy()
    return _result(y, ctx, _move_bwd, (data,), (), None, data._ctx)
