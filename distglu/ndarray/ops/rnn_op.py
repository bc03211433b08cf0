"""The fused recurrent operator ``nd.RNN`` (MXNet 1.x): vanilla RNN, LSTM and GRU,
stacked and bidirectional, layout TNC, with MXNet's flat parameter vector.

Parameter packing (MXNet's): first every weight, for each layer and each direction the
input-to-hidden weight (G*H, input) then the hidden-to-hidden weight (G*H, H) (and, for
an LSTM with ``projection_size`` P, the projection weight (P, H)); then every bias in the
same order, input-to-hidden (G*H,) then hidden-to-hidden (G*H,). Gate blocks: LSTM
i, f, g, o; GRU r, z, n with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

This module checks the arguments, unpacks the parameters and drives the layers and
directions; the per-step forward and backward math of each cell type and the work-array
pool live in ``_rnn_cells`` (speed notes there).
"""
import math
import weakref

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError
from ...context import device_scope
from ..ndarray import NDArray
from ._core import _result, _results, _write_out, _check_ctx, _xp, _grad_target
from ._rnn_cells import (_take, _give, _Dir, _out_time, _lstm_fwd, _gru_fwd, _vanilla_fwd,
                         _lstm_bwd, _gru_bwd, _vanilla_bwd)

__all__ = ['RNN']

_GATES = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}


# --------------------------------------------------------------------------- parameters

def _param_specs(mode, input_size, h, num_layers, ndir, proj):
    """The parameters in MXNet's flat order: a list of (layer, direction, key, shape) with
    key 'wx', 'wh', 'wr' (weights first, for every layer and direction), then 'bx', 'bh'
    (biases, in the same order)."""
    g = _GATES[mode]
    hr = proj or h
    weights, biases = [], []
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else ndir * hr
        for d in range(ndir):
            weights.append((layer, d, 'wx', (g * h, n_in)))
            weights.append((layer, d, 'wh', (g * h, hr)))
            if proj:
                weights.append((layer, d, 'wr', (proj, h)))
            biases.append((layer, d, 'bx', (g * h,)))
            biases.append((layer, d, 'bh', (g * h,)))
    return weights + biases


def _nest(specs, arrays, num_layers, ndir):
    """Per-layer, per-direction dicts {key: array} from arrays given in ``specs`` order."""
    layers = [[{} for _ in range(ndir)] for _ in range(num_layers)]
    for (layer, d, key, _), a in zip(specs, arrays):
        layers[layer][d][key] = a
    return layers


def _unpack(flat, specs, num_layers, ndir):
    """Views into MXNet's flat parameter vector, nested as _nest makes them."""
    views = []
    off = 0
    for *_, shape in specs:
        n = math.prod(shape)
        views.append(flat[off:off + n].reshape(shape))
        off += n
    return _nest(specs, views, num_layers, ndir)


# --------------------------------------------------------------------------- the operator

def _check_state(argname, a, shape, dtype, what):
    if a.shape != shape:
        raise DistGluError("RNN: %s must have shape %s (num_layers * directions, batch, "
                           "%s), got %s" % (argname, shape, what, a.shape))
    if a.dtype != dtype:
        raise DistGluError("RNN: %s must have the dtype of data (%s), got %s"
                           % (argname, np.dtype(dtype).name, a.dtype))


def _dropout_mask(xp, ctx, shape, p, dt):
    from ..random import _generator
    gen = _generator(ctx)
    if isinstance(gen, np.random.Generator):
        u = gen.random(shape, dtype=np.float64 if dt == np.float64 else np.float32)
    else:
        u = gen.random_sample(shape, dtype=dt)
    keep = u >= p
    return keep.astype(dt) * (1.0 / (1.0 - p))


def RNN(data=None, parameters=None, state=None, state_cell=None, sequence_length=None,
        state_size=None, num_layers=None, bidirectional=False, mode=None, p=0.0,
        state_outputs=False, projection_size=None, lstm_state_clip_min=None,
        lstm_state_clip_max=None, lstm_state_clip_nan=False, use_sequence_length=False,
        out=None, name=None, **kwargs):
    """Stacked (bidirectional) RNN, LSTM or GRU over a sequence (MXNet's ``nd.RNN``).

    data: (T, N, input_size), layout TNC. parameters: MXNet's flat vector (packing in the
    module docstring). state: (num_layers * D, N, H) initial hidden state (D = 2 when
    bidirectional; H is ``projection_size`` for a projected LSTM); state_cell: (num_layers
    * D, N, state_size), LSTM only. Returns out (T, N, D * H); with ``state_outputs`` a
    list ``[out, h_n]`` (``[out, h_n, c_n]`` for an LSTM). Bidirectional outputs hold the
    forward direction first. ``p``: dropout on the outputs of every layer but the last,
    in training mode. ``use_sequence_length`` with ``sequence_length`` (N,): steps past a
    sequence's length output zeros and leave the state unchanged (the final state is the
    one at the last valid step; the reverse direction starts at the last valid step), as
    cuDNN does (MXNet 1.9.1 on CPU ignores sequence_length). ``lstm_state_clip_min/max``
    clip the cell state after each step (cuDNN; MXNet 1.9.1 on CPU ignores it), with
    ``lstm_state_clip_nan`` a NaN becomes the clip minimum. Differentiable w.r.t. data,
    parameters and the initial states (first order only).
    """
    if not isinstance(parameters, NDArray):
        raise DistGluError("RNN: expected an NDArray for parameters, got %s"
                           % type(parameters).__name__)
    return _rnn(data, parameters, state, state_cell, sequence_length, state_size, num_layers,
                bidirectional, mode, p, state_outputs, projection_size, lstm_state_clip_min,
                lstm_state_clip_max, lstm_state_clip_nan, use_sequence_length, out)


def _rnn_unpacked(data, weights, state, state_cell=None, sequence_length=None, **kwargs):
    """``RNN`` with the parameters as a list of NDArrays, one per matrix and bias in
    MXNet's flat order (the order of _param_specs), instead of the flat vector: what the
    Gluon layers call. It saves concatenating the parameters on every forward and
    splitting their gradient on every backward; the backward writes each gradient
    straight into the parameter's gradient buffer when it can."""
    return _rnn(data, list(weights), state, state_cell, sequence_length, **kwargs)


def _check_params(params, specs, data, mode, n_in, h, nl, ndir, proj):
    """The raw parameter arrays, nested per layer and direction, and the NDArrays the
    gradient flows to, after checking them against what ``specs`` expects."""
    dt = data._data.dtype
    if isinstance(params, NDArray):
        _check_ctx(data, params, 'RNN')
        w_flat = params._data
        size = sum(math.prod(spec[3]) for spec in specs)
        if w_flat.shape != (size,):
            raise DistGluError(
                "RNN: parameters must be a vector of %d elements for mode=%r, input size "
                "%d, state_size=%d, num_layers=%d, bidirectional=%s%s; got shape %s"
                % (size, mode, n_in, h, nl, ndir == 2,
                   '' if proj is None else ', projection_size=%d' % proj, w_flat.shape))
        if w_flat.dtype != dt:
            raise DistGluError("RNN: parameters must have the dtype of data (%s), got %s"
                               % (dt.name, w_flat.dtype))
        return _unpack(w_flat, specs, nl, ndir), [params]
    if len(params) != len(specs):
        raise DistGluError("RNN: expected %d parameter arrays for mode=%r, num_layers=%d, "
                           "bidirectional=%s, got %d"
                           % (len(specs), mode, nl, ndir == 2, len(params)))
    for a, (layer, d, key, shape) in zip(params, specs):
        what = "RNN: parameter %s of layer %d, direction %d" % (key, layer, d)
        if not isinstance(a, NDArray):
            raise DistGluError("%s: expected an NDArray, got %s" % (what, type(a).__name__))
        _check_ctx(data, a, 'RNN')
        if a.shape != shape or a._data.dtype != dt:
            raise DistGluError("%s: expected shape %s and dtype %s, got %s and %s"
                               % (what, shape, dt.name, a.shape, a._data.dtype))
    return _nest(specs, [a._data for a in params], nl, ndir), list(params)


def _rnn(data, parameters, state, state_cell, sequence_length, state_size=None,
         num_layers=None, bidirectional=False, mode=None, p=0.0, state_outputs=False,
         projection_size=None, lstm_state_clip_min=None, lstm_state_clip_max=None,
         lstm_state_clip_nan=False, use_sequence_length=False, out=None):
    if mode not in _GATES:
        raise DistGluError("RNN: mode must be one of 'rnn_relu', 'rnn_tanh', 'lstm', 'gru', "
                           "got %r" % (mode,))
    if state_size is None or num_layers is None:
        raise DistGluError("RNN: state_size and num_layers are required")
    h = int(state_size)
    nl = int(num_layers)
    if h < 1 or nl < 1:
        raise DistGluError("RNN: state_size and num_layers must be positive, got %d and %d"
                           % (h, nl))
    for argname, a in (('data', data), ('state', state)):
        if not isinstance(a, NDArray):
            raise DistGluError("RNN: expected an NDArray for %s, got %s"
                               % (argname, type(a).__name__))
    _check_ctx(data, state, 'RNN')
    is_lstm = mode == 'lstm'
    proj = None
    if projection_size is not None:
        if not is_lstm:
            raise DistGluError("RNN: projection_size is only supported for mode='lstm', got "
                               "mode=%r" % mode)
        proj = int(projection_size)
        if not 0 < proj:
            raise DistGluError("RNN: projection_size must be positive, got %d" % proj)
    x = data._data
    if x.ndim != 3:
        raise DistGluError("RNN: data must be 3-D (sequence length, batch, input size), got "
                           "shape %s" % (x.shape,))
    dt = x.dtype
    if dt.kind != 'f':
        raise DistGluError("RNN: data must be floating point, got %s" % dt)
    t_len, n, n_in = x.shape
    ndir = 2 if bidirectional else 1
    hr = proj or h
    specs = _param_specs(mode, n_in, h, nl, ndir, proj)
    layers, param_inputs = _check_params(parameters, specs, data, mode, n_in, h, nl, ndir,
                                         proj)
    _check_state('state', state, (nl * ndir, n, hr), dt,
                 'state_size' if proj is None else 'projection_size')
    inputs = [data] + param_inputs + [state]
    if is_lstm:
        if not isinstance(state_cell, NDArray):
            raise DistGluError("RNN: mode='lstm' needs state_cell, the initial cell state "
                               "of shape %s" % ((nl * ndir, n, h),))
        _check_ctx(data, state_cell, 'RNN')
        _check_state('state_cell', state_cell, (nl * ndir, n, h), dt, 'state_size')
        inputs.append(state_cell)
    elif state_cell is not None:
        raise DistGluError("RNN: state_cell is only used by mode='lstm', got it with "
                           "mode=%r" % mode)
    xp = _xp(x)
    valid = None
    if use_sequence_length:
        if not isinstance(sequence_length, NDArray):
            raise DistGluError("RNN: use_sequence_length=True needs sequence_length, an "
                               "NDArray of shape (%d,)" % n)
        _check_ctx(data, sequence_length, 'RNN')
        if sequence_length.shape != (n,):
            raise DistGluError("RNN: sequence_length must have shape (%d,) (the batch "
                               "size), got %s" % (n, sequence_length.shape))
        lens = sequence_length._data.astype(np.int64)
        if bool((lens < 0).any()) or bool((lens > t_len).any()):
            raise DistGluError("RNN: sequence_length values must lie in [0, %d] (the "
                               "sequence length), got %s" % (t_len, sequence_length._data))
        valid = (xp.arange(t_len)[:, None] < lens[None, :])[:, :, None]
        inputs.append(sequence_length)
    elif sequence_length is not None:
        raise DistGluError("RNN: sequence_length is given but use_sequence_length is False")
    clip = None
    if is_lstm and (lstm_state_clip_min is not None or lstm_state_clip_max is not None):
        if lstm_state_clip_min is None or lstm_state_clip_max is None:
            raise DistGluError("RNN: lstm_state_clip_min and lstm_state_clip_max must be "
                               "given together")
        clip = (float(lstm_state_clip_min), float(lstm_state_clip_max),
                bool(lstm_state_clip_nan))
    p = float(p)
    if not 0.0 <= p < 1.0:
        raise DistGluError("RNN: dropout p must be in [0, 1), got %s" % p)
    dropout = p > 0 and _ag._training and nl > 1

    scratch = []
    with device_scope(data._ctx):
        h0_all = state._data
        c0_all = state_cell._data if is_lstm else None
        h_n = xp.empty((nl * ndir, n, hr), dtype=dt)
        c_n = xp.empty((nl * ndir, n, h), dtype=dt) if is_lstm else None
        valid_t = notm_t = None
        if valid is not None:              # T-layout masks (T, 1, N)
            valid_t = valid.transpose(0, 2, 1)
            notm_t = ~valid_t
        dirs = []
        masks = []
        inp = x
        for layer in range(nl):
            # the layer output is a fresh array: it escapes to the caller or the next layer
            y = xp.empty((t_len, n, ndir * hr), dtype=dt)
            for d in range(ndir):
                st = _Dir()
                st.rev = d == 1
                st.inp = inp
                st.valid = valid_t
                st.w = layers[layer][d]
                st.cache = []
                k = layer * ndir + d
                if is_lstm:
                    hs, c_last = _lstm_fwd(xp, st, inp, h0_all[k], c0_all[k], h, notm_t,
                                           clip, scratch)
                    c_n[k] = c_last.T
                elif mode == 'gru':
                    hs, _ = _gru_fwd(xp, st, inp, h0_all[k], h, notm_t, scratch)
                else:
                    hs, _ = _vanilla_fwd(xp, st, inp, h0_all[k], h, notm_t,
                                         mode == 'rnn_relu', scratch)
                h_n[k] = hs[t_len].T
                yd = y[:, :, d * hr:(d + 1) * hr]
                if valid is not None:
                    xp.multiply(_out_time(hs, st.rev).transpose(0, 2, 1), valid, out=yd)
                    st.out = None
                else:
                    yd[...] = _out_time(hs, st.rev).transpose(0, 2, 1)
                    st.out = yd    # the backward reads the states as rows from here
                dirs.append(st)
                _give(scratch)
            if dropout and layer < nl - 1:
                mask = _dropout_mask(xp, data._ctx, y.shape, p, dt)
                masks.append(mask)
                inp = y * mask
            else:
                masks.append(None)
                inp = y
    attrs = (mode, h, nl, ndir, proj, dirs, masks, specs, len(param_inputs),
             data._node is not None, len(inputs))
    if state_outputs:
        res = _results([inp, h_n] + ([c_n] if is_lstm else []), data._ctx, _rnn_bwd,
                       tuple(inputs), (), None, attrs)
        recorded = res[0]._node is not None
        if out is not None:
            _write_out(out, res[0])
            res[0] = out
    else:
        res = _result(inp, data._ctx, _rnn_bwd, tuple(inputs), (), None, attrs)
        recorded = res._node is not None
        res = _write_out(out, res)
    for st in dirs:
        if recorded:
            # the node owns the cached arrays: recycle them when it is freed
            weakref.finalize(st, _give, st.cache)
        else:
            _give(st.cache)
    return res


def _param_grads(xp, specs, n_params, nl, ndir, dt, grad_out):
    """Buffers for the parameter gradients (every element gets written): the flat vector's
    gradient, or one array per parameter, the variable's own gradient buffer where
    ``grad_out`` offers one. Returns (nested dicts of arrays, list of input gradients)."""
    if n_params == 1:
        dflat = xp.empty((sum(math.prod(spec[3]) for spec in specs),), dtype=dt)
        return _unpack(dflat, specs, nl, ndir), [dflat]
    bufs = []
    for k, spec in enumerate(specs):
        buf = _grad_target(grad_out, 1 + k, dt)
        if buf is None:
            buf = xp.empty(spec[3], dtype=dt)
        bufs.append(buf)
    return _nest(specs, bufs, nl, ndir), bufs


def _rnn_bwd(xp, g, ins, out, attrs, grad_out=None):
    if getattr(xp, 'is_nd', False):
        raise DistGluError("RNN: second-order gradients (create_graph=True) through the "
                           "fused RNN operator are not supported")
    mode, h, nl, ndir, proj, dirs, masks, specs, n_params, need_data, n_inputs = attrs
    gl = g if isinstance(g, list) else [g]
    gy = gl[0]
    gh = gl[1] if len(gl) > 1 else None
    gc = gl[2] if len(gl) > 2 else None
    first = dirs[0]
    dt = first.gates.dtype
    t_len, _, n = first.gates.shape
    hr = proj or h
    valid = first.valid                  # T-layout (T, 1, N) or None
    dlayers, dparams = _param_grads(xp, specs, n_params, nl, ndir, dt, grad_out)
    dh0 = xp.empty((nl * ndir, n, hr), dtype=dt)
    dc0 = xp.empty((nl * ndir, n, h), dtype=dt) if mode == 'lstm' else None
    scratch = []       # work arrays of one direction's backward
    scratch_layer = [] # the input gradient of the current layer, (T*N, features)
    consumed = []      # the T-layout output gradient the current layer reads
    dout = None
    ddata = None
    try:
        if gy is not None:
            dout = _take(xp, (t_len, ndir * hr, n), dt, consumed)
            dout[...] = gy.transpose(0, 2, 1)
        for layer in range(nl - 1, -1, -1):
            if dout is not None and valid is not None:
                dout *= valid
            n_in = dirs[layer * ndir].inp.shape[2]
            dinp = None
            if layer > 0:
                dinp = [_take(xp, (t_len * n, n_in), dt, scratch_layer), False]
            elif need_data:
                ddata = xp.empty(first.inp.shape, dtype=dt)
                dinp = [ddata.reshape(t_len * n, n_in), False]
            for d in range(ndir):
                k = layer * ndir + d
                st = dirs[k]
                dy = None if dout is None else dout[:, d * hr:(d + 1) * hr]
                dhk = None if gh is None else gh[k]
                w = dlayers[layer][d]
                if mode == 'lstm':
                    dh0_t, dc0_t = _lstm_bwd(xp, st, dy, dhk, None if gc is None else gc[k],
                                             h, w, dinp, scratch)
                    dc0[k] = dc0_t.T
                elif mode == 'gru':
                    dh0_t, _ = _gru_bwd(xp, st, dy, dhk, h, w, dinp, scratch)
                else:
                    dh0_t, _ = _vanilla_bwd(xp, st, dy, dhk, h, w, dinp,
                                            mode == 'rnn_relu', scratch)
                dh0[k] = dh0_t.T
                # this direction's work arrays can serve the next direction and layer
                _give(scratch)
            _give(consumed)
            if layer > 0:
                # the input gradient, (T*N, D*H_r), is the next layer's output gradient:
                # apply the dropout mask and turn it to T-layout
                rows = dinp[0].reshape(t_len, n, n_in)
                mask = masks[layer - 1]
                if mask is not None:
                    rows *= mask
                dout = _take(xp, (t_len, n_in, n), dt, consumed)
                dout[...] = rows.transpose(0, 2, 1)
                _give(scratch_layer)
    finally:
        for owned in (scratch, scratch_layer, consumed):
            _give(owned)
    grads = [ddata] + dparams + [dh0]
    if mode == 'lstm':
        grads.append(dc0)
    while len(grads) < n_inputs:
        grads.append(None)
    return tuple(grads)


_rnn_bwd.grad_out = True     # the backward can write into the variables' gradient buffers
