"""The same operators on gpu(0) (CuPy) as on the CPU. Skipped without CuPy and a GPU."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon

pytestmark = pytest.mark.skipif(mx.num_gpus() == 0, reason='needs CuPy and a CUDA GPU')


def _both(fn, *arrays):
    cpu = fn(*[nd.array(a) for a in arrays])
    gpu = fn(*[nd.array(a, ctx=mx.gpu(0)) for a in arrays])
    assert gpu.context == mx.gpu(0)
    np.testing.assert_allclose(gpu.asnumpy(), cpu.asnumpy(), rtol=1e-5, atol=1e-6)


def test_elementwise_reduce_shape_index_ops():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2, (4, 5)).astype(np.float32)
    b = rng.uniform(0.5, 2, (5,)).astype(np.float32)
    _both(lambda x, y: x * y + x / y - x ** 2, a, b)
    _both(lambda x: nd.exp(x) + nd.tanh(x) + nd.sigmoid(x) + nd.relu(x - 1), a)
    _both(lambda x: nd.sum(x, axis=1) + nd.max(x, axis=1), a)
    _both(lambda x: x.reshape((-1,)).T, a)
    _both(lambda x: nd.take(x, nd.array([0, 2], ctx=x.context)), a)
    _both(lambda x: nd.dot(x, x.T), a)
    _both(lambda x: nd.softmax(x), a)


def test_autograd_on_gpu():
    x = nd.array([1., 2., 3.], ctx=mx.gpu(0))
    x.attach_grad()
    with autograd.record():
        y = (x * x).sum()
    y.backward()
    assert x.grad.context == mx.gpu(0)
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 4, 6])


def test_mixed_context_error():
    with pytest.raises(mx.base.MXNetError, match='cpu\\(0\\).*gpu\\(0\\)|gpu\\(0\\).*cpu\\(0\\)'):
        nd.ones(2) + nd.ones(2, ctx=mx.gpu(0))


def test_train_dense_on_gpu():
    ctx = mx.gpu(0)
    net = gluon.nn.Dense(1)
    net.initialize(mx.init.One(), ctx=ctx)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
    x = nd.ones((4, 3), ctx=ctx)
    with autograd.record():
        l = gluon.loss.L2Loss()(net(x), nd.zeros((4, 1), ctx=ctx))
    l.backward()
    trainer.step(4)
    assert net.weight.data(ctx).context == ctx
    assert net.weight.data(ctx).asnumpy().max() < 1
