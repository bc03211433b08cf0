"""Connectionist Temporal Classification loss (``nd.CTCLoss`` / ``nd.ctc_loss``).

Forward-backward in log space (Graves et al. 2006), vectorized over the batch and the
label positions; the only Python loop is over time steps.
"""
import numpy as np

from ...base import DistGluError
from ._core import _result, _check_nd, _xp

__all__ = ['CTCLoss', 'ctc_loss']

_NEG_INF = -np.inf


def _lse2(a, b):
    m = np.maximum(a, b)
    m_safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide='ignore'):
        return np.where(np.isfinite(m), m_safe + np.log(np.exp(a - m_safe) + np.exp(b - m_safe)),
                        _NEG_INF)


def _lse3(a, b, c):
    return _lse2(_lse2(a, b), c)


def _ctc(logits, labels, data_len, label_len, blank):
    """Loss (N,) and gradient w.r.t. the logits (T, N, C), all float64 NumPy."""
    T, N, C = logits.shape
    L = labels.shape[1]
    S = 2 * L + 1
    x = logits - logits.max(axis=2, keepdims=True)
    lp = x - np.log(np.exp(x).sum(axis=2, keepdims=True))  # log-softmax
    ext = np.full((N, S), blank, dtype=np.int64)
    ext[:, 1::2] = labels
    s_len = 2 * label_len + 1
    s_idx = np.arange(S)
    valid_s = s_idx[None, :] < s_len[:, None]
    # transitions from s-2 allowed where l'_s is not blank and differs from l'_{s-2}
    skip = np.zeros((N, S), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    emit = np.take_along_axis(lp, np.broadcast_to(ext[None], (T, N, S)), axis=2)  # (T,N,S)

    alpha = np.full((T, N, S), _NEG_INF)
    alpha[0, :, 0] = emit[0, :, 0]
    alpha[0, :, 1] = np.where(s_len > 1, emit[0, :, 1], _NEG_INF)
    alpha[0] = np.where(valid_s, alpha[0], _NEG_INF)
    for t in range(1, T):
        prev = alpha[t - 1]
        a1 = np.concatenate([np.full((N, 1), _NEG_INF), prev[:, :-1]], axis=1)
        a2 = np.concatenate([np.full((N, 2), _NEG_INF), prev[:, :-2]], axis=1)
        a2 = np.where(skip, a2, _NEG_INF)
        cur = _lse3(prev, a1, a2) + emit[t]
        alpha[t] = np.where(valid_s & (t < data_len)[:, None], cur, _NEG_INF)

    n_idx = np.arange(N)
    last_t = data_len - 1
    end = alpha[last_t, n_idx]  # (N, S)
    a_last = end[n_idx, s_len - 1]
    a_prev = np.where(s_len > 1, end[n_idx, np.maximum(s_len - 2, 0)], _NEG_INF)
    log_p = _lse2(a_last, a_prev)
    if not np.all(np.isfinite(log_p)):
        bad = int(np.flatnonzero(~np.isfinite(log_p))[0])
        raise DistGluError("CTCLoss: sample %d has no valid alignment (its label needs more "
                           "time steps than the %d it has)" % (bad, int(data_len[bad])))

    beta = np.full((T, N, S), _NEG_INF)
    skip_next = np.zeros((N, S), dtype=bool)
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(T - 1, -1, -1):
        init = np.full((N, S), _NEG_INF)
        init[n_idx, s_len - 1] = emit[t, n_idx, s_len - 1]
        has_prev = s_len > 1
        init[n_idx[has_prev], (s_len - 2)[has_prev]] = emit[t, n_idx[has_prev],
                                                             (s_len - 2)[has_prev]]
        if t < T - 1:
            nxt = beta[t + 1]
            b1 = np.concatenate([nxt[:, 1:], np.full((N, 1), _NEG_INF)], axis=1)
            b2 = np.concatenate([nxt[:, 2:], np.full((N, 2), _NEG_INF)], axis=1)
            b2 = np.where(skip_next, b2, _NEG_INF)
            rec = _lse3(nxt, b1, b2) + emit[t]
        else:
            rec = np.full((N, S), _NEG_INF)
        is_last = (t == last_t)[:, None]
        inside = (t < last_t)[:, None]
        beta[t] = np.where(valid_s, np.where(is_last, init, np.where(inside, rec, _NEG_INF)),
                           _NEG_INF)

    # gradient w.r.t. logits: softmax - (1/p) sum_{s: l'_s = k} alpha*beta / y_k
    ab = alpha + beta - emit  # (T, N, S), log of alpha*beta/y
    m = np.max(ab, axis=2, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    w = np.exp(ab - m)  # (T, N, S)
    onehot = np.zeros((N, S, C))
    onehot[n_idx[:, None], s_idx[None, :], ext] = 1.0
    onehot *= valid_s[:, :, None]
    occ = np.einsum('tns,nsk->tnk', w, onehot)  # (T, N, C)
    with np.errstate(divide='ignore'):
        post = np.exp(np.log(occ) + m - log_p[None, :, None])
    grad = np.exp(lp) - post
    grad *= (np.arange(T)[:, None] < data_len[None, :])[:, :, None]
    return -log_p, grad


def _ctc_bwd(xp, g, ins, out, attrs):
    if getattr(xp, 'is_nd', False):
        raise DistGluError("CTCLoss: second-order gradients are not supported")
    grad, n_inputs = attrs
    return (grad * g[None, :, None],) + (None,) * (n_inputs - 1)


def CTCLoss(data, label, data_lengths=None, label_lengths=None, use_data_lengths=False,
            use_label_lengths=False, blank_label='first', out=None, name=None):
    """CTC loss of unnormalized scores ``data`` (T, N, C) for ``label`` (N, L).

    blank_label='first': blank is class 0, labels are 1..C-1 padded with 0;
    'last': blank is class C-1, labels 0..C-2 padded with -1. Returns (N,).
    """
    _check_nd(data, 'CTCLoss')
    _check_nd(label, 'CTCLoss', 'label')
    x = data._data
    if x.ndim != 3:
        raise DistGluError("CTCLoss: data must be (T, N, C), got shape %s" % (x.shape,))
    T, N, C = x.shape
    lab = label.asnumpy()
    if lab.ndim == 1:
        lab = lab.reshape(N, -1)
    if lab.shape[0] != N:
        raise DistGluError("CTCLoss: label must be (N, L) with N=%d, got shape %s"
                           % (N, lab.shape))
    if blank_label == 'first':
        blank, pad = 0, 0
    elif blank_label == 'last':
        blank, pad = C - 1, -1
    else:
        raise DistGluError("CTCLoss: blank_label must be 'first' or 'last', got %r"
                           % (blank_label,))
    lab = lab.astype(np.int64)
    if use_label_lengths:
        lab_len = label_lengths.asnumpy().astype(np.int64).reshape(N)
    else:
        is_pad = lab == pad
        lab_len = np.where(is_pad.any(axis=1), is_pad.argmax(axis=1), lab.shape[1])
    if use_data_lengths:
        dat_len = data_lengths.asnumpy().astype(np.int64).reshape(N)
    else:
        dat_len = np.full(N, T, dtype=np.int64)
    if np.any(dat_len < 1) or np.any(dat_len > T):
        raise DistGluError("CTCLoss: data_lengths must be in [1, %d], got %s" % (T, dat_len))
    valid = np.arange(lab.shape[1])[None, :] < lab_len[:, None]
    safe_lab = np.where(valid, lab, blank)
    if np.any(valid & ((lab < 0) | (lab >= C) | (lab == blank))):
        raise DistGluError("CTCLoss: labels must be class ids in [0, %d) other than the blank "
                           "(%d)" % (C, blank))
    xs = x.get() if not isinstance(x, np.ndarray) else x
    loss, grad = _ctc(xs.astype(np.float64), safe_lab, dat_len, lab_len, blank)
    xp = _xp(x)
    loss = xp.asarray(loss.astype(x.dtype))
    grad = xp.asarray(grad.astype(x.dtype))
    inputs = [data, label]
    if data_lengths is not None:
        inputs.append(data_lengths)
    if label_lengths is not None:
        inputs.append(label_lengths)
    res = _result(loss, data._ctx, _ctc_bwd, tuple(inputs), (), None, (grad, len(inputs)))
    if out is not None:
        out[:] = res
        return out
    return res


ctc_loss = CTCLoss
