"""gluon.utils: split_data, split_and_load, clip_global_norm (values from MXNet 1.9.1)."""
import numpy as np
import pytest

import distglu as mx
from distglu import nd, gluon

U = gluon.utils


def test_split_data_even_and_uneven():
    x = nd.arange(12).reshape((6, 2))
    assert [s.shape for s in U.split_data(x, 3)] == [(2, 2)] * 3
    # MXNet 1.9.1: the first size % n slices get the extra element
    parts = U.split_data(nd.arange(7), 3, even_split=False)
    assert [p.asnumpy().tolist() for p in parts] == [[0, 1, 2], [3, 4], [5, 6]]
    assert [s.shape for s in U.split_data(nd.ones((2, 6)), 2, batch_axis=1)] == [(2, 3)] * 2
    parts = U.split_data(nd.arange(10).reshape((2, 5)), 2, batch_axis=1, even_split=False)
    assert [p.shape for p in parts] == [(2, 3), (2, 2)]


def test_split_data_errors_are_value_errors():
    with pytest.raises(ValueError, match='cannot be evenly split into 3 slices'):
        U.split_data(nd.arange(7), 3)
    # more slices than elements: the last slices are empty (MXNet 1.9.1)
    parts = U.split_data(nd.arange(3), 5, even_split=False)
    assert [p.asnumpy().tolist() for p in parts] == [[0], [1], [2], [], []]


def test_split_and_load_places_slices_on_contexts():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    parts = U.split_and_load(nd.arange(8).reshape((4, 2)), ctxs)
    assert [p.context for p in parts] == ctxs
    assert parts[1].asnumpy().tolist() == [[4, 5], [6, 7]]
    single = U.split_and_load(np.ones((3, 2)), [mx.cpu(0)])
    assert len(single) == 1 and single[0].shape == (3, 2)


def test_clip_global_norm_matches_mxnet():
    a = [nd.array([3., 4.]), nd.array([12.])]
    n = U.clip_global_norm(a, 6.5)
    assert isinstance(n, np.float32) and n == 13.0
    np.testing.assert_allclose(a[0].asnumpy(), [1.5, 2.0], rtol=1e-6)
    np.testing.assert_allclose(a[1].asnumpy(), [6.0], rtol=1e-6)
    b = [nd.array([3., 4.])]
    assert U.clip_global_norm(b, 10) == 5.0
    assert b[0].asnumpy().tolist() == [3, 4]
    with pytest.warns(UserWarning, match='nan or inf'):
        U.clip_global_norm([nd.array([np.inf])], 1.0)


def test_check_sha1(tmp_path):
    f = tmp_path / 'x.bin'
    f.write_bytes(b'distglu')
    import hashlib
    assert U.check_sha1(str(f), hashlib.sha1(b'distglu').hexdigest())
    assert not U.check_sha1(str(f), '0' * 40)


def test_clip_global_norm_without_finiteness_check_returns_an_ndarray():
    a = [nd.array([3.0, 4.0])]
    n = U.clip_global_norm(a, 1.0, check_isfinite=False)
    assert isinstance(n, nd.NDArray) and n.shape == (1,) and n.asscalar() == 5.0
    np.testing.assert_allclose(a[0].asnumpy(), [0.6, 0.8], rtol=1e-6)
    with pytest.raises(AssertionError, match='non-empty list'):
        U.clip_global_norm([], 1.0)


def test_small_helpers_mxnet_has(tmp_path):
    assert U.shape_is_known((2, 3)) and not U.shape_is_known((2, 0))
    assert not U.shape_is_known(None)
    src, dst = tmp_path / 'a', tmp_path / 'b'
    src.write_bytes(b'new')
    dst.write_bytes(b'old')
    U.replace_file(str(src), str(dst))
    assert dst.read_bytes() == b'new' and not src.exists()
    calls = []
    d = mx.gluon.nn.Dense(2, in_units=2)
    d.initialize()
    h = d.register_forward_hook(lambda *a: calls.append(1))
    assert isinstance(h, U.HookHandle)
    d(nd.ones((1, 2)))
    h.detach()
    d(nd.ones((1, 2)))
    assert calls == [1]
    f = str(tmp_path / 'arrays')
    nd.save(f, {'w': nd.array([1., 2.])})
    with open(f, 'rb') as fh:
        loaded = nd.load_frombuffer(fh.read())
    assert loaded['w'].asnumpy().tolist() == [1., 2.]
    with pytest.raises(TypeError, match='expected bytes'):
        nd.load_frombuffer('not bytes')
