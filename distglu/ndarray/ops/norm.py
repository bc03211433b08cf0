"""Normalization operators (``nd.BatchNorm``, ``nd.LayerNorm``, ``nd.InstanceNorm``,
``nd.GroupNorm``, ``nd.L2Normalization``, ``nd.LRN``) with MXNet 1.x semantics.

BatchNorm, LayerNorm, InstanceNorm and GroupNorm share one core: the data is viewed as
a 3-D array ``(A, C, B)`` whose axis 1 holds the affine parameters (``gamma``/``beta``
of shape ``(C,)``); mean and variance are taken over ``red`` (a subset of the three
axes). The backward is the exact vjp of the normalization (gradients through the mean
and the variance included), written with ``xp`` so that a ``create_graph`` backward
recomputes the statistics differentiably.
"""
from ... import autograd as _ag
from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _results, _result, _write_out, _check_ctx, _xp

__all__ = ['BatchNorm', 'LayerNorm', 'InstanceNorm', 'GroupNorm', 'L2Normalization', 'LRN']


# --------------------------------------------------------------------------- helpers

def _check_arrays(opname, data, **params):
    if not isinstance(data, NDArray):
        raise DistGluError("%s: expected an NDArray for data, got %s"
                           % (opname, type(data).__name__))
    for argname, a in params.items():
        if not isinstance(a, NDArray):
            raise DistGluError("%s: expected an NDArray for %s, got %s"
                               % (opname, argname, type(a).__name__))
        _check_ctx(data, a, opname)


def _check_param_shapes(opname, n, what, **params):
    for argname, a in params.items():
        if a.shape != (n,):
            raise DistGluError("%s: %s must have shape (%d,) (%s), got %s"
                               % (opname, argname, n, what, a.shape))


def _check_axis_input(opname, data, axis, **params):
    """Checks for an operator that normalizes ``data`` with the (C,) parameters ``params``,
    C = data.shape[axis]. Returns (raw data, axis in [0, ndim))."""
    _check_arrays(opname, data, **params)
    x = data._data
    if x.ndim < 1:
        raise DistGluError("%s: expected an input with at least 1 dimension, got a scalar"
                           % opname)
    ax = _norm_axis(opname, axis, x.ndim)
    _check_param_shapes(opname, x.shape[ax], 'the size of data axis %d' % ax, **params)
    return x, ax


def _check_spatial_input(opname, data, gamma, beta):
    """Checks for an (N, C, spatial...) input (InstanceNorm, GroupNorm); returns it raw."""
    _check_arrays(opname, data, gamma=gamma, beta=beta)
    x = data._data
    if x.ndim < 3:
        raise DistGluError("%s: expected an input of at least 3 dimensions "
                           "(batch, channel, spatial...), got shape %s" % (opname, x.shape))
    return x


def _norm_axis(opname, axis, ndim):
    axis = int(axis)
    if not -ndim <= axis < ndim:
        raise DistGluError("%s: axis %d is out of range for an input of %d dimensions"
                           % (opname, axis, ndim))
    return axis % ndim


def _shape3(shape, axis):
    """(A, C, B): the shape viewed with ``axis`` in the middle."""
    a = 1
    for s in shape[:axis]:
        a *= s
    b = 1
    for s in shape[axis + 1:]:
        b *= s
    return (a, shape[axis], b)


def _param3(xp, p, dtype):
    """A (C,) parameter as (1, C, 1) in the data's dtype (no copy when it already is)."""
    return xp.reshape(p.astype(dtype, copy=False), (1, p.shape[0], 1))


# Reductions use einsum (several times faster than ndarray.sum over non-trailing axes), and
# a per-channel factor of the BatchNorm view (A, C, B) is expanded to a contiguous
# (1, C, B) row: NumPy runs ``x * row`` as one long loop, but ``x * col`` with a stride-0
# (1, C, 1) operand as A*C short loops, several times slower.

def _keep(red):
    """einsum output subscripts of the statistics of reduction axes ``red`` of 'acb'."""
    return ''.join(ax for i, ax in enumerate('acb') if i not in red)


def _stat_shape(s3, red):
    return tuple(1 if i in red else n for i, n in enumerate(s3))


def _operand(xp, v, s3, red):
    """Statistics ``v`` (any shape with the right size) as an operand for the (A, C, B)
    array: (1, C, B) rows for per-channel statistics, else the keepdims shape."""
    a, c, b = s3
    if red == (0, 2) and a > 1 and b > 1:
        return xp.broadcast_to(xp.reshape(v, (1, c, 1)), (1, c, b)).copy()
    return xp.reshape(v, _stat_shape(s3, red))


def _normalize(x3, red, eps, w, b, w_const):
    """Forward core: returns (y3, mean, var, inv), statistics of keepdims shape.

    ``w``/``b`` are (1, C, 1) or None; ``w_const`` says whether w is constant inside each
    statistics set (then scale and inverse std fold into one multiplier).
    """
    xp = _xp(x3)
    s3 = x3.shape
    sshape = _stat_shape(s3, red)
    count = 1
    for i in red:
        count *= s3[i]
    keep = _keep(red)
    mean = xp.reshape(xp.einsum('acb->' + keep, x3), sshape) * (1.0 / count)
    y = x3 - _operand(xp, mean, s3, red)
    var = xp.reshape(xp.einsum('acb,acb->' + keep, y, y), sshape) * (1.0 / count)
    inv = 1.0 / xp.sqrt(var + eps)
    if w is None or not w_const:
        y *= inv if red != (0, 2) else _operand(xp, inv, s3, red)
        if w is not None:
            y *= w
    else:
        k = inv * w
        y *= _operand(xp, k, s3, red) if red == (0, 2) else k
    if b is not None:
        y += _operand(xp, b, s3, red) if red == (0, 2) else b
    return y, mean, var, inv


def _normalize_bwd_plain(xp, g3, x3, mean, inv, w, red, count, w_const, need_w, need_b):
    """The vjp of :func:`_normalize_bwd` with NumPy/CuPy arrays: in place, few passes."""
    s3 = x3.shape
    keep = _keep(red)
    sshape = _stat_shape(s3, red)
    rest = ''.join(ax for ax in keep if ax != 'c')   # statistics axes that gamma spans
    xc = x3 - _operand(xp, mean, s3, red)
    if w_const:
        s1 = xp.reshape(xp.einsum('acb->' + keep, g3), sshape)
        s2 = xp.reshape(xp.einsum('acb,acb->' + keep, g3, xc), sshape)   # sum g (x - mean)
        # dx = k (g - s1/count - (x - mean) inv^2 s2/count), k = inv * w
        k = inv if w is None else inv * w
        xc *= _operand(xp, inv * inv * s2 * (-1.0 / count), s3, red)
        xc -= _operand(xp, s1 * (1.0 / count), s3, red)
        xc += g3
        xc *= _operand(xp, k, s3, red)
        dw = db = None
        if need_w:
            dw = s2 * inv
            dw = xp.sum(dw, axis=tuple(i for i, ax in enumerate('acb') if ax in rest),
                        keepdims=True) if rest else dw
        if need_b:
            db = xp.sum(s1, axis=tuple(i for i, ax in enumerate('acb') if ax in rest),
                        keepdims=True) if rest else s1
        return xc, dw, db
    xc *= inv                                       # xhat
    dw = xp.einsum('acb,acb->c', g3, xc).reshape(1, -1, 1) if need_w else None
    db = xp.einsum('acb->c', g3).reshape(1, -1, 1) if need_b else None
    gw = g3 * w
    m1 = xp.reshape(xp.einsum('acb->' + keep, gw), sshape) * (1.0 / count)
    m2 = xp.reshape(xp.einsum('acb,acb->' + keep, gw, xc), sshape) * (1.0 / count)
    # dx = inv (g w - mean(g w) - xhat mean(g w xhat))
    xc *= m2
    gw -= m1
    gw -= xc
    gw *= inv
    return gw, dw, db


def _stats_nd(xp, x3, red, eps):
    """Mean and inverse std recomputed differentiably (``create_graph`` backward)."""
    mean = xp.mean(x3, axis=red, keepdims=True)
    xc = x3 - mean
    var = xp.mean(xc * xc, axis=red, keepdims=True)
    return mean, 1.0 / xp.sqrt(var + eps)


def _as_nd(x, like):
    """Wrap a raw constant for a create_graph backward (NDArray arithmetic needs NDArrays)."""
    return NDArray._wrap(x, like._ctx)


def _normalize_bwd(xp, g3, x3, mean, inv, w, red, count, w_const, need_w, need_b):
    """The exact vjp of ``y = (x - mean(x)) * inv(x) * w + b`` in the (A, C, B) view.

    Returns (dx3, dw (1,C,1) or None, db (1,C,1) or None).
    """
    xhat = (x3 - mean) * inv
    gx = g3 * xhat
    pax = (0, 2)
    if w_const:
        # w is constant over each statistics set: reduce once, reuse for dx, dw and db
        s1 = xp.sum(g3, axis=red, keepdims=True)
        s2 = xp.sum(gx, axis=red, keepdims=True)
        k = inv if w is None else inv * w
        dx = k * (g3 - s1 * (1.0 / count) - xhat * (s2 * (1.0 / count)))
        rest = tuple(a for a in pax if a not in red)
        dw = db = None
        if need_w:
            dw = xp.sum(s2, axis=rest, keepdims=True) if rest else s2
        if need_b:
            db = xp.sum(s1, axis=rest, keepdims=True) if rest else s1
        return dx, dw, db
    gw = g3 if w is None else g3 * w
    m1 = xp.mean(gw, axis=red, keepdims=True)
    m2 = xp.mean(gw * xhat, axis=red, keepdims=True)
    dx = inv * (gw - m1 - xhat * m2)
    dw = xp.sum(gx, axis=pax, keepdims=True) if need_w else None
    db = xp.sum(g3, axis=pax, keepdims=True) if need_b else None
    return dx, dw, db


def _flat_param(xp, d, n):
    return None if d is None else xp.reshape(d, (n,))


def _groupwise_forward(x, s3, red, eps, gamma, beta, w_const):
    """LayerNorm, InstanceNorm, GroupNorm forward on raw ``x`` viewed as ``s3``, with
    statistics over ``red``: returns (y in x's shape and dtype, mean, inv)."""
    xp = _xp(x)
    dt = x.dtype
    y, mean, _, inv = _normalize(xp.reshape(x, s3), red, eps, _param3(xp, gamma._data, dt),
                                 _param3(xp, beta._data, dt), w_const)
    return xp.reshape(y.astype(dt, copy=False), x.shape), mean, inv


def _outputs(data, out, y, stats, bwd, inputs, ins, attrs):
    """The operator's result: ``y`` (written into ``out`` if given), or with
    ``output_mean_var`` the list ``[y] + stats`` (``y`` written into ``out``)."""
    if stats is None:
        return _write_out(out, _result(y, data._ctx, bwd, inputs, ins, None, attrs))
    res = _results([y] + stats, data._ctx, bwd, inputs, ins, None, attrs)
    if out is not None:
        _write_out(out, res[0])
        res[0] = out
    return res


def _first_grad(g):
    """The gradient of output 0 of a node (a list when the node has several outputs)."""
    return g[0] if isinstance(g, list) else g


# --------------------------------------------------------------------------- BatchNorm

def BatchNorm(data=None, gamma=None, beta=None, moving_mean=None, moving_var=None,
              eps=0.001, momentum=0.9, fix_gamma=True, use_global_stats=False,
              output_mean_var=False, axis=1, cudnn_off=False, min_calib_range=None,
              max_calib_range=None, out=None, name=None, **kwargs):
    """Batch normalization over every axis but ``axis`` (MXNet's ``nd.BatchNorm``).

    data: any shape with ``data.shape[axis] == C``; gamma, beta, moving_mean, moving_var:
    (C,). In training mode (``autograd.is_training()``) and without ``use_global_stats``
    the output uses the batch mean and the biased batch variance, and ``moving_mean`` /
    ``moving_var`` are updated in place, ``moving = moving * momentum + batch * (1 -
    momentum)`` (the biased variance, as MXNet). Otherwise the moving statistics are used.
    ``fix_gamma=True`` uses gamma = 1 and gives gamma a zero gradient (MXNet also writes
    ones into ``gamma``; distglu leaves the array alone). With ``output_mean_var`` returns
    ``[out, mean, 1/sqrt(var + eps)]`` (batch statistics in training, moving ones else),
    no gradient flows through the last two. ``cudnn_off`` and the calibration ranges are
    accepted and ignored.

    Differences from MXNet 1.9.1 on CPU, which updates the moving statistics during the
    backward pass (so only a recorded forward followed by ``backward`` updates them):
    distglu updates them during the training-mode forward, as MXNet does on GPU (cuDNN).
    """
    x, ax = _check_axis_input('BatchNorm', data, axis, gamma=gamma, beta=beta,
                              moving_mean=moving_mean, moving_var=moving_var)
    shape = x.shape
    c = shape[ax]
    xp = _xp(x)
    dt = x.dtype
    s3 = _shape3(shape, ax)
    x3 = xp.reshape(x, s3)
    w = None if fix_gamma else _param3(xp, gamma._data, dt)
    b = _param3(xp, beta._data, dt)
    training = _ag._training and not use_global_stats
    if training:
        red = (0, 2)
        y, mean, var, inv = _normalize(x3, red, eps, w, b, True)
        mm = moving_mean._data
        mv = moving_var._data
        count = s3[0] * s3[2]
        mm *= momentum
        mm += (mean.reshape(c) * (1.0 - momentum)).astype(mm.dtype, copy=False)
        mv *= momentum
        mv += (var.reshape(c) * (1.0 - momentum)).astype(mv.dtype, copy=False)
        attrs = (True, s3, red, eps, mean, inv, count, fix_gamma)
    else:
        red = (0, 2)
        mean = _param3(xp, moving_mean._data, dt)
        inv = 1.0 / xp.sqrt(_param3(xp, moving_var._data, dt) + eps)
        k = inv if w is None else inv * w
        y = x3 * _operand(xp, k, s3, red)
        y += _operand(xp, b - mean * k, s3, red)
        attrs = (False, s3, red, eps, mean, inv, 0, fix_gamma)
    y = xp.reshape(y.astype(dt, copy=False), shape)
    stats = [mean.reshape(c).copy(), inv.reshape(c).copy()] if output_mean_var else None
    return _outputs(data, out, y, stats, _batchnorm_bwd, (data, gamma, beta),
                    (data,) if fix_gamma else (data, gamma), attrs)


def _batchnorm_bwd(xp, g, ins, out, attrs):
    g = _first_grad(g)
    if g is None:
        return None, None, None
    training, s3, red, eps, mean, inv, count, fix_gamma = attrs
    x = ins[0]
    shape = x.shape
    c = s3[1]
    nd = getattr(xp, 'is_nd', False)
    x3 = xp.reshape(x, s3)
    g3 = xp.reshape(g, s3)
    w = None if fix_gamma else xp.reshape(ins[1], (1, c, 1))
    if training:
        if nd:
            mean, inv = _stats_nd(xp, x3, red, eps)
            dx, dw, db = _normalize_bwd(xp, g3, x3, mean, inv, w, red, count, True,
                                        not fix_gamma, True)
        else:
            dx, dw, db = _normalize_bwd_plain(xp, g3, x3, mean, inv, w, red, count, True,
                                              not fix_gamma, True)
    elif nd:
        mean, inv = _as_nd(mean, x), _as_nd(inv, x)
        k = inv if w is None else inv * w
        dx = g3 * k
        dw = None if fix_gamma else xp.sum(g3 * ((x3 - mean) * inv), axis=(0, 2),
                                           keepdims=True)
        db = xp.sum(g3, axis=(0, 2), keepdims=True)
    else:
        # moving statistics are constants: dx = g k, dgamma = sum(g (x - mean)) inv
        k = inv if w is None else inv * w
        dx = g3 * _operand(xp, k, s3, red)
        db = xp.einsum('acb->c', g3)
        dw = None
        if not fix_gamma:
            dw = (xp.einsum('acb,acb->c', g3, x3) - mean.reshape(c) * db) * inv.reshape(c)
    return xp.reshape(dx, shape), _flat_param(xp, dw, c), _flat_param(xp, db, c)


# --------------------------------------------------------------------------- LayerNorm

def LayerNorm(data=None, gamma=None, beta=None, axis=-1, eps=1e-5, output_mean_var=False,
              out=None, name=None, **kwargs):
    """Layer normalization along ``axis`` (MXNet's ``nd.LayerNorm``).

    gamma, beta: (data.shape[axis],). ``out = (x - mean) / sqrt(var + eps) * gamma + beta``
    with mean and (biased) variance over ``axis``. With ``output_mean_var`` returns
    ``[out, mean, std]`` where mean and ``std = sqrt(var + eps)`` keep ``axis`` with size 1;
    no gradient flows through them.
    """
    x, ax = _check_axis_input('LayerNorm', data, axis, gamma=gamma, beta=beta)
    shape = x.shape
    s3 = _shape3(shape, ax)
    red = (1,)
    y, mean, inv = _groupwise_forward(x, s3, red, eps, gamma, beta, False)
    stats = None
    if output_mean_var:
        xp = _xp(x)
        sshape = shape[:ax] + (1,) + shape[ax + 1:]
        stats = [xp.reshape(mean, sshape), xp.reshape(1.0 / inv, sshape)]
    return _outputs(data, out, y, stats, _groupwise_bwd, (data, gamma, beta), (data, gamma),
                    (s3, red, eps, mean, inv, shape[ax], False))


def _groupwise_bwd(xp, g, ins, out, attrs):
    """vjp of LayerNorm, InstanceNorm and GroupNorm (statistics per row of the 3-D view)."""
    g = _first_grad(g)
    if g is None:
        return None, None, None
    s3, red, eps, mean, inv, c, w_const = attrs
    x, gamma = ins
    shape = x.shape
    x3 = xp.reshape(x, s3)
    count = 1
    for a in red:
        count *= s3[a]
    bwd = _normalize_bwd_plain
    if getattr(xp, 'is_nd', False):
        mean, inv = _stats_nd(xp, x3, red, eps)
        bwd = _normalize_bwd
    dx, dw, db = bwd(xp, xp.reshape(g, s3), x3, mean, inv, xp.reshape(gamma, (1, s3[1], 1)),
                     red, count, w_const, True, True)
    return xp.reshape(dx, shape), _flat_param(xp, dw, c), _flat_param(xp, db, c)


# --------------------------------------------------------------------------- InstanceNorm

def InstanceNorm(data=None, gamma=None, beta=None, eps=0.001, out=None, name=None,
                 **kwargs):
    """Instance normalization (MXNet's ``nd.InstanceNorm``).

    data: (N, C, d1, ...) with at least 3 dimensions; gamma, beta: (C,). Each (n, c)
    slice is normalized by its own mean and biased variance: ``(x - mean) / sqrt(var +
    eps) * gamma + beta``, the same in training and inference.
    """
    x = _check_spatial_input('InstanceNorm', data, gamma, beta)
    shape = x.shape
    c = shape[1]
    _check_param_shapes('InstanceNorm', c, 'the number of channels', gamma=gamma, beta=beta)
    s3 = (shape[0], c, x.size // max(shape[0] * c, 1))
    red = (2,)
    y, mean, inv = _groupwise_forward(x, s3, red, eps, gamma, beta, True)
    return _outputs(data, out, y, None, _groupwise_bwd, (data, gamma, beta), (data, gamma),
                    (s3, red, eps, mean, inv, c, True))


# --------------------------------------------------------------------------- GroupNorm

def GroupNorm(data=None, gamma=None, beta=None, num_groups=1, eps=1e-5,
              output_mean_var=False, out=None, name=None, **kwargs):
    """Group normalization (MXNet 1.9.1's ``nd.GroupNorm``).

    data: (N, C, d1, ...) with at least 3 dimensions and C divisible by ``num_groups``.
    The channels are split into ``num_groups`` groups; each (n, group) is normalized by
    its mean and biased variance. As in MXNet 1.9.1, gamma and beta have one value per
    group: shape (num_groups,). With ``output_mean_var`` returns ``[out, mean, std]`` with
    mean and ``std = sqrt(var + eps)`` of shape (N, num_groups).
    """
    x = _check_spatial_input('GroupNorm', data, gamma, beta)
    shape = x.shape
    ng = int(num_groups)
    if ng < 1 or shape[1] % ng:
        raise DistGluError("GroupNorm: the number of channels (%d) must be divisible by "
                           "num_groups (%d)" % (shape[1], ng))
    _check_param_shapes('GroupNorm', ng, 'one value per group, num_groups', gamma=gamma,
                        beta=beta)
    s3 = (shape[0], ng, x.size // max(shape[0] * ng, 1))
    red = (2,)
    y, mean, inv = _groupwise_forward(x, s3, red, eps, gamma, beta, True)
    stats = None
    if output_mean_var:
        xp = _xp(x)
        stats = [xp.reshape(mean, s3[:2]), xp.reshape(1.0 / inv, s3[:2])]
    return _outputs(data, out, y, stats, _groupwise_bwd, (data, gamma, beta), (data, gamma),
                    (s3, red, eps, mean, inv, ng, True))


# --------------------------------------------------------------------------- L2Normalization

_L2_MODES = ('instance', 'channel', 'spatial')


def L2Normalization(data=None, eps=1e-10, mode='instance', out=None, name=None, **kwargs):
    """Divide by the L2 norm (MXNet's ``nd.L2Normalization``).

    ``out = x / sqrt(sum(x**2) + eps)`` where the sum runs, for ``mode``:
    'instance' over every axis but 0 (so a 1-D input is normalized element by element,
    as MXNet does), 'channel' over axis 1, 'spatial' over axes 2 and up. 'channel' and
    'spatial' need at least 3 dimensions.
    """
    _check_arrays('L2Normalization', data)
    if mode not in _L2_MODES:
        raise DistGluError("L2Normalization: mode must be one of %s, got %r"
                           % (_L2_MODES, mode))
    x = data._data
    shape = x.shape
    if x.ndim < 1:
        raise DistGluError("L2Normalization: expected an input with at least 1 dimension")
    if mode != 'instance' and x.ndim < 3:
        raise DistGluError("L2Normalization: mode %r needs an input of at least 3 "
                           "dimensions, got shape %s" % (mode, shape))
    xp = _xp(x)
    n = shape[0]
    if mode == 'instance':
        s3, red = (n, x.size // max(n, 1), 1), (1,)
    elif mode == 'channel':
        s3, red = (n, shape[1], x.size // max(n * shape[1], 1)), (1,)
    else:
        s3, red = (n, shape[1], x.size // max(n * shape[1], 1)), (2,)
    x3 = xp.reshape(x, s3)
    inv = 1.0 / xp.sqrt((x3 * x3).sum(axis=red, keepdims=True) + eps)
    y = xp.reshape((x3 * inv).astype(x.dtype, copy=False), shape)
    return _write_out(out, _result(y, data._ctx, _l2norm_bwd, (data,), (data,), y,
                                   (s3, red, eps, inv)))


def _l2norm_bwd(xp, g, ins, y, attrs):
    s3, red, eps, inv = attrs
    x = ins[0]
    shape = x.shape
    if getattr(xp, 'is_nd', False):
        x3 = xp.reshape(x, s3)
        inv = 1.0 / xp.sqrt(xp.sum(x3 * x3, axis=red, keepdims=True) + eps)
        y3 = x3 * inv
    else:
        y3 = xp.reshape(y, s3)
    g3 = xp.reshape(g, s3)
    # d/dx (x * inv) = inv * (g - y * sum(g * y))
    dx = inv * (g3 - y3 * xp.sum(g3 * y3, axis=red, keepdims=True))
    return (xp.reshape(dx, shape),)


# --------------------------------------------------------------------------- LRN

def _window_sum(xp, a, half):
    """Sum of ``a`` over channels c-half..c+half (axis 1), clipped at the edges."""
    s = a.copy()
    for o in range(1, min(half, a.shape[1] - 1) + 1):
        s[:, o:] += a[:, :-o]
        s[:, :-o] += a[:, o:]
    return s


def LRN(data=None, alpha=0.0001, beta=0.75, knorm=2, nsize=None, out=None, name=None,
        **kwargs):
    """Local response normalization across channels (MXNet's ``nd.LRN``).

    data: (N, C, H, W). ``out[:, c] = x[:, c] / (knorm + alpha / nsize * sum(x[:, j]**2))
    ** beta`` with j over the channels ``c - (nsize-1)//2 .. c + (nsize-1)//2`` that exist
    (for an even ``nsize`` MXNet's window is ``nsize - 1`` channels wide; distglu matches).
    """
    _check_arrays('LRN', data)
    if nsize is None:
        raise DistGluError("LRN: the window width nsize is required")
    nsize = int(nsize)
    if nsize < 1:
        raise DistGluError("LRN: nsize must be a positive integer, got %d" % nsize)
    x = data._data
    if x.ndim != 4:
        raise DistGluError("LRN: expected a 4-D input (batch, channel, height, width), got "
                           "shape %s" % (x.shape,))
    xp = _xp(x)
    coef = alpha / nsize
    scale = _window_sum(xp, x * x, (nsize - 1) // 2)
    scale *= coef
    scale += knorm
    y = (x * scale ** -beta).astype(x.dtype, copy=False)
    return _write_out(out, _result(y, data._ctx, _lrn_bwd, (data,), (data,), y,
                                   ((nsize - 1) // 2, coef, beta, scale)))


def _lrn_bwd(xp, g, ins, y, attrs):
    if getattr(xp, 'is_nd', False):
        raise DistGluError("LRN: second-order gradients (create_graph=True) are not "
                           "supported")
    half, coef, beta, scale = attrs
    x = ins[0]
    # y_c = x_c * s_c^-beta, s_c = k + coef * sum_{|j-c|<=half} x_j^2
    t = g * y
    t /= scale
    dx = _window_sum(xp, t, half)
    dx *= x * (-2.0 * beta * coef)
    dx += g * scale ** -beta
    return (dx.astype(x.dtype, copy=False),)
