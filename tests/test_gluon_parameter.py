"""Parameter, Constant, ParameterDict: naming, deferred init, data/grad access, errors."""

import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.gluon import nn

DEFERRED_MSG = ("Parameter 'sequential0_dense0_weight' has not been initialized yet because "
                "initialization was deferred. Actual initialization happens during the first "
                "forward pass. Please pass one batch of data through the network before "
                "accessing Parameters. You can also avoid deferred initialization by "
                "specifying in_units, num_features, etc., for network layers.")


def fresh_names():
    from distglu.gluon.block import _NameManager
    _NameManager._local.counter = {}


def test_deferred_shape_printed_before_and_after_first_forward():
    fresh_names()
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation='relu'), nn.Dense(2))
    net.initialize()
    # as MXNet 1.9.1 prints them
    assert repr(net[0].weight) == 'Parameter sequential0_dense0_weight (shape=(4, 0), dtype=float32)'
    assert repr(net) == ('Sequential(\n  (0): Dense(None -> 4, Activation(relu))\n'
                         '  (1): Dense(None -> 2, linear)\n)')
    with pytest.raises(gluon.DeferredInitializationError) as e:
        net[0].weight.data()
    assert str(e.value) == DEFERRED_MSG
    assert isinstance(e.value, mx.base.MXNetError)
    net(nd.ones((3, 5)))
    assert repr(net[0].weight) == 'Parameter sequential0_dense0_weight (shape=(4, 5), dtype=float32)'
    assert net[1].weight.shape == (2, 4)
    assert repr(net) == ('Sequential(\n  (0): Dense(5 -> 4, Activation(relu))\n'
                         '  (1): Dense(4 -> 2, linear)\n)')


def test_collect_params_names_and_repr():
    fresh_names()
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(4, activation='relu'), nn.Dense(2))
    params = net.collect_params()
    assert list(params.keys()) == ['sequential0_dense0_weight', 'sequential0_dense0_bias',
                                   'sequential0_dense1_weight', 'sequential0_dense1_bias']
    assert repr(params).startswith('sequential0_ (\n  Parameter sequential0_dense0_weight '
                                   '(shape=(4, 0), dtype=float32)')
    assert list(net.collect_params('.*weight').keys()) == ['sequential0_dense0_weight',
                                                          'sequential0_dense1_weight']
    assert list(net.collect_params('.*dense1_weight|.*dense0_bias').keys()) == [
        'sequential0_dense0_bias', 'sequential0_dense1_weight']
    # blocks created outside a name scope use global counters
    d = nn.Dense(3, in_units=2)
    assert d.prefix == 'dense0_' and d.weight.name == 'dense0_weight'
    assert repr(d) == 'Dense(2 -> 3, linear)'
    seq = nn.HybridSequential()
    seq.add(nn.Dense(3))
    assert seq.prefix == 'hybridsequential0_'
    assert list(seq.collect_params().keys()) == ['dense1_weight', 'dense1_bias']


def test_uninitialized_and_invalid_shape_errors():
    p = gluon.Parameter('w', shape=(2, 0))
    with pytest.raises(DistGluError, match=r"Cannot initialize Parameter 'w' because it has "
                                           r"invalid shape: \(2, 0\)\."):
        p.initialize()
    q = gluon.Parameter('q', shape=(2,))
    with pytest.raises(DistGluError, match="has not been initialized. Note that you should"):
        q.data()


def test_data_grad_and_contexts():
    p = gluon.Parameter('w', shape=(2, 3), init=mx.init.One())
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    assert p.list_ctx() == [mx.cpu(0), mx.cpu(1)]
    assert p.data(mx.cpu(1)).context == mx.cpu(1)
    assert len(p.list_data()) == 2 and len(p.list_grad()) == 2
    assert p.data(mx.cpu(0)).asnumpy().sum() == 6
    with pytest.raises(DistGluError, match='was not initialized on context'):
        p.data(mx.cpu(2))
    p.set_data(nd.full((2, 3), 2.0))
    assert p.data(mx.cpu(1)).asnumpy().sum() == 12
    with autograd.record():
        y = p.data(mx.cpu(0)) * 3
    y.backward()
    assert p.grad(mx.cpu(0)).asnumpy().sum() == 18
    p.zero_grad()
    assert p.grad(mx.cpu(0)).asnumpy().sum() == 0
    p.reset_ctx(mx.cpu(0))
    assert p.list_ctx() == [mx.cpu(0)] and p.data().asnumpy().sum() == 12
    p.cast('float64')
    assert p.data().dtype == np.float64 and p.grad().dtype == np.float64


def test_initialize_twice_warns_and_force_reinit():
    p = gluon.Parameter('w', shape=(3,), init=mx.init.Zero())
    p.initialize()
    with pytest.warns(UserWarning, match='already initialized'):
        p.initialize()
    p.initialize(init=mx.init.One(), force_reinit=True)
    assert p.data().asnumpy().tolist() == [1, 1, 1]


def test_grad_req_null_and_constant():
    p = gluon.Parameter('w', shape=(2,), grad_req='null')
    p.initialize()
    with pytest.raises(DistGluError, match="grad_req='null'"):
        p.grad()
    with pytest.raises(DistGluError, match='grad_req must be one of'):
        p.grad_req = 'sometimes'
    c = gluon.Constant('c', nd.array([1., 2.]))
    c.initialize()
    assert c.data().asnumpy().tolist() == [1, 2] and c.grad_req == 'null'


def test_parameterdict_get_and_sharing():
    pd = gluon.ParameterDict('net_')
    w = pd.get('weight', shape=(3, 0))
    assert w.name == 'net_weight' and pd.get('weight', shape=(3, 4)) is w
    assert w.shape == (3, 4)
    with pytest.raises(DistGluError, match="desired attribute does not match"):
        pd.get('weight', shape=(5, 4))
    shared = gluon.ParameterDict('net_', shared=pd)
    assert shared.get('weight') is w
    c = pd.get_constant('const', [1, 2])
    assert pd.get_constant('const') is c
    with pytest.raises(DistGluError, match='No constant named'):
        pd.get_constant('missing')
    other = gluon.ParameterDict('x_')
    other.get('weight', shape=(1,))
    pd.update(other)
    assert 'x_weight' in pd
    bad = gluon.ParameterDict('net_')
    bad.get('weight', shape=(3, 4))
    with pytest.raises(DistGluError, match='different Parameters with the same name'):
        pd.update(bad)
    pd.setattr('lr_mult', 0.5)
    assert w.lr_mult == 0.5


def test_parameterdict_save_load(tmp_path):
    pd = gluon.ParameterDict('m_')
    pd.get('a', shape=(2,), init=mx.init.One())
    pd.get('b', shape=(3,), init=mx.init.Zero())
    pd.initialize()
    f = str(tmp_path / 'p.params')
    pd.save(f, strip_prefix='m_')
    assert sorted(nd.load(f).keys()) == ['a', 'b']
    pd2 = gluon.ParameterDict('m_')
    pd2.get('a', shape=(2,))
    pd2.get('b', shape=(3,))
    pd2.load(f, restore_prefix='m_')
    assert pd2['m_a'].data().asnumpy().tolist() == [1, 1]


def test_name_suffix_defaults_without_own_initializer():
    pd = gluon.ParameterDict('c_')
    w = pd.get('weight', shape=(3, 4))
    b = pd.get('bias', shape=(3,))
    g = pd.get('gamma', shape=(3,))
    rv = pd.get('running_var', shape=(3,))
    rm = pd.get('running_mean', shape=(3,))
    beta = pd.get('beta', shape=(3,))
    pd.initialize(mx.init.Xavier())
    assert b.data().asnumpy().tolist() == [0, 0, 0]
    assert beta.data().asnumpy().tolist() == [0, 0, 0]
    assert rm.data().asnumpy().tolist() == [0, 0, 0]
    assert g.data().asnumpy().tolist() == [1, 1, 1]
    assert rv.data().asnumpy().tolist() == [1, 1, 1]
    assert np.abs(w.data().asnumpy()).max() > 0
    # other names get the global initializer, as in MXNet (Uniform here)
    pd2 = gluon.ParameterDict('d_')
    s = pd2.get('scale', shape=(1000,))
    pd2.initialize(mx.init.Uniform(0.5))
    v = s.data().asnumpy()
    assert v.min() >= -0.5 and v.max() <= 0.5 and v.std() > 0.1


def test_parameter_repr_prints_dtype_as_given():
    # MXNet 1.9.1 prints the dtype value it was given
    assert repr(gluon.Parameter('w', shape=(2, 3))) == \
        "Parameter w (shape=(2, 3), dtype=<class 'numpy.float32'>)"
    assert repr(gluon.Constant('c', nd.array([1, 2]))) == \
        "Constant c (shape=(2,), dtype=<class 'numpy.float32'>)"
    p = gluon.Parameter('w', shape=(2, 3))
    p.initialize()
    p.cast('float64')
    assert repr(p) == 'Parameter w (shape=(2, 3), dtype=float64)'


def test_dtype_and_class_path_as_mxnet():
    import pickle
    from distglu.gluon import nn
    assert nn.Dense(2).weight.dtype == 'float32'          # the layer's default, a string
    assert mx.gluon.Parameter('w', shape=(2,)).dtype is np.float32
    assert mx.gluon.Parameter('w', shape=(2,), dtype=np.float16).dtype is np.float16
    d = nn.Dense(2)
    d.cast('float16')
    assert d.weight.dtype == 'float16'
    assert type(d.params).__module__ == 'distglu.gluon.parameter'
    pd = pickle.loads(pickle.dumps(mx.gluon.ParameterDict('x_')))
    assert type(pd) is mx.gluon.ParameterDict and pd.prefix == 'x_'


def test_missing_mxnet_modules_are_attribute_errors_that_say_why():
    assert not hasattr(mx.gluon, 'contrib')
    with pytest.raises(AttributeError, match='gluon.contrib .* is not implemented'):
        mx.gluon.contrib
    with pytest.raises(AttributeError, match='no symbolic API'):
        mx.sym


def test_lazy_modules_are_listed_by_dir():
    assert {'gluon', 'image', 'io', 'contrib', 'init'} <= set(dir(mx))
    assert {'nn', 'rnn', 'data', 'Trainer', 'Block', 'model_zoo'} <= set(dir(mx.gluon))


def test_index_errors_are_index_errors():
    with pytest.raises(IndexError, match='out of bounds'):
        nd.array([1, 2])[5]
    assert type(pytest.raises(IndexError, lambda: nd.array([1, 2])[5]).value).__name__ \
        == 'DistGluIndexError'


def test_row_sparse_accessors_raise_mxnets_error_for_dense_parameters():
    p = mx.gluon.Parameter('w', shape=(2,))
    p.initialize()
    with pytest.raises(RuntimeError, match='via row_sparse_data.. because its storage type '
                                           'is default'):
        p.row_sparse_data(nd.array([0]))
    with pytest.raises(RuntimeError, match='list_row_sparse_data.. because its storage'):
        p.list_row_sparse_data(nd.array([0]))
