"""The per-cell kernels of the fused ``nd.RNN`` operator (see rnn_op.py): the forward and
backward step math of the LSTM, GRU and vanilla RNN for one layer and direction, and the
pool of work arrays they draw from.

Speed: one (batched) GEMM call per layer and direction projects every time step's input;
the time loop does one small GEMM and a few in-place array calls per step. Inside the
loops the arrays are feature-major, (T, features, N) ("T-layout"): the step GEMM is then
W (G*H, H) @ h^T (H, N), which OpenBLAS runs about twice as fast as h (N, H) @ W^T for a
small batch, and every gate block is a contiguous slice. All gates of a step come from
one ``tanh`` call (``sigmoid(a) = tanh(a/2)/2 + 1/2``, the 1/2 folded into the weights).
The backward precomputes every local derivative that does not depend on the incoming
gradient over all steps at once, so its time loop is one small GEMM and a few multiplies;
the weight gradients are one GEMM per layer and direction after the loop.

Weights arrive as dicts of arrays ('wx', 'wh', ('wr'), 'bx', 'bh'; gate blocks LSTM i, f,
g, o; GRU r, z, n): views into MXNet's flat parameter vector, or the Gluon layer's own
parameter arrays (rnn_op._unpack / _nest).
"""
import threading

import numpy as np

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


# --------------------------------------------------------------------------- weights

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
    __slots__ = ('rev', 'inp', 'out', 'w', 'gates', 'hs', 'cs', 'tc', 'hh', 'ahn',
                 'inrange', 'valid', 'cache', '__weakref__')


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


def _prev_rows(xp, st, scratch):
    """The state before each time step as (T * N, H_r) rows, C-contiguous: the operand
    of dW_h = dA H_prev that OpenBLAS multiplies fastest. Built from the layer's output
    ``st.out`` (T, N, H_r), time order, when it holds the unmasked states (a plain copy
    of whole rows), else transposed from ``st.hs``."""
    hs = st.hs
    if st.out is None:
        return _transposed(xp, _prev_time(hs, st.rev), scratch).T
    y = st.out
    t_len, n, hr = y.shape
    rows = _take(xp, y.shape, y.dtype, scratch)
    if st.rev:             # before time t comes the state after time t + 1
        rows[:-1] = y[1:]
        rows[-1] = hs[0].T
    else:
        rows[1:] = y[:-1]
        rows[0] = hs[0].T
    return rows.reshape(t_len * n, hr)


def _row_sums(xp, a2, out, scratch):
    """``a2.sum(axis=1, out=out)`` for a C-contiguous 2-D array, as one matrix-vector
    product with a vector of ones (several times faster than NumPy's reduction)."""
    ones = _take(xp, (a2.shape[1],), a2.dtype, scratch)
    ones[...] = 1
    xp.matmul(a2, ones, out=out)


def _weight_grads(xp, st, da, dah, dw, scratch):
    """dW_x = dA X, dW_h = dA_h H_prev, db = sums over time and batch: one GEMM each.
    Returns dA as (G, T * N)."""
    t_len, g, n = da.shape
    da2 = _transposed(xp, da, scratch)
    xp.matmul(da2, st.inp.reshape(t_len * n, -1), out=dw['wx'])
    dah2 = da2 if dah is da else _transposed(xp, dah, scratch)
    xp.matmul(dah2, _prev_rows(xp, st, scratch), out=dw['wh'])
    _row_sums(xp, da2, dw['bx'], scratch)
    if dah2 is da2:
        dw['bh'][...] = dw['bx']
    else:
        _row_sums(xp, dah2, dw['bh'], scratch)
    return da2


def _transposed_weight(xp, w, scratch):
    """A C-contiguous copy of ``w.T`` (the step GEMM of the backward, W^T dA, runs about
    a fifth faster with it), copied in blocks of 32 rows: a plain transposing copy of a
    (G*H, H) matrix strides through memory and costs three times as much."""
    if xp is not np:
        return xp.ascontiguousarray(w.T)
    out = _take(xp, w.shape[::-1], w.dtype, scratch)
    for r in range(0, w.shape[0], 32):
        out[:, r:r + 32] = w[r:r + 32].T
    return out


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
    wht = _transposed_weight(xp, st.w['wh'], scratch)
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
    wht = _transposed_weight(xp, st.w['wh'], scratch)
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
    wht = _transposed_weight(xp, st.w['wh'], scratch)
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
