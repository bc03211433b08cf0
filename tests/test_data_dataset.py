"""Samplers and datasets of distglu.gluon.data, against MXNet 1.9.1's exact outputs."""
import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError
from distglu.gluon import data as gdata
from distglu.gluon.data import (ArrayDataset, BatchSampler, FilterSampler, IntervalSampler,
                                RandomSampler, SequentialSampler, SimpleDataset)


# ---------------------------------------------------------------------- samplers

def test_sequential_sampler():
    assert list(SequentialSampler(5)) == [0, 1, 2, 3, 4]
    assert len(SequentialSampler(5)) == 5
    # MXNet 1.9.1: SequentialSampler(5, 2) -> [2, 3, 4, 5, 6], len 5
    assert list(SequentialSampler(5, 2)) == [2, 3, 4, 5, 6]
    assert len(SequentialSampler(5, 2)) == 5
    assert list(SequentialSampler(0)) == []


def test_random_sampler_matches_mxnet_under_numpy_seed():
    np.random.seed(0)
    # MXNet 1.9.1 with np.random.seed(0): [2, 0, 1, 3, 4]
    assert list(RandomSampler(5)) == [2, 0, 1, 3, 4]
    s = RandomSampler(50)
    a, b = list(s), list(s)
    assert sorted(a) == list(range(50)) and sorted(b) == list(range(50))
    assert a != b  # a new permutation each epoch
    assert len(s) == 50


def test_filter_sampler():
    ds = SimpleDataset(list(range(10)))
    s = FilterSampler(lambda x: x % 3 == 0, ds)
    assert list(s) == [0, 3, 6, 9] and len(s) == 4


@pytest.mark.parametrize('last_batch, expected', [
    ('keep', [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]),
    ('discard', [[0, 1, 2], [3, 4, 5], [6, 7, 8]]),
])
def test_batch_sampler_keep_discard(last_batch, expected):
    b = BatchSampler(SequentialSampler(10), 3, last_batch)
    assert list(b) == expected
    assert list(b) == expected  # the same every epoch
    assert len(b) == len(expected)


def test_batch_sampler_rollover_carries_remainder():
    b = BatchSampler(SequentialSampler(10), 3, 'rollover')
    # MXNet 1.9.1, four epochs in a row (len() before each):
    assert len(b) == 3
    assert list(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(b) == 3
    assert list(b) == [[9, 0, 1], [2, 3, 4], [5, 6, 7]]
    assert len(b) == 4
    assert list(b) == [[8, 9, 0], [1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert len(b) == 3
    assert list(b) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_batch_sampler_exact_multiple_and_errors():
    for mode in ('keep', 'discard', 'rollover'):
        b = BatchSampler(SequentialSampler(6), 2, mode)
        assert list(b) == [[0, 1], [2, 3], [4, 5]] and len(b) == 3
    with pytest.raises(ValueError, match="last_batch must be one of 'keep', 'discard', or "
                                         "'rollover', but got foo"):
        BatchSampler(SequentialSampler(10), 3, 'foo')
    with pytest.raises(DistGluError, match='batch_size must be an integer >= 1, got 0'):
        BatchSampler(SequentialSampler(10), 0)


def test_interval_sampler():
    # MXNet 1.9.1 (gluon.contrib.data.IntervalSampler)
    assert list(IntervalSampler(10, 3)) == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]
    assert list(IntervalSampler(13, 3)) == [0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11]
    assert list(IntervalSampler(10, 3, rollover=False)) == [0, 3, 6, 9]
    assert len(IntervalSampler(10, 3)) == 10
    assert len(IntervalSampler(10, 3, rollover=False)) == 4  # the true count
    assert list(IntervalSampler(4, 4)) == [0, 1, 2, 3]
    with pytest.raises(AssertionError, match='Interval 5 must be smaller than or equal to '
                                             'length 3'):
        IntervalSampler(3, 5)
    assert list(BatchSampler(IntervalSampler(7, 2), 3, 'keep')) == [[0, 2, 4], [6, 1, 3],
                                                                    [5]]


def test_samplers_exported_like_mxnet():
    for name in ('Sampler', 'SequentialSampler', 'RandomSampler', 'FilterSampler',
                 'BatchSampler', 'IntervalSampler'):
        assert getattr(gdata, name) is getattr(gdata.sampler, name)
    assert issubclass(IntervalSampler, gdata.Sampler)


# ---------------------------------------------------------------------- datasets

def test_array_dataset_items_like_mxnet():
    x = np.arange(20, dtype=np.float64).reshape(10, 2)
    a = ArrayDataset(np.arange(10), mx.nd.arange(10) * 2, [5] * 10)
    item = a[3]
    # MXNet: (numpy.int64 3, numpy.float32 6.0 -- a 1-D NDArray becomes NumPy --, int 5)
    assert isinstance(item, tuple) and len(item) == 3
    assert type(item[0]) is np.int64 and item[0] == 3
    assert type(item[1]) is np.float32 and item[1] == 6.0
    assert type(item[2]) is int and item[2] == 5
    assert len(a) == 10
    # a multi-dimensional NDArray gives NDArray rows
    b = ArrayDataset(mx.nd.array(x), np.arange(10))
    row, label = b[4]
    assert isinstance(row, mx.nd.NDArray) and row.shape == (2,) and row.dtype == np.float32
    np.testing.assert_array_equal(row.asnumpy(), [8, 9])
    # a single array: the sample is the element itself
    single = ArrayDataset(np.arange(12).reshape(6, 2))
    np.testing.assert_array_equal(single[2], [4, 5])


def test_array_dataset_length_mismatch_is_a_clear_error():
    with pytest.raises(AssertionError, match='array 0 has length 10 while array 2 has '
                                             'length 9'):
        ArrayDataset(np.arange(10), np.arange(10), np.arange(9))
    with pytest.raises(DistGluError, match='needs at least 1 array'):
        ArrayDataset()
    with pytest.raises(DistGluError, match='argument 1 must be an array'):
        ArrayDataset(np.arange(3), 5)


def test_simple_dataset_over_ndarray_rows():
    s = SimpleDataset(mx.nd.array(np.arange(6).reshape(3, 2)))
    assert len(s) == 3
    np.testing.assert_array_equal(s[1].asnumpy(), [2, 3])
    # as MXNet 1.x, an element of a 1-D NDArray has shape (1,)
    v = SimpleDataset(mx.nd.arange(4))
    assert v[2].shape == (1,) and v[2].asscalar() == 2
    assert v[-1].asscalar() == 3
    with pytest.raises(IndexError):
        v[4]


def test_shard_take_filter_sample():
    s = SimpleDataset(list(range(10)))
    # MXNet 1.9.1
    assert [list(s.shard(3, i)) for i in range(3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert list(s.shard(4, 3)) == [8, 9] and list(s.shard(4, 0)) == [0, 1, 2]
    assert len(s.shard(3, 0)) == 4
    assert list(s.take(3)) == [0, 1, 2]
    assert list(s.take(None)) == list(range(10)) and len(s.take(100)) == 10
    assert list(s.filter(lambda x: x % 2)) == [1, 3, 5, 7, 9]
    assert list(s.sample(IntervalSampler(10, 3))) == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8]
    assert list(s.take(3).transform(lambda x: x + 1)) == [1, 2, 3]
    with pytest.raises(TypeError, match='Invalid sampler type'):
        s.sample([1, 2])
    with pytest.raises(AssertionError, match='Shard index of out bound: 3 out of 3'):
        s.shard(3, 3)
    with pytest.raises(AssertionError, match='Number of shards must be greater than 0'):
        s.shard(0, 0)
    with pytest.raises(AssertionError, match='Index must be non-negative'):
        s.shard(2, -1)
    with pytest.raises(ValueError, match='count must be None or an integer >= 0'):
        s.take(-1)


def test_transform_and_transform_first():
    s = SimpleDataset(list(range(5)))
    lazy = s.transform(lambda x: x * 10)
    assert list(lazy) == [0, 10, 20, 30, 40]
    assert type(lazy).__name__ == '_LazyTransformDataset'
    eager = s.transform(lambda x: x * 10, lazy=False)
    assert isinstance(eager, SimpleDataset) and list(eager) == [0, 10, 20, 30, 40]

    pairs = SimpleDataset([(1, 2), (3, 4)])
    assert list(pairs.transform(lambda x, y: (x + y, y))) == [(3, 2), (7, 4)]
    assert list(pairs.transform_first(lambda x: x * 100)) == [(100, 2), (300, 4)]
    assert isinstance(pairs.transform_first(lambda x: x * 100, lazy=False), SimpleDataset)
    assert list(SimpleDataset([5, 6]).transform_first(lambda x: x * 100)) == [500, 600]

    calls = []

    def counting(x):
        calls.append(x)
        return x
    lazy = s.transform(counting)
    lazy[1], lazy[1]
    assert calls == [1, 1]  # lazy: applied at every read
    with pytest.raises(TypeError, match='fn must be callable'):
        s.transform(3)


def test_record_file_dataset_is_a_clear_error():
    with pytest.raises(DistGluError, match='does not read MXNet RecordIO'):
        gdata.RecordFileDataset('x.rec')
