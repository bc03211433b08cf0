"""Operators that lay elements out anew: ``pad`` (borders: constant, edge, reflect),
``diag`` (diagonals in and out of matrices), ``depth_to_space`` / ``space_to_depth``
(channel blocks to spatial blocks and back).

MXNet 1.x names, arguments and semantics; where distglu deliberately differs from MXNet
1.9: ``pad`` also accepts integer arrays.
Linear (constant ``pad``: affine) operators recorded with their adjoints (see ``_linmap``).
"""
import numpy as np

from ...base import DistGluError
from .. import _ndxp
from ._core import _write_out, _check_nd, _xp
from ._linmap import _slice, _ALL, _lin, _record_lin, _shape_arg, _axis

__all__ = ['pad', 'Pad', 'diag', 'depth_to_space', 'space_to_depth']


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
                core[pre + (_slice(n - 1, n),)] += g[pre + (_slice(b + n, None),)].sum(
                    axis=a, keepdims=True, dtype=g.dtype)
        else:  # reflect: y[i] = x[b - i] before the core, y[b + n + j] = x[n - 2 - j] after
            if b:
                core[pre + (_slice(1, b + 1),)] += g[pre + (_slice(b - 1, None, -1),)]
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


# ---------------------------------------------------------------------- NumPy-signature adapters
# (``xp.<name>`` in backward code under create_graph=True)

def _np_pad(array, pad_width, mode='constant', constant_values=0):
    w = np.asarray(pad_width, dtype=np.int64)
    w = np.broadcast_to(w.reshape(-1, 2) if w.ndim else w, (array.ndim, 2))
    return _pad(array, tuple((int(b), int(e)) for b, e in w), mode, constant_values, 'pad')


def _np_diagonal(a, offset=0, axis1=0, axis2=1):
    return diag(a, offset, axis1, axis2)


_ndxp.register('pad', _np_pad)
_ndxp.register('diagonal', _np_diagonal)
