"""The fused recurrent operator ``nd.RNN`` (MXNet 1.x): vanilla RNN, LSTM and GRU,
stacked and bidirectional, layout TNC, with MXNet's flat parameter vector.

Parameter packing (MXNet's): first every weight, for each layer and each direction the
input-to-hidden weight (G*H, input) then the hidden-to-hidden weight (G*H, H) (and, for
an LSTM with ``projection_size`` P, the projection weight (P, H)); then every bias in the
same order, input-to-hidden (G*H,) then hidden-to-hidden (G*H,). Gate blocks: LSTM
i, f, g, o; GRU r, z, n with ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``.

Speed: one (batched) GEMM call per layer and direction projects every time step's input;
the time loop does one small GEMM and a few in-place array calls per step. Inside the
loops the arrays are feature-major, (T, features, N) ("T-layout"): the step GEMM is then
W (G*H, H) @ h^T (H, N), which OpenBLAS runs about twice as fast as h (N, H) @ W^T for a
small batch, and every gate block is a contiguous slice. All gates of a step come from
one ``tanh`` call (``sigmoid(a) = tanh(a/2)/2 + 1/2``, the 1/2 folded into the weights).
The backward precomputes every local derivative that does not depend on the incoming
gradient over all steps at once, so its time loop is one small GEMM and a few multiplies;
the weight gradients are one GEMM per layer and direction after the loop.
"""
import threading
import weakref

import numpy as np

from ... import autograd as _ag
from ...base import DistGluError
from ...context import device_scope
from ..ndarray import NDArray
from ._core import _result, _results, _write_out, _check_ctx, _xp

__all__ = ['RNN']

_GATES = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}


# --------------------------------------------------------------------------- work arrays
# The operator needs several arrays of (T, N, G*H) floats per layer. Fresh multi-MB NumPy
# arrays cost one page fault per 4 KiB page on first touch, which is a large share of the
# run time (in VMs even more), so work arrays are recycled through a small per-thread
# pool: backward scratch is returned when the backward ends, the arrays the backward
# reads are returned when the graph node that holds them is freed. CuPy has its own
# memory pool and bypasses this one.

class _Pool(threading.local):
    def __init__(self):
        super().__init__()
        self.free = {}
        self.nbytes = 0


_POOL = _Pool()
_POOL_LIMIT = 128 << 20


def _take(xp, shape, dt, owned):
    """An uninitialized array (recycled when possible), recorded in the list ``owned``."""
    if xp is np:
        lst = _POOL.free.get((shape, dt))
        a = lst.pop() if lst else None
        if a is not None:
            _POOL.nbytes -= a.nbytes
        else:
            a = np.empty(shape, dtype=dt)
    else:
        a = xp.empty(shape, dtype=dt)
    owned.append(a)
    return a


def _give(owned):
    """Return the arrays of ``owned`` to the pool (oldest shapes are dropped when full)."""
    pool = _POOL
    free = pool.free
    for a in owned:
        if type(a) is not np.ndarray or a.nbytes > _POOL_LIMIT:
            continue
        while pool.nbytes + a.nbytes > _POOL_LIMIT:
            key = next(iter(free))
            pool.nbytes -= sum(b.nbytes for b in free.pop(key))
        free.setdefault((a.shape, a.dtype), []).append(a)
        pool.nbytes += a.nbytes
    del owned[:]


# --------------------------------------------------------------------------- parameters

def _rnn_param_size(mode, input_size, state_size, num_layers, bidirectional,
                    projection_size=None):
    """Number of elements of MXNet's flat parameter vector for this configuration."""
    g = _GATES[mode]
    h = state_size
    d = 2 if bidirectional else 1
    hr = projection_size or h
    size = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else d * hr
        per_dir = g * h * n_in + g * h * hr + 2 * g * h
        if projection_size:
            per_dir += projection_size * h
        size += d * per_dir
    return size


def _unpack(flat, mode, input_size, h, num_layers, ndir, proj):
    """Views into the flat vector: a list over layers of a list over directions of dicts
    with 'wx', 'wh', ('wr'), 'bx', 'bh'."""
    g = _GATES[mode]
    hr = proj or h
    layers = []
    off = 0
    for layer in range(num_layers):
        n_in = input_size if layer == 0 else ndir * hr
        dirs = []
        for _ in range(ndir):
            w = {}
            w['wx'] = flat[off:off + g * h * n_in].reshape(g * h, n_in)
            off += g * h * n_in
            w['wh'] = flat[off:off + g * h * hr].reshape(g * h, hr)
            off += g * h * hr
            if proj:
                w['wr'] = flat[off:off + proj * h].reshape(proj, h)
                off += proj * h
            dirs.append(w)
        layers.append(dirs)
    for dirs in layers:
        for w in dirs:
            w['bx'] = flat[off:off + g * h]
            off += g * h
            w['bh'] = flat[off:off + g * h]
            off += g * h
    return layers


def _gate_scale(xp, h, dt):
    """GRU pre-activation scale: 1/2 on the sigmoid gates (r, z), so one tanh call serves
    them: sigmoid(a) = tanh(a/2)/2 + 1/2."""
    s = xp.full((3 * h,), 0.5, dtype=dt)
    s[2 * h:] = 1
    return s


def _lstm_weights(xp, w, h, dt, scratch):
    """The LSTM weights for the forward pass: gate blocks reordered from MXNet's i, f, g, o
    to i, f, o, g (the sigmoid gates contiguous), those scaled by 1/2 (see _gate_scale).
    Returns W_x', W_h' (contiguous copies) and b'."""
    wx, wh = w['wx'], w['wh']
    h2, h3 = 2 * h, 3 * h
    wx_s = _take(xp, wx.shape, dt, scratch)
    xp.multiply(wx[:h2], 0.5, out=wx_s[:h2])
    xp.multiply(wx[h3:], 0.5, out=wx_s[h2:h3])
    wx_s[h3:] = wx[h2:h3]
    wh_s = _take(xp, wh.shape, dt, scratch)
    xp.multiply(wh[:h2], 0.5, out=wh_s[:h2])
    xp.multiply(wh[h3:], 0.5, out=wh_s[h2:h3])
    wh_s[h3:] = wh[h2:h3]
    b = w['bx'] + w['bh']
    b_s = xp.concatenate([b[:h2] * 0.5, b[h3:] * 0.5, b[h2:h3]])
    return wx_s, wh_s, b_s


def _scaled_weights(xp, w, sc, dt, scratch):
    """W_x and W_h with rows scaled by ``sc`` (contiguous copies)."""
    wx, wh = w['wx'], w['wh']
    wx_s = _take(xp, wx.shape, dt, scratch)
    xp.multiply(wx, sc[:, None], out=wx_s)
    wh_s = _take(xp, wh.shape, dt, scratch)
    xp.multiply(wh, sc[:, None], out=wh_s)
    return wx_s, wh_s


def _col_block(xp, v, n, dt, scratch):
    """A (F,) vector as a contiguous (F, N) block: adding it to (.., F, N) arrays runs as
    long contiguous loops (a stride-0 (F, 1) operand would run F short loops)."""
    blk = _take(xp, (v.shape[0], n), dt, scratch)
    blk[...] = v[:, None]
    return blk


def _input_projection(xp, inp, wx, bias, cache, scratch):
    """All time steps' input pre-activations at once, T-layout: (T, G, N) with
    pre[t] = W_x x_t^T + b (one batched GEMM call, then one pass adding the bias)."""
    t_len, n = inp.shape[:2]
    dt = inp.dtype
    pre = _take(xp, (t_len, wx.shape[0], n), dt, cache)
    xp.matmul(wx, inp.transpose(0, 2, 1), out=pre)
    pre += _col_block(xp, bias, n, dt, scratch)
    return pre


def _sigmoid_from_tanh(s):
    """In place: tanh(a/2) -> sigmoid(a)."""
    s *= 0.5
    s += 0.5


# --------------------------------------------------------------------------- forward cells

class _Dir:
    """What the backward of one layer and direction needs (T-layout arrays)."""
    __slots__ = ('rev', 'inp', 'w', 'gates', 'hs', 'cs', 'tc', 'hh', 'ahn', 'inrange',
                 'valid', 'cache', '__weakref__')


def _steps(t_len, rev):
    return range(t_len - 1, -1, -1) if rev else range(t_len)


def _prev_time(seq, rev):
    """States in processing order (initial at 0) -> the state before each time step."""
    return seq[:-1] if not rev else seq[-2::-1]


def _out_time(seq, rev):
    """States in processing order -> the state after each time step, in time order."""
    return seq[1:] if not rev else seq[:0:-1]


def _lstm_fwd(xp, st, inp, h0, c0, h, notm, clip, scratch):
    t_len, n, _ = inp.shape
    dt = inp.dtype
    w = st.w
    cache = st.cache
    hr = h0.shape[1]
    proj = w.get('wr')
    g4 = 4 * h
    wx_s, wh_s, b_s = _lstm_weights(xp, w, h, dt, scratch)
    pre = _input_projection(xp, inp, wx_s, b_s, cache, scratch)
    hs = _take(xp, (t_len + 1, hr, n), dt, cache)
    hs[0] = h0.T
    cs = _take(xp, (t_len + 1, h, n), dt, cache)
    cs[0] = c0.T
    tc = _take(xp, (t_len, h, n), dt, cache)
    hh = inrange = None
    if proj is not None:
        hh = _take(xp, (t_len, h, n), dt, cache)
    if clip is not None:
        inrange = _take(xp, (t_len, h, n), np.dtype(bool), cache)
    tmp = _take(xp, (g4, n), dt, scratch)
    ig = _take(xp, (h, n), dt, scratch)
    matmul, tanh, multiply = xp.matmul, xp.tanh, xp.multiply
    h2, h3 = 2 * h, 3 * h
    for k, t in enumerate(_steps(t_len, st.rev)):
        gt = pre[t]                                # rows i, f, o, g
        matmul(wh_s, hs[k], out=tmp)
        gt += tmp
        tanh(gt, out=gt)
        _sigmoid_from_tanh(gt[:h3])
        cn = cs[k + 1]
        multiply(gt[h:h2], cs[k], out=cn)          # f * c
        multiply(gt[:h], gt[h3:], out=ig)          # i * g
        cn += ig
        if clip is not None:
            lo, hi, clip_nan = clip
            r = inrange[t]
            xp.greater_equal(cn, lo, out=r)
            r &= cn <= hi
            if clip_nan:
                xp.fmin(xp.fmax(cn, lo), hi, out=cn)
            else:
                xp.clip(cn, lo, hi, out=cn)
        tanh(cn, out=tc[t])
        if proj is None:
            multiply(gt[h2:h3], tc[t], out=hs[k + 1])
        else:
            multiply(gt[h2:h3], tc[t], out=hh[t])
            matmul(proj, hh[t], out=hs[k + 1])
        if notm is not None:
            xp.copyto(hs[k + 1], hs[k], where=notm[t])
            xp.copyto(cn, cs[k], where=notm[t])
    st.gates, st.hs, st.cs, st.tc, st.hh, st.inrange = pre, hs, cs, tc, hh, inrange
    return hs, cs[t_len]


def _gru_fwd(xp, st, inp, h0, h, notm, scratch):
    t_len, n, _ = inp.shape
    dt = inp.dtype
    w = st.w
    cache = st.cache
    g3 = 3 * h
    h2 = 2 * h
    sc = _gate_scale(xp, h, dt)
    wx_s, wh_s = _scaled_weights(xp, w, sc, dt, scratch)
    bias = w['bx'] * sc
    bias[:h2] += w['bh'][:h2] * 0.5
    pre = _input_projection(xp, inp, wx_s, bias, cache, scratch)
    bhn = _col_block(xp, w['bh'][h2:], n, dt, scratch)
    hs = _take(xp, (t_len + 1, h, n), dt, cache)
    hs[0] = h0.T
    ahn = _take(xp, (t_len, h, n), dt, cache)
    tmp = _take(xp, (g3, n), dt, scratch)
    rn = _take(xp, (h, n), dt, scratch)
    matmul, tanh, multiply = xp.matmul, xp.tanh, xp.multiply
    for k, t in enumerate(_steps(t_len, st.rev)):
        gt = pre[t]                                # rows r, z, n
        matmul(wh_s, hs[k], out=tmp)
        rz = gt[:h2]
        rz += tmp[:h2]
        tanh(rz, out=rz)
        _sigmoid_from_tanh(rz)
        xp.add(tmp[h2:], bhn, out=ahn[t])          # W_hn h + b_hn
        multiply(gt[:h], ahn[t], out=rn)
        nt = gt[h2:]
        nt += rn
        tanh(nt, out=nt)
        hn = hs[k + 1]
        xp.subtract(hs[k], nt, out=hn)             # h' = n + z * (h - n)
        hn *= gt[h:h2]
        hn += nt
        if notm is not None:
            xp.copyto(hn, hs[k], where=notm[t])
    st.gates, st.hs, st.ahn = pre, hs, ahn
    return hs, None


def _vanilla_fwd(xp, st, inp, h0, h, notm, relu, scratch):
    t_len, n, _ = inp.shape
    dt = inp.dtype
    w = st.w
    cache = st.cache
    pre = _input_projection(xp, inp, w['wx'], w['bx'] + w['bh'], cache, scratch)
    wh = w['wh']
    hs = _take(xp, (t_len + 1, h, n), dt, cache)
    hs[0] = h0.T
    # candidate outputs before masking (the backward's activation derivative needs them)
    cand = _take(xp, (t_len, h, n), dt, cache) if notm is not None else None
    tmp = _take(xp, (h, n), dt, scratch)
    matmul = xp.matmul
    for k, t in enumerate(_steps(t_len, st.rev)):
        hn = hs[k + 1] if cand is None else cand[t]
        matmul(wh, hs[k], out=tmp)
        xp.add(pre[t], tmp, out=hn)
        if relu:
            xp.maximum(hn, 0, out=hn)
        else:
            xp.tanh(hn, out=hn)
        if cand is not None:
            hs[k + 1] = hn
            xp.copyto(hs[k + 1], hs[k], where=notm[t])
    st.gates = cand if cand is not None else _out_time(hs, st.rev)
    st.hs = hs
    return hs, None


# --------------------------------------------------------------------------- backward cells
#
# Each takes ``dy`` (T, H_r, N), the T-layout gradient of the layer's outputs for this
# direction (masked), or None, and the gradients of the final states (N, H_r)/(N, H) or
# None; writes the weight and bias gradients into ``dw`` (views into the flat gradient
# vector), adds the gradient of the layer input into ``dinp`` (see _input_grad) and
# returns the gradients of the initial hidden and cell states, T-layout (H_r, N)/(H, N).

def _transposed(xp, a, scratch):
    """A contiguous copy of (T, F, N) ``a`` as (F, T * N), the GEMM operand that sums
    over time and batch (a copy that moves whole rows of N, so it is fast)."""
    t_len, f, n = a.shape
    out = _take(xp, (f, t_len, n), a.dtype, scratch)
    out[...] = a.transpose(1, 0, 2)
    return out.reshape(f, t_len * n)


def _weight_grads(xp, st, da, dah, dw, scratch):
    """dW_x = dA X, dW_h = dA_h H_prev, db = sums over time and batch: one GEMM each.
    Returns dA as (G, T * N)."""
    t_len, g, n = da.shape
    da2 = _transposed(xp, da, scratch)
    xp.matmul(da2, st.inp.reshape(t_len * n, -1), out=dw['wx'])
    dah2 = da2 if dah is da else _transposed(xp, dah, scratch)
    xp.matmul(dah2, _transposed(xp, _prev_time(st.hs, st.rev), scratch).T, out=dw['wh'])
    da2.sum(axis=1, out=dw['bx'])
    if dah2 is da2:
        dw['bh'][...] = dw['bx']
    else:
        dah2.sum(axis=1, out=dw['bh'])
    return da2


def _input_grad(xp, da2, wx, dinp, scratch):
    """Add dA^T W_x, the gradient of the layer input as (T * N, input), into ``dinp`` =
    [array, filled?] (one GEMM), or do nothing when ``dinp`` is None."""
    if dinp is None:
        return
    if not dinp[1]:
        xp.matmul(da2.T, wx, out=dinp[0])
        dinp[1] = True
    else:
        tmp = _take(xp, dinp[0].shape, da2.dtype, scratch)
        xp.matmul(da2.T, wx, out=tmp)
        dinp[0] += tmp


def _init_grad(xp, g, shape, dt, scratch):
    buf = _take(xp, shape, dt, scratch)
    if g is None:
        buf[...] = 0
    else:
        buf[...] = g.T
    return buf


def _lstm_bwd(xp, st, dy, dh, dc, h, dw, dinp, scratch):
    gates, hs, cs, tc = st.gates, st.hs, st.cs, st.tc
    t_len, g4, n = gates.shape
    dt = gates.dtype
    hr = hs.shape[1]
    rev = st.rev
    h2, h3 = 2 * h, 3 * h
    # gates were stored in the order i, f, o, g; dA is written in MXNet's i, f, g, o
    i, f, o, g = gates[:, :h], gates[:, h:h2], gates[:, h2:h3], gates[:, h3:]
    # local derivatives of every step (independent of the incoming gradient), at once
    ko = _take(xp, tc.shape, dt, scratch)          # dL/da_o = dh * o(1-o) tanh(c)
    xp.subtract(1, o, out=ko)
    ko *= o
    ko *= tc
    kc = _take(xp, tc.shape, dt, scratch)          # dL/dc  += dh * o (1 - tanh(c)^2)
    xp.multiply(tc, tc, out=kc)
    xp.subtract(1, kc, out=kc)
    kc *= o
    kifg = _take(xp, (t_len, 3, h, n), dt, scratch)   # dL/da_{i,f,g} = dc * kifg
    k = kifg[:, 0]
    xp.subtract(1, i, out=k)
    k *= i
    k *= g
    k = kifg[:, 1]
    xp.subtract(1, f, out=k)
    k *= f
    k *= _prev_time(cs, rev)
    k = kifg[:, 2]
    xp.multiply(g, g, out=k)
    xp.subtract(1, k, out=k)
    k *= i
    feff = f
    if st.inrange is not None:
        kifg *= st.inrange[:, None]
        feff = f * st.inrange
    pass_ = None
    if st.valid is not None:
        m = st.valid                               # (T, 1, N)
        ko *= m
        kc *= m
        kifg *= m[:, None]
        feff = xp.where(m, feff, xp.ones((), dtype=dt))
        pass_ = (~m).astype(dt)
    da = _take(xp, (t_len, g4, n), dt, scratch)
    da4 = da.reshape(t_len, 4, h, n)
    dh_next = _init_grad(xp, dh, (hr, n), dt, scratch)
    dc_next = _init_grad(xp, dc, (h, n), dt, scratch)
    dht = _take(xp, (hr, n), dt, scratch)
    dct = _take(xp, (h, n), dt, scratch)
    proj = st.w.get('wr')
    if proj is not None:
        dr = _take(xp, (t_len, hr, n), dt, scratch)
        dhh = _take(xp, (h, n), dt, scratch)
        prt = proj.T
    wht = st.w['wh'].T
    matmul, multiply = xp.matmul, xp.multiply
    for t in _steps(t_len, not rev):
        if dy is None:
            dht, dh_next = dh_next, dht     # dh_next becomes scratch for this step's GEMM
        else:
            xp.add(dh_next, dy[t], out=dht)
        if proj is None:
            dhh = dht
        else:
            dr[t] = dht
            matmul(prt, dht, out=dhh)
        multiply(dhh, ko[t], out=da4[t, 3])
        multiply(dhh, kc[t], out=dct)
        dct += dc_next
        multiply(dct, kifg[t], out=da4[t, :3])
        multiply(dct, feff[t], out=dc_next)
        matmul(wht, da[t], out=dh_next)
        if pass_ is not None:
            dh_next += dht * pass_[t]
    da2 = _weight_grads(xp, st, da, da, dw, scratch)
    if proj is not None:
        xp.matmul(_transposed(xp, dr, scratch), _transposed(xp, st.hh, scratch).T,
                  out=dw['wr'])
    _input_grad(xp, da2, st.w['wx'], dinp, scratch)
    return dh_next, dc_next


def _gru_bwd(xp, st, dy, dh, h, dw, dinp, scratch):
    gates, hs, ahn = st.gates, st.hs, st.ahn
    t_len, g3, n = gates.shape
    dt = gates.dtype
    rev = st.rev
    r, z, nn = gates[:, :h], gates[:, h:2 * h], gates[:, 2 * h:]
    # dL/da_x = dh * kx, dL/da_h = dh * kh for the r, z, n blocks
    kx = _take(xp, (t_len, 3, h, n), dt, scratch)
    kn = kx[:, 2]                        # (1 - z)(1 - n^2)
    xp.multiply(nn, nn, out=kn)
    xp.subtract(1, kn, out=kn)
    kn *= 1 - z
    k = kx[:, 1]                         # (h_prev - n) z (1 - z)
    xp.subtract(1, z, out=k)
    k *= z
    k *= _prev_time(hs, rev) - nn
    k = kx[:, 0]                         # kn (W_hn h + b_hn) r (1 - r)
    xp.subtract(1, r, out=k)
    k *= r
    k *= ahn
    k *= kn
    kh = _take(xp, kx.shape, dt, scratch)
    kh[...] = kx
    kh[:, 2] *= r
    zeff = z
    if st.valid is not None:
        m = st.valid[:, None]
        kx *= m
        kh *= m
        zeff = xp.where(st.valid, z, xp.ones((), dtype=dt))
    dax = _take(xp, (t_len, g3, n), dt, scratch)
    dah = _take(xp, (t_len, g3, n), dt, scratch)
    dax4 = dax.reshape(t_len, 3, h, n)
    dah4 = dah.reshape(t_len, 3, h, n)
    dh_next = _init_grad(xp, dh, (h, n), dt, scratch)
    dht = _take(xp, (h, n), dt, scratch)
    tmp = _take(xp, (h, n), dt, scratch)
    wht = st.w['wh'].T
    matmul, multiply = xp.matmul, xp.multiply
    for t in _steps(t_len, not rev):
        if dy is None:
            dht, dh_next = dh_next, dht
        else:
            xp.add(dh_next, dy[t], out=dht)
        multiply(dht, kx[t], out=dax4[t])
        multiply(dht, kh[t], out=dah4[t])
        matmul(wht, dah[t], out=dh_next)
        multiply(dht, zeff[t], out=tmp)
        dh_next += tmp
    dax2 = _weight_grads(xp, st, dax, dah, dw, scratch)
    _input_grad(xp, dax2, st.w['wx'], dinp, scratch)
    return dh_next, None


def _vanilla_bwd(xp, st, dy, dh, h, dw, dinp, relu, scratch):
    y = st.gates
    t_len, _, n = y.shape
    dt = y.dtype
    kact = _take(xp, y.shape, dt, scratch)
    if relu:
        xp.greater(y, 0, out=kact)
    else:
        xp.multiply(y, y, out=kact)
        xp.subtract(1, kact, out=kact)
    pass_ = None
    if st.valid is not None:
        kact *= st.valid
        pass_ = (~st.valid).astype(dt)
    da = _take(xp, (t_len, h, n), dt, scratch)
    dh_next = _init_grad(xp, dh, (h, n), dt, scratch)
    dht = _take(xp, (h, n), dt, scratch)
    wht = st.w['wh'].T
    matmul, multiply = xp.matmul, xp.multiply
    for t in _steps(t_len, not st.rev):
        if dy is None:
            dht, dh_next = dh_next, dht
        else:
            xp.add(dh_next, dy[t], out=dht)
        multiply(dht, kact[t], out=da[t])
        matmul(wht, da[t], out=dh_next)
        if pass_ is not None:
            dh_next += dht * pass_[t]
    da2 = _weight_grads(xp, st, da, da, dw, scratch)
    _input_grad(xp, da2, st.w['wx'], dinp, scratch)
    return dh_next, None


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
    for argname, a in (('data', data), ('parameters', parameters), ('state', state)):
        if not isinstance(a, NDArray):
            raise DistGluError("RNN: expected an NDArray for %s, got %s"
                               % (argname, type(a).__name__))
    _check_ctx(data, parameters, 'RNN')
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
    w_flat = parameters._data
    size = _rnn_param_size(mode, n_in, h, nl, bidirectional, proj)
    if w_flat.shape != (size,):
        raise DistGluError(
            "RNN: parameters must be a vector of %d elements for mode=%r, input size %d, "
            "state_size=%d, num_layers=%d, bidirectional=%s%s; got shape %s"
            % (size, mode, n_in, h, nl, bool(bidirectional),
               '' if proj is None else ', projection_size=%d' % proj, w_flat.shape))
    if w_flat.dtype != dt:
        raise DistGluError("RNN: parameters must have the dtype of data (%s), got %s"
                           % (dt.name, w_flat.dtype))
    _check_state('state', state, (nl * ndir, n, hr), dt,
                 'state_size' if proj is None else 'projection_size')
    inputs = [data, parameters, state]
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
        layers = _unpack(w_flat, mode, n_in, h, nl, ndir, proj)
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
                else:
                    yd[...] = _out_time(hs, st.rev).transpose(0, 2, 1)
                dirs.append(st)
                _give(scratch)
            if dropout and layer < nl - 1:
                mask = _dropout_mask(xp, data._ctx, y.shape, p, dt)
                masks.append(mask)
                inp = y * mask
            else:
                masks.append(None)
                inp = y
    attrs = (mode, h, nl, ndir, proj, dirs, masks, size, data._node is not None,
             len(inputs))
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


def _rnn_bwd(xp, g, ins, out, attrs):
    if getattr(xp, 'is_nd', False):
        raise DistGluError("RNN: second-order gradients (create_graph=True) through the "
                           "fused RNN operator are not supported")
    mode, h, nl, ndir, proj, dirs, masks, size, need_data, n_inputs = attrs
    gl = g if isinstance(g, list) else [g]
    gy = gl[0]
    gh = gl[1] if len(gl) > 1 else None
    gc = gl[2] if len(gl) > 2 else None
    first = dirs[0]
    dt = first.gates.dtype
    t_len, _, n = first.gates.shape
    hr = proj or h
    valid = first.valid                  # T-layout (T, 1, N) or None
    dflat = xp.empty((size,), dtype=dt)     # every element is written below
    dlayers = _unpack(dflat, mode, first.inp.shape[2], h, nl, ndir, proj)
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
    grads = [ddata, dflat, dh0]
    if mode == 'lstm':
        grads.append(dc0)
    while len(grads) < n_inputs:
        grads.append(None)
    return tuple(grads)
