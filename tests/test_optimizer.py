"""Optimizers (``mx.optimizer``): every rule against a NumPy reference and against values
recorded from MXNet 1.9.1, plus multipliers, multi-precision, creation, Updater states."""
import pickle
import warnings

import numpy as np
import pytest

import distglu as mx
from distglu import autograd
from distglu.base import DistGluError

W0 = [0.5, -1.25, 2.0, 0.0, -0.3]
GS = [[1.5, -3.0, 0.25, 2.5, -0.5], [-2.0, 1.0, 0.75, -0.1, 3.5], [0.3, -0.6, -2.4, 1.8, 0.05]]
KW = dict(learning_rate=0.1, wd=0.05, rescale_grad=0.5, clip_gradient=1.0)

# Weight and state after the three updates of GS from W0, recorded with MXNet 1.9.1
# (`opt.create_state_multi_precision(0, w)` then `opt.update_multi_precision(0, w, g, state)`;
# 'adamw': mx.nd.contrib.adamw_update with lr=1, eta=bias-corrected lr, as MXNet 2's AdamW).
MX_RESULTS = {
    'sgd_mom': ('sgd', dict(KW, momentum=0.9),
        [0.45870808, -1.0107348, 1.93943942, -0.34962749, -0.41634536],
        [0.00807057, 0.0816714, 0.02957693, -0.16512749, -0.06806284]),
    'sgd': ('sgd', dict(KW),
        [0.50278556, -1.15209103, 2.02046204, -0.18402749, -0.37277189],
        None),
    'nag_mom': ('nag', dict(KW, momentum=0.9),
        [0.46729317, -0.94050312, 1.96767378, -0.49457452, -0.47699523],
        [0.00833741, 0.07966308, 0.03003768, -0.16209245, -0.06698186]),
    'nag': ('nag', dict(KW),
        [0.50278562, -1.15209103, 2.0204618, -0.18402749, -0.37277183],
        None),
    'signum': ('signum', dict(KW, momentum=0.9, wd_lh=0.02),
        [0.59720564, -0.94311464, 1.88862371, -0.29940042, -0.39840326],
        [0.0079385, 0.0814523, 0.03053197, -0.16505103, -0.06864271]),
    'signsgd': ('signum', dict(KW, momentum=0.0),
        [0.39303496, -1.13184106, 1.87164724, -0.0995025, -0.39602],
        None),
    'adam': ('adam', dict(KW, beta1=0.9, beta2=0.99, epsilon=0.001),
        [0.42215279, -1.07763517, 1.83223891, -0.23955655, -0.30046946],
        [[-0.00832949, -0.07677986, -0.03945586, 0.16524775, 0.0697461],
         [0.01568549, 0.01300642, 0.01268505, 0.01778632, 0.01058973]]),
    'rmsprop': ('rmsprop', dict(KW, gamma1=0.8, epsilon=0.001, clip_weights=1.5),
        [0.42458534, -1.0444653, 1.5, -0.37364811, -0.30343053],
        [[0.23845924, 0.18560301, 0.23887998, 0.28687871, 0.1690086]]),
    'rmsprop_centered': ('rmsprop', dict(KW, gamma1=0.8, gamma2=0.7, epsilon=0.001, centered=True),
        [0.23543626, -0.79263628, 1.27274871, -0.71511579, -0.17286058],
        [[0.23820364, 0.18439165, 0.24080968, 0.28338128, 0.16905957],
         [-0.02617361, -0.12528427, -0.09708691, 0.29393634, 0.12984259],
         [-0.02617055, 0.13516837, -0.08031102, -0.30812988, -0.04912086]]),
    'adagrad': ('adagrad', dict(KW, eps=0.001),
        [0.4612866, -1.15096426, 1.87303543, -0.16081861, -0.2962099],
        [1.58500004, 1.34000003, 1.15625, 1.8125, 1.06312501]),
    'adadelta': ('adadelta', dict(KW, rho=0.8, epsilon=0.001),
        [0.42643043, -1.02120483, 1.69376945, -0.12915617, -0.29019704],
        [[0.23650002, 0.18600002, 0.2245, 0.2904, 0.16812502],
         [0.00178908, 0.0012334, 0.00454605, 0.00164366, 0.00205565]]),
    'adamax': ('adamax', dict(KW, beta1=0.8, beta2=0.9),
        [0.42584381, -1.09542871, 1.84283996, -0.21433344, -0.27306792],
        [[-0.02339592, -0.12847933, -0.09600001, 0.29774013, 0.12864223],
         [0.88199997, 0.80999994, 1.0, 0.89270061, 0.89999998]]),
    'nadam': ('nadam', dict(KW, beta1=0.8, beta2=0.9, epsilon=0.001, schedule_decay=0.1),
        [0.45834213, -1.13393962, 1.88670504, -0.20299265, -0.30505419],
        [[-0.0229512, -0.12890281, -0.09607311, 0.29799253, 0.12813033],
         [0.13818477, 0.111541, 0.12394299, 0.16126195, 0.09569873]]),
    'ftrl': ('ftrl', dict(KW, lamda1=0.02, beta=0.5),
        [0.28592673, -0.77555305, 0.39543554, -0.1104115, -0.13031732],
        [[-5.06365538, 12.91421795, -6.26903105, 2.06403828, 2.02177763],
         [1.58500004, 1.34000003, 1.15625, 1.8125, 1.06312501]]),
    'lamb': ('lamb', dict(KW, beta1=0.8, beta2=0.9, epsilon=0.001),
        [0.44625685, -1.01297128, 1.78056252, -0.36330715, -0.38159794],
        [[-0.03399999, -0.108, -0.12399999, 0.29999998, 0.133],
         [0.13781253, 0.11250002, 0.1139219, 0.16222504, 0.09512503]]),
    'lamb_nobc_bounds': ('lamb', dict(KW, beta1=0.8, beta2=0.9, epsilon=0.001,
                                      bias_correction=False, lower_bound=3.0, upper_bound=5.0),
        [0.43985313, -0.93326837, 1.71951973, -0.48368567, -0.42806548],
        [[-0.03399999, -0.108, -0.12399999, 0.29999998, 0.133],
         [0.13781253, 0.11250002, 0.1139219, 0.16222504, 0.09512503]]),
    'lamb_upper': ('lamb', dict(KW, beta1=0.8, beta2=0.9, epsilon=0.001, upper_bound=1.0),
        [0.4796052, -1.1454258, 1.90701544, -0.163156, -0.34191021],
        [[-0.03399999, -0.108, -0.12399999, 0.29999998, 0.133],
         [0.13781253, 0.11250002, 0.1139219, 0.16222504, 0.09512503]]),
    'ftml': ('ftml', dict(KW, beta1=0.6, beta2=0.9, epsilon=0.001),
        [0.45658424, -1.15793633, 1.89752996, -0.15402785, -0.28474134],
        [[5.60436773, 5.0374465, 5.31073856, 6.05860424, 4.66677999],
         [0.13809395, 0.11153352, 0.12398353, 0.1614202, 0.09569993],
         [-2.55886602, 5.83304262, -10.07728577, 0.9331938, 1.32882524]]),
    'dcasgd': ('dcasgd', dict(KW, lamda=0.1),
        [0.5035345, -1.15231526, 2.02096701, -0.18406959, -0.37303492],
        [None, [0.52116251, -1.18829679, 1.93014407, -0.0944975, -0.37239754]]),
    'sgd_defaults': ('sgd', dict(momentum=0.9),
        [0.49435002, -1.18170011, 2.00297499, -0.08385, -0.35345],
        [0.00285, 0.0213, 0.015225, -0.03735, -0.02795]),
    'adam_defaults': ('adam', dict(),
        [0.49926585, -1.24817669, 1.99846709, -0.0024144, -0.30014715],
        [[-0.0285, -0.21300006, -0.15225005, 0.37350008, 0.27950004],
         [0.00633142, 0.01034088, 0.00638423, 0.00948737, 0.01248959]]),
    'rmsprop_defaults': ('rmsprop', dict(),
        [0.49901029, -1.24723721, 1.99684227, -0.00500345, -0.30001855],
        [[0.5512501, 0.8550002, 0.63168764, 0.83115011, 1.12300026]]),
    'sgd_mom_fp16': ('sgd', dict(KW, momentum=0.9, multi_precision=True),
        [0.45874023, -1.01074219, 1.93945312, -0.34960938, -0.41650391],
        [[0.00806812, 0.08167629, 0.02957693, -0.16511881, -0.06806157],
         [0.45870563, -1.01072991, 1.93943942, -0.34962004, -0.41639218]]),
    'nag_mom_fp16': ('nag', dict(KW, momentum=0.9, multi_precision=True),
        [0.46728516, -0.94042969, 1.96777344, -0.49462891, -0.47705078],
        [[0.00833499, 0.07966792, 0.03003768, -0.16208386, -0.06698061],
         [0.46728852, -0.94049382, 1.96767378, -0.49455923, -0.47704098]]),
    'adam_fp16': ('adam', dict(KW, beta1=0.9, beta2=0.99, epsilon=0.001, multi_precision=True),
        [0.42211914, -1.07714844, 1.83203125, -0.23950195, -0.30053711],
        [[0.42215157, -1.07763302, 1.83223891, -0.23955721, -0.30051735],
         [[-0.00832705, -0.07678473, -0.03945586, 0.1652391, 0.06974505],
          [0.01568558, 0.01300677, 0.01268505, 0.01778456, 0.01058974]]]),
    'adamw': ('adamw', dict(KW, beta1=0.9, beta2=0.99, epsilon=0.001),
        [0.42238504, -1.07426596, 1.82819724, -0.23934525, -0.30044717],
        [[-0.01425, -0.06600001, -0.05612502, 0.16650003, 0.07225001],
         [0.01563805, 0.01317599, 0.01154532, 0.01792573, 0.0105188]]),
}


# ---------------------------------------------------------------- NumPy references (float64)
def _cg(g, r, c, w=None, wd=0.0):
    g = r * g + (wd * w if w is not None else 0.0)
    return np.clip(g, -c, c) if c else g


def ref_sgd(w, gs, learning_rate, wd, rescale_grad, clip_gradient, momentum=0.0):
    m = np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        m = momentum * m - learning_rate * wd * w - learning_rate * cg
        w = w + m
    return w, (m if momentum else None)


def ref_nag(w, gs, learning_rate, wd, rescale_grad, clip_gradient, momentum=0.0):
    lr, m = learning_rate, np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        if not momentum:
            w = w - lr * (cg + wd * w)
            continue
        m1 = momentum * m
        w_new = w + momentum * (m1 - lr * (cg + wd * w)) - lr * (cg + wd * w)
        m = m1 - lr * (cg + wd * w_new)   # MXNet's kernel reads the updated weight here
        w = w_new
    return w, (m if momentum else None)


def ref_signum(w, gs, learning_rate, wd, rescale_grad, clip_gradient, momentum=0.9, wd_lh=0.0):
    lr, m = learning_rate, np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        if momentum:
            m = momentum * m - (1 - momentum) * (cg + wd * w)
            w = (1 - lr * wd_lh) * w + lr * np.sign(m)
        else:
            w = (1 - lr * wd) * w - lr * np.sign(cg)
    return w, (m if momentum else None)


def ref_adam(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient, w, wd)
        m = beta1 * m + (1 - beta1) * cg
        v = beta2 * v + (1 - beta2) * cg * cg
        lr = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        w = w - lr * m / (np.sqrt(v) + epsilon)
    return w, [m, v]


def ref_adamw(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient)
        m = beta1 * m + (1 - beta1) * cg
        v = beta2 * v + (1 - beta2) * cg * cg
        lr = learning_rate * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
        w = w - lr * (m / (np.sqrt(v) + epsilon) + wd * w)
    return w, [m, v]


def ref_rmsprop(w, gs, learning_rate, wd, rescale_grad, clip_gradient, gamma1, epsilon,
                gamma2=0.9, centered=False, clip_weights=None):
    n, ga, d = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient, w, wd)
        n = (1 - gamma1) * cg * cg + gamma1 * n
        if centered:
            ga = (1 - gamma1) * cg + gamma1 * ga
            d = gamma2 * d - learning_rate * cg / np.sqrt(n - ga * ga + epsilon)
            w = w + d
        else:
            w = w - learning_rate * cg / np.sqrt(n + epsilon)
        if clip_weights:
            w = np.clip(w, -clip_weights, clip_weights)
    return w, ([n, ga, d] if centered else [n])


def ref_adagrad(w, gs, learning_rate, wd, rescale_grad, clip_gradient, eps):
    h = np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        h = h + cg * cg
        w = w - learning_rate * (cg / np.sqrt(h + eps) + wd * w)
    return w, h


def ref_adadelta(w, gs, learning_rate, wd, rescale_grad, clip_gradient, rho, epsilon):
    ag, ad = np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        ag = rho * ag + (1 - rho) * cg * cg
        d = np.sqrt(ad + epsilon) / np.sqrt(ag + epsilon) * cg
        ad = rho * ad + (1 - rho) * d * d
        w = w - (d + wd * w)          # AdaDelta uses no learning rate
    return w, [ag, ad]


def ref_adamax(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient, w, wd)
        m = beta1 * m + (1 - beta1) * cg
        u = np.maximum(beta2 * u, np.abs(cg))
        w = w - learning_rate / (1 - beta1 ** t) * m / u
    return w, [m, u]


def ref_nadam(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon,
              schedule_decay):
    m, v, msched = np.zeros_like(w), np.zeros_like(w), 1.0
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient, w, wd)
        mu = beta1 * (1 - 0.5 * 0.96 ** (t * schedule_decay))
        mu1 = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * schedule_decay))
        msched *= mu
        m = beta1 * m + (1 - beta1) * cg
        v = beta2 * v + (1 - beta2) * cg * cg
        mbar = (1 - mu) * cg / (1 - msched) + mu1 * m / (1 - msched * mu1)
        w = w - learning_rate * mbar / (np.sqrt(v / (1 - beta2 ** t)) + epsilon)
    return w, [m, v]


def ref_ftrl(w, gs, learning_rate, wd, rescale_grad, clip_gradient, lamda1, beta):
    lr, z, n = learning_rate, np.zeros_like(w), np.zeros_like(w)
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        z = z + cg - (np.sqrt(n + cg * cg) - np.sqrt(n)) * w / lr
        n = n + cg * cg
        w = (np.sign(z) * lamda1 - z) / ((beta + np.sqrt(n)) / lr + wd) * (np.abs(z) > lamda1)
    return w, [z, n]


def ref_lamb(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon,
             bias_correction=True, lower_bound=None, upper_bound=None):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient)
        m = beta1 * m + (1 - beta1) * cg
        v = beta2 * v + (1 - beta2) * cg * cg
        if bias_correction:
            u = (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + epsilon) + wd * w
        else:
            u = m / (np.sqrt(v) + epsilon) + wd * w
        r1, r2 = np.linalg.norm(w), np.linalg.norm(u)
        if lower_bound:
            r1 = max(r1, lower_bound)
        if upper_bound:
            r1 = min(r1, upper_bound)
        w = w - learning_rate * (r1 / r2 if r1 and r2 else 1.0) * u
    return w, [m, v]


def ref_ftml(w, gs, learning_rate, wd, rescale_grad, clip_gradient, beta1, beta2, epsilon):
    d, v, z = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    for t, g in enumerate(gs, 1):
        cg = _cg(g, rescale_grad, clip_gradient, w, wd)
        v = beta2 * v + (1 - beta2) * cg * cg
        dn = (1 - beta1 ** t) / learning_rate * (np.sqrt(v / (1 - beta2 ** t)) + epsilon)
        z = beta1 * z + (1 - beta1) * cg - (dn - beta1 * d) * w
        d, w = dn, -z / dn
    return w, [d, v, z]


def ref_dcasgd(w, gs, learning_rate, wd, rescale_grad, clip_gradient, lamda, momentum=0.0):
    m, prev = np.zeros_like(w), w.copy()
    for g in gs:
        cg = _cg(g, rescale_grad, clip_gradient)
        m = momentum * m - learning_rate * (cg + wd * w + lamda * cg * cg * (w - prev))
        prev, w = w, w + m
    return w, [m if momentum else None, prev]


REFS = {'sgd': ref_sgd, 'nag': ref_nag, 'signum': ref_signum, 'adam': ref_adam,
        'adamw': ref_adamw, 'rmsprop': ref_rmsprop, 'adagrad': ref_adagrad,
        'adadelta': ref_adadelta, 'adamax': ref_adamax, 'nadam': ref_nadam, 'ftrl': ref_ftrl,
        'lamb': ref_lamb, 'ftml': ref_ftml, 'dcasgd': ref_dcasgd}
# the constructor defaults the NumPy references need spelled out
DEFAULTS = {'sgd': dict(learning_rate=0.01, wd=0.0, rescale_grad=1.0, clip_gradient=None),
            'adam': dict(learning_rate=0.001, wd=0.0, rescale_grad=1.0, clip_gradient=None,
                         beta1=0.9, beta2=0.999, epsilon=1e-8),
            'rmsprop': dict(learning_rate=0.001, wd=0.0, rescale_grad=1.0, clip_gradient=None,
                            gamma1=0.9, epsilon=1e-8)}


# ---------------------------------------------------------------- helpers
def _nested(state):
    """States as nested lists of float64 NumPy arrays (None kept)."""
    if state is None:
        return None
    if isinstance(state, mx.nd.NDArray):
        return state.asnumpy().astype(np.float64)
    return [_nested(s) for s in state]


def _close(got, want, rtol, atol):
    if want is None or got is None:
        assert got is None and want is None, (got, want)
    elif isinstance(got, list):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _close(a, b, rtol, atol)
    else:
        np.testing.assert_allclose(got, np.asarray(want, dtype=np.float64), rtol=rtol, atol=atol)


def _run(name, kwargs, dtype='float32', steps=GS):
    opt = mx.optimizer.create(name, **kwargs)
    w = mx.nd.array(W0, dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        state = opt.create_state_multi_precision(0, w)
    grads = [mx.nd.array(g, dtype=dtype) for g in steps]
    for g in grads:
        opt.update_multi_precision(0, w, g, state)
    for g, raw in zip(grads, steps):   # the gradient buffers are only read
        np.testing.assert_array_equal(g.asnumpy(), np.asarray(raw, dtype=dtype))
    return opt, w, state


# ---------------------------------------------------------------- every rule
@pytest.mark.parametrize('case', [k for k in MX_RESULTS if not k.endswith('fp16')])
def test_rule_matches_mxnet_and_numpy(case):
    name, kwargs, mx_w, mx_state = MX_RESULTS[case]
    opt, w, state = _run(name, kwargs)
    assert w.dtype == np.float32
    # against MXNet 1.9.1
    np.testing.assert_allclose(w.asnumpy(), mx_w, rtol=1e-5, atol=1e-6)
    _close(_nested(state), mx_state, rtol=1e-5, atol=1e-5)
    # against the NumPy formula
    ref_kwargs = dict(DEFAULTS.get(name, {}), **kwargs)
    ref_w, ref_state = REFS[name](np.array(W0, np.float64), [np.array(g, np.float64) for g in GS],
                                  **ref_kwargs)
    np.testing.assert_allclose(w.asnumpy(), ref_w, rtol=1e-5, atol=1e-6)
    if isinstance(ref_state, list) and not isinstance(state, (list, tuple)):
        ref_state = ref_state[0]
    _close(_nested(state), ref_state, rtol=1e-5, atol=1e-5)
    for s in (state if isinstance(state, (list, tuple)) else [state]):
        if s is not None:
            assert s.dtype == np.float32 and s.context == w.context


def test_each_rule_uses_its_hyperparameters():
    # a rule that silently ignored wd / rescale_grad / clip_gradient would match nothing
    for name in ('sgd', 'adam', 'rmsprop', 'lamb', 'nag', 'adagrad', 'ftrl'):
        extra = {'sgd': dict(momentum=0.9), 'nag': dict(momentum=0.9)}.get(name, {})
        base = _run(name, dict(KW, **extra))[1].asnumpy()
        for key, val in (('wd', 0.0), ('rescale_grad', 0.25), ('clip_gradient', None)):
            other = _run(name, dict(KW, **dict(extra, **{key: val})))[1].asnumpy()
            assert not np.allclose(base, other, rtol=1e-6, atol=1e-7), (name, key)


def test_default_learning_rates_and_aggregation():
    want = {'sgd': (0.01, 4), 'nag': (0.01, 0), 'adam': (0.001, 0), 'rmsprop': (0.001, 0),
            'adagrad': (0.01, 0), 'adadelta': (0.01, 0), 'adamax': (0.002, 0),
            'nadam': (0.001, 0), 'ftrl': (0.1, 0), 'signum': (0.01, 0), 'lamb': (0.001, 45),
            'ftml': (0.01, 0), 'dcasgd': (0.01, 0), 'adamw': (0.001, 0)}
    for name, (lr, agg) in want.items():
        opt = mx.optimizer.create(name)
        assert opt.learning_rate == lr, name
        assert opt.aggregate_num == agg, name
    assert mx.optimizer.SGD(aggregate_num=2).aggregate_num == 2
    assert mx.optimizer.Optimizer().learning_rate == 0.01


def test_adamw_skips_update_for_zero_rescale():
    opt = mx.optimizer.AdamW(rescale_grad=0.0, wd=0.1)
    w = mx.nd.array(W0)
    st = opt.create_state(0, w)
    opt.update(0, w, mx.nd.array(GS[0]), st)
    np.testing.assert_array_equal(w.asnumpy(), np.array(W0, np.float32))
    assert opt.num_update == 1


def test_signum_momentum_zero_with_wd_lh():
    # MXNet 1.9.1 fails here; distglu also applies the decoupled decay
    opt = mx.optimizer.Signum(momentum=0.0, wd_lh=0.1, learning_rate=0.1)
    w = mx.nd.array(W0)
    opt.update(0, w, mx.nd.array(GS[0]), opt.create_state(0, w))
    want = (1 - 0.01) * np.array(W0) - 0.1 * np.sign(GS[0])
    np.testing.assert_allclose(w.asnumpy(), want, rtol=1e-6)


def test_dcasgd_with_momentum_matches_formula():
    kw = dict(KW, lamda=0.1, momentum=0.9)
    opt, w, state = _run('dcasgd', kw)
    ref_w, ref_state = ref_dcasgd(np.array(W0), [np.array(g) for g in GS], **kw)
    np.testing.assert_allclose(w.asnumpy(), ref_w, rtol=1e-5, atol=1e-6)
    _close(_nested(state), ref_state, 1e-5, 1e-6)


def test_sgld_moves_by_half_gradient_step_plus_noise():
    mx.random.seed(3)
    opt = mx.optimizer.SGLD(learning_rate=1e-6)
    w = mx.nd.array(W0)
    opt.update(0, w, mx.nd.array(GS[0]), None)
    # noise std is sqrt(lr) = 1e-3
    diff = w.asnumpy() - (np.array(W0) - 0.5e-6 * np.array(GS[0]))
    assert np.all(np.abs(diff) < 6e-3) and np.any(diff != 0)


def test_float64_weights_stay_float64():
    for name in ('sgd', 'adam', 'rmsprop', 'adagrad', 'lamb'):
        opt = mx.optimizer.create(name, momentum=0.9) if name == 'sgd' else \
            mx.optimizer.create(name)
        w = mx.nd.array(W0, dtype='float64')
        st = opt.create_state(0, w)
        opt.update(0, w, mx.nd.array(GS[0], dtype='float64'), st)
        assert w.dtype == np.float64, name
        for s in (st if isinstance(st, tuple) else [st]):
            assert s.dtype == np.float64, name


# ---------------------------------------------------------------- multi-precision
@pytest.mark.parametrize('case', ['sgd_mom_fp16', 'nag_mom_fp16', 'adam_fp16'])
def test_multi_precision_float16(case):
    name, kwargs, mx_w, mx_state = MX_RESULTS[case]
    opt, w, state = _run(name, kwargs, dtype='float16')
    assert w.dtype == np.float16
    master = state[1] if name in ('sgd', 'nag') else state[0]
    inner = state[0] if name in ('sgd', 'nag') else state[1]
    assert master.dtype == np.float32
    np.testing.assert_array_equal(w.asnumpy(), master.asnumpy().astype(np.float16))
    np.testing.assert_allclose(w.asnumpy().astype(np.float32), mx_w, rtol=1e-3, atol=1e-3)
    _close(_nested(state), mx_state, rtol=1e-5, atol=1e-5)
    # the master copy follows the float32 rule on float16-rounded inputs
    w16 = np.array(W0, np.float16).astype(np.float64)
    g16 = [np.array(g, np.float16).astype(np.float64) for g in GS]
    ref_w, ref_state = REFS[name](w16, g16, **kwargs_without(kwargs, 'multi_precision'))
    np.testing.assert_allclose(master.asnumpy(), ref_w, rtol=1e-5, atol=1e-6)
    _close(_nested(inner), ref_state, 1e-5, 1e-5)


def kwargs_without(kwargs, *names):
    return {k: v for k, v in kwargs.items() if k not in names}


def test_float16_without_multi_precision_warns_and_stays_float16():
    opt = mx.optimizer.Adam()
    w = mx.nd.array(W0, dtype='float16')
    with pytest.warns(UserWarning, match='multi_precision'):
        st = opt.create_state_multi_precision(0, w)
    assert isinstance(st, tuple) and st[0].dtype == np.float16
    opt.update_multi_precision(0, w, mx.nd.array(GS[0], dtype='float16'), st)
    assert w.dtype == np.float16


def test_multi_precision_ignored_for_float32():
    opt = mx.optimizer.SGD(momentum=0.9, multi_precision=True)
    w = mx.nd.array(W0)
    st = opt.create_state_multi_precision(0, w)
    assert isinstance(st, mx.nd.NDArray)


# ---------------------------------------------------------------- lr / wd multipliers
IDX2NAME = {0: 'fc_weight', 1: 'fc_bias', 2: 'bn_gamma', 3: 'bn_beta', 4: 'bn_running_mean'}


def test_param_idx2name_default_wd_mult_as_mxnet():
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.1, param_idx2name=IDX2NAME)
    # MXNet 1.9.1: names ending neither with _weight nor _gamma get wd_mult 0
    assert opt.wd_mult == {'fc_bias': 0.0, 'bn_beta': 0.0, 'bn_running_mean': 0.0}
    assert [opt._get_lr(i) for i in range(6)] == [0.1] * 6
    assert [opt._get_wd(i) for i in range(6)] == [0.1, 0.0, 0.1, 0.0, 0.0, 0.1]


def test_set_lr_mult_and_wd_mult_by_name_and_index():
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.1, param_idx2name=IDX2NAME)
    opt.set_lr_mult({'fc_weight': 2.0, 1: 0.5})
    opt.set_wd_mult({'bn_beta': 3.0, 5: 4.0})
    # recorded from MXNet 1.9.1
    assert [opt._get_lr(i) for i in range(6)] == [0.2, 0.05, 0.1, 0.1, 0.1, 0.1]
    np.testing.assert_allclose([opt._get_wd(i) for i in range(6)],
                               [0.1, 0.0, 0.1, 0.3, 0.0, 0.4])
    ws = [mx.nd.array(W0) for _ in range(6)]
    for i in range(6):
        opt.update(i, ws[i], mx.nd.array(GS[0]), None)
    mx_ws = [[0.19, -0.625, 1.90999997, -0.5, -0.19400001],
             [0.42500001, -1.10000002, 1.98749995, -0.125, -0.27500001],
             [0.345, -0.9375, 1.95500004, -0.25, -0.24700001],
             [0.33499998, -0.91250002, 1.91499996, -0.25, -0.24100001],
             [0.34999999, -0.94999999, 1.97500002, -0.25, -0.25],
             [0.32999998, -0.89999998, 1.89499998, -0.25, -0.23800001]]
    for i in range(6):
        lr, wd = opt._get_lr(i), opt._get_wd(i)
        want = np.array(W0) - lr * (np.array(GS[0]) + wd * np.array(W0))
        np.testing.assert_allclose(ws[i].asnumpy(), want, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(ws[i].asnumpy(), mx_ws[i], rtol=1e-6, atol=1e-7)


class _Param:
    """Stands for a gluon Parameter: the optimizer only reads lr_mult and wd_mult."""

    def __init__(self, lr_mult, wd_mult):
        self.lr_mult, self.wd_mult = lr_mult, wd_mult


def test_param_dict_multipliers_take_precedence():
    opt = mx.optimizer.Adam(learning_rate=0.1, wd=0.1,
                            param_dict={0: _Param(1.0, 0.0), 1: _Param(0.5, 2.0)})
    opt.set_lr_mult({0: 10.0})
    assert [opt._get_lr(i) for i in range(3)] == [0.1, 0.05, 0.1]
    assert [opt._get_wd(i) for i in range(3)] == [0.0, 0.2, 0.1]
    # param_dict is not pickled (the Trainer sets it again)
    opt2 = pickle.loads(pickle.dumps(opt))
    assert opt2.param_dict == {} and opt2.lr_mult == {0: 10.0}


def test_lr_mult_scales_the_update():
    a = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    b = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    b.set_lr_mult({0: 0.5})
    wa, wb = mx.nd.array(W0), mx.nd.array(W0)
    sa, sb = a.create_state(0, wa), b.create_state(0, wb)
    for g in GS:
        a.update(0, wa, mx.nd.array(g), sa)
        b.update(0, wb, mx.nd.array(g), sb)
    np.testing.assert_allclose(wb.asnumpy() - W0, 0.5 * (wa.asnumpy() - W0), rtol=1e-5)


# ---------------------------------------------------------------- learning rate and counting
def test_set_learning_rate_and_scheduler_conflict():
    opt = mx.optimizer.SGD(learning_rate=0.1)
    opt.set_learning_rate(0.3)
    assert opt.learning_rate == 0.3 and opt.lr == 0.3
    sched_opt = mx.optimizer.SGD(lr_scheduler=mx.lr_scheduler.FactorScheduler(step=2))
    with pytest.raises(UserWarning, match='LRScheduler of the optimizer has already been defined'):
        sched_opt.set_learning_rate(0.5)


def test_learning_rate_overrides_scheduler_base_lr(capsys):
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.4)
    opt = mx.optimizer.SGD(learning_rate=0.3, lr_scheduler=sched)
    assert sched.base_lr == 0.3 and opt.learning_rate == 0.3
    assert 'overwritten by ``learning_rate``' in capsys.readouterr().out
    # MXNet: Adam passes its default 0.001 explicitly, so it overrides a scheduler too
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.4)
    mx.optimizer.Adam(lr_scheduler=sched)
    assert sched.base_lr == 0.001


def test_update_counts_and_begin_num_update():
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=0.4)
    opt = mx.optimizer.Adam(lr_scheduler=sched, begin_num_update=3, beta1=0.5, beta2=0.8)
    w = mx.nd.array(W0)
    st = opt.create_state(0, w)
    lrs = []
    for g in GS:
        opt.update(0, w, mx.nd.array(g), st)
        lrs.append(opt.learning_rate)
    # recorded from MXNet 1.9.1
    np.testing.assert_allclose(lrs, [0.0005, 0.00025, 0.00025])
    assert opt.num_update == 6 and opt._index_update_count == {0: 6}
    np.testing.assert_allclose(w.asnumpy(), [0.49970105, -1.24942172, 1.9994688, -0.00079489,
                                             -0.29988918], rtol=1e-5, atol=1e-7)


def test_num_update_is_max_over_indices():
    opt = mx.optimizer.SGD()
    w = mx.nd.array(W0)
    for _ in range(3):
        opt.update(0, w, mx.nd.array(GS[0]), None)
    opt.update(1, w, mx.nd.array(GS[0]), None)
    assert opt._index_update_count == {0: 3, 1: 1} and opt.num_update == 3
    opt._set_current_context(1)
    opt.update(0, w, mx.nd.array(GS[0]), None)
    assert opt._index_update_count == {0: 1} and opt.num_update == 3
    assert opt._all_index_update_counts[0] == {0: 3, 1: 1}


def test_scheduler_drives_sgd_through_aggregated_updater():
    sched = mx.lr_scheduler.FactorScheduler(step=1, factor=0.5, base_lr=0.2)
    opt = mx.optimizer.SGD(momentum=0.9, wd=0.01, lr_scheduler=sched)
    up = mx.optimizer.get_updater(opt)
    assert up.aggregate_updates
    wa, wb = mx.nd.array(W0), mx.nd.array(W0[::-1])
    lrs = []
    for g in GS:
        up([0, 1], [mx.nd.array(g), mx.nd.array(g[::-1])], [wa, wb])
        lrs.append(opt.learning_rate)
    # recorded from MXNet 1.9.1
    assert lrs == [0.2, 0.1, 0.05] and opt.num_update == 3
    np.testing.assert_allclose(wa.asnumpy(), [0.04884801, 0.2241075, 1.82655239, -1.42458022,
                                              -0.69426578], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wb.asnumpy(), wa.asnumpy()[::-1], rtol=1e-6)


def test_lamb_through_updater_matches_mxnet():
    opt = mx.optimizer.LAMB(learning_rate=0.1, wd=0.05, beta1=0.8, beta2=0.9, epsilon=1e-3,
                            rescale_grad=0.5, clip_gradient=1.0)
    up = mx.optimizer.get_updater(opt)
    wa, wb = mx.nd.array(W0), mx.nd.array(W0[::-1])
    for g in GS:
        up([0, 1], [mx.nd.array(g), mx.nd.array(g[::-1])], [wa, wb])
    np.testing.assert_allclose(wa.asnumpy(), [0.44625691, -1.01297128, 1.78056252, -0.36330718,
                                              -0.38159797], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(wb.asnumpy(), [-0.38159794, -0.36330718, 1.78056252, -1.01297116,
                                              0.44625685], rtol=1e-5, atol=1e-6)


def test_list_update_equals_single_updates():
    for name, kw in (('adam', {}), ('sgd', dict(momentum=0.9)), ('rmsprop', dict(centered=True))):
        one, many = mx.optimizer.create(name, **kw), mx.optimizer.create(name, **kw)
        w1 = [mx.nd.array(W0), mx.nd.array(W0[::-1])]
        w2 = [mx.nd.array(W0), mx.nd.array(W0[::-1])]
        s1 = [one.create_state(i, w) for i, w in enumerate(w1)]
        s2 = [many.create_state(i, w) for i, w in enumerate(w2)]
        for g in GS:
            gs = [mx.nd.array(g), mx.nd.array(g[::-1])]
            for i in range(2):
                one.update(i, w1[i], gs[i], s1[i])
            many.update((0, 1), w2, gs, s2)
        for a, b in zip(w1, w2):
            np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6)
        many.update_multi_precision([], [], [], [])     # nothing to do
        assert many.num_update == len(GS)


def test_update_errors():
    opt = mx.optimizer.SGD()
    with pytest.raises(DistGluError, match='same shape'):
        opt.update(0, mx.nd.zeros((2, 3)), mx.nd.zeros((3, 2)), None)
    with pytest.raises(DistGluError, match='expected NDArray'):
        opt.update(0, np.zeros(3), mx.nd.zeros(3), None)
    with pytest.raises(DistGluError, match='same length'):
        opt.update([0, 1], [mx.nd.zeros(3)], [mx.nd.zeros(3)], [None])
    with pytest.raises(NotImplementedError):
        mx.optimizer.Optimizer().update(0, mx.nd.zeros(3), mx.nd.zeros(3), None)
    with pytest.raises(DistGluError, match='param_idx2name'):
        mx.optimizer.SGD(param_idx2name=['a'])


def test_update_is_not_recorded_by_autograd():
    w = mx.nd.array(W0)
    w.attach_grad()
    opt = mx.optimizer.Adam(learning_rate=0.1)
    st = opt.create_state(0, w)
    with autograd.record():
        y = (w * w).sum()
    y.backward()
    leaf = w._node
    g = w.grad
    with autograd.record():
        opt.update(0, w, g, st)
    assert w._node is leaf
    np.testing.assert_allclose(g.asnumpy(), 2 * np.array(W0, np.float32))
    assert not np.allclose(w.asnumpy(), W0)


# ---------------------------------------------------------------- registry and creation
def test_create_by_name_case_insensitive_and_by_instance():
    for name, cls in (('sgd', mx.optimizer.SGD), ('SGD', mx.optimizer.SGD),
                      ('Adam', mx.optimizer.Adam), ('nag', mx.optimizer.NAG),
                      ('rmsprop', mx.optimizer.RMSProp), ('adagrad', mx.optimizer.AdaGrad),
                      ('adadelta', mx.optimizer.AdaDelta), ('adamax', mx.optimizer.Adamax),
                      ('nadam', mx.optimizer.Nadam), ('ftrl', mx.optimizer.Ftrl),
                      ('signum', mx.optimizer.Signum), ('LAMB', mx.optimizer.LAMB),
                      ('adamw', mx.optimizer.AdamW), ('dcasgd', mx.optimizer.DCASGD)):
        assert type(mx.optimizer.create(name)) is cls
        assert type(mx.optimizer.Optimizer.create_optimizer(name)) is cls
    opt = mx.optimizer.create('adam', learning_rate=0.5, beta1=0.7)
    assert opt.lr == 0.5 and opt.beta1 == 0.7
    inst = mx.optimizer.SGD()
    assert mx.optimizer.create(inst) is inst
    with pytest.raises(ValueError, match='Cannot find optimizer nosuch'):
        mx.optimizer.create('nosuch')
    with pytest.raises(TypeError):
        mx.optimizer.create('sgd', no_such_argument=1)
    assert mx.optimizer.optimizer.SGD is mx.optimizer.SGD
    assert mx.optimizer.lr_scheduler is mx.lr_scheduler


def test_register_custom_optimizer():
    @mx.optimizer.register
    class MyPlainSGD(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] -= self._get_lr(index) * grad

    opt = mx.optimizer.create('myplainsgd', learning_rate=0.5)
    assert isinstance(opt, MyPlainSGD) and opt.aggregate_num == 0
    w = mx.nd.array(W0)
    mx.optimizer.get_updater(opt)(0, mx.nd.array(GS[0]), w)
    np.testing.assert_allclose(w.asnumpy(), np.array(W0) - 0.5 * np.array(GS[0]), rtol=1e-6)
    with pytest.warns(UserWarning, match='overriding'):
        mx.optimizer.Optimizer.register(type('MyPlainSGD', (mx.optimizer.Optimizer,), {}))
    del mx.optimizer.Optimizer.opt_registry['myplainsgd']


# ---------------------------------------------------------------- Updater states
def _train(updater, weights, steps):
    for g in steps:
        updater([0, 1], [mx.nd.array(g), mx.nd.array(g[::-1])], weights)


@pytest.mark.parametrize('name,kw', [('adam', {}), ('sgd', dict(momentum=0.9)),
                                     ('rmsprop', dict(centered=True)), ('nadam', {}),
                                     ('sgd', dict(momentum=0.9, multi_precision=True))])
def test_updater_states_round_trip(name, kw):
    dtype = 'float16' if kw.get('multi_precision') else 'float32'
    opt = mx.optimizer.create(name, learning_rate=0.1, **kw)
    up = mx.optimizer.get_updater(opt)
    ws = [mx.nd.array(W0, dtype=dtype), mx.nd.array(W0[::-1], dtype=dtype)]
    _train(up, ws, GS[:2])
    blob = up.get_states()
    assert isinstance(blob, bytes)
    saved_w = [w.copy() for w in ws]
    _train(up, ws, GS[2:])

    # a fresh updater of an optimizer at the same count resumes identically
    opt2 = mx.optimizer.create(name, learning_rate=0.1, **kw)
    opt2._index_update_count.update({0: 2, 1: 2})
    opt2.num_update = 2
    if name == 'nadam':
        opt2.m_schedule = opt.m_schedule / _nadam_last_factors(opt)
    up2 = mx.optimizer.get_updater(opt2)
    up2.set_states(blob)
    assert set(up2.states) == {0, 1} and not any(up2.states_synced.values())
    _train(up2, saved_w, GS[2:])
    for a, b in zip(ws, saved_w):
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
        assert b.dtype == np.dtype(dtype)

    # dump_optimizer=True carries the optimizer (counts, lr) along
    blob = up.get_states(dump_optimizer=True)
    up3 = mx.optimizer.get_updater(mx.optimizer.create(name))
    up3.set_states(blob)
    assert up3.optimizer.num_update == 3 and up3.optimizer.lr == 0.1
    assert type(up3.optimizer) is type(opt)


def _nadam_last_factors(opt):
    """Undo Nadam's shared m_schedule for the two updates of step 3."""
    t = 3
    mu = opt.beta1 * (1. - 0.5 * (0.96 ** (t * opt.schedule_decay)))
    return mu * mu


def test_updater_state_pickle_holds_numpy():
    opt = mx.optimizer.Adam()
    up = mx.optimizer.get_updater(opt)
    up(0, mx.nd.array(GS[0]), mx.nd.array(W0))
    states = pickle.loads(up.get_states())
    mean, var = states[0]
    assert isinstance(mean, mx.nd.NDArray) and isinstance(mean._data, np.ndarray)
    assert mean.dtype == np.float32 and mean.shape == (5,)


def test_updater_single_index_and_bytes_index():
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.5)
    up = mx.optimizer.get_updater(opt)
    w = mx.nd.array(W0)
    up(b'w0', mx.nd.array(GS[0]), w)
    up('w0', mx.nd.array(GS[1]), w)
    assert list(up.states) == ['w0']
    ref_w, _ = ref_sgd(np.array(W0), [np.array(GS[0]), np.array(GS[1])], 0.1, 0.0, 1.0, None,
                       momentum=0.5)
    np.testing.assert_allclose(w.asnumpy(), ref_w, rtol=1e-6)


def test_updater_groups_by_dtype():
    opt = mx.optimizer.SGD(learning_rate=0.1, multi_precision=True, aggregate_num=3)
    up = mx.optimizer.get_updater(opt)
    ws = [mx.nd.array(W0), mx.nd.array(W0, dtype='float16'), mx.nd.array(W0)]
    gs = [mx.nd.array(GS[0]), mx.nd.array(GS[0], dtype='float16'), mx.nd.array(GS[0])]
    up([0, 1, 2], gs, ws)
    want = np.array(W0) - 0.1 * np.array(GS[0])
    for w in ws:
        np.testing.assert_allclose(w.asnumpy().astype(np.float64), want, rtol=1e-3)
    assert ws[1].dtype == np.float16 and isinstance(up.states[1], tuple)


# ---------------------------------------------------------------- GPU
@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
@pytest.mark.parametrize('case', ['sgd_mom', 'nag_mom', 'adam', 'adamw', 'rmsprop_centered',
                                  'ftrl', 'lamb', 'lamb_nobc_bounds', 'adamax', 'nadam'])
def test_rules_on_gpu_match_cpu(case):
    name, kwargs, mx_w, _ = MX_RESULTS[case]
    opt = mx.optimizer.create(name, **kwargs)
    w = mx.nd.array(W0, ctx=mx.gpu(0))
    st = opt.create_state_multi_precision(0, w)
    for g in GS:
        opt.update_multi_precision(0, w, mx.nd.array(g, ctx=mx.gpu(0)), st)
    assert w.context == mx.gpu(0)
    for s in (st if isinstance(st, tuple) else [st]):
        assert s is None or s.context == mx.gpu(0)
    np.testing.assert_allclose(w.asnumpy(), mx_w, rtol=1e-5, atol=1e-6)


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_gpu_states_round_trip_and_multi_precision():
    opt = mx.optimizer.SGD(momentum=0.9, multi_precision=True, **KW)
    up = mx.optimizer.get_updater(opt)
    w = mx.nd.array(W0, ctx=mx.gpu(0), dtype='float16')
    for g in GS:
        up(0, mx.nd.array(g, ctx=mx.gpu(0), dtype='float16'), w)
    np.testing.assert_allclose(w.asnumpy().astype(np.float32), MX_RESULTS['sgd_mom_fp16'][2],
                               rtol=1e-3, atol=1e-3)
    up2 = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9, multi_precision=True))
    up2.set_states(up.get_states())
    up2(0, mx.nd.array(GS[0], ctx=mx.gpu(0), dtype='float16'), w)
    assert up2.states[0][0].context == mx.gpu(0)


def test_group_adagrad_matches_mxnet():
    """mxnet.optimizer.contrib.GroupAdaGrad ('groupadagrad'): 3 updates each with the same
    random weights and gradients; values recorded from MXNet 1.9.1."""
    rng = np.random.RandomState(0)
    expected = [
        ([[0.1345555, 0.2663873, 0.314276, 0.0824426],
          [-0.0003144, 0.2359195, -0.1835078, 0.708617],
          [0.7520103, -0.3802348, 0.7750406, 0.0167638]],
         [[1.2866644], [0.9496674], [0.9292616]]),
        ([[-0.3627819, -0.2037357, 0.0766318, 0.0086348],
          [1.0523918, -0.7669317, -0.5891629, -0.6014752],
          [0.3118814, -0.4489261, -0.0545609, -0.4985924]],
         [[0.1731742], [0.178169], [0.1774141]]),
    ]
    for kw, (want_w, want_h) in zip(({'learning_rate': 0.1},
                                     {'learning_rate': 0.05, 'clip_gradient': 0.3,
                                      'rescale_grad': 0.5, 'eps': 1e-3}), expected):
        o = mx.optimizer.create('groupadagrad', **kw)
        w = mx.nd.array(rng.uniform(-1, 1, (3, 4)))
        st = o.create_state(0, w)
        for _ in range(3):
            o.update(0, w, mx.nd.array(rng.uniform(-1, 1, (3, 4))), st)
        np.testing.assert_allclose(w.asnumpy(), want_w, rtol=1e-6, atol=1e-7)
        np.testing.assert_allclose(st.asnumpy(), want_h, rtol=1e-6, atol=1e-7)
    with pytest.raises(AssertionError, match='Weight decay is not supported'):
        o = mx.optimizer.create('groupadagrad', wd=0.1)
        w = mx.nd.ones((2, 2))
        o.update(0, w, mx.nd.ones((2, 2)), o.create_state(0, w))
    with pytest.raises(AssertionError, match='must be 2-D'):
        mx.optimizer.create('groupadagrad').create_state(0, mx.nd.ones((3,)))
