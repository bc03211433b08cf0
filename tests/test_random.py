"""nd.random: shapes, dtypes, seeding, statistics."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd
from distglu.base import DistGluError


def test_seed_reproducible():
    mx.random.seed(42)
    a = nd.random.normal(shape=(3, 4)).asnumpy()
    b = nd.random.uniform(shape=5).asnumpy()
    mx.random.seed(42)
    np.testing.assert_array_equal(a, nd.random.normal(shape=(3, 4)).asnumpy())
    np.testing.assert_array_equal(b, nd.random.uniform(shape=5).asnumpy())
    mx.random.seed(43)
    assert not np.array_equal(a, nd.random.normal(shape=(3, 4)).asnumpy())


def test_distributions_statistics():
    mx.random.seed(0)
    u = nd.random.uniform(-1, 3, shape=(20000,))
    assert u.dtype == np.float32 and u.shape == (20000,)
    v = u.asnumpy()
    assert v.min() >= -1 and v.max() < 3 and abs(v.mean() - 1) < 0.05
    n = nd.random.normal(2, 0.5, shape=(20000,)).asnumpy()
    assert abs(n.mean() - 2) < 0.02 and abs(n.std() - 0.5) < 0.02
    r = nd.random.randn(2, 3)
    assert r.shape == (2, 3)
    i = nd.random.randint(0, 5, shape=(1000,))
    assert i.dtype == np.int32 and set(i.asnumpy().tolist()) == {0, 1, 2, 3, 4}
    e = nd.random.exponential(2, shape=(20000,)).asnumpy()
    assert abs(e.mean() - 2) < 0.1
    g = nd.random.gamma(2, 3, shape=(20000,)).asnumpy()
    assert abs(g.mean() - 6) < 0.2
    p = nd.random.poisson(4, shape=(20000,)).asnumpy()
    assert abs(p.mean() - 4) < 0.1


def test_aliases_and_array_params():
    assert nd.random_normal(shape=(2,)).shape == (2,)
    assert nd.random_uniform(shape=(2,)).shape == (2,)
    assert nd.normal(shape=(2,)).shape == (2,) and nd.uniform(shape=(2,)).shape == (2,)
    lo = nd.array([0., 10.])
    hi = nd.array([1., 11.])
    s = nd.random.uniform(lo, hi, shape=3)
    assert s.shape == (2, 3)
    v = s.asnumpy()
    assert (v[0] < 1).all() and (v[1] >= 10).all()


def test_multinomial_and_shuffle():
    mx.random.seed(1)
    probs = nd.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    s = nd.random.multinomial(probs, shape=200)
    assert s.shape == (2, 200) and s.dtype == np.int32
    v = s.asnumpy()
    assert (v[0] == 1).all() and set(v[1].tolist()) == {0, 2}
    s, lp = nd.random.multinomial(probs, get_prob=True)
    np.testing.assert_allclose(lp.asnumpy()[0], 0.0)
    x = nd.arange(10)
    y = nd.random.shuffle(x)
    assert sorted(y.asnumpy().tolist()) == list(range(10))


def test_errors():
    with pytest.raises(DistGluError, match='integer seed'):
        mx.random.seed('abc')
    with pytest.raises(DistGluError, match='low < high'):
        nd.random.randint(5, 5, shape=(2,))


MX_RANDOM_PUBLIC = ['exponential', 'exponential_like', 'gamma', 'gamma_like',
                    'generalized_negative_binomial', 'generalized_negative_binomial_like',
                    'multinomial', 'negative_binomial', 'negative_binomial_like', 'normal',
                    'normal_like', 'poisson', 'poisson_like', 'randint', 'randn', 'shuffle',
                    'uniform', 'uniform_like']   # dir(mx.nd.random) in mxnet 1.9.1, functions


def test_namespace_is_clean():
    public = {n for n in dir(nd.random) if not n.startswith('_')}
    assert set(MX_RANDOM_PUBLIC) <= public
    assert set(MX_RANDOM_PUBLIC) <= set(nd.random.__all__)
    for leaked in ('np', 'context_xp', 'DistGluError', 'NDArray', 'Context', 'device_scope',
                   'normalize_dtype', 'current_context'):
        assert leaked not in public
    # the only extras: distglu's bernoulli, seed, and nd's random_* aliases
    assert public - set(MX_RANDOM_PUBLIC) <= {
        'bernoulli', 'seed', 'random_uniform', 'random_normal', 'random_randint',
        'random_exponential', 'random_gamma', 'random_poisson'}
    assert not any(hasattr(nd, 'random_%s_like' % k) for k in ('normal', 'uniform'))


def test_like_samplers_shape_dtype_stats():
    mx.random.seed(3)
    d = nd.zeros((200, 100))
    cases = [  # (sampler, kwargs, mean, var) of the distribution
        (nd.random.uniform_like, dict(low=-1, high=3), 1.0, 16 / 12),
        (nd.random.normal_like, dict(loc=2, scale=0.5), 2.0, 0.25),
        (nd.random.gamma_like, dict(alpha=9, beta=0.5), 4.5, 9 * 0.25),
        (nd.random.exponential_like, dict(lam=4), 0.25, 1 / 16),     # lam is the rate
        (nd.random.poisson_like, dict(lam=4), 4.0, 4.0),
        (nd.random.negative_binomial_like, dict(k=3, p=0.4), 4.5, 3 * 0.6 / 0.16),
        (nd.random.generalized_negative_binomial_like, dict(mu=2.0, alpha=0.3), 2.0, 3.2),
    ]
    for fn, kw, mean, var in cases:
        s = fn(d, **kw)
        assert s.shape == (200, 100) and s.dtype == np.float32 and s.context == d.context
        v = s.asnumpy()
        assert abs(v.mean() - mean) < 0.05 * max(1, mean), fn.__name__
        assert abs(v.var() - var) < 0.08 * max(1, var), fn.__name__
    u = nd.random.uniform_like(d, -1, 3).asnumpy()       # positional parameters after data
    assert u.min() >= -1 and u.max() < 3
    p = nd.random.poisson_like(d, 4).asnumpy()
    np.testing.assert_array_equal(p, np.round(p))
    assert nd.random.normal_like(nd.ones((2, 3), dtype='float64')).dtype == np.float64
    assert nd.random.gamma_like(nd.ones((4,), dtype='float16')).dtype == np.float16
    # defaults (MXNet: loc=0, scale=1; low=0, high=1; lam=1; ...)
    n = nd.random.normal_like(d).asnumpy()
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02
    e = nd.random.exponential_like(d).asnumpy()
    assert abs(e.mean() - 1) < 0.03


def test_like_samplers_seeded_out_and_errors():
    d = nd.ones((3, 4))
    mx.random.seed(11)
    a = nd.random.normal_like(d).asnumpy()
    mx.random.seed(11)
    np.testing.assert_array_equal(nd.random.normal_like(d).asnumpy(), a)
    o = nd.zeros((3, 4))
    assert nd.random.uniform_like(d, out=o) is o and (o.asnumpy() > 0).any()
    x = nd.ones((2,))
    x.attach_grad()
    with mx.autograd.record():
        y = nd.random.normal_like(x)
    with pytest.raises(DistGluError, match='not in a computational graph'):
        y.backward()
    with pytest.raises(DistGluError, match='floating-point dtype'):
        nd.random.normal_like(nd.ones((2,), dtype='int32'))
    with pytest.raises(DistGluError, match='loc must be a number'):
        nd.random.normal_like(d, loc=nd.ones((3, 4)))
    with pytest.raises(DistGluError, match='expected an NDArray for data'):
        nd.random.uniform_like([1.0, 2.0])
    with pytest.raises(DistGluError, match='must be positive'):
        nd.random.exponential_like(d, lam=0)


def test_multinomial_shapes_as_mxnet():
    """Shapes recorded from MXNet 1.9.1: one distribution without `shape` gives (1,)."""
    p1 = nd.ones(6) / 6
    assert nd.random.multinomial(p1).shape == (1,)
    assert nd.random.multinomial(nd.ones((2, 6)) / 6).shape == (2,)
    assert nd.random.multinomial(p1, shape=3).shape == (3,)
    assert nd.random.multinomial(p1, shape=(2, 2)).shape == (2, 2)
    assert [a.shape for a in nd.random.multinomial(p1, get_prob=True)] == [(1,), (1,)]


def test_generalized_negative_binomial_with_array_parameters():
    """Per-element mu and alpha (NDArrays): mean mu, variance mu + alpha * mu**2; alpha 0 is
    Poisson(mu)."""
    mx.random.seed(0)
    r = nd.random.generalized_negative_binomial(nd.array([2., 3.]), nd.array([0.5, 0.0]),
                                                shape=20000).asnumpy()
    assert r.shape == (2, 20000)
    np.testing.assert_allclose(r.mean(axis=1), [2., 3.], rtol=0.05)
    np.testing.assert_allclose(r.var(axis=1), [4., 3.], rtol=0.1)
