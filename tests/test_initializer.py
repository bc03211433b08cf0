"""distglu.init (mxnet.initializer): values, statistics, name rules, create/dumps, errors."""
import logging
import math
import warnings

import numpy as np
import pytest

import distglu as mx
from distglu import init
from distglu.base import DistGluError
from distglu.ndarray.ndarray import NDArray

_HAS_SETITEM = hasattr(NDArray, '__setitem__')


def _apply(initializer, name, shape, dtype='float32', attrs=None, ctx=None):
    arr = mx.nd.zeros(shape, dtype=dtype, ctx=ctx)
    initializer(init.InitDesc(name, attrs), arr)
    return arr


# --------------------------------------------------------------------------- basics
def test_initdesc_is_a_str_with_attrs():
    d = init.InitDesc('fc_weight', {'__init__': 'zeros'}, global_init=init.One())
    assert isinstance(d, str) and d == 'fc_weight' and d.endswith('weight')
    assert d.attrs == {'__init__': 'zeros'}
    assert isinstance(d.global_init, init.One)
    e = init.InitDesc('x')
    assert e.attrs == {} and e.global_init is None


def test_mx_init_and_initializer_are_this_module():
    assert mx.init is mx.initializer
    assert mx.init.Xavier is init.Xavier


def test_writes_in_place_into_the_existing_buffer():
    arr = mx.nd.zeros((3, 4))
    raw = arr._data
    init.One()(init.InitDesc('w_weight'), arr)
    assert arr._data is raw
    np.testing.assert_array_equal(raw, np.ones((3, 4), np.float32))


def test_zero_one():
    np.testing.assert_array_equal(_apply(init.Zero(), 'a_weight', (2, 3)).asnumpy(), 0)
    arr = _apply(init.One(), 'a_weight', (2, 3))
    np.testing.assert_array_equal(arr.asnumpy(), np.ones((2, 3)))
    assert arr.dtype == np.float32


@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
def test_dtype_is_kept(dtype):
    for ini in (init.Uniform(), init.Normal(), init.Xavier(), init.One(), init.Orthogonal()):
        arr = _apply(ini, 'w_weight', (4, 5), dtype=dtype)
        assert arr.dtype == np.dtype(dtype).type, (ini, arr.dtype)
        assert np.all(np.isfinite(arr.asnumpy()))


def test_constant_scalar_and_array():
    np.testing.assert_array_equal(_apply(init.Constant(2.5), 'w_weight', (2, 2)).asnumpy(),
                                  np.full((2, 2), 2.5, np.float32))
    # MXNet: an array value is broadcast to the shape
    got = _apply(init.Constant(mx.nd.array([1, 2])), 'w_weight', (2, 2)).asnumpy()
    np.testing.assert_array_equal(got, [[1, 2], [1, 2]])
    got = _apply(init.Constant(np.arange(6).reshape(2, 3)), 'w_weight', (2, 3)).asnumpy()
    np.testing.assert_array_equal(got, np.arange(6).reshape(2, 3))
    got = _apply(init.Constant([[3.], [4.]]), 'w_weight', (2, 3)).asnumpy()
    np.testing.assert_array_equal(got, [[3, 3, 3], [4, 4, 4]])
    with pytest.raises(DistGluError, match=r'Constant: value of shape \(3,\) cannot fill'):
        _apply(init.Constant(np.ones(3)), 'w_weight', (2, 2))


def test_uniform_bounds_and_statistics():
    mx.random.seed(0)
    x = _apply(init.Uniform(), 'w_weight', (200, 300)).asnumpy()  # default scale 0.07
    assert x.dtype == np.float32
    assert x.min() >= -0.07 and x.max() <= 0.07
    assert x.min() < -0.069 and x.max() > 0.069
    assert abs(x.mean()) < 0.001
    assert abs(x.std() - 0.07 / math.sqrt(3)) < 0.001
    y = _apply(init.Uniform(1.5), 'w_weight', (100, 100)).asnumpy()
    assert y.min() >= -1.5 and y.max() <= 1.5 and y.max() > 1.45


def test_normal_statistics():
    mx.random.seed(1)
    x = _apply(init.Normal(), 'w_weight', (300, 300)).asnumpy()  # default sigma 0.01
    assert abs(x.std() - 0.01) < 0.0002 and abs(x.mean()) < 0.0002
    y = _apply(init.Normal(2.0), 'w_weight', (300, 300)).asnumpy()
    assert abs(y.std() - 2.0) < 0.04


# --------------------------------------------------------------------------- Xavier / MSRA
@pytest.mark.parametrize('shape,factor_type,fan', [
    ((64, 32), 'avg', (32 + 64) / 2.0),
    ((64, 32), 'in', 32),
    ((64, 32), 'out', 64),
    ((16, 8, 3, 3), 'avg', (8 * 9 + 16 * 9) / 2.0),   # hw_scale = 3*3
    ((16, 8, 3, 3), 'in', 8 * 9),
    ((16, 8, 3, 3), 'out', 16 * 9),
    ((10, 6, 2, 3, 4), 'in', 6 * 24),                # 3-D conv: hw_scale = 2*3*4
])
def test_xavier_uniform_scale(shape, factor_type, fan):
    mx.random.seed(2)
    scale = math.sqrt(3.0 / fan)
    x = _apply(init.Xavier(factor_type=factor_type), 'conv_weight', shape).asnumpy()
    assert x.shape == shape
    assert np.abs(x).max() <= scale + 1e-7
    assert np.abs(x).max() > 0.9 * scale
    assert abs(x.std() - scale / math.sqrt(3)) < 0.1 * scale


def test_xavier_gaussian_and_magnitude():
    mx.random.seed(3)
    x = _apply(init.Xavier(rnd_type='gaussian', factor_type='in', magnitude=2),
               'fc_weight', (400, 250)).asnumpy()
    assert abs(x.std() - math.sqrt(2.0 / 250)) < 0.002
    assert abs(x.mean()) < 0.001


def test_msraprelu_is_gaussian_he():
    mx.random.seed(4)
    x = _apply(init.MSRAPrelu(), 'conv_weight', (64, 32, 3, 3)).asnumpy()
    factor = (32 * 9 + 64 * 9) / 2.0
    assert abs(x.std() - math.sqrt(2.0 / (1 + 0.25 ** 2) / factor)) < 0.002
    y = _apply(init.MSRAPrelu(factor_type='in', slope=0.0), 'fc_weight', (500, 200)).asnumpy()
    assert abs(y.std() - math.sqrt(2.0 / 200)) < 0.002
    assert init.MSRAPrelu().dumps() == '["msraprelu", {"factor_type": "avg", "slope": 0.25}]'


def test_xavier_errors():
    # MXNet's message, word for word
    with pytest.raises(DistGluError, match=r'^Xavier initializer cannot be applied to vector '
                                           r'fc_bias\. It requires at least 2D\.$'):
        init.Xavier()._init_weight(init.InitDesc('fc_bias'), mx.nd.zeros((4,)))
    with pytest.raises(ValueError, match='Xavier initializer cannot be applied to vector w_weight'):
        _apply(init.Xavier(), 'w_weight', (3,))
    with pytest.raises(ValueError, match='Incorrect factor type'):
        _apply(init.Xavier(factor_type='fan'), 'w_weight', (3, 3))
    with pytest.raises(ValueError, match='Unknown random type'):
        _apply(init.Xavier(rnd_type='normal'), 'w_weight', (3, 3))


# --------------------------------------------------------------------------- Orthogonal
@pytest.mark.parametrize('shape', [(4, 6), (6, 4), (5, 2, 3), (3, 3)])
@pytest.mark.parametrize('rand_type', ['uniform', 'normal'])
def test_orthogonal(shape, rand_type):
    mx.random.seed(5)
    x = _apply(init.Orthogonal(scale=2.0, rand_type=rand_type), 'w_weight',
               shape).asnumpy().astype(np.float64)
    assert x.shape == shape
    m = x.reshape(shape[0], -1)
    if m.shape[0] <= m.shape[1]:   # orthogonal rows
        np.testing.assert_allclose(m @ m.T, 4.0 * np.eye(m.shape[0]), atol=1e-5)
    else:                          # orthogonal columns
        np.testing.assert_allclose(m.T @ m, 4.0 * np.eye(m.shape[1]), atol=1e-5)


def test_orthogonal_default_scale_and_bad_type():
    x = _apply(init.Orthogonal(), 'w_weight', (3, 5)).asnumpy().astype(np.float64)
    np.testing.assert_allclose(x @ x.T, 1.414 ** 2 * np.eye(3), atol=1e-5)
    with pytest.raises(DistGluError, match="unknown rand_type 'gauss'"):
        _apply(init.Orthogonal(rand_type='gauss'), 'w_weight', (3, 5))


# --------------------------------------------------------------------------- Bilinear / LSTMBias
def test_bilinear_matches_mxnet():
    # recorded with mxnet 1.9.1: mx.init.Bilinear()(InitDesc('up_weight'), zeros(shape))
    k44 = np.array([[0.0625, 0.1875, 0.1875, 0.0625],
                    [0.1875, 0.5625, 0.5625, 0.1875],
                    [0.1875, 0.5625, 0.5625, 0.1875],
                    [0.0625, 0.1875, 0.1875, 0.0625]], np.float32)
    np.testing.assert_allclose(_apply(init.Bilinear(), 'up_weight', (1, 1, 4, 4)).asnumpy()[0, 0],
                               k44, rtol=1e-7)
    k35 = np.array([[0.11111111, 0.22222222, 0.33333334, 0.22222222, 0.11111111],
                    [0.22222222, 0.44444445, 0.6666667, 0.44444445, 0.22222222],
                    [0.33333334, 0.6666667, 1., 0.6666667, 0.33333334]], np.float32)
    got = _apply(init.Bilinear(), 'up_weight', (2, 3, 3, 5)).asnumpy()
    for i in range(2):
        for j in range(3):
            np.testing.assert_allclose(got[i, j], k35, rtol=1e-6)
    with pytest.raises(DistGluError, match=r'Bilinear initializer needs a 4-D weight.*\(3, 3\)'):
        _apply(init.Bilinear(), 'up_weight', (3, 3))


def test_lstmbias_sets_the_forget_gate_quarter():
    # MXNet gate order i, f, c, o: only arr[n:2n] gets forget_bias
    lb = init.LSTMBias(2.5)
    got = _apply(lb, 'lstm_i2h_bias', (8,), attrs={'__init__': lb}).asnumpy()
    np.testing.assert_array_equal(got, [0, 0, 2.5, 2.5, 0, 0, 0, 0])
    # as MXNet: called without the '__init__' attr, the name rule for *bias wins (zeros)
    got = _apply(lb, 'lstm_i2h_bias', (8,)).asnumpy()
    np.testing.assert_array_equal(got, 0)
    arr = mx.nd.ones((12,))
    init.LSTMBias()(init.InitDesc('x', {'__init__': init.LSTMBias().dumps()}), arr)
    np.testing.assert_array_equal(arr.asnumpy(), [0] * 3 + [1.0] * 3 + [0] * 6)


# --------------------------------------------------------------------------- name rules
@pytest.mark.parametrize('name,expected', [
    ('dense0_bias', 0.0), ('bn_beta', 0.0), ('bn_gamma', 1.0),
    ('bn_running_mean', 0.0), ('bn_running_var', 1.0),
    ('bn_moving_mean', 0.0), ('bn_moving_var', 1.0), ('bn_moving_inv_var', 0.0),
    ('x_moving_avg', 0.0), ('q_min', 0.0), ('q_max', 1.0),
])
def test_defaults_by_name_suffix(name, expected):
    arr = mx.nd.full((3,), 7.0)
    init.Uniform()(init.InitDesc(name), arr)
    np.testing.assert_array_equal(arr.asnumpy(), np.full((3,), expected, np.float32))


def test_weight_suffix_uses_init_weight():
    mx.random.seed(6)
    x = _apply(init.Uniform(0.5), 'dense0_weight', (20, 20)).asnumpy()
    assert 0.4 < np.abs(x).max() <= 0.5


def test_unknown_name_is_an_error():
    with pytest.raises(ValueError, match='Unknown initialization pattern for foo'):
        _apply(init.Uniform(), 'foo', (2,))


def test_own_init_attr_overrides_the_name():
    # a parameter's own initializer (instance, dumped string or registered name)
    # fills the array with its _init_weight whatever the name says
    for own in (init.One(), init.One().dumps(), 'ones', 'One'):
        arr = _apply(init.Uniform(), 'dense0_bias', (4,), attrs={'__init__': own})
        np.testing.assert_array_equal(arr.asnumpy(), np.ones(4))
    arr = _apply(init.Zero(), 'fc_weight', (2, 2), attrs={'__init__': '["constant", {"value": 3}]'})
    np.testing.assert_array_equal(arr.asnumpy(), np.full((2, 2), 3.0))
    # an empty or None __init__ falls back to the name rules
    arr = _apply(init.One(), 'fc_bias', (2,), attrs={'__init__': None})
    np.testing.assert_array_equal(arr.asnumpy(), [0, 0])
    arr = _apply(init.One(), 'fc_bias', (2,), attrs={'__init__': ''})
    np.testing.assert_array_equal(arr.asnumpy(), [0, 0])


def test_global_init_is_filled_in():
    u = init.Uniform()
    d = init.InitDesc('fc_bias')
    u(d, mx.nd.zeros((2,)))
    assert d.global_init is u
    d2 = init.InitDesc('fc_bias', global_init=init.One())
    u(d2, mx.nd.zeros((2,)))
    assert isinstance(d2.global_init, init.One)


def test_gluon_calling_convention():
    # MXNet's Parameter: create(default_init)(InitDesc(name, {'__init__': init}), data),
    # where init is the parameter's own initializer or, without one, default_init itself
    xavier = init.Xavier()
    data = mx.nd.zeros((4, 6))
    init.create(xavier)(init.InitDesc('dense0_weight', {'__init__': xavier}), data)
    assert np.abs(data.asnumpy()).max() > 0
    bias = mx.nd.full((4,), 5.0)
    init.create('xavier')(init.InitDesc('dense0_bias', {'__init__': 'zeros'}), bias)
    np.testing.assert_array_equal(bias.asnumpy(), 0)
    # MXNet: without an own init, a 1-D parameter under a Xavier default fails
    with pytest.raises(ValueError, match='cannot be applied to vector dense0_bias'):
        xavier(init.InitDesc('dense0_bias', {'__init__': xavier}), mx.nd.zeros((4,)))


def test_legacy_string_name_call():
    arr = mx.nd.full((3,), 4.0)
    with pytest.warns(DeprecationWarning, match='init\\(str, NDArray\\) has been deprecated'):
        init.Uniform()('bn_moving_var', arr)
    np.testing.assert_array_equal(arr.asnumpy(), 1)
    arr = mx.nd.zeros((1, 1, 4, 4))
    with pytest.warns(DeprecationWarning):
        init.Uniform()('upsampling0_weight', arr)
    assert arr.asnumpy()[0, 0, 1, 1] == pytest.approx(0.5625)
    arr = mx.nd.zeros((6,))
    with pytest.warns(DeprecationWarning):
        init.Uniform()('stn_loc_bias', arr)
    np.testing.assert_array_equal(arr.asnumpy(), [1, 0, 0, 0, 1, 0])


def test_quantized_patterns():
    arr = mx.nd.zeros((50,), dtype='int8')
    init.Uniform()(init.InitDesc('fc_weight_quantize'), arr)
    x = arr.asnumpy()
    assert x.dtype == np.int8 and x.min() >= -127 and x.max() < 127 and np.any(x != 0)
    arr = mx.nd.ones((5,), dtype='int8')
    init.Uniform()(init.InitDesc('fc_bias_quantize'), arr)
    np.testing.assert_array_equal(arr.asnumpy(), 0)


# --------------------------------------------------------------------------- seeding
def test_seed_makes_initialization_reproducible():
    inits = [init.Uniform(), init.Normal(), init.Xavier(), init.MSRAPrelu(), init.Orthogonal()]
    mx.random.seed(42)
    a = [_apply(i, 'w_weight', (6, 5)).asnumpy() for i in inits]
    mx.random.seed(42)
    b = [_apply(i, 'w_weight', (6, 5)).asnumpy() for i in inits]
    mx.random.seed(43)
    c = [_apply(i, 'w_weight', (6, 5)).asnumpy() for i in inits]
    for x, y, z in zip(a, b, c):
        np.testing.assert_array_equal(x, y)
        assert not np.array_equal(x, z)
    # consecutive draws differ
    mx.random.seed(42)
    d1 = _apply(init.Uniform(), 'w_weight', (6, 5)).asnumpy()
    d2 = _apply(init.Uniform(), 'w_weight', (6, 5)).asnumpy()
    assert not np.array_equal(d1, d2)


# --------------------------------------------------------------------------- create / dumps
def test_registered_names_as_mxnet():
    expected = {'bilinear': init.Bilinear, 'constant': init.Constant, 'lstmbias': init.LSTMBias,
                'msraprelu': init.MSRAPrelu, 'normal': init.Normal, 'one': init.One,
                'ones': init.One, 'orthogonal': init.Orthogonal, 'uniform': init.Uniform,
                'xavier': init.Xavier, 'zero': init.Zero, 'zeros': init.Zero}
    for name, klass in expected.items():
        args = (0.5,) if klass is init.Constant else ()
        assert type(init.create(name, *args)) is klass
        assert type(init.create(name.upper(), *args)) is klass


def test_create_forms():
    x = init.Xavier()
    assert init.create(x) is x
    u = init.create('uniform', 0.3)
    assert isinstance(u, init.Uniform) and u.scale == 0.3
    u = init.create('uniform', scale=0.2)
    assert u.scale == 0.2
    n = init.create('["normal", {"sigma": 0.5}]')
    assert isinstance(n, init.Normal) and n.sigma == 0.5
    x2 = init.create('["xavier", {"magnitude": 2}]')
    assert x2.magnitude == 2.0 and x2.factor_type == 'avg'
    c = init.create({'initializer': 'constant', 'value': 4})
    assert isinstance(c, init.Constant) and c.value == 4
    with pytest.raises(DistGluError, match='foo is not registered'):
        init.create('foo')
    with pytest.raises(DistGluError, match='already an instance'):
        init.create(x, 3)
    with pytest.raises(DistGluError, match='must be an Initializer'):
        init.create(3)


def test_dumps_as_mxnet():
    # strings recorded with mxnet 1.9.1
    assert init.Xavier().dumps() == \
        '["xavier", {"rnd_type": "uniform", "factor_type": "avg", "magnitude": 3}]'
    assert init.Normal(0.5).dumps() == '["normal", {"sigma": 0.5}]'
    assert init.Zero().dumps() == '["zero", {}]'
    assert init.Orthogonal().dumps() == '["orthogonal", {"scale": 1.414, "rand_type": "uniform"}]'
    assert init.LSTMBias().dumps() == '["lstmbias", {"forget_bias": 1.0}]'
    assert init.Bilinear().dumps() == '["bilinear", {}]'
    assert init.Constant(mx.nd.array([1, 2])).dumps() == '["constant", {"value": [1.0, 2.0]}]'
    for i in (init.Xavier(rnd_type='gaussian', magnitude=2.34), init.Uniform(0.1),
              init.MSRAPrelu(slope=0.1), init.Constant(np.array([1.5, 2.5]))):
        j = init.create(i.dumps())
        assert type(j) is type(i) and j.dumps() == i.dumps()


def test_equality():
    assert init.Uniform() == init.Uniform(0.07)
    assert init.Uniform() != init.Uniform(0.1)
    assert init.Xavier() != init.MSRAPrelu()
    assert repr(init.Normal(0.5)) == 'Normal(sigma=0.5)'


# --------------------------------------------------------------------------- custom / Mixed
class _HalfInit(init.Initializer):
    def __init__(self, value=0.5):
        super(_HalfInit, self).__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        arr._data[...] = self.value

    def _init_bias(self, _, arr):
        arr._data[...] = -1


def test_custom_subclass_register_create_and_mixed():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        init.register(_HalfInit)
        init.alias('half', 'halfinit2')(_HalfInit)
    for name in ('_halfinit', 'half', 'HalfInit2'):
        h = init.create(name)
        assert isinstance(h, _HalfInit)
        np.testing.assert_array_equal(_apply(h, 'fc_weight', (2,)).asnumpy(), [0.5, 0.5])
        np.testing.assert_array_equal(_apply(h, 'fc_bias', (2,)).asnumpy(), [-1, -1])
    h = init.create('["half", {"value": 3.0}]')
    np.testing.assert_array_equal(_apply(h, 'fc_weight', (2,)).asnumpy(), [3, 3])
    # as a parameter's own init, by dumped string: _init_weight whatever the name
    arr = _apply(init.Zero(), 'fc_bias', (2,), attrs={'__init__': _HalfInit(2.0).dumps()})
    np.testing.assert_array_equal(arr.asnumpy(), [2, 2])
    # through Mixed
    mixed = init.Mixed(['.*bias', '.*'], [init.Zero(), _HalfInit(0.25)])
    np.testing.assert_array_equal(_apply(mixed, 'fc_bias', (2,)).asnumpy(), [0, 0])
    np.testing.assert_array_equal(_apply(mixed, 'fc_weight', (2,)).asnumpy(), [0.25, 0.25])


def test_register_rejects_non_initializers_and_warns_on_override():
    with pytest.raises(DistGluError, match='subclasses of Initializer'):
        init.register(object)

    class Uniform(init.Initializer):  # same name as a built-in
        def _init_weight(self, _, arr):
            arr._data[...] = 9
    with pytest.warns(UserWarning, match='overriding existing initializer'):
        init.register(Uniform)
    try:
        assert type(init.create('uniform')) is Uniform
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            init.register(init.Uniform)
    assert type(init.create('uniform')) is init.Uniform


@pytest.mark.skipif(not _HAS_SETITEM, reason='NDArray.__setitem__ not available yet')
def test_custom_subclass_writing_with_setitem():
    class Tenth(init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 0.1

        def _init_bias(self, _, arr):
            arr[:] = 1
    np.testing.assert_allclose(_apply(Tenth(), 'fc_weight', (2, 2)).asnumpy(), 0.1)
    np.testing.assert_array_equal(_apply(Tenth(), 'fc_bias', (3,)).asnumpy(), 1)


def test_base_initializer_weight_is_abstract():
    with pytest.raises(NotImplementedError):
        _apply(init.Initializer(), 'fc_weight', (2,))


def test_mixed_first_match_wins_and_error():
    mixed = init.Mixed(['fc.*', '.*weight'], [init.One(), init.Constant(3)])
    np.testing.assert_array_equal(_apply(mixed, 'fc_weight', (2,)).asnumpy(), [1, 1])
    np.testing.assert_array_equal(_apply(mixed, 'conv_weight', (2,)).asnumpy(), [3, 3])
    # re.match: anchored at the start
    with pytest.raises(ValueError, match=r'Parameter name x_fc_bias did not match any pattern'):
        _apply(mixed, 'x_fc_bias', (2,))
    with pytest.raises(DistGluError, match='2 patterns but 1 initializers'):
        init.Mixed(['a', 'b'], [init.One()])


def test_mixed_as_gluon_default_init():
    # Gluon passes the default init itself as '__init__' when a parameter has no own init:
    # the matched initializer then fills the parameter with its _init_weight
    mixed = init.Mixed(['.*bias', '.*'], [init.Constant(2), init.Xavier()])
    data = mx.nd.full((3,), 9.0)
    init.create(mixed)(init.InitDesc('fc_bias', {'__init__': mixed}), data)
    np.testing.assert_array_equal(data.asnumpy(), [2, 2, 2])
    w = mx.nd.zeros((4, 4))
    mixed(init.InitDesc('fc_weight', {'__init__': mixed}), w)
    assert 0 < np.abs(w.asnumpy()).max() <= math.sqrt(3.0 / 4)
    # a parameter's own init still wins over the Mixed default
    data = mx.nd.full((3,), 9.0)
    mixed(init.InitDesc('fc_bias', {'__init__': 'ones'}), data)
    np.testing.assert_array_equal(data.asnumpy(), 1)
    # Mixed as a parameter's own init under another global init
    data = mx.nd.full((3,), 9.0)
    init.Uniform()(init.InitDesc('fc_bias', {'__init__': mixed}), data)
    np.testing.assert_array_equal(data.asnumpy(), 2)
    # ... also in its dumped form, which round-trips through create
    data = mx.nd.full((3,), 9.0)
    init.Uniform()(init.InitDesc('fc_bias', {'__init__': mixed.dumps()}), data)
    np.testing.assert_array_equal(data.asnumpy(), [2, 2, 2])
    m3 = init.create(mixed.dumps())
    assert [p.pattern for p, _ in m3.map] == ['.*bias', '.*']
    assert [i for _, i in m3.map] == [init.Constant(2), init.Xavier()]


def test_mixed_by_name_applies_the_name_rules():
    # MXNet's module way (no '__init__'): the matched initializer applies its name rules,
    # so even Constant(2) zeroes a *_bias
    mixed = init.Mixed(['.*bias', '.*'], [init.Constant(2), init.Xavier()])
    np.testing.assert_array_equal(_apply(mixed, 'fc_bias', (3,)).asnumpy(), 0)
    np.testing.assert_array_equal(_apply(mixed, 'bn_gamma', (3,)).asnumpy(), 1)


# --------------------------------------------------------------------------- Load
def test_load_from_dict():
    src = {'arg:fc_weight': mx.nd.array([[1, 2], [3, 4]]),
           'aux:bn_running_mean': mx.nd.array([5, 6]), 'other': np.array([7.0, 8.0])}
    ld = init.Load(src, default_init=init.One())
    a = mx.nd.zeros((2, 2))
    ld(init.InitDesc('fc_weight'), a)
    np.testing.assert_array_equal(a.asnumpy(), [[1, 2], [3, 4]])
    b = mx.nd.zeros((2,))
    ld('bn_running_mean', b)
    np.testing.assert_array_equal(b.asnumpy(), [5, 6])
    c = mx.nd.zeros((2,))
    ld(init.InitDesc('other'), c)
    np.testing.assert_array_equal(c.asnumpy(), [7, 8])
    d = mx.nd.zeros((2,))
    ld(init.InitDesc('missing_weight'), d)   # default init
    np.testing.assert_array_equal(d.asnumpy(), [1, 1])
    # Gluon way: Load as the parameter's initializer; misses go to default's _init_weight
    e = mx.nd.full((2,), 3.0)
    ld(init.InitDesc('missing_bias', {'__init__': ld}), e)
    np.testing.assert_array_equal(e.asnumpy(), [1, 1])
    f = mx.nd.zeros((2, 2))
    init.Zero()(init.InitDesc('fc_weight', {'__init__': ld}), f)
    np.testing.assert_array_equal(f.asnumpy(), [[1, 2], [3, 4]])
    with pytest.raises(DistGluError, match=r'Shape mismatch, target \(3,\) vs loaded \(2, 2\)'):
        ld(init.InitDesc('fc_weight'), mx.nd.zeros((3,)))
    with pytest.raises(DistGluError, match='Not found in loaded param and no default'):
        init.Load(src)(init.InitDesc('nope'), mx.nd.zeros((2,)))
    with pytest.raises(DistGluError, match='expected a dict'):
        init.Load([1, 2])


def test_load_from_file(tmp_path):
    fname = str(tmp_path / 'p.params')
    try:
        mx.nd.save(fname, {'arg:w': mx.nd.array([[1.5, 2.5]])})
    except Exception as err:  # nd.save is another module's; report, don't mask
        pytest.fail('nd.save failed: %s' % err)
    a = mx.nd.zeros((1, 2))
    init.Load(fname)(init.InitDesc('w'), a)
    np.testing.assert_array_equal(a.asnumpy(), [[1.5, 2.5]])


# --------------------------------------------------------------------------- verbosity / GPU
def test_set_verbosity_logs(caplog):
    u = init.One().set_verbosity(True)
    with caplog.at_level(logging.INFO):
        u(init.InitDesc('fc_weight'), mx.nd.zeros((4,)))
    assert 'Initialized fc_weight as weight: 1.0' in caplog.text


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_initializers_on_gpu():
    ctx = mx.gpu(0)
    mx.random.seed(9)
    for ini, shape in ((init.Xavier(), (8, 4, 3, 3)), (init.Orthogonal(), (6, 10)),
                       (init.Bilinear(), (1, 1, 4, 4)), (init.LSTMBias(), (8,)),
                       (init.Constant(np.arange(3.0)), (2, 3)), (init.Normal(), (50, 50))):
        arr = _apply(ini, 'w_weight', shape, ctx=ctx)
        assert arr.context == ctx and arr.shape == shape and arr.dtype == np.float32
        cpu = _apply(ini, 'w_weight', shape)
        if isinstance(ini, (init.Bilinear, init.LSTMBias, init.Constant)):
            np.testing.assert_array_equal(arr.asnumpy(), cpu.asnumpy())
    o = _apply(init.Orthogonal(scale=1.0), 'w_weight', (6, 10), ctx=ctx).asnumpy()
    np.testing.assert_allclose(o @ o.T, np.eye(6), atol=1e-5)
    mx.random.seed(9)
    a = _apply(init.Uniform(), 'w_weight', (5, 5), ctx=ctx).asnumpy()
    mx.random.seed(9)
    b = _apply(init.Uniform(), 'w_weight', (5, 5), ctx=ctx).asnumpy()
    np.testing.assert_array_equal(a, b)
