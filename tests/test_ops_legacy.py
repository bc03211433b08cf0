"""MXNet 1.x legacy output layers (SoftmaxOutput, regression outputs, SVMOutput) and older
operators, checked against values recorded from MXNet 1.9.1."""
import numpy as np
import pytest

from distglu import nd, autograd
from distglu.base import DistGluError


def _inputs():
    rs = np.random.RandomState(7)
    return dict(x2=rs.randn(4, 3).astype('f4'), x3=rs.randn(2, 2, 3).astype('f4'),
                x4=rs.randn(2, 3, 2, 2).astype('f4'), p2=rs.rand(4, 3).astype('f4'),
                r=rs.randn(4, 3).astype('f4'), rl=rs.randn(4, 3).astype('f4'))


_LABELS = dict(l2=np.array([2, 0, 1, -1], 'f4'), l3=np.array([[0, 2], [1, -1]], 'f4'),
               l4=np.array([[[0, 1], [2, -1]], [[1, 1], [0, 2]]], 'f4'),
               lf=np.array([1.7, 4, 0, 2], 'f4'), ls=np.array([0, 2, 1, 1], 'f4'))

# (operator, data, label, kwargs, forward output, data gradient) from MXNet 1.9.1, with a
# head gradient of 5 everywhere (which these layers ignore)
CASES = [
    ('SoftmaxOutput', 'x2', 'l2', {},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.765515, 0.088596, -0.854111, -0.492114, 0.153518, 0.338596, 0.25366, -0.956089, 0.702429, 0.569621, 0.167176, 0.263203]),
    ('SoftmaxOutput', 'x2', 'l2', {'grad_scale': 0.5, 'normalization': 'batch'},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.095689, 0.011074, -0.106764, -0.061514, 0.01919, 0.042324, 0.031708, -0.119511, 0.087804, 0.071203, 0.020897, 0.0329]),
    ('SoftmaxOutput', 'x2', 'l2', {'use_ignore': True, 'normalization': 'valid'},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.255172, 0.029532, -0.284704, -0.164038, 0.051173, 0.112865, 0.084553, -0.318696, 0.234143, 0.0, 0.0, 0.0]),
    ('SoftmaxOutput', 'x2', 'l2', {'use_ignore': True, 'ignore_label': 2, 'normalization': 'valid'},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.0, 0.0, 0.0, -0.164038, 0.051173, 0.112865, 0.084553, -0.318696, 0.234143, 0.189874, 0.055725, 0.087734]),
    ('SoftmaxOutput', 'x2', 'l2', {'out_grad': True},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.586014, 0.007849, -0.124605, -0.249938, 0.023568, 0.114647, 0.064344, -0.041983, 0.493406, 0.324469, 0.027948, 0.069276]),
    ('SoftmaxOutput', 'x2', 'l2', {'smooth_alpha': 0.3, 'use_ignore': True},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.615515, -0.061404, -0.554111, -0.192114, 0.003518, 0.188596, 0.10366, -0.656089, 0.552429, 0.0, 0.0, 0.0]),
    ('Softmax', 'x2', 'lf', {},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.765515, -0.911404, 0.145889, 0.507886, 0.153518, 0.338596, -0.74634, 0.043911, 0.702429, 0.569621, 0.167176, -0.736797]),
    ('SoftmaxOutput', 'x2', 'p2', {'normalization': 'batch', 'grad_scale': 2},
     [0.765515, 0.088596, 0.145889, 0.507886, 0.153518, 0.338596, 0.25366, 0.043911, 0.702429, 0.569621, 0.167176, 0.263203],
     [0.701259, 0.174338, 0.107253, -0.403016, -0.741655, -0.715129, -1.403616, -1.278006, 1.2986, 0.521538, -0.850838, 0.056165]),
    ('SoftmaxOutput', 'x3', 'l3', {},
     [0.262307, 0.121858, 0.124147, 0.037002, 0.275558, 0.179127, 0.08124, 0.013416, 0.32171, 0.072045, 0.041922, 0.469667],
     [-0.737693, 0.121858, 0.124147, 0.037002, 0.275558, 0.179127, 0.08124, 0.013416, -0.67829, 0.072045, 0.041922, 0.469667]),
    ('SoftmaxOutput', 'x3', 'l3', {'normalization': 'batch'},
     [0.262307, 0.121858, 0.124147, 0.037002, 0.275558, 0.179127, 0.08124, 0.013416, 0.32171, 0.072045, 0.041922, 0.469667],
     [-0.184423, 0.030465, 0.031037, 0.009251, 0.068889, 0.044782, 0.02031, 0.003354, -0.169572, 0.018011, 0.010481, 0.117417]),
    ('SoftmaxOutput', 'x3', 'l3', {'preserve_shape': True, 'normalization': 'valid', 'use_ignore': True, 'smooth_alpha': 0.2},
     [0.516035, 0.239731, 0.244234, 0.075255, 0.560433, 0.364312, 0.195117, 0.032221, 0.772662, 0.123442, 0.071829, 0.804729],
     [-0.094655, 0.046577, 0.048078, -0.008248, 0.153478, -0.145229, 0.031706, -0.255926, 0.224221, 0.0, 0.0, 0.0]),
    ('SoftmaxOutput', 'x4', 'l4', {'multi_output': True},
     [0.238704, 0.09009, 0.525218, 0.028656, 0.713376, 0.253412, 0.374836, 0.825646, 0.04792, 0.656498, 0.099946, 0.145698, 0.107149, 0.811824, 0.644088, 0.06751, 0.82813, 0.157169, 0.194365, 0.044206, 0.064722, 0.031007, 0.161547, 0.888284],
     [-0.190324, 0.022523, 0.131305, 0.007164, 0.178344, -0.186647, 0.093709, 0.206411, 0.01198, 0.164125, -0.225014, 0.036425, 0.026787, 0.202956, -0.088978, 0.016878, -0.042968, -0.210708, 0.048591, 0.011051, 0.01618, 0.007752, 0.040387, -0.027929]),
    ('SoftmaxOutput', 'x4', 'l4', {'multi_output': True, 'normalization': 'batch', 'grad_scale': 2, 'smooth_alpha': 0.2},
     [0.238704, 0.09009, 0.525218, 0.028656, 0.713376, 0.253412, 0.374836, 0.825646, 0.04792, 0.656498, 0.099946, 0.145698, 0.107149, 0.811824, 0.644088, 0.06751, 0.82813, 0.157169, 0.194365, 0.044206, 0.064722, 0.031007, 0.161547, 0.888284],
     [-0.190324, 0.022523, 0.131305, 0.007164, 0.178344, -0.186647, 0.093709, 0.206411, 0.01198, 0.164125, -0.225014, 0.036425, 0.026787, 0.202956, -0.088978, 0.016878, -0.042968, -0.210708, 0.048591, 0.011051, 0.01618, 0.007752, 0.040387, -0.027929]),
    ('SoftmaxOutput', 'x4', 'l4', {'multi_output': True, 'normalization': 'valid', 'use_ignore': True, 'out_grad': True},
     [0.238704, 0.09009, 0.525218, 0.028656, 0.713376, 0.253412, 0.374836, 0.825646, 0.04792, 0.656498, 0.099946, 0.145698, 0.107149, 0.811824, 0.644088, 0.06751, 0.82813, 0.157169, 0.194365, 0.044206, 0.064722, 0.031007, 0.161547, 0.888284],
     [-0.025961, 0.001159, 0.039408, 0.0, 0.072701, -0.027028, 0.020072, 0.0, 0.000328, 0.06157, -0.012851, 0.0, 0.00164, 0.094151, -0.032748, 0.000651, -0.020333, -0.018924, 0.005397, 0.000279, 0.000598, 0.000137, 0.003728, -0.014177]),
    ('LinearRegressionOutput', 'r', 'rl', {},
     [-0.094775, 1.193086, -0.368818, -1.90637, -0.099611, 1.699537, -0.383423, -0.889857, -1.193592, -1.050017, -0.300194, -1.179982],
     [-0.530805, 0.491907, -0.159156, -1.11487, -0.53431, 0.637423, -0.238466, -0.541628, -0.333579, 0.242665, -0.3183, -0.691445]),
    ('LogisticRegressionOutput', 'r', 'rl', {'grad_scale': 2.5},
     [0.476324, 0.767292, 0.408827, 0.129389, 0.475118, 0.845474, 0.405302, 0.291139, 0.232617, 0.259222, 0.42551, 0.235055],
     [-0.851096, 0.87494, 0.250149, -1.090708, -0.856834, 0.881839, 0.061106, -0.369906, 0.35456, 1.697696, -0.190996, -0.549414]),
    ('MAERegressionOutput', 'r', 'rl', {'grad_scale': 3},
     [-0.094775, 1.193086, -0.368818, -1.90637, -0.099611, 1.699537, -0.383423, -0.889857, -1.193592, -1.050017, -0.300194, -1.179982],
     [-1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0, -1.0, -1.0, 1.0, -1.0, -1.0]),
    ('SVMOutput', 'r', 'ls', {},
     [-0.094775, 1.193086, -0.368818, -1.90637, -0.099611, 1.699537, -0.383423, -0.889857, -1.193592, -1.050017, -0.300194, -1.179982],
     [-2.189551, 4.386172, 1.262363, -0.0, 1.800779, -0.0, 1.233154, -3.779714, -0.0, -0.0, -2.600388, -0.0]),
    ('SVMOutput', 'r', 'ls', {'use_linear': True, 'margin': 0.5, 'regularization_coefficient': 2},
     [-0.094775, 1.193086, -0.368818, -1.90637, -0.099611, 1.699537, -0.383423, -0.889857, -1.193592, -1.050017, -0.300194, -1.179982],
     [-2.0, 2.0, 2.0, 0.0, 2.0, -0.0, 2.0, -2.0, 0.0, 0.0, -2.0, 0.0]),
    ('SVMOutput', 'r', 'ls', {'margin': 2, 'regularization_coefficient': 0.5},
     [-0.094775, 1.193086, -0.368818, -1.90637, -0.099611, 1.699537, -0.383423, -0.889857, -1.193592, -1.050017, -0.300194, -1.179982],
     [-2.094775, 3.193086, 1.631181, 0.09363, 1.900389, -0.300463, 1.616577, -2.889857, 0.806408, 0.949983, -2.300194, 0.820018]),
]


@pytest.mark.parametrize('case', CASES, ids=['%s-%d' % (c[0], i) for i, c in enumerate(CASES)])
def test_output_layer_matches_mxnet(case):
    op, xn, ln, kw, y_ref, g_ref = case
    inp = _inputs()
    x = inp[xn]
    lab = inp[ln] if ln in inp else _LABELS[ln]
    d = nd.array(x)
    d.attach_grad()
    label = nd.array(lab)
    label.attach_grad()
    with autograd.record():
        y = getattr(nd, op)(d, label, **kw)
    y.backward(nd.ones(y.shape) * 5)
    assert y.shape == x.shape and y.dtype == np.float32 and d.grad.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy().ravel(), y_ref, rtol=1e-5, atol=2e-6)
    np.testing.assert_allclose(d.grad.asnumpy().ravel(), g_ref, rtol=1e-5, atol=2e-6)
    assert not label.grad.asnumpy().any()   # label gets no gradient


def test_head_gradient_ignored_through_chain():
    x = nd.array([[1., 2., 3.], [0.5, -1., 2.]])
    x.attach_grad()
    with autograd.record():
        y = nd.SoftmaxOutput(x * 1, nd.array([2, 0])) * nd.array([[1, 2, 3], [4, 5, 6]])
    y.backward()
    p = np.exp(x.asnumpy())
    p /= p.sum(1, keepdims=True)
    np.testing.assert_allclose(x.grad.asnumpy(), p - np.eye(3, dtype='f4')[[2, 0]], rtol=1e-5)


def test_softmax_alias_and_forward_only():
    x = nd.array([[1., 2., 3.]])
    assert nd.Softmax is nd.SoftmaxOutput
    y = nd.SoftmaxOutput(x, nd.array([1]))
    np.testing.assert_allclose(y.asnumpy(), [[0.09003057, 0.24472848, 0.66524094]], rtol=1e-6)
    out = nd.zeros((1, 3))
    assert nd.SoftmaxOutput(x, nd.array([1]), out=out) is out
    np.testing.assert_allclose(out.asnumpy(), y.asnumpy())


def test_softmax_output_1d_soft_label():
    # MXNet: 1-D data flattens to (n, 1) -> ones; preserve_shape does a real softmax
    for kw, y_ref, g_ref in [({}, [1, 1, 1], [1, 0, 1]),
                             (dict(preserve_shape=True), [0.09003057, 0.24472848, 0.66524094],
                              [0.09003057, -0.75527155, 0.66524094])]:
        d = nd.array([1., 2., 3.])
        d.attach_grad()
        with autograd.record():
            y = nd.SoftmaxOutput(d, nd.array([0., 1., 0.]), **kw)
        y.backward()
        np.testing.assert_allclose(y.asnumpy(), y_ref, rtol=1e-6)
        np.testing.assert_allclose(d.grad.asnumpy(), g_ref, rtol=1e-6)


def test_regression_label_n_for_n_by_1():
    d = nd.ones((3, 1))
    d.attach_grad()
    with autograd.record():
        y = nd.LinearRegressionOutput(d, nd.array([1, 2, 3]))
    y.backward()
    np.testing.assert_allclose(d.grad.asnumpy().ravel(), [0, -1, -2])


def test_create_graph_gradient_is_constant():
    x = nd.array([[1., 2.], [3., 1.]])
    x.attach_grad()
    with autograd.record():
        y = nd.LogisticRegressionOutput(x, nd.array([[0., 1.], [1., 0.]]))
        g = autograd.grad(y, [x], create_graph=True)[0]
    s = 1 / (1 + np.exp(-x.asnumpy()))
    np.testing.assert_allclose(g.asnumpy(), (s - [[0, 1], [1, 0]]) / 2, rtol=1e-6)


@pytest.mark.parametrize('fn, msg', [
    (lambda: nd.SoftmaxOutput(nd.ones((3, 4)), nd.ones((4,))), r'label must have shape \(3,\)'),
    (lambda: nd.SoftmaxOutput(nd.ones((3, 4, 2)), nd.ones((3, 4)), multi_output=True),
     r'multi_output=True label must have shape \(3, 2\)'),
    (lambda: nd.SoftmaxOutput(nd.ones((3, 4)), nd.ones((3,)), normalization='foo'),
     'normalization must be one of'),
    (lambda: nd.SoftmaxOutput(nd.ones((3, 4)), [0, 1, 2]), 'expected an NDArray for label'),
    (lambda: nd.LinearRegressionOutput(nd.ones((3, 4)), nd.ones((3,))),
     r"label must have data's shape \(3, 4\), got \(3,\)"),
    (lambda: nd.MAERegressionOutput(nd.ones((3, 4)), nd.ones((4, 3))), "label must have"),
    (lambda: nd.SVMOutput(nd.ones((3, 4)), nd.ones((3, 4))), r'label of shape \(n, ...\)'),
])
def test_errors(fn, msg):
    with pytest.raises(DistGluError, match=msg):
        fn()


# ----------------------------------------------------------------------- older operators

def test_erfinv_values_and_gradient():
    d = nd.array([-0.9, 0, 0.5, 0.99])
    d.attach_grad()
    with autograd.record():
        y = nd.erfinv(d)
    y.backward()
    assert y.dtype == np.float32 and d.grad.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), [-1.1630871, 0.0, 0.47693628, 1.8213866], rtol=2e-6)
    np.testing.assert_allclose(d.grad.asnumpy(), [3.4280424, 0.88622695, 1.1125849, 24.450897],
                               rtol=2e-6)
    e = nd.erfinv(nd.array([1, -1, 1.5, 0.999])).asnumpy()
    assert e[0] == np.inf and e[1] == -np.inf and np.isnan(e[2])
    np.testing.assert_allclose(e[3], 2.3267562, rtol=2e-6)


def test_erfinv_numeric_gradient():
    from distglu.test_utils import check_numeric_gradient
    check_numeric_gradient(lambda a: nd.erfinv(a), [np.array([-0.7, 0.1, 0.6])],
                           rtol=1e-4, atol=1e-5)


def test_histogram():
    a = nd.array([[0.1, 2, 3.5], [4, 5, 2], [1, 1, 4]])
    cnt, edges = nd.histogram(a, bins=3, range=(1, 4))
    assert cnt.dtype == np.int64 and edges.dtype == np.float32
    assert cnt.asnumpy().tolist() == [2, 2, 3]
    assert edges.asnumpy().tolist() == [1, 2, 3, 4]
    cnt, edges = nd.histogram(a, bins=nd.array([0, 1, 2.5, 5]))
    assert cnt.dtype == np.int64 and cnt.asnumpy().tolist() == [1, 4, 4]
    with pytest.warns(UserWarning, match='range is not specified'):
        cnt, edges = nd.histogram(nd.array([[0.1, 2, 3.5], [4, 5, 2]]), bins=4)
    assert cnt.dtype == np.float32 and cnt.asnumpy().tolist() == [1, 2, 1, 2]
    np.testing.assert_allclose(edges.asnumpy(), [0.1, 1.325, 2.55, 3.775, 5.0], rtol=1e-6)
    with pytest.raises(DistGluError, match='bins must be a positive int'):
        nd.histogram(a, bins=0)
    with pytest.raises(DistGluError, match='min < max'):
        nd.histogram(a, bins=2, range=(3, 1))


def test_onehot_encode():
    out = nd.zeros((3, 4))
    r = nd.onehot_encode(nd.array([1, 0, 7]), out)
    assert r is out
    assert out.asnumpy().tolist() == [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    with pytest.raises(DistGluError, match=r'indices \(n,\) and out \(n, k\)'):
        nd.onehot_encode(nd.array([1, 0]), nd.zeros((3, 4)))


def test_choose_and_fill_element_0index():
    a = nd.array([[1, 2, 3], [4, 5, 6]])
    assert nd.choose_element_0index(a, nd.array([2, 0])).asnumpy().tolist() == [3, 4]
    assert nd.choose_element_0index(a, nd.array([3, -1])).asnumpy().tolist() == [3, 4]  # clip
    a.attach_grad()
    with autograd.record():
        y = nd.choose_element_0index(a, nd.array([2, 0]))
    y.backward(nd.array([10, 20]))
    assert a.grad.asnumpy().tolist() == [[0, 0, 10], [20, 0, 0]]
    f = nd.fill_element_0index(a, nd.array([7, 8]), nd.array([2, 0]))
    assert f.asnumpy().tolist() == [[1, 2, 7], [8, 5, 6]]
    assert a.asnumpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    with autograd.record():
        f = nd.fill_element_0index(a, nd.array([7, 8]), nd.array([2, 0]))
    with pytest.raises(DistGluError, match='non-differentiable'):
        f.backward()
    with pytest.raises(DistGluError, match=r'lhs \(n, k\) and rhs \(n,\)'):
        nd.choose_element_0index(a, nd.array([1, 2, 0]))


def test_crop():
    c = nd.arange(2 * 3 * 4 * 5).reshape((2, 3, 4, 5))
    ref = c.asnumpy()
    np.testing.assert_array_equal(nd.Crop(c, h_w=(2, 3), num_args=1).asnumpy(),
                                  ref[:, :, :2, :3])
    np.testing.assert_array_equal(nd.Crop(c, h_w=(2, 3), offset=(1, 2)).asnumpy(),
                                  ref[:, :, 1:3, 2:5])
    np.testing.assert_array_equal(nd.Crop(c, h_w=(2, 3), center_crop=True).asnumpy(),
                                  ref[:, :, 1:3, 1:4])
    like = nd.zeros((1, 1, 3, 3))
    like.attach_grad()
    c.attach_grad()
    with autograd.record():
        y = nd.Crop(c, like, num_args=2, center_crop=True)
    np.testing.assert_array_equal(y.asnumpy(), ref[:, :, 0:3, 1:4])
    y.backward()
    g = np.zeros(ref.shape, 'f4')
    g[:, :, 0:3, 1:4] = 1
    np.testing.assert_array_equal(c.grad.asnumpy(), g)
    assert not like.grad.asnumpy().any()
    with pytest.raises(DistGluError, match='does not fit'):
        nd.Crop(c, h_w=(5, 3))
    with pytest.raises(DistGluError, match='num_args=2 but 1 inputs'):
        nd.Crop(c, h_w=(2, 3), num_args=2)


# MXNet 1.9.1: im2col(arange(40).reshape(1,2,4,5), kernel=(2,3), stride=(2,1), pad=(1,0),
# dilate=(1,2)) and col2im(arange(36).reshape(1,12,3), (4,5), same geometry)
_IM2COL = [[[0, 5, 15], [0, 7, 17], [0, 9, 19], [0, 10, 0], [2, 12, 0], [4, 14, 0],
            [0, 25, 35], [0, 27, 37], [0, 29, 39], [20, 30, 0], [22, 32, 0], [24, 34, 0]]]
_COL2IM = [[[[9, 0, 12, 0, 15], [1, 0, 4, 0, 7], [10, 0, 13, 0, 16], [2, 0, 5, 0, 8]],
            [[27, 0, 30, 0, 33], [19, 0, 22, 0, 25], [28, 0, 31, 0, 34],
             [20, 0, 23, 0, 26]]]]


def test_im2col_col2im():
    geo = dict(kernel=(2, 3), stride=(2, 1), pad=(1, 0), dilate=(1, 2))
    c = nd.im2col(nd.arange(40).reshape((1, 2, 4, 5)), **geo)
    assert c.shape == (1, 12, 3) and c.dtype == np.float32
    assert c.asnumpy().tolist() == _IM2COL
    b = nd.col2im(nd.arange(36).reshape((1, 12, 3)), output_size=(4, 5), **geo)
    assert b.asnumpy().tolist() == _COL2IM
    # each is the other's adjoint: <im2col(x), y> == <x, col2im(y)>
    rs = np.random.RandomState(0)
    x, y = rs.randn(2, 2, 4, 5), rs.randn(2, 12, 3)
    lhs = (nd.im2col(nd.array(x, dtype='float64'), **geo).asnumpy() * y).sum()
    rhs = (x * nd.col2im(nd.array(y, dtype='float64'), (4, 5), **geo).asnumpy()).sum()
    np.testing.assert_allclose(lhs, rhs, rtol=1e-10)
    xa = nd.array(x)
    xa.attach_grad()
    with autograd.record():
        out = nd.im2col(xa, kernel=(2, 2), pad=(1, 1))
    out.backward()
    np.testing.assert_array_equal(xa.grad.asnumpy(), np.full(x.shape, 4, 'f4'))
    with pytest.raises(DistGluError, match='larger than the padded input'):
        nd.im2col(nd.ones((1, 1, 2, 2)), kernel=(3, 3))
    with pytest.raises(DistGluError, match=r'expected data \(N, C\*4, 12\)'):
        nd.col2im(nd.ones((1, 5, 12)), output_size=(4, 5), kernel=(2, 2))
