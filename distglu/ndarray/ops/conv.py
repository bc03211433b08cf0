"""Convolution and transposed convolution (``nd.Convolution``, ``nd.Deconvolution``).

Both lower to strided windows and matrix products. With ``S`` the input's spatial
size, ``O`` the output's, ``K`` the kernel's and ``G`` the groups, three bilinear kernels:

- forward ``F(x, w)``: im2col (an ``as_strided`` view of the padded input, copied once
  into a column matrix), then one GEMM of the weight with the columns;
- ``D(g, w)`` (gradient w.r.t. the input, also the forward of Deconvolution): GEMMs of
  g with the weight into columns, then ``col2im``: an accumulation over the K kernel
  offsets only;
- ``W(g, x)`` (gradient w.r.t. the weight): one GEMM of g with the columns of x.

Which layout the columns take (channel-last (N*O, K*C), per sample (N, C*K, O), or
whole-batch (C*K, N*O)) is chosen per kernel and shape so that the copies run over long
contiguous rows; see the comment above :func:`_lowering`.

Each kernel's vector-Jacobian product is made of the other two, so they are also
recorded as differentiable operators when a backward pass runs with ``create_graph=True``
(second-order gradients through convolution).

Groups are a batched matmul over the group axis. Everything stays in the input's dtype
and array module (NumPy or CuPy: the same code). Pooling and UpSampling live in
``pool.py`` and are re-exported here.
"""
import ast
import itertools

import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _same_device, _write_out, _xp

__all__ = ['Convolution', 'Deconvolution']

_CF_LAYOUTS = {1: 'NCW', 2: 'NCHW', 3: 'NCDHW'}
_CL_LAYOUTS = {1: 'NWC', 2: 'NHWC', 3: 'NDHWC'}
_AXES_NAMES = {1: 'x', 2: 'y, x', 3: 'd, y, x'}


# ----------------------------------------------------------------------------- arguments

def _check_array(a, opname, argname):
    if not isinstance(a, NDArray):
        raise DistGluError("%s: expected an NDArray for %s, got %s"
                           % (opname, argname, type(a).__name__))


def _shape_param(v, nsp, name, opname, default):
    """A per-axis parameter (kernel, stride, ...) as a tuple of ``nsp`` ints.

    ``()``/``None`` gives ``default`` on every axis; an int is a 1-tuple (as MXNet);
    strings such as ``'(2, 2)'`` (from symbol files) are parsed.
    """
    if isinstance(v, str):
        try:
            v = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            raise DistGluError("%s: %s must be a tuple of ints, got %r" % (opname, name, v))
    if v is None or (isinstance(v, (tuple, list)) and len(v) == 0):
        return (default,) * nsp
    if isinstance(v, (int, np.integer)):
        v = (v,)
    try:
        t = tuple(int(a) for a in v)
    except (TypeError, ValueError):
        raise DistGluError("%s: %s must be a tuple of ints, got %r" % (opname, name, v))
    if len(t) != nsp:
        raise DistGluError("%s: %s must have as many values as kernel (%d), got %s"
                           % (opname, name, nsp, t))
    return t


def _kernel_param(kernel, opname):
    if isinstance(kernel, str):
        try:
            kernel = ast.literal_eval(kernel)
        except (ValueError, SyntaxError):
            raise DistGluError("%s: kernel must be a tuple of ints, got %r" % (opname, kernel))
    if kernel is None or (isinstance(kernel, (tuple, list)) and len(kernel) == 0):
        raise DistGluError("%s: the kernel argument is required (a tuple of 1, 2 or 3 sizes)"
                           % opname)
    if isinstance(kernel, (int, np.integer)):
        kernel = (kernel,)
    try:
        k = tuple(int(a) for a in kernel)
    except (TypeError, ValueError):
        raise DistGluError("%s: kernel must be a tuple of ints, got %r" % (opname, kernel))
    if not 1 <= len(k) <= 3:
        raise DistGluError("%s: kernel must have 1, 2 or 3 values (1-D, 2-D or 3-D), got %s"
                           % (opname, k))
    if min(k) < 1:
        raise DistGluError("%s: kernel sizes must be positive, got %s" % (opname, k))
    return k


def _layout_param(layout, nsp, opname):
    """True for a channel-last layout (NWC, NHWC, NDHWC), False for channel-first."""
    if layout is None or layout == _CF_LAYOUTS[nsp]:
        return False
    if layout == _CL_LAYOUTS[nsp]:
        return True
    raise DistGluError("%s: layout %r does not fit a %d-D kernel; expected %r or %r"
                       % (opname, layout, nsp, _CF_LAYOUTS[nsp], _CL_LAYOUTS[nsp]))


def _check_data_ndim(data, nsp, last, opname):
    if data.ndim != nsp + 2:
        axes = _AXES_NAMES[nsp]
        want = "(batch, %s, channel)" % axes if last else "(batch, channel, %s)" % axes
        raise DistGluError("%s: a %d-D kernel needs %d-D input %s, got shape %s"
                           % (opname, nsp, nsp + 2, want, data.shape))


def _to_cf(nsp):
    """Axes permutation from channel-last to channel-first (and its inverse)."""
    return (0, nsp + 1) + tuple(range(1, nsp + 1))


def _to_cl(nsp):
    return (0,) + tuple(range(2, nsp + 2)) + (1,)


class _Geometry:
    """Static description of one convolution, in the terms of the forward convolution.

    ``in_sp``: the convolution's input spatial size; ``out_sp``: its output's. For a
    Deconvolution the convolution's input is the Deconvolution's output.
    """
    __slots__ = ('kernel', 'stride', 'dilate', 'pad', 'groups', 'in_sp', 'out_sp', 'last',
                 'num_filter')

    def __init__(self, kernel, stride, dilate, pad, groups, in_sp, out_sp, last,
                 num_filter=None):
        self.kernel = kernel
        self.stride = stride
        self.dilate = dilate
        self.pad = pad
        self.groups = groups
        self.in_sp = in_sp
        self.out_sp = out_sp
        self.last = last
        self.num_filter = num_filter        # the operator's output channels


def _common_params(opname, data, weight, bias, kernel, stride, dilate, pad, num_filter,
                   num_group, no_bias, layout):
    _check_array(data, opname, 'data')
    _check_array(weight, opname, 'weight')
    k = _kernel_param(kernel, opname)
    nsp = len(k)
    last = _layout_param(layout, nsp, opname)
    _check_data_ndim(data, nsp, last, opname)
    s = _shape_param(stride, nsp, 'stride', opname, 1)
    d = _shape_param(dilate, nsp, 'dilate', opname, 1)
    p = _shape_param(pad, nsp, 'pad', opname, 0)
    if min(s) < 1:
        raise DistGluError("%s: stride must be positive, got %s" % (opname, s))
    if min(d) < 1:
        raise DistGluError("%s: dilate must be positive, got %s" % (opname, d))
    if min(p) < 0:
        raise DistGluError("%s: pad must not be negative, got %s" % (opname, p))
    if num_filter is None:
        raise DistGluError("%s: the num_filter argument is required" % opname)
    num_filter = int(num_filter)
    num_group = int(num_group)
    if num_filter < 1 or num_group < 1:
        raise DistGluError("%s: num_filter and num_group must be positive, got %d and %d"
                           % (opname, num_filter, num_group))
    channels = data.shape[-1] if last else data.shape[1]
    if channels % num_group or num_filter % num_group:
        raise DistGluError("%s: num_group=%d must divide the input channels (%d) and "
                           "num_filter (%d)" % (opname, num_group, channels, num_filter))
    if not _same_device(weight._ctx, data._ctx):
        raise DistGluError("%s: all inputs must be on the same context, got %s and %s "
                           "(use as_in_context to move one)" % (opname, data._ctx, weight._ctx))
    if weight.dtype != data.dtype:
        raise DistGluError("%s: weight must have the data's dtype %s, got %s"
                           % (opname, np.dtype(data.dtype).name, np.dtype(weight.dtype).name))
    no_bias = bool(no_bias) if not isinstance(no_bias, str) else no_bias.lower() == 'true'
    if no_bias and bias is not None:
        raise DistGluError("%s: no_bias=True but a bias was given; pass bias=None or "
                           "no_bias=False" % opname)
    if not no_bias:
        if bias is None:
            raise DistGluError("%s: no_bias=False needs a bias input of shape (%d,), got none "
                               "(pass no_bias=True for none)" % (opname, num_filter))
        _check_array(bias, opname, 'bias')
        if bias.shape != (num_filter,):
            raise DistGluError("%s: bias has shape %s, expected (%d,) = (num_filter,)"
                               % (opname, bias.shape, num_filter))
        if not _same_device(bias._ctx, data._ctx):
            raise DistGluError("%s: all inputs must be on the same context, got %s and %s "
                               "(use as_in_context to move one)"
                               % (opname, data._ctx, bias._ctx))
        if bias.dtype != data.dtype:
            raise DistGluError("%s: bias must have the data's dtype %s, got %s"
                               % (opname, np.dtype(data.dtype).name,
                                  np.dtype(bias.dtype).name))
    sp = data.shape[1:-1] if last else data.shape[2:]
    return k, s, d, p, num_filter, num_group, channels, last, sp


def _check_weight(opname, weight, first, second, k, last, what):
    want = (first,) + k + (second,) if last else (first, second) + k
    if weight.shape != want:
        raise DistGluError("%s: weight has shape %s, expected %s = %s"
                           % (opname, weight.shape, want, what))


# ----------------------------------------------------------------------------- kernels
# All raw kernels take channel-first arrays of any strides and return arrays of any
# strides (possibly views of a channel-last buffer); the operators make them contiguous
# in the layout they hand out.
#
# Three lowerings, chosen per kernel by :func:`_lowering`. Their matrix products do the
# same multiply-adds; they differ in the copies around them, and NumPy copies at about
# a pass over 8 elements per contiguous run, so short runs dominate small layers:
#
# - channel-last (``'cl'``, groups == 1 and window rows of at least _CL_MIN_RUN
#   elements): the input is copied once to (N, *P, C) and the columns are (N*O, K*C),
#   each window row K[-1]*C contiguous elements. The forward is cols @ w^T, giving the
#   output channel-last (one transposing copy back, free for channel-last layouts); the
#   data gradient is prod(K) GEMMs (N*O, F) @ (F, C), one per kernel offset, each result
#   added at once into the channel-last input gradient in (O[-1]*C)-element runs (one
#   GEMM into (N*O, K*C) columns would leave col2im runs of C elements); the weight
#   gradient is g^T @ cols.
# - channel-first per sample (``'nb'``, groups == 1: few channels, 1x1 kernels, or the
#   forward when output rows are long): columns (N, C*K, O) and one GEMM per sample.
#   The forward's result is already (N, F, O); a 1x1 stride-1 kernel needs no copy at
#   all; the weight gradient sums per-sample (F, O) @ (O, C*K) products (when F <= O,
#   so those take no more memory than the columns), g needs no transposition.
# - channel-first over the whole batch (``'cf'``, groups > 1): columns (C*K, N*O), a
#   batched matmul over the groups.
#
# Wide rows (the channel-first lowerings): when the last two spatial strides are 1, the
# output can be computed on rows as wide as the padded input (the extra columns are
# garbage, zero in the gradient matrices and cropped from outputs). Then the last two
# spatial axes of every strided window view merge into one long run, so im2col's copies
# and col2im's adds run over long rows instead of rows of O[-1] elements (NumPy's per-row
# overhead dominates short rows). The views may read (K[-1]-1)*dilate[-1] elements past
# the last plane: the padded buffer has that tail. The extra columns also cost GEMM work
# in proportion to F/G, so wide rows are used when
# filters_per_group * (padded width / output width - 1) < _WIDE_BUDGET (measured: about
# where the saved copying equals the extra multiply-adds).

_WIDE_BUDGET = 6.0

# channel-last lowering when groups == 1 and a window row (K[-1]*C elements, or C when
# the last axis is dilated) has at least this many elements
_CL_MIN_RUN = 32
# the forward product takes per-sample columns when an output row has this many elements
_NB_MIN_ROW = 24


def _lowering(geo, c, forward=False):
    """'cl', 'nb' or 'cf' (see above) for a convolution with ``c`` input channels.

    ``forward``: for the forward product, which needs no col2im: there the per-sample
    columns also win when their rows (O[-1] elements) are long, as they save the
    channel-last lowering's two transposing copies (of the input and of the output).
    """
    if geo.groups != 1:
        return 'cf'
    if _pointwise(geo):
        return 'nb'         # the input is its own columns: no copy at all
    run = c * geo.kernel[-1] if geo.dilate[-1] == 1 else c
    if run < _CL_MIN_RUN or (forward and geo.out_sp[-1] >= _NB_MIN_ROW):
        return 'nb'
    return 'cl'


def _pointwise(geo):
    """A 1x1 kernel, stride 1, no padding: the columns of sample n are x[n] itself."""
    return (max(geo.kernel) == 1 and max(geo.stride) == 1 and not any(geo.pad))


def _as_strided(xp, a, shape, strides):
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


def _prod(t):
    r = 1
    for v in t:
        r *= v
    return r


def _kernel_offsets(kernel):
    return itertools.product(*[range(kk) for kk in kernel])


class _Plan:
    """Per-call layout: padded size, whether rows are wide, the computed output grid."""
    __slots__ = ('psp', 'wide', 'o_ext', 'tail')

    def __init__(self, geo, filters_per_group):
        nsp = len(geo.kernel)
        self.psp = tuple(geo.in_sp[i] + 2 * geo.pad[i] for i in range(nsp))
        o = geo.out_sp
        # (rows as wide as the output already merge: nothing to gain)
        self.wide = (nsp >= 2 and geo.stride[-1] == 1 and geo.stride[-2] == 1
                     and self.psp[-1] != o[-1]
                     and filters_per_group * (self.psp[-1] / o[-1] - 1) < _WIDE_BUDGET)
        if self.wide:
            self.o_ext = o[:-1] + (self.psp[-1],)
            self.tail = (geo.kernel[-1] - 1) * geo.dilate[-1]
        else:
            self.o_ext = o
            self.tail = 0


def _contig_strides(shape, itemsize):
    st = []
    acc = itemsize
    for d in reversed(shape):
        st.append(acc)
        acc *= d
    return tuple(reversed(st))


def _interior(geo, lead, trail=()):
    """Index of the unpadded input inside a padded buffer (``lead`` axes before)."""
    return (slice(None),) * lead + tuple(
        slice(geo.pad[i], geo.pad[i] + geo.in_sp[i]) for i in range(len(geo.kernel))) + trail


# --- channel-last lowering

def _cl_source(xp, x, geo):
    """x (N, C, *S), any strides -> C-contiguous channel-last (N, *P, C), zero-padded.

    No copy when x is a channel-first view of a contiguous channel-last array (a
    channel-last layout) and there is no padding.
    """
    nsp = len(geo.kernel)
    xl = x.transpose(_to_cl(nsp))
    if not any(geo.pad):
        return xp.ascontiguousarray(xl)
    psp = tuple(geo.in_sp[i] + 2 * geo.pad[i] for i in range(nsp))
    buf = xp.zeros((x.shape[0],) + psp + (x.shape[1],), dtype=x.dtype)
    buf[_interior(geo, 1)] = xl
    return buf


def _cl_cols(xp, x, geo):
    """Columns (N*prod(O), prod(K)*C) of x (N, C, *S): rows (n, *o), columns (*k, c)."""
    nsp = len(geo.kernel)
    xl = _cl_source(xp, x, geo)
    st = xl.strides
    n, c = xl.shape[0], xl.shape[-1]
    shape = (n,) + geo.out_sp + geo.kernel + (c,)
    strides = ((st[0],) + tuple(st[1 + i] * geo.stride[i] for i in range(nsp))
               + tuple(st[1 + i] * geo.dilate[i] for i in range(nsp)) + (st[-1],))
    cols = xp.ascontiguousarray(_as_strided(xp, xl, shape, strides))
    return cols.reshape(n * _prod(geo.out_sp), _prod(geo.kernel) * c)


def _cl_rows(xp, g):
    """(N, F, *O), any strides -> channel-last rows (N*prod(O), F), C-contiguous.

    A view when g is already a channel-first view of a contiguous channel-last array.
    """
    gl = xp.ascontiguousarray(g.transpose(_to_cl(g.ndim - 2)))
    return gl.reshape(-1, g.shape[1])


def _as_cl(xp, g):
    """g (N, F, *O) as a channel-first view of a contiguous channel-last copy."""
    nsp = g.ndim - 2
    return xp.ascontiguousarray(g.transpose(_to_cl(nsp))).transpose(_to_cf(nsp))


def _conv_F_cl(xp, x, w, geo):
    nsp = len(geo.kernel)
    n, f = x.shape[0], w.shape[0]
    cols = _cl_cols(xp, x, geo)                                 # (N*O, K*C)
    wm = xp.ascontiguousarray(w.transpose(_to_cl(nsp))).reshape(f, -1)   # (F, K*C)
    y = xp.matmul(cols, wm.T)                                   # (N*O, F)
    return y.reshape((n,) + geo.out_sp + (f,)).transpose(_to_cf(nsp))


def _conv_D_cl(xp, g, w, geo):
    nsp = len(geo.kernel)
    n, f = g.shape[:2]
    c = w.shape[1]
    gl = _cl_rows(xp, g)                                        # (N*O, F)
    kaxes = tuple(range(2, nsp + 2))
    wk = xp.ascontiguousarray(w.transpose(kaxes + (0, 1)))      # (*K, F, C)
    psp = tuple(geo.in_sp[i] + 2 * geo.pad[i] for i in range(nsp))
    buf = xp.zeros((n,) + psp + (c,), dtype=g.dtype)
    o, s, d = geo.out_sp, geo.stride, geo.dilate
    # per kernel offset: one (N*O, F) @ (F, C) product, added at once into the windows
    # (the product is still in cache, and no (K, N*O, C) intermediate)
    part = xp.empty((gl.shape[0], c), dtype=g.dtype)
    rows = part.reshape((n,) + o + (c,))
    for k in _kernel_offsets(geo.kernel):
        xp.matmul(gl, wk[k], out=part)
        buf[(slice(None),) + tuple(slice(k[i] * d[i], k[i] * d[i] + (o[i] - 1) * s[i] + 1, s[i])
                                   for i in range(nsp))] += rows
    return buf[_interior(geo, 1)].transpose(_to_cf(nsp))


def _conv_W_cl(xp, g, x, geo):
    nsp = len(geo.kernel)
    f, c = g.shape[1], x.shape[1]
    gl = _cl_rows(xp, g)                                        # (N*O, F)
    cols = _cl_cols(xp, x, geo)                                 # (N*O, K*C)
    dw = xp.matmul(gl.T, cols)                                  # (F, K*C)
    return dw.reshape((f,) + geo.kernel + (c,)).transpose(_to_cf(nsp))


# --- channel-first lowerings

def _padded_source(xp, x, geo, plan):
    """(base, strides of an (N, C, *psp) array at base) holding x zero-padded.

    Wide rows need a contiguous buffer with a tail; otherwise x itself serves when there
    is no padding (any strides).
    """
    if not plan.wide and not any(geo.pad):
        return x, x.strides
    n, c = x.shape[:2]
    size = n * c * _prod(plan.psp)
    flat = xp.zeros(size + plan.tail, dtype=x.dtype)
    buf = flat[:size].reshape((n, c) + plan.psp)
    buf[_interior(geo, 2)] = x
    return flat, _contig_strides((n, c) + plan.psp, x.itemsize)


def _window_view(xp, base, st, geo, plan, n, c, batch_first=False):
    """Strided view of the padded input: (C, *K, N, *O_ext), or (N, C, *K, *O_ext)."""
    nsp = len(geo.kernel)
    ks = tuple(st[2 + i] * geo.dilate[i] for i in range(nsp))
    os_ = tuple(st[2 + i] * geo.stride[i] for i in range(nsp))
    if batch_first:
        return _as_strided(xp, base, (n, c) + geo.kernel + plan.o_ext,
                           (st[0], st[1]) + ks + os_)
    return _as_strided(xp, base, (c,) + geo.kernel + (n,) + plan.o_ext,
                       (st[1],) + ks + (st[0],) + os_)


def _im2col(xp, x, geo, plan):
    """Columns (C*prod(K), N*prod(O_ext)), rows ordered (c, *k), columns (n, *o)."""
    n, c = x.shape[:2]
    base, st = _padded_source(xp, x, geo, plan)
    cols = xp.ascontiguousarray(_window_view(xp, base, st, geo, plan, n, c))
    return cols.reshape(c * _prod(geo.kernel), n * _prod(plan.o_ext))


def _im2col_nb(xp, x, geo, plan):
    """Per-sample columns (N, C*prod(K), prod(O_ext)), rows (c, *k), columns (*o)."""
    n, c = x.shape[:2]
    base, st = _padded_source(xp, x, geo, plan)
    cols = xp.ascontiguousarray(_window_view(xp, base, st, geo, plan, n, c, True))
    return cols.reshape(n, c * _prod(geo.kernel), _prod(plan.o_ext))


def _col2im(xp, dcols, geo, plan, n, c, dtype, batch_first=False):
    """The transpose of :func:`_im2col` (or of :func:`_im2col_nb`): add the columns
    (C, *K, N, *O_ext) (or (N, C, *K, *O_ext)) into (N, C, *S).

    One vectorised add per kernel offset (prod(K) iterations).
    """
    if batch_first and _pointwise(geo) and not plan.wide:
        return dcols.reshape((n, c) + geo.in_sp)        # nothing overlaps: the identity
    nsp = len(geo.kernel)
    psp = plan.psp
    size = n * c * _prod(psp)
    flat = xp.zeros(size + plan.tail, dtype=dtype)
    st = _contig_strides((n, c) + psp, flat.itemsize)
    item = flat.itemsize
    if batch_first:
        dcols = dcols.reshape((n, c) + geo.kernel + plan.o_ext)
        shape = (n, c) + plan.o_ext
        strides = (st[0], st[1])
    else:
        dcols = dcols.reshape((c,) + geo.kernel + (n,) + plan.o_ext)
        shape = (c, n) + plan.o_ext
        strides = (st[1], st[0])
    strides += tuple(st[2 + i] * geo.stride[i] for i in range(nsp))
    lead = (slice(None),) * (2 if batch_first else 1)
    for k in _kernel_offsets(geo.kernel):
        off = sum(k[i] * geo.dilate[i] * st[2 + i] for i in range(nsp)) // item
        dst = _as_strided(xp, flat[off:], shape, strides)
        dst += dcols[lead + k]
    dxp = flat[:size].reshape((n, c) + psp)
    return dxp[_interior(geo, 2)] if any(geo.pad) else dxp


def _g_matrix(xp, g, groups, geo, plan):
    """(N, F, *O) -> contiguous (G, F/G, N*prod(O_ext)), zero in the garbage columns."""
    n, f = g.shape[:2]
    if plan.wide and plan.o_ext != geo.out_sp:
        gt = xp.zeros((f, n) + plan.o_ext, dtype=g.dtype)
        gt[..., :geo.out_sp[-1]] = g.swapaxes(0, 1)
    else:
        gt = xp.ascontiguousarray(g.swapaxes(0, 1))
    return gt.reshape(groups, f // groups, -1)


def _g_matrix_nb(xp, g, geo, plan):
    """(N, F, *O) -> contiguous (N, F, prod(O_ext)), zero in the garbage columns."""
    n, f = g.shape[:2]
    if plan.wide and plan.o_ext != geo.out_sp:
        gt = xp.zeros((n, f) + plan.o_ext, dtype=g.dtype)
        gt[..., :geo.out_sp[-1]] = g
    else:
        gt = xp.ascontiguousarray(g)
    return gt.reshape(n, f, -1)


def _bmm(xp, a, b):
    """Batched product (G, m, k) @ (G, k, n); a broadcast multiply when k == 1."""
    if a.shape[2] == 1:
        return a * b
    if a.shape[0] == 1:
        return xp.matmul(a[0], b[0])[None]
    return xp.matmul(a, b)


def _plan_nb(geo, c, f):
    """The :class:`_Plan` of the batched-over-N lowering.

    There wide rows also cost a pass over the output (the crop, and the zero-extended
    copy of g in the gradients) while narrow rows cost NumPy's per-row overhead on the
    N*C*prod(K)*prod(O[:-1]) rows of im2col (measured: about as much as a pass over 8
    elements each); wide rows only where that overhead is the larger.
    """
    plan = _Plan(geo, f)
    if plan.wide and f * geo.out_sp[-1] >= 8 * c * _prod(geo.kernel):
        plan.wide = False
        plan.o_ext = geo.out_sp
        plan.tail = 0
    return plan


def _crop_wide(y, geo, plan):
    return y[..., :geo.out_sp[-1]] if plan.o_ext != geo.out_sp else y


def _conv_F(xp, x, w, geo):
    """Convolution forward: x (N, C, *S), w (F, C/G, *K) -> (N, F, *O)."""
    n, c = x.shape[:2]
    f = w.shape[0]
    grp = geo.groups
    low = _lowering(geo, c, True)
    if low == 'cl':
        return _conv_F_cl(xp, x, w, geo)
    if low == 'nb':
        plan = _plan_nb(geo, c, f)
        cols = _im2col_nb(xp, x, geo, plan)                     # (N, C*K, O)
        y = xp.matmul(w.reshape(f, -1), cols)                   # (N, F, O)
        return _crop_wide(y.reshape((n, f) + plan.o_ext), geo, plan)
    plan = _Plan(geo, f // grp)
    cols = _im2col(xp, x, geo, plan)
    y = _bmm(xp, w.reshape(grp, f // grp, -1), cols.reshape(grp, -1, cols.shape[1]))
    y = y.reshape((f, n) + plan.o_ext)
    return _crop_wide(y, geo, plan).swapaxes(0, 1)


def _conv_D(xp, g, w, geo):
    """Gradient of the convolution w.r.t. its input: g (N, F, *O), w -> (N, C, *S)."""
    n = g.shape[0]
    grp = geo.groups
    f = w.shape[0]
    c = w.shape[1] * grp
    low = _lowering(geo, c)
    if low == 'cl':
        return _conv_D_cl(xp, g, w, geo)
    if low == 'nb':
        plan = _plan_nb(geo, c, f)
        gm = _g_matrix_nb(xp, g, geo, plan)                     # (N, F, O)
        dcols = xp.matmul(w.reshape(f, -1).T, gm)               # (N, C*K, O)
        return _col2im(xp, dcols, geo, plan, n, c, g.dtype, True)
    plan = _Plan(geo, f // grp)
    gm = _g_matrix(xp, g, grp, geo, plan)                       # (G, F/G, N*O)
    wm = w.reshape(grp, f // grp, -1)                           # (G, F/G, C/G*K)
    dcols = _bmm(xp, wm.transpose(0, 2, 1), gm)                 # (G, C/G*K, N*O)
    return _col2im(xp, dcols, geo, plan, n, c, g.dtype)


def _conv_W(xp, g, x, geo):
    """Gradient of the convolution w.r.t. its weight: g (N, F, *O), x -> (F, C/G, *K)."""
    grp = geo.groups
    n, c = x.shape[:2]
    f = g.shape[1]
    low = _lowering(geo, c)
    if low == 'cl':
        return _conv_W_cl(xp, g, x, geo)
    if low == 'nb' and f <= _prod(geo.out_sp):
        # one (F, O) @ (O, C*K) product per sample, summed: the per-sample results take
        # no more memory than the columns
        plan = _plan_nb(geo, c, f)
        gm = _g_matrix_nb(xp, g, geo, plan)                     # (N, F, O)
        cols = _im2col_nb(xp, x, geo, plan)                     # (N, C*K, O)
        dw = xp.matmul(gm, cols.transpose(0, 2, 1)).sum(axis=0)  # (F, C*K)
        return dw.reshape((f, c // grp) + geo.kernel)
    plan = _Plan(geo, f // grp)
    gm = _g_matrix(xp, g, grp, geo, plan)                       # (G, F/G, N*O)
    cols = _im2col(xp, x, geo, plan)
    cols = cols.reshape(grp, -1, cols.shape[1])                 # (G, C/G*K, N*O)
    dw = _bmm(xp, gm, cols.transpose(0, 2, 1))                  # (G, F/G, C/G*K)
    return dw.reshape((f, c // grp) + geo.kernel)


_RAW = {'F': _conv_F, 'D': _conv_D, 'W': _conv_W}


def _is_nd(xp):
    return getattr(xp, 'is_nd', False)


def _kernel_vjp(xp, kind, u, a, b, geo, need):
    """Gradients of kernel ``kind`` applied to (a, b), given the output gradient ``u``.

    <F(x,w), g> = <x, D(g,w)> = <w, W(g,x)> gives each one's vjp from the other two.
    """
    if _is_nd(xp):
        def call(k, p, q):
            return _kernel_nd(k, p, q, geo)
    else:
        def call(k, p, q):
            return _RAW[k](xp, p, q, geo)
    if kind != 'W' and need[0] and need[1] and not _is_nd(xp):
        # F's vjp: D(u, w) and W(u, x) read u as g; D's: F(u, w) and W(g, u) as x
        c = a.shape[1] if kind == 'F' else b.shape[1] * geo.groups
        if _lowering(geo, c) == 'cl' and (kind == 'F' or _lowering(geo, c, True) == 'cl'):
            u = _as_cl(xp, u)   # both kernels read u channel-last: transpose it once
    if kind == 'F':       # a = x, b = w
        return (call('D', u, b) if need[0] else None, call('W', u, a) if need[1] else None)
    if kind == 'D':       # a = g, b = w
        return (call('F', u, b) if need[0] else None, call('W', a, u) if need[1] else None)
    # kind == 'W': a = g, b = x
    return (call('F', b, u) if need[0] else None, call('D', a, u) if need[1] else None)


def _contiguous(xp, grads):
    return tuple(None if a is None else xp.ascontiguousarray(a) for a in grads)


def _make_kernel_bwd(kind):
    def bwd(xp, u, ins, out, attrs):
        geo, need = attrs
        grads = _kernel_vjp(xp, kind, u, ins[0], ins[1], geo, need)
        return grads if _is_nd(xp) else _contiguous(xp, grads)
    bwd.__name__ = '_conv_%s_bwd' % kind
    return bwd


_KERNEL_BWD = {k: _make_kernel_bwd(k) for k in 'FDW'}


def _kernel_nd(kind, a, b, geo):
    """One raw kernel as a recorded, differentiable operator on channel-first NDArrays."""
    xp = _xp(a._data)
    y = xp.ascontiguousarray(_RAW[kind](xp, a._data, b._data, geo))
    return _result(y, a._ctx, _KERNEL_BWD[kind], (a, b), (a, b), None,
                   (geo, (a._node is not None, b._node is not None)))


# ----------------------------------------------------------------------------- operators

def _layer_bwd(kind_fwd):
    """Backward of Convolution ('F') or Deconvolution ('D'): data, weight and bias grads."""
    def bwd(xp, g, ins, out, attrs):
        geo, need = attrs
        x, w = ins
        nd_mode = _is_nd(xp)
        nsp = len(geo.kernel)
        if geo.last:
            cf = _to_cf(nsp)
            if nd_mode:
                g, x, w = xp.transpose(g, cf), xp.transpose(x, cf), xp.transpose(w, cf)
            else:
                g, x, w = g.transpose(cf), x.transpose(cf), w.transpose(cf)
        gx, gw = _kernel_vjp(xp, kind_fwd, g, x, w, geo, need)
        if geo.last:
            cl = _to_cl(nsp)
            if nd_mode:
                gx = None if gx is None else xp.transpose(gx, cl)
                gw = None if gw is None else xp.transpose(gw, cl)
            else:
                gx = None if gx is None else gx.transpose(cl)
                gw = None if gw is None else gw.transpose(cl)
        if not nd_mode:
            gx, gw = _contiguous(xp, (gx, gw))
        if len(need) == 2:
            return gx, gw
        gb = None
        if need[2]:
            # over the batch first: contiguous rows, then each channel's plane
            gb = xp.sum(xp.sum(g, axis=0), axis=tuple(range(1, nsp + 1)))
        return gx, gw, gb
    return bwd


_conv_bwd = _layer_bwd('F')
_deconv_bwd = _layer_bwd('D')


# Validated geometries by (operator, arguments, input shapes and dtypes): a layer called
# again with the same shapes skips the argument parsing and checks (only the contexts are
# compared again).
_GEO_CACHE = {}
_GEO_CACHE_MAX = 4096


def _cache_key(args, data, weight, bias):
    if type(data) is not NDArray or type(weight) is not NDArray or not (
            bias is None or type(bias) is NDArray):
        return None
    x, w = data._data, weight._data
    key = args + (x.shape, x.dtype, w.shape, w.dtype)
    if bias is not None:
        key += (bias._data.shape, bias._data.dtype)
    try:
        hash(key)
    except TypeError:       # list arguments: no caching
        return None
    return key


def _cached(key, data, weight, bias):
    if key is None:
        return None
    geo = _GEO_CACHE.get(key)
    if geo is not None and (weight._ctx != data._ctx
                            or (bias is not None and bias._ctx != data._ctx)):
        return None         # the full check raises the context error
    return geo


def _store(key, geo):
    if key is not None:
        if len(_GEO_CACHE) >= _GEO_CACHE_MAX:
            _GEO_CACHE.clear()
        _GEO_CACHE[key] = geo
    return geo


def _apply_layer(kind, data, weight, bias, geo, out):
    x = data._data
    w = weight._data
    xp = _xp(x)
    nsp = len(geo.kernel)
    if geo.last:
        cf = _to_cf(nsp)
        x = x.transpose(cf)
        w = w.transpose(cf)
    y = _RAW[kind](xp, x, w, geo)
    if geo.last:
        y = y.transpose(_to_cl(nsp))
    if bias is None:
        y = xp.ascontiguousarray(y)
    else:
        b = bias._data if geo.last else bias._data.reshape((geo.num_filter,) + (1,) * nsp)
        if y.flags.c_contiguous:
            y += b
        else:           # one pass: the bias add writes the contiguous result
            y = xp.add(y, b, out=xp.empty(y.shape, dtype=y.dtype))
    if bias is None:
        inputs = (data, weight)
        need = (data._node is not None, weight._node is not None)
    else:
        inputs = (data, weight, bias)
        need = (data._node is not None, weight._node is not None, bias._node is not None)
    res = _result(y, data._ctx, _conv_bwd if kind == 'F' else _deconv_bwd, inputs,
                  (data, weight), None, (geo, need))
    return _write_out(out, res)


def Convolution(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(), pad=(),
                num_filter=None, num_group=1, workspace=1024, no_bias=False, cudnn_tune=None,
                cudnn_off=False, layout=None, out=None, name=None, **kwargs):
    """N-D convolution (1-D, 2-D or 3-D: the length of ``kernel`` decides), as MXNet.

    data: (N, C, *S) (or channel-last with ``layout='NWC'/'NHWC'/'NDHWC'``);
    weight: (num_filter, C/num_group, *kernel) (channel-last: (num_filter, *kernel,
    C/num_group)); bias: (num_filter,) unless ``no_bias=True``.
    Output: (N, num_filter, *O) with O = (S + 2*pad - dilate*(kernel-1) - 1) // stride + 1.
    stride/dilate default to 1, pad to 0 on every axis. ``workspace``, ``cudnn_tune`` and
    ``cudnn_off`` are accepted and ignored. Differentiable w.r.t. data, weight and bias
    (also to second order).
    """
    key = _cache_key(('C', kernel, stride, dilate, pad, num_filter, num_group, no_bias,
                      layout), data, weight, bias)
    geo = _cached(key, data, weight, bias)
    if geo is None:
        geo = _store(key, _conv_geometry(data, weight, bias, kernel, stride, dilate, pad,
                                         num_filter, num_group, no_bias, layout))
    return _apply_layer('F', data, weight, bias, geo, out)


def _conv_geometry(data, weight, bias, kernel, stride, dilate, pad, num_filter, num_group,
                   no_bias, layout):
    opname = 'Convolution'
    k, s, d, p, num_filter, num_group, channels, last, sp = _common_params(
        opname, data, weight, bias, kernel, stride, dilate, pad, num_filter, num_group,
        no_bias, layout)
    _check_weight(opname, weight, num_filter, channels // num_group, k, last,
                  '(num_filter, channels/num_group, *kernel)' if not last else
                  '(num_filter, *kernel, channels/num_group)')
    o = []
    for i in range(len(k)):
        dk = d[i] * (k[i] - 1) + 1
        if dk > sp[i] + 2 * p[i]:
            raise DistGluError("%s: the dilated kernel %s exceeds the padded input %s "
                               "(input %s, pad %s)" % (
                                   opname, tuple(d[j] * (k[j] - 1) + 1 for j in range(len(k))),
                                   tuple(sp[j] + 2 * p[j] for j in range(len(k))), sp, p))
        o.append((sp[i] + 2 * p[i] - dk) // s[i] + 1)
    return _Geometry(k, s, d, p, num_group, tuple(sp), tuple(o), last, num_filter)


def Deconvolution(data=None, weight=None, bias=None, kernel=None, stride=(), dilate=(),
                  pad=(), adj=(), target_shape=(), num_filter=None, num_group=1,
                  workspace=512, no_bias=True, cudnn_tune=None, cudnn_off=False, layout=None,
                  out=None, name=None, **kwargs):
    """Transposed convolution (the gradient of Convolution w.r.t. its input), as MXNet.

    data: (N, C, *S); weight: (C, num_filter/num_group, *kernel) (channel-last:
    (C, *kernel, num_filter/num_group)); bias: (num_filter,) only with ``no_bias=False``
    (MXNet's default is ``no_bias=True``).
    Output: (N, num_filter, *O), O = stride*(S-1) + dilate*(kernel-1) + 1 - 2*pad + adj;
    ``adj`` (default 0) must be smaller than ``stride``. A non-zero ``target_shape``
    replaces pad and adj as MXNet computes them: total = stride*(S-1) + dilated kernel -
    target, adj = total % 2, pad = (total + 1) // 2, so the output has the target size.
    """
    key = _cache_key(('D', kernel, stride, dilate, pad, adj, target_shape, num_filter,
                      num_group, no_bias, layout), data, weight, bias)
    geo = _cached(key, data, weight, bias)
    if geo is None:
        geo = _store(key, _deconv_geometry(data, weight, bias, kernel, stride, dilate, pad,
                                           adj, target_shape, num_filter, num_group, no_bias,
                                           layout))
    return _apply_layer('D', data, weight, bias, geo, out)


def _deconv_geometry(data, weight, bias, kernel, stride, dilate, pad, adj, target_shape,
                     num_filter, num_group, no_bias, layout):
    opname = 'Deconvolution'
    k, s, d, p, num_filter, num_group, channels, last, sp = _common_params(
        opname, data, weight, bias, kernel, stride, dilate, pad, num_filter, num_group,
        no_bias, layout)
    nsp = len(k)
    _check_weight(opname, weight, channels, num_filter // num_group, k, last,
                  '(channels, num_filter/num_group, *kernel)' if not last else
                  '(channels, *kernel, num_filter/num_group)')
    a = _shape_param(adj, nsp, 'adj', opname, 0)
    t = _shape_param(target_shape, nsp, 'target_shape', opname, 0)
    dk = tuple(d[i] * (k[i] - 1) + 1 for i in range(nsp))
    if any(t):
        p, a = list(p), list(a)
        for i in range(nsp):
            total = s[i] * (sp[i] - 1) + dk[i]
            if total < t[i]:
                raise DistGluError("%s: target_shape %s is too big: axis %d can reach at most "
                                   "%d" % (opname, t, i, total))
            total -= t[i]
            a[i] = total % 2
            p[i] = (total + 1) // 2
        p, a = tuple(p), tuple(a)
    if min(a) < 0:
        raise DistGluError("%s: adj must not be negative, got %s" % (opname, a))
    for i in range(nsp):
        if a[i] >= s[i]:
            raise DistGluError("%s: adj %s must be smaller than stride %s on every axis%s"
                               % (opname, a, s, ' (adj computed from target_shape %s)' % (t,)
                                  if any(t) else ''))
    o = tuple(s[i] * (sp[i] - 1) + dk[i] - 2 * p[i] + a[i] for i in range(nsp))
    if min(o) < 1:
        raise DistGluError("%s: the output size %s is not positive (input %s, kernel %s, "
                           "stride %s, pad %s, adj %s)" % (opname, o, sp, k, s, p, a))
    # In the terms of the convolution it transposes: input O (pad p) -> output S.
    return _Geometry(k, s, d, p, num_group, o, tuple(sp), last, num_filter)


# Pooling and UpSampling live in pool.py (which imports the helpers above); exported from
# here so the ops package picks them up with this family.
from .pool import Pooling, UpSampling  # noqa: E402

__all__ += ['Pooling', 'UpSampling']
