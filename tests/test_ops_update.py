"""Tests of the fused optimizer update operators (distglu/ndarray/ops/update_ops.py).

Reference values were recorded from MXNet 1.9.1 (``mx.nd.<op>(..., out=weight)`` called three
times, t = 1, 2, 3 for ftml/lamb) with the inputs below.
"""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError

W = [0.5, -1.2, 2.0, 0.03]
G = [0.3, -0.7, 1.5, -0.02]
S = [0.1, -0.2, 0.05, 0.4]      # initial signed states (mom, z, delta, mean, d)
P = [0.2, 0.1, 0.3, 0.05]       # initial positive states (n, var, v)

CASES = [
    ('sgd_update', {'clip_gradient': 0.6, 'lazy_update': False, 'lr': 0.1, 'rescale_grad': 0.5, 'wd': 0.1},
     {'weight': [0.440598011, -1.06040549, 1.76239204, 0.0320790671]}),
    ('sgd_update', {'lr': 0.1},
     {'weight': [0.409999996, -0.98999995, 1.55000007, 0.0359999985]}),
    ('sgd_update', {'clip_gradient': 0.0, 'lr': 0.1},
     {'weight': [0.5, -1.20000005, 2, 0.0299999993]}),
    ('sgd_mom_update', {'clip_gradient': 0.6, 'lazy_update': True, 'lr': 0.1, 'momentum': 0.9, 'rescale_grad': 0.5, 'wd': 0.1},
     {'mom': [0.0169469938, -0.0151893012, -0.178573504, 0.283426404],
      'weight': [0.62924695, -1.41955936, 1.67527652, 0.995849371]}),
    ('mp_sgd_update', {'clip_gradient': 0.6, 'lr': 0.1, 'rescale_grad': 0.5, 'wd': 0.1},
     {'weight16': [0.440673828, -1.06054688, 1.76269531, 0.0320739746],
      'weight32': [0.440590799, -1.06056583, 1.76239204, 0.0320785195]}),
    ('mp_sgd_mom_update', {'clip_gradient': 0.6, 'lr': 0.1, 'momentum': 0.9, 'rescale_grad': 0.5, 'wd': 0.1},
     {'mom': [0.0169404708, -0.0151579641, -0.178573504, 0.283427089],
      'weight16': [0.629394531, -1.41992188, 1.67480469, 0.995605469],
      'weight32': [0.62923342, -1.4196893, 1.67527652, 0.99584949]}),
    ('nag_mom_update', {'clip_gradient': 0.6, 'lr': 0.1, 'momentum': 0.9, 'rescale_grad': 0.5, 'wd': 0.1},
     {'mom': [0.0172527749, -0.0164806731, -0.171622366, 0.276812166],
      'weight': [0.555410683, -1.2558006, 1.47749674, 0.885954857]}),
    ('mp_nag_mom_update', {'clip_gradient': 0.6, 'lr': 0.1, 'momentum': 0.9, 'rescale_grad': 0.5, 'wd': 0.1},
     {'mom': [0.017246481, -0.0164504945, -0.171622366, 0.276812732],
      'weight16': [0.555175781, -1.25585938, 1.47753906, 0.885742188],
      'weight32': [0.55539149, -1.25590372, 1.47749674, 0.885955393]}),
    ('adam_update', {'clip_gradient': 0.6, 'lazy_update': False, 'lr': 0.01, 'rescale_grad': 0.5, 'wd': 0.1},
     {'mean': [0.127026632, -0.272954345, 0.199050054, 0.289253145],
      'var': [0.199520186, 0.100360237, 0.300179809, 0.0498503745],
      'weight': [0.492033005, -1.17627501, 1.99162984, -0.0134690776]}),
    ('adam_update', {'beta1': 0.8, 'beta2': 0.9, 'clip_gradient': 0.0, 'epsilon': 0.001, 'lr': 0.01},
     {'mean': [0.0512000024, -0.102400005, 0.0256000012, 0.20480001],
      'var': [0.14579998, 0.0728999898, 0.218699992, 0.0364499949],
      'weight': [0.495195299, -1.18642414, 1.9980377, -0.00834319368]}),
    ('rmsprop_update', {'clip_gradient': 0.6, 'clip_weights': 1.5, 'lr': 0.01, 'rescale_grad': 0.5, 'wd': 0.1},
     {'n': [0.177152961, 0.117045708, 0.30855751, 0.0428756773],
      'weight': [0.486058801, -1.15789413, 1.47834933, 0.0309840944]}),
    ('rmsprop_update', {'clip_gradient': 0.0, 'clip_weights': 0.0, 'epsilon': 0.0001, 'gamma1': 0.8, 'lr': 0.01},
     {'n': [0.102400005, 0.0512000024, 0.153600022, 0.0256000012],
      'weight': [0, 0, 0, 0]}),
    ('rmspropalex_update', {'clip_gradient': 0.6, 'clip_weights': 1.5, 'gamma1': 0.9, 'gamma2': 0.8, 'lr': 0.01, 'rescale_grad': 0.5, 'wd': 0.1},
     {'delta': [0.0387158394, -0.0671254247, -0.00160193071, 0.201373205],
      'g': [0.063473165, -0.145739436, 0.184470043, 0.0140294731],
      'n': [0.1574554, 0.136406466, 0.31626004, 0.0367657468],
      'weight': [0.669236422, -1.5, 1.49839807, 0.806723237]}),
    ('ftrl_update', {'beta': 1.0, 'clip_gradient': 0.6, 'lamda1': 0.01, 'lr': 0.1, 'rescale_grad': 0.5, 'wd': 0.1},
     {'n': [0.267500013, 0.467500001, 1.38, 0.0503000058],
      'weight': [-0.027723806, -0.0455434248, 0.197091937, -0.0291724391],
      'z': [0.433399081, 0.781387031, -4.31593513, 0.37006861]}),
    ('ftrl_update', {'clip_gradient': 0.0, 'lr': 0.2},
     {'n': [0.200000003, 0.100000001, 0.300000012, 0.0500000007],
      'weight': [-0.0124376938, 0.0288703814, -0.00516888499, -0.0637459755],
      'z': [0.100000001, -0.200000003, 0.0500000007, 0.400000006]}),
    ('ftml_update', {'clip_grad': 0.6, 'lr': 0.1, 'rescale_grad': 0.5, 't': 't', 'wd': 0.1},
     {'d': [63.9686928, 45.3687553, 78.4629745, 31.9748135],
      'v': [0.199520186, 0.100361168, 0.300179809, 0.049850326],
      'weight': [0.494496912, -1.18762147, 1.98911834, 0.0215515289],
      'z': [-31.6323204, 53.880909, -156.072144, -0.689106107]}),
    ('ftml_update', {'beta1': 0.5, 'beta2': 0.9, 'clip_grad': 0.0, 'epsilon': 0.0001, 'lr': 0.1, 't': 't'},
     {'d': [6.41891003, 4.53911114, 7.86133051, 3.20989227],
      'v': [0.14579998, 0.0728999898, 0.218699992, 0.0364499949],
      'weight': [0.488820493, -1.204216, 1.99087203, -0.031408187],
      'z': [-3.13769484, 5.46607018, -15.6509027, 0.100816898]}),
    ('signsgd_update', {'clip_gradient': 0.6, 'lr': 0.1, 'rescale_grad': 0.5, 'wd': 0.1},
     {'weight': [0.188139528, -0.86734885, 1.64358795, 0.326118976]}),
    ('signum_update', {'clip_gradient': 0.6, 'lr': 0.1, 'momentum': 0.9, 'rescale_grad': 0.5, 'wd': 0.1, 'wd_lh': 0.05},
     {'mom': [0.0158773568, -0.0157086439, -0.177165553, 0.29060629],
      'weight': [0.791040003, -1.48059249, 1.67164719, 0.328054756]}),
    ('signum_update', {'clip_gradient': 0.0, 'lr': 0.1, 'wd': 0.1},
     {'mom': [-0.0300000012, 0.100000001, -0.179999992, -0.00300000026],
      'weight': [0.200000018, -0.899999976, 1.69999993, -0.0700000003]}),
    ('lamb_update_phase1', {'clip_gradient': 0.6, 'rescale_grad': 0.5, 't': 't', 'wd': 0.1},
     {'mean': [0.113550007, -0.240650013, 0.199050054, 0.288890004],
      'out': [0.101359762, -0.273678124, 0.273391217, 0.264378816],
      'var': [0.199468032, 0.100067414, 0.300179809, 0.0498504527],
      'weight': [0.5, -1.20000005, 2, 0.0299999993]}),
    ('lamb_update_phase1', {'beta1': 0.8, 'beta2': 0.9, 'bias_correction': False, 'clip_gradient': 0.0, 'epsilon': 0.001, 't': 't', 'wd': 0.0},
     {'mean': [0.0512000024, -0.102400005, 0.0256000012, 0.20480001],
      'out': [0.133738175, -0.377859831, 0.0546245575, 1.06711793],
      'var': [0.14579998, 0.0728999898, 0.218699992, 0.0364499949],
      'weight': [0.5, -1.20000005, 2, 0.0299999993]}),
]
LAMB2 = [
    ({'lr': 0.1}, 2.0, 4.0, [0.485000014, -1.16500008, 1.92499995, 0.0309999995]),
    ({'lr': 0.1}, 0.0, 4.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lr': 0.1}, 2.0, 0.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lower_bound': 3.0, 'lr': 0.1}, 2.0, 4.0, [0.477499992, -1.14750004, 1.88750005, 0.0315000005]),
    ({'lower_bound': 3.0, 'lr': 0.1}, 0.0, 4.0, [0.477499992, -1.14750004, 1.88750005, 0.0315000005]),
    ({'lower_bound': 3.0, 'lr': 0.1}, 2.0, 0.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lr': 0.1, 'upper_bound': 0.5}, 2.0, 4.0, [0.496250004, -1.19125009, 1.98125005, 0.0302499998]),
    ({'lr': 0.1, 'upper_bound': 0.5}, 0.0, 4.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lr': 0.1, 'upper_bound': 0.5}, 2.0, 0.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lower_bound': 0.0, 'lr': 0.1}, 2.0, 4.0, [0.485000014, -1.16500008, 1.92499995, 0.0309999995]),
    ({'lower_bound': 0.0, 'lr': 0.1}, 0.0, 4.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
    ({'lower_bound': 0.0, 'lr': 0.1}, 2.0, 0.0, [0.469999999, -1.13, 1.85000002, 0.0319999978]),
]

ARGS = {
    'sgd_update': ['weight', 'grad'],
    'sgd_mom_update': ['weight', 'grad', 'mom'],
    'mp_sgd_update': ['weight16', 'grad16', 'weight32'],
    'mp_sgd_mom_update': ['weight16', 'grad16', 'mom', 'weight32'],
    'nag_mom_update': ['weight', 'grad', 'mom'],
    'mp_nag_mom_update': ['weight16', 'grad16', 'mom', 'weight32'],
    'adam_update': ['weight', 'grad', 'mean', 'var'],
    'rmsprop_update': ['weight', 'grad', 'n'],
    'rmspropalex_update': ['weight', 'grad', 'n', 'g', 'delta'],
    'ftrl_update': ['weight', 'grad', 'z', 'n'],
    'ftml_update': ['weight', 'grad', 'd', 'v', 'z'],
    'signsgd_update': ['weight', 'grad'],
    'signum_update': ['weight', 'grad', 'mom'],
    'lamb_update_phase1': ['weight', 'grad', 'mean', 'var'],
}


def _make(name):
    if name == 'weight':
        return nd.array(W)
    if name == 'grad':
        return nd.array(G)
    if name == 'weight16':
        return nd.array(W, dtype='float16')
    if name == 'grad16':
        return nd.array(G, dtype='float16')
    if name == 'weight32':
        return nd.array(np.array(W, np.float16).astype(np.float32))
    if name == 'g':
        return nd.array([0.01, -0.02, 0.03, 0.01])
    if name in ('mom', 'z', 'delta', 'mean', 'd'):
        return nd.array(S)
    return nd.array(P)


def _ids():
    return ['%s-%d' % (c[0], i) for i, c in enumerate(CASES)]


@pytest.mark.parametrize('case', CASES, ids=_ids())
def test_matches_mxnet_after_three_calls(case):
    op, kw, expected = case
    names = ARGS[op]
    arrs = [_make(a) for a in names]
    fn = getattr(nd, op)
    ret = None
    for t in (1, 2, 3):
        k = {key: (t if v == 't' else v) for key, v in kw.items()}
        if op == 'lamb_update_phase1':
            ret = fn(*arrs, **k)
        else:
            ret = fn(*arrs, out=arrs[0], **k)
            assert ret is arrs[0]
    got = {a: arrs[i] for i, a in enumerate(names)}
    if op == 'lamb_update_phase1':
        got['out'] = ret
    for key, want in expected.items():
        dt = np.float16 if key == 'weight16' else np.float32
        a = got[key]
        assert a.dtype == dt, (key, a.dtype)
        # float16: its precision; float32: MXNet's float32 scalars (lr*wd, 1-beta**t, ...) vs
        # distglu's Python floats differ by a few ulp in ftml/lamb
        tol = 1e-3 if dt == np.float16 else 1e-5
        np.testing.assert_allclose(a.asnumpy(), np.array(want, dt), rtol=tol, atol=tol * 1e-2,
                                   err_msg=key)
    # the gradient is only read
    grad = got.get('grad', got.get('grad16'))
    np.testing.assert_allclose(grad.asnumpy(), np.array(G, grad.dtype))


@pytest.mark.parametrize('kw, r1, r2, want', LAMB2)
def test_lamb_phase2_matches_mxnet(kw, r1, r2, want):
    w = nd.array(W)
    res = nd.lamb_update_phase2(w, nd.array(G), nd.array([r1]), nd.array([r2]), out=w, **kw)
    assert res is w and w.dtype == np.float32
    np.testing.assert_allclose(w.asnumpy(), np.array(want, np.float32), rtol=1e-6)


def test_without_out_weight_is_kept_and_states_change():
    w, g, m = nd.array([1., 2., -3.]), nd.array([0.5, -1., 2.]), nd.zeros(3)
    r = nd.sgd_mom_update(w, g, m, lr=0.1, momentum=0.9)
    # MXNet 1.9.1: new weight returned, weight untouched, mom updated in place
    np.testing.assert_allclose(r.asnumpy(), [0.95, 2.1, -3.2], rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), [1., 2., -3.])
    np.testing.assert_allclose(m.asnumpy(), [-0.05, 0.1, -0.2], rtol=1e-6)
    assert r is not w


def test_signsgd_ignores_clip_gradient_and_lamb_upper_bound_zero():
    # MXNet 1.9.1 values: signsgd does not clip (0 would zero the gradient); upper_bound=0
    # lowers r1 to 0, so the ratio falls back to 1
    r = nd.signsgd_update(nd.array(W), nd.array(G), lr=0.1, wd=0.1, clip_gradient=0.0)
    np.testing.assert_allclose(r.asnumpy(), [0.395, -1.088, 1.88, 0.1297], rtol=1e-6)
    r = nd.lamb_update_phase2(nd.array(W), nd.array(G), nd.array([2.]), nd.array([4.]), lr=0.1,
                              upper_bound=0.0)
    np.testing.assert_allclose(r.asnumpy(), [0.47, -1.13, 1.85, 0.032], rtol=1e-6)


def test_out_into_another_array():
    w, g = nd.array([1., 2., -3.]), nd.array([0.5, -1., 2.])
    o = nd.zeros(3)
    r = nd.sgd_update(w, g, lr=0.1, out=o)
    assert r is o
    np.testing.assert_allclose(o.asnumpy(), [0.95, 2.1, -3.2], rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), [1., 2., -3.])


def test_mp_without_out_updates_master_only():
    w16 = nd.array([1., 2., -3.], dtype='float16')
    w32 = w16.astype('float32')
    r = nd.mp_sgd_update(w16, nd.array([0.5, -1., 2.], dtype='float16'), w32, lr=0.1)
    assert r.dtype == np.float16
    np.testing.assert_allclose(r.asnumpy(), [0.95, 2.1, -3.2], rtol=1e-3)
    np.testing.assert_allclose(w16.asnumpy(), [1., 2., -3.])
    np.testing.assert_allclose(w32.asnumpy(), [0.95, 2.1, -3.2], rtol=1e-6)


def test_nag_new_state_reads_weight_it_was_written_into():
    # MXNet 1.9.1: with out=weight the state's weight decay term uses the new weight
    for inplace, mom_want in ((True, [0.03617499768733978, -0.05424998700618744]),
                              (False, [0.034999992698431015, -0.04999999701976776])):
        w, g, m = nd.array([0.5, -1.2]), nd.array([0.3, -0.7]), nd.array([0.1, -0.2])
        r = nd.nag_mom_update(w, g, m, lr=0.1, momentum=0.9, wd=0.5,
                              out=w if inplace else None)
        np.testing.assert_allclose(r.asnumpy(), [0.4764999747276306, -1.1150001287460327],
                                   rtol=1e-6)
        np.testing.assert_allclose(m.asnumpy(), mom_want, rtol=1e-6)


def test_not_recorded_by_autograd():
    w, g, m = nd.array([1., 2.]), nd.array([0.5, -1.]), nd.zeros(2)
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        y = x * 2
        r = nd.sgd_mom_update(y, g, m, lr=0.1, momentum=0.9)
        z = nd.adam_update(y, g, nd.zeros(2), nd.zeros(2), lr=0.1)
    assert r._node is None and z._node is None
    nd.sgd_update(w, g, lr=0.1, out=w)   # outside record: fine
    np.testing.assert_allclose(w.asnumpy(), [0.95, 2.1], rtol=1e-6)


def test_float64_weights_stay_float64():
    w = nd.array([1., 2.], dtype='float64')
    m, v = nd.zeros(2, dtype='float64'), nd.zeros(2, dtype='float64')
    r = nd.adam_update(w, w, m, v, lr=0.1)
    assert r.dtype == np.float64 and m.dtype == np.float64


def test_all_finite():
    assert nd.all_finite(nd.array([1., np.inf])).asnumpy().tolist() == [0.]
    r = nd.all_finite(nd.array([1., 2.]))
    assert r.shape == (1,) and r.dtype == np.float32 and r.asnumpy().tolist() == [1.]
    # init_output=False: out is only cleared (MXNet 1.9.1 keeps 5 when all is finite)
    o = nd.array([5.])
    assert nd.all_finite(nd.array([1., 2.]), init_output=False, out=o) is o
    assert o.asnumpy().tolist() == [5.]
    nd.all_finite(nd.array([1., np.nan]), init_output=False, out=o)
    assert o.asnumpy().tolist() == [0.]


def test_multi_all_finite():
    a, b = nd.array([1., 2.]), nd.array([1., np.nan])
    assert nd.multi_all_finite(a, b, num_arrays=2).asnumpy().tolist() == [0.]
    assert nd.multi_all_finite(a, a, num_arrays=2).asnumpy().tolist() == [1.]
    with pytest.raises(DistGluError, match='num_arrays=1 but 2'):
        nd.multi_all_finite(a, b)


def test_multi_sum_sq_and_reset_arrays():
    a, b = nd.array([1., 2.]), nd.array([3., 4., 5.], dtype='float16')
    r = nd.multi_sum_sq(a, b, num_arrays=2)
    assert r.dtype == np.float32 and r.asnumpy().tolist() == [5., 50.]
    assert nd.reset_arrays(a, b, num_arrays=2) == []
    assert a.asnumpy().tolist() == [0., 0.] and b.asnumpy().tolist() == [0., 0., 0.]
    with pytest.raises(DistGluError, match='num_arrays'):
        nd.reset_arrays(a, b)


def test_multi_sgd_update_matches_mxnet():
    ws = [nd.array([1., 2.]), nd.array([3., 4.])]
    gs = [nd.array([.1, .2]), nd.array([.3, .4])]
    r = nd.multi_sgd_update(ws[0], gs[0], ws[1], gs[1], lrs=(0.1, 0.2), wds=(0., 0.1),
                            num_weights=2, out=ws)
    assert r[0] is ws[0] and r[1] is ws[1]
    np.testing.assert_allclose(ws[0].asnumpy(), [0.99, 1.98], rtol=1e-6)
    np.testing.assert_allclose(ws[1].asnumpy(), [2.88, 3.84], rtol=1e-6)


@pytest.mark.parametrize('mp', [False, True])
@pytest.mark.parametrize('mom', [False, True])
@pytest.mark.parametrize('preloaded', [False, True])
def test_multi_sgd_family_equals_single_ops(mp, mom, preloaded):
    lrs, wds = (0.1, 0.2), (0.05, 0.0)
    kw = dict(rescale_grad=0.5, clip_gradient=0.6)
    if mom:
        kw['momentum'] = 0.9
    dt = 'float16' if mp else 'float32'

    def group(i):
        w = nd.array(np.array(W) * (i + 1), dtype=dt)
        arrs = [w, nd.array(G, dtype=dt)]
        if mom:
            arrs.append(nd.array(S))
        if mp:
            arrs.append(w.astype('float32'))
        return arrs
    ga, gb = [group(i) for i in range(2)], [group(i) for i in range(2)]
    single = getattr(nd, ('mp_' if mp else '') + ('sgd_mom_update' if mom else 'sgd_update'))
    multi_name = 'multi_' + ('mp_' if mp else '') + ('sgd_mom_update' if mom else 'sgd_update')
    for _ in range(2):
        for i in range(2):
            single(*ga[i], lr=lrs[i], wd=wds[i], out=ga[i][0], **kw)
        flat = [a for grp in gb for a in grp]
        if preloaded:
            getattr(nd, 'preloaded_' + multi_name)(*flat, nd.array(lrs), nd.array(wds),
                                                   num_weights=2, out=[gb[0][0], gb[1][0]], **kw)
        else:
            getattr(nd, multi_name)(*flat, lrs=lrs, wds=wds, num_weights=2,
                                    out=[gb[0][0], gb[1][0]], **kw)
    for i in range(2):
        for a, b in zip(ga[i], gb[i]):
            assert a.dtype == b.dtype
            # preloaded lrs/wds are float32 arrays (0.1 -> 0.100000001): not bit-equal
            np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-6 if preloaded else 0)
    assert not np.allclose(ga[0][0].asnumpy(), np.array(W, dt))   # something moved


def test_multi_lars_matches_mxnet():
    r = nd.multi_lars(nd.array([0.1, 0.2, 0.3]), nd.array([4., 0., 9.]), nd.array([1., 1., 0.]),
                      nd.array([0.01, 0.02, 0.]), eta=0.001, eps=1e-8, rescale_grad=0.5)
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.asnumpy(), [0.00038461538, 0.2, 0.3], rtol=1e-6)


def test_errors():
    w, g = nd.array([1., 2.]), nd.array([1., 2.])
    with pytest.raises(DistGluError, match='required parameter lr'):
        nd.sgd_update(w, g)
    with pytest.raises(DistGluError, match='grad must have the shape'):
        nd.sgd_update(w, nd.array([1., 2., 3.]), lr=0.1)
    with pytest.raises(DistGluError, match='grad must have dtype float32, got float16'):
        nd.sgd_update(w, g.astype('float16'), lr=0.1)
    with pytest.raises(DistGluError, match='weight32 must have dtype float32'):
        nd.mp_sgd_update(w.astype('float16'), g.astype('float16'), w.astype('float16'), lr=0.1)
    with pytest.raises(DistGluError, match='expected an NDArray for mom'):
        nd.sgd_mom_update(w, g, None, lr=0.1)
    with pytest.raises(DistGluError, match='expected an NDArray for weight32'):
        nd.mp_sgd_update(w.astype('float16'), g.astype('float16'), lr=0.1)
    with pytest.raises(DistGluError, match='required parameter t'):
        nd.ftml_update(w, g, nd.zeros(2), nd.zeros(2), nd.zeros(2), lr=0.1)
    with pytest.raises(DistGluError, match='required parameter wd'):
        nd.lamb_update_phase1(w, g, nd.zeros(2), nd.zeros(2), t=1)
    with pytest.raises(DistGluError, match='unknown argument'):
        nd.sgd_update(w, g, lr=0.1, momentun=0.9)
    with pytest.raises(DistGluError, match='lr: expected a number'):
        nd.sgd_update(w, g, lr='fast')
    with pytest.raises(DistGluError, match='expected 4 arrays'):
        nd.multi_sgd_update(w, g, w, lrs=(0.1, 0.1), wds=(0., 0.), num_weights=2)
    with pytest.raises(DistGluError, match='lrs and wds must have num_weights=2'):
        nd.multi_sgd_update(w, g, w, g, lrs=(0.1,), wds=(0., 0.), num_weights=2)
    with pytest.raises(DistGluError, match='one-element NDArray for r1'):
        nd.lamb_update_phase2(w, g, nd.array([1., 2.]), nd.array([1.]), lr=0.1)


def test_inplace_on_recorded_array_is_an_error():
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with pytest.raises(DistGluError):
            nd.sgd_update(y, nd.array([1., 1.]), lr=0.1, out=y)


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_gpu_matches_cpu():
    for op, kw, _ in CASES:
        names = ARGS[op]
        k = {key: (2 if v == 't' else v) for key, v in kw.items()}
        cpu = [_make(a) for a in names]
        gpu = [a.as_in_context(mx.gpu(0)) for a in cpu]
        rc = getattr(nd, op)(*cpu, **k)
        rg = getattr(nd, op)(*gpu, **k)
        np.testing.assert_allclose(rg.asnumpy(), rc.asnumpy(), rtol=1e-5, atol=1e-6)
        for a, b in zip(cpu, gpu):
            np.testing.assert_allclose(b.asnumpy(), a.asnumpy(), rtol=1e-5, atol=1e-6)
    w = nd.array(W, ctx=mx.gpu(0))
    nd.lamb_update_phase2(w, w, nd.array([2.], ctx=mx.gpu(0)), nd.array([4.], ctx=mx.gpu(0)),
                          lr=0.1, out=w)
    np.testing.assert_allclose(w.asnumpy(), np.array(W) * (1 - 0.05), rtol=1e-6)
