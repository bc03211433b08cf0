"""Indexing operators and NDArray.__getitem__/__setitem__ against NumPy and MXNet 1.9.1.

Hard-coded expected values marked "MXNet" were recorded with mxnet 1.9.1.
"""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient

INPLACE_MSG = "Assigning to NDArrays that are already in a computational graph"


def _x():
    return nd.arange(12).reshape((3, 4))


def _y():
    return nd.arange(24).reshape((2, 3, 4))


def _check(res, shape, values, dtype=np.float32):
    assert res.shape == tuple(shape)
    assert res.dtype == dtype
    np.testing.assert_array_equal(res.asnumpy().ravel(), np.asarray(values, dtype=dtype).ravel())


# ====================================================================== __getitem__

BASIC_KEYS = [
    np.s_[1], np.s_[-1], np.s_[1:], np.s_[:, 1], np.s_[1:, ::-1], np.s_[::2, 1:3],
    np.s_[None], np.s_[..., 1], np.s_[1, ...], np.s_[None, 1], np.s_[:, None, 2:],
    np.s_[0:2, 0:2, None], np.s_[5:10], np.s_[-2:, ::-3], np.s_[..., None],
]


@pytest.mark.parametrize('key', BASIC_KEYS)
def test_getitem_basic_matches_numpy(key):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    r = nd.array(a)[key]
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r.asnumpy(), a[key])


ADV_KEYS = [
    [0, 2], [[0, 1], [1, 2]], np.s_[[0, 2], [1, 3]], np.s_[:, [1, 3]], np.s_[1, [0, 1]],
    np.s_[[0, 2], 1:3], np.s_[1:3, [0, 2]], np.s_[[-1]], np.s_[(0, 1), ],
    np.s_[[[0], [1]], [0, 1, 2]], np.s_[..., [3, 0]],
]


@pytest.mark.parametrize('key', ADV_KEYS)
def test_getitem_advanced_matches_numpy(key):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    r = nd.array(a)[key]
    np.testing.assert_array_equal(r.asnumpy(), a[key])


@pytest.mark.parametrize('key', [
    np.s_[[0, 1], :, [0, 1]], np.s_[:, [0, 1], [0, 1]], np.s_[0, :, [0, 1]],
    np.s_[[0, 1], [[0], [1]]], np.s_[np.array([1, 0]), 1], np.s_[1, np.array([1, 0]), 1],
    np.s_[[1, 0], 2, [3, 1]], np.s_[:, ::-1, [1, 1, 0]],
])
def test_getitem_advanced_3d_matches_numpy(key):
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(nd.array(a)[key].asnumpy(), a[key])


def test_getitem_index_array_kinds():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    x = nd.array(a)
    for idx in (nd.array([0, 2]), nd.array([0, 2], dtype='int32'), np.array([0, 2]),
                [0, 2], range(0, 3, 2)):
        np.testing.assert_array_equal(x[idx].asnumpy(), a[[0, 2]])
    # float index arrays truncate (MXNet casts them to int)
    np.testing.assert_array_equal(x[nd.array([1.7])].asnumpy(), a[[1]])
    np.testing.assert_array_equal(x[nd.array([0, 1]), nd.array([2, 3])].asnumpy(), [2, 7])
    np.testing.assert_array_equal(x[np.int64(1)].asnumpy(), a[1])


def test_getitem_mxnet_scalar_results_have_shape_1():
    x = _x()
    _check(x[1, 2], (1,), [6])                      # MXNet: shape (1,), not ()
    _check(nd.arange(5)[2], (1,), [2])
    _check(nd.arange(5)[-1], (1,), [4])
    _check(x[1][2], (1,), [6])
    _check(_y()[1, 1, 1], (1,), [17])
    _check(x[1, 2, None], (1,), [6])


def test_getitem_mxnet_new_axes_with_index_arrays():
    # MXNet places new axes after index arrays differently from NumPy (values: MXNet 1.9.1)
    x, y = _x(), _y()
    assert x[[0, 1], None].shape == (1, 2, 4)        # NumPy: (2, 1, 4)
    assert y[[0, 1], None].shape == (1, 2, 3, 4)
    assert y[:, [0, 1], None].shape == (2, 1, 2, 4)  # NumPy: (2, 2, 1, 4)
    assert y[None, [0, 1]].shape == (1, 2, 3, 4)
    assert y[[0, 1], None, [0, 1]].shape == (2, 1, 4)
    assert y[:, None, [0, 1]].shape == (2, 1, 2, 4)
    assert y[[0, 1], 1:, None].shape == (2, 1, 2, 4)
    assert y[[1, 0], ..., None].shape == (2, 3, 1, 4)
    assert y[0, None, [1, 2]].shape == (2, 1, 4)
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.testing.assert_array_equal(y[:, [0, 1], None].asnumpy(),
                                  np.expand_dims(a[:, [0, 1]], 1))
    _check(y[[1, 0], ..., None][0, :, 0], (3, 4), np.arange(12, 24))


def test_getitem_mxnet_index_block_moves_to_front_across_none():
    # a None between index arrays sends their dimensions to the front (MXNet 1.9.1 values)
    y = _y()
    _check(y[:, [0, 1], None, [1, 2]], (2, 2, 1), [1, 13, 6, 18])
    _check(y[:, 1, None, [1, 2]], (2, 2, 1), [5, 17, 6, 18])
    _check(y[1:, [[0], [2]], None, [1, 3]], (2, 2, 1, 1), [13, 15, 21, 23])
    y.attach_grad()
    with autograd.record():
        r = y[:, [0, 2], None, [1, 2]]
        (r * nd.arange(4).reshape((2, 2, 1))).sum().backward()
    expected = np.zeros(24)
    expected[[10, 13, 22]] = [2, 1, 3]
    np.testing.assert_array_equal(y.grad.asnumpy().ravel(), expected)
    a = _y()
    a[:, [0, 1], None, [1, 2]] = nd.array([100, 200]).reshape((2, 1, 1))
    expected = np.arange(24.)
    expected[[1, 13]] = 100
    expected[[6, 18]] = 200
    np.testing.assert_array_equal(a.asnumpy().ravel(), expected)


def test_getitem_mxnet_bool_lists_are_integers():
    # MXNet 1.x casts lists and NumPy arrays of booleans to integers (no masking)
    x, y = _x(), _y()
    _check(x[[True, False, True]], (3, 4), [4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7])
    _check(y[np.array([True, False])][0, 0], (4,), [12, 13, 14, 15])


def test_getitem_view_semantics_follow_mxnet():
    # contiguous selections are views, others copies (MXNet 1.9.1 result below)
    x = _x()
    x[1:3][:] = 100
    x[0][:] = -1
    x[:, 1][:] = 55          # copy: no effect
    x[0, 2][:] = 77
    x[1, 1:3][:] = 33
    x[::-1][:] = 0           # copy: no effect
    np.testing.assert_array_equal(x.asnumpy(), [[-1, -1, 77, -1], [100, 33, 33, 100],
                                                [100, 100, 100, 100]])


def test_getitem_empty_tuple_returns_self():
    x = _x()
    assert x[()] is x
    np.testing.assert_array_equal(x[...].asnumpy(), x.asnumpy())


def test_getitem_errors():
    x = _x()
    with pytest.raises(IndexError, match='index 5 is out of bounds for axis 0 with size 3'):
        x[5]
    with pytest.raises(DistGluError, match='index -4 is out of bounds for axis 0 with size 3'):
        x[-4]
    with pytest.raises(IndexError, match='index 7 is out of bounds for axis 1 with size 4'):
        x[1, 7]
    with pytest.raises(IndexError, match='index -5 is out of bounds for axis 1 with size 4'):
        x[:, -5]
    with pytest.raises(IndexError, match='index 5 is out of bounds for axis 0 with size 3'):
        x[[0, 5]]
    with pytest.raises(IndexError, match='index 4 is out of bounds for axis 1 with size 4'):
        x[nd.array([0, 1]), nd.array([2, 4])]
    with pytest.raises(IndexError, match=r'too many indices \(3\) for array with 2 dimensions'):
        x[0, 0, 0]
    with pytest.raises(IndexError, match='more than one ellipsis'):
        x[..., ...]
    with pytest.raises(ValueError, match='does not support slicing with key 1.0'):
        x[1.0]
    with pytest.raises(IndexError, match='shape mismatch'):
        x[[0, 1], [0, 1, 2]]
    with pytest.raises(DistGluError, match='zero'):
        x[::0]


def test_getitem_numeric_gradients():
    a = np.random.default_rng(0).standard_normal((3, 4, 5))
    w = np.random.default_rng(1).standard_normal(100)

    def weighted(y):
        return y * nd.array(w[:y.size].reshape(y.shape), dtype=np.float64)

    for key in [np.s_[1], np.s_[:, 1:3, ::2], np.s_[None, -1, ..., None], np.s_[1, 2, 3],
                np.s_[[0, 2, 0]], np.s_[:, [1, 1, 3], 2:], np.s_[[0, 2], :, [4, 4]],
                np.s_[[2, 0], None, 1]]:
        check_numeric_gradient(lambda x, k=key: weighted(x[k]), [a], rtol=1e-6, atol=1e-8)


def test_getitem_gradient_duplicates_accumulate():
    x = nd.array([[1., 2.], [3., 4.], [5., 6.]])
    x.attach_grad()
    with autograd.record():
        y = x[[0, 2, 0, 0]]
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[3, 3], [0, 0], [1, 1]])
    # MXNet 1.9.1: basic and advanced getitem in one graph
    a = nd.arange(6).reshape((2, 3))
    a.attach_grad()
    with autograd.record():
        d = (a[1] * 2).sum() + (a[:, [0, 0, 2]] * a[:, [0, 0, 2]]).sum()
    d.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), [[0, 0, 4], [14, 2, 12]])


def test_getitem_int_key_gradient_and_1d():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    with autograd.record():
        y = x[1] * 5
    assert y.shape == (1,)
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 5, 0])


# ====================================================================== __setitem__

def test_setitem_mxnet_cases():
    x = _x()
    x[1] = nd.array([9, 9, 9, 9], dtype='int32')
    x[:, 1] = np.array([1, 2, 3])
    x[[0, 2], 1:3] = 5.7
    x[[0, 2], [1, 3]] = nd.array([-1, -2])
    np.testing.assert_allclose(x.asnumpy(), [[0, -1, 5.7, 3], [9, 2, 9, 9], [8, 5.7, 5.7, -2]])
    assert x.dtype == np.float32
    x[:] = [[1], [2], [3]]
    x[1, None] = nd.array([[7, 7, 7, 7]])
    x[:, None, 1:3] = nd.ones((3, 1, 2)) * 4
    np.testing.assert_array_equal(x.asnumpy(), [[1, 4, 4, 1], [7, 4, 4, 7], [3, 4, 4, 3]])
    x[:, None, 1:3] = nd.ones((3, 2)) * 5
    x[0] = nd.ones((1, 4)) * 8
    x[5:] = 1
    x[1, 2] = np.float64(3.5)
    x[..., 0] = nd.array([1, 2, 3])
    np.testing.assert_array_equal(x.asnumpy(), [[1, 8, 8, 8], [2, 5, 3.5, 7], [3, 5, 5, 3]])
    x[::-1, 0:2:2] = [6]
    x[[0], [1, 2]] = 0
    np.testing.assert_array_equal(x.asnumpy(), [[6, 0, 0, 8], [6, 5, 3.5, 7], [6, 5, 5, 3]])
    x[()] = 2
    np.testing.assert_array_equal(x.asnumpy(), np.full((3, 4), 2))


def test_setitem_casts_to_target_dtype():
    xi = nd.zeros((2, 2), dtype='int32')
    xi[0] = 2.7
    xi[1] = nd.array([3.9, -1.5])
    assert xi.dtype == np.int32
    np.testing.assert_array_equal(xi.asnumpy(), [[2, 2], [3, -1]])
    x = nd.zeros((2,), dtype='float16')
    x[:] = np.array([1.5, 2.5], dtype=np.float64)
    assert x.dtype == np.float16


def test_setitem_broadcasting_matches_numpy():
    rng = np.random.default_rng(3)
    for key, vshape in [(np.s_[:, 1:3], (2, 1)), (np.s_[1], (1, 5)), (np.s_[[0, 2], :, 1], (4,)),
                        (np.s_[:, [1, 3], ::2], (1, 3)), (np.s_[..., 4], (3, 1)),
                        (np.s_[[1, 0, 2]], (3, 4, 1)), (np.s_[2, [0, 1], [2, 3]], ())]:
        a = rng.standard_normal((3, 4, 5)).astype(np.float32)
        v = rng.standard_normal(vshape).astype(np.float32)
        x = nd.array(a)
        x[key] = nd.array(v) if vshape else float(v)
        a[key] = v
        np.testing.assert_array_equal(x.asnumpy(), a)


def test_setitem_advanced_with_new_axes_uses_mxnet_layout():
    y = _y()
    # MXNet: the value has y[[1, 0], 2, None, [3, 1]]'s shape (2, 1)
    y[[1, 0], 2, None, [3, 1]] = nd.array([[5], [6]])
    assert y[1, 2, 3].asscalar() == 5 and y[0, 2, 1].asscalar() == 6
    y = _y()
    y[:, [0, 1], None] = nd.arange(16).reshape((2, 1, 2, 4)) + 100
    np.testing.assert_array_equal(y[:, :2].asnumpy().ravel(), np.arange(16) + 100)


def test_setitem_errors():
    x = nd.zeros((3, 4))
    with pytest.raises(ValueError, match='cannot broadcast a value of shape'):
        x[2, 1:3] = nd.ones((3, 2))
    with pytest.raises(IndexError, match='index 7 is out of bounds for axis 0 with size 3'):
        x[7] = 1
    with pytest.raises(IndexError, match='too many indices'):
        x[0, 0, 0] = 1
    with pytest.raises(DistGluError, match='expected an NDArray, a NumPy array'):
        x[0] = object()


def test_setitem_inplace_in_record_raises():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    with autograd.record():
        y = x * 2
        with pytest.raises(DistGluError, match=INPLACE_MSG):
            y[0] = 5
        with pytest.raises(DistGluError, match=INPLACE_MSG):
            x[0] = 5
    # outside record, or on arrays not in a graph, writing is fine
    z = nd.ones(3)
    with autograd.record():
        z[1] = 7
    np.testing.assert_array_equal(z.asnumpy(), [1, 7, 1])
    y[0] = 5
    assert y.asnumpy()[0] == 5


def test_setitem_recorded_full_overwrite():
    # MXNet 1.9.1: y[:] = x * 2 under record routes the gradient to x -> [10, 14, 18]
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    y = nd.ones((2, 3))
    w = nd.array([[1., 2., 3.], [4., 5., 6.]])
    with autograd.record():
        y[:] = x * 2
        z = (y * w).sum()
        with pytest.raises(DistGluError, match=INPLACE_MSG):
            y[0] = 1           # y is now in the graph
    z.backward()
    np.testing.assert_array_equal(y.asnumpy(), [[2, 4, 6], [2, 4, 6]])
    np.testing.assert_array_equal(x.grad.asnumpy(), [10, 14, 18])


def test_setitem_recorded_partial_write():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    y = nd.ones((2, 3))
    w = nd.array([[1., 2., 3.], [4., 5., 6.]])
    with autograd.record():
        y[:, 1] = x[1:] * 2
        z = (y * w).sum()
    z.backward()
    np.testing.assert_array_equal(y.asnumpy(), [[1, 4, 1], [1, 6, 1]])
    np.testing.assert_array_equal(x.grad.asnumpy(), [0, 4, 10])
    # advanced key, broadcast value, old content of y gets no gradient
    v = nd.array([2., 3.])
    v.attach_grad()
    y = nd.ones((3, 2, 2))
    wn = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    with autograd.record():
        y[[0, 2], 1] = v * 1
        z = (y * nd.array(wn)).sum()
    z.backward()
    np.testing.assert_array_equal(v.grad.asnumpy(), wn[[0, 2], 1].sum(axis=0))
    np.testing.assert_array_equal(y.asnumpy()[[0, 2], 1], [[2, 3], [2, 3]])


def test_setitem_recorded_numeric_gradient():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((3, 4))

    def fn(v):
        y = nd.zeros((3, 4), dtype=np.float64)
        y[:, 1:3] = v * v
        return y * nd.array(w, dtype=np.float64)

    check_numeric_gradient(fn, [rng.standard_normal((2,))], rtol=1e-6, atol=1e-8)

    def fn_none(v):
        y = nd.zeros((3, 4), dtype=np.float64)
        y[:, None, 1:3] = v * 3
        return y * nd.array(w, dtype=np.float64)

    check_numeric_gradient(fn_none, [rng.standard_normal((3, 1, 2))], rtol=1e-6, atol=1e-8)


# ====================================================================== take

def test_take_modes_mxnet():
    a = _x()
    _check(nd.take(a, nd.array([0, 2.7, -1.5, 5])), (4, 4),
           [0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11])
    _check(nd.take(a, nd.array([0, 2.7, -1.5, 5]), mode='wrap'), (4, 4),
           [0, 1, 2, 3, 8, 9, 10, 11, 8, 9, 10, 11, 8, 9, 10, 11])
    _check(nd.take(a, nd.array([-5.5]), mode='wrap'), (1, 4), [4, 5, 6, 7])
    _check(nd.take(a, nd.array([1.9]), mode='raise'), (1, 4), [4, 5, 6, 7])
    _check(nd.take(a, nd.array([[0, 2], [1, 1]]), axis=-1), (3, 2, 2),
           [0, 2, 1, 1, 4, 6, 5, 5, 8, 10, 9, 9])
    _check(nd.take(a.astype('int32'), nd.array([1])), (1, 4), [4, 5, 6, 7], np.int32)
    _check(a.take(nd.array([2], dtype='int32')), (1, 4), [8, 9, 10, 11])


@pytest.mark.parametrize('axis', [0, 1, 2, -1])
@pytest.mark.parametrize('mode', ['clip', 'wrap'])
def test_take_matches_numpy(axis, mode):
    rng = np.random.default_rng(7)
    a = rng.standard_normal((4, 5, 6)).astype(np.float32)
    idx = rng.integers(-8, 9, size=(2, 3))
    r = nd.take(nd.array(a), nd.array(idx), axis=axis, mode=mode)
    np.testing.assert_array_equal(r.asnumpy(), np.take(a, idx, axis=axis, mode=mode))


def test_take_errors():
    a = _x()
    with pytest.raises(DistGluError, match="Invalid Input: 'foo', valid values are: "
                                           "{'clip', 'raise', 'wrap'}"):
        nd.take(a, nd.array([0]), mode='foo')
    with pytest.raises(DistGluError, match="mode='raise'"):
        nd.take(a, nd.array([0, 5]), mode='raise')
    with pytest.raises(DistGluError, match="mode='raise'"):
        nd.take(a, nd.array([-1]), mode='raise')
    with pytest.raises(DistGluError, match='axis 2 is out of range'):
        nd.take(a, nd.array([1]), axis=2)


@pytest.mark.parametrize('axis', [0, 1, 2])
def test_take_gradient(axis):
    rng = np.random.default_rng(axis)
    a = rng.standard_normal((3, 4, 5))
    idx = nd.array([[0, 2, 2], [1, 0, 2]])
    w = nd.array(rng.standard_normal(a.shape[:axis] + (2, 3) + a.shape[axis + 1:]),
                 dtype=np.float64)
    check_numeric_gradient(lambda x: nd.take(x, idx, axis=axis) * w, [a], rtol=1e-6,
                           atol=1e-8)


@pytest.mark.parametrize('sparse', [True, False])
@pytest.mark.parametrize('axis', [0, 1])
def test_take_gradient_duplicates_large_blocks(monkeypatch, sparse, axis):
    # big enough to take the sparse-GEMM / bincount / reduce paths of the scatter-add
    from distglu.ndarray.ops import _gather
    if not sparse:
        monkeypatch.setattr(_gather, '_sparse_mod', False)
    rng = np.random.default_rng(11)
    n, d, m = 50, 64, 500
    idx = rng.integers(0, n, m)
    for width in (d, 1):
        shape = (n, width) if axis == 0 else (3, n, width)
        gshape = (m, width) if axis == 0 else (3, m, width)
        g = rng.standard_normal(gshape).astype(np.float32)
        x = nd.zeros(shape)
        x.attach_grad()
        with autograd.record():
            y = nd.take(x, nd.array(idx), axis=axis)
        y.backward(nd.array(g))
        ref = np.zeros(shape, np.float32)
        np.add.at(ref, (slice(None),) * axis + (idx,), g)
        assert x.grad.dtype == np.float32
        np.testing.assert_allclose(x.grad.asnumpy(), ref, rtol=1e-5, atol=1e-5)


# ====================================================================== pick

def test_pick_mxnet():
    a = _x()
    _check(nd.pick(a, nd.array([0, 3, 1])), (3,), [0, 7, 9])
    _check(nd.pick(a, nd.array([0, 5, -1])), (3,), [0, 7, 8])
    _check(nd.pick(a, nd.array([0, 5, -1]), mode='wrap'), (3,), [0, 5, 11])
    _check(nd.pick(a, nd.array([0, 2, 1, 1]), axis=0), (4,), [0, 9, 6, 7])
    _check(nd.pick(a, nd.array([0, 2, 1, 1]), axis=0, keepdims=True), (1, 4), [0, 9, 6, 7])
    _check(nd.pick(a, nd.array([[0], [2], [1]]), axis=1), (3,), [0, 6, 9])
    _check(nd.pick(a, nd.array([0, 2.9, 1.2])), (3,), [0, 6, 9])
    _check(a.pick(nd.array([0, 3, 1]), keepdims=True), (3, 1), [0, 7, 9])


def test_pick_matches_numpy_and_gradient():
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3, 4, 5))
    for axis in (0, 1, 2, -1):
        ax = axis % 3
        ishape = a.shape[:ax] + a.shape[ax + 1:]
        idx = rng.integers(0, a.shape[ax], ishape)
        r = nd.pick(nd.array(a), nd.array(idx), axis=axis)
        ref = np.take_along_axis(a, np.expand_dims(idx, ax), ax).squeeze(ax)
        np.testing.assert_allclose(r.asnumpy(), ref.astype(np.float32))
        w = nd.array(rng.standard_normal(ishape), dtype=np.float64)
        check_numeric_gradient(lambda x, i=nd.array(idx), ax=axis: nd.pick(x, i, axis=ax) * w,
                               [a], rtol=1e-6, atol=1e-8)


def test_pick_errors():
    a = _x()
    with pytest.raises(DistGluError, match="Invalid Input: 'raise'"):
        nd.pick(a, nd.array([0, 1, 2]), mode='raise')
    with pytest.raises(DistGluError, match='axis=None is not supported'):
        nd.pick(a, nd.array([1]), axis=None)
    with pytest.raises(DistGluError, match=r'index must have shape \(3,\)'):
        nd.pick(a, nd.array([0, 1]))


# ====================================================================== gather_nd / scatter_nd

def test_gather_nd_mxnet():
    a = _x()
    _check(nd.gather_nd(a, nd.array([[0, 2], [1, 3]])), (2,), [1, 11])
    _check(nd.gather_nd(a, nd.array([[0, 2]])), (2, 4), [0, 1, 2, 3, 8, 9, 10, 11])
    _check(nd.gather_nd(a, nd.array([[-1, 2]])), (2, 4), [8, 9, 10, 11, 8, 9, 10, 11])
    _check(nd.gather_nd(a, nd.array([[1.7, 2]])), (2, 4), [4, 5, 6, 7, 8, 9, 10, 11])
    _check(nd.gather_nd(a, nd.array([[[0, 1], [1, 2]], [[0, 0], [3, 3]]])), (2, 2),
           [0, 4, 7, 11])
    with pytest.raises(IndexError, match='index 5 is out of bounds for axis 0 with size 3'):
        nd.gather_nd(a, nd.array([[5, 2]]))
    with pytest.raises(DistGluError, match='at least 2 dimensions'):
        nd.gather_nd(a, nd.array([1, 2]))
    with pytest.raises(DistGluError, match='Number of indices exceeds data dimension'):
        nd.gather_nd(a, nd.array([[0, 1], [1, 2], [1, 1]]))


def test_gather_nd_gradient_and_duplicates():
    rng = np.random.default_rng(4)
    a = rng.standard_normal((3, 4, 2))
    idx = nd.array([[0, 2, 0, 0], [1, 3, 1, -1]])
    w = nd.array(rng.standard_normal((4, 2)), dtype=np.float64)
    check_numeric_gradient(lambda x: nd.gather_nd(x, idx) * w, [a], rtol=1e-6, atol=1e-8)
    x = nd.zeros((2, 2))
    x.attach_grad()
    with autograd.record():
        y = nd.gather_nd(x, nd.array([[0, 0, 1], [1, 1, 0]]))
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 2], [1, 0]])


def test_scatter_nd():
    _check(nd.scatter_nd(nd.array([1, 2]), nd.array([[0, 2], [1, 3]]), shape=(3, 4)), (3, 4),
           [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2])
    _check(nd.scatter_nd(nd.array([[1, 2, 3, 4]]), nd.array([[2]]), shape=(3, 4)), (3, 4),
           [0] * 8 + [1, 2, 3, 4])
    _check(nd.scatter_nd(nd.array([1, 2], dtype='int32'), nd.array([[0, 2], [1, 3]]),
                         shape=(3, 4)), (3, 4), [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], np.int32)
    idx = nd.array([[0, 2, 1], [1, 3, 0]])
    w = np.random.default_rng(0).standard_normal((3, 4))
    check_numeric_gradient(
        lambda v: nd.scatter_nd(v, idx, shape=(3, 4)) * nd.array(w, dtype=np.float64),
        [np.array([1., 2., 3.])], rtol=1e-6, atol=1e-8)
    with pytest.raises(DistGluError, match='data must have shape'):
        nd.scatter_nd(nd.array([1, 2, 3]), nd.array([[0, 2], [1, 3]]), shape=(3, 4))


# ====================================================================== one_hot

def test_one_hot():
    _check(nd.one_hot(nd.array([0, 2, -1, 5, 1.7]), 4), (5, 4),
           [1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0])
    _check(nd.one_hot(nd.array([0, 2]), 3, on_value=5, off_value=-1, dtype='int32'), (2, 3),
           [5, -1, -1, -1, -1, 5], np.int32)
    _check(nd.one_hot(nd.array([[0, 2]]), 3), (1, 2, 3), [1, 0, 0, 0, 0, 1])
    _check(nd.one_hot(nd.array([0, 2]), 3, dtype='float16'), (2, 3), [1, 0, 0, 0, 0, 1],
           np.float16)
    _check(nd.array([1, 0]).one_hot(2), (2, 2), [0, 1, 1, 0])
    assert nd.one_hot(nd.array([1, 2]), 0).shape == (2, 0)
    with pytest.raises(DistGluError, match='depth must be a non-negative'):
        nd.one_hot(nd.array([1]), -1)


# ====================================================================== topk / sort / argsort

def _b():
    return nd.array([[3, 1, 4, 1], [5, 9, 2, 6], [2, 2, 2, 1]])


def test_topk_mxnet():
    b = _b()
    _check(nd.topk(b), (3, 1), [2, 1, 0])
    _check(nd.topk(b, k=2, ret_typ='value'), (3, 2), [4, 3, 9, 6, 2, 2])
    v, i = nd.topk(b, k=2, ret_typ='both')
    _check(v, (3, 2), [4, 3, 9, 6, 2, 2])
    _check(i, (3, 2), [2, 0, 1, 3, 0, 1])
    _check(nd.topk(b, k=2, ret_typ='mask'), (3, 4), [1, 0, 1, 0, 0, 1, 0, 1, 1, 1, 0, 0])
    _check(nd.topk(b, k=2, is_ascend=True), (3, 2), [1, 3, 2, 0, 3, 0])
    v, i = nd.topk(b, axis=0, k=2, ret_typ='both')
    _check(v, (2, 4), [5, 9, 4, 6, 3, 2, 2, 1])
    _check(i, (2, 4), [1, 1, 0, 1, 0, 2, 1, 0])
    v, i = nd.topk(b, axis=None, k=3, ret_typ='both')
    _check(v, (3,), [9, 6, 5])
    _check(i, (3,), [5, 7, 4])
    _check(nd.topk(b, axis=None, k=3, ret_typ='mask'), (3, 4),
           [0, 0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 0])
    _check(nd.topk(b, k=0), (3, 4), [2, 0, 1, 3, 1, 3, 0, 2, 0, 1, 2, 3])
    _check(nd.topk(b, k=-1), (3, 4), [2, 0, 1, 3, 1, 3, 0, 2, 0, 1, 2, 3])
    _check(nd.topk(b, k=2, dtype='int32'), (3, 2), [2, 0, 1, 3, 0, 1], np.int32)
    _check(nd.topk(b, k=2, dtype='float16'), (3, 2), [2, 0, 1, 3, 0, 1], np.float16)
    v, i = nd.topk(b.astype('int32'), k=2, ret_typ='both', dtype='int64')
    _check(v, (3, 2), [4, 3, 9, 6, 2, 2], np.int32)
    _check(i, (3, 2), [2, 0, 1, 3, 0, 1], np.int64)
    # mask keeps the data's dtype whatever ``dtype`` says
    _check(nd.topk(nd.array([[1, 2], [3, 4]]), axis=0, ret_typ='mask', k=1, dtype='int32'),
           (2, 2), [0, 0, 1, 1])
    _check(b.topk(k=1, ret_typ='value'), (3, 1), [4, 9, 2])


def test_topk_ties_are_stable():
    # MXNet 1.9.1 keeps ties in index order, ascending and descending
    v, i = nd.topk(nd.array([1, 1, 1, 2, 2]), k=4, ret_typ='both')
    _check(v, (4,), [2, 2, 1, 1])
    _check(i, (4,), [3, 4, 0, 1])
    v, i = nd.topk(nd.array([1, 1, 1, 2, 2]), k=4, ret_typ='both', is_ascend=True)
    _check(i, (4,), [0, 1, 2, 3])
    _check(nd.argsort(nd.array([1, 1, 1, 2, 2]), is_ascend=False), (5,), [3, 4, 0, 1, 2])
    v, i = nd.topk(nd.array([3, 1, 2]).astype('uint8'), k=2, ret_typ='both')
    _check(v, (2,), [3, 2], np.uint8)
    _check(i, (2,), [0, 2])


@pytest.mark.parametrize('axis', [0, 1, -1, None])
@pytest.mark.parametrize('is_ascend', [True, False])
def test_topk_sort_argsort_match_numpy(axis, is_ascend):
    rng = np.random.default_rng(8)
    a = rng.permutation(60).reshape(3, 4, 5).astype(np.float32)   # no ties
    x = nd.array(a)
    flat = a.reshape(-1) if axis is None else a
    ax = 0 if axis is None else axis
    order = np.argsort(flat if is_ascend else -flat, axis=ax)
    srt = np.take_along_axis(flat, order, ax)
    np.testing.assert_array_equal(nd.sort(x, axis=axis, is_ascend=is_ascend).asnumpy(), srt)
    arg = nd.argsort(x, axis=axis, is_ascend=is_ascend)
    assert arg.dtype == np.float32
    np.testing.assert_array_equal(arg.asnumpy(), order)
    for k in (1, 3):
        sl = (slice(None),) * (ax % flat.ndim) + (slice(0, k),)
        v, i = nd.topk(x, axis=axis, k=k, ret_typ='both', is_ascend=is_ascend)
        np.testing.assert_array_equal(v.asnumpy(), srt[sl])
        np.testing.assert_array_equal(i.asnumpy(), order[sl])
        assert i.dtype == np.float32 and v.dtype == np.float32


@pytest.mark.parametrize('dtype', ['float32', 'int32'])
def test_topk_argsort_with_many_ties_match_stable_reference(dtype):
    # exercises both the fast (unstable sort, checked) and the stable fallback paths
    rng = np.random.default_rng(12)
    for a in (rng.integers(0, 4, (5, 9)), rng.integers(0, 1000, (5, 9)),
              np.array([[5, 3, 3, 1, 0, 7, 3, 3, 2]])):
        a = a.astype(dtype)
        x = nd.array(a, dtype=dtype)
        for is_ascend in (True, False):
            ref = np.argsort(a if is_ascend else -a.astype(np.int64), axis=1, kind='stable')
            np.testing.assert_array_equal(
                nd.argsort(x, is_ascend=is_ascend).asnumpy(), ref)
            for k in (1, 2, 3, 8):
                v, i = nd.topk(x, k=k, ret_typ='both', is_ascend=is_ascend)
                np.testing.assert_array_equal(i.asnumpy(), ref[:, :k])
                np.testing.assert_array_equal(v.asnumpy(), np.take_along_axis(a, ref[:, :k], 1))
                mask = np.zeros_like(a)
                np.put_along_axis(mask, ref[:, :k], 1, 1)
                np.testing.assert_array_equal(
                    nd.topk(x, k=k, ret_typ='mask', is_ascend=is_ascend).asnumpy(), mask)


def test_sort_mxnet_int_and_axis_none():
    _check(nd.sort(_b().astype('int32'), is_ascend=False), (3, 4),
           [4, 3, 1, 1, 9, 6, 5, 2, 2, 2, 2, 1], np.int32)
    _check(nd.argsort(_b(), axis=None), (12,), [1, 3, 11, 6, 8, 9, 10, 0, 2, 4, 7, 5])
    _check(nd.argsort(_b(), dtype='int32'), (3, 4), [1, 3, 0, 2, 2, 0, 3, 1, 3, 0, 1, 2],
           np.int32)
    _check(_b().sort(axis=0), (3, 4), [2, 1, 2, 1, 3, 2, 2, 1, 5, 9, 4, 6])
    _check(_b().argsort(is_ascend=False), (3, 4), [2, 0, 1, 3, 1, 3, 0, 2, 0, 1, 2, 3])


def test_ordering_errors():
    b = _b()
    with pytest.raises(DistGluError, match="Invalid Input: 'foo', valid values are: "
                                           "{'both', 'indices', 'mask', 'value'}"):
        nd.topk(b, ret_typ='foo')
    with pytest.raises(DistGluError, match='k must be at most 4'):
        nd.topk(b, k=5)
    with pytest.raises(DistGluError, match="Invalid Input: 'int8'"):
        nd.argsort(b, dtype='int8')
    with pytest.raises(DistGluError, match='axis 3 is out of range'):
        nd.topk(b, axis=3)


def test_sort_topk_gradients():
    rng = np.random.default_rng(9)
    a = rng.permutation(60).reshape(3, 4, 5) / 7.0
    for axis in (0, 1, -1, None):
        w = rng.standard_normal(a.shape if axis is not None else (60,))
        check_numeric_gradient(
            lambda x, ax=axis, w=w: nd.sort(x, axis=ax, is_ascend=False) * nd.array(
                w, dtype=np.float64), [a], rtol=1e-6, atol=1e-8)
        kshape = list(a.shape) if axis is not None else [60]
        kshape[0 if axis is None else axis] = 2
        wk = rng.standard_normal(kshape)
        check_numeric_gradient(
            lambda x, ax=axis, w=wk: nd.topk(x, axis=ax, k=2, ret_typ='value') * nd.array(
                w, dtype=np.float64), [a], rtol=1e-6, atol=1e-8)
    x = nd.array(a)
    x.attach_grad()
    with autograd.record():
        v, i = nd.topk(x, k=2, ret_typ='both', is_ascend=True)
    v.backward()
    mask = nd.topk(nd.array(a), k=2, ret_typ='mask', is_ascend=True).asnumpy()
    np.testing.assert_array_equal(x.grad.asnumpy(), mask)


# ====================================================================== boolean_mask

def test_boolean_mask():
    a = _x()
    _check(nd.boolean_mask(a, nd.array([1, 0, 1])), (2, 4), [0, 1, 2, 3, 8, 9, 10, 11])
    _check(nd.boolean_mask(a, nd.array([2, 0, -1])), (2, 4), [0, 1, 2, 3, 8, 9, 10, 11])
    assert nd.boolean_mask(a, nd.array([0, 0, 0])).shape == (0, 4)
    with pytest.raises(DistGluError, match='index must be a vector of length 3'):
        nd.boolean_mask(a, nd.array([1, 0]))
    w = np.arange(8.0).reshape(2, 4)
    check_numeric_gradient(lambda x: nd.boolean_mask(x, nd.array([0, 1, 1])) *
                           nd.array(w, dtype=np.float64), [np.ones((3, 4))], rtol=1e-6)


# ====================================================================== Sequence*

def _z():
    return nd.arange(24).reshape((4, 3, 2))


def test_sequence_mask_mxnet():
    z, L = _z(), nd.array([1, 4, 2])
    _check(nd.SequenceMask(z), (4, 3, 2), np.arange(24))
    _check(nd.SequenceMask(z, L, use_sequence_length=True, value=-1), (4, 3, 2),
           [0, 1, 2, 3, 4, 5, -1, -1, 8, 9, 10, 11, -1, -1, 14, 15, -1, -1, -1, -1, 20, 21,
            -1, -1])
    _check(nd.SequenceMask(z.reshape((3, 4, 2)), L, use_sequence_length=True, axis=1),
           (3, 4, 2), [0, 1] + [0] * 6 + list(range(8, 20)) + [0] * 4)
    _check(nd.SequenceMask(z, nd.array([0, 5, 2.7]), use_sequence_length=True), (4, 3, 2),
           [0, 0, 2, 3, 4, 5, 0, 0, 8, 9, 10, 11, 0, 0, 14, 15, 0, 0, 0, 0, 20, 21, 0, 0])
    _check(nd.SequenceMask(z.astype('int32'), L.astype('int32'), use_sequence_length=True),
           (4, 3, 2), [0, 1, 2, 3, 4, 5, 0, 0, 8, 9, 10, 11, 0, 0, 14, 15, 0, 0, 0, 0, 20, 21,
                       0, 0], np.int32)
    with pytest.raises(DistGluError, match='expects axis to be 0 or 1'):
        nd.SequenceMask(z, L, use_sequence_length=True, axis=2)
    with pytest.raises(DistGluError, match='use_sequence_length is False'):
        nd.SequenceMask(z, L)
    with pytest.raises(DistGluError, match=r'must have shape \(3,\)'):
        nd.SequenceMask(z, nd.array([1, 2]), use_sequence_length=True)
    with pytest.raises(DistGluError, match='rank 2 or greater'):
        nd.SequenceMask(nd.arange(4), nd.array([2]), use_sequence_length=True)


def test_sequence_last_and_reverse_mxnet():
    z, L = _z(), nd.array([1, 4, 2])
    _check(nd.SequenceLast(z), (3, 2), [18, 19, 20, 21, 22, 23])
    _check(nd.SequenceLast(z, L, use_sequence_length=True), (3, 2), [0, 1, 20, 21, 10, 11])
    _check(nd.SequenceLast(z.reshape((3, 4, 2)), L, use_sequence_length=True, axis=1), (3, 2),
           [0, 1, 14, 15, 18, 19])
    _check(nd.SequenceLast(nd.arange(6).reshape((3, 2)), nd.array([1, 2]),
                           use_sequence_length=True), (2,), [0, 3])
    _check(nd.SequenceReverse(z), (4, 3, 2), np.arange(24).reshape(4, 6)[::-1])
    _check(nd.SequenceReverse(z, L, use_sequence_length=True), (4, 3, 2),
           [0, 1, 20, 21, 10, 11, 6, 7, 14, 15, 4, 5, 12, 13, 8, 9, 16, 17, 18, 19, 2, 3, 22,
            23])
    _check(nd.SequenceReverse(nd.arange(6).reshape((3, 2)), nd.array([1, 2]),
                              use_sequence_length=True), (3, 2), [0, 3, 2, 1, 4, 5])
    with pytest.raises(DistGluError, match='expects axis to be 0'):
        nd.SequenceReverse(z, L, use_sequence_length=True, axis=1)


def test_sequence_gradients():
    rng = np.random.default_rng(6)
    a = rng.standard_normal((4, 3, 2))
    L = nd.array([1, 4, 2])
    w = nd.array(rng.standard_normal((4, 3, 2)), dtype=np.float64)
    wl = nd.array(rng.standard_normal((3, 2)), dtype=np.float64)
    for fn in (lambda x: nd.SequenceMask(x, L, use_sequence_length=True, value=3.) * w,
               lambda x: nd.SequenceReverse(x, L, use_sequence_length=True) * w,
               lambda x: nd.SequenceReverse(x) * w,
               lambda x: nd.SequenceLast(x, L, use_sequence_length=True) * wl,
               lambda x: nd.SequenceLast(x.transpose((1, 0, 2)), L, use_sequence_length=True,
                                         axis=1) * wl):
        check_numeric_gradient(fn, [a], rtol=1e-6, atol=1e-8)


# ====================================================================== misc

def test_batch_take_and_ravel():
    a = _x()
    _check(nd.batch_take(a, nd.array([0, 5, -1], dtype='int32')), (3,), [0, 7, 8])
    _check(nd.batch_take(a, nd.array([[0], [1], [2]], dtype='int32')), (3, 1), [0, 5, 10])
    _check(nd.ravel_multi_index(nd.array([[0, 5], [1, 3]]), shape=(3, 4)), (2,), [1, 23])
    _check(nd.ravel_multi_index(nd.array([[0, 2], [1, 3]], dtype='int32'), shape=(3, 4)), (2,),
           [1, 11], np.int32)
    _check(nd.unravel_index(nd.array([1, 13]), shape=(3, 4)), (2, 2), [0, 3, 1, 1])
    _check(nd.unravel_index(nd.array([-1, 13]), shape=(3, 4)), (2, 2), [0, 3, -1, 1])


def test_second_order_through_take_and_getitem():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    idx = nd.array([0, 2, 2, 1, 2])
    with autograd.record():
        y = nd.take(x, idx)
        z = (y * y * y).sum() + (x[[0, 0]] * x[[0, 0]]).sum()
        g = autograd.grad(z, x, create_graph=True)
        s = g.sum()
    s.backward()
    counts = np.array([1., 1., 3.])
    xn = np.array([1., 2., 3.])
    np.testing.assert_allclose(g.asnumpy(), 3 * counts * xn ** 2 + [4, 0, 0])
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * counts * xn + [4, 0, 0])


def test_out_argument():
    a = _x()
    o = nd.zeros((2, 4))
    r = nd.take(a, nd.array([2, 0]), out=o)
    assert r is o
    np.testing.assert_array_equal(o.asnumpy(), a.asnumpy()[[2, 0]])


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_indexing_on_gpu():
    ctx = mx.gpu(0)
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    x = nd.array(a, ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = (x[1, [0, 2, 2]] * 2).sum() + nd.take(x, nd.array([1, 1], ctx=ctx), axis=2).sum()
        v = nd.topk(x, k=2, ret_typ='value').sum()
    (y + v).backward()
    ref = np.zeros_like(a)
    ref[1, [0, 2]] += [[2], [4]]
    ref[:, :, 1] += 2
    ref[:, :, 2:] += 1
    np.testing.assert_allclose(x.grad.asnumpy(), ref)
    z = nd.zeros((3, 4), ctx=ctx)
    z[[0, 2], 1:3] = np.array([5., 6.])
    assert z.asnumpy()[2, 2] == 6
