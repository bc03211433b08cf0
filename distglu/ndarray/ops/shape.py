"""Shape manipulation: reshape, transpose, broadcast, concat/split, slice, pad, diag...

MXNet 1.x names, arguments and semantics (``mxnet.nd.reshape`` and its codes 0/-1/-2/-3/-4,
``concat`` along ``dim=1`` by default, ``split`` returning one NDArray when
``num_outputs == 1``, ``squeeze`` of an all-ones shape giving ``(1,)``...).

Views: where NumPy returns a view (reshape, flatten, expand_dims, squeeze, transpose,
swapaxes, flip, slice, split) the result shares memory with the input, as the method
``NDArray.reshape`` does in MXNet. MXNet's operators (``nd.reshape``, ``nd.transpose``)
copy; distglu does not, so writing into such a result in place writes into its input.

Where distglu deliberately differs from MXNet 1.9: negative axes are accepted everywhere
(MXNet rejects them in transpose/flip/broadcast_axis); ``reshape`` infers a -1 that follows
-2 (MXNet 1.9 computes a wrong shape there); ``pad`` also accepts integer arrays.

Every differentiable operator here is linear (constant ``pad`` is affine); each records
its forward with the raw function of its adjoint (:func:`_lin`). Under
``create_graph=True`` the backward applies the adjoint as a recorded operator whose own
adjoint is the forward, so gradients of any order work and no backward here depends on
another family's operators.
"""
import builtins

import numpy as np

from ...base import DistGluError
from ...context import device_scope
from ..ndarray import NDArray
from .. import _ndxp
from ._core import _result, _results, _write_out, _sum_to, _check_ctx, _check_nd, _xp

__all__ = ['reshape', 'Reshape', 'reshape_like', 'flatten', 'Flatten', 'expand_dims',
           'squeeze', 'transpose', 'swapaxes', 'SwapAxis', 'moveaxis', 'broadcast_to',
           'broadcast_axis', 'broadcast_axes', 'broadcast_like', 'tile', 'repeat', 'concat',
           'Concat', 'stack', 'split', 'SliceChannel', 'split_v2', 'slice', 'crop',
           'slice_axis', 'slice_like', 'flip', 'reverse', 'pad', 'Pad', 'diag',
           'depth_to_space', 'space_to_depth', 'shape_array', 'size_array']

_int_types = (int, np.integer)
_slice = builtins.slice  # the module defines its own ``slice`` operator
_ALL = _slice(None)


# ---------------------------------------------------------------------- linear-map machinery

def _lin(data, fn, args, adj, adj_args):
    """``fn(xp, x, *args)`` on ``data``; its vjp is ``adj(xp, g, *adj_args)``."""
    x = data._data
    return _result(fn(_xp(x), x, *args), data._ctx, _lin_bwd, (data,), (), None,
                   (fn, args, adj, adj_args))


def _record_lin(y, data, fn, args, adj, adj_args):
    """Wrap an already computed ``y`` whose linear part is ``fn`` (affine forwards: pad)."""
    return _result(y, data._ctx, _lin_bwd, (data,), (), None, (fn, args, adj, adj_args))


def _lin_bwd(xp, g, ins, out, attrs):
    fn, args, adj, adj_args = attrs
    if xp is _ndxp:
        return (_lin(g, adj, adj_args, fn, args),)
    return (adj(xp, g, *adj_args),)


def _reshape_raw(xp, x, shape):
    return x.reshape(shape)


def _transpose_raw(xp, x, axes):
    return x.transpose(axes)


def _swap_raw(xp, x, a, b):
    return x.swapaxes(a, b)


def _take_raw(xp, x, key):
    return x[key]


def _put_raw(xp, g, shape, key):
    z = xp.zeros(shape, dtype=g.dtype)
    z[key] = g
    return z


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


def _take(xp, g, key):
    """``g[key]`` in a backward pass (recorded under create_graph)."""
    if xp is _ndxp:
        return _lin(g, _take_raw, (key,), _put_raw, (g.shape, key))
    return g[key]


def _zeros_for(xp, ref, shape):
    """Zeros of ``shape`` like ``ref`` (a constant NDArray under create_graph)."""
    if xp is _ndxp:
        raw = ref._data
        return NDArray._wrap(_xp(raw).zeros(shape, dtype=raw.dtype), ref._ctx)
    return xp.zeros(shape, dtype=ref.dtype)


# ---------------------------------------------------------------------- helpers

def _shape_arg(shape, opname, what='shape'):
    if isinstance(shape, _int_types):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s must be an int or a tuple of ints, got %r"
                           % (opname, what, shape)) from err


def _axis(a, ndim, opname, shape, what='axis', extra=0):
    """Normalize one axis to [0, ndim+extra); ``extra=1`` for insert positions."""
    try:
        a = int(a)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s must be an int, got %r" % (opname, what, a)) from err
    n = ndim + extra
    if not -n <= a < n:
        raise DistGluError("%s: %s=%d is out of range for an input of shape %s (allowed: "
                           "%d to %d)" % (opname, what, a, shape, -n, n - 1))
    return a + n if a < 0 else a


def _axes(axis, ndim, opname, shape, what='axis'):
    if axis is None:
        return ()
    if isinstance(axis, _int_types):
        axis = (axis,)
    return tuple(_axis(a, ndim, opname, shape, what) for a in axis)


def _prod(s):
    p = 1
    for v in s:
        p *= v
    return p


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


# ---------------------------------------------------------------------- concat / stack

def _gather_inputs(data, opname):
    if len(data) == 1 and isinstance(data[0], (list, tuple)):
        data = tuple(data[0])
    if not data:
        raise DistGluError("%s: expected at least one NDArray" % opname)
    first = data[0]
    for i, d in enumerate(data):
        _check_nd(d, opname, 'input %d' % i)
        if d._ctx is not first._ctx:
            _check_ctx(first, d, opname)
        if d._data.dtype != first._data.dtype:
            raise DistGluError("%s: all inputs must have the same dtype, input 0 is %s and "
                               "input %d is %s" % (opname, first._data.dtype, i, d._data.dtype))
    return data


def _concat_bwd(xp, g, ins, out, attrs):
    return tuple(_take(xp, g, k) for k in attrs)


def _concat(data, axis):
    raws = [d._data for d in data]
    y = _xp(raws[0]).concatenate(raws, axis=axis)
    keys = []
    off = 0
    pre = (_ALL,) * axis
    for r in raws:
        n = r.shape[axis]
        keys.append(pre + (_slice(off, off + n),))
        off += n
    return _result(y, data[0]._ctx, _concat_bwd, tuple(data), (), None, tuple(keys))


def concat(*data, dim=1, num_args=None, out=None, name=None):
    """Join arrays along ``dim`` (MXNet's default is 1); all other dims must match."""
    data = _gather_inputs(data, 'concat')
    s0 = data[0]._data.shape
    axis = _axis(dim, len(s0), 'concat', s0, 'dim')
    for i, d in enumerate(data[1:], 1):
        s = d._data.shape
        if len(s) != len(s0) or any(a != b for k, (a, b) in enumerate(zip(s, s0)) if k != axis):
            raise DistGluError("concat: input %d has shape %s, input 0 has shape %s; all "
                               "dimensions but dim=%d must match" % (i, s, s0, axis))
    res = _concat(data, axis)
    return res if out is None else _write_out(out, res)


Concat = concat


def _stack_bwd(xp, g, ins, out, attrs):
    return tuple(_take(xp, g, k) for k in attrs)


def _stack(data, axis):
    raws = [d._data for d in data]
    y = _xp(raws[0]).stack(raws, axis=axis)
    pre = (_ALL,) * axis
    keys = tuple(pre + (i,) for i in range(len(raws)))
    return _result(y, data[0]._ctx, _stack_bwd, tuple(data), (), None, keys)


def stack(*data, axis=0, num_args=None, out=None, name=None):
    """Join same-shape arrays along a new axis ``axis``."""
    data = _gather_inputs(data, 'stack')
    s0 = data[0]._data.shape
    for i, d in enumerate(data[1:], 1):
        if d._data.shape != s0:
            raise DistGluError("stack: all inputs must have the same shape, input 0 has %s and "
                               "input %d has %s" % (s0, i, d._data.shape))
    ax = _axis(axis, len(s0), 'stack', s0, extra=1)
    res = _stack(data, ax)
    return res if out is None else _write_out(out, res)


# ---------------------------------------------------------------------- split

def _split_bwd(xp, gs, ins, out, attrs):
    in_shape, axis, sizes, squeezed = attrs
    ref = next(g for g in gs if g is not None)
    parts = []
    for g, n in zip(gs, sizes):
        shp = in_shape[:axis] + (n,) + in_shape[axis + 1:]
        if g is None:
            g = _zeros_for(xp, ref, shp)
        elif squeezed:
            g = xp.reshape(g, shp)
        parts.append(g)
    return (xp.concatenate(parts, axis=axis),)


def _split_at(data, axis, bounds, squeeze_axis):
    """Views ``data[..., b0:b1, ...]`` for consecutive bounds; one NDArray if only one."""
    x = data._data
    pre = (_ALL,) * axis
    squeezed = bool(squeeze_axis)
    keys = [pre + ((b0 if squeezed else _slice(b0, b1)),) for b0, b1 in zip(bounds, bounds[1:])]
    if len(keys) == 1:
        return _lin(data, _take_raw, (keys[0],), _put_raw, (x.shape, keys[0]))
    sizes = tuple(b1 - b0 for b0, b1 in zip(bounds, bounds[1:]))
    return _results([x[k] for k in keys], data._ctx, _split_bwd, (data,), (), None,
                    (x.shape, axis, sizes, squeezed))


def split(data, num_outputs, axis=1, squeeze_axis=False, out=None, name=None):
    """Split into ``num_outputs`` equal parts along ``axis`` (a list; one NDArray if 1)."""
    _check_nd(data, 'split')
    s = data._data.shape
    ax = _axis(axis, len(s), 'split', s)
    n = int(num_outputs)
    if n < 1:
        raise DistGluError("split: num_outputs must be at least 1, got %d" % n)
    if s[ax] % n:
        raise DistGluError("split: cannot split axis %d of an input of shape %s into "
                           "num_outputs=%d equal parts: %d does not divide %d"
                           % (ax, s, n, n, s[ax]))
    if squeeze_axis and s[ax] != n:
        raise DistGluError("split: squeeze_axis=True needs the size of axis %d (%d) to equal "
                           "num_outputs=%d (input shape %s)" % (ax, s[ax], n, s))
    step = s[ax] // n
    res = _split_at(data, ax, [i * step for i in range(n + 1)], squeeze_axis)
    if out is not None:
        for o, r in zip(out if isinstance(out, (list, tuple)) else [out],
                        res if isinstance(res, list) else [res]):
            _write_out(o, r)
        return out
    return res


SliceChannel = split


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split at indices (a tuple) or into N equal sections (an int), like ``numpy.split``."""
    _check_nd(ary, 'split_v2', 'ary')
    s = ary._data.shape
    ax = _axis(axis, len(s), 'split_v2', s)
    size = s[ax]
    if isinstance(indices_or_sections, _int_types):
        n = int(indices_or_sections)
        if n < 1 or size % n:
            raise DistGluError("split_v2: cannot split axis %d of an input of shape %s into %d "
                               "equal sections" % (ax, s, n))
        bounds = [i * (size // n) for i in range(n + 1)]
    elif isinstance(indices_or_sections, (tuple, list)):
        bounds = [0] + [int(i) for i in indices_or_sections] + [size]
        for b0, b1 in zip(bounds, bounds[1:]):
            if b0 > b1 or b1 > size:
                raise DistGluError("split_v2: indices %s must be sorted and at most the size "
                                   "%d of axis %d (input shape %s)"
                                   % (tuple(indices_or_sections), size, ax, s))
    else:
        raise DistGluError("split_v2: indices_or_sections must be an int or a tuple of ints, "
                           "got %r" % (indices_or_sections,))
    if squeeze_axis and any(b1 - b0 != 1 for b0, b1 in zip(bounds, bounds[1:])):
        raise DistGluError("split_v2: squeeze_axis=True needs every section to have size 1 "
                           "along axis %d (input shape %s)" % (ax, s))
    return _split_at(ary, ax, bounds, squeeze_axis)


# ---------------------------------------------------------------------- slicing

def _opt_tuple(v, opname, what):
    if v is None:
        return ()
    if isinstance(v, _int_types):
        return (int(v),)
    try:
        return tuple(None if e is None else int(e) for e in v)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s must be a tuple of ints or None, got %r"
                           % (opname, what, v)) from err


def _sliced(data, key):
    return _lin(data, _take_raw, (key,), _put_raw, (data._data.shape, key))


def slice(data, begin, end, step=None, out=None, name=None):  # noqa: A001
    """``data[b0:e0:s0, b1:e1:s1, ...]`` for the leading ``len(begin)`` axes; a view.

    ``None`` entries mean the default (as in Python slicing, negative steps included).
    """
    _check_nd(data, 'slice')
    s = data._data.shape
    b = _opt_tuple(begin, 'slice', 'begin')
    e = _opt_tuple(end, 'slice', 'end')
    st = _opt_tuple(step, 'slice', 'step')
    if len(b) != len(e):
        raise DistGluError("slice: begin %r and end %r must have the same length" % (b, e))
    if len(b) > len(s):
        raise DistGluError("slice: begin %r has more entries than the %d axes of an input "
                           "of shape %s" % (b, len(s), s))
    if st and len(st) != len(b):
        raise DistGluError("slice: step %r and begin %r must have the same length" % (st, b))
    if not st:
        st = (None,) * len(b)
    if 0 in st:
        raise DistGluError("slice: step cannot be 0, got %r" % (st,))
    key = tuple(map(_slice, b, e, st))
    res = _sliced(data, key)
    return res if out is None else _write_out(out, res)


crop = slice


def slice_axis(data, axis, begin, end, out=None, name=None):
    """``data`` restricted to ``begin:end`` along ``axis`` (``end=None``: to the end)."""
    _check_nd(data, 'slice_axis')
    s = data._data.shape
    ax = _axis(axis, len(s), 'slice_axis', s)
    n = s[ax]
    if not isinstance(begin, _int_types) or not (end is None or isinstance(end, _int_types)):
        raise DistGluError("slice_axis: begin must be an int and end an int or None, got "
                           "begin=%r, end=%r" % (begin, end))
    b = int(begin)
    e = n if end is None else int(end)
    b0 = b + n if b < 0 else b
    e0 = e + n if e < 0 else e
    if not 0 <= b0 < e0 <= n:
        raise DistGluError("slice_axis: invalid begin=%d, end=%s for axis %d of size %d "
                           "(input shape %s)" % (b, end, ax, n, s))
    res = _sliced(data, (_ALL,) * ax + (_slice(b0, e0),))
    return res if out is None else _write_out(out, res)


def slice_like(data, shape_like, axes=(), out=None, name=None):
    """Slice ``data`` from 0 to ``shape_like``'s sizes on ``axes`` (all axes if empty)."""
    _check_nd(data, 'slice_like')
    _check_nd(shape_like, 'slice_like', 'shape_like')
    s, t = data._data.shape, shape_like.shape
    if axes is None or axes == ():
        if len(s) != len(t):
            raise DistGluError("slice_like: without axes both inputs need the same number of "
                               "dimensions, got shapes %s and %s" % (s, t))
        axs = range(len(s))
    else:
        axs = _axes(axes, len(s), 'slice_like', s, 'axes')
    key = [_ALL] * len(s)
    for a in axs:
        if a >= len(t):
            raise DistGluError("slice_like: axis %d does not exist in shape_like of shape %s"
                               % (a, t))
        if t[a] > s[a]:
            raise DistGluError("slice_like: shape_like's size %d on axis %d exceeds the input's "
                               "%d (shapes %s and %s)" % (t[a], a, s[a], s, t))
        key[a] = _slice(0, t[a])
    res = _sliced(data, tuple(key))
    return res if out is None else _write_out(out, res)


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


# ---------------------------------------------------------------------- pad

_PAD_MODES = ('constant', 'edge', 'reflect')


def _pad_raw(xp, x, widths, mode, value=0):
    if mode == 'constant':
        shp = tuple(n + b + e for n, (b, e) in zip(x.shape, widths))
        z = xp.full(shp, value, dtype=x.dtype) if value else xp.zeros(shp, dtype=x.dtype)
        z[tuple(_slice(b, b + n) for n, (b, _) in zip(x.shape, widths))] = x
        return z
    return xp.pad(x, widths, mode=mode)


def _pad_adj_raw(xp, g, widths, mode, in_shape):
    if mode == 'constant':
        return g[tuple(_slice(b, b + n) for n, (b, _) in zip(in_shape, widths))]
    for a, (b, e) in enumerate(widths):
        if not b and not e:
            continue
        n = in_shape[a]
        pre = (_ALL,) * a
        core = g[pre + (_slice(b, b + n),)].copy()
        if mode == 'edge':
            if b:
                core[pre + (_slice(0, 1),)] += g[pre + (_slice(0, b),)].sum(
                    axis=a, keepdims=True, dtype=g.dtype)
            if e:
                core[pre + (_slice(n - 1, n),)] += g[pre + (_slice(b + n, None),)
                                                            ].sum(axis=a, keepdims=True,
                                                                  dtype=g.dtype)
        else:  # reflect: y[i] = x[b - i] before the core, y[b + n + j] = x[n - 2 - j] after
            if b:
                core[pre + (_slice(1, b + 1),)] += g[pre + (_slice(b - 1, None,
                                                                                   -1),)]
            if e:
                core[pre + (_slice(n - 1 - e, n - 1),)] += g[
                    pre + (_slice(b + n + e - 1, b + n - 1, -1),)]
        g = core
    return g


def _pad(data, widths, mode, value, opname):
    x = data._data
    if mode not in _PAD_MODES:
        raise DistGluError("%s: mode must be one of 'constant', 'edge', 'reflect', got %r"
                           % (opname, mode))
    if mode == 'reflect':
        for n, (b, e) in zip(x.shape, widths):
            if b >= n or e >= n:
                raise DistGluError("%s: reflect padding must be smaller than the input size on "
                                   "every axis, got pad_width %s for shape %s"
                                   % (opname, widths, x.shape))
    elif mode == 'edge' and any(n == 0 and (b or e) for n, (b, e) in zip(x.shape, widths)):
        raise DistGluError("%s: cannot edge-pad an empty axis (shape %s)" % (opname, x.shape))
    y = _pad_raw(_xp(x), x, widths, mode, value)
    lin = (widths, mode, 0) if mode == 'constant' else (widths, mode)
    return _record_lin(y, data, _pad_raw, lin, _pad_adj_raw, (widths, mode, x.shape))


def pad(data, mode='constant', pad_width=None, constant_value=0.0, out=None, name=None):
    """Pad a 4-D or 5-D array (``mxnet.nd.pad``): modes 'constant', 'edge', 'reflect'.

    ``pad_width`` has 2*ndim entries, (before, after) for each axis in order; the first
    four (batch and channel axes) must be 0. Reflect padding must be smaller than the size.
    """
    _check_nd(data, 'pad')
    s = data._data.shape
    if len(s) not in (4, 5):
        raise DistGluError("pad: only 4-D and 5-D inputs are supported (as in MXNet), got "
                           "shape %s" % (s,))
    if pad_width is None:
        raise DistGluError("pad: pad_width is required, e.g. (0, 0, 0, 0, 1, 1, 1, 1)")
    pw = _shape_arg(pad_width, 'pad', 'pad_width')
    if len(pw) != 2 * len(s):
        raise DistGluError("pad: pad_width must have %d entries for an input of shape %s, got "
                           "%d" % (2 * len(s), s, len(pw)))
    if any(pw[:4]) or any(v < 0 for v in pw):
        raise DistGluError("pad: pad_width %s must be non-negative and 0 on the first two axes"
                           % (pw,))
    widths = tuple(zip(pw[0::2], pw[1::2]))
    value = constant_value
    if data._data.dtype.kind in 'iub':
        value = data._data.dtype.type(value)
    res = _pad(data, widths, mode, value, 'pad')
    return res if out is None else _write_out(out, res)


Pad = pad


# ---------------------------------------------------------------------- diag, depth/space

def _diag_index(xp, length, k):
    r = xp.arange(length)
    return r + max(-k, 0), r + max(k, 0)


def _diag_take_raw(xp, x, k, a1, a2):
    return xp.diagonal(x, k, a1, a2).copy()


def _diag_put_raw(xp, g, shape, k, a1, a2):
    z = xp.zeros(shape, dtype=g.dtype)
    zv = xp.moveaxis(z, (a1, a2), (-2, -1))
    i, j = _diag_index(xp, g.shape[-1], k)
    zv[..., i, j] = g
    return z


def diag(data, k=0, axis1=0, axis2=1, out=None, name=None):
    """1-D input: a square matrix with ``data`` on diagonal ``k``; N-D: the diagonals of the
    ``(axis1, axis2)`` planes, appended as the last axis (as ``numpy.diagonal``).
    """
    _check_nd(data, 'diag')
    s = data._data.shape
    k = int(k)
    if len(s) == 0:
        raise DistGluError("diag: expected an array with at least 1 dimension, got shape ()")
    if len(s) == 1:
        n = s[0] + abs(k)
        res = _lin(data, _diag_put_raw, ((n, n), k, 0, 1), _diag_take_raw, (k, 0, 1))
    else:
        a1 = _axis(axis1, len(s), 'diag', s, 'axis1')
        a2 = _axis(axis2, len(s), 'diag', s, 'axis2')
        if a1 == a2:
            raise DistGluError("diag: axis1 and axis2 cannot refer to the same axis %d" % a1)
        if not -s[a1] <= k <= s[a2]:
            raise DistGluError("diag: diagonal k=%d does not exist for axes (%d, %d) of an "
                               "input of shape %s" % (k, a1, a2, s))
        res = _lin(data, _diag_take_raw, (k, a1, a2), _diag_put_raw, (s, k, a1, a2))
    return res if out is None else _write_out(out, res)


def _d2s_raw(xp, x, b):
    n, c, h, w = x.shape
    c2 = c // (b * b)
    return x.reshape(n, b, b, c2, h, w).transpose(0, 3, 4, 1, 5, 2).reshape(n, c2, h * b, w * b)


def _s2d_raw(xp, x, b):
    n, c, h, w = x.shape
    return x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4).reshape(
        n, c * b * b, h // b, w // b)


def _block(data, block_size, opname):
    _check_nd(data, opname)
    s = data._data.shape
    if len(s) != 4:
        raise DistGluError("%s: expected a 4-D (N, C, H, W) input, got shape %s" % (opname, s))
    b = int(block_size)
    if b < 1:
        raise DistGluError("%s: block_size must be positive, got %d" % (opname, b))
    return s, b


def depth_to_space(data, block_size, out=None, name=None):
    """(N, C, H, W) -> (N, C/b^2, H*b, W*b): move depth blocks into spatial blocks."""
    s, b = _block(data, block_size, 'depth_to_space')
    if s[1] % (b * b):
        raise DistGluError("depth_to_space: the depth %d of an input of shape %s must be a "
                           "multiple of block_size^2 = %d" % (s[1], s, b * b))
    res = _lin(data, _d2s_raw, (b,), _s2d_raw, (b,))
    return res if out is None else _write_out(out, res)


def space_to_depth(data, block_size, out=None, name=None):
    """(N, C, H, W) -> (N, C*b^2, H/b, W/b): the inverse of ``depth_to_space``."""
    s, b = _block(data, block_size, 'space_to_depth')
    if s[2] % b or s[3] % b:
        raise DistGluError("space_to_depth: height and width of an input of shape %s must be "
                           "multiples of block_size %d" % (s, b))
    res = _lin(data, _s2d_raw, (b,), _d2s_raw, (b,))
    return res if out is None else _write_out(out, res)


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


def _np_concatenate(arrays, axis=0):
    arrays = list(arrays)
    if axis is None:
        arrays = [_reshape_to(a, (a.size,)) for a in arrays]
        axis = 0
    return concat(*arrays, dim=axis)


def _np_stack(arrays, axis=0):
    return stack(*arrays, axis=axis)


def _np_flip(m, axis=None):
    axes = tuple(range(m.ndim)) if axis is None else _axes(axis, m.ndim, 'flip', m.shape)
    return _flip(m, axes)


def _np_tile(A, reps):
    return _tile(A, _shape_arg(reps, 'tile', 'reps'))


def _np_repeat(a, repeats, axis=None):
    ax = None if axis is None else _axis(axis, a.ndim, 'repeat', a.shape)
    return _repeat(a, int(repeats), ax)


def _np_pad(array, pad_width, mode='constant', constant_values=0):
    w = np.asarray(pad_width, dtype=np.int64)
    w = np.broadcast_to(w.reshape(-1, 2) if w.ndim else w, (array.ndim, 2))
    return _pad(array, tuple((int(b), int(e)) for b, e in w), mode, constant_values, 'pad')


def _np_diagonal(a, offset=0, axis1=0, axis2=1):
    return diag(a, offset, axis1, axis2)


def _np_ravel(a, order='C'):
    return _reshape_to(a, (a.size,))


for _name, _fn in (('reshape', _np_reshape), ('transpose', _np_transpose),
                   ('expand_dims', _np_expand_dims), ('squeeze', _np_squeeze),
                   ('swapaxes', _np_swapaxes), ('moveaxis', _np_moveaxis),
                   ('broadcast_to', _np_broadcast_to), ('concatenate', _np_concatenate),
                   ('stack', _np_stack), ('flip', _np_flip), ('tile', _np_tile),
                   ('repeat', _np_repeat), ('pad', _np_pad), ('diagonal', _np_diagonal),
                   ('ravel', _np_ravel)):
    _ndxp.register(_name, _fn)
del _name, _fn
