"""Tests for nd.sample_*, nd.random_pdf_* and the random_*negative_binomial aliases
(distglu/ndarray/ops/sample_ops.py). Reference values recorded from MXNet 1.9.1."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient
from distglu.ndarray.ops import sample_ops as so

_S = np.array([[0.5, 1.0, 2.0], [0.25, 3.0, 0.0]])
_K = np.array([[0., 1., 2.], [3., 4., 7.]])
_CASES = {
    'uniform': (_S * 0.2, [np.array([0., 0.1]), np.array([1., 0.5])]),
    'normal': (_S, [np.array([0., 1.]), np.array([1., 2.])]),
    'gamma': (_S + 0.1, [np.array([2., 0.5]), np.array([1.5, 3.])]),
    'exponential': (_S, [np.array([2., 0.5])]),
    'poisson': (_K, [np.array([2., 0.5])]),
    'negative_binomial': (_K, [np.array([2., 5.]), np.array([0.3, 0.6])]),
    'generalized_negative_binomial': (_K, [np.array([2., 5.]), np.array([0.3, 0.6])]),
}

# (value, [grad sample, grad params...]) of MXNet 1.9.1 for _CASES, y.backward()
_MX = {
    ('uniform', False): ([[1.0, 1.0, 1.0], [2.5, 2.5, 2.5]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [3.0, 18.75], [-3.0, -18.75]]),
    ('uniform', True): ([[-0.0, -0.0, -0.0], [0.9162907004356384, 0.9162907004356384, 0.9162907004356384]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [3.0, 7.5], [-3.0, -7.5]]),
    ('normal', False): ([[0.3520653247833252, 0.2419707179069519, 0.05399096757173538], [0.18592754006385803, 0.12098535895347595, 0.1760326623916626]],
        [[[-0.1760326623916626, -0.2419707179069519, -0.10798193514347076], [0.03486141562461853, -0.060492679476737976, 0.04400816559791565]], [0.5259853005409241, -0.018376901745796204], [-0.10207608342170715, -0.14590299129486084]]),
    ('normal', True): ([[-1.0439385175704956, -1.4189385175704956, -2.918938636779785], [-1.6823982000350952, -2.1120858192443848, -1.7370857000350952]],
        [[[-0.5, -1.0, -2.0], [0.1875, -0.5, 0.25]], [3.5, 0.0625], [2.25, -0.8046875]]),
    ('gamma', False): ([[0.5488690137863159, 0.47532346844673157, 0.20247632265090942], [0.5780194997787476, 5.074189539300278e-05, 2.289271831512451]],
        [[[0.0914781466126442, -0.28087297081947327, -0.2072971761226654], [-2.559800863265991, -0.0001604098652023822, -18.31417465209961]], [-0.1060934066772461, 2.902150869369507], [0.3581809401512146, 0.04649905115365982]]),
    ('gamma', True): ([[-0.5998954176902771, -0.7437596917152405, -1.5971323251724243], [-0.5481476783752441, -9.888758659362793, 0.8282337784767151]],
        [[[0.16666662693023682, -0.5909091234207153, -1.0238094329833984], [-4.428571701049805, -3.161290407180786, -8.0]], [0.2744642198085785, 6.965364456176758], [0.20000016689300537, -3.049999952316284]]),
    ('exponential', False): ([[0.735758900642395, 0.2706705629825592, 0.036631278693675995], [0.44124844670295715, 0.11156508326530457, 0.5]],
        [[[-1.47151780128479, -0.5413411259651184, -0.07326255738735199], [-0.22062422335147858, -0.05578254163265228, -0.25]], [-0.1902821958065033, 1.6606197357177734]]),
    ('exponential', True): ([[-0.3068528175354004, -1.3068528175354004, -3.3068528175354004], [-0.8181471824645996, -2.1931471824645996, -0.6931471824645996]],
        [[[-2.0, -2.0, -2.0], [-0.5, -0.5, -0.5]], [-2.0, 2.75]]),
    ('poisson', False): ([[0.1353352814912796, 0.2706705629825592, 0.2706705629825592], [0.012636055238544941, 0.0015795069048181176, 9.401827583133127e-07]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-0.2706705629825592, 0.07424904406070709]]),
    ('poisson', True): ([[-2.0, -1.3068528175354004, -1.3068528175354004], [-4.371201038360596, -6.4506425857543945, -13.877191543579102]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-1.5, 25.0]]),
    ('negative_binomial', False): ([[0.08999999612569809, 0.12600000202655792, 0.13230000436306], [0.17418240010738373, 0.1393459141254425, 0.042042650282382965]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-0.24609370529651642, 0.034908443689346313], [1.7639999389648438, -0.4724825620651245]]),
    ('negative_binomial', True): ([[-2.4079456329345703, -2.0714733600616455, -2.0226831436157227], [-1.747652292251587, -1.9707958698272705, -3.1690707206726074]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-2.2785849571228027, 0.5481149554252625], [15.714284896850586, -10.000003814697266]]),
    ('generalized_negative_binomial', False): ([[0.2087372988462448, 0.26092153787612915, 0.21199873089790344], [0.11368104815483093, 0.09947092086076736, 0.05787673220038414]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-0.21199876070022583, -0.010553976520895958], [0.026482418179512024, -0.1507440209388733]]),
    ('generalized_negative_binomial', True): ([[-1.566678762435913, -1.3435355424880981, -1.5511749982833862], [-2.174358606338501, -2.307889938354492, -2.849439859390259]],
        [[[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [-0.9374998211860657, -0.049999989569187164], [0.1860203742980957, -1.7215995788574219]]),
}

_SAMPLERS = [
    ('sample_uniform', lambda a, b: (a, a + b)),
    ('sample_normal', lambda a, b: (a, b)),
    ('sample_gamma', lambda a, b: (a, b)),
    ('sample_exponential', lambda a, b: (a,)),
    ('sample_poisson', lambda a, b: (a,)),
    ('sample_negative_binomial', lambda a, b: (a, b * 0 + 0.5)),
    ('sample_generalized_negative_binomial', lambda a, b: (a, b * 0 + 0.5)),
]


def test_exported_names():
    for name in so.__all__:
        assert callable(getattr(so, name))
        if hasattr(nd, name):            # once registered, nd.<name> is this function
            assert getattr(nd, name) is getattr(so, name)


@pytest.mark.parametrize('name,params', _SAMPLERS)
def test_sampler_shapes_dtypes(name, params):
    f = getattr(so, name)
    a, b = nd.array([[1., 2.], [3., 4.]]), nd.array([[0.5, 1.], [2., 3.]])
    r = f(*params(a, b))
    assert r.shape == (2, 2) and r.dtype == np.float32
    r = f(*params(a, b), shape=(3, 4))
    assert r.shape == (2, 2, 3, 4) and r.dtype == np.float32
    r = f(*params(a, b), shape=5, dtype='float64')
    assert r.shape == (2, 2, 5) and r.dtype == np.float64
    # float64 parameters still give float32 samples (dtype=None means float32 in MXNet)
    r = f(*[p.astype('float64') for p in params(a, b)], shape=2)
    assert r.dtype == np.float32
    out = nd.zeros((2, 2, 3))
    assert f(*params(a, b), shape=3, out=out) is out and out.asnumpy().any()
    with pytest.raises(DistGluError, match='dtype'):
        f(*params(a, b), dtype='int32')


def test_sampler_errors():
    with pytest.raises(DistGluError, match='same shape'):
        so.sample_uniform(nd.array([0., 1.]), nd.array([1., 2., 3.]))
    with pytest.raises(DistGluError, match='expected an NDArray for high'):
        so.sample_uniform(nd.array([0., 1.]), 2.0)


def _moments(r):
    a = r.asnumpy().astype(np.float64)
    return a.mean(axis=-1), a.var(axis=-1)


def test_sampler_moments_per_element():
    mx.random.seed(7)
    n = 20000
    lo, hi = nd.array([0., 10.]), nd.array([1., 20.])
    m, v = _moments(so.sample_uniform(lo, hi, shape=n))
    np.testing.assert_allclose(m, [0.5, 15.], rtol=0.03)
    np.testing.assert_allclose(v, [1 / 12., 100 / 12.], rtol=0.08)
    m, v = _moments(so.sample_normal(nd.array([-3., 5.]), nd.array([0.5, 2.]), shape=n))
    np.testing.assert_allclose(m, [-3., 5.], atol=0.06)
    np.testing.assert_allclose(v, [0.25, 4.], rtol=0.08)
    # gamma: shape alpha, scale beta
    m, v = _moments(so.sample_gamma(nd.array([2., 9.]), nd.array([0.5, 2.]), shape=n))
    np.testing.assert_allclose(m, [1., 18.], rtol=0.04)
    np.testing.assert_allclose(v, [0.5, 36.], rtol=0.1)
    # exponential: rate lam
    m, v = _moments(so.sample_exponential(nd.array([0.5, 4.]), shape=n))
    np.testing.assert_allclose(m, [2., 0.25], rtol=0.04)
    np.testing.assert_allclose(v, [4., 1 / 16.], rtol=0.1)
    r = so.sample_poisson(nd.array([1., 20.]), shape=n)
    assert np.all(r.asnumpy() == np.round(r.asnumpy()))
    m, v = _moments(r)
    np.testing.assert_allclose(m, [1., 20.], rtol=0.04)
    np.testing.assert_allclose(v, [1., 20.], rtol=0.1)
    # negative binomial: mean k(1-p)/p, variance k(1-p)/p^2
    r = so.sample_negative_binomial(nd.array([1., 20.]), nd.array([0.5, 0.25]), shape=n)
    assert np.all(r.asnumpy() == np.round(r.asnumpy()))
    m, v = _moments(r)
    np.testing.assert_allclose(m, [1., 60.], rtol=0.04)
    np.testing.assert_allclose(v, [2., 240.], rtol=0.1)
    # generalized: mean mu, variance mu + alpha mu^2; alpha = 0 is Poisson
    m, v = _moments(so.sample_generalized_negative_binomial(
        nd.array([2., 20., 5.]), nd.array([0.5, 0.25, 0.]), shape=n))
    np.testing.assert_allclose(m, [2., 20., 5.], rtol=0.04)
    np.testing.assert_allclose(v, [4., 120., 5.], rtol=0.1)


@pytest.mark.parametrize('name,params', _SAMPLERS)
def test_sampler_determinism(name, params):
    f = getattr(so, name)
    a, b = nd.array([1., 3.]), nd.array([0.5, 2.])
    mx.random.seed(42)
    r1 = f(*params(a, b), shape=50).asnumpy()
    mx.random.seed(42)
    r2 = f(*params(a, b), shape=50).asnumpy()
    r3 = f(*params(a, b), shape=50).asnumpy()
    np.testing.assert_array_equal(r1, r2)
    assert not np.array_equal(r2, r3)


def test_multinomial_shapes_and_probs():
    mx.random.seed(1)
    p = nd.array([[0.1, 0.9], [0.5, 0.5]])
    r = so.sample_multinomial(p)
    assert r.shape == (2,) and r.dtype == np.int32
    assert so.sample_multinomial(nd.array([0.2, 0.8])).shape == (1,)
    assert so.sample_multinomial(nd.array([0.2, 0.8]), shape=(3, 2)).shape == (3, 2)
    assert so.sample_multinomial(p, dtype='float32').dtype == np.float32
    assert so.sample_multinomial(p, dtype='uint8').dtype == np.uint8
    with pytest.raises(DistGluError, match='dtype'):
        so.sample_multinomial(p, dtype='int64')
    s, lp = so.sample_multinomial(p, shape=(3,), get_prob=True)
    assert s.shape == (2, 3) and lp.shape == (2, 3) and lp.dtype == np.float32
    np.testing.assert_allclose(lp.asnumpy(),
                               np.log(np.take_along_axis(p.asnumpy(), s.asnumpy(), 1)),
                               rtol=1e-6)
    s64, lp64 = so.sample_multinomial(p.astype('float64'), get_prob=True)
    assert lp64.dtype == np.float64 and s64.dtype == np.int32
    # frequencies follow each row
    q = np.array([[0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])
    d = so.sample_multinomial(nd.array(q), shape=20000).asnumpy()
    freq = np.stack([np.bincount(row, minlength=3) / 20000. for row in d])
    np.testing.assert_allclose(freq, q, atol=0.02)
    # not normalized, as MXNet: [1, 1] always gives 0; [0.1, 0.1] mostly gives 2 (= k)
    assert np.all(so.sample_multinomial(nd.array([1., 1.]), shape=50).asnumpy() == 0)
    r = so.sample_multinomial(nd.array([0.1, 0.1]), shape=200).asnumpy()
    assert 120 < np.sum(r == 2) < 200


def test_multinomial_gradient():
    mx.random.seed(3)
    p = nd.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
    p.attach_grad()
    w = nd.array(np.arange(12.).reshape(2, 6))
    with autograd.record():
        s, lp = so.sample_multinomial(p, shape=6, get_prob=True)
        z = lp * w
    z.backward()
    sn, pn, wn = s.asnumpy(), p.asnumpy(), w.asnumpy()
    expect = np.zeros((2, 3))
    for i in range(2):
        for j in range(6):
            expect[i, sn[i, j]] += wn[i, j] / pn[i, sn[i, j]]
    np.testing.assert_allclose(p.grad.asnumpy(), expect, rtol=1e-5)


def test_multinomial_determinism():
    p = nd.array([[0.2, 0.3, 0.5]])
    mx.random.seed(5)
    a = so.sample_multinomial(p, shape=40).asnumpy()
    mx.random.seed(5)
    np.testing.assert_array_equal(a, so.sample_multinomial(p, shape=40).asnumpy())


def test_scalar_aliases():
    mx.random.seed(2)
    r = so.random_negative_binomial(k=3, p=0.4, shape=(2, 2))
    assert r.shape == (2, 2) and r.dtype == np.float32
    assert np.all(r.asnumpy() == np.round(r.asnumpy()))
    assert so.random_negative_binomial(shape=3, dtype='float64').dtype == np.float64
    m = so.random_negative_binomial(k=4, p=0.5, shape=20000).asnumpy().mean()
    assert abs(m - 4.) < 0.15
    g = so.random_generalized_negative_binomial(mu=3., alpha=0.5, shape=20000).asnumpy()
    assert abs(g.mean() - 3.) < 0.15 and abs(g.var() - 7.5) < 0.8
    mx.random.seed(9)
    a = so.random_generalized_negative_binomial(shape=10).asnumpy()
    mx.random.seed(9)
    np.testing.assert_array_equal(a, so.random_generalized_negative_binomial(shape=10).asnumpy())
    # the raw MXNet operator: numbers only, integer k, shape required
    with pytest.raises(DistGluError, match='shape is required'):
        so.random_negative_binomial(k=2, p=0.5)
    with pytest.raises(DistGluError, match='k must be an integer'):
        so.random_negative_binomial(k=1.5, p=0.5, shape=2)
    with pytest.raises(DistGluError, match='must be a number'):
        so.random_negative_binomial(k=nd.array([1.]), p=0.5, shape=2)
    with pytest.raises(DistGluError, match='must be a number'):
        so.random_generalized_negative_binomial(mu=nd.array([1.]), shape=2)


@pytest.mark.parametrize('is_log', [False, True])
@pytest.mark.parametrize('dist', sorted(_CASES))
def test_pdf_values_and_grads_vs_mxnet(dist, is_log):
    f = getattr(so, 'random_pdf_' + dist)
    s, ps = _CASES[dist]
    args = [nd.array(s)] + [nd.array(p) for p in ps]
    for a in args:
        a.attach_grad()
    with autograd.record():
        y = f(*args, is_log=is_log)
    y.backward()
    val, grads = _MX[(dist, is_log)]
    assert y.dtype == np.float32 and y.shape == s.shape
    np.testing.assert_allclose(y.asnumpy(), val, rtol=2e-5, atol=1e-6)
    for a, g in zip(args, grads):
        np.testing.assert_allclose(a.grad.asnumpy(), g, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('is_log', [False, True])
@pytest.mark.parametrize('dist', sorted(_CASES))
def test_pdf_numeric_gradient(dist, is_log):
    f = getattr(so, 'random_pdf_' + dist)
    s, ps = _CASES[dist]
    if dist == 'uniform':
        s = s + 0.05
    if dist == 'normal':
        s = s + 0.1            # away from the flat points
    # discrete densities: the sample gets no gradient in MXNet, check the parameters only
    nodes = list(range(1, 1 + len(ps))) if dist in ('poisson', 'negative_binomial',
                                                    'generalized_negative_binomial') \
        else None
    check_numeric_gradient(lambda *a: f(*a, is_log=is_log), [s] + ps, rtol=1e-4, atol=1e-6,
                           grad_nodes=nodes)


def test_pdf_dirichlet():
    a = nd.array([[1., 2., 3.], [0.5, 0.5, 2.]])
    x = nd.array([[[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]], [[0.3, 0.3, 0.4], [0.6, 0.2, 0.2]]])
    x.attach_grad()
    a.attach_grad()
    with autograd.record():
        y = so.random_pdf_dirichlet(x, a)
    y.backward()
    assert y.shape == (2, 2) and y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), [[4.5, 3.84], [0.8488264, 0.3675526]], rtol=2e-5)
    np.testing.assert_allclose(x.grad.asnumpy(), [
        [[0., 14.999999, 18.], [0., 38.399998, 9.599999]],
        [[-1.4147106, -1.4147106, 2.122066], [-0.30629382, -0.91888154, 1.8377631]]],
        rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a.grad.asnumpy(), [[2.9586043, -3.5568023, 2.5569682],
                                                   [2.3011096, 1.8973118, -0.76113534]],
                               rtol=1e-4, atol=1e-5)
    assert so.random_pdf_dirichlet(x[:, 0], a).shape == (2,)
    for is_log in (False, True):
        check_numeric_gradient(lambda xx, aa: so.random_pdf_dirichlet(xx, aa, is_log=is_log),
                               [x.asnumpy(), a.asnumpy()], rtol=1e-4, atol=1e-6)


def test_pdf_shapes_and_errors():
    lo, hi = nd.array([0., 0.1]), nd.array([1., 0.5])
    assert so.random_pdf_uniform(nd.array([0.5, 0.2]), lo, hi).shape == (2,)
    assert so.random_pdf_uniform(nd.zeros((2, 1, 1)), lo, hi).shape == (2, 1, 1)
    # no support checks, as MXNet: outside [low, high) the density is still 1/(high-low)
    np.testing.assert_allclose(so.random_pdf_uniform(nd.array([[-1., 2.]]), nd.array([0.]),
                                                     nd.array([1.])).asnumpy(), [[1., 1.]])
    np.testing.assert_allclose(so.random_pdf_poisson(nd.array([[-1., 2.5]]),
                                                     nd.array([1.])).asnumpy(),
                               [[0., 0.11069534]], rtol=1e-5)
    np.testing.assert_allclose(so.random_pdf_negative_binomial(
        nd.array([[2.5]]), nd.array([1.5]), nd.array([0.5])).asnumpy(), [[0.12732396]],
        rtol=1e-5)
    y64 = so.random_pdf_normal(nd.array([1., 2.], dtype='float64'),
                               nd.array([0., 1.], dtype='float64'),
                               nd.array([1., 2.], dtype='float64'))
    assert y64.dtype == np.float64
    out = nd.zeros((2,))
    assert so.random_pdf_exponential(nd.array([1., 2.]), nd.array([1., 2.]), out=out) is out
    np.testing.assert_allclose(out.asnumpy(), [np.exp(-1.), 2 * np.exp(-4.)], rtol=1e-6)
    with pytest.raises(DistGluError, match='sample must have shape'):
        so.random_pdf_uniform(nd.array([0.5, 0.2, 0.3]), lo, hi)
    with pytest.raises(DistGluError, match='sample must have shape'):
        so.random_pdf_dirichlet(nd.ones((2, 4)), nd.ones((2, 3)))
    with pytest.raises(DistGluError, match='dtype'):
        so.random_pdf_normal(nd.array([1., 2.]), nd.array([0., 1.], dtype='float64'),
                             nd.array([1., 2.], dtype='float64'))
    with pytest.raises(DistGluError, match='same shape'):
        so.random_pdf_normal(nd.ones((2, 3)), nd.ones((2,)), nd.ones((3,)))
    with pytest.raises(DistGluError, match='expected an NDArray for sample'):
        so.random_pdf_exponential([1., 2.], nd.ones((2,)))


def test_pdf_second_order_is_a_clear_error():
    x, lam = nd.array([[0.5, 1.], [2., 3.]]), nd.array([2., 0.5])
    lam.attach_grad()
    with autograd.record():
        y = so.random_pdf_exponential(x, lam)
        with pytest.raises(DistGluError, match='differentiable once only'):
            autograd.grad(y, [lam], create_graph=True)
