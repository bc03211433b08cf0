"""Joining and splitting arrays: ``concat``, ``stack``, ``split``, ``split_v2`` and the
slices ``slice``/``crop``, ``slice_axis``, ``slice_like`` (one part of a split).

MXNet 1.x names, arguments and semantics (``concat`` along ``dim=1`` by default, ``split``
returning one NDArray when ``num_outputs == 1``...). ``slice`` and ``split`` return views
of their input, where MXNet copies: writing into such a result in place writes into its
input. Linear operators recorded with their adjoints (see ``_linmap``).
"""
from ...base import DistGluError
from ..ndarray import NDArray
from .. import _ndxp
from ._core import _result, _results, _write_out, _check_ctx, _check_nd, _xp
from ._linmap import _int_types, _slice, _ALL, _lin, _take_raw, _put_raw, _axis, _axes
from .shape import _reshape_to

__all__ = ['concat', 'Concat', 'stack', 'split', 'SliceChannel', 'split_v2', 'slice', 'crop',
           'slice_axis', 'slice_like']


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


def _parts_bwd(xp, g, ins, out, keys):
    """The gradient of each joined input: its part ``g[key]`` of the output gradient."""
    return tuple(_take(xp, g, k) for k in keys)


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
    return _result(y, data[0]._ctx, _parts_bwd, tuple(data), (), None, tuple(keys))


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


def _stack(data, axis):
    raws = [d._data for d in data]
    y = _xp(raws[0]).stack(raws, axis=axis)
    pre = (_ALL,) * axis
    keys = tuple(pre + (i,) for i in range(len(raws)))
    return _result(y, data[0]._ctx, _parts_bwd, tuple(data), (), None, keys)


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


# ---------------------------------------------------------------------- NumPy-signature adapters
# (``xp.<name>`` in backward code under create_graph=True)

def _np_concatenate(arrays, axis=0):
    arrays = list(arrays)
    if axis is None:
        arrays = [_reshape_to(a, (a.size,)) for a in arrays]
        axis = 0
    return concat(*arrays, dim=axis)


def _np_stack(arrays, axis=0):
    return stack(*arrays, axis=axis)


_ndxp.register('concatenate', _np_concatenate)
_ndxp.register('stack', _np_stack)
