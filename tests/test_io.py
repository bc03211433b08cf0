"""nd.save / nd.load: round trips, MXNet's file format, atomic writes, clear errors."""
import os

import numpy as np
import pytest

from distglu import nd
from distglu.base import DistGluError

# The bytes MXNet 1.9.1 writes for nd.save(f, [nd.array([[1,2,3],[4,5,6]]), nd.array([7], dtype='int64')])
MXNET_LIST_FILE = bytes.fromhex(
    '1201000000000000' '0000000000000000' '0200000000000000'
    'c9fa93f9' '00000000' '02000000' '0200000000000000' '0300000000000000'
    '01000000' '00000000' '00000000'
    '0000803f' '00000040' '00004040' '00008040' '0000a040' '0000c040'
    'c9fa93f9' '00000000' '01000000' '0100000000000000'
    '01000000' '00000000' '06000000' '0700000000000000'
    '0000000000000000')


def test_list_round_trip(tmp_path):
    arrays = [nd.array([[1, 2], [3, 4]]), nd.array([1, 2, 3], dtype='int64'),
              nd.array([0.5], dtype='float16'), nd.array([1, 0], dtype='bool'),
              nd.array([1, 2], dtype='uint8'), nd.array([-1, 2], dtype='int8'),
              nd.array([1.5], dtype='float64'), nd.array([1, 2], dtype='int32'),
              nd.array(3.0)]
    f = str(tmp_path / 'a.nd')
    nd.save(f, arrays)
    back = nd.load(f)
    assert isinstance(back, list) and len(back) == len(arrays)
    for a, b in zip(arrays, back):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())


def test_dict_round_trip_and_single_array(tmp_path):
    f = tmp_path / 'd.params'
    nd.save(f, {'w': nd.ones((2, 3)), 'b': nd.zeros(3)})
    d = nd.load(f)
    assert sorted(d) == ['b', 'w'] and d['w'].shape == (2, 3)
    nd.save(f, nd.ones(2))
    assert nd.load(f)[0].asnumpy().tolist() == [1, 1]


def test_writes_mxnet_format_bytes(tmp_path):
    f = str(tmp_path / 'mx.params')
    nd.save(f, [nd.array([[1, 2, 3], [4, 5, 6]]), nd.array([7], dtype='int64')])
    assert open(f, 'rb').read() == MXNET_LIST_FILE


def test_reads_mxnet_file(tmp_path):
    f = tmp_path / 'from_mxnet.params'
    f.write_bytes(MXNET_LIST_FILE)
    a, b = nd.load(str(f))
    assert a.asnumpy().tolist() == [[1, 2, 3], [4, 5, 6]] and b.dtype == np.int64


def test_missing_truncated_foreign(tmp_path):
    with pytest.raises(DistGluError, match='does not exist'):
        nd.load(str(tmp_path / 'nope'))
    f = tmp_path / 't.params'
    f.write_bytes(MXNET_LIST_FILE[:-20])
    with pytest.raises(DistGluError, match='truncated'):
        nd.load(str(f))
    f.write_bytes(b'PK\x03\x04 this is a zip file, not an NDArray file')
    with pytest.raises(DistGluError, match='not an NDArray file'):
        nd.load(str(f))
    f.write_bytes(MXNET_LIST_FILE + b'xx')
    with pytest.raises(DistGluError, match='trailing'):
        nd.load(str(f))


def test_save_is_atomic(tmp_path, monkeypatch):
    f = tmp_path / 'keep.params'
    nd.save(str(f), [nd.ones(2)])
    good = f.read_bytes()

    class Boom(Exception):
        pass

    def failing_fsync(fd):
        raise Boom()

    monkeypatch.setattr(os, 'fsync', failing_fsync)
    with pytest.raises(Boom):
        nd.save(str(f), [nd.zeros(1000)])
    assert f.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ['keep.params']


def test_save_bad_input(tmp_path):
    with pytest.raises(DistGluError, match='dict keys'):
        nd.save(str(tmp_path / 'x'), {1: nd.ones(1)})
    with pytest.raises(DistGluError, match='every value'):
        nd.save(str(tmp_path / 'x'), [np.ones(2)])
    with pytest.raises(DistGluError, match='directory'):
        nd.save(str(tmp_path / 'no' / 'x'), [nd.ones(1)])


def test_saved_file_mode_follows_umask(tmp_path):
    old = os.umask(0o022)
    try:
        f = tmp_path / 'm.params'
        nd.save(str(f), [nd.ones(1)])
        assert (f.stat().st_mode & 0o777) == 0o644
    finally:
        os.umask(old)
