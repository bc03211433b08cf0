"""Shape operators: MXNet reshape codes, values vs NumPy/MXNet, gradients, errors, views."""
import numpy as np
import pytest

import distglu
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.ndarray import _ndxp
from distglu.test_utils import check_numeric_gradient


def _arange(shape, dtype=np.float32):
    return nd.array(np.arange(int(np.prod(shape))).reshape(shape), dtype=dtype)


# ------------------------------------------------------------------ reshape codes

# (input shape, shape, reverse, output shape) recorded with MXNet 1.9.1 ``x.reshape``;
# None: MXNet raises.
RESHAPE_REF = [
    ((2, 3, 4), (4, 0, 2), False, (4, 3, 2)),
    ((2, 3, 4), (2, 0, 0), False, (2, 3, 4)),
    ((2, 3, 4), (6, 1, -1), False, (6, 1, 4)),
    ((2, 3, 4), (3, -1, 8), False, (3, 1, 8)),
    ((2, 3, 4), (-1,), False, (24,)),
    ((2, 3, 4), (-2,), False, (2, 3, 4)),
    ((2, 3, 4), (2, -2), False, (2, 3, 4)),
    ((2, 3, 4), (-2, 1, 1), False, (2, 3, 4, 1, 1)),
    ((2, 3, 4), (-3, 4), False, (6, 4)),
    ((2, 3, 4, 5), (-3, -3), False, (6, 20)),
    ((2, 3, 4), (0, -3), False, (2, 12)),
    ((2, 3, 4), (-3, -2), False, (6, 4)),
    ((2, 3, 4), (-4, 1, 2, -2), False, (1, 2, 3, 4)),
    ((2, 3, 4), (2, -4, -1, 3, -2), False, (2, 1, 3, 4)),
    ((10, 5, 4), (-1, 0), False, (40, 5)),
    ((10, 5, 4), (-1, 0), True, (50, 4)),
    ((10, 5, 4), (0, -1), True, (5, 40)),
    ((2, 3, 4), (-1, 4), True, (6, 4)),
    ((2, 3, 4), (3, -1, 2), True, (3, 4, 2)),
    ((2, 3, 4), (0, -3), True, (2, 12)),
    ((2, 3, 5, 5), (-3, -1), False, (6, 25)),
    ((2, 3, 5, 5), (-1, 5), True, (30, 5)),
    ((2, 3, 5, 5), (0, 0, -1), True, (3, 5, 10)),
    ((2, 3, 5, 5), (-2, -3), True, (2, 3, 25)),
    ((2, 3, 4), (-1, -2), False, (2, 3, 4)),
    ((2, 3, 4), (-2, -2), False, (2, 3, 4)),
    ((2, 3, 4), (2, 3, 4, 1, -2, -1), False, (2, 3, 4, 1, 1)),
    ((2, 3, 6), (0, 0, -4, -1, 2), False, (2, 3, 3, 2)),
    ((2, 3, 6), (0, 0, -4, 3, -1), False, (2, 3, 3, 2)),
    ((2, 3, 4), (1, 1, -1, 1), True, (1, 1, 24, 1)),
    ((4, 6), (-4, 2, -1, -4, -1, 3), False, (2, 2, 2, 3)),
    ((2, 3, 4), (6, 4), False, (6, 4)),
    ((24,), (2, -1, 3), False, (2, 4, 3)),
    ((1,), (), False, ()),
    # MXNet 1.9.1's inference is wrong here (nd.reshape gives (2, 1, 4, 1), x.reshape raises);
    # distglu infers the -1 as 1
    ((2, 3, 4), (-2, -1), False, (2, 3, 4, 1)),
    ((2, 3, 4), (-1, -2), True, (1, 2, 3, 4)),
    ((2, 3, 4), (-3, -3), False, None),
    ((2, 3, 4), (-3, -2), True, None),
    ((2, 3, 4), (-4, -1, 1, -2), True, None),
    ((2, 3, 4), (-1, -1), False, None),
    ((2, 3, 4), (2, 3, 4, 5), False, None),
    ((2, 3, 4), (-4, 2, 2, -2), False, None),
    ((2, 3, 4), (-4, -1, -1, -2), False, None),
    ((2, 3, 4), (0, 0, 0, 0), False, None),
    ((2, 3, 4), (5, -1), False, None),
    ((2, 3, 4), (-5,), False, None),
    ((2, 3, 4), (-4, 2), False, None),
    ((2, 3, 4), (7,), False, None),
    ((2, 3, 6), (0, 0, -4, -1, 4), False, None),
    ((2, 3), (0,), False, None),
    ((2, 3, 4), (1, -2, 1), False, None),
]


@pytest.mark.parametrize('ishape,shape,rev,expected', RESHAPE_REF)
def test_reshape_codes_match_mxnet(ishape, shape, rev, expected):
    x = _arange(ishape)
    if expected is None:
        with pytest.raises(DistGluError, match='reshape'):
            nd.reshape(x, shape=shape, reverse=rev)
        with pytest.raises(DistGluError):
            x.reshape(shape, reverse=rev)
        return
    y = nd.reshape(x, shape=shape, reverse=rev)
    assert y.shape == expected
    np.testing.assert_array_equal(y.asnumpy(), x.asnumpy().reshape(expected))
    assert x.reshape(shape, reverse=rev).shape == expected
    assert x.reshape(shape=shape, reverse=rev).shape == expected
    assert nd.Reshape(x, shape, reverse=rev).shape == expected


def test_reshape_error_names_shapes():
    x = nd.zeros((2, 3, 4))
    with pytest.raises(DistGluError, match=r'\(2, 3, 4\).*\(5, -1\)'):
        x.reshape(5, -1)
    with pytest.raises(DistGluError, match=r'\(2, 3, 4\).*\(7,\)'):
        nd.reshape(x, shape=(7,))
    with pytest.raises(DistGluError, match=r'only one dimension can be -1'):
        x.reshape(-1, -1)
    with pytest.raises(DistGluError, match=r'\(2, 3, 4\).*\(-4, 2, 2, -2\).*divide'):
        x.reshape(-4, 2, 2, -2)
    with pytest.raises(DistGluError, match='-3'):
        x.reshape(-3, -3)
    with pytest.raises(DistGluError, match='shape'):
        nd.reshape(x)


def test_reshape_method_forms():
    x = _arange((2, 3))
    ref = np.arange(6, dtype=np.float32)
    for y in (x.reshape(3, 2), x.reshape((3, 2)), x.reshape([3, 2]), x.reshape(shape=(3, 2)),
              x.reshape(np.int64(3), 2), x.reshape(3, -1), nd.reshape(x, (3, 2))):
        assert y.shape == (3, 2) and y.dtype == np.float32
        np.testing.assert_array_equal(y.asnumpy(), ref.reshape(3, 2))
    assert x.reshape(-1).shape == (6,)
    assert x.reshape(-3).shape == (6,)
    assert nd.reshape(x, shape=6).shape == (6,)
    assert nd.ones((1,)).reshape(()).shape == ()
    with pytest.raises(TypeError, match='unknown keywords in reshape: foo'):
        x.reshape((6,), foo=1)
    with pytest.raises(DistGluError):
        x.reshape()


def test_reshape_deprecated_target_shape():
    x = nd.ones((2, 3, 4))
    assert nd.reshape(nd.ones((2, 3)), target_shape=(3, 0)).shape == (3, 2)
    assert nd.reshape(x, target_shape=(5, 0), keep_highest=True).shape == (2, 12)


def test_views_share_memory():
    x = _arange((2, 3, 4))
    for y in (x.reshape(6, 4), nd.reshape(x, (4, 6)), nd.transpose(x), x.T,
              nd.expand_dims(x, 1), x.flatten(), nd.swapaxes(x, 0, 2),
              nd.squeeze(nd.expand_dims(x, 0)), nd.slice_axis(x, 1, 0, 2)):
        assert np.shares_memory(y._data, x._data)
    y = x.reshape(24)
    y[:] = 5          # the view writes through, as MXNet's NDArray.reshape
    assert float(x.asnumpy().sum()) == 120.0


@pytest.mark.parametrize('dtype', [np.float16, np.float32, np.float64, np.int32, np.int64,
                                   np.uint8])
def test_dtypes_preserved(dtype):
    x = _arange((2, 1, 4), dtype)
    outs = [x.reshape(-1, 0, reverse=True), nd.flatten(x), nd.expand_dims(x, 0), nd.squeeze(x),
            nd.transpose(x), nd.swapaxes(x, 0, 2), nd.broadcast_to(x, (2, 3, 4)),
            nd.broadcast_axis(x, 1, 3), nd.tile(x, (2, 1)), nd.repeat(x, 2, 0),
            nd.concat(x, x), nd.stack(x, x), nd.slice(x, (0,), (1,)), nd.flip(x, 2),
            nd.diag(nd.flatten(x)), nd.space_to_depth(nd.ones((1, 1, 2, 2), dtype=dtype), 2),
            nd.pad(nd.ones((1, 1, 2, 2), dtype=dtype), mode='constant',
                   pad_width=(0, 0, 0, 0, 1, 1, 1, 1), constant_value=2)]
    outs += nd.split(x, 2, axis=2)
    for y in outs:
        assert y.dtype == dtype, y


# ------------------------------------------------------------------ forward vs NumPy

def test_reshape_like():
    x = _arange((6,))
    y = nd.reshape_like(x, nd.ones((3, 2)))
    np.testing.assert_array_equal(y.asnumpy(), np.arange(6).reshape(3, 2))
    # MXNet's documented examples
    assert nd.reshape_like(nd.ones((30, 7)), nd.ones((15, 2, 4)), lhs_begin=0, lhs_end=1,
                           rhs_begin=0, rhs_end=2).shape == (15, 2, 7)
    assert nd.reshape_like(nd.ones((3, 5)), nd.ones((1, 15, 4)), lhs_begin=0, lhs_end=2,
                           rhs_begin=1, rhs_end=2).shape == (15,)
    assert nd.reshape_like(nd.ones((30, 12)), nd.ones((4, 2, 2, 3)), lhs_begin=-1,
                           lhs_end=None, rhs_begin=1, rhs_end=None).shape == (30, 2, 2, 3)
    with pytest.raises(DistGluError, match=r'\(30, 12\).*\(4, 2\)'):
        nd.reshape_like(nd.ones((30, 12)), nd.ones((4, 2)))
    assert x.reshape_like(nd.ones((2, 3))).shape == (2, 3)


def test_flatten_expand_squeeze():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a)
    np.testing.assert_array_equal(nd.flatten(x).asnumpy(), a.reshape(2, 12))
    assert nd.Flatten(x).shape == (2, 12)
    assert nd.flatten(nd.ones((5,))).shape == (5, 1)
    assert x.flatten().shape == (2, 12) and x.flatten(inplace=True).shape == (2, 12)
    assert x.expand_dims(0, inplace=True).shape == (1, 2, 3, 4)
    assert nd.ones((2, 1)).squeeze(inplace=True).shape == (2,)
    for ax in (0, 1, 3, -1, -4):
        np.testing.assert_array_equal(nd.expand_dims(x, axis=ax).asnumpy(),
                                      np.expand_dims(a, ax))
        assert x.expand_dims(ax).shape == np.expand_dims(a, ax).shape
    with pytest.raises(DistGluError, match=r'axis=4.*\(2, 3, 4\)'):
        nd.expand_dims(x, axis=4)
    with pytest.raises(DistGluError, match='axis=-5'):
        nd.expand_dims(x, axis=-5)
    y = nd.ones((1, 3, 1, 4))
    assert nd.squeeze(y).shape == (3, 4)
    assert y.squeeze().shape == (3, 4)
    assert nd.squeeze(y, axis=0).shape == (3, 1, 4)
    assert nd.squeeze(y, axis=(0, 2)).shape == (3, 4)
    assert nd.squeeze(y, axis=-2).shape == (1, 3, 4)
    assert nd.squeeze(nd.ones((1, 1))).shape == (1,)       # MXNet 1.x: never 0-d
    assert nd.squeeze(nd.ones((1,)), axis=0).shape == (1,)
    with pytest.raises(DistGluError, match=r'axis 1.*\(1, 3, 1, 4\).*size is 3'):
        nd.squeeze(y, axis=1)
    with pytest.raises(DistGluError, match='duplicate'):
        nd.squeeze(y, axis=(0, 0))


def test_transpose_swapaxes_moveaxis():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a)
    np.testing.assert_array_equal(nd.transpose(x).asnumpy(), a.T)
    np.testing.assert_array_equal(x.T.asnumpy(), a.T)
    np.testing.assert_array_equal(nd.transpose(x, axes=()).asnumpy(), a.T)
    np.testing.assert_array_equal(nd.transpose(x, axes=(1, 0, 2)).asnumpy(),
                                  a.transpose(1, 0, 2))
    np.testing.assert_array_equal(x.transpose((2, 0, 1)).asnumpy(), a.transpose(2, 0, 1))
    assert nd.arange(3).T.shape == (3,)
    with pytest.raises(DistGluError, match=r'permutation.*\(2, 3, 4\)'):
        nd.transpose(x, axes=(1, 0))
    with pytest.raises(DistGluError, match='permutation'):
        nd.transpose(x, axes=(0, 0, 1))
    np.testing.assert_array_equal(nd.swapaxes(x, dim1=0, dim2=2).asnumpy(), a.swapaxes(0, 2))
    np.testing.assert_array_equal(nd.SwapAxis(x, 1, -1).asnumpy(), a.swapaxes(1, 2))
    assert nd.swapaxes(x).shape == (2, 3, 4)
    with pytest.raises(DistGluError, match='dim2=3'):
        nd.swapaxes(x, 0, 3)
    np.testing.assert_array_equal(nd.moveaxis(x, 0, -1).asnumpy(), np.moveaxis(a, 0, -1))
    np.testing.assert_array_equal(nd.moveaxis(x, (0, 1), (2, 0)).asnumpy(),
                                  np.moveaxis(a, (0, 1), (2, 0)))


def test_broadcast_ops():
    b = nd.array([[1], [2]])
    y = nd.broadcast_to(b, shape=(2, 3))
    np.testing.assert_array_equal(y.asnumpy(), [[1, 1, 1], [2, 2, 2]])
    assert nd.broadcast_to(b, shape=(0, 3)).shape == (2, 3)
    assert b.broadcast_to((2, 4)).shape == (2, 4)
    y[:] = 0                      # a writable copy, not a broadcast view
    assert b.asnumpy().sum() == 3
    with pytest.raises(DistGluError, match=r'\(2, 1\).*\(3, 3\)'):
        nd.broadcast_to(b, shape=(3, 3))
    with pytest.raises(DistGluError, match=r'\(2, 1\).*\(4, 2, 3\)'):
        nd.broadcast_to(b, shape=(4, 2, 3))
    o = nd.ones((1, 2, 1))
    assert nd.broadcast_axis(o, axis=(0, 2), size=(2, 3)).shape == (2, 2, 3)
    assert nd.broadcast_axis(o, axis=2, size=3).shape == (1, 2, 3)
    assert nd.broadcast_axes(o, axis=(0,), size=(5,)).shape == (5, 2, 1)
    assert o.broadcast_axes(axis=0, size=4).shape == (4, 2, 1)
    with pytest.raises(DistGluError, match=r'axis 1.*\(1, 2, 1\).*size 2'):
        nd.broadcast_axis(o, axis=1, size=3)
    r = nd.broadcast_like(nd.array([[1, 2, 3]]), nd.ones((2, 3)))
    np.testing.assert_array_equal(r.asnumpy(), [[1, 2, 3], [1, 2, 3]])
    r = nd.broadcast_like(nd.array([9]), nd.ones((5,)), lhs_axes=(0,), rhs_axes=(-1,))
    np.testing.assert_array_equal(r.asnumpy(), [9] * 5)
    assert nd.broadcast_like(o, nd.ones((3, 4, 5)), lhs_axes=(0, 2),
                             rhs_axes=(2, 0)).shape == (5, 2, 3)
    with pytest.raises(DistGluError, match=r'\(3,\).*\(2, 3\)'):
        nd.broadcast_like(nd.ones((3,)), nd.ones((2, 3)))
    with pytest.raises(DistGluError, match='same length'):
        nd.broadcast_like(o, nd.ones((3, 4, 5)), lhs_axes=(0, 2), rhs_axes=(0,))
    with pytest.raises(DistGluError, match='cannot be broadcast to 3'):
        nd.broadcast_like(nd.ones((3, 2, 1)), nd.ones((3, 4, 5)), lhs_axes=(0,), rhs_axes=(0,))


def test_tile_repeat():
    a = np.array([[1, 2], [3, 4]], dtype=np.float32)
    x = nd.array(a)
    for reps in ((2, 3), (2,), (2, 1, 3), 2, ()):
        np.testing.assert_array_equal(nd.tile(x, reps=reps).asnumpy(), np.tile(a, reps))
    assert x.tile((1, 2)).shape == (2, 4)
    with pytest.raises(DistGluError, match='positive'):
        nd.tile(x, reps=(0, 2))
    for axis in (None, 0, 1, -1):
        np.testing.assert_array_equal(nd.repeat(x, repeats=2, axis=axis).asnumpy(),
                                      np.repeat(a, 2, axis))
    assert nd.repeat(x, repeats=0).shape == (0,)
    assert x.repeat(3, axis=0).shape == (6, 2)
    with pytest.raises(DistGluError, match='negative'):
        nd.repeat(x, repeats=-1)
    with pytest.raises(DistGluError, match=r'axis=2.*\(2, 2\)'):
        nd.repeat(x, repeats=2, axis=2)


def test_concat_stack():
    a = np.ones((2, 2), np.float32)
    b = np.zeros((2, 3), np.float32)
    np.testing.assert_array_equal(nd.concat(nd.array(a), nd.array(b)).asnumpy(),
                                  np.concatenate([a, b], 1))         # default dim=1
    np.testing.assert_array_equal(nd.concat(nd.array(a), nd.array(b), dim=-1).asnumpy(),
                                  np.concatenate([a, b], 1))
    c = np.arange(6, dtype=np.float32).reshape(3, 2)
    np.testing.assert_array_equal(nd.Concat(nd.array(a), nd.array(c), dim=0).asnumpy(),
                                  np.concatenate([a, c], 0))
    assert nd.concat(nd.array(a), nd.array(a), num_args=2).shape == (2, 4)
    assert nd.concat(nd.array(a)).shape == (2, 2)
    assert nd.concat(nd.ones((2,)), nd.zeros((3,)), dim=0).shape == (5,)
    with pytest.raises(DistGluError, match='dim=1'):
        nd.concat(nd.ones((2,)), nd.zeros((3,)))
    with pytest.raises(DistGluError, match=r'\(3, 3\).*\(2, 2\)'):
        nd.concat(nd.array(a), nd.ones((3, 3)))
    with pytest.raises(DistGluError, match='dtype'):
        nd.concat(nd.array(a), nd.ones((2, 2), dtype='int32'))
    with pytest.raises(DistGluError, match='at least one'):
        nd.concat()
    p, q = np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)
    for axis in (0, 1, 2, -1):
        np.testing.assert_array_equal(
            nd.stack(nd.array(p), nd.array(q), axis=axis).asnumpy(), np.stack([p, q], axis))
    assert nd.stack(nd.ones((2,))).shape == (1, 2)
    with pytest.raises(DistGluError, match=r'\(2, 3\).*\(3, 3\)'):
        nd.stack(nd.array(p), nd.ones((3, 3)))
    out = nd.zeros((2, 5))
    r = nd.concat(nd.array(a), nd.array(b), out=out)
    assert r is out and out.asnumpy()[:, :2].sum() == 4


def test_split_and_split_v2():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a)
    parts = nd.split(x, num_outputs=3)                # default axis=1
    assert isinstance(parts, list) and len(parts) == 3
    for p, r in zip(parts, np.split(a, 3, axis=1)):
        np.testing.assert_array_equal(p.asnumpy(), r)
    one = nd.split(x, num_outputs=1)
    assert isinstance(one, nd.NDArray) and one.shape == (2, 3, 4)
    sq = nd.split(x, num_outputs=3, squeeze_axis=True)
    assert [p.shape for p in sq] == [(2, 4)] * 3
    np.testing.assert_array_equal(sq[2].asnumpy(), a[:, 2])
    assert [p.shape for p in nd.split(x, num_outputs=4, axis=-1)] == [(2, 3, 1)] * 4
    assert nd.split(nd.ones((2, 1)), num_outputs=1, squeeze_axis=1).shape == (2,)
    assert [p.shape for p in nd.SliceChannel(x, 2, axis=0)] == [(1, 3, 4)] * 2
    m = x.split(num_outputs=2, axis=2)
    np.testing.assert_array_equal(m[1].asnumpy(), a[:, :, 2:])
    assert [p.shape for p in x.split(2, 2)] == [(2, 3, 2)] * 2
    with pytest.raises(DistGluError, match=r'\(2, 3, 4\).*num_outputs=2.*2 does not divide 3'):
        nd.split(x, num_outputs=2, axis=1)
    with pytest.raises(DistGluError, match='squeeze_axis'):
        nd.split(x, num_outputs=2, axis=2, squeeze_axis=True)
    v = nd.split_v2(x, 2)
    assert [p.shape for p in v] == [(1, 3, 4)] * 2
    v = nd.split_v2(x, (1, 3), axis=2)
    for p, r in zip(v, np.split(a, [1, 3], axis=2)):
        np.testing.assert_array_equal(p.asnumpy(), r)
    assert [p.shape for p in nd.split_v2(nd.ones((5, 4)), (2, 2))] == [(2, 4), (0, 4), (3, 4)]
    assert nd.split_v2(x, 1).shape == (2, 3, 4)
    assert [p.shape for p in nd.split_v2(x, 2, squeeze_axis=True)] == [(3, 4)] * 2
    assert [p.shape for p in x.split_v2(2, axis=0)] == [(1, 3, 4)] * 2
    with pytest.raises(DistGluError, match='sorted'):
        nd.split_v2(x, (1, 7), axis=2)
    with pytest.raises(DistGluError, match='sorted'):
        nd.split_v2(nd.ones((5, 4)), (3, 1))
    with pytest.raises(DistGluError, match='equal'):
        nd.split_v2(nd.ones((5, 4)), 3)


def test_slice_family():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a)
    N = None
    cases = [((0, 1), (2, 3), None, a[0:2, 1:3]),
             ((N, 1), (N, N), None, a[:, 1:]),
             ((N, N, N), (N, N, N), (1, 2, -1), a[::1, ::2, ::-1]),
             ((1, 2), (N, 0), (-1, -1), a[1::-1, 2:0:-1]),
             ((N, N), (N, N), (-1, -2), a[::-1, ::-2]),
             ((-1, -2), (N, -1), None, a[-1:, -2:-1]),
             ((0, 0), (5, 3), None, a[0:5, 0:3]),
             ((0, 2), (2, 1), None, a[0:2, 2:1]),
             ((5,), (N,), None, a[5:]),
             ((0, 0), (2, 3), (), a[0:2, 0:3])]
    for b, e, s, ref in cases:
        y = nd.slice(x, begin=b, end=e, step=s)
        assert y.shape == ref.shape, (b, e, s)
        np.testing.assert_array_equal(y.asnumpy(), ref)
    np.testing.assert_array_equal(nd.crop(x, begin=(0, 1), end=(2, 3)).asnumpy(), a[:, 1:3])
    np.testing.assert_array_equal(x.slice((0, 0), (1, 1)).asnumpy(), a[:1, :1])
    np.testing.assert_array_equal(nd.slice(nd.arange(5), begin=1, end=3).asnumpy(), [1, 2])
    with pytest.raises(DistGluError, match=r'3 axes.*\(2, 3, 4\)'):
        nd.slice(x, begin=(0, 0, 0, 0), end=(1, 1, 1, 1))
    with pytest.raises(DistGluError, match='same length'):
        nd.slice(x, begin=(0, 0), end=(1,))
    with pytest.raises(DistGluError, match='step cannot be 0'):
        nd.slice(x, begin=(0,), end=(1,), step=(0,))
    with pytest.raises(DistGluError, match='same length'):
        nd.slice(x, begin=(0, 0), end=(2, 3), step=(1,))

    np.testing.assert_array_equal(nd.slice_axis(x, axis=1, begin=1, end=3).asnumpy(),
                                  a[:, 1:3])
    np.testing.assert_array_equal(nd.slice_axis(x, axis=-1, begin=-2, end=None).asnumpy(),
                                  a[..., -2:])
    np.testing.assert_array_equal(x.slice_axis(0, 1, 2).asnumpy(), a[1:2])
    with pytest.raises(DistGluError, match='begin must be an int'):
        nd.slice_axis(x, axis=0, begin=None, end=2)
    for b, e in ((1, 5), (2, 1), (-5, 2)):
        with pytest.raises(DistGluError, match=r'slice_axis.*size 3.*\(2, 3, 4\)'):
            nd.slice_axis(x, axis=1, begin=b, end=e)

    np.testing.assert_array_equal(nd.slice_like(x, nd.ones((1, 2, 3))).asnumpy(),
                                  a[:1, :2, :3])
    np.testing.assert_array_equal(nd.slice_like(x, nd.ones((1, 2, 3)), axes=(-1,)).asnumpy(),
                                  a[:, :, :3])
    np.testing.assert_array_equal(nd.slice_like(x, nd.ones((1, 2)), axes=(0, 1)).asnumpy(),
                                  a[:1, :2])
    with pytest.raises(DistGluError, match='axis 2 does not exist'):
        nd.slice_like(x, nd.ones((1, 2)), axes=(0, 2))
    with pytest.raises(DistGluError, match='same number of dimensions'):
        nd.slice_like(x, nd.ones((1, 2)))
    with pytest.raises(DistGluError, match='exceeds'):
        nd.slice_like(x, nd.ones((3, 3, 3)))


def test_flip():
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a)
    np.testing.assert_array_equal(nd.flip(x, axis=1).asnumpy(), a[:, ::-1])
    np.testing.assert_array_equal(nd.flip(x, axis=(0, 2)).asnumpy(), a[::-1, :, ::-1])
    np.testing.assert_array_equal(nd.reverse(x, axis=0).asnumpy(), a[::-1])
    np.testing.assert_array_equal(x.flip(-1).asnumpy(), a[..., ::-1])
    np.testing.assert_array_equal(nd.flip(x, axis=(1, 1)).asnumpy(), a)   # MXNet: flips back


def test_pad_matches_mxnet():
    p = _arange((1, 1, 2, 3))
    pw = (0, 0, 0, 0, 1, 1, 1, 2)
    # values recorded with MXNet 1.9.1
    ref = {'constant': [[7, 7, 7, 7, 7, 7], [7, 0, 1, 2, 7, 7], [7, 3, 4, 5, 7, 7],
                        [7, 7, 7, 7, 7, 7]],
           'edge': [[0, 0, 1, 2, 2, 2], [0, 0, 1, 2, 2, 2], [3, 3, 4, 5, 5, 5],
                    [3, 3, 4, 5, 5, 5]],
           'reflect': [[4, 3, 4, 5, 4, 3], [1, 0, 1, 2, 1, 0], [4, 3, 4, 5, 4, 3],
                       [1, 0, 1, 2, 1, 0]]}
    # gradients for out_grad = arange(24).reshape(1, 1, 4, 6), also from MXNet
    ref_grad = {'constant': [[7, 8, 9], [13, 14, 15]], 'edge': [[14, 10, 42], [62, 34, 114]],
                'reflect': [[60, 84, 30], [36, 48, 18]]}
    for mode in ref:
        p.attach_grad()
        with autograd.record():
            y = nd.pad(p, mode=mode, pad_width=pw, constant_value=7)
        y.backward(_arange((1, 1, 4, 6)))
        assert y.dtype == np.float32
        np.testing.assert_array_equal(y.asnumpy()[0, 0], ref[mode])
        np.testing.assert_array_equal(p.grad.asnumpy()[0, 0], ref_grad[mode])
    assert nd.Pad(p, mode='constant', pad_width=pw).asnumpy().sum() == 15
    q = np.random.default_rng(1).standard_normal((1, 2, 3, 3, 2)).astype(np.float32)
    w = (0, 0, 0, 0, 2, 1, 1, 2, 1, 1)
    for mode in ('edge', 'reflect'):
        np.testing.assert_array_equal(
            nd.pad(nd.array(q), mode=mode, pad_width=w).asnumpy(),
            np.pad(q, ((0, 0), (0, 0), (2, 1), (1, 2), (1, 1)), mode=mode))
    with pytest.raises(DistGluError, match=r'4-D and 5-D.*\(2, 3, 4\)'):
        nd.pad(nd.ones((2, 3, 4)), mode='constant', pad_width=(0, 0, 0, 0, 1, 1))
    with pytest.raises(DistGluError, match='first two axes'):
        nd.pad(p, mode='constant', pad_width=(1, 0, 0, 0, 1, 1, 1, 2))
    with pytest.raises(DistGluError, match='8 entries'):
        nd.pad(p, mode='constant', pad_width=(0, 0, 0, 0, 1, 1))
    with pytest.raises(DistGluError, match='smaller than the input size'):
        nd.pad(p, mode='reflect', pad_width=(0, 0, 0, 0, 2, 2, 1, 1))
    with pytest.raises(DistGluError, match="'wrap'"):
        nd.pad(p, mode='wrap', pad_width=pw)


def test_diag_matches_mxnet():
    m = nd.array([[1, 2, 3], [4, 5, 6]])
    np.testing.assert_array_equal(nd.diag(m).asnumpy(), [1, 5])
    np.testing.assert_array_equal(nd.diag(m, k=1).asnumpy(), [2, 6])
    np.testing.assert_array_equal(nd.diag(m, k=-1).asnumpy(), [4])
    assert nd.diag(m, k=3).shape == (0,) and nd.diag(m, k=-2).shape == (0,)
    for k in (4, -3):
        with pytest.raises(DistGluError, match=r'k=%d.*\(2, 3\)' % k):
            nd.diag(m, k=k)
    v = nd.array([1, 2, 3])
    np.testing.assert_array_equal(nd.diag(v).asnumpy(), np.diag([1, 2, 3]))
    np.testing.assert_array_equal(nd.diag(v, k=1).asnumpy(), np.diag([1, 2, 3], 1))
    np.testing.assert_array_equal(nd.diag(v, k=-2).asnumpy(), np.diag([1, 2, 3], -2))
    c = nd.arange(1, 9).reshape((2, 2, 2))
    np.testing.assert_array_equal(nd.diag(c).asnumpy(), [[1, 7], [2, 8]])
    np.testing.assert_array_equal(nd.diag(c, k=1).asnumpy(), [[3], [4]])
    np.testing.assert_array_equal(nd.diag(c, axis1=-2, axis2=-1).asnumpy(), [[1, 4], [5, 8]])
    assert nd.diag(nd.ones((2, 3, 4, 5)), axis1=0, axis2=2).shape == (3, 5, 2)
    with pytest.raises(DistGluError, match='same axis'):
        nd.diag(c, axis1=1, axis2=1)
    # gradient recorded with MXNet 1.9.1
    x = _arange((2, 3, 4))
    x.attach_grad()
    with autograd.record():
        d = nd.diag(x, k=1, axis1=0, axis2=2)
    d.backward(_arange(d.shape) + 1)
    np.testing.assert_array_equal(d.asnumpy(), [[1, 14], [5, 18], [9, 22]])
    np.testing.assert_array_equal(x.grad.asnumpy(),
                                  [[[0, 1, 0, 0], [0, 3, 0, 0], [0, 5, 0, 0]],
                                   [[0, 0, 2, 0], [0, 0, 4, 0], [0, 0, 6, 0]]])


def test_depth_space_match_mxnet():
    d = nd.depth_to_space(_arange((1, 4, 2, 3)), 2)
    np.testing.assert_array_equal(d.asnumpy()[0, 0], [[0, 6, 1, 7, 2, 8],
                                                      [12, 18, 13, 19, 14, 20],
                                                      [3, 9, 4, 10, 5, 11],
                                                      [15, 21, 16, 22, 17, 23]])
    s = nd.space_to_depth(_arange((1, 1, 4, 6)), 2)
    np.testing.assert_array_equal(s.asnumpy()[0], [[[0, 2, 4], [12, 14, 16]],
                                                   [[1, 3, 5], [13, 15, 17]],
                                                   [[6, 8, 10], [18, 20, 22]],
                                                   [[7, 9, 11], [19, 21, 23]]])
    x = nd.array(np.random.default_rng(0).standard_normal((2, 8, 3, 2)))
    np.testing.assert_array_equal(nd.space_to_depth(nd.depth_to_space(x, 2), 2).asnumpy(),
                                  x.asnumpy())
    with pytest.raises(DistGluError, match=r'\(1, 6, 2, 2\).*block_size\^2'):
        nd.depth_to_space(nd.ones((1, 6, 2, 2)), 2)
    with pytest.raises(DistGluError, match=r'\(1, 2, 3, 4\).*multiples'):
        nd.space_to_depth(nd.ones((1, 2, 3, 4)), 2)
    with pytest.raises(DistGluError, match='4-D'):
        nd.depth_to_space(nd.ones((4, 2, 2)), 2)


def test_shape_size_array():
    x = nd.ones((2, 3, 4))
    s = nd.shape_array(x)
    assert s.dtype == np.int64 and s.asnumpy().tolist() == [2, 3, 4]
    z = nd.size_array(x)
    assert z.dtype == np.int64 and z.shape == (1,) and z.asnumpy().tolist() == [24]
    assert x.shape_array().asnumpy().tolist() == [2, 3, 4]
    x.attach_grad()
    with autograd.record():
        y = nd.shape_array(x)
    assert y._node is None      # not differentiable


def test_out_argument():
    x = _arange((2, 3))
    out = nd.zeros((3, 2))
    r = nd.reshape(x, (3, 2), out=out)
    assert r is out
    np.testing.assert_array_equal(out.asnumpy(), np.arange(6).reshape(3, 2))
    out = nd.zeros((3, 2))
    nd.transpose(x, out=out)
    np.testing.assert_array_equal(out.asnumpy(), np.arange(6).reshape(2, 3).T)


# ------------------------------------------------------------------ gradients

def _w(shape, seed=3):
    return np.random.default_rng(seed).standard_normal(shape)


GRAD_CASES = [
    ('reshape', lambda x: nd.reshape(x, (-1, 0), reverse=True), (2, 3, 2)),
    ('reshape-4', lambda x: x.reshape(-4, 1, 2, -2), (2, 3)),
    ('reshape_like', lambda x: nd.reshape_like(x, nd.ones((3, 4))), (2, 6)),
    ('flatten', nd.flatten, (2, 2, 3)),
    ('expand_dims', lambda x: nd.expand_dims(x, 1), (2, 3)),
    ('squeeze', nd.squeeze, (2, 1, 3)),
    ('transpose', lambda x: nd.transpose(x, (2, 0, 1)), (2, 3, 2)),
    ('T', lambda x: x.T, (2, 3)),
    ('swapaxes', lambda x: nd.swapaxes(x, 0, 2), (2, 3, 2)),
    ('moveaxis', lambda x: nd.moveaxis(x, 0, -1), (2, 3, 2)),
    ('broadcast_to', lambda x: nd.broadcast_to(x, (2, 3, 4)), (2, 1, 4)),
    ('broadcast_axis', lambda x: nd.broadcast_axis(x, (0, 2), (3, 2)), (1, 3, 1)),
    ('broadcast_like', lambda x: nd.broadcast_like(x, nd.ones((4, 3))), (1, 3)),
    ('tile', lambda x: nd.tile(x, (2, 1, 3)), (2, 3)),
    ('repeat', lambda x: nd.repeat(x, 3, axis=1), (2, 3)),
    ('repeat_flat', lambda x: nd.repeat(x, 2), (2, 3)),
    ('slice', lambda x: nd.slice(x, (None, 2), (None, 0), (-1, -1)), (3, 4)),
    ('crop', lambda x: nd.crop(x, (1,), (3,)), (4, 2)),
    ('slice_axis', lambda x: nd.slice_axis(x, 1, 1, None), (2, 4)),
    ('slice_like', lambda x: nd.slice_like(x, nd.ones((2, 2))), (3, 4)),
    ('flip', lambda x: nd.flip(x, (0, 1)), (2, 3)),
    ('pad_constant', lambda x: nd.pad(x, mode='constant', pad_width=(0, 0, 0, 0, 1, 2, 2, 1),
                                      constant_value=1.5), (1, 2, 2, 3)),
    ('pad_edge', lambda x: nd.pad(x, mode='edge', pad_width=(0, 0, 0, 0, 2, 1, 1, 3)),
     (1, 1, 2, 3)),
    ('pad_reflect', lambda x: nd.pad(x, mode='reflect', pad_width=(0, 0, 0, 0, 1, 2, 2, 1)),
     (1, 1, 3, 3)),
    ('pad_reflect5', lambda x: nd.pad(x, mode='reflect',
                                      pad_width=(0, 0, 0, 0, 1, 1, 0, 1, 1, 0)),
     (1, 1, 2, 2, 2)),
    ('diag1', lambda x: nd.diag(x, k=-1), (3,)),
    ('diag2', lambda x: nd.diag(x, k=1), (3, 4)),
    ('diag3', lambda x: nd.diag(x, k=-1, axis1=2, axis2=0), (3, 2, 4)),
    ('depth_to_space', lambda x: nd.depth_to_space(x, 2), (1, 8, 2, 1)),
    ('space_to_depth', lambda x: nd.space_to_depth(x, 2), (1, 2, 2, 4)),
    ('split', lambda x: nd.split(x, 3, axis=1)[1] * 2 + nd.split(x, 3, axis=1)[2], (2, 3, 2)),
    ('split_squeeze', lambda x: nd.split(x, 2, axis=0, squeeze_axis=True)[0], (2, 3)),
    ('split_v2', lambda x: nd.split_v2(x, (1, 3), axis=1)[1], (2, 4)),
]


@pytest.mark.parametrize('name,fn,shape', GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_numeric_gradient(name, fn, shape):
    x = _w(shape, seed=len(name))
    with autograd.pause():
        yshape = fn(nd.array(x, dtype=np.float64)).shape
    # a random head gradient so that misplaced entries show up
    check_numeric_gradient(fn, [x], out_grad=_w(yshape, seed=7), rtol=1e-6, atol=1e-8)


def test_multi_input_gradients():
    a, b, c = _w((2, 3), 1), _w((2, 1), 2), _w((2, 4), 3)
    check_numeric_gradient(lambda x, y, z: nd.concat(x, y, z), [a, b, c],
                           out_grad=_w((2, 8), 4), rtol=1e-6, atol=1e-8)
    check_numeric_gradient(lambda x, y: nd.concat(x, y, dim=0), [a, _w((1, 3), 5)],
                           out_grad=_w((3, 3), 4), rtol=1e-6, atol=1e-8)
    check_numeric_gradient(lambda x, y: nd.stack(x, y, axis=1), [a, _w((2, 3), 6)],
                           out_grad=_w((2, 2, 3), 4), rtol=1e-6, atol=1e-8)


def test_split_unused_outputs_get_zero_gradient():
    # MXNet 1.9.1: outputs that get no gradient contribute zeros
    z = _arange((3, 4))
    z.attach_grad()
    with autograd.record():
        parts = nd.split(z, num_outputs=2, axis=1)
        loss = parts[1] * 3
    loss.backward()
    np.testing.assert_array_equal(z.grad.asnumpy(), [[0, 0, 3, 3]] * 3)


def _first_order_vjp(op, x, v):
    """vjp of op at any point (op is linear) with head gradient v, via plain backward."""
    u = nd.array(x, dtype=np.float64)
    u.attach_grad()
    with autograd.record():
        y = op(u)
    y.backward(nd.array(v, dtype=np.float64))
    return u.grad.asnumpy()


SECOND_ORDER = ['reshape', 'transpose', 'broadcast_to', 'tile', 'repeat', 'slice', 'flip',
                'pad_constant', 'pad_edge', 'pad_reflect', 'diag2', 'diag1', 'depth_to_space',
                'split', 'broadcast_axis', 'swapaxes']


@pytest.mark.parametrize('name', SECOND_ORDER)
def test_second_order(name):
    """d/dx sum(r * grad_x sum(c * f(x)^2)) = 2 f^T(c * f(r)) for a linear f."""
    fn, shape = {c[0]: (c[1], c[2]) for c in GRAD_CASES}[name]
    x0 = _w(shape, 1)
    r = _w(shape, 2)
    with autograd.pause():
        fr = fn(nd.array(r, dtype=np.float64)).asnumpy()
    c = _w(fr.shape, 3)
    x = nd.array(x0, dtype=np.float64)
    x.attach_grad()
    with autograd.record():
        y = fn(x)
        y2 = y * y
        gx = autograd.grad(y2, x, head_grads=nd.array(c, dtype=np.float64),
                           create_graph=True)
        z = gx * nd.array(r, dtype=np.float64)
    z.backward()
    expected = _first_order_vjp(fn, x0, 2 * c * fr)
    np.testing.assert_allclose(x.grad.asnumpy(), expected, rtol=1e-10, atol=1e-12)


def test_concat_second_order():
    a0, b0 = _w((2, 3), 1), _w((2, 2), 2)
    a, b = nd.array(a0, dtype=np.float64), nd.array(b0, dtype=np.float64)
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = nd.concat(a, b)
        ga, gb = autograd.grad(y * y * y, [a, b], create_graph=True)
        heads = [ga * 1.0, gb * 2.0]
    autograd.backward(heads)
    # d/da sum(3 a^2) = 6 a ; d/db sum(6 b^2) = 12 b
    np.testing.assert_allclose(a.grad.asnumpy(), 6 * a0, rtol=1e-12)
    np.testing.assert_allclose(b.grad.asnumpy(), 12 * b0, rtol=1e-12)


# ------------------------------------------------------------------ NumPy adapters (_ndxp)

ADAPTERS = [
    ('reshape', lambda a: _ndxp.reshape(a, (3, -1)), lambda a: np.reshape(a, (3, -1)), (2, 6)),
    ('reshape0', lambda a: _ndxp.reshape(a, (0, 4)), lambda a: np.reshape(a, (0, 4)), (0, 2, 2)),
    ('transpose', lambda a: _ndxp.transpose(a), np.transpose, (2, 3, 4)),
    ('transpose_axes', lambda a: _ndxp.transpose(a, (1, -1, 0)),
     lambda a: np.transpose(a, (1, -1, 0)), (2, 3, 4)),
    ('broadcast_to', lambda a: _ndxp.broadcast_to(a, (2, 3, 4)),
     lambda a: np.broadcast_to(a, (2, 3, 4)), (3, 1)),
    ('expand_dims', lambda a: _ndxp.expand_dims(a, -1), lambda a: np.expand_dims(a, -1), (2, 3)),
    ('expand_dims2', lambda a: _ndxp.expand_dims(a, (0, 2)),
     lambda a: np.expand_dims(a, (0, 2)), (2, 3)),
    ('squeeze', lambda a: _ndxp.squeeze(a), np.squeeze, (1, 1)),
    ('squeeze_ax', lambda a: _ndxp.squeeze(a, 1), lambda a: np.squeeze(a, 1), (2, 1, 3)),
    ('swapaxes', lambda a: _ndxp.swapaxes(a, -1, -2), lambda a: np.swapaxes(a, -1, -2),
     (2, 3, 4)),
    ('moveaxis', lambda a: _ndxp.moveaxis(a, 0, -1), lambda a: np.moveaxis(a, 0, -1),
     (2, 3, 4)),
    ('flip', lambda a: _ndxp.flip(a), np.flip, (2, 3)),
    ('tile', lambda a: _ndxp.tile(a, (2, 2)), lambda a: np.tile(a, (2, 2)), (3,)),
    ('repeat', lambda a: _ndxp.repeat(a, 2, axis=0), lambda a: np.repeat(a, 2, axis=0), (2, 3)),
    ('pad', lambda a: _ndxp.pad(a, ((1, 0), (0, 2))), lambda a: np.pad(a, ((1, 0), (0, 2))),
     (2, 3)),
    ('pad_edge', lambda a: _ndxp.pad(a, 1, mode='edge'), lambda a: np.pad(a, 1, mode='edge'),
     (2, 3)),
    ('diagonal', lambda a: _ndxp.diagonal(a, 1), lambda a: np.diagonal(a, 1), (3, 4)),
    ('ravel', lambda a: _ndxp.ravel(a), np.ravel, (2, 3)),
    ('concatenate', lambda a: _ndxp.concatenate([a, a], axis=0),
     lambda a: np.concatenate([a, a], axis=0), (2, 3)),
    ('stack', lambda a: _ndxp.stack([a, a], axis=-1), lambda a: np.stack([a, a], axis=-1),
     (2, 3)),
]


@pytest.mark.parametrize('name,f_nd,f_np,shape', ADAPTERS, ids=[c[0] for c in ADAPTERS])
def test_ndxp_adapters(name, f_nd, f_np, shape):
    a = _w(shape, 5)
    y = f_nd(nd.array(a, dtype=np.float64))
    ref = f_np(a)
    assert y.shape == ref.shape
    np.testing.assert_array_equal(y.asnumpy(), ref)
    if a.size:
        check_numeric_gradient(f_nd, [a], out_grad=_w(ref.shape, 6), rtol=1e-6, atol=1e-8)


def test_sum_to_records_under_create_graph():
    # _core._sum_to is written as xp.sum + xp.reshape; under create_graph it must record
    a0, b0 = _w((2, 3), 1), _w((1, 3), 2)
    a, b = nd.array(a0, dtype=np.float64), nd.array(b0, dtype=np.float64)
    b.attach_grad()
    with autograd.record():
        y = a * b * b
        gb = autograd.grad(y, b, create_graph=True)   # sum over rows of 2 a b
    gb.backward()
    np.testing.assert_allclose(gb.asnumpy(), (2 * a0 * b0).sum(0, keepdims=True))
    np.testing.assert_allclose(b.grad.asnumpy(), 2 * a0.sum(0, keepdims=True))


@pytest.mark.skipif(distglu.num_gpus() == 0, reason='needs a GPU')
def test_gpu_matches_cpu():
    ctx = distglu.gpu(0)
    a = np.random.default_rng(0).standard_normal((2, 4, 2, 2)).astype(np.float32)
    ops = [lambda x: x.reshape(-1, 0, reverse=True), lambda x: nd.transpose(x, (1, 0, 2, 3)),
           lambda x: nd.broadcast_axis(nd.slice_axis(x, 0, 0, 1), 0, 3),
           lambda x: nd.tile(x, (1, 2, 1, 1)), lambda x: nd.repeat(x, 2, axis=3),
           lambda x: nd.concat(x, x), lambda x: nd.stack(x, x),
           lambda x: nd.split(x, 2, axis=1)[1], lambda x: nd.flip(x, 2),
           lambda x: nd.pad(x, mode='reflect', pad_width=(0, 0, 0, 0, 1, 1, 1, 1)),
           lambda x: nd.pad(x, mode='edge', pad_width=(0, 0, 0, 0, 1, 1, 1, 1)),
           lambda x: nd.diag(x, axis1=2, axis2=3), lambda x: nd.depth_to_space(x, 2),
           lambda x: nd.shape_array(x)]
    for op in ops:
        xc = nd.array(a)
        xg = nd.array(a, ctx=ctx)
        xc.attach_grad()
        xg.attach_grad()
        with autograd.record():
            yc = op(xc)
            yg = op(xg)
        assert yg.context == ctx
        np.testing.assert_allclose(yg.asnumpy(), yc.asnumpy(), rtol=1e-6)
        if yc._node is not None:
            yc.backward()
            yg.backward()
            np.testing.assert_allclose(xg.grad.asnumpy(), xc.grad.asnumpy(), rtol=1e-6)
