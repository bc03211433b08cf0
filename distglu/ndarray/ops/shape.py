"""Shape and axis-order operators: reshape (with reshape_like, flatten, expand_dims,
squeeze), transpose/swapaxes/moveaxis, broadcast_*, tile/repeat, flip, shape_array.

MXNet 1.x names, arguments and semantics (``mxnet.nd.reshape`` and its codes 0/-1/-2/-3/-4,
``squeeze`` of an all-ones shape giving ``(1,)``...). Joining and splitting (concat, stack,
split, slice) live in join_split.py; pad, diag and depth/space blocks in layout.py.

Views: where NumPy returns a view (reshape, flatten, expand_dims, squeeze, transpose,
swapaxes, flip) the result shares memory with the input, as the method ``NDArray.reshape``
does in MXNet. MXNet's operators (``nd.reshape``, ``nd.transpose``) copy; distglu does not,
so writing into such a result in place writes into its input.

Where distglu deliberately differs from MXNet 1.9: negative axes are accepted everywhere
(MXNet rejects them in transpose/flip/broadcast_axis); ``reshape`` infers a -1 that follows
-2 (MXNet 1.9 computes a wrong shape there).

Every differentiable operator here is linear, recorded with its adjoint (see ``_linmap``).
"""
from math import prod as _prod

import numpy as np

from ...base import DistGluError
from ...context import device_scope
from ..ndarray import NDArray
from .. import _ndxp
from ._core import _write_out, _sum_to, _check_nd, _xp
from ._linmap import _int_types, _slice, _ALL, _lin, _take_raw, _shape_arg, _axis, _axes

__all__ = ['reshape', 'Reshape', 'reshape_like', 'flatten', 'Flatten', 'expand_dims',
           'squeeze', 'transpose', 'swapaxes', 'SwapAxis', 'moveaxis', 'broadcast_to',
           'broadcast_axis', 'broadcast_axes', 'broadcast_like', 'tile', 'repeat', 'flip',
           'reverse', 'shape_array', 'size_array']


# ---------------------------------------------------------------------- raw maps and adjoints

def _reshape_raw(xp, x, shape):
    return x.reshape(shape)


def _transpose_raw(xp, x, axes):
    return x.transpose(axes)


def _swap_raw(xp, x, a, b):
    return x.swapaxes(a, b)


def _broadcast_raw(xp, x, shape):
    if x.shape == shape:
        return x.reshape(shape)
    return xp.broadcast_to(x, shape).copy()  # MXNet returns a writable array


def _sum_to_raw(xp, g, shape):
    return _sum_to(xp, g, shape)


def _tile_raw(xp, x, reps):
    return xp.tile(x, reps)


def _tile_adj_raw(xp, g, shape, reps):
    d = max(len(shape), len(reps))
    shp = (1,) * (d - len(shape)) + tuple(shape)
    rp = (1,) * (d - len(reps)) + tuple(reps)
    inter = [v for pair in zip(rp, shp) for v in pair]
    return g.reshape(inter).sum(axis=tuple(range(0, 2 * d, 2)), dtype=g.dtype).reshape(shape)


def _repeat_raw(xp, x, repeats, axis):
    return xp.repeat(x, repeats, axis)


def _repeat_adj_raw(xp, g, shape, repeats, axis):
    if axis is None:
        n = int(np.prod(shape, dtype=np.int64))
        return g.reshape(n, repeats).sum(axis=1, dtype=g.dtype).reshape(shape)
    shp = shape[:axis] + (shape[axis], repeats) + shape[axis + 1:]
    return g.reshape(shp).sum(axis=axis + 1, dtype=g.dtype)


# ---------------------------------------------------------------------- reshape family

_reshape_cache = {}


def _reshape_fail(dshape, shape, why):
    return DistGluError("reshape: cannot reshape array of shape %s into shape %s%s"
                        % (tuple(dshape), tuple(shape), (": " + why) if why else ""))


def _infer_reshape(dshape, shape, reverse):
    """MXNet's reshape codes: 0 copy, -1 infer, -2 copy rest, -3 merge two, -4 split one."""
    ds, sp = (dshape[::-1], shape[::-1]) if reverse else (dshape, shape)
    n, m = len(ds), len(sp)
    out = []
    src = 0
    inf = -1
    i = 0
    while i < m:
        p = sp[i]
        if p > 0:
            out.append(p)
            src += 1
        elif p == 0:
            if src >= n:
                raise _reshape_fail(dshape, shape, "code 0 copies input dimension %d, but "
                                    "the input has only %d" % (src, n))
            out.append(ds[src])
            src += 1
        elif p == -1:
            if inf >= 0:
                raise _reshape_fail(dshape, shape, "only one dimension can be -1 (inferred)")
            inf = len(out)
            out.append(1)
            src += 1
        elif p == -2:
            out.extend(ds[src:])
            src = max(src, n)
        elif p == -3:
            if src + 1 >= n:
                raise _reshape_fail(dshape, shape, "code -3 merges input dimensions %d and "
                                    "%d, but the input has only %d" % (src, src + 1, n))
            out.append(ds[src] * ds[src + 1])
            src += 2
        elif p == -4:
            if i + 2 >= m:
                raise _reshape_fail(dshape, shape, "code -4 must be followed by the two "
                                    "dimensions to split into")
            if src >= n:
                raise _reshape_fail(dshape, shape, "code -4 splits input dimension %d, but "
                                    "the input has only %d" % (src, n))
            d0 = ds[src]
            src += 1
            d1, d2 = sp[i + 1], sp[i + 2]
            i += 2
            if d1 == -1 and d2 == -1:
                raise _reshape_fail(dshape, shape, "split dims after -4 cannot both be -1")
            if d1 == -1:
                d1 = d0 // d2 if d2 else -1
            elif d2 == -1:
                d2 = d0 // d1 if d1 else -1
            if d1 < 0 or d2 < 0 or d1 * d2 != d0:
                raise _reshape_fail(dshape, shape, "split dims %d, %d do not divide input "
                                    "dimension %d" % (d1, d2, d0))
            out.append(d1)
            out.append(d2)
        else:
            raise _reshape_fail(dshape, shape, "%d is not a valid size (use positive sizes "
                                "or the codes 0, -1, -2, -3, -4)" % p)
        i += 1
    total = _prod(dshape)
    if inf >= 0:
        known = _prod(out)
        if known == 0:
            if total:
                raise _reshape_fail(dshape, shape, "cannot infer -1 next to a zero size")
            out[inf] = 0
        else:
            out[inf] = total // known
    if reverse:
        out.reverse()
    out = tuple(out)
    if _prod(out) != total:
        raise _reshape_fail(dshape, shape, "the result %s has %d elements, the input %d"
                            % (out, _prod(out), total))
    return out


def _mx_shape(dshape, shape, reverse):
    key = (dshape, shape, reverse)
    res = _reshape_cache.get(key)
    if res is None:
        res = _infer_reshape(dshape, shape, bool(reverse))
        if len(_reshape_cache) > 4096:
            _reshape_cache.clear()
        _reshape_cache[key] = res
    return res


def _reshape_to(data, shape):
    """Reshape to an explicit shape (a view where NumPy gives one)."""
    return _lin(data, _reshape_raw, (shape,), _reshape_raw, (data._data.shape,))


def reshape(data, shape=None, reverse=False, target_shape=None, keep_highest=False,
            out=None, name=None, **kwargs):
    """Reshape with MXNet's codes (``mxnet.nd.reshape``); a view of ``data`` where possible.

    ``shape`` may hold, besides positive sizes: ``0`` copy this input dimension, ``-1`` infer
    it from the size, ``-2`` copy all remaining input dimensions, ``-3`` merge the next two
    input dimensions, ``-4 d1 d2`` split the next input dimension into ``d1 x d2`` (one of
    them may be -1). ``reverse=True`` applies the codes from the right. ``target_shape``
    (deprecated in MXNet): 0 entries are inferred; ``keep_highest`` keeps the first dim.
    """
    _check_nd(data, 'reshape')
    dshape = data._data.shape
    if shape is None:
        if target_shape is None:
            raise DistGluError("reshape: shape is required, e.g. reshape(x, shape=(2, -1))")
        ts = list(_shape_arg(target_shape, 'reshape', 'target_shape'))
        if keep_highest:
            ts = [dshape[0]] + ts[1:]
        shape = tuple(-1 if v == 0 else v for v in ts)
    elif type(shape) is not tuple or any(type(v) is not int for v in shape):
        shape = _shape_arg(shape, 'reshape')
    new = shape if shape == dshape else _mx_shape(dshape, shape, reverse)
    res = _lin(data, _reshape_raw, (new,), _reshape_raw, (dshape,))
    return res if out is None else _write_out(out, res)


Reshape = reshape


def _reshape_method(self, *shape, **kwargs):
    """``x.reshape(2, 3)``, ``x.reshape((2, 3))``, ``x.reshape(shape=(2, 3), reverse=False)``.

    A view of this array with the new shape (MXNet's codes 0/-1/-2/-3/-4 apply).
    """
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    elif not shape:
        shape = kwargs.get('shape')
        if shape is None:
            raise DistGluError("reshape: a shape must be provided, e.g. x.reshape((2, -1))")
    for k in kwargs:
        if k not in ('shape', 'reverse'):
            raise TypeError("Got unknown keywords in reshape: %s. Accepted keyword arguments "
                            "are 'shape' and 'reverse'."
                            % ', '.join(k for k in kwargs if k not in ('shape', 'reverse')))
    return reshape(self, shape, kwargs.get('reverse', False))


def _flatten_method(self, inplace=False):
    """``x.flatten()``; the result is always a view here, so ``inplace`` changes nothing."""
    return flatten(self)


def _squeeze_method(self, axis=None, inplace=False):
    return squeeze(self, axis)


def _expand_dims_method(self, axis, inplace=False):
    return expand_dims(self, axis)


# bound here because their signatures differ from the operators' (ndarray/__init__ binds
# the other methods and skips names already set)
NDArray.reshape = _reshape_method
NDArray.flatten = _flatten_method
NDArray.squeeze = _squeeze_method
NDArray.expand_dims = _expand_dims_method


def _range_arg(v, default, ndim, opname, what, shape):
    if v is None:
        return default
    v = int(v)
    if v < 0:
        v += ndim
    if not 0 <= v <= ndim:
        raise DistGluError("%s: %s is out of range for a shape %s" % (opname, what, shape))
    return v


def reshape_like(lhs, rhs, lhs_begin=None, lhs_end=None, rhs_begin=None, rhs_end=None,
                 out=None, name=None):
    """Reshape ``lhs`` (dims ``lhs_begin:lhs_end``) to ``rhs``'s dims ``rhs_begin:rhs_end``."""
    _check_nd(lhs, 'reshape_like', 'lhs')
    _check_nd(rhs, 'reshape_like', 'rhs')
    ls, rs = lhs.shape, rhs.shape
    lb = _range_arg(lhs_begin, 0, len(ls), 'reshape_like', 'lhs_begin', ls)
    le = _range_arg(lhs_end, len(ls), len(ls), 'reshape_like', 'lhs_end', ls)
    rb = _range_arg(rhs_begin, 0, len(rs), 'reshape_like', 'rhs_begin', rs)
    re_ = _range_arg(rhs_end, len(rs), len(rs), 'reshape_like', 'rhs_end', rs)
    new = ls[:lb] + rs[rb:re_] + ls[le:]
    if _prod(new) != _prod(ls):
        raise DistGluError("reshape_like: cannot reshape lhs of shape %s into shape %s (from "
                           "rhs of shape %s): they have different sizes" % (ls, new, rs))
    res = _reshape_to(lhs, new)
    return res if out is None else _write_out(out, res)


def flatten(data, out=None, name=None):
    """Collapse all dimensions but the first: ``(N, d1, d2, ...) -> (N, d1*d2*...)``."""
    _check_nd(data, 'flatten')
    s = data._data.shape
    if not s:
        raise DistGluError("flatten: expected an array with at least 1 dimension, got shape ()")
    res = _reshape_to(data, (s[0], _prod(s[1:])))
    return res if out is None else _write_out(out, res)


Flatten = flatten


def expand_dims(data, axis, out=None, name=None):
    """Insert a size-1 dimension at ``axis`` (``-ndim-1 <= axis <= ndim``)."""
    _check_nd(data, 'expand_dims')
    s = data._data.shape
    a = _axis(axis, len(s), 'expand_dims', s, extra=1)
    res = _reshape_to(data, s[:a] + (1,) + s[a:])
    return res if out is None else _write_out(out, res)


def squeeze(data, axis=None, out=None, name=None):
    """Remove size-1 dimensions (all of them, or those in ``axis``).

    As MXNet 1.x, squeezing every dimension away gives shape ``(1,)``, not ``()``.
    """
    _check_nd(data, 'squeeze')
    s = data._data.shape
    if axis is None:
        new = tuple(v for v in s if v != 1)
    else:
        axes = _axes(axis, len(s), 'squeeze', s)
        if len(set(axes)) != len(axes):
            raise DistGluError("squeeze: duplicate value in axis %r" % (axis,))
        for a in axes:
            if s[a] != 1:
                raise DistGluError("squeeze: cannot squeeze axis %d of an input of shape %s: "
                                   "its size is %d, not 1" % (a, s, s[a]))
        new = tuple(v for i, v in enumerate(s) if i not in axes)
    if not new:
        new = (1,)
    res = _reshape_to(data, new)
    return res if out is None else _write_out(out, res)


# ---------------------------------------------------------------------- axis permutations

def _perm(axes, ndim, opname, shape):
    if isinstance(axes, _int_types):
        axes = (axes,)
    if axes is None or len(axes) == 0:
        return tuple(range(ndim - 1, -1, -1))
    p = tuple(_axis(a, ndim, opname, shape, 'axes') for a in axes)
    if sorted(p) != list(range(ndim)):
        raise DistGluError("%s: axes %r is not a permutation of the %d axes of an input of "
                           "shape %s" % (opname, tuple(axes), ndim, shape))
    return p


def _inverse(p):
    inv = [0] * len(p)
    for i, a in enumerate(p):
        inv[a] = i
    return tuple(inv)


def _transpose_perm(data, p):
    return _lin(data, _transpose_raw, (p,), _transpose_raw, (_inverse(p),))


def transpose(data, axes=None, out=None, name=None):
    """Permute the axes (reverse them when ``axes`` is None or empty); a view."""
    _check_nd(data, 'transpose')
    s = data._data.shape
    res = _transpose_perm(data, _perm(axes, len(s), 'transpose', s))
    return res if out is None else _write_out(out, res)


def swapaxes(data, dim1=0, dim2=0, out=None, name=None):
    """Interchange two axes; a view."""
    _check_nd(data, 'swapaxes')
    s = data._data.shape
    a = _axis(dim1, len(s), 'swapaxes', s, 'dim1')
    b = _axis(dim2, len(s), 'swapaxes', s, 'dim2')
    res = _lin(data, _swap_raw, (a, b), _swap_raw, (a, b))
    return res if out is None else _write_out(out, res)


SwapAxis = swapaxes


def moveaxis(tensor, source, destination):
    """Move axes ``source`` to positions ``destination`` (``mxnet.nd.moveaxis``); a view."""
    _check_nd(tensor, 'moveaxis', 'tensor')
    s = tensor._data.shape
    src = _axes(source, len(s), 'moveaxis', s, 'source')
    dst = _axes(destination, len(s), 'moveaxis', s, 'destination')
    if len(src) != len(dst) or len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise DistGluError("moveaxis: source %r and destination %r must be lists of distinct "
                           "axes of the same length" % (source, destination))
    order = [a for a in range(len(s)) if a not in src]
    for d, a in sorted(zip(dst, src)):
        order.insert(d, a)
    return _transpose_perm(tensor, tuple(order))


# ---------------------------------------------------------------------- broadcasting

def _broadcast(data, shape):
    return _lin(data, _broadcast_raw, (shape,), _sum_to_raw, (data._data.shape,))


def broadcast_to(data, shape, out=None, name=None):
    """Broadcast size-1 dimensions to ``shape`` (same ndim; a 0 in ``shape`` keeps the dim)."""
    _check_nd(data, 'broadcast_to')
    s = data._data.shape
    shape = _shape_arg(shape, 'broadcast_to')
    if len(shape) != len(s):
        raise DistGluError("broadcast_to: an input of shape %s cannot be broadcast to %s "
                           "(the number of dimensions must match)" % (s, shape))
    new = tuple(d if t == 0 else t for d, t in zip(s, shape))
    for d, t in zip(s, new):
        if d != t and d != 1:
            raise DistGluError("broadcast_to: an input of shape %s cannot be broadcast to %s "
                               "(only size-1 dimensions broadcast)" % (s, shape))
    res = _broadcast(data, new)
    return res if out is None else _write_out(out, res)


def broadcast_axis(data, axis=(), size=(), out=None, name=None):
    """Broadcast the size-1 axes ``axis`` to the sizes ``size``."""
    _check_nd(data, 'broadcast_axis')
    s = data._data.shape
    axes = _axes(axis, len(s), 'broadcast_axis', s)
    sizes = _shape_arg(size, 'broadcast_axis', 'size') if size is not None else ()
    if len(axes) != len(sizes):
        raise DistGluError("broadcast_axis: axis %r and size %r must have the same length"
                           % (axis, size))
    new = list(s)
    for a, n in zip(axes, sizes):
        if s[a] != 1:
            raise DistGluError("broadcast_axis: axis %d of an input of shape %s has size %d; "
                               "only size-1 axes can be broadcast" % (a, s, s[a]))
        new[a] = n
    res = _broadcast(data, tuple(new))
    return res if out is None else _write_out(out, res)


broadcast_axes = broadcast_axis


def broadcast_like(lhs, rhs, lhs_axes=None, rhs_axes=None, out=None, name=None):
    """Broadcast ``lhs`` to ``rhs``'s shape (or its ``lhs_axes`` to ``rhs``'s ``rhs_axes``)."""
    _check_nd(lhs, 'broadcast_like', 'lhs')
    _check_nd(rhs, 'broadcast_like', 'rhs')
    ls, rs = lhs._data.shape, rhs._data.shape
    if lhs_axes is None and rhs_axes is None:
        if len(ls) != len(rs) or any(a != b and a != 1 for a, b in zip(ls, rs)):
            raise DistGluError("broadcast_like: lhs of shape %s cannot be broadcast to rhs's "
                               "shape %s" % (ls, rs))
        new = rs
    else:
        la = _axes(lhs_axes, len(ls), 'broadcast_like', ls, 'lhs_axes')
        ra = _axes(rhs_axes, len(rs), 'broadcast_like', rs, 'rhs_axes')
        if lhs_axes is None or rhs_axes is None or len(la) != len(ra):
            raise DistGluError("broadcast_like: lhs_axes %r and rhs_axes %r must have the "
                               "same length" % (lhs_axes, rhs_axes))
        new = list(ls)
        for a, b in zip(la, ra):
            if ls[a] != 1:
                raise DistGluError("broadcast_like: axis %d of lhs (shape %s) has size %d and "
                                   "cannot be broadcast to %d" % (a, ls, ls[a], rs[b]))
            new[a] = rs[b]
        new = tuple(new)
    res = _broadcast(lhs, new)
    return res if out is None else _write_out(out, res)


def _tile(data, reps):
    return _lin(data, _tile_raw, (reps,), _tile_adj_raw, (data._data.shape, reps))


def tile(data, reps, out=None, name=None):
    """Repeat the whole array ``reps`` times per axis (NumPy's ``tile`` rules for ndim)."""
    _check_nd(data, 'tile')
    reps = _shape_arg(reps, 'tile', 'reps')
    if any(r < 1 for r in reps):
        raise DistGluError("tile: reps must be positive, got %s" % (reps,))
    res = _tile(data, reps)
    return res if out is None else _write_out(out, res)


def _repeat(data, repeats, axis):
    return _lin(data, _repeat_raw, (repeats, axis), _repeat_adj_raw,
                (data._data.shape, repeats, axis))


def repeat(data, repeats, axis=None, out=None, name=None):
    """Repeat each element ``repeats`` times along ``axis`` (the flattened array if None)."""
    _check_nd(data, 'repeat')
    if not isinstance(repeats, _int_types):
        raise DistGluError("repeat: repeats must be an int, got %r" % (repeats,))
    if repeats < 0:
        raise DistGluError("repeat: repeats cannot be negative, got %d" % repeats)
    s = data._data.shape
    ax = None if axis is None else _axis(axis, len(s), 'repeat', s)
    res = _repeat(data, int(repeats), ax)
    return res if out is None else _write_out(out, res)


# ---------------------------------------------------------------------- flip

def _flip(data, axes):
    nd_ = data._data.ndim
    flags = [False] * nd_
    for a in axes:
        flags[a] = not flags[a]  # a repeated axis flips back, as in MXNet
    key = tuple(_slice(None, None, -1) if f else _ALL for f in flags)
    return _lin(data, _take_raw, (key,), _take_raw, (key,))


def flip(data, axis, out=None, name=None):
    """Reverse the order of elements along ``axis`` (an int or a tuple); a view."""
    _check_nd(data, 'flip')
    s = data._data.shape
    res = _flip(data, _axes(axis, len(s), 'flip', s))
    return res if out is None else _write_out(out, res)


reverse = flip


# ---------------------------------------------------------------------- shape/size as arrays

def _int64_array(data, values):
    xp = _xp(data._data)
    with device_scope(data._ctx):
        y = xp.array(values, dtype=np.int64)
    return NDArray._wrap(y, data._ctx)


def shape_array(data, out=None, name=None):
    """The shape as a 1-D int64 array (not differentiable)."""
    _check_nd(data, 'shape_array')
    res = _int64_array(data, data._data.shape)
    return res if out is None else _write_out(out, res)


def size_array(data, out=None, name=None):
    """The number of elements as a (1,) int64 array (not differentiable)."""
    _check_nd(data, 'size_array')
    res = _int64_array(data, (data._data.size,))
    return res if out is None else _write_out(out, res)


# ---------------------------------------------------------------------- NumPy-signature adapters
# (``xp.<name>`` in backward code under create_graph=True; NumPy semantics, no MXNet codes)

def _np_reshape(a, shape=None, newshape=None, order='C'):
    shape = _shape_arg(shape if shape is not None else newshape, 'reshape')
    if -1 in shape:
        known = _prod(v for v in shape if v != -1)
        shape = tuple(a.size // known if v == -1 and known else
                      (0 if v == -1 else v) for v in shape)
    if _prod(shape) != a.size:
        raise _reshape_fail(a.shape, shape, "")
    return _reshape_to(a, shape)


def _np_transpose(a, axes=None):
    return _transpose_perm(a, _perm(axes, a.ndim, 'transpose', a.shape))


def _np_expand_dims(a, axis):
    axes = (axis,) if isinstance(axis, _int_types) else tuple(axis)
    n = a.ndim + len(axes)
    pos = sorted(_axis(ax, n, 'expand_dims', a.shape) for ax in axes)
    it = iter(a.shape)
    return _reshape_to(a, tuple(1 if i in pos else next(it) for i in range(n)))


def _np_squeeze(a, axis=None):
    s = a.shape
    axes = [i for i, v in enumerate(s) if v == 1] if axis is None else \
        _axes(axis, len(s), 'squeeze', s)
    return _reshape_to(a, tuple(v for i, v in enumerate(s) if i not in axes))


def _np_swapaxes(a, axis1, axis2):
    return swapaxes(a, axis1, axis2)


def _np_moveaxis(a, source, destination):
    return moveaxis(a, source, destination)


def _np_broadcast_to(array, shape):
    shape = _shape_arg(shape, 'broadcast_to')
    s = array.shape
    if len(shape) < len(s) or any(d != t and d != 1 for d, t in
                                  zip(s, shape[len(shape) - len(s):])):
        raise DistGluError("broadcast_to: an input of shape %s cannot be broadcast to %s"
                           % (s, shape))
    return _broadcast(array, shape)


def _np_flip(m, axis=None):
    axes = tuple(range(m.ndim)) if axis is None else _axes(axis, m.ndim, 'flip', m.shape)
    return _flip(m, axes)


def _np_tile(A, reps):
    return _tile(A, _shape_arg(reps, 'tile', 'reps'))


def _np_repeat(a, repeats, axis=None):
    ax = None if axis is None else _axis(axis, a.ndim, 'repeat', a.shape)
    return _repeat(a, int(repeats), ax)


def _np_ravel(a, order='C'):
    return _reshape_to(a, (a.size,))


for _name, _fn in (('reshape', _np_reshape), ('transpose', _np_transpose),
                   ('expand_dims', _np_expand_dims), ('squeeze', _np_squeeze),
                   ('swapaxes', _np_swapaxes), ('moveaxis', _np_moveaxis),
                   ('broadcast_to', _np_broadcast_to), ('flip', _np_flip), ('tile', _np_tile),
                   ('repeat', _np_repeat), ('ravel', _np_ravel)):
    _ndxp.register(_name, _fn)
del _name, _fn
