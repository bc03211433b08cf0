"""Pooling and nearest/bilinear up-sampling (``nd.Pooling``, ``nd.UpSampling``).

Pooling works on strided slices of the (padded) input: one vectorised maximum/add per
kernel offset (prod(kernel) iterations, never a loop over pixels, batch items or
channels); global pooling is one reduction. Max-pooling's gradient goes to the first
maximum of each window in row-major window order, as MXNet's CPU operator: a recorded
forward finds it (a small index per window, kept for the backward).
Re-exported from ``conv.py``, which the ops package imports.
"""
import itertools

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _same_device, _write_out, _xp
from .conv import (_check_array, _shape_param, _kernel_param, _layout_param, _check_data_ndim,
                   _to_cf, _to_cl, _is_nd, _prod, Deconvolution)

__all__ = ['Pooling', 'UpSampling']

_POOL_TYPES = ('max', 'avg', 'sum', 'lp')
_CONVENTIONS = ('valid', 'full')


class _PoolSpec:
    """Validated pooling arguments for one input shape (cached by arguments and shape)."""
    __slots__ = ('kind', 'kernel', 'stride', 'pad', 'in_sp', 'out_sp', 'buf_sp', 'p',
                 'count', 'is_global', 'last', 'slices')


_SPEC_CACHE = {}
_SPEC_CACHE_MAX = 4096


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == 'f':
        return np.finfo(dtype).min
    if dtype.kind in 'iu':
        return np.iinfo(dtype).min
    return 0


def _padded(xp, x, spec, fill):
    """x (N, C, *S) in a buffer (N, C, *buf_sp) with ``pad`` before and the rest after."""
    nsp = len(spec.kernel)
    if spec.buf_sp == spec.in_sp:
        return x
    buf = xp.full(x.shape[:2] + spec.buf_sp, fill, dtype=x.dtype)
    buf[(slice(None), slice(None)) + tuple(slice(spec.pad[i], spec.pad[i] + spec.in_sp[i])
                                           for i in range(nsp))] = x
    return buf


def _offset_slices(spec):
    """For every kernel offset (row-major), the strided slice of the buffer it reads."""
    nsp = len(spec.kernel)
    o, s = spec.out_sp, spec.stride
    return [(slice(None), slice(None)) + tuple(slice(k[i], k[i] + s[i] * (o[i] - 1) + 1, s[i])
                                               for i in range(nsp))
            for k in itertools.product(*[range(kk) for kk in spec.kernel])]


def _offsets(spec):
    return spec.slices


def _disjoint(spec):
    """True when no two windows overlap (stride >= kernel on every axis)."""
    return all(s >= k for s, k in zip(spec.stride, spec.kernel))


def _tiles(spec):
    """True when the windows cover the whole buffer, each element exactly once."""
    return all(s == k and o * s == b for s, k, o, b in zip(spec.stride, spec.kernel,
                                                          spec.out_sp, spec.buf_sp))


def _window_reduce(xp, xpd, spec, op):
    slices = spec.slices
    acc = xpd[slices[0]].copy()
    for sl in slices[1:]:
        op(acc, xpd[sl], out=acc)
    return acc


def _max_indexed(xp, xpd, spec):
    """Max pooling that also gives, per window, the offset (row-major window order) of
    its first maximum: the element its gradient goes to.

    The windows' elements are copied once into contiguous planes (one per offset), so
    the maximum and the comparisons run on contiguous arrays; the backward then only
    compares the small index array. Windows with no element equal to their maximum (a
    NaN) get the offset count, which matches no offset (no gradient), as the comparison
    of x with the maximum gives.
    """
    slices = spec.slices
    k = len(slices)
    shape = xpd.shape[:2] + spec.out_sp
    planes = xp.empty((k,) + shape, dtype=xpd.dtype)
    for i, sl in enumerate(slices):
        planes[i] = xpd[sl]
    y = planes[0].copy()
    for i in range(1, k):
        xp.maximum(y, planes[i], out=y)
    itype = np.uint8 if k < 255 else (np.uint16 if k < 65535 else np.int32)
    idx = xp.zeros(shape, dtype=itype)
    hit = xp.empty(shape, dtype=bool)
    free = xp.empty(shape, dtype=bool)     # no maximum found yet
    term = xp.empty(shape, dtype=itype)
    for i in range(k):
        xp.equal(planes[i], y, out=hit)
        if i == 0:
            xp.logical_not(hit, out=free)
            continue
        hit &= free
        free ^= hit
        xp.multiply(hit, itype(i), out=term)
        idx += term
    xp.multiply(free, itype(k), out=term)
    idx += term
    return y, idx


def _scatter(xp, gg, spec, dtype):
    """The transpose of a window sum: add ``gg`` (N, C, *O) into every window, crop."""
    dxp = xp.zeros(gg.shape[:2] + spec.buf_sp, dtype=dtype)
    for sl in _offsets(spec):
        dxp[sl] += gg
    return _crop(xp, dxp, spec) if spec.buf_sp != spec.in_sp else dxp


def _crop(xp, a, spec):
    nsp = len(spec.kernel)
    return xp.ascontiguousarray(a[(slice(None), slice(None)) + tuple(
        slice(spec.pad[i], spec.pad[i] + spec.in_sp[i]) for i in range(nsp))])


def _avg_count(spec, include_pad, dtype):
    """Divisor of each average window, (1, 1, *O), as MXNet: clipped to input + pad when
    padding counts, to the input when it does not."""
    nsp = len(spec.kernel)
    full = 1
    per_axis = []
    for i in range(nsp):
        start = np.arange(spec.out_sp[i]) * spec.stride[i] - spec.pad[i]
        end = start + spec.kernel[i]
        if include_pad:
            c = np.minimum(end, spec.in_sp[i] + spec.pad[i]) - start
        else:
            c = np.minimum(end, spec.in_sp[i]) - np.maximum(start, 0)
        c = np.maximum(c, 1)    # a window wholly in the padding: avoid 0/0 (MXNet gives nan)
        shape = [1] * (nsp + 2)
        shape[2 + i] = spec.out_sp[i]
        per_axis.append(c.reshape(shape))
        full = full * per_axis[-1]
    full = np.asarray(full)
    if (full == _prod(spec.kernel)).all():
        return None                 # every window is whole: divide by the kernel size
    return full.astype(dtype)


def _lp_power(x, p):
    if p == 1:
        return x
    if p == 2:
        return x * x
    return x * x * x


def _lp_root(xp, s, p):
    if p == 1:
        return s
    if p == 2:
        return xp.sqrt(s)
    return xp.cbrt(s)


def _pool_fwd(xp, x, spec):
    kind = spec.kind
    if spec.is_global:
        axes = tuple(range(2, x.ndim))
        if kind == 'max':
            return x.max(axis=axes, keepdims=True)
        if kind == 'avg':
            return x.mean(axis=axes, keepdims=True)
        if kind == 'sum':
            return x.sum(axis=axes, keepdims=True)
        return _lp_root(xp, _lp_power(x, spec.p).sum(axis=axes, keepdims=True), spec.p)
    if kind == 'max':
        return _window_reduce(xp, _padded(xp, x, spec, _lowest(x.dtype)), spec, xp.maximum)
    src = _lp_power(x, spec.p) if kind == 'lp' else x
    y = _window_reduce(xp, _padded(xp, src, spec, 0), spec, xp.add)
    if kind == 'avg':
        if spec.count is None:
            y /= x.dtype.type(_prod(spec.kernel))
        else:
            y /= xp.asarray(spec.count)
    elif kind == 'lp':
        y = _lp_root(xp, y, spec.p)
    return y


def _pool_bwd(xp, g, ins, out, attrs):
    spec, idx = attrs
    if _is_nd(xp):
        raise DistGluError("Pooling: second-order gradients (create_graph=True) through "
                           "Pooling are not supported")
    x = ins[0]
    nsp = len(spec.kernel)
    if spec.last:
        x = x.transpose(_to_cf(nsp))
        g = g.transpose(_to_cf(nsp))
        if out is not None:
            out = out.transpose(_to_cf(nsp))
    dx = _pool_grad(xp, g, x, out, spec, idx)
    if spec.last:
        dx = dx.transpose(_to_cl(nsp))
    return (dx,)


def _pool_grad(xp, g, x, y, spec, idx=None):
    kind = spec.kind
    dtype = x.dtype
    if idx is not None:     # max pooling, first maxima found in the forward
        dxp = (xp.empty if _disjoint(spec) and _tiles(spec) else xp.zeros)(
            x.shape[:2] + spec.buf_sp, dtype=dtype)
        hit = xp.empty(g.shape, dtype=bool)
        share = None if _disjoint(spec) else xp.empty(g.shape, dtype=dtype)
        for i, sl in enumerate(_offsets(spec)):
            xp.equal(idx, i, out=hit)
            if share is None:       # disjoint windows: write each share in place
                xp.multiply(g, hit, out=dxp[sl])
            else:
                xp.multiply(g, hit, out=share)
                dxp[sl] += share
        return _crop(xp, dxp, spec) if spec.buf_sp != spec.in_sp else dxp
    if kind == 'max':
        if spec.is_global:
            n, c = x.shape[:2]
            flat = x.reshape(n * c, -1)
            idx = flat.argmax(axis=1)           # first maximum, as MXNet
            dx = xp.zeros(flat.shape, dtype=dtype)
            dx[xp.arange(n * c), idx] = g.reshape(-1)
            return dx.reshape(x.shape)
        # (a forward that was not recorded): find the first maxima now
        idx = _max_indexed(xp, _padded(xp, x, spec, _lowest(dtype)), spec)[1]
        return _pool_grad(xp, g, x, y, spec, idx)
    if kind == 'sum':
        gg = g
    elif kind == 'avg':
        if spec.is_global:
            return xp.ascontiguousarray(
                xp.broadcast_to(g / dtype.type(_prod(x.shape[2:])), x.shape))
        gg = g / (dtype.type(_prod(spec.kernel)) if spec.count is None
                  else xp.asarray(spec.count))
    else:   # lp: d y / d x_i = x_i^(p-1) / y^(p-1)
        p = spec.p
        gg = g if p == 1 else (g / y if p == 2 else g / (y * y))
    if spec.is_global:
        dx = xp.ascontiguousarray(xp.broadcast_to(gg, x.shape))
    else:
        dx = _scatter(xp, gg, spec, dtype)
    if kind == 'lp' and spec.p > 1:
        dx *= x if spec.p == 2 else x * x
    return dx


def Pooling(data=None, kernel=(), pool_type='max', global_pool=False, cudnn_off=False,
            pooling_convention='valid', stride=(), pad=(), p_value=None,
            count_include_pad=None, layout=None, out=None, name=None, **kwargs):
    """1-D/2-D/3-D max, average, sum or Lp pooling, as MXNet's ``Pooling``.

    data: (N, C, *S) (or channel-last with ``layout='NWC'/'NHWC'/'NDHWC'``).
    stride defaults to 1 and pad to 0 on every axis. Output size per axis:
    ``valid``: floor((S + 2*pad - kernel) / stride) + 1;
    ``full``: ceil((S + 2*pad - kernel) / stride) + 1 (windows may reach past the padding).
    ``avg`` divides by the window size clipped to the padded input when
    ``count_include_pad`` (default True), else by the number of input elements it covers.
    ``lp`` (``p_value`` 1, 2 or 3) is (sum x^p)^(1/p) without absolute values, as MXNet.
    ``global_pool=True`` pools over all spatial axes (kernel, stride and pad ignored).
    Max pooling's gradient goes to the first maximum of each window.
    """
    spec = None
    key = None
    if type(data) is NDArray:
        key = (kernel, pool_type, global_pool, pooling_convention, stride, pad, p_value,
               count_include_pad, layout, data._data.shape, data._data.dtype)
        try:
            spec = _SPEC_CACHE.get(key)
        except TypeError:       # list arguments: no caching
            key = None
    if spec is None:
        spec = _pool_spec(data, kernel, pool_type, global_pool, pooling_convention, stride,
                          pad, p_value, count_include_pad, layout)
        if key is not None:
            if len(_SPEC_CACHE) >= _SPEC_CACHE_MAX:
                _SPEC_CACHE.clear()
            _SPEC_CACHE[key] = spec
    x = data._data
    xp = _xp(x)
    nsp = len(spec.kernel)
    if spec.last:
        x = x.transpose(_to_cf(nsp))
    idx = None
    if (spec.kind == 'max' and not spec.is_global and _ag._recording
            and data._node is not None):
        y, idx = _max_indexed(xp, _padded(xp, x, spec, _lowest(x.dtype)), spec)
    else:
        y = _pool_fwd(xp, x, spec)
    if spec.last:
        y = xp.ascontiguousarray(y.transpose(_to_cl(nsp)))
    res = _result(y, data._ctx, _pool_bwd, (data,), (data,),
                  y if spec.kind == 'lp' or (spec.kind == 'max' and idx is None) else None,
                  (spec, idx))
    return _write_out(out, res)


def _pool_spec(data, kernel, pool_type, global_pool, pooling_convention, stride, pad,
               p_value, count_include_pad, layout):
    opname = 'Pooling'
    _check_array(data, opname, 'data')
    if pool_type not in _POOL_TYPES:
        raise DistGluError("%s: pool_type must be one of %s, got %r"
                           % (opname, _POOL_TYPES, pool_type))
    if pooling_convention not in _CONVENTIONS:
        raise DistGluError("%s: pooling_convention must be 'valid' or 'full', got %r"
                           % (opname, pooling_convention))
    if isinstance(global_pool, str):
        global_pool = global_pool.lower() in ('true', '1')
    spec = _PoolSpec()
    spec.kind = pool_type
    spec.is_global = bool(global_pool)
    spec.p = None
    if pool_type == 'lp':
        if p_value is None:
            raise DistGluError("%s: pool_type='lp' needs p_value (1, 2 or 3)" % opname)
        if int(p_value) not in (1, 2, 3):
            raise DistGluError("%s: p_value must be 1, 2 or 3, got %r" % (opname, p_value))
        spec.p = int(p_value)
    if spec.is_global:
        nsp = data.ndim - 2
        if not 1 <= nsp <= 3:
            raise DistGluError("%s: expected 3-D, 4-D or 5-D input (batch, channel, "
                               "spatial...), got shape %s" % (opname, data.shape))
    else:
        k = _kernel_param(kernel, opname)
        nsp = len(k)
    last = _layout_param(layout, nsp, opname)
    _check_data_ndim(data, nsp, last, opname)
    spec.last = last
    sp = tuple(data.shape[1:-1] if last else data.shape[2:])
    spec.in_sp = sp
    if spec.is_global:
        spec.kernel, spec.stride, spec.pad = sp, (1,) * nsp, (0,) * nsp
        spec.out_sp = spec.buf_sp = (1,) * nsp
        spec.count = None
    else:
        s = _shape_param(stride, nsp, 'stride', opname, 1)
        p = _shape_param(pad, nsp, 'pad', opname, 0)
        if min(s) < 1:
            raise DistGluError("%s: stride must be positive, got %s" % (opname, s))
        if min(p) < 0:
            raise DistGluError("%s: pad must not be negative, got %s" % (opname, p))
        o, buf = [], []
        for i in range(nsp):
            span = sp[i] + 2 * p[i]
            if k[i] > span:
                raise DistGluError("%s: kernel %s exceeds the padded input %s (input %s, "
                                   "pad %s)" % (opname, k, tuple(sp[j] + 2 * p[j]
                                                                 for j in range(nsp)), sp, p))
            if pooling_convention == 'valid':
                oi = (span - k[i]) // s[i] + 1
            else:
                oi = -(-(span - k[i]) // s[i]) + 1
            o.append(oi)
            buf.append(max(span, (oi - 1) * s[i] + k[i]))
        spec.kernel, spec.stride, spec.pad = k, s, p
        spec.out_sp = tuple(o)
        spec.buf_sp = tuple(buf)
        spec.count = None
        if pool_type == 'avg':
            include = True if count_include_pad is None else count_include_pad
            if isinstance(include, str):
                include = include.lower() in ('true', '1')
            spec.count = _avg_count(spec, bool(include), data.dtype)
    spec.slices = None if spec.is_global else _offset_slices(spec)
    return spec


# ----------------------------------------------------------------------------- UpSampling

def _upsample_bwd(xp, g, ins, out, attrs):
    scales, chans, mode = attrs
    grads = []
    c0 = 0
    for sc, c in zip(scales, chans):
        gi = g[:, c0:c0 + c] if mode == 'concat' else g
        if mode == 'concat':
            c0 += c
        n, _, oh, ow = gi.shape
        shp = (n, c, oh // sc, sc, ow // sc, sc)
        grads.append(xp.sum(xp.reshape(gi, shp), axis=(3, 5)))
    return tuple(grads)


def UpSampling(*data, scale=None, sample_type='nearest', num_filter=0,
               multi_input_mode='concat', num_args=None, workspace=512, out=None, name=None,
               **kwargs):
    """Up-sample 4-D (N, C, H, W) inputs by an integer ``scale``, as MXNet's UpSampling.

    ``nearest``: every input is repeated so its spatial size becomes the first input's
    times ``scale`` (each later input's size must divide it); the results are
    concatenated along channels (``multi_input_mode='concat'``) or summed (``'sum'``,
    equal channels needed). ``bilinear``: ``UpSampling(data, weight, scale=s,
    sample_type='bilinear', num_filter=C)`` is a depthwise Deconvolution with weight
    (C, 1, 2s - s%2, 2s - s%2), stride s, pad ceil((s-1)/2).
    """
    opname = 'UpSampling'
    if 'data' in kwargs:
        data = data + (kwargs.pop('data'),)
    if scale is None:
        raise DistGluError("%s: the scale argument is required" % opname)
    scale = int(scale)
    if scale < 1:
        raise DistGluError("%s: scale must be a positive int, got %d" % (opname, scale))
    if not data:
        raise DistGluError("%s: expected at least one input array" % opname)
    for i, a in enumerate(data):
        _check_array(a, opname, 'data[%d]' % i)
        if a.ndim != 4:
            raise DistGluError("%s: input %d should be 4-D (batch, channel, y, x), got shape %s"
                               % (opname, i, a.shape))
        if not _same_device(a._ctx, data[0]._ctx):
            raise DistGluError("%s: all inputs must be on the same context, got %s and %s "
                               "(use as_in_context to move one)" % (opname, data[0]._ctx,
                                                                    a._ctx))
    if sample_type == 'bilinear':
        if len(data) != 2:
            raise DistGluError("%s: sample_type='bilinear' takes 2 inputs (data, weight), got "
                               "%d" % (opname, len(data)))
        x, w = data
        c = x.shape[1]
        if int(num_filter) != c:
            raise DistGluError("%s: bilinear needs num_filter equal to the input channels "
                               "(%d), got %d" % (opname, c, int(num_filter)))
        k = 2 * scale - scale % 2
        p = -(-(scale - 1) // 2)
        if w.shape != (c, 1, k, k):
            raise DistGluError("%s: bilinear weight has shape %s, expected %s = (channels, "
                               "1, 2*scale - scale%%2, 2*scale - scale%%2)"
                               % (opname, w.shape, (c, 1, k, k)))
        return Deconvolution(x, w, kernel=(k, k), stride=(scale, scale), pad=(p, p),
                             num_filter=c, num_group=c, no_bias=True, out=out)
    if sample_type != 'nearest':
        raise DistGluError("%s: sample_type must be 'nearest' or 'bilinear', got %r"
                           % (opname, sample_type))
    if multi_input_mode not in ('concat', 'sum'):
        raise DistGluError("%s: multi_input_mode must be 'concat' or 'sum', got %r"
                           % (opname, multi_input_mode))
    n = data[0].shape[0]
    oh, ow = data[0].shape[2] * scale, data[0].shape[3] * scale
    scales, chans = [], []
    for i, a in enumerate(data):
        if a.shape[0] != n:
            raise DistGluError("%s: input %d has batch size %d, expected %d"
                               % (opname, i, a.shape[0], n))
        h, w_ = a.shape[2:]
        if oh % h or ow % w_ or oh // h != ow // w_:
            raise DistGluError("%s: input %d of spatial size %s does not divide the output "
                               "size %s by one integer factor" % (opname, i, (h, w_), (oh, ow)))
        if multi_input_mode == 'sum' and a.shape[1] != data[0].shape[1]:
            raise DistGluError("%s: multi_input_mode='sum' needs equal channels, input %d has "
                               "%d, input 0 has %d" % (opname, i, a.shape[1], data[0].shape[1]))
        scales.append(oh // h)
        chans.append(a.shape[1])
    raw0 = data[0]._data
    xp = _xp(raw0)
    ctot = sum(chans) if multi_input_mode == 'concat' else chans[0]
    if len(data) == 1 or multi_input_mode == 'concat':
        y = xp.empty((n, ctot, oh, ow), dtype=raw0.dtype)
    else:
        y = xp.zeros((n, ctot, oh, ow), dtype=raw0.dtype)
    c0 = 0
    for a, sc, c in zip(data, scales, chans):
        h, w_ = a.shape[2:]
        dst = y[:, c0:c0 + c] if multi_input_mode == 'concat' else y
        # splitting the two trailing axes of a channel slice is always a view
        view = dst.reshape(n, c, h, sc, w_, sc)
        src = a._data[:, :, :, None, :, None]
        if len(data) == 1 or multi_input_mode == 'concat':
            view[...] = src
        else:
            view += src
        if multi_input_mode == 'concat':
            c0 += c
    res = _result(y, data[0]._ctx, _upsample_bwd, tuple(data), (), None,
                  (tuple(scales), tuple(chans), 'concat' if len(data) == 1
                   else multi_input_mode))
    return _write_out(out, res)
