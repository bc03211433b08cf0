"""Normalization operators: NumPy loop references, MXNet 1.9.1 values, numeric gradients."""
import numpy as np
import pytest

import distglu
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient


def _a(vals, shape):
    return np.array(vals, dtype=np.float32).reshape(shape)


# Values recorded with mxnet 1.9.1 (CPU) on the inputs built by _inputs() below: for each
# case the output, then the gradients of the inputs for the head gradient ``og``, then
# (where listed) extra outputs or the moving statistics after the step.
MX = {
    'bn_train': [
        _a([0.8223622, -0.1404149, 0.4220316, 3.311526, -0.8101344, 1.7257, 0.247783,
            -0.5297304, -2.054929, -0.8786291, 0.7261747, -0.4417402], (2, 3, 2)),
        _a([-0.08633962, 0.2130543, 1.461608, -1.34925, -0.7619557, 0.1694019, 0.0454631,
            -0.1721776, -3.20588, 3.093522, -0.5540967, 1.14665], (2, 3, 2)),
        _a([2.209217, 3.094293, 1.032228], (3,)),
        _a([0.3416846, -1.121834, 1.411192], (3,)),
        _a([0.2540735, 0.3581753, 0.4222149], (3,)),
        _a([1.400071, 1.876221, 0.5757557], (3,)),
    ],
    'bn_predict': [
        _a([0.738309, 0.1816866, 1.159641, 2.944152, -1.773368, 2.24582, 0.4061203,
            -0.04339319, -0.3700951, 0.3563708, 0.6616157, -1.189479], (2, 3, 2)),
    ],
    'bn_fixgamma': [
        _a([1.544724, -0.3808298, 0.3110158, 1.755763, 1.410134, -1.1257, 0.395566,
            -1.159461, -0.9274643, -0.3393146, -0.1261746, 1.04174], (2, 3, 2)),
        _a([-0.1726792, 0.4261086, 0.7308042, -0.674625, 0.7619557, -0.1694019,
            0.09092619, -0.3443553, -1.60294, 1.546761, 0.5540967, -1.14665], (2, 3, 2)),
        _a([0, 0, 0], (3,)),
        _a([0.3416846, -1.121834, 1.411192], (3,)),
    ],
    'bn_global': [
        _a([0.738309, 0.1816866, 1.159641, 2.944152, -1.773368, 2.24582, 0.4061203,
            -0.04339319, -0.3700951, 0.3563708, 0.6616157, -1.189479], (2, 3, 2)),
        _a([0.3105888, 0.04965707, 0.6275606, 0.4717689, -2.110837, 0.2898479, 0.1277668,
            -0.3485669, -3.609571, 0.9241253, -1.221277, 1.048532], (2, 3, 2)),
        _a([1.428049, 1.449628, 2.078944], (3,)),
        _a([0.3416846, -1.121834, 1.411192], (3,)),
    ],
    'bn_axis': [
        _a([0.8288254, -2.514614, 0.4775793, 0.01693742, 2.958739, -1.205953, 0.1299937,
            0.8431318, 1.581578, -0.5757564, -0.4872566, 0.3467964], (2, 2, 3)),
        _a([0.2260619, 0.5566611, 0.07917718, 0.03261175, -1.034768, 0.5772593,
            -0.4749094, 3.481847, 0.6980631, 0.2162358, -3.003741, -1.3545], (2, 2, 3)),
        _a([2.333263, -2.020542, -1.452924], (3,)),
        _a([-1.216357, 0.851807, -1.539507], (3,)),
        _a([0.1728361, 0.2454332, 0.3591841], (3,)),
        _a([1.655895, 1.836285, 0.5410089], (3,)),
    ],
    'bn_omv_predict': [
        _a([0.738309, 0.1816866, 1.159641, 2.944152, -1.773368, 2.24582, 0.4061203,
            -0.04339319, -0.3700951, 0.3563708, 0.6616157, -1.189479], (2, 3, 2)),
        _a([0.2, 0.3, 0.4], (3,)),
        _a([0.8162245, 0.7069301, 1.412802], (3,)),
    ],
    'bn_omv_train': [
        _a([0.8223622, -0.1404149, 0.4220316, 3.311526, -0.8101344, 1.7257, 0.247783,
            -0.5297304, -2.054929, -0.8786291, 0.7261747, -0.4417402], (2, 3, 2)),
        _a([0.7407352, 0.8817527, 0.6221493], (3,)),
        _a([1.411805, 1.144667, 0.8913816], (3,)),
    ],
    'ln': [
        _a([0.74798, -2.076489, 0.4577153, -0.6067273, 1.693101, -0.3669042, 0.347552,
            1.999328, 1.694768, -0.5888581, 1.024886, -0.6652732], (2, 2, 3)),
        _a([0.2247481, 0.3332039, -0.557952, -0.08270577, -2.160376, 2.243082, -4.406758,
            3.62981, 0.7769487, 0.2934651, -1.24372, 0.9502552], (2, 2, 3)),
        _a([1.780459, -0.9130646, 0.5754088], (3,)),
        _a([-1.216357, 0.8518069, -1.539507], (3,)),
    ],
    'ln_axis1': [
        _a([1.752644, -1.167469, -1.070809, 0.5842146, -0.3891563, -0.3569362, 1.738263,
            1.43107, -0.9829893, 0.5794209, 0.4770233, -0.3276631], (2, 2, 3)),
        _a([0.04150182, 0.01797599, -0.1366088, -0.04150176, -0.01797602, 0.1366087,
            -0.1005671, 1.030373, -0.08261612, 0.1005671, -1.030373, 0.08261614], (2, 2, 3)),
        _a([0.6399647, -0.001051277], (2,)),
        _a([1.780197, -3.684253], (2,)),
    ],
    'ln_omv': [
        _a([0.74798, -2.076489, 0.4577153, -0.6067273, 1.693101, -0.3669042, 0.347552,
            1.999328, 1.694768, -0.5888581, 1.024886, -0.6652732], (2, 2, 3)),
        _a([0.2870491, 0.9383181, -0.1182253, -0.7241199], (2, 2, 1)),
        _a([1.529913, 0.7962773, 0.551748, 0.9121447], (2, 2, 1)),
    ],
    'instnorm': [
        _a([0.5994633, -0.3994633, -1.797494, 2.197494, -0.699753, 1.299753, 0.5991778,
            -0.3991778, -1.785019, 2.185019, 1.298837, -0.698837], (2, 3, 2)),
        _a([0.0005023479, -0.0005023479, 0.0004367828, -0.0004366636, -0.0002949536,
            0.0002949536, 0.00173831, -0.00173834, -0.1848907, 0.1848898, -0.002846979,
            0.002847053], (2, 3, 2)),
        _a([1.803921, 3.072538, 0.0940848], (3,)),
        _a([0.3416846, -1.121834, 1.411192], (3,)),
    ],
    'gn': [
        _a([-0.5885353, 0.3480233, -0.1083231, 0.7488352, -0.8305063, -3.077144,
            0.788238, 2.319412, 0.4066798, 0.7303978, -0.5548365, -0.1822411, 0.6669939,
            1.897885, 0.1135744, -3.478453], (2, 4, 2)),
        _a([0.5435703, -0.1052941, -0.7988687, 0.3605924, -2.851372, 1.057391, 2.138998,
            -0.3450174, 1.902846, -1.132773, 0.2331345, -1.003208, -1.268841, 0.5608582,
            0.6247748, 0.08320785], (2, 4, 2)),
        _a([-0.1622489, -0.3915436], (2,)),
        _a([-1.769665, -1.702314], (2,)),
    ],
    'gn_omv': [
        _a([-0.5885353, 0.3480233, -0.1083231, 0.7488352, -0.8305063, -3.077144,
            0.788238, 2.319412, 0.4066798, 0.7303978, -0.5548365, -0.1822411, 0.6669939,
            1.897885, 0.1135744, -3.478453], (2, 4, 2)),
        _a([-0.5838006, -0.3228219, -0.1570185, -0.8928607], (2, 2)),
        _a([0.7480351, 0.5962929, 0.3644449, 0.5084239], (2, 2)),
    ],
    'l2_instance': [
        _a([0.4749636, 0.1077406, 0.263521, 0.603351, 0.5028321, -0.2631279, 0.5198277,
            -0.082813, -0.05647477, 0.2246533, 0.07881144, 0.7956856], (2, 3, 2)),
        _a([0.01332388, -0.010698, 0.01321391, -0.1535285, 0.1994511, 0.05089782,
            0.1706974, -0.4672122, -1.396769, 0.357362, 0.4728744, -0.4069735], (2, 3, 2)),
    ],
    'l2_channel': [
        _a([0.6374786, 0.1602322, 0.3536882, 0.8973053, 0.6748827, -0.3913246, 0.9343055,
            -0.09757042, -0.1015042, 0.2646869, 0.1416507, 0.9374781], (2, 3, 2)),
        _a([-0.1051942, 0.02310935, -0.05055084, -0.009817865, 0.1373973, -0.01959926,
            -0.3114748, -0.5782202, -2.443293, 0.4963242, 0.7561773, -0.2128681], (2, 3, 2)),
    ],
    'l2_spatial': [
        _a([0.9606546, 0.2179147, 0.396946, 0.9088373, 0.8762139, -0.4585156, 0.9381664,
            -0.1494579, -0.1953287, 0.7770062, 0.09633653, 0.97262], (2, 3, 2)),
        _a([0.01809995, -0.02364486, 0.1028318, -0.04139383, 0.1241321, 0.2056078,
            -0.08120704, -0.7811928, -4.459161, -0.2431089, 0.619279, -0.08097929], (2, 3, 2)),
    ],
    'lrn3': [
        _a([-0.8293134, 0.5892842, 0.2957016, -0.8604371, 0.9436455, 1.094657, 0.7166781,
            -0.10945, -0.7233458, 0.7694594], (1, 5, 2, 1)),
        _a([-0.2360244, 0.7933136, 0.09724104, 0.652995, 0.1695396, 0.4441813,
            -0.02023497, 1.101016, 0.07621349, 0.2727616], (1, 5, 2, 1)),
    ],
    'lrn4': [
        _a([-0.6636282, 0.4923407, 0.250623, -0.7709684, 0.8003587, 0.9684336, 0.6198077,
            -0.09463307, -0.5947383, 0.6075323], (1, 5, 2, 1)),
        _a([-0.2100817, 0.6712958, 0.09774581, 0.5330009, 0.1664754, 0.3806802,
            -0.006816763, 0.9458678, 0.06667337, 0.226232], (1, 5, 2, 1)),
    ],
}


def _inputs():
    """The inputs the MXNet values were recorded on (same RandomState stream)."""
    rs = np.random.RandomState(0)
    d = {}
    d['x'] = rs.randn(2, 3, 2).astype(np.float32)
    d['og'] = rs.randn(2, 3, 2).astype(np.float32)
    d['x2'] = rs.randn(2, 2, 3).astype(np.float32)
    d['og2'] = rs.randn(2, 2, 3).astype(np.float32)
    d['x4'] = rs.randn(2, 4, 2).astype(np.float32)
    d['og4'] = rs.randn(2, 4, 2).astype(np.float32)
    d['x5'] = rs.randn(1, 5, 2, 1).astype(np.float32)
    d['og5'] = rs.randn(1, 5, 2, 1).astype(np.float32)
    return d


IN = _inputs()
GAMMA = np.array([0.5, 2.0, -1.0], np.float32)
BETA = np.array([0.1, 0.2, 0.3], np.float32)
MM0 = [0.2, 0.3, 0.4]
MV0 = [1.5, 2.0, 0.5]


def _run(fn, arrays, og):
    """Forward under record (training), backward with ``og``: (output(s), input grads)."""
    xs = [nd.array(a) for a in arrays]
    for a in xs:
        a.attach_grad()
    with autograd.record():
        y = fn(*xs)
    y0 = y[0] if isinstance(y, list) else y
    y0.backward(nd.array(og))
    return y, [a.grad.asnumpy() for a in xs]


def _close(a, b, rtol=1e-5, atol=2e-6):
    a = a.asnumpy() if hasattr(a, 'asnumpy') else np.asarray(a)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# ----------------------------------------------------------------------------- NumPy refs

def ref_norm(x, axes, eps):
    """(x - mean) / sqrt(var + eps) over ``axes``, plus mean and biased var (float64)."""
    x = x.astype(np.float64)
    m = x.mean(axis=axes, keepdims=True)
    v = ((x - m) ** 2).mean(axis=axes, keepdims=True)
    return (x - m) / np.sqrt(v + eps), m, v


def ref_batchnorm(x, g, b, axis, eps):
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = [1] * x.ndim
    shape[axis] = -1
    xh, m, v = ref_norm(x, axes, eps)
    return xh * g.reshape(shape) + b.reshape(shape), m.ravel(), v.ravel()


def ref_lrn(x, nsize, alpha, beta, knorm):
    n, c = x.shape[:2]
    y = np.empty(x.shape)
    half = (nsize - 1) // 2
    for ci in range(c):
        s = np.zeros(x.shape[:1] + x.shape[2:])
        for j in range(max(0, ci - half), min(c, ci + half + 1)):
            s += x[:, j].astype(np.float64) ** 2
        y[:, ci] = x[:, ci] / (knorm + alpha / nsize * s) ** beta
    return y


# ----------------------------------------------------------------------------- BatchNorm

def test_batchnorm_training_step_matches_mxnet():
    mm, mv = nd.array(MM0), nd.array(MV0)
    y, grads = _run(lambda x, g, b: nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False),
                    [IN['x'], GAMMA, BETA], IN['og'])
    ref = MX['bn_train']
    assert y.dtype == np.float32 and y.shape == (2, 3, 2)
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:4]):
        _close(got, want)
    # moving statistics: momentum average with the biased batch variance
    _close(mm, ref[4])
    _close(mv, ref[5])
    yr, m, v = ref_batchnorm(IN['x'], GAMMA, BETA, 1, 1e-3)
    _close(y, yr)
    _close(mm, 0.9 * np.array(MM0) + 0.1 * m)
    _close(mv, 0.9 * np.array(MV0) + 0.1 * v)
    assert mm.dtype == np.float32 and mv.dtype == np.float32


def test_batchnorm_predict_mode_uses_moving_stats():
    mm, mv = nd.array(MM0), nd.array(MV0)
    y = nd.BatchNorm(nd.array(IN['x']), nd.array(GAMMA), nd.array(BETA), mm, mv,
                     fix_gamma=False)
    _close(y, MX['bn_predict'][0])
    s = (slice(None), None)
    want = ((IN['x'] - np.array(MM0)[s]) / np.sqrt(np.array(MV0)[s] + 1e-3) * GAMMA[s]
            + BETA[s])
    _close(y, want)
    _close(mm, MM0)      # no update outside training
    _close(mv, MV0)
    with autograd.record(train_mode=False):
        y2 = nd.BatchNorm(nd.array(IN['x']), nd.array(GAMMA), nd.array(BETA), mm, mv,
                          fix_gamma=False)
    _close(y2, want)
    _close(mm, MM0)


def test_batchnorm_train_mode_without_recording_uses_batch_stats():
    mm, mv = nd.array(MM0), nd.array(MV0)
    with autograd.train_mode():
        y = nd.BatchNorm(nd.array(IN['x']), nd.array(GAMMA), nd.array(BETA), mm, mv,
                         fix_gamma=False)
    _close(y, MX['bn_train'][0])
    _close(mm, MX['bn_train'][4])


def test_batchnorm_fix_gamma():
    mm, mv = nd.array(MM0), nd.array(MV0)
    y, grads = _run(lambda x, g, b: nd.BatchNorm(x, g, b, mm, mv),
                    [IN['x'], GAMMA, BETA], IN['og'])
    ref = MX['bn_fixgamma']
    _close(y, ref[0])
    _close(grads[0], ref[1])
    assert np.array_equal(grads[1], np.zeros(3, np.float32))   # gamma gets no gradient
    _close(grads[2], ref[3])
    yr, _, _ = ref_batchnorm(IN['x'], np.ones(3), BETA, 1, 1e-3)
    _close(y, yr)


def test_batchnorm_use_global_stats_in_training():
    mm, mv = nd.array(MM0), nd.array(MV0)
    y, grads = _run(lambda x, g, b: nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False,
                                                 use_global_stats=True),
                    [IN['x'], GAMMA, BETA], IN['og'])
    ref = MX['bn_global']
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:]):
        _close(got, want)
    _close(mm, MM0)
    _close(mv, MV0)
    _close(y, MX['bn_predict'][0])


def test_batchnorm_last_axis_matches_mxnet():
    mm, mv = nd.array(MM0), nd.array(MV0)
    y, grads = _run(lambda x, g, b: nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False, axis=-1,
                                                 momentum=0.8, eps=1e-2),
                    [IN['x2'], GAMMA, BETA], IN['og2'])
    ref = MX['bn_axis']
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:4]):
        _close(got, want)
    _close(mm, ref[4])
    _close(mv, ref[5])
    yr, m, v = ref_batchnorm(IN['x2'], GAMMA, BETA, -1, 1e-2)
    _close(y, yr)
    _close(mv, 0.8 * np.array(MV0) + 0.2 * v)


def test_batchnorm_output_mean_var():
    args = lambda: (nd.array(IN['x']), nd.array(GAMMA), nd.array(BETA), nd.array(MM0),
                    nd.array(MV0))
    res = nd.BatchNorm(*args(), fix_gamma=False, output_mean_var=True)
    assert isinstance(res, list) and [r.shape for r in res] == [(2, 3, 2), (3,), (3,)]
    for got, want in zip(res, MX['bn_omv_predict']):
        _close(got, want)
    with autograd.train_mode():
        res = nd.BatchNorm(*args(), fix_gamma=False, output_mean_var=True)
    for got, want in zip(res, MX['bn_omv_train']):
        _close(got, want)
    _, m, v = ref_batchnorm(IN['x'], GAMMA, BETA, 1, 1e-3)
    _close(res[1], m)
    _close(res[2], 1 / np.sqrt(v + 1e-3))


@pytest.mark.parametrize('axis,fix_gamma', [(1, False), (1, True), (2, False), (0, False)])
def test_batchnorm_numeric_gradient_training(axis, fix_gamma):
    rs = np.random.RandomState(1)
    x = rs.randn(3, 2, 4)
    c = x.shape[axis]
    g, b = rs.rand(c) + 0.5, rs.randn(c)

    def fn(x, g, b):
        mm = nd.zeros((c,), dtype='float64')
        mv = nd.ones((c,), dtype='float64')
        with autograd.train_mode():     # the numeric pass runs outside record()
            return nd.BatchNorm(x, g, b, mm, mv, axis=axis, fix_gamma=fix_gamma) * \
                nd.array(np.arange(x.size).reshape(x.shape) % 5, dtype='float64')
    check_numeric_gradient(fn, [x, g, b], rtol=1e-5, atol=1e-7)


def test_batchnorm_numeric_gradient_predict():
    rs = np.random.RandomState(2)
    x, g, b = rs.randn(2, 3, 2, 2), rs.rand(3) + 0.5, rs.randn(3)
    mm, mv = nd.array(rs.randn(3), dtype='float64'), nd.array(rs.rand(3) + 0.5,
                                                              dtype='float64')

    def fn(x, g, b):
        with autograd.predict_mode():
            return nd.BatchNorm(x, g, b, mm, mv, fix_gamma=False) ** 2
    check_numeric_gradient(fn, [x, g, b], rtol=1e-5, atol=1e-7)


def test_batchnorm_errors():
    x = nd.ones((2, 3, 4))
    c3, c4 = nd.ones((3,)), nd.ones((4,))
    with pytest.raises(DistGluError, match=r'gamma must have shape \(3,\).*got \(4,\)'):
        nd.BatchNorm(x, c4, c3, c3, c3)
    with pytest.raises(DistGluError, match=r'moving_var must have shape \(4,\)'):
        nd.BatchNorm(x, c4, c4, c4, c3, axis=2)
    with pytest.raises(DistGluError, match='axis 3 is out of range'):
        nd.BatchNorm(x, c3, c3, c3, c3, axis=3)
    with pytest.raises(DistGluError, match='expected an NDArray for moving_mean'):
        nd.BatchNorm(x, c3, c3, np.ones(3), c3)


def test_batchnorm_out_and_float64():
    x = nd.array(IN['x'], dtype='float64')
    p = [nd.array(a, dtype='float64') for a in (GAMMA, BETA, MM0, MV0)]
    y = nd.BatchNorm(x, *p, fix_gamma=False)
    assert y.dtype == np.float64
    _close(y, MX['bn_predict'][0])
    out = nd.zeros((2, 3, 2), dtype='float64')
    r = nd.BatchNorm(x, *p, fix_gamma=False, out=out)
    assert r is out
    _close(out, MX['bn_predict'][0])


# ----------------------------------------------------------------------------- LayerNorm

def test_layernorm_matches_mxnet_and_numpy():
    y, grads = _run(lambda x, g, b: nd.LayerNorm(x, g, b), [IN['x2'], GAMMA, BETA],
                    IN['og2'])
    ref = MX['ln']
    assert y.dtype == np.float32
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:]):
        _close(got, want)
    xh, _, _ = ref_norm(IN['x2'], (-1,), 1e-5)
    _close(y, xh * GAMMA + BETA)


def test_layernorm_axis1_matches_mxnet():
    g, b = np.array([1.5, -0.5], np.float32), np.array([0.3, 0.1], np.float32)
    y, grads = _run(lambda x, g, b: nd.LayerNorm(x, g, b, axis=1, eps=0.1), [IN['x2'], g, b],
                    IN['og2'])
    ref = MX['ln_axis1']
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:]):
        _close(got, want)
    xh, _, _ = ref_norm(IN['x2'], (1,), 0.1)
    _close(y, xh * g[:, None] + b[:, None])


def test_layernorm_output_mean_var():
    res = nd.LayerNorm(nd.array(IN['x2']), nd.array(GAMMA), nd.array(BETA),
                       output_mean_var=True)
    assert [r.shape for r in res] == [(2, 2, 3), (2, 2, 1), (2, 2, 1)]
    for got, want in zip(res, MX['ln_omv']):
        _close(got, want)
    _, m, v = ref_norm(IN['x2'], (-1,), 1e-5)
    _close(res[2], np.sqrt(v + 1e-5))


@pytest.mark.parametrize('axis', [-1, 0, 1])
def test_layernorm_numeric_gradient(axis):
    rs = np.random.RandomState(3)
    x = rs.randn(3, 4, 2)
    c = x.shape[axis]
    w = np.arange(x.size).reshape(x.shape) % 3 - 1.0
    check_numeric_gradient(
        lambda x, g, b: nd.LayerNorm(x, g, b, axis=axis) * nd.array(w, dtype='float64'),
        [x, rs.randn(c), rs.randn(c)], rtol=1e-5, atol=1e-7)


def test_layernorm_errors():
    with pytest.raises(DistGluError, match=r'gamma must have shape \(4,\)'):
        nd.LayerNorm(nd.ones((2, 4)), nd.ones((3,)), nd.ones((4,)))
    with pytest.raises(DistGluError, match=r'beta must have shape \(2,\)'):
        nd.LayerNorm(nd.ones((2, 4)), nd.ones((2,)), nd.ones((4,)), axis=0)


def _f64(a):
    return nd.array(a, dtype='float64')


_RS = np.random.RandomState(4)
_P3 = [_RS.rand(3) + 0.5, _RS.randn(3)]
_SECOND_ORDER = {
    'LayerNorm': (lambda x: nd.LayerNorm(x, _f64(_P3[0]), _f64(_P3[1])), (2, 3)),
    'BatchNorm-train': (lambda x: nd.BatchNorm(x, _f64(_P3[0]), _f64(_P3[1]),
                                               _f64(np.zeros(3)), _f64(np.ones(3)),
                                               fix_gamma=False), (4, 3)),
    'InstanceNorm': (lambda x: nd.InstanceNorm(x, _f64(_P3[0]), _f64(_P3[1])), (2, 3, 3)),
    'GroupNorm': (lambda x: nd.GroupNorm(x, _f64(_P3[0][:1]), _f64(_P3[1][:1])), (2, 2, 2)),
    'L2Normalization': (lambda x: nd.L2Normalization(x, mode='channel'), (2, 3, 2)),
}


@pytest.mark.parametrize('case', sorted(_SECOND_ORDER))
def test_second_order_gradient(case):
    """create_graph backward recomputes the statistics differentiably: the gradient of
    sum(grad(sum(f(x) * w))**2) matches central differences."""
    op, shape = _SECOND_ORDER[case]
    rs = np.random.RandomState(5)
    xv = rs.randn(*shape)
    w = _f64(rs.randn(*shape))

    def grad_norm(xa):
        x = _f64(xa)
        x.attach_grad()
        with autograd.record():
            y = (op(x) * w).sum()
            (gx,) = autograd.grad([y], [x], create_graph=True)
            z = (gx * gx).sum()
        z.backward()
        return z.asnumpy().sum(), x.grad.asnumpy()

    _, analytic = grad_norm(xv)
    assert np.abs(analytic).max() > 1e-3
    numeric = np.zeros_like(xv)
    eps = 1e-6
    for i in np.ndindex(*xv.shape):
        xp, xm = xv.copy(), xv.copy()
        xp[i] += eps
        xm[i] -= eps
        numeric[i] = (grad_norm(xp)[0] - grad_norm(xm)[0]) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


# ----------------------------------------------------------------------------- InstanceNorm

def test_instancenorm_matches_mxnet_and_numpy():
    y, grads = _run(lambda x, g, b: nd.InstanceNorm(x, g, b), [IN['x'], GAMMA, BETA],
                    IN['og'])
    ref = MX['instnorm']
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:]):
        _close(got, want)
    xh, _, _ = ref_norm(IN['x'], (2,), 1e-3)
    _close(y, xh * GAMMA[:, None] + BETA[:, None])
    # the same in training and inference
    y2 = nd.InstanceNorm(nd.array(IN['x']), nd.array(GAMMA), nd.array(BETA))
    _close(y2, ref[0])


def test_instancenorm_mxnet_docstring_example():
    x = nd.array([[[1.1, 2.2]], [[3.3, 4.4]]])
    y = nd.InstanceNorm(x, nd.array([1.5]), nd.array([0.5]))
    _close(y, [[[-0.997527, 1.99752665]], [[-0.99752653, 1.99752724]]], rtol=1e-5)


def test_instancenorm_numeric_gradient():
    rs = np.random.RandomState(5)
    x = rs.randn(2, 3, 2, 2)
    w = nd.array(rs.randn(2, 3, 2, 2), dtype='float64')
    check_numeric_gradient(lambda x, g, b: nd.InstanceNorm(x, g, b) * w,
                           [x, rs.randn(3), rs.randn(3)], rtol=1e-5, atol=1e-7)


def test_instancenorm_errors():
    with pytest.raises(DistGluError, match='at least 3 dimensions'):
        nd.InstanceNorm(nd.ones((2, 3)), nd.ones((3,)), nd.ones((3,)))
    with pytest.raises(DistGluError, match=r'gamma must have shape \(3,\)'):
        nd.InstanceNorm(nd.ones((2, 3, 4)), nd.ones((4,)), nd.ones((3,)))


# ----------------------------------------------------------------------------- GroupNorm

def test_groupnorm_matches_mxnet_and_numpy():
    g, b = np.array([0.5, 2.0], np.float32), np.array([0.1, -0.2], np.float32)
    y, grads = _run(lambda x, g, b: nd.GroupNorm(x, g, b, num_groups=2), [IN['x4'], g, b],
                    IN['og4'])
    ref = MX['gn']
    _close(y, ref[0])
    for got, want in zip(grads, ref[1:]):
        _close(got, want)
    xh, _, _ = ref_norm(IN['x4'].reshape(2, 2, 4), (2,), 1e-5)
    _close(y, (xh * g[:, None] + b[:, None]).reshape(2, 4, 2))


def test_groupnorm_output_mean_var():
    res = nd.GroupNorm(nd.array(IN['x4']), nd.array([0.5, 2.0]), nd.array([0.1, -0.2]),
                       num_groups=2, output_mean_var=True)
    assert [r.shape for r in res] == [(2, 4, 2), (2, 2), (2, 2)]
    for got, want in zip(res, MX['gn_omv']):
        _close(got, want)


def test_groupnorm_numeric_gradient():
    rs = np.random.RandomState(6)
    x = rs.randn(2, 6, 2)
    w = nd.array(rs.randn(2, 6, 2), dtype='float64')
    check_numeric_gradient(lambda x, g, b: nd.GroupNorm(x, g, b, num_groups=3) * w,
                           [x, rs.randn(3), rs.randn(3)], rtol=1e-5, atol=1e-7)


def test_groupnorm_errors():
    x = nd.ones((2, 4, 3))
    with pytest.raises(DistGluError, match=r'gamma must have shape \(2,\) \(one value per '
                                           r'group, num_groups\), got \(4,\)'):
        nd.GroupNorm(x, nd.ones((4,)), nd.ones((2,)), num_groups=2)
    with pytest.raises(DistGluError, match=r'channels \(4\) must be divisible by num_groups '
                                           r'\(3\)'):
        nd.GroupNorm(x, nd.ones((3,)), nd.ones((3,)), num_groups=3)
    with pytest.raises(DistGluError, match='at least 3 dimensions'):
        nd.GroupNorm(nd.ones((2, 4)), nd.ones((1,)), nd.ones((1,)))


# ----------------------------------------------------------------------------- L2Normalization

@pytest.mark.parametrize('mode,axes', [('instance', (1, 2)), ('channel', (1,)),
                                       ('spatial', (2,))])
def test_l2normalization_matches_mxnet_and_numpy(mode, axes):
    y, grads = _run(lambda x: nd.L2Normalization(x, mode=mode, eps=0.1), [IN['x']],
                    IN['og'])
    ref = MX['l2_' + mode]
    _close(y, ref[0])
    _close(grads[0], ref[1])
    x = IN['x'].astype(np.float64)
    _close(y, x / np.sqrt((x * x).sum(axis=axes, keepdims=True) + 0.1))


def test_l2normalization_docstring_example_and_1d():
    x = nd.array([[[1, 2], [3, 4]], [[2, 2], [5, 6]]])
    _close(nd.L2Normalization(x, mode='spatial'),
           [[[0.44721359, 0.89442718], [0.6, 0.8]],
            [[0.70710677, 0.70710677], [0.6401844, 0.76822126]]])
    _close(nd.L2Normalization(x),
           [[[0.18257418, 0.36514837], [0.54772252, 0.73029673]],
            [[0.24077171, 0.24077171], [0.60192931, 0.72231513]]])
    # MXNet normalizes a 1-D input element by element in 'instance' mode
    _close(nd.L2Normalization(nd.array([-3.0, 0.5, 2.0])), [-1.0, 1.0, 1.0])


@pytest.mark.parametrize('mode', ['instance', 'channel', 'spatial'])
def test_l2normalization_numeric_gradient(mode):
    rs = np.random.RandomState(7)
    x = rs.randn(2, 3, 2, 2)
    w = nd.array(rs.randn(2, 3, 2, 2), dtype='float64')
    check_numeric_gradient(lambda x: nd.L2Normalization(x, mode=mode) * w, [x],
                           rtol=1e-5, atol=1e-7)


def test_l2normalization_errors():
    with pytest.raises(DistGluError, match="mode 'channel' needs an input of at least 3"):
        nd.L2Normalization(nd.ones((2, 3)), mode='channel')
    with pytest.raises(DistGluError, match='mode must be one of'):
        nd.L2Normalization(nd.ones((2, 3, 2)), mode='batch')


# ----------------------------------------------------------------------------- LRN

@pytest.mark.parametrize('case,nsize,alpha,beta,knorm', [('lrn3', 3, 0.5, 0.6, 1.5),
                                                         ('lrn4', 4, 0.3, 0.75, 2.0)])
def test_lrn_matches_mxnet_and_numpy(case, nsize, alpha, beta, knorm):
    y, grads = _run(lambda x: nd.LRN(x, nsize=nsize, alpha=alpha, beta=beta, knorm=knorm),
                    [IN['x5']], IN['og5'])
    ref = MX[case]
    assert y.dtype == np.float32
    _close(y, ref[0])
    _close(grads[0], ref[1])
    _close(y, ref_lrn(IN['x5'], nsize, alpha, beta, knorm))


@pytest.mark.parametrize('nsize', [1, 3, 4, 5, 9])
def test_lrn_numpy_reference_and_gradient(nsize):
    rs = np.random.RandomState(8)
    x = rs.randn(2, 6, 2, 3)
    y = nd.LRN(nd.array(x, dtype='float64'), nsize=nsize, alpha=0.4, beta=0.7, knorm=1.2)
    _close(y, ref_lrn(x, nsize, 0.4, 0.7, 1.2), rtol=1e-10, atol=1e-12)
    w = nd.array(rs.randn(2, 6, 2, 3), dtype='float64')
    check_numeric_gradient(lambda x: nd.LRN(x, nsize=nsize, alpha=0.4, beta=0.7,
                                            knorm=1.2) * w, [x], rtol=1e-5, atol=1e-7)


def test_lrn_errors():
    with pytest.raises(DistGluError, match='nsize is required'):
        nd.LRN(nd.ones((1, 3, 2, 2)))
    with pytest.raises(DistGluError, match='expected a 4-D input'):
        nd.LRN(nd.ones((1, 3, 2)), nsize=3)


def test_lrn_second_order_is_a_clear_error():
    x = nd.array(IN['x5'])
    x.attach_grad()
    with autograd.record():
        y = nd.LRN(x, nsize=3).sum()
    with pytest.raises(DistGluError, match='LRN: second-order gradients'):
        autograd.grad([y], [x], create_graph=True)


# ----------------------------------------------------------------------------- GPU

@pytest.mark.skipif(distglu.num_gpus() == 0, reason='needs CuPy and a CUDA GPU')
def test_norm_ops_on_gpu_match_cpu():
    rs = np.random.RandomState(9)
    x = rs.randn(4, 6, 3, 2).astype(np.float32)
    og = rs.randn(4, 6, 3, 2).astype(np.float32)
    p6 = [rs.rand(6).astype(np.float32) + 0.5, rs.randn(6).astype(np.float32)]
    p2 = [a[:2] for a in p6]
    cases = [
        (lambda x, g, b, ctx: nd.BatchNorm(x, g, b, nd.zeros((6,), ctx=ctx),
                                           nd.ones((6,), ctx=ctx), fix_gamma=False), p6),
        (lambda x, g, b, ctx: nd.LayerNorm(x, g[:2], b[:2]), p6),
        (lambda x, g, b, ctx: nd.InstanceNorm(x, g, b), p6),
        (lambda x, g, b, ctx: nd.GroupNorm(x, g, b, num_groups=2), p2),
        (lambda x, g, b, ctx: nd.L2Normalization(x, mode='channel') * g.sum() + b.sum(), p6),
        (lambda x, g, b, ctx: nd.LRN(x, nsize=3) * g.sum() + b.sum(), p6),
    ]
    for fn, params in cases:
        results = []
        for ctx in (distglu.cpu(), distglu.gpu(0)):
            arrays = [nd.array(a, ctx=ctx) for a in [x] + params]
            for a in arrays:
                a.attach_grad()
            with autograd.record():
                y = fn(*arrays, ctx)
            y.backward(nd.array(og, ctx=ctx))
            results.append([y.asnumpy()] + [a.grad.asnumpy() for a in arrays])
        for c, g in zip(*results):
            np.testing.assert_allclose(g, c, rtol=1e-4, atol=1e-5)
