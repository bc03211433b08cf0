"""mx.io data iterators: NDArrayIter batching ('pad' / 'discard' / 'roll_over' over several
epochs, shuffling with NumPy's global RNG), dict/list inputs, provide_data, DataBatch/DataDesc
printing, ResizeIter, PrefetchingIter, MNISTIter on IDX files the tests write, CSVIter, errors.

Expected batches were recorded from MXNet 1.9.1 with the same inputs (and, for shuffling,
the same np.random.seed).
"""
import gzip
import pickle
import struct

import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError

io = mx.io

# ------------------------------------------------------------------ MXNet 1.9.1 reference
# NDArrayIter(np.arange(2n).reshape(n, 2), np.arange(n) * 10, batch_size, last_batch_handle)
# per epoch: [(first column of the data batch, label batch, pad), ...]
BATCHES = {
    ('pad', 10, 3):
        [[([0, 2, 4], [0, 10, 20], 0), ([6, 8, 10], [30, 40, 50], 0),
          ([12, 14, 16], [60, 70, 80], 0), ([18, 0, 2], [90, 0, 10], 2)],
         [([0, 2, 4], [0, 10, 20], 0), ([6, 8, 10], [30, 40, 50], 0),
          ([12, 14, 16], [60, 70, 80], 0), ([18, 0, 2], [90, 0, 10], 2)]],
    ('pad', 10, 4):
        [[([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0),
          ([16, 18, 0, 2], [80, 90, 0, 10], 2)],
         [([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0),
          ([16, 18, 0, 2], [80, 90, 0, 10], 2)]],
    ('discard', 10, 3):
        [[([0, 2, 4], [0, 10, 20], 0), ([6, 8, 10], [30, 40, 50], 0),
          ([12, 14, 16], [60, 70, 80], 0)],
         [([0, 2, 4], [0, 10, 20], 0), ([6, 8, 10], [30, 40, 50], 0),
          ([12, 14, 16], [60, 70, 80], 0)]],
    ('discard', 10, 4):
        [[([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0)],
         [([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0)]],
    ('roll_over', 10, 3):
        [[([0, 2, 4], [0, 10, 20], 0), ([6, 8, 10], [30, 40, 50], 0),
          ([12, 14, 16], [60, 70, 80], 0)],
         [([18, 0, 2], [90, 0, 10], 1), ([4, 6, 8], [20, 30, 40], 0),
          ([10, 12, 14], [50, 60, 70], 0)],
         [([16, 18, 0], [80, 90, 0], 2), ([2, 4, 6], [10, 20, 30], 0),
          ([8, 10, 12], [40, 50, 60], 0), ([14, 16, 18], [70, 80, 90], 0)]],
    ('roll_over', 10, 4):
        [[([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0)],
         [([16, 18, 0, 2], [80, 90, 0, 10], 2), ([4, 6, 8, 10], [20, 30, 40, 50], 0),
          ([12, 14, 16, 18], [60, 70, 80, 90], 0)],
         [([0, 2, 4, 6], [0, 10, 20, 30], 0), ([8, 10, 12, 14], [40, 50, 60, 70], 0)]],
    ('pad', 2, 5):
        [[([0, 2, 0, 2, 0], [0, 10, 0, 10, 0], 3)]],
}
# n=7, batch_size=3, shuffle=True after np.random.seed(42), three epochs
SHUFFLED = {
    'pad':
        [[([0, 2, 10], [0, 10, 50], 0), ([4, 8, 6], [20, 40, 30], 0), ([12, 0, 2], [60, 0, 10], 2)],
         [([4, 0, 10], [20, 0, 50], 0), ([6, 2, 12], [30, 10, 60], 0), ([8, 4, 0], [40, 20, 0], 2)],
         [([6, 4, 2], [30, 20, 10], 0), ([8, 12, 0], [40, 60, 0], 0),
          ([10, 6, 4], [50, 30, 20], 2)]],
    'discard':
        [[([0, 2, 10], [0, 10, 50], 0), ([4, 8, 6], [20, 40, 30], 0)],
         [([4, 0, 10], [20, 0, 50], 0), ([6, 2, 12], [30, 10, 60], 0)],
         [([6, 4, 2], [30, 20, 10], 0), ([8, 12, 0], [40, 60, 0], 0)]],
    'roll_over':
        [[([0, 2, 10], [0, 10, 50], 0), ([4, 8, 6], [20, 40, 30], 0)],
         [([12, 4, 0], [60, 20, 0], 1), ([10, 6, 2], [50, 30, 10], 0)],
         [([12, 8, 6], [60, 40, 30], 2), ([4, 2, 8], [20, 10, 40], 0),
          ([12, 0, 10], [60, 0, 50], 0)]],
}


def epochs(it, count):
    out = []
    for _ in range(count):
        batches = []
        for b in it:
            assert b.data[0].dtype == np.float32 and b.label[0].dtype == np.float32
            assert b.index is None
            batches.append((b.data[0].asnumpy()[:, 0].astype(int).tolist(),
                            b.label[0].asnumpy().astype(int).tolist(), b.pad))
        out.append(batches)
        it.reset()
    return out


def make_iter(n, bs, handle, shuffle=False):
    return io.NDArrayIter(np.arange(n * 2).reshape(n, 2), np.arange(n) * 10, batch_size=bs,
                          shuffle=shuffle, last_batch_handle=handle)


@pytest.mark.parametrize('key', sorted(BATCHES))
def test_ndarrayiter_last_batch_handles_match_mxnet(key):
    handle, n, bs = key
    expected = BATCHES[key]
    assert epochs(make_iter(n, bs, handle), len(expected)) == expected


@pytest.mark.parametrize('handle', sorted(SHUFFLED))
def test_ndarrayiter_shuffle_matches_mxnet_with_numpy_seed(handle):
    np.random.seed(42)
    assert epochs(make_iter(7, 3, handle, shuffle=True), 3) == SHUFFLED[handle]


def test_ndarrayiter_full_batch_values_and_rows_stay_together():
    np.random.seed(0)
    data = np.random.rand(9, 2, 3).astype(np.float32)
    it = io.NDArrayIter(data, np.arange(9), batch_size=4, shuffle=True)
    seen = []
    for b in it:
        x, y = b.data[0].asnumpy(), b.label[0].asnumpy()
        assert x.shape == (4, 2, 3)
        np.testing.assert_array_equal(x, data[y.astype(int)])   # rows follow their labels
        seen.extend(y[:4 - b.pad].astype(int).tolist())
    assert sorted(seen) == list(range(9))


def test_ndarrayiter_batches_are_copies():
    src = mx.nd.array(np.arange(8).reshape(4, 2))
    it = io.NDArrayIter(src, batch_size=2)
    b = next(it)
    b.data[0][:] = -1
    assert src.asnumpy()[0, 0] == 0


def test_ndarrayiter_dict_and_list_inputs_match_mxnet():
    np.random.seed(3)
    it = io.NDArrayIter({'x': np.arange(12).reshape(6, 2), 'a': np.arange(6)},
                        [np.arange(6) * 2, np.arange(6) * 3], batch_size=4, shuffle=True)
    assert [d.name for d in it.provide_data] == ['a', 'x']          # sorted by name
    assert [d.name for d in it.provide_label] == ['_0_softmax_label', '_1_softmax_label']
    got = [([d.asnumpy().tolist() for d in b.data], [l.asnumpy().tolist() for l in b.label], b.pad)
           for b in it]
    assert got == [
        ([[3.0, 5.0, 4.0, 1.0], [[6.0, 7.0], [10.0, 11.0], [8.0, 9.0], [2.0, 3.0]]],
         [[6.0, 10.0, 8.0, 2.0], [9.0, 15.0, 12.0, 3.0]], 0),
        ([[0.0, 2.0, 3.0, 5.0], [[0.0, 1.0], [4.0, 5.0], [6.0, 7.0], [10.0, 11.0]]],
         [[0.0, 4.0, 6.0, 10.0], [0.0, 6.0, 9.0, 15.0]], 2)]


def test_ndarrayiter_provide_data_and_printing_match_mxnet():
    it = io.NDArrayIter({'b': np.zeros((6, 3)), 'a': np.ones((6, 1, 2))},
                        [np.zeros(6), np.ones((6, 2))], batch_size=4)
    assert str(it.provide_data) == ("[DataDesc[a,(4, 1, 2),<class 'numpy.float32'>,NCHW], "
                                    "DataDesc[b,(4, 3),<class 'numpy.float32'>,NCHW]]")
    assert str(it.provide_label) == (
        "[DataDesc[_0_softmax_label,(4,),<class 'numpy.float32'>,NCHW], "
        "DataDesc[_1_softmax_label,(4, 2),<class 'numpy.float32'>,NCHW]]")
    assert str(next(it)) == \
        'DataBatch: data shapes: [(4, 1, 2), (4, 3)] label shapes: [(4,), (4, 2)]'
    it = io.NDArrayIter(np.zeros((6, 3)), batch_size=4, data_name='x', label_name='y')
    assert str(it.provide_data) == "[DataDesc[x,(4, 3),<class 'numpy.float32'>,NCHW]]"
    assert it.provide_label == []
    assert str(next(it)) == 'DataBatch: data shapes: [(4, 3)] label shapes: None'
    assert next(it).label == []
    # the batch axis comes from the layout
    it = io.NDArrayIter(np.zeros((4, 3, 5)), batch_size=2, layout='TNC')
    assert str(it.provide_data) == "[DataDesc[data,(4, 2, 5),<class 'numpy.float32'>,TNC]]"
    assert next(it).data[0].shape == (4, 2, 5)


def test_ndarrayiter_dtypes_as_mxnet():
    a = mx.nd.array(np.arange(12).reshape(6, 2), dtype='int32')
    it = io.NDArrayIter(a, np.arange(6, dtype=np.int64), batch_size=4)
    assert it.provide_data[0].dtype == np.int32        # NDArrays keep their dtype
    assert it.provide_label[0].dtype == np.float32     # NumPy arrays become float32
    assert next(it).data[0].dtype == np.int32
    it = io.NDArrayIter(a, batch_size=4, shuffle=True)
    assert it.provide_data[0].dtype == np.float32      # MXNet: shuffling makes float32
    assert next(it).data[0].dtype == np.float32


def test_ndarrayiter_state_and_dataiter_protocol():
    it = io.NDArrayIter(np.zeros((6, 3)), batch_size=4, last_batch_handle='discard')
    assert (it.getpad(), it.cursor, it.num_data, it.num_source) == (0, -4, 6, 1)
    assert it.idx.tolist() == list(range(6)) and it.batch_size == 4
    assert it.iter_next() is True
    assert [d.shape for d in it.getdata()] == [(4, 3)] and it.getlabel() == []
    assert it.getindex() is None
    # iter_next() also reaches the incomplete last batch; next() drops it
    assert it.iter_next() is True and it.getdata()[0].shape == (2, 3)
    assert it.iter_next() is False
    with pytest.raises(StopIteration):
        it.next()
    with pytest.raises(DistGluError, match='call reset'):
        it.getdata()
    it.reset()
    with pytest.raises(DistGluError, match='call next'):
        it.getdata()
    assert len(list(it)) == 1


def test_ndarrayiter_hard_reset_drops_rolled_over_examples():
    it = make_iter(10, 4, 'roll_over')
    list(it)
    it.hard_reset()
    assert epochs(it, 1) == [BATCHES[('roll_over', 10, 4)][0][:2]]


def test_ndarrayiter_errors():
    x = np.zeros((5, 2))
    with pytest.raises(ValueError, match="last_batch_handle must be 'pad', 'discard' or "
                                         "'roll_over', got 'foo'"):
        io.NDArrayIter(x, batch_size=2, last_batch_handle='foo')
    with pytest.raises(DistGluError, match=r"same number of examples.*data 'data': 5, "
                                           r"label 'softmax_label': 4"):
        io.NDArrayIter(x, np.zeros(4), batch_size=2)
    with pytest.raises(DistGluError, match=r"'_0_data': 5, data '_1_data': 6"):
        io.NDArrayIter([x, np.zeros(6)], batch_size=2)
    with pytest.raises(ValueError, match='batch_size must be a positive integer, got 0'):
        io.NDArrayIter(x, batch_size=0)
    with pytest.raises(DistGluError, match="roll_over' needs at least batch_size examples"):
        io.NDArrayIter(x, batch_size=6, last_batch_handle='roll_over')
    with pytest.raises(AssertionError, match='data is required'):
        io.NDArrayIter(None)
    with pytest.raises(AssertionError, match='data is empty'):
        io.NDArrayIter([])
    with pytest.raises(TypeError, match='Input must be NDArray, numpy.ndarray, h5py.Dataset a '
                                        'list of them or dict with them as values; got str'):
        io.NDArrayIter('abc')
    with pytest.raises(TypeError, match="Invalid type '<class 'str'>' for a, should be NDArray"):
        io.NDArrayIter({'a': 'x'})
    with pytest.raises(DistGluError, match="layout must be a string whose 'N'"):
        io.NDArrayIter(x, layout='CHW')


# ------------------------------------------------------------------ DataDesc / DataBatch

def test_datadesc():
    d = io.DataDesc('data', (2, 3))
    assert repr(d) == str(d) == "DataDesc[data,(2, 3),<class 'numpy.float32'>,NCHW]"
    assert d == ('data', (2, 3)) and d.name == 'data' and d.shape == (2, 3)
    assert (d.dtype, d.layout) == (np.float32, 'NCHW')
    name, shape = d
    assert (name, shape) == ('data', (2, 3))
    assert io.DataDesc.get_batch_axis('TNC') == 1
    assert io.DataDesc.get_batch_axis(None) == 0
    assert io.DataDesc.get_batch_axis('CHW') == -1
    assert str(io.DataDesc.get_list([('a', (1, 2)), ('b', (3,))],
                                    [('a', np.int32), ('b', np.float16)])) == \
        ("[DataDesc[a,(1, 2),<class 'numpy.int32'>,NCHW], "
         "DataDesc[b,(3,),<class 'numpy.float16'>,NCHW]]")
    assert io.DataDesc.get_list([('a', (1, 2))], None)[0].dtype == np.float32
    d2 = pickle.loads(pickle.dumps(io.DataDesc('x', (4,), np.int32, 'NC')))
    assert repr(d2) == "DataDesc[x,(4,),<class 'numpy.int32'>,NC]"


def test_databatch():
    b = io.DataBatch([mx.nd.ones((2, 3))], [mx.nd.ones((2,))], pad=1)
    assert str(b) == 'DataBatch: data shapes: [(2, 3)] label shapes: [(2,)]'
    assert (b.pad, b.index, b.bucket_key) == (1, None, None)
    assert (b.provide_data, b.provide_label) == (None, None)
    assert str(io.DataBatch([mx.nd.ones((2, 3))])) == \
        'DataBatch: data shapes: [(2, 3)] label shapes: None'
    with pytest.raises(AssertionError, match='Data must be list of NDArrays, got NDArray'):
        io.DataBatch(mx.nd.ones((2, 3)))
    with pytest.raises(AssertionError, match='Label must be list of NDArrays'):
        io.DataBatch([mx.nd.ones((2, 3))], mx.nd.ones(2))


def test_custom_dataiter_subclass():
    class Counter(io.DataIter):
        def __init__(self):
            super().__init__(batch_size=2)
            self.cur = 0

        def reset(self):
            self.cur = 0

        def iter_next(self):
            self.cur += 1
            return self.cur <= 3

        def getdata(self):
            return [mx.nd.full((2,), self.cur)]

        def getlabel(self):
            return [mx.nd.zeros((2,))]

        def getpad(self):
            return 0

    it = Counter()
    assert [b.data[0].asnumpy()[0] for b in it] == [1, 2, 3]
    it.reset()
    assert next(it).data[0].asnumpy().tolist() == [1, 1]
    with pytest.raises(StopIteration):
        io.DataIter().next()     # the base iter_next() returns None
    assert io.DataIter().batch_size == 0


# ------------------------------------------------------------------ ResizeIter / PrefetchingIter

def test_resizeiter_matches_mxnet():
    r = io.ResizeIter(io.NDArrayIter(np.arange(10).reshape(5, 2), batch_size=2), 5)
    expected = [([0, 2], 0), ([4, 6], 0), ([8, 0], 1), ([0, 2], 0), ([4, 6], 0)]
    for _ in range(2):
        assert [(b.data[0].asnumpy()[:, 0].tolist(), b.pad) for b in r] == expected
        r.reset()
    assert str(r.provide_data) == "[DataDesc[data,(2, 2),<class 'numpy.float32'>,NCHW]]"
    assert r.batch_size == 2
    r = io.ResizeIter(io.NDArrayIter(np.arange(10).reshape(5, 2), batch_size=2), 2,
                      reset_internal=False)
    assert [b.data[0].asnumpy()[:, 0].tolist() for b in r] == [[0, 2], [4, 6]]
    r.reset()
    assert [(b.data[0].asnumpy()[:, 0].tolist(), b.pad) for b in r] == [([8, 0], 1), ([0, 2], 0)]


def test_prefetchingiter_joins_iterators_as_mxnet():
    i1 = io.NDArrayIter({'data': np.arange(10).reshape(5, 2)}, np.arange(5), batch_size=2)
    i2 = io.NDArrayIter({'data': np.arange(10).reshape(5, 2) + 100}, batch_size=2)
    p = io.PrefetchingIter([i1, i2], rename_data=[{'data': 'd1'}, {'data': 'd2'}])
    assert str(p.provide_data) == ("[DataDesc[d1,(2, 2),<class 'numpy.float32'>,NCHW], "
                                   "DataDesc[d2,(2, 2),<class 'numpy.float32'>,NCHW]]")
    assert str(p.provide_label) == "[DataDesc[softmax_label,(2,),<class 'numpy.float32'>,NCHW]]"
    assert p.batch_size == 2
    expected = [([[0, 2], [100, 102]], [[0, 1]], 0), ([[4, 6], [104, 106]], [[2, 3]], 0),
                ([[8, 0], [108, 100]], [[4, 0]], 1)]
    for _ in range(2):
        got = []
        for b in p:
            assert b.index is None and [d.name for d in b.provide_data] == ['d1', 'd2']
            got.append(([d.asnumpy()[:, 0].astype(int).tolist() for d in b.data],
                        [l.asnumpy().astype(int).tolist() for l in b.label], b.pad))
        assert got == expected
        p.reset()
    single = io.PrefetchingIter(io.NDArrayIter(np.arange(10).reshape(5, 2), batch_size=2))
    assert str(next(single)) == 'DataBatch: data shapes: [(2, 2)] label shapes: None'


def test_prefetchingiter_errors():
    short = io.NDArrayIter(np.zeros((4, 2)), batch_size=2)
    long = io.NDArrayIter(np.zeros((6, 2)), batch_size=2)
    p = io.PrefetchingIter([short, long])
    next(p), next(p)
    with pytest.raises(AssertionError, match='Number of entry mismatches between iterators'):
        next(p)

    class Broken(io.DataIter):
        provide_data = [io.DataDesc('data', (2, 2))]
        provide_label = []

        def next(self):
            raise ValueError('disk on fire')

    with pytest.raises(ValueError, match='disk on fire'):
        next(io.PrefetchingIter(Broken()))
    renamed = io.PrefetchingIter(io.NDArrayIter(np.zeros((4, 2)), batch_size=2),
                                 rename_data=[{'data': 'x'}])
    assert [d.name for d in renamed.provide_data] == ['x']
    with pytest.raises(AssertionError, match='no entry for'):
        io.PrefetchingIter(io.NDArrayIter(np.zeros((4, 2)), batch_size=2),
                           rename_data=[{'x': 'y'}])


# ------------------------------------------------------------------ MNISTIter

def write_idx(path, array):
    array = np.ascontiguousarray(array, dtype=np.uint8)
    raw = struct.pack('>BBBB', 0, 0, 0x08, array.ndim) + \
        struct.pack('>%dI' % array.ndim, *array.shape) + array.tobytes()
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'wb') as f:
        f.write(raw)


@pytest.fixture
def mnist_files(tmp_path):
    # the images and labels used to record the MXNet reference batches below
    images = (np.arange(10 * 28 * 28) % 251).astype(np.uint8).reshape(10, 28, 28)
    labels = (np.arange(10) * 3 % 10).astype(np.uint8)
    img, lab = str(tmp_path / 'img'), str(tmp_path / 'lab')
    write_idx(img, images)
    write_idx(lab, labels)
    return img, lab, images, labels


def mnist_labels(it):
    return [b.label[0].asnumpy().astype(int).tolist() for b in it]


def test_mnistiter_batches_match_mxnet(mnist_files):
    img, lab, images, _ = mnist_files
    it = io.MNISTIter(image=img, label=lab, batch_size=4, shuffle=False, silent=True)
    assert str(it.provide_data) == "[DataDesc[data,(4, 1, 28, 28),<class 'numpy.float32'>,NCHW]]"
    assert str(it.provide_label) == "[DataDesc[softmax_label,(4,),<class 'numpy.float32'>,NCHW]]"
    assert it.batch_size == 4 and isinstance(it, io.MXDataIter)
    for _ in range(2):
        batches = list(it)
        # the 2 images that do not fill a batch are left out
        assert [b.label[0].asnumpy().tolist() for b in batches] == [[0, 3, 6, 9], [2, 5, 8, 1]]
        b = batches[1]
        assert b.data[0].dtype == np.float32 and b.pad == 0
        assert b.index.dtype == np.uint64 and b.index.tolist() == [0, 0, 0, 0]   # as MXNet
        np.testing.assert_array_equal(b.data[0].asnumpy(), images[4:8, None] / np.float32(256))
        # MXNet 1.9.1 printed data[:, 0, 0, :3] * 255 for this batch
        np.testing.assert_allclose(b.data[0].asnumpy()[:, 0, 0, :3] * 255,
                                   [[123.515625, 124.51172, 125.50781],
                                    [154.39453, 155.39062, 156.38672],
                                    [185.27344, 186.26953, 187.26562],
                                    [216.15234, 217.14844, 218.14453]], rtol=1e-6)
        it.reset()
    # MXNet's scaling is pixel / 256 (255 -> 0.99609375)
    assert float(batches[0].data[0].asnumpy()[0, 0, 0, 1]) == 1 / 256


def test_mnistiter_flat_parts_and_names(mnist_files):
    img, lab, images, _ = mnist_files
    it = io.MNISTIter(image=img, label=lab, batch_size=3, shuffle=False, flat=True, silent=True)
    assert it.provide_data[0].shape == (3, 784)
    assert mnist_labels(it) == [[0, 3, 6], [9, 2, 5], [8, 1, 4]]
    # part i of k holds examples [n*i//k, n*(i+1)//k), as MXNet
    parts = [mnist_labels(io.MNISTIter(image=img, label=lab, batch_size=1, shuffle=False,
                                       num_parts=4, part_index=p, silent=True)) for p in range(4)]
    assert parts == [[[0], [3]], [[6], [9], [2]], [[5], [8]], [[1], [4], [7]]]
    it = io.MNISTIter(image=img, label=lab, batch_size=3, shuffle=False, flat=True,
                      num_parts=2, part_index=1, silent=True)
    b = next(it)
    assert b.label[0].asnumpy().tolist() == [5, 8, 1]
    np.testing.assert_array_equal(b.data[0].asnumpy()[0, :5] * 256, images[5].ravel()[:5])
    it = io.MNISTIter(image=img, label=lab, batch_size=2, shuffle=False, silent=True,
                      data_name='x', label_name='y')
    assert str(it.provide_data[0]) == "DataDesc[x,(2, 1, 28, 28),<class 'numpy.float32'>,NCHW]"
    assert str(it.provide_label[0]) == "DataDesc[y,(2,),<class 'numpy.float32'>,NCHW]"
    assert str(it.next()) == 'DataBatch: data shapes: [(2, 1, 28, 28)] label shapes: [(2,)]'
    assert it.iter_next() and it.getlabel().asnumpy().tolist() == [6, 9]
    assert it.getpad() == 0 and it.getdata().shape == (2, 1, 28, 28)


def test_mnistiter_shuffle_once_with_seed(mnist_files, tmp_path):
    img, lab, _, _ = mnist_files
    gz_img, gz_lab = str(tmp_path / 'img.gz'), str(tmp_path / 'lab.gz')
    write_idx(gz_img, mnist_files[2])
    write_idx(gz_lab, mnist_files[3])

    def make(seed, image=img, label=lab):
        return io.MNISTIter(image=image, label=label, batch_size=3, seed=seed, silent=True)
    it = make(1)
    first = mnist_labels(it)
    it.reset()
    assert mnist_labels(it) == first                     # reset keeps the order, as MXNet
    assert mnist_labels(make(1, gz_img, gz_lab)) == first   # gzip files read the same
    flat = sum(first, [])
    assert len(set(flat)) == 9 and flat != [0, 3, 6, 9, 2, 5, 8, 1, 4]
    assert any(mnist_labels(make(s)) != first for s in (2, 3))


def test_mnistiter_prints_like_mxnet(mnist_files, capsys):
    img, lab, _, _ = mnist_files
    io.MNISTIter(image=img, label=lab, batch_size=4, shuffle=False)
    io.MNISTIter(image=img, label=lab, batch_size=3, flat=True)
    assert capsys.readouterr().err.splitlines() == [
        'MNISTIter: load 10 images, shuffle=0, shape=[4,1,28,28]',
        'MNISTIter: load 10 images, shuffle=1, shape=(3,784)']


def test_mnistiter_errors(mnist_files, tmp_path):
    img, lab, _, _ = mnist_files
    with pytest.raises(TypeError, match='MNISTIter can only accept keyword arguments'):
        io.MNISTIter(img)
    with pytest.raises(FileNotFoundError, match="image file .*nope.* not found"):
        io.MNISTIter(image=str(tmp_path / 'nope'), label=lab, silent=True)
    with pytest.raises(DistGluError, match='batch_size 20 is larger than the 10 images'):
        io.MNISTIter(image=img, label=lab, batch_size=20, silent=True)
    with pytest.raises(DistGluError, match=r'labels \(n,\).*got shapes \(10, 28, 28\) and '
                                           r'\(10, 28, 28\)'):
        io.MNISTIter(image=img, label=img, silent=True)
    with pytest.raises(DistGluError, match=r'part_index must be in \[0, num_parts=2\), got 2'):
        io.MNISTIter(image=img, label=lab, num_parts=2, part_index=2, silent=True)
    with pytest.warns(UserWarning, match='ignoring unknown argument.*foo'):
        io.MNISTIter(image=img, label=lab, batch_size=2, silent=True, foo=1)


# ------------------------------------------------------------------ CSVIter

@pytest.fixture
def csv_files(tmp_path):
    data, label = tmp_path / 'd.csv', tmp_path / 'l.csv'
    data.write_text('1,2,3\n2,3,4\n3,4,5\n4,5,6\n')
    label.write_text('10\n20\n30\n40\n')
    return str(data), str(label)


def csv_epochs(it, count):
    out = []
    for _ in range(count):
        out.append([(b.data[0].asnumpy()[:, 0].astype(int).tolist(),
                     b.label[0].asnumpy().astype(int).tolist(), b.pad, b.index.tolist())
                    for b in it])
        it.reset()
    return out


# MXNet 1.9.1, 4 rows: (round_batch, batch_size) -> three epochs of (data[:, 0], label, pad, index)
CSV_EPOCHS = {
    (True, 2): [[([1, 2], [10, 20], 0, [0, 1]), ([3, 4], [30, 40], 0, [2, 3])]] * 3,
    (True, 3): [[([1, 2, 3], [10, 20, 30], 0, [0, 1, 2]), ([4, 1, 2], [40, 10, 20], 2, [3, 0, 1])],
                [([3, 4, 1], [30, 40, 10], 1, [2, 3, 0])],
                [([2, 3, 4], [20, 30, 40], 0, [1, 2, 3])]],
    (True, 5): [[([1, 2, 3, 4, 1], [10, 20, 30, 40, 10], 1, [0, 1, 2, 3, 0])],
                [([2, 3, 4, 1, 2], [20, 30, 40, 10, 20], 2, [1, 2, 3, 0, 1])],
                [([3, 4, 1, 2, 3], [30, 40, 10, 20, 30], 3, [2, 3, 0, 1, 2])]],
    (True, 8): [[([1, 2, 3, 4, 1, 2, 3, 4], [10, 20, 30, 40, 10, 20, 30, 40], 4,
                  [0, 1, 2, 3, 0, 1, 2, 3])], [],
                [([1, 2, 3, 4, 1, 2, 3, 4], [10, 20, 30, 40, 10, 20, 30, 40], 4,
                  [0, 1, 2, 3, 0, 1, 2, 3])]],
    # round_batch=False: the padding rows are what the batch buffer held before
    (False, 3): [[([1, 2, 3], [10, 20, 30], 0, [0, 1, 2]),
                  ([4, 2, 3], [40, 20, 30], 2, [3, 1, 2])]] * 3,
    (False, 5): [[([1, 2, 3, 4, 0], [10, 20, 30, 40, 0], 1, [0, 1, 2, 3, 0])]] * 3,
}


@pytest.mark.parametrize('key', sorted(CSV_EPOCHS))
def test_csviter_round_batch_matches_mxnet(csv_files, key):
    data, label = csv_files
    round_batch, bs = key
    it = io.CSVIter(data_csv=data, data_shape=(3,), label_csv=label, batch_size=bs,
                    round_batch=round_batch)
    assert str(it.provide_data) == "[DataDesc[data,(%d, 3),<class 'numpy.float32'>,NCHW]]" % bs
    assert str(it.provide_label) == \
        "[DataDesc[softmax_label,(%d,),<class 'numpy.float32'>,NCHW]]" % bs
    assert csv_epochs(it, 3) == CSV_EPOCHS[key]


def test_csviter_shapes_dtypes_and_directory(csv_files, tmp_path):
    data, label = csv_files
    it = io.CSVIter(data_csv=data, data_shape=(3,), batch_size=2)
    b = next(it)
    assert b.label[0].asnumpy().tolist() == [0, 0]              # no label_csv: zeros
    assert b.data[0].asnumpy().tolist() == [[1, 2, 3], [2, 3, 4]]
    it = io.CSVIter(data_csv=data, data_shape=(3,), label_csv=label, batch_size=2, dtype='int64')
    b = next(it)
    assert b.data[0].dtype == np.int64 and b.label[0].dtype == np.int64
    wide = tmp_path / 'wide'
    wide.mkdir()
    (wide / 'a.csv').write_text('1,2,3,4,5,6\n')
    (wide / 'b.csv').write_text('7,8,9,10,11,12\n')
    it = io.CSVIter(data_csv=str(wide), data_shape=(3, 2), label_csv=str(wide), label_shape=(6,),
                    batch_size=1, dtype='int32')
    assert str(it.provide_data) == "[DataDesc[data,(1, 3, 2),<class 'numpy.int32'>,NCHW]]"
    assert it.provide_label[0].shape == (1, 6)
    got = [(b.data[0].asnumpy().tolist(), b.label[0].asnumpy().tolist()) for b in it]
    assert got == [([[[1, 2], [3, 4], [5, 6]]], [[1, 2, 3, 4, 5, 6]]),
                   ([[[7, 8], [9, 10], [11, 12]]], [[7, 8, 9, 10, 11, 12]])]


def test_csviter_errors(csv_files, tmp_path):
    data, _ = csv_files
    with pytest.raises(DistGluError, match=r'The data size in CSV do not match size of shape: '
                                           r'specified shape=\[4\], the csv row-length=3'):
        io.CSVIter(data_csv=data, data_shape=(4,), batch_size=2)
    with pytest.raises(DistGluError, match='Required parameter data_csv is not presented'):
        io.CSVIter(data_shape=(3,), batch_size=2)
    with pytest.raises(DistGluError, match='number of input must be bigger than batch size'):
        io.CSVIter(data_csv=data, data_shape=(3,), batch_size=9)
    # needs 6 rows from the start in the 2nd epoch: fails there, as MXNet
    it = io.CSVIter(data_csv=data, data_shape=(3,), batch_size=7)
    assert [b.pad for b in it] == [3]
    it.reset()
    with pytest.raises(DistGluError, match='number of input must be bigger than batch size'):
        list(it)
    short = tmp_path / 'short.csv'
    short.write_text('10\n20\n30\n')
    with pytest.raises(DistGluError, match='has 4 rows but label_csv .* has 3'):
        io.CSVIter(data_csv=data, data_shape=(3,), label_csv=str(short), batch_size=2)
    with pytest.raises(DistGluError, match='no such file or directory'):
        io.CSVIter(data_csv=str(tmp_path / 'nope.csv'), data_shape=(3,), batch_size=2)
    with pytest.raises(TypeError, match='CSVIter can only accept keyword arguments'):
        io.CSVIter(data, (3,), 2)


def test_record_iterators_not_supported():
    for name in ('ImageRecordIter', 'ImageRecordUInt8Iter', 'ImageDetRecordIter', 'LibSVMIter'):
        with pytest.raises(DistGluError, match='mx.io.%s is not supported by distglu' % name):
            getattr(io, name)(path_imgrec='x.rec', data_shape=(3, 224, 224), batch_size=2)
    with pytest.raises(NotImplementedError):
        io.ImageRecordIter(path_imgrec='x.rec')


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_ndarrayiter_keeps_gpu_context():
    data = mx.nd.array(np.arange(14).reshape(7, 2), ctx=mx.gpu(0))
    for handle in ('pad', 'roll_over'):
        np.random.seed(42)
        it = io.NDArrayIter(data, mx.nd.array(np.arange(7) * 10, ctx=mx.gpu(0)), batch_size=3,
                            shuffle=True, last_batch_handle=handle)
        got = []
        for _ in range(3):
            batches = []
            for b in it:
                assert b.data[0].context == mx.gpu(0) and b.label[0].context == mx.gpu(0)
                batches.append((b.data[0].asnumpy()[:, 0].astype(int).tolist(),
                                b.label[0].asnumpy().astype(int).tolist(), b.pad))
            got.append(batches)
            it.reset()
        assert got == SHUFFLED[handle]
