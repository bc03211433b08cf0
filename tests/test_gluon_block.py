"""Block / HybridBlock: registration, hooks, save/load, summary, hybridize, sharing."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.gluon import nn


class Net(gluon.Block):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.hidden = nn.Dense(8, activation='relu')
            self.out = nn.Dense(3)

    def forward(self, x):
        return self.out(self.hidden(x))


class HNet(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(4, in_units=5)
            self.scale = self.params.get('scale', shape=(4,), init=mx.init.One())

    def hybrid_forward(self, F, x, scale):
        return F.relu(self.dense(x)) * scale


def test_attribute_registration_and_children():
    net = Net()
    assert list(net._children.keys()) == ['hidden', 'out']
    names = list(net.collect_params().keys())
    assert names == [net.prefix + 'dense0_weight', net.prefix + 'dense0_bias',
                     net.prefix + 'dense1_weight', net.prefix + 'dense1_bias']
    h = HNet()
    assert h.prefix + 'scale' in h.collect_params()
    net.initialize()
    assert net(nd.ones((2, 5))).shape == (2, 3)
    with pytest.raises(DistGluError, match='Changing attribute type'):
        net.hidden = gluon.Parameter('x', shape=(1,))


def test_hybrid_forward_gets_F_and_params():
    h = HNet()
    h.initialize(mx.init.One())
    x = nd.ones((2, 5))
    y = h(x)
    np.testing.assert_allclose(y.asnumpy(), np.full((2, 4), 5.0))
    h.hybridize()
    np.testing.assert_array_equal(h(x).asnumpy(), y.asnumpy())
    h.hybridize(active=False)
    np.testing.assert_array_equal(h(x).asnumpy(), y.asnumpy())


def test_sequential_indexing_and_len():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3), nn.Dense(4), nn.Dense(5))
    assert len(net) == 3 and isinstance(net[1], nn.Dense)
    sub = net[1:]
    assert isinstance(sub, nn.HybridSequential) and len(sub) == 2
    assert sub[0] is net[1]


def test_hooks():
    net = nn.Dense(2, in_units=3)
    net.initialize()
    seen = []
    h1 = net.register_forward_pre_hook(lambda b, inp: seen.append(('pre', inp[0].shape)))
    h2 = net.register_forward_hook(lambda b, inp, out: seen.append(('post', out.shape)))
    net(nd.ones((4, 3)))
    assert seen == [('pre', (4, 3)), ('post', (4, 2))]
    h1.detach()
    h2.detach()
    net(nd.ones((4, 3)))
    assert len(seen) == 2


def test_apply_cast_zero_grad():
    net = Net()
    net.initialize()
    net(nd.ones((1, 5)))
    visited = []
    net.apply(lambda b: visited.append(type(b).__name__))
    assert visited == ['Activation', 'Dense', 'Dense', 'Net']
    net.cast('float64')
    assert net.hidden.weight.data().dtype == np.float64
    assert net(nd.ones((1, 5), dtype='float64')).dtype == np.float64
    x = nd.ones((1, 5), dtype='float64')
    net.collect_params().setattr('grad_req', 'add')
    for _ in range(2):
        with autograd.record():
            y = net(x)
        y.backward()
    assert np.abs(net.out.bias.grad().asnumpy() - 2).max() < 1e-12
    net.zero_grad()
    assert net.out.bias.grad().asnumpy().sum() == 0


def test_save_load_parameters_round_trip(tmp_path):
    net = Net()
    net.initialize()
    x = nd.random.uniform(shape=(2, 5))
    y = net(x)
    f = str(tmp_path / 'net.params')
    net.save_parameters(f)
    assert sorted(nd.load(f).keys()) == ['hidden.bias', 'hidden.weight', 'out.bias',
                                         'out.weight']
    net2 = Net()
    net2.load_parameters(f)
    np.testing.assert_array_equal(net2(x).asnumpy(), y.asnumpy())
    # the older prefixed format
    g = str(tmp_path / 'old.params')
    with pytest.warns(UserWarning, match='deprecated'):
        net.save_params(g)
    net3 = Net()
    net3.load_parameters(g)
    np.testing.assert_array_equal(net3(x).asnumpy(), y.asnumpy())


def test_load_parameters_errors(tmp_path):
    net = Net()
    net.initialize()
    net(nd.ones((1, 5)))
    f = str(tmp_path / 'n.params')
    net.save_parameters(f)

    class Bigger(Net):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.extra = nn.Dense(2, in_units=3)

    with pytest.raises(DistGluError, match=r"Parameter 'extra.weight' is missing in file"):
        Bigger().load_parameters(f)
    b = Bigger()
    b.load_parameters(f, allow_missing=True)

    class Smaller(gluon.Block):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.hidden = nn.Dense(8, activation='relu')

    with pytest.raises(DistGluError, match=r"Parameter 'out.weight' loaded from file .* is not "
                                           r"present in ParameterDict"):
        Smaller().load_parameters(f)
    Smaller().load_parameters(f, ignore_extra=True)

    class WrongShape(gluon.Block):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.hidden = nn.Dense(8, in_units=6)
                self.out = nn.Dense(3)

    with pytest.raises(DistGluError, match=r"shape incompatible expected \(8, 6\) vs saved "
                                           r"\(8, 5\)"):
        WrongShape().load_parameters(f)

    n64 = Net()
    n64.cast('float64')
    with pytest.raises(DistGluError, match='dtype incompatible'):
        n64.load_parameters(f)
    n64.load_parameters(f, cast_dtype=True)
    assert n64.hidden.weight.data().dtype == np.float64


def test_save_parameters_is_atomic(tmp_path, monkeypatch):
    net = nn.Dense(2, in_units=2)
    net.initialize()
    f = tmp_path / 'x.params'
    net.save_parameters(str(f))
    before = f.read_bytes()
    import os

    def boom(fd):
        raise OSError('disk full')

    monkeypatch.setattr(os, 'fsync', boom)
    with pytest.raises(OSError):
        net.save_parameters(str(f))
    assert f.read_bytes() == before


def test_shared_parameters():
    shared = nn.Dense(4, in_units=4)
    net = nn.Sequential()
    net.add(shared, nn.Dense(4, in_units=4, params=shared.params), shared)
    net.initialize()
    assert net[1].weight is shared.weight
    assert len(net.collect_params()) == 2
    x = nd.ones((2, 4))
    x.attach_grad()
    with autograd.record():
        y = net(x)
    y.backward()
    assert shared.weight.grad().shape == (4, 4)


def test_summary(capsys):
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation='relu'), nn.Dense(2))
    net.initialize()
    net.summary(nd.ones((3, 5)))
    out = capsys.readouterr().out
    assert 'Layer (type)' in out and 'Output Shape' in out
    assert 'Dense-' in out and '(3, 2)' in out
    assert 'Total params: 34' in out and 'Trainable params: 34' in out
    # as MXNet: Sequential containers get no row of their own
    layers = [line.split()[0] for line in out.splitlines()
              if line.strip() and line.split()[0][:1].isalpha() and '-' in line.split()[0]
              and line.split()[0].split('-')[1].isdigit()]
    assert layers == ['Activation-1', 'Dense-2', 'Dense-3']


def test_lambda_blocks():
    lam = nn.Lambda('tanh')
    np.testing.assert_allclose(lam(nd.array([0.5])).asnumpy(), np.tanh([0.5]), rtol=1e-6)
    hl = nn.HybridLambda(lambda F, x: F.relu(x) * 2)
    assert hl(nd.array([-1., 2.])).asnumpy().tolist() == [0, 4]
    with pytest.raises(DistGluError, match='not found'):
        nn.Lambda('no_such_op')


def test_custom_block_with_deferred_param_needs_infer_shape():
    class Custom(gluon.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.w = self.params.get('w', shape=(0,), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return x * w

    c = Custom()
    c.initialize()
    with pytest.raises(DistGluError, match='infer_shape'):
        c(nd.ones((2, 3)))

    class Custom2(Custom):
        def infer_shape(self, x):
            self.w.shape = (x.shape[-1],)

    c2 = Custom2()
    c2.initialize(mx.init.One())
    assert c2(nd.ones((2, 3))).shape == (2, 3)


def test_export_is_a_clear_error():
    with pytest.raises(DistGluError, match='save_parameters'):
        nn.Dense(2).export('x')


def test_print_shows_blocks_held_in_attributes_as_mxnet():
    """MXNet's Block prints the Blocks held in attributes; D2L's MySequential, which adds
    children only through ``_children``, prints empty there (Sequential lists them)."""
    class MySequential(nn.Block):
        def add(self, block):
            self._children[block.name] = block

        def forward(self, x):
            for block in self._children.values():
                x = block(x)
            return x

    net = MySequential()
    net.add(nn.Dense(3))
    assert repr(net) == 'MySequential(\n\n)'

    class Holder(nn.Block):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.a = nn.Dense(2, in_units=3)
            self.register_child(nn.Dense(4))
            self.b = nn.Sequential()
            self.b.add(nn.Dense(1, in_units=2))

    assert repr(Holder()) == (
        'Holder(\n  (a): Dense(3 -> 2, linear)\n  (b): Sequential(\n'
        '    (0): Dense(2 -> 1, linear)\n  )\n)')


def test_load_with_saved_dtype_into_an_initialized_net(tmp_path):
    f = str(tmp_path / 'p.params')
    net = nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    net.save_parameters(f)
    half = nn.Dense(2, in_units=3, dtype='float16')
    half.initialize()
    half.load_parameters(f, cast_dtype=True, dtype_source='saved')
    assert half.weight.data().dtype == np.float32 and half.weight.dtype == np.float32
    np.testing.assert_array_equal(half(nd.ones((1, 3))).asnumpy(), [[3., 3.]])
    cur = nn.Dense(2, in_units=3, dtype='float16')
    cur.initialize()
    cur.load_parameters(f, cast_dtype=True, dtype_source='current')
    assert cur.weight.data().dtype == np.float16
