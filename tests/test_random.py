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
