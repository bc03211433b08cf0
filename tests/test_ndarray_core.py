"""NDArray creation, properties, conversion, printing and contexts."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError, MXNetError


def test_namespace_exports():
    assert mx.ndarray is mx.nd
    assert mx.base.MXNetError is mx.base.DistGluError is MXNetError
    assert mx.cpu() is mx.cpu(0) and str(mx.gpu(1)) == 'gpu(1)'
    assert mx.current_context() == mx.cpu()
    assert isinstance(mx.num_gpus(), int)
    assert callable(mx.random.seed) and mx.test_utils.assert_almost_equal


def test_array_default_dtypes():
    assert nd.array([1, 2, 3]).dtype == np.float32
    # MXNet 1.x: numpy sources become float32 unless dtype is given
    assert nd.array(np.array([1.0, 2.0])).dtype == np.float32
    assert nd.array(np.array([1, 2])).dtype == np.float32
    assert nd.array(np.array([1, 2]), dtype='int64').dtype == np.int64
    a = nd.array([1, 2], dtype='float16')
    assert nd.array(a).dtype == np.float16
    assert nd.array(5).shape == ()


@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64', 'int8', 'uint8', 'int32',
                                   'int64', 'bool'])
def test_creation_dtypes(dtype):
    for fn in (nd.zeros, nd.ones, nd.empty):
        a = fn((2, 3), dtype=dtype)
        assert a.shape == (2, 3) and a.dtype == np.dtype(dtype)
    assert nd.full((2,), 7, dtype=dtype).asnumpy().tolist() == np.full(2, 7, dtype).tolist()


def test_creation_functions():
    assert nd.zeros(3).shape == (3,)
    np.testing.assert_array_equal(nd.arange(5).asnumpy(), np.arange(5, dtype=np.float32))
    np.testing.assert_array_equal(nd.arange(1, 3, 0.5, repeat=2).asnumpy(),
                                  [1, 1, 1.5, 1.5, 2, 2, 2.5, 2.5])
    np.testing.assert_array_equal(nd.eye(3, 4, 1).asnumpy(), np.eye(3, 4, 1))
    np.testing.assert_allclose(nd.linspace(0, 1, 5).asnumpy(), np.linspace(0, 1, 5))
    x = nd.array([[1, 2], [3, 4]], dtype='int32')
    assert nd.zeros_like(x).dtype == np.int32 and nd.ones_like(x).asnumpy().sum() == 4
    assert nd.full_like(x, 9).asnumpy().tolist() == [[9, 9], [9, 9]]


def test_properties():
    x = nd.ones((2, 3, 4))
    assert x.shape == (2, 3, 4) and x.size == 24 and x.ndim == 3
    assert x.context == mx.cpu() and x.ctx is x.context
    assert x.stype == 'default'
    assert x.T.shape == (4, 3, 2)
    assert x.grad is None
    x.attach_grad()
    assert x.grad.shape == x.shape and x.grad.asnumpy().sum() == 0


def test_conversions():
    x = nd.array([[1.5, 2], [3, 4]])
    a = x.asnumpy()
    a[0, 0] = 100  # asnumpy is a copy
    assert x.asnumpy()[0, 0] == 1.5
    assert nd.array([3.5]).asscalar() == 3.5
    with pytest.raises(DistGluError, match='exactly one element'):
        x.asscalar()
    assert float(nd.array([2.5])) == 2.5 and int(nd.array([7])) == 7
    assert bool(nd.array([1])) and not bool(nd.array([0]))
    with pytest.raises(ValueError):
        bool(x)
    assert len(x) == 2
    rows = list(x)
    assert len(rows) == 2 and rows[1].asnumpy().tolist() == [3, 4]
    np.testing.assert_array_equal(np.array(x), x.asnumpy())
    y = x.astype('int32')
    assert y.dtype == np.int32 and y.asnumpy().tolist() == [[1, 2], [3, 4]]
    c = x.copy()
    c += 1
    assert x.asnumpy()[0, 0] == 1.5
    z = nd.zeros((2, 2))
    x.copyto(z)
    assert z.asnumpy().tolist() == x.asnumpy().tolist()
    assert x.as_in_context(mx.cpu()) is x
    with pytest.raises(DistGluError, match='shape mismatch'):
        x.copyto(nd.zeros((3,)))


def test_printing_matches_mxnet():
    assert repr(nd.zeros((2, 3))) == '\n[[0. 0. 0.]\n [0. 0. 0.]]\n<NDArray 2x3 @cpu(0)>'
    assert repr(nd.array([1.])) == '\n[1.]\n<NDArray 1 @cpu(0)>'
    assert str(nd.array([1, 2], dtype='int32')) == '\n[1 2]\n<NDArray 2 @cpu(0)>'
    assert repr(nd.array(5)) == '\n5.0\n<NDArray  @cpu(0)>'
    big = repr(nd.zeros((1000, 1000)))
    assert '...' in big and big.endswith('<NDArray 1000x1000 @cpu(0)>')


def test_gpu_without_cupy_is_clear():
    if mx.num_gpus() > 0:
        pytest.skip('a GPU is present')
    with pytest.raises(DistGluError, match='gpu\\(0\\)'):
        nd.zeros((2,), ctx=mx.gpu(0))
    with pytest.raises(DistGluError, match='gpu'):
        nd.array([1, 2], ctx=mx.gpu(0))


def test_bad_inputs_are_clear():
    with pytest.raises(DistGluError, match='dtype'):
        nd.zeros(2, dtype='complex64')
    with pytest.raises(DistGluError, match='ctx'):
        nd.zeros(2, ctx='cpu')
    with pytest.raises(DistGluError, match='array'):
        nd.array([[1, 2], [3]])


def test_context_scope():
    with mx.cpu(1):
        assert mx.current_context() == mx.cpu(1)
        assert nd.zeros(2).context == mx.cpu(1)
    assert mx.current_context() == mx.cpu(0)


def test_error_types_follow_mxnet():
    """MXNet programs catch errors by the built-in type MXNet raises: MXNetError is a
    RuntimeError, asscalar/bool of several elements raise ValueError, a parameter shape
    mismatch is an AssertionError."""
    import distglu as mx
    from distglu.gluon import nn
    assert issubclass(mx.base.MXNetError, RuntimeError)
    with pytest.raises(ValueError, match='not a scalar'):
        nd.ones((2,)).asscalar()
    with pytest.raises(ValueError, match='NDArray with multiple elements is ambiguous'):
        bool(nd.array([1, 2]))
    with pytest.raises(mx.base.MXNetError,
                       match=r'add: operands could not be broadcast together with shapes '
                             r'\(2, 3\) \(4,\)'):
        nd.ones((2, 3)) + nd.ones((4,))
    p = mx.gluon.Parameter('w', shape=(2, 2))
    p.initialize()
    with pytest.raises(AssertionError, match=r'Expected shape \(3, 3\) is incompatible'):
        p.set_data(nd.ones((3, 3)))
    conv = nn.Conv2D(4, 3)
    conv.initialize()
    with pytest.raises(ValueError, match='expects 4-D input'):
        conv(nd.ones((3, 8, 8)))
    with pytest.raises(RuntimeError, match='has not been initialized'):
        nn.Dense(2)(nd.ones((1, 3)))


def test_add_n_and_like_methods_and_abs():
    a = nd.array([1., -2.])
    b = nd.array([3., 4.])
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        s = nd.add_n(a, b, a * 3)
        y = (s * nd.array([1., 2.])).sum()
    y.backward()
    np.testing.assert_array_equal(s.asnumpy(), [7., -4.])
    np.testing.assert_array_equal(a.grad.asnumpy(), [4., 8.])
    np.testing.assert_array_equal(b.grad.asnumpy(), [1., 2.])
    np.testing.assert_array_equal(nd.ElementWiseSum(a, b).asnumpy(), [4., 2.])
    with pytest.raises(DistGluError, match=r'same shape, got \(2,\) \(argument 0\) and '
                                           r'\(3,\) \(argument 1\)'):
        nd.add_n(a, nd.ones((3,)))
    with pytest.raises(DistGluError, match='at least one NDArray'):
        nd.add_n()
    i = nd.array([1, 2], dtype='int32')
    assert i.zeros_like().dtype == np.int32 and i.zeros_like().asnumpy().tolist() == [0, 0]
    assert i.ones_like().asnumpy().tolist() == [1, 1]
    np.testing.assert_array_equal(abs(a).asnumpy(), [1., 2.])


def test_out_of_range_values_become_inf_without_a_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        a = nd.array([1e39, -1e39, 1.0])
    assert np.isinf(a.asnumpy()[:2]).all() and a.dtype == np.float32


def test_cpu_contexts_mix_and_gpu_helpers():
    """MXNet computes cpu(1) + cpu(0) (both host memory); the result takes the first
    input's context. list_gpus is range(num_gpus())."""
    x = nd.ones((2, 2), ctx=mx.cpu(1))
    y = nd.ones((2, 2))
    assert (x + y).context == mx.cpu(1) and (y + x).context == mx.cpu(0)
    np.testing.assert_array_equal((x + y).asnumpy(), 2 * np.ones((2, 2)))
    assert nd.dot(x, y).context == mx.cpu(1)
    assert nd.concat(x, y, dim=0).shape == (4, 2)
    assert list(mx.test_utils.list_gpus()) == list(range(mx.context.num_gpus()))
    assert nd.LeakyReLU(nd.array([-1., 0., 2.]), slope=0.0).asnumpy().tolist() == [0., 0., 2.]
    assert not np.signbit(nd.LeakyReLU(nd.array([-1.]), slope=0.0).asnumpy()).any()
