"""gluon.nn convolution, pooling and padding layers (MXNet 1.x ``conv_layers``).

Forward results are checked against plain NumPy references (loops over output
positions) and against values recorded from MXNet 1.9.1; printed forms, names and
parameter shapes against MXNet 1.9.1; gradients against central differences.
"""
import itertools

import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.gluon import nn
from distglu.test_utils import check_numeric_gradient


# ----------------------------------------------------------------------------- references

def _windows(out_sp):
    return itertools.product(*[range(o) for o in out_sp])


def np_conv(x, w, b=None, stride=1, pad=0, dilate=1, groups=1):
    """Channel-first N-d convolution (cross-correlation), one output position at a time."""
    nsp = x.ndim - 2
    s, p, d = [(v,) * nsp if np.isscalar(v) else tuple(v) for v in (stride, pad, dilate)]
    k = w.shape[2:]
    xp = np.pad(x, [(0, 0), (0, 0)] + [(pi, pi) for pi in p])
    out_sp = [(xp.shape[2 + i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(nsp)]
    n, f = x.shape[0], w.shape[0]
    cg, fg = x.shape[1] // groups, f // groups
    y = np.zeros((n, f) + tuple(out_sp), dtype=np.float64)
    for o in _windows(out_sp):
        win = xp[(slice(None), slice(None)) + tuple(
            slice(o[i] * s[i], o[i] * s[i] + d[i] * (k[i] - 1) + 1, d[i]) for i in range(nsp))]
        for g in range(groups):
            y[(slice(None), slice(g * fg, (g + 1) * fg)) + o] = np.tensordot(
                win[:, g * cg:(g + 1) * cg], w[g * fg:(g + 1) * fg],
                axes=(list(range(1, nsp + 2)), list(range(1, nsp + 2))))
    if b is not None:
        y += b.reshape((1, f) + (1,) * nsp)
    return y


def np_conv_transpose(x, w, b=None, stride=1, pad=0, adj=0, dilate=1, groups=1):
    """Channel-first transposed convolution: scatter every input position's contribution."""
    nsp = x.ndim - 2
    s, p, a, d = [(v,) * nsp if np.isscalar(v) else tuple(v)
                  for v in (stride, pad, adj, dilate)]
    k = w.shape[2:]
    n, c = x.shape[:2]
    cg, fg = c // groups, w.shape[1]
    f = fg * groups
    full = [(x.shape[2 + i] - 1) * s[i] + d[i] * (k[i] - 1) + 1 + a[i] for i in range(nsp)]
    y = np.zeros((n, f) + tuple(full))
    for i in _windows(x.shape[2:]):
        dst = (slice(None),) + tuple(slice(i[j] * s[j], i[j] * s[j] + d[j] * (k[j] - 1) + 1,
                                           d[j]) for j in range(nsp))
        for g in range(groups):
            contrib = np.tensordot(x[(slice(None), slice(g * cg, (g + 1) * cg)) + i],
                                   w[g * cg:(g + 1) * cg], axes=(1, 0))   # (n, fg, *k)
            y[(slice(None), slice(g * fg, (g + 1) * fg)) + dst[1:]] += contrib
    out = [full[i] - 2 * p[i] for i in range(nsp)]
    y = y[(slice(None), slice(None)) + tuple(slice(p[i], p[i] + out[i]) for i in range(nsp))]
    if b is not None:
        y = y + b.reshape((1, f) + (1,) * nsp)
    return y


def np_pool(x, kernel, stride, pad, kind, ceil=False, include_pad=True, global_pool=False):
    nsp = x.ndim - 2
    if global_pool:
        axes = tuple(range(2, x.ndim))
        return x.max(axis=axes, keepdims=True) if kind == 'max' else \
            x.mean(axis=axes, keepdims=True)
    sp = x.shape[2:]
    out_sp = []
    for i in range(nsp):
        span = sp[i] + 2 * pad[i] - kernel[i]
        out_sp.append((-(-span // stride[i]) if ceil else span // stride[i]) + 1)
    y = np.zeros(x.shape[:2] + tuple(out_sp))
    for o in _windows(out_sp):
        lo = [o[i] * stride[i] - pad[i] for i in range(nsp)]
        hi = [lo[i] + kernel[i] for i in range(nsp)]
        sl = tuple(slice(max(lo[i], 0), min(hi[i], sp[i])) for i in range(nsp))
        win = x[(slice(None), slice(None)) + sl]
        if kind == 'max':
            y[(slice(None), slice(None)) + o] = win.max(axis=tuple(range(2, x.ndim)))
        else:
            if include_pad:
                count = np.prod([min(hi[i], sp[i] + pad[i]) - lo[i] for i in range(nsp)])
            else:
                count = np.prod([sl[i].stop - sl[i].start for i in range(nsp)])
            y[(slice(None), slice(None)) + o] = win.sum(axis=tuple(range(2, x.ndim))) / count
    return y


def _set_params(block, rng, **fixed):
    """Give every parameter of ``block`` random values (after deferred init)."""
    vals = {}
    for name, p in block.collect_params().items():
        key = name[len(block.prefix):]
        v = fixed.get(key)
        if v is None:
            v = rng.uniform(-1, 1, size=p.shape)
        p.set_data(nd.array(v, dtype=p.dtype))
        vals[key] = np.asarray(v, dtype=np.float64)
    return vals


def _init_run(block, x):
    block.initialize()
    block(nd.array(x))
    return block


# ----------------------------------------------------------------------------- printing

def test_repr_names_and_shapes_match_mxnet():
    # strings and shapes printed by MXNet 1.9.1 for the same constructions
    cases = [
        (lambda: nn.Conv2D(8, 3), 'Conv2D(None -> 8, kernel_size=(3, 3), stride=(1, 1))',
         'conv0_', [(8, 0, 3, 3), (8,)]),
        (lambda: nn.Conv2D(8, 3, in_channels=4),
         'Conv2D(4 -> 8, kernel_size=(3, 3), stride=(1, 1))', 'conv1_', [(8, 4, 3, 3), (8,)]),
        (lambda: nn.Conv1D(4, 3, strides=2, padding=1, dilation=2, groups=2,
                           activation='relu', use_bias=False),
         'Conv1D(None -> 4, kernel_size=(3,), stride=(2,), padding=(1,), dilation=(2,), '
         'groups=2, bias=False, Activation(relu))', 'conv2_', [(4, 0, 3)]),
        (lambda: nn.Conv3D(6, (1, 2, 3), padding=(0, 1, 0), groups=3, in_channels=6),
         'Conv3D(2 -> 6, kernel_size=(1, 2, 3), stride=(1, 1, 1), padding=(0, 1, 0), '
         'groups=3)', 'conv3_', [(6, 2, 1, 2, 3), (6,)]),
        # MXNet prints transposed convolutions from the weight (in, out/groups, ...) as
        # "shape[1] -> shape[0]", and never prints output_padding
        (lambda: nn.Conv2DTranspose(8, 3, strides=2, padding=1, output_padding=1),
         'Conv2DTranspose(8 -> 0, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))',
         'conv4_', [(0, 8, 3, 3), (8,)]),
        (lambda: nn.Conv2DTranspose(8, 3, in_channels=4, groups=2),
         'Conv2DTranspose(4 -> 4, kernel_size=(3, 3), stride=(1, 1), groups=2)', 'conv5_',
         [(4, 4, 3, 3), (8,)]),
        (lambda: nn.Conv1DTranspose(4, 2), 'Conv1DTranspose(4 -> 0, kernel_size=(2,), '
         'stride=(1,))', 'conv6_', [(0, 4, 2), (4,)]),
        (lambda: nn.Conv3DTranspose(4, 2, in_channels=2),
         'Conv3DTranspose(4 -> 2, kernel_size=(2, 2, 2), stride=(1, 1, 1))', 'conv7_',
         [(2, 4, 2, 2, 2), (4,)]),
        (lambda: nn.Conv2D(8, 3, layout='NHWC'),
         'Conv2D(3 -> 8, kernel_size=(3, 3), stride=(1, 1))', 'conv8_', [(8, 3, 3, 0), (8,)]),
        (lambda: nn.Conv2D(8, 3, layout='NHWC', in_channels=4, groups=2),
         'Conv2D(3 -> 8, kernel_size=(3, 3), stride=(1, 1), groups=2)', 'conv9_',
         [(8, 3, 3, 2), (8,)]),
        (lambda: nn.Conv2DTranspose(8, 3, layout='NHWC', in_channels=4),
         'Conv2DTranspose(3 -> 4, kernel_size=(3, 3), stride=(1, 1))', 'conv10_',
         [(4, 3, 3, 8), (8,)]),
        (lambda: nn.MaxPool1D(), 'MaxPool1D(size=(2,), stride=(2,), padding=(0,), '
         'ceil_mode=False, global_pool=False, pool_type=max, layout=NCW)', 'pool0_', []),
        (lambda: nn.MaxPool2D(), 'MaxPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), '
         'ceil_mode=False, global_pool=False, pool_type=max, layout=NCHW)', 'pool1_', []),
        (lambda: nn.MaxPool3D(), 'MaxPool3D(size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 0, '
         '0), ceil_mode=False, global_pool=False, pool_type=max, layout=NCDHW)', 'pool2_', []),
        (lambda: nn.MaxPool2D(3, 2, 1, ceil_mode=True), 'MaxPool2D(size=(3, 3), '
         'stride=(2, 2), padding=(1, 1), ceil_mode=True, global_pool=False, pool_type=max, '
         'layout=NCHW)', 'pool3_', []),
        (lambda: nn.AvgPool2D(), 'AvgPool2D(size=(2, 2), stride=(2, 2), padding=(0, 0), '
         'ceil_mode=False, global_pool=False, pool_type=avg, layout=NCHW)', 'pool4_', []),
        (lambda: nn.AvgPool1D(3, padding=1, count_include_pad=False), 'AvgPool1D(size=(3,), '
         'stride=(3,), padding=(1,), ceil_mode=False, global_pool=False, pool_type=avg, '
         'layout=NCW)', 'pool5_', []),
        (lambda: nn.AvgPool3D(strides=1), 'AvgPool3D(size=(2, 2, 2), stride=(1, 1, 1), '
         'padding=(0, 0, 0), ceil_mode=False, global_pool=False, pool_type=avg, '
         'layout=NCDHW)', 'pool6_', []),
        (lambda: nn.GlobalMaxPool1D(), 'GlobalMaxPool1D(size=(1,), stride=(1,), padding=(0,), '
         'ceil_mode=True, global_pool=True, pool_type=max, layout=NCW)', 'pool7_', []),
        (lambda: nn.GlobalMaxPool2D(), 'GlobalMaxPool2D(size=(1, 1), stride=(1, 1), '
         'padding=(0, 0), ceil_mode=True, global_pool=True, pool_type=max, layout=NCHW)',
         'pool8_', []),
        (lambda: nn.GlobalMaxPool3D(), 'GlobalMaxPool3D(size=(1, 1, 1), stride=(1, 1, 1), '
         'padding=(0, 0, 0), ceil_mode=True, global_pool=True, pool_type=max, '
         'layout=NCDHW)', 'pool9_', []),
        (lambda: nn.GlobalAvgPool1D(), 'GlobalAvgPool1D(size=(1,), stride=(1,), padding=(0,), '
         'ceil_mode=True, global_pool=True, pool_type=avg, layout=NCW)', 'pool10_', []),
        (lambda: nn.GlobalAvgPool2D(), 'GlobalAvgPool2D(size=(1, 1), stride=(1, 1), '
         'padding=(0, 0), ceil_mode=True, global_pool=True, pool_type=avg, layout=NCHW)',
         'pool11_', []),
        (lambda: nn.GlobalAvgPool3D(), 'GlobalAvgPool3D(size=(1, 1, 1), stride=(1, 1, 1), '
         'padding=(0, 0, 0), ceil_mode=True, global_pool=True, pool_type=avg, '
         'layout=NCDHW)', 'pool12_', []),
        (lambda: nn.MaxPool2D(layout='NHWC'), 'MaxPool2D(size=(2, 2), stride=(2, 2), '
         'padding=(0, 0), ceil_mode=False, global_pool=False, pool_type=max, layout=NHWC)',
         'pool13_', []),
        (lambda: nn.ReflectionPad2D(2), 'ReflectionPad2D(\n\n)', 'reflectionpad2d0_', []),
    ]
    outer = nn.HybridSequential(prefix='net_')
    with outer.name_scope():
        for make, text, prefix, shapes in cases:
            block = make()
            assert repr(block) == text
            assert block.prefix == 'net_' + prefix
            params = list(block.params.values())
            assert [p.shape for p in params] == shapes
            names = [p.name[len(block.prefix):] for p in params]
            assert names == ['weight', 'bias'][:len(shapes)]
            if shapes:
                assert params[0].init is None
                if len(shapes) == 2:
                    assert params[1].init == 'zeros'


def test_default_prefix_outside_a_scope():
    c = nn.Conv2D(2, 3)
    p = nn.MaxPool2D()
    assert c.prefix.startswith('conv') and c.prefix.endswith('_')
    assert c.weight.name == c.prefix + 'weight'
    assert p.prefix.startswith('pool') and p.name == p.prefix[:-1]


def test_int_or_tuple_expansion_and_kwargs():
    c = nn.Conv3D(4, 3, strides=2, padding=1, dilation=2)
    assert c._kwargs == {'kernel': (3, 3, 3), 'stride': (2, 2, 2), 'dilate': (2, 2, 2),
                         'pad': (1, 1, 1), 'num_filter': 4, 'num_group': 1,
                         'no_bias': False, 'layout': 'NCDHW'}
    t = nn.Conv2DTranspose(4, (3, 2), output_padding=1)
    assert t._kwargs['adj'] == (1, 1) and t.outpad == (1, 1)
    assert t._kwargs['kernel'] == (3, 2)
    m = nn.MaxPool2D(pool_size=3)
    assert m._kwargs['kernel'] == (3, 3) and m._kwargs['stride'] == (3, 3)   # strides=pool
    assert m._kwargs['pooling_convention'] == 'valid'
    assert nn.MaxPool1D(ceil_mode=True)._kwargs['pooling_convention'] == 'full'
    assert nn.AvgPool2D()._kwargs['count_include_pad'] is True
    assert 'count_include_pad' not in nn.MaxPool2D()._kwargs
    # a list is kept as given (MXNet prints it as given)
    assert 'stride=[2, 1]' in repr(nn.MaxPool2D((2, 2), strides=[2, 1]))


# ----------------------------------------------------------------------------- deferred init

def test_deferred_in_channels_shapes_before_and_after_first_call():
    c = nn.Conv2D(8, 3, groups=2)
    c.initialize()
    assert c.weight.shape == (8, 0, 3, 3)
    assert repr(c) == 'Conv2D(None -> 8, kernel_size=(3, 3), stride=(1, 1), groups=2)'
    with pytest.raises(gluon.parameter.DeferredInitializationError):
        c.weight.data()
    y = c(nd.ones((2, 4, 6, 6)))
    assert y.shape == (2, 8, 4, 4)
    assert c.weight.shape == (8, 2, 3, 3) and c.weight.data().shape == (8, 2, 3, 3)
    assert c.weight.data().dtype == np.float32
    assert repr(c) == 'Conv2D(2 -> 8, kernel_size=(3, 3), stride=(1, 1), groups=2)'

    t = nn.Conv2DTranspose(8, 3, strides=2, padding=1, output_padding=1)
    t.initialize()
    assert t(nd.ones((2, 4, 6, 6))).shape == (2, 8, 12, 12)
    assert t.weight.shape == (4, 8, 3, 3)
    assert repr(t) == ('Conv2DTranspose(8 -> 4, kernel_size=(3, 3), stride=(2, 2), '
                       'padding=(1, 1))')

    h = nn.Conv2D(8, 3, layout='NHWC')
    h.initialize()
    assert h(nd.ones((2, 6, 6, 4))).shape == (2, 4, 4, 8)
    assert h.weight.shape == (8, 3, 3, 4)

    g = nn.Conv2DTranspose(6, 2, groups=3)          # (MXNet 1.9.1 refuses this one)
    g.initialize()
    assert g(nd.ones((1, 3, 2, 2))).shape == (1, 6, 3, 3)
    assert g.weight.shape == (3, 2, 2, 2)


def test_deferred_init_inside_a_network():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1, activation='relu'), nn.MaxPool2D(),
                nn.Conv2D(6, 3), nn.GlobalAvgPool2D(), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    out = net(nd.ones((2, 3, 8, 8)))
    assert out.shape == (2, 3)
    shapes = [p.shape for p in net.collect_params().values()]
    assert shapes == [(4, 3, 3, 3), (4,), (6, 4, 3, 3), (6,), (3, 6), (3,)]


# ----------------------------------------------------------------------------- forward

@pytest.mark.parametrize('make, shape, opts', [
    (lambda: nn.Conv1D(4, 3, strides=2, padding=1, dilation=2, groups=2), (2, 4, 9),
     dict(stride=2, pad=1, dilate=2, groups=2)),
    (lambda: nn.Conv2D(6, (3, 2), strides=(2, 1), padding=(1, 0), groups=3,
                       use_bias=False), (2, 3, 7, 6),
     dict(stride=(2, 1), pad=(1, 0), groups=3)),
    (lambda: nn.Conv2D(5, 3, padding=1, dilation=(1, 2), in_channels=2), (2, 2, 6, 7),
     dict(pad=1, dilate=(1, 2))),
    (lambda: nn.Conv3D(4, 2, strides=2, padding=1), (1, 2, 5, 4, 4), dict(stride=2, pad=1)),
])
def test_conv_forward_matches_numpy(make, shape, opts, rng):
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    c = _init_run(make(), x)
    v = _set_params(c, rng)
    y = c(nd.array(x))
    assert y.dtype == np.float32
    ref = np_conv(x.astype(np.float64), v['weight'], v.get('bias'), **opts)
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-5)


def test_conv_activation_is_applied(rng):
    x = rng.uniform(-1, 1, size=(2, 3, 5, 5)).astype(np.float32)
    c = _init_run(nn.Conv2D(4, 3, activation='tanh'), x)
    v = _set_params(c, rng)
    assert c.act.prefix.endswith('tanh_')
    ref = np.tanh(np_conv(x.astype(np.float64), v['weight'], v['bias']))
    np.testing.assert_allclose(c(nd.array(x)).asnumpy(), ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('make, shape, opts', [
    (lambda: nn.Conv1DTranspose(3, 3, strides=2, padding=1, output_padding=1), (2, 4, 5),
     dict(stride=2, pad=1, adj=1)),
    (lambda: nn.Conv2DTranspose(4, 3, strides=2, padding=1, output_padding=1, groups=2,
                                in_channels=4), (2, 4, 4, 5),
     dict(stride=2, pad=1, adj=1, groups=2)),
    (lambda: nn.Conv2DTranspose(2, (2, 3), strides=(1, 2), dilation=(2, 1),
                                use_bias=False), (1, 3, 3, 4),
     dict(stride=(1, 2), dilate=(2, 1))),
    (lambda: nn.Conv3DTranspose(2, 2, strides=2), (1, 3, 2, 3, 2), dict(stride=2)),
])
def test_conv_transpose_forward_matches_numpy(make, shape, opts, rng):
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    c = _init_run(make(), x)
    v = _set_params(c, rng)
    y = c(nd.array(x))
    ref = np_conv_transpose(x.astype(np.float64), v['weight'], v.get('bias'), **opts)
    assert y.shape == ref.shape
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-5)


def _sin(shape, k):
    return np.sin(np.arange(np.prod(shape)) * k).reshape(shape).astype(np.float32)


def test_conv_values_recorded_from_mxnet():
    c = nn.Conv2D(4, (3, 2), strides=(2, 1), padding=(1, 0), groups=2, activation='relu')
    c.initialize()
    x = nd.array(_sin((1, 2, 5, 4), 0.7))
    c(x)
    c.weight.set_data(_sin(c.weight.shape, 1.3))
    c.bias.set_data(nd.array([0.1, -0.2, 0.3, 0.0]))
    expected = [[[[0.0, 0.0, 0.572967], [0.0, 0.0, 0.0], [0.327836, 0.0, 0.0]],
                 [[0.0, 0.0, 0.0], [1.206285, 0.0, 0.0], [2.036777, 0.487781, 0.0]],
                 [[0.0, 0.0, 0.0], [1.027527, 0.0, 0.0], [1.468597, 1.288905, 0.644116]],
                 [[2.713232, 1.811774, 0.058211], [3.647508, 3.922477, 2.352644],
                  [1.393312, 2.643247, 2.650022]]]]
    np.testing.assert_allclose(c(x).asnumpy(), expected, rtol=1e-5, atol=1e-5)

    t = nn.Conv2DTranspose(2, 3, strides=2, padding=1, output_padding=1)
    t.initialize()
    x = nd.array(_sin((1, 2, 2, 3), 0.9))
    t(x)
    t.weight.set_data(_sin(t.weight.shape, 0.4))
    t.bias.set_data(nd.array([0.5, -0.5]))
    expected = [[[[0.047997, 1.072219, 1.292828, 2.801957, 1.937662, 1.562418],
                  [2.025605, 3.25913, 0.97983, 0.686952, -0.429071, -1.367771],
                  [1.494503, 1.044544, 0.298723, -1.112632, -0.744734, -0.490846],
                  [0.115527, -0.698598, 0.12756, -0.395856, 0.421448, 0.935823]],
                 [[-0.372027, -1.468247, -1.194818, -2.386569, -1.491785, -0.931016],
                  [-2.437066, -2.887611, -0.462895, 1.064901, 1.483196, 2.074098],
                  [-1.038189, -0.32556, -0.177302, 1.09404, 0.439373, 0.011158],
                  [0.383103, 1.039606, -0.197499, -0.308165, -1.007028, -1.436249]]]]
    np.testing.assert_allclose(t(x).asnumpy(), expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('make, shape, ref', [
    (lambda: nn.MaxPool1D(3, 2, 1), (2, 3, 8), dict(kernel=(3,), stride=(2,), pad=(1,),
                                                     kind='max')),
    (lambda: nn.MaxPool2D(3, 2, 1, ceil_mode=True), (2, 3, 8, 7),
     dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), kind='max', ceil=True)),
    (lambda: nn.MaxPool2D(), (2, 3, 7, 6), dict(kernel=(2, 2), stride=(2, 2), pad=(0, 0),
                                                 kind='max')),
    (lambda: nn.MaxPool3D(), (1, 2, 4, 4, 5), dict(kernel=(2, 2, 2), stride=(2, 2, 2),
                                                    pad=(0, 0, 0), kind='max')),
    (lambda: nn.AvgPool1D(3, 2, 1), (2, 3, 8), dict(kernel=(3,), stride=(2,), pad=(1,),
                                                     kind='avg')),
    (lambda: nn.AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False), (2, 3, 8, 7),
     dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), kind='avg', ceil=True,
          include_pad=False)),
    (lambda: nn.AvgPool2D(3, 2, 1, ceil_mode=True), (2, 3, 8, 7),
     dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), kind='avg', ceil=True)),
    (lambda: nn.AvgPool3D(2, 1, 1, count_include_pad=False), (1, 2, 3, 4, 3),
     dict(kernel=(2, 2, 2), stride=(1, 1, 1), pad=(1, 1, 1), kind='avg', include_pad=False)),
    (lambda: nn.GlobalMaxPool1D(), (2, 3, 5), dict(kind='max', global_pool=True)),
    (lambda: nn.GlobalMaxPool2D(), (2, 3, 5, 4), dict(kind='max', global_pool=True)),
    (lambda: nn.GlobalMaxPool3D(), (2, 3, 2, 5, 4), dict(kind='max', global_pool=True)),
    (lambda: nn.GlobalAvgPool1D(), (2, 3, 5), dict(kind='avg', global_pool=True)),
    (lambda: nn.GlobalAvgPool2D(), (2, 3, 5, 4), dict(kind='avg', global_pool=True)),
    (lambda: nn.GlobalAvgPool3D(), (2, 3, 2, 5, 4), dict(kind='avg', global_pool=True)),
])
def test_pooling_forward_matches_numpy(make, shape, ref, rng):
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    y = make()(nd.array(x))
    assert y.dtype == np.float32
    kw = dict(kernel=None, stride=None, pad=None)
    kw.update(ref)
    expected = np_pool(x.astype(np.float64), **kw)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_pooling_values_recorded_from_mxnet():
    x = nd.arange(20).reshape((1, 1, 5, 4))
    y = nn.AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False)(x)
    np.testing.assert_allclose(y.asnumpy(), [[[[2.5, 4.0, 5.0], [8.5, 10.0, 11.0],
                                                [14.5, 16.0, 17.0]]]])
    # with padding counted, a window reaching past the padding is divided by its part
    # inside input + padding (here 6 or 4, not 9)
    y = nn.AvgPool2D(3, 2, 1, ceil_mode=True)(x)
    np.testing.assert_allclose(y.asnumpy(), [[[[1.111111, 2.666667, 1.666667],
                                                [5.666667, 10.0, 5.5],
                                                [6.444444, 10.666666, 5.666667]]]], rtol=1e-6)
    y = nn.MaxPool2D(3, 2, 1, ceil_mode=True)(-x)
    np.testing.assert_allclose(y.asnumpy(), [[[[0.0, -1.0, -3.0], [-4.0, -5.0, -7.0],
                                                [-12.0, -13.0, -15.0]]]])
    y = nn.AvgPool1D(2, 3, ceil_mode=True)(nd.arange(8).reshape((1, 1, 8)))
    np.testing.assert_allclose(y.asnumpy(), [[[0.5, 3.5, 6.5]]])


def test_reflection_pad(rng):
    x = rng.uniform(-1, 1, size=(2, 3, 5, 4)).astype(np.float32)
    y = nn.ReflectionPad2D(2)(nd.array(x))
    np.testing.assert_array_equal(y.asnumpy(), np.pad(x, [(0, 0), (0, 0), (2, 2), (2, 2)],
                                                      mode='reflect'))
    y = nn.ReflectionPad2D((0, 0, 0, 0, 1, 2, 0, 3))(nd.array(x))
    np.testing.assert_array_equal(y.asnumpy(), np.pad(x, [(0, 0), (0, 0), (1, 2), (0, 3)],
                                                      mode='reflect'))
    xx = nd.array(x)
    xx.attach_grad()
    with autograd.record():
        y = nn.ReflectionPad2D(1)(xx)
    y.backward()
    # pixel (i, j) is copied (rows[i] * cols[j]) times: once, plus its reflections
    rows, cols = np.array([1, 2, 1, 2, 1]), np.array([1, 2, 2, 1])
    np.testing.assert_array_equal(xx.grad.asnumpy(),
                                  np.broadcast_to(np.outer(rows, cols), x.shape))


# ----------------------------------------------------------------------------- layouts

def _cl(a):
    return np.moveaxis(a, 1, -1)


@pytest.mark.parametrize('make_cf, make_cl, shape, wperm', [
    (lambda: nn.Conv2D(5, 3, padding=1, groups=1), lambda: nn.Conv2D(5, 3, padding=1,
                                                                      layout='NHWC'),
     (2, 4, 6, 5), (0, 2, 3, 1)),
    (lambda: nn.Conv2D(4, 3, strides=2, groups=2),
     lambda: nn.Conv2D(4, 3, strides=2, groups=2, layout='NHWC'), (2, 4, 7, 6), (0, 2, 3, 1)),
    (lambda: nn.Conv1D(3, 2), lambda: nn.Conv1D(3, 2, layout='NWC'), (2, 4, 6), (0, 2, 1)),
    (lambda: nn.Conv3D(3, 2), lambda: nn.Conv3D(3, 2, layout='NDHWC'), (1, 2, 3, 4, 3),
     (0, 2, 3, 4, 1)),
    (lambda: nn.Conv2DTranspose(4, 3, strides=2),
     lambda: nn.Conv2DTranspose(4, 3, strides=2, layout='NHWC'), (2, 3, 4, 5), (0, 2, 3, 1)),
    (lambda: nn.MaxPool2D(3, 2, 1), lambda: nn.MaxPool2D(3, 2, 1, layout='NHWC'),
     (2, 3, 7, 6), None),
    (lambda: nn.AvgPool2D(3, 2, 1, count_include_pad=False),
     lambda: nn.AvgPool2D(3, 2, 1, count_include_pad=False, layout='NHWC'), (2, 3, 7, 6),
     None),
    (lambda: nn.AvgPool1D(), lambda: nn.AvgPool1D(layout='NWC'), (2, 3, 7), None),
    (lambda: nn.MaxPool3D(), lambda: nn.MaxPool3D(layout='NDHWC'), (1, 2, 4, 4, 4), None),
    (lambda: nn.GlobalAvgPool2D(), lambda: nn.GlobalAvgPool2D(layout='NHWC'), (2, 3, 5, 4),
     None),
    (lambda: nn.GlobalMaxPool1D(), lambda: nn.GlobalMaxPool1D(layout='NWC'), (2, 3, 5),
     None),
])
def test_channel_last_layouts_match_channel_first(make_cf, make_cl, shape, wperm, rng):
    """Forward and gradients in NWC/NHWC/NDHWC equal channel-first ones, transposed."""
    x = rng.uniform(-1, 1, size=shape).astype(np.float32)
    cf, cl = make_cf(), make_cl()
    cf.initialize()
    cl.initialize()
    cf(nd.array(x))
    cl(nd.array(_cl(x)))
    if wperm is not None:
        w = rng.uniform(-1, 1, size=cf.weight.shape).astype(np.float32)
        cf.weight.set_data(w)
        cl.weight.set_data(np.transpose(w, wperm))
        assert cl.weight.shape == tuple(w.shape[i] for i in wperm)
        b = rng.uniform(-1, 1, size=cf.bias.shape).astype(np.float32)
        cf.bias.set_data(b)
        cl.bias.set_data(b)
    results = []
    for block, xin in ((cf, x), (cl, _cl(x))):
        xx = nd.array(xin)
        xx.attach_grad()
        with autograd.record():
            y = block(xx)
        head = rng.uniform(-1, 1, size=y.shape).astype(np.float32) if not results else \
            _cl(results[0][2])
        y.backward(nd.array(head))
        grads = [p.grad().asnumpy() for p in block.collect_params().values()]
        results.append((y.asnumpy(), xx.grad.asnumpy(), head, grads))
    np.testing.assert_allclose(results[1][0], _cl(results[0][0]), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(results[1][1], _cl(results[0][1]), rtol=1e-5, atol=1e-5)
    if wperm is not None:
        np.testing.assert_allclose(results[1][3][0], np.transpose(results[0][3][0], wperm),
                                   rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(results[1][3][1], results[0][3][1], rtol=1e-4, atol=1e-5)


# ----------------------------------------------------------------------------- errors

def test_bad_arguments_give_clear_errors():
    with pytest.raises(DistGluError, match="layout must be 'NCHW' or 'NHWC'"):
        nn.Conv2D(4, 3, layout='NCW')
    with pytest.raises(DistGluError, match="layout must be 'NCW' or 'NWC'"):
        nn.MaxPool1D(layout='NCHW')
    with pytest.raises(DistGluError, match='kernel_size must be an int or a tuple/list of 2'):
        nn.Conv2D(4, (3, 3, 3))
    with pytest.raises(DistGluError, match='strides must be'):
        nn.Conv3D(4, 3, strides=(1, 2))
    with pytest.raises(DistGluError, match='output_padding must be'):
        nn.Conv2DTranspose(4, 3, output_padding=(1, 1, 1))
    with pytest.raises(DistGluError, match='groups=3 must divide channels'):
        nn.Conv2D(4, 3, groups=3)
    with pytest.raises(DistGluError, match='groups=2 must divide'):
        nn.Conv2D(4, 3, groups=2, in_channels=3)
    with pytest.raises(DistGluError, match='padding must be an int or 8 values'):
        nn.ReflectionPad2D((1, 1))


def test_bad_inputs_give_clear_errors():
    c = nn.Conv2D(4, 3, groups=2)
    c.initialize()
    with pytest.raises(DistGluError, match='groups=2 does not divide'):
        c(nd.ones((1, 3, 5, 5)))
    with pytest.raises(DistGluError, match=r'Conv2D expects 4-D input in layout NCHW, got '
                                           r'shape \(1, 4, 5\)'):
        c(nd.ones((1, 4, 5)))
    c2 = nn.Conv2D(4, 3, in_channels=2)
    c2.initialize()
    with pytest.raises(DistGluError, match='weight has shape'):
        c2(nd.ones((1, 3, 5, 5)))
    with pytest.raises(DistGluError, match='MaxPool2D expects 4-D input'):
        nn.MaxPool2D()(nd.ones((1, 3, 5)))
    with pytest.raises(DistGluError, match='GlobalAvgPool2D expects 4-D input'):
        nn.GlobalAvgPool2D()(nd.ones((1, 3, 5)))


# ----------------------------------------------------------------------------- gradients

def test_conv_net_gradients_by_finite_differences(rng):
    """Input and parameter gradients of a float64 conv net against central differences."""
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, 3, padding=1, groups=1, activation='tanh'),
                nn.MaxPool2D(2, 1),
                nn.Conv2DTranspose(2, 3, strides=2, padding=1, output_padding=1, groups=1),
                nn.AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False),
                nn.Conv2D(2, 2, dilation=2, use_bias=False))
    net.cast('float64')
    net.initialize(mx.init.Uniform(0.5))
    x = rng.uniform(-1, 1, size=(2, 2, 5, 5))
    net(nd.array(x, dtype='float64'))
    params = list(net.collect_params().values())
    values = [p.data().asnumpy() for p in params]
    assert all(v.dtype == np.float64 for v in values)
    c1, _, t2, _, c3 = [net[i] for i in range(5)]

    def fn(xx, w1, b1, w2, b2, w3):
        h = c1.hybrid_forward(nd, xx, w1, b1)
        h = net[1](h)
        h = t2.hybrid_forward(nd, h, w2, b2)
        h = net[3](h)
        return c3.hybrid_forward(nd, h, w3)

    analytic = check_numeric_gradient(fn, [x] + values, rtol=1e-5, atol=1e-7)
    # the same gradients through the blocks' own parameters
    xx = nd.array(x, dtype='float64')
    xx.attach_grad()
    with autograd.record():
        y = net(xx)
    y.backward()
    np.testing.assert_allclose(xx.grad.asnumpy(), analytic[0], rtol=1e-10, atol=1e-12)
    for p, g in zip(params, analytic[1:]):
        np.testing.assert_allclose(p.grad().asnumpy(), g, rtol=1e-10, atol=1e-12)


def test_hybridize_gives_the_same_result(rng):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(3, 3), nn.MaxPool2D(), nn.GlobalAvgPool2D())
    net.initialize()
    x = nd.array(rng.uniform(size=(2, 2, 8, 8)))
    y0 = net(x).asnumpy()
    net.hybridize()
    np.testing.assert_array_equal(net(x).asnumpy(), y0)


# ----------------------------------------------------------------------------- training

def _bright_square_images(n, rng):
    """8x8 images of noise with a bright 2x2 square; label 1 if it is in the right half."""
    x = rng.uniform(0, 0.3, size=(n, 1, 8, 8)).astype(np.float32)
    y = rng.randint(0, 2, size=n)
    rows = rng.randint(0, 7, size=n)
    cols = rng.randint(0, 3, size=n) + 4 * y
    for i in range(n):
        x[i, 0, rows[i]:rows[i] + 2, cols[i]:cols[i] + 2] += 1.0
    return x, y.astype(np.float32)


def test_small_cnn_learns_left_or_right():
    rng = np.random.RandomState(0)
    mx.random.seed(0)
    x, y = _bright_square_images(512, rng)
    xt, yt = _bright_square_images(256, rng)
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(8, 3, padding=1), nn.BatchNorm(), nn.Activation('relu'),
                nn.MaxPool2D(), nn.Dense(2))
    net.initialize(mx.init.Xavier())

    def accuracy():
        return float((net(nd.array(xt)).argmax(axis=1).asnumpy() == yt).mean())

    before = accuracy()
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.01})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for _ in range(3):
        for i in range(0, len(x), 32):
            xb, yb = nd.array(x[i:i + 32]), nd.array(y[i:i + 32])
            with autograd.record():
                loss = loss_fn(net(xb), yb)
            loss.backward()
            trainer.step(32)
    after = accuracy()
    assert before < 0.8
    assert after > 0.9, (before, after)


# ----------------------------------------------------------------------------- GPU

@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_conv_layers_on_gpu_match_cpu(rng):
    x = rng.uniform(-1, 1, size=(2, 3, 8, 8)).astype(np.float32)
    outs = []
    for ctx in (mx.cpu(), mx.gpu(0)):
        mx.random.seed(1)
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Conv2D(4, 3, padding=1), nn.MaxPool2D(), nn.Conv2DTranspose(2, 2, 2),
                    nn.AvgPool2D(3, 2, 1, ceil_mode=True), nn.GlobalMaxPool2D())
        net.initialize(mx.init.Uniform(0.5), ctx=ctx)
        xx = nd.array(x, ctx=ctx)
        xx.attach_grad()
        with autograd.record():
            y = net(xx)
        y.backward()
        outs.append((y.asnumpy(), xx.grad.asnumpy()))
    np.testing.assert_allclose(outs[1][0], outs[0][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs[1][1], outs[0][1], rtol=1e-4, atol=1e-5)
