"""MXNet 1.x's legacy output layers and other older operators (``SoftmaxOutput``, ...).

The output layers (``SoftmaxOutput``, the regression outputs, ``SVMOutput``) are loss layers
in disguise: the forward returns the prediction, and the backward returns the gradient of the
matching loss with respect to ``data``, *ignoring the incoming head gradient* as MXNet 1.9.1
does. ``label`` never receives a gradient.
"""
import itertools
import math
import warnings

import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _write_out, _check_ctx, _check_nd, _xp
from .elemwise import _erf_fwd

__all__ = ['SoftmaxOutput', 'Softmax', 'LinearRegressionOutput', 'LogisticRegressionOutput',
           'MAERegressionOutput', 'SVMOutput', 'erfinv', 'histogram', 'onehot_encode',
           'choose_element_0index', 'fill_element_0index', 'Crop', 'im2col', 'col2im']


def _const_grad(g, raw):
    """The fixed gradient ``raw`` as ``g``'s kind: raw array, or a constant NDArray when the
    backward records a graph (create_graph=True); it does not depend on ``g``."""
    if isinstance(g, NDArray):
        return NDArray._wrap(raw, g._ctx)
    return raw


def _fixed_bwd(xp, g, ins, out, attrs):
    """Backward of the output layers: the gradient was fixed at forward time by a closure."""
    return (_const_grad(g, attrs()),)


def _check_label(data, label, opname):
    _check_nd(data, opname)
    _check_nd(label, opname, 'label')
    if data._ctx is not label._ctx:
        _check_ctx(data, label, opname)


# ----------------------------------------------------------------------- SoftmaxOutput

_NORMS = ('null', 'batch', 'valid')


def _softmax_last(xp, x):
    e = xp.exp(x - xp.max(x, axis=-1, keepdims=True))
    e /= xp.sum(e, axis=-1, keepdims=True)
    return e


def SoftmaxOutput(data, label, grad_scale=1, ignore_label=-1, multi_output=False,
                  use_ignore=False, preserve_shape=False, normalization='null',
                  out_grad=False, smooth_alpha=0, out=None, name=None, **kwargs):
    """Softmax forward with the cross-entropy gradient ``softmax(data) - onehot(label)``
    as backward (MXNet 1.9.1's SoftmaxOutput; the head gradient is ignored).

    Layouts (as MXNet): ``multi_output``: data (n, k, d1, ...), softmax over axis 1, label
    (n, d1, ...) or (n, d1*...); ``preserve_shape``: softmax over the last axis, label
    data.shape[:-1]; default: data flattened to (n, -1) and softmax over it, label of shape
    data.shape[:-1] of which (flattened) the first n entries are the class indices. A label
    of data's shape is a probability target: gradient ``(softmax - label) * grad_scale``,
    with no normalization (as MXNet).
    Gradient scale: ``grad_scale`` divided by 1 ('null'), the label size ('batch') or the
    number of labels != ignore_label ('valid', at least 1); with ``multi_output`` 'null'
    divides by d1*... as MXNet does. ``use_ignore`` zeroes positions whose label is
    ``ignore_label``. ``smooth_alpha`` puts 1-alpha on the label and alpha/(k-1) on the
    other classes (not applied with ``multi_output``, as MXNet). ``out_grad=True``
    multiplies the gradient by the softmax output (what MXNet 1.9.1 computes, whatever the
    head gradient is).
    """
    _check_label(data, label, 'SoftmaxOutput')
    if normalization not in _NORMS:
        raise DistGluError("SoftmaxOutput: normalization must be one of %s, got %r"
                           % (_NORMS, normalization))
    x = data._data
    lab = label._data
    xp = _xp(x)
    dshape = x.shape
    lshape = lab.shape
    soft = lshape == dshape
    if x.ndim < 1 or (x.ndim < 2 and not soft and not preserve_shape):
        raise DistGluError("SoftmaxOutput: data must have shape (batch, classes, ...), got %s"
                           % (dshape,))
    if multi_output:
        if x.ndim < 2:
            raise DistGluError("SoftmaxOutput: multi_output=True needs data (n, k, ...), got "
                               "shape %s" % (dshape,))
        n, k = dshape[0], dshape[1]
        spatial = int(np.prod(dshape[2:], dtype=np.int64))
        if not soft and lshape != (n,) + dshape[2:] and lshape != (n, spatial):
            raise DistGluError("SoftmaxOutput: with multi_output=True label must have shape "
                               "%s or %s, got %s" % ((n,) + dshape[2:], (n, spatial), lshape))
        xv = xp.moveaxis(x.reshape(n, k, spatial), 1, 2)        # (n, spatial, k)
        yv = _softmax_last(xp, xv)
        y = xp.ascontiguousarray(xp.moveaxis(yv, 2, 1)).reshape(dshape)
    else:
        if not soft and lshape != dshape[:-1]:
            raise DistGluError("SoftmaxOutput: label must have shape %s (data.shape[:-1]) or "
                               "data's shape %s, got %s" % (dshape[:-1], dshape, lshape))
        if preserve_shape:
            yv = _softmax_last(xp, x)
        else:
            yv = _softmax_last(xp, x.reshape(dshape[0], -1))
        y = yv.reshape(dshape)
    grad_scale = float(grad_scale)
    smooth_alpha = float(smooth_alpha)
    ignore_label = float(ignore_label)

    def grad():
        dt = yv.dtype
        if soft:
            gv = (y - lab.astype(dt, copy=False)).reshape(yv.shape if not multi_output
                                                          else dshape)
            if multi_output:
                gv = xp.moveaxis(gv.reshape(n, k, spatial), 1, 2)
            idx = None
            lflat = lab.reshape(-1)
        else:
            kk = yv.shape[-1]
            lflat = lab.reshape(-1)
            if multi_output:
                idx = lflat.reshape(n, spatial)
            elif preserve_shape:
                idx = lab
            else:
                idx = lflat[:dshape[0]]
            ii = idx.astype(np.int64)[..., None]
            hit = xp.arange(kk) == ii
            if smooth_alpha and not multi_output:
                off = smooth_alpha / (kk - 1) if kk > 1 else 0.0
                gv = xp.where(hit, yv - dt.type(1.0 - smooth_alpha), yv - dt.type(off))
            else:
                gv = xp.where(hit, yv - dt.type(1), yv)
        if use_ignore and idx is not None:
            gv = xp.where((idx == ignore_label)[..., None], dt.type(0), gv)
        if out_grad:
            gv = gv * yv
        if soft:        # MXNet applies no normalization to probability targets
            div = 1.0
        elif normalization == 'batch':
            div = float(lab.size)
        elif normalization == 'valid':
            div = float(max(int((lflat != ignore_label).sum()), 1))
        else:
            div = float(spatial) if multi_output else 1.0
        scale = grad_scale / div
        if scale != 1.0:
            gv = gv * dt.type(scale)
        if multi_output:
            gv = xp.moveaxis(gv, 2, 1)
        return xp.ascontiguousarray(gv).reshape(dshape).astype(dt, copy=False)

    res = _result(y, data._ctx, _fixed_bwd, (data,), (), None, grad)
    return _write_out(out, res)


Softmax = SoftmaxOutput


# ----------------------------------------------------------------------- regression outputs

def _regression(data, label, grad_scale, opname, kind, out):
    _check_label(data, label, opname)
    x = data._data
    lab = label._data
    if lab.shape != x.shape and not (x.ndim == 2 and x.shape[1] == 1
                                     and lab.shape == x.shape[:1]):
        raise DistGluError("%s: label must have data's shape %s, got %s"
                           % (opname, x.shape, lab.shape))
    xp = _xp(x)
    if kind == 'logistic':
        y = 1 / (1 + xp.exp(-x))
    else:
        y = x.copy()
    scale = float(grad_scale) / (x.size // x.shape[0] if x.ndim and x.shape[0] else 1)

    def grad():
        d = y - lab.reshape(x.shape).astype(y.dtype, copy=False)
        if kind == 'mae':
            d = xp.sign(d)
        return d * y.dtype.type(scale) if scale != 1.0 else d

    res = _result(y, data._ctx, _fixed_bwd, (data,), (), None, grad)
    return _write_out(out, res)


def LinearRegressionOutput(data, label, grad_scale=1, out=None, name=None, **kwargs):
    """Identity forward; backward ``(data - label) * grad_scale / num_output`` where
    num_output = data.size / data.shape[0] (MXNet's L2 regression output layer)."""
    return _regression(data, label, grad_scale, 'LinearRegressionOutput', 'linear', out)


def LogisticRegressionOutput(data, label, grad_scale=1, out=None, name=None, **kwargs):
    """``sigmoid(data)`` forward; backward ``(sigmoid(data) - label) * grad_scale /
    num_output`` (MXNet's logistic regression output layer)."""
    return _regression(data, label, grad_scale, 'LogisticRegressionOutput', 'logistic', out)


def MAERegressionOutput(data, label, grad_scale=1, out=None, name=None, **kwargs):
    """Identity forward; backward ``sign(data - label) * grad_scale / num_output``
    (MXNet's L1 regression output layer)."""
    return _regression(data, label, grad_scale, 'MAERegressionOutput', 'mae', out)


# ----------------------------------------------------------------------- SVMOutput

def SVMOutput(data, label, margin=1, regularization_coefficient=1, use_linear=False,
              out=None, name=None, **kwargs):
    """Identity forward; backward the gradient of the one-vs-all hinge loss (squared hinge
    unless ``use_linear``), as MXNet 1.9.1's SVMOutput. data (n, k), label (n,)."""
    _check_label(data, label, 'SVMOutput')
    x = data._data
    lab = label._data
    if x.ndim < 2 or lab.shape != x.shape[:1] + x.shape[2:]:
        raise DistGluError("SVMOutput: expected data (n, k, ...) and label of shape "
                           "(n, ...), got data %s and label %s" % (x.shape, lab.shape))
    xp = _xp(x)
    y = x.copy()
    margin = float(margin)
    reg = float(regularization_coefficient)

    def grad():
        dt = y.dtype
        k = x.shape[1]
        shp = [1] * x.ndim
        shp[1] = k
        hit = xp.arange(k).reshape(shp) == xp.expand_dims(lab.astype(np.int64), 1)
        m = dt.type(margin)
        if use_linear:
            gpos = xp.where(m > x, dt.type(-reg), dt.type(0))
            gneg = xp.where(m > -x, dt.type(reg), dt.type(0))
        else:
            gpos = xp.where(m > x, (m - x) * dt.type(-2 * reg), dt.type(0))
            gneg = xp.where(m > -x, (m + x) * dt.type(2 * reg), dt.type(0))
        return xp.where(hit, gpos, gneg).astype(dt, copy=False)

    res = _result(y, data._ctx, _fixed_bwd, (data,), (), None, grad)
    return _write_out(out, res)


# ----------------------------------------------------------------------- erfinv

_SQRTPI_2 = math.sqrt(math.pi) / 2


def _erfinv_raw(xp, x):
    """Giles' single-precision approximation refined by two Newton steps in float64."""
    a = x.astype(np.float64)
    w = -xp.log((1.0 - a) * (1.0 + a))
    wc = w - 2.5
    pc = 2.81022636e-08
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        pc = c + pc * wc
    wt = xp.sqrt(xp.maximum(w, 5.0)) - 3.0
    pt = -0.000200214257
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        pt = c + pt * wt
    y = xp.where(w < 5.0, pc, pt) * a
    ok = xp.abs(a) < 1
    y = xp.where(ok, y, 0.0)
    for _ in range(2):
        y = y - (_erf_fwd(xp, y) - a) * _SQRTPI_2 * xp.exp(y * y)
    y = xp.where(ok, y, xp.where(xp.abs(a) == 1, xp.sign(a) * np.inf, np.nan))
    return y.astype(x.dtype, copy=False)


def _erfinv_bwd(xp, g, ins, y, attrs):
    return (g * (xp.exp(y * y) * _SQRTPI_2),)


def erfinv(data, out=None, name=None):
    """Inverse error function, elementwise (MXNet's ``erfinv``): ±inf at ±1, nan beyond.
    Gradient ``sqrt(pi)/2 * exp(erfinv(x)**2)``."""
    _check_nd(data, 'erfinv')
    x = data._data
    if x.dtype.kind != 'f':
        x = x.astype(np.float32)
    with np.errstate(all='ignore'):
        y = _erfinv_raw(_xp(x), x)
    res = _result(y, data._ctx, _erfinv_bwd, (data,), (), y, None)
    return _write_out(out, res)


# ----------------------------------------------------------------------- histogram

def histogram(a, bins=10, range=None, **kwargs):
    """``[counts, bin_edges]`` of ``a`` (MXNet's ``nd.histogram``).

    ``bins``: an int (equal-width bins over ``range``) or an NDArray of edges. As MXNet 1.9.1:
    with an int and no ``range`` it warns and returns NumPy's result as float32 arrays; with
    a ``range`` or explicit edges the counts are int64 and the edges keep a float dtype.
    Values outside the range are not counted; the last bin includes its right edge.
    """
    _check_nd(a, 'histogram', 'a')
    x = a._data
    xp = _xp(x)
    ctx = a._ctx
    if isinstance(bins, NDArray):
        edges = bins._data
        if edges.ndim != 1 or edges.shape[0] < 2:
            raise DistGluError("histogram: bins as an NDArray must be a 1-D array of at least "
                               "2 edges, got shape %s" % (edges.shape,))
        counts, _ = xp.histogram(x.ravel(), bins=edges)
        return [NDArray._wrap(counts.astype(np.int64, copy=False), ctx),
                NDArray._wrap(edges.copy(), ctx)]
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise DistGluError("histogram: bins must be a positive int or an NDArray of edges, "
                           "got %r" % (bins,))
    if range is None:
        warnings.warn("range is not specified, using numpy's result to ensure consistency "
                      "with numpy")
        counts, edges = xp.histogram(x.ravel(), bins=int(bins))
        return [NDArray._wrap(counts.astype(np.float32), ctx),
                NDArray._wrap(edges.astype(np.float32), ctx)]
    lo, hi = float(range[0]), float(range[1])
    if not lo < hi:
        raise DistGluError("histogram: range must be (min, max) with min < max, got %r"
                           % (range,))
    edt = x.dtype if x.dtype.kind == 'f' else np.dtype(np.float32)
    edges = xp.linspace(lo, hi, int(bins) + 1).astype(edt)
    counts, _ = xp.histogram(x.ravel(), bins=int(bins), range=(lo, hi))
    return [NDArray._wrap(counts.astype(np.int64, copy=False), ctx), NDArray._wrap(edges, ctx)]


# ----------------------------------------------------------------------- 0index ops

def onehot_encode(indices, out):
    """Write one-hot rows of ``indices`` (n,) into ``out`` (n, k) and return ``out``
    (MXNet's deprecated ``onehot_encode``; out-of-range indices give zero rows)."""
    _check_nd(indices, 'onehot_encode', 'indices')
    _check_nd(out, 'onehot_encode', 'out')
    idx = indices._data
    o = out._data
    if o.ndim != 2 or idx.shape != o.shape[:1]:
        raise DistGluError("onehot_encode: expected indices (n,) and out (n, k), got %s and %s"
                           % (idx.shape, o.shape))
    out._check_inplace()
    xp = _xp(o)
    o[...] = (xp.arange(o.shape[1]) == idx.astype(np.int64)[:, None]).astype(o.dtype)
    return out


def choose_element_0index(lhs, rhs, out=None, name=None):
    """``lhs[i, rhs[i]]`` for each row i of 2-D ``lhs`` (indices clipped to the row), as
    MXNet's ``choose_element_0index``; differentiable in ``lhs``."""
    from .indexing import pick
    _check_nd(lhs, 'choose_element_0index', 'lhs')
    _check_nd(rhs, 'choose_element_0index', 'rhs')
    if lhs.ndim != 2 or rhs.shape != lhs.shape[:1]:
        raise DistGluError("choose_element_0index: expected lhs (n, k) and rhs (n,), got %s "
                           "and %s" % (lhs.shape, rhs.shape))
    return pick(lhs, rhs, axis=1, mode='clip', out=out)


def _no_grad_bwd(xp, g, ins, out, attrs):
    raise DistGluError("Operator %s is non-differentiable (MXNet registers no gradient for "
                       "it)" % attrs)


def fill_element_0index(lhs, mhs, rhs, out=None, name=None):
    """Copy of 2-D ``lhs`` with ``lhs[i, rhs[i]] = mhs[i]`` (indices clipped to the row),
    as MXNet's ``fill_element_0index``; like MXNet it has no gradient (backward through it
    raises)."""
    for v, nm in ((lhs, 'lhs'), (mhs, 'mhs'), (rhs, 'rhs')):
        _check_nd(v, 'fill_element_0index', nm)
    x = lhs._data
    if x.ndim != 2 or mhs.shape != x.shape[:1] or rhs.shape != x.shape[:1]:
        raise DistGluError("fill_element_0index: expected lhs (n, k), mhs (n,) and rhs (n,), "
                           "got %s, %s and %s" % (x.shape, mhs.shape, rhs.shape))
    xp = _xp(x)
    y = x.copy()
    col = xp.clip(rhs._data.astype(np.int64), 0, x.shape[1] - 1)
    y[xp.arange(x.shape[0]), col] = mhs._data.astype(x.dtype, copy=False)
    res = _result(y, lhs._ctx, _no_grad_bwd, (lhs, mhs), (), None, 'fill_element_0index')
    return _write_out(out, res)


# ----------------------------------------------------------------------- Crop

def _crop_bwd(xp, g, ins, out, attrs):
    shape, sl, nlike = attrs
    if isinstance(g, NDArray):      # create_graph: a differentiable zero-pad
        from .. import pad as _nd_pad
        widths = sum(((s.start, n - s.stop) for s, n in zip(sl, shape)), ())
        return (_nd_pad(g, mode='constant', pad_width=widths),) + (None,) * nlike
    gx = xp.zeros(shape, dtype=g.dtype)
    gx[sl] = g
    return (gx,) + (None,) * nlike


def Crop(*data, offset=(0, 0), h_w=(0, 0), center_crop=False, num_args=None, out=None,
         name=None):
    """Crop the last two axes of ``data[0]`` (N, C, H, W) to ``h_w`` or to the (h, w) of
    ``data[1]`` (MXNet's legacy ``Crop``), at ``offset`` (y, x) or centred
    (``(H - h) // 2``, ``(W - w) // 2``). The crop-like input gets no gradient."""
    if num_args is not None and int(num_args) != len(data):
        raise DistGluError("Crop: num_args=%s but %d inputs were given" % (num_args, len(data)))
    if len(data) not in (1, 2):
        raise DistGluError("Crop: expected 1 input (with h_w) or 2 (data, crop_like), got %d"
                           % len(data))
    for v in data:
        _check_nd(v, 'Crop')
    x = data[0]._data
    if x.ndim != 4:
        raise DistGluError("Crop: data must be 4-D (N, C, H, W), got shape %s" % (x.shape,))
    H, W = x.shape[2:]
    if len(data) == 2:
        if data[1].ndim != 4:
            raise DistGluError("Crop: crop_like must be 4-D, got shape %s" % (data[1].shape,))
        h, w = data[1].shape[2:]
    else:
        h, w = int(h_w[0]), int(h_w[1])
    if center_crop:
        oy, ox = (H - h) // 2, (W - w) // 2
    else:
        oy, ox = int(offset[0]), int(offset[1])
    if h < 1 or w < 1 or oy < 0 or ox < 0 or oy + h > H or ox + w > W:
        raise DistGluError("Crop: window (h, w)=(%d, %d) at offset (%d, %d) does not fit in "
                           "input of (H, W)=(%d, %d)" % (h, w, oy, ox, H, W))
    sl = (slice(0, x.shape[0]), slice(0, x.shape[1]), slice(oy, oy + h), slice(ox, ox + w))
    y = x[sl].copy()
    res = _result(y, data[0]._ctx, _crop_bwd, data, (), None, (x.shape, sl, len(data) - 1))
    return _write_out(out, res)


# ----------------------------------------------------------------------- im2col / col2im

def _conv_geom(opname, spatial, kernel, stride, dilate, pad):
    nd_ = len(kernel)
    if nd_ < 1 or nd_ > 3 or len(spatial) != nd_:
        raise DistGluError("%s: kernel %s must have 1 to 3 entries, one per spatial axis of the "
                           "input (%d)" % (opname, tuple(kernel), len(spatial)))
    stride = tuple(stride) or (1,) * nd_
    dilate = tuple(dilate) or (1,) * nd_
    pad = tuple(pad) or (0,) * nd_
    if not len(stride) == len(dilate) == len(pad) == nd_:
        raise DistGluError("%s: stride, dilate and pad must have %d entries like kernel"
                           % (opname, nd_))
    outs = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, d, p in zip(spatial, kernel, stride, dilate, pad))
    if any(o < 1 for o in outs):
        raise DistGluError("%s: kernel %s (dilate %s) is larger than the padded input %s"
                           % (opname, tuple(kernel), dilate, tuple(spatial)))
    return tuple(int(k) for k in kernel), stride, dilate, pad, outs


def _windows(kernel, stride, dilate, pad, outs):
    """For each kernel offset, the strided slices of the padded input it reads."""
    for off in itertools.product(*[range(k) for k in kernel]):
        yield tuple(slice(o * d, o * d + st * (n - 1) + 1, st)
                    for o, d, st, n in zip(off, dilate, stride, outs))


def _im2col_raw(xp, x, geom):
    kernel, stride, dilate, pad, outs = geom
    n, c = x.shape[:2]
    if any(pad):
        x = xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    cols = xp.empty((n, c, int(np.prod(kernel))) + outs, dtype=x.dtype)
    for j, sl in enumerate(_windows(kernel, stride, dilate, pad, outs)):
        cols[:, :, j] = x[(slice(None), slice(None)) + sl]
    return cols.reshape(n, c * int(np.prod(kernel)), int(np.prod(outs)))


def _col2im_raw(xp, col, spatial, geom):
    kernel, stride, dilate, pad, outs = geom
    n = col.shape[0]
    kk = int(np.prod(kernel))
    c = col.shape[1] // kk
    cv = col.reshape((n, c, kk) + outs)
    img = xp.zeros((n, c) + tuple(s + 2 * p for s, p in zip(spatial, pad)), dtype=col.dtype)
    for j, sl in enumerate(_windows(kernel, stride, dilate, pad, outs)):
        img[(slice(None), slice(None)) + sl] += cv[:, :, j]
    if any(pad):
        img = img[(slice(None), slice(None)) + tuple(slice(p, p + s)
                                                     for p, s in zip(pad, spatial))]
    return xp.ascontiguousarray(img)


def _im2col_bwd(xp, g, ins, out, attrs):
    geom, spatial = attrs
    if isinstance(g, NDArray):
        return (col2im(g, spatial, geom[0], geom[1], geom[2], geom[3]),)
    return (_col2im_raw(xp, g, spatial, geom),)


def _col2im_bwd(xp, g, ins, out, attrs):
    geom = attrs
    if isinstance(g, NDArray):
        return (im2col(g, geom[0], geom[1], geom[2], geom[3]),)
    return (_im2col_raw(xp, g, geom),)


def im2col(data, kernel, stride=(), dilate=(), pad=(), out=None, name=None):
    """Sliding (N, C, *spatial) windows as columns: (N, C*prod(kernel), L) with the channel
    axis outermost and L the number of output positions (MXNet's ``im2col``)."""
    _check_nd(data, 'im2col')
    x = data._data
    geom = _conv_geom('im2col', x.shape[2:], tuple(kernel), stride, dilate, pad)
    y = _im2col_raw(_xp(x), x, geom)
    res = _result(y, data._ctx, _im2col_bwd, (data,), (), None, (geom, x.shape[2:]))
    return _write_out(out, res)


def col2im(data, output_size, kernel, stride=(), dilate=(), pad=(), out=None, name=None):
    """Inverse layout of :func:`im2col`: sum columns (N, C*prod(kernel), L) back into an
    image (N, C, *output_size); overlapping windows add up (MXNet's ``col2im``)."""
    _check_nd(data, 'col2im')
    col = data._data
    spatial = tuple(int(s) for s in output_size)
    geom = _conv_geom('col2im', spatial, tuple(kernel), stride, dilate, pad)
    kk = int(np.prod(geom[0]))
    L = int(np.prod(geom[4]))
    if col.ndim != 3 or col.shape[1] % kk or col.shape[2] != L:
        raise DistGluError("col2im: expected data (N, C*%d, %d) for kernel %s and output_size "
                           "%s, got %s" % (kk, L, geom[0], spatial, col.shape))
    y = _col2im_raw(_xp(col), col, spatial, geom)
    res = _result(y, data._ctx, _col2im_bwd, (data,), (), None, geom)
    return _write_out(out, res)
