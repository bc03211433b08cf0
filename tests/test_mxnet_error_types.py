"""Errors are raised as the built-in exception type MXNet 1.9.1 raises in the same case
(AssertionError, ValueError, TypeError, RuntimeError), so an MXNet program's ``except``
clause still catches them; every one is also a ``mx.base.MXNetError``."""
import pytest

import distglu as mx
from distglu import nd
from distglu.gluon import nn


def _saved_dense(tmp_path):
    f = str(tmp_path / 'p.params')
    net = nn.Dense(2, in_units=3, prefix='d_')
    net.initialize()
    net.save_parameters(f)
    return f


def test_loading_parameters(tmp_path):
    f = _saved_dense(tmp_path)
    bigger = nn.Sequential(prefix='d_')
    with bigger.name_scope():
        bigger.add(nn.Dense(2, in_units=3, prefix=''), nn.Dense(1, in_units=2))
    bigger.initialize()
    with pytest.raises(AssertionError, match='is missing in file'):
        bigger.load_parameters(f)
    other = nn.Dense(2, in_units=4, prefix='d_')
    other.initialize()
    with pytest.raises(AssertionError, match='shape incompatible'):
        other.load_parameters(f)
    half = nn.Dense(2, in_units=3, prefix='d_', dtype='float16')
    half.initialize()
    with pytest.raises(AssertionError, match='dtype incompatible'):
        half.load_parameters(f)
    pd = mx.gluon.ParameterDict('x_')
    pd.get('w', shape=(2, 3))
    with pytest.raises(AssertionError, match='restore_prefix'):
        pd.load(f, restore_prefix='y_')
    with pytest.raises(AssertionError, match='desired attribute'):
        pd.get('w', shape=(3, 3))


def test_extra_parameter_in_file_is_a_value_error(tmp_path):
    f = str(tmp_path / 'two.params')
    two = nn.Sequential(prefix='s_')
    with two.name_scope():
        two.add(nn.Dense(2, in_units=3), nn.Dense(1, in_units=2))
    two.initialize()
    two.save_parameters(f)
    one = nn.Sequential(prefix='s_')
    with one.name_scope():
        one.add(nn.Dense(2, in_units=3))
    one.initialize()
    with pytest.raises(ValueError, match='is not present in ParameterDict'):
        one.load_parameters(f)


def test_registry_save_and_shape_inference_errors(tmp_path):
    with pytest.raises(AssertionError, match='nonexistent is not registered'):
        mx.init.create('nonexistent')
    with pytest.raises(AssertionError, match='ppl is not registered'):
        mx.metric.create('ppl')
    with pytest.raises(AssertionError, match='top_k is no more than 1'):
        mx.metric.TopKAccuracy(top_k=1)
    with pytest.raises(TypeError, match='every value must be an NDArray'):
        nd.save(str(tmp_path / 'x'), [1, 2])

    class NoInfer(mx.gluon.HybridBlock):
        def __init__(self):
            super().__init__()
            self.w = self.params.get('w', shape=(0, 2), allow_deferred_init=True)

        def hybrid_forward(self, F, x, w):
            return x
    blk = NoInfer()
    blk.initialize()
    with pytest.raises(ValueError, match='cannot infer the shapes'):
        blk(nd.ones((2, 2)))
    # and each of them is an MXNetError too
    with pytest.raises(mx.base.MXNetError):
        mx.metric.create('ppl')
