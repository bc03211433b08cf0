"""DataLoader: MXNet 1.9.1's batches, dtypes and argument errors; worker processes and threads
give the same batches, propagate errors with the worker's traceback, honour the timeout and
leave no process behind."""
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError
from distglu.gluon.data import (ArrayDataset, BatchSampler, DataLoader, Dataset,
                                SequentialSampler, SimpleDataset)
from distglu.gluon.data import _batchify
from distglu.gluon.data.dataloader import default_batchify_fn
from distglu.gluon.data._errors import DataLoaderTimeoutError, DataLoaderWorkerError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _alive(pid):
    """True if process ``pid`` exists and is not a zombie."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('State:'):
                    return 'Z' not in line.split()[1]
    except FileNotFoundError:
        return False
    return True


def _assert_workers_gone(loader):
    pids = loader._last_worker_pids
    assert pids
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), 'worker processes outlived the loop'
    assert multiprocessing.active_children() == []


def _as_lists(batches):
    out = []
    for b in batches:
        if isinstance(b, list):
            out.append([(x.asnumpy().tolist(), x.dtype, x.shape) for x in b])
        else:
            out.append((b.asnumpy().tolist(), b.dtype, b.shape))
    return out


# ---------------------------------------------------------------------- batches

def test_default_batchify_dtypes_like_mxnet():
    # MXNet 1.9.1: ints -> int64, Python floats -> float64, NumPy dtypes kept, tuples -> list
    assert default_batchify_fn([1, 2, 3]).dtype == np.int64
    assert default_batchify_fn([1., 2., 3.]).dtype == np.float64
    assert default_batchify_fn([np.float32(1), np.float32(2)]).dtype == np.float32
    u8 = default_batchify_fn([mx.nd.array([1, 2], dtype='uint8')] * 2)
    assert u8.dtype == np.uint8 and u8.shape == (2, 2)
    nested = default_batchify_fn([(1, [2, 3]), (3, [4, 5])])
    assert isinstance(nested, list) and len(nested) == 2
    np.testing.assert_array_equal(nested[0].asnumpy(), [1, 3])
    np.testing.assert_array_equal(nested[1].asnumpy(), [[2, 3], [4, 5]])
    deep = default_batchify_fn([(np.ones(2), (1, 2.5))] * 4)
    assert deep[0].shape == (4, 2) and deep[0].dtype == np.float64
    assert deep[1][0].dtype == np.int64 and deep[1][1].dtype == np.float64
    nd_batch = default_batchify_fn([mx.nd.array(np.full((2, 3), i)) for i in range(4)])
    assert isinstance(nd_batch, mx.nd.NDArray) and nd_batch.shape == (4, 2, 3)
    np.testing.assert_array_equal(nd_batch.asnumpy()[:, 0, 0], [0, 1, 2, 3])
    with pytest.raises(ValueError, match='same shape'):
        default_batchify_fn([np.ones(2), np.ones(3)])


def test_loader_batches_dtypes_and_len():
    x = np.arange(20, dtype=np.float64).reshape(10, 2)
    y = np.arange(10)
    loader = DataLoader(ArrayDataset(x, y), batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert len(batches) == 3
    data, label = batches[0]
    assert isinstance(data, mx.nd.NDArray) and data.dtype == np.float64 and data.shape == (4, 2)
    assert label.dtype == np.int64
    assert [b[1].asnumpy().tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    # float32 NDArray data, int list labels (MXNet: float32 and int64)
    d2, l2 = next(iter(DataLoader(ArrayDataset(mx.nd.array(x), list(range(10))), 4)))
    assert d2.dtype == np.float32 and l2.dtype == np.int64
    # an NDArray or NumPy array is a dataset; a 1-D NDArray's rows are (1,)
    assert next(iter(DataLoader(mx.nd.arange(10), batch_size=4))).shape == (4, 1)
    np.testing.assert_array_equal(next(iter(DataLoader(np.arange(10), 4))).asnumpy(),
                                  [0, 1, 2, 3])


def test_loader_last_batch_modes():
    ds = ArrayDataset(np.zeros((10, 1)), np.arange(10))
    discard = DataLoader(ds, batch_size=4, last_batch='discard')
    assert len(discard) == 2
    assert [b[1].asnumpy().tolist() for b in discard] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    roll = DataLoader(ds, batch_size=4, last_batch='rollover')
    # MXNet 1.9.1: len 2, then the remainder rolls into the next epoch
    assert len(roll) == 2
    assert [b[1].asnumpy().tolist() for b in roll] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(roll) == 3
    assert [b[1].asnumpy().tolist() for b in roll] == [[8, 9, 0, 1], [2, 3, 4, 5],
                                                       [6, 7, 8, 9]]
    bs = DataLoader(ds, batch_sampler=BatchSampler(SequentialSampler(10), 3, 'keep'))
    assert len(bs) == 4 and [len(b[1]) for b in bs] == [3, 3, 3, 1]


def test_loader_argument_errors_like_mxnet():
    x = np.zeros((10, 2))
    sampler = BatchSampler(SequentialSampler(10), 2)
    with pytest.raises(ValueError, match='batch_size must be specified unless batch_sampler '
                                         'is specified'):
        DataLoader(x)
    for kw in (dict(batch_size=2), dict(shuffle=True), dict(last_batch='keep'),
               dict(sampler=SequentialSampler(10))):
        with pytest.raises(ValueError, match='batch_size, shuffle, sampler and last_batch must '
                                             'not be specified if batch_sampler is specified'):
            DataLoader(x, batch_sampler=sampler, **kw)
    with pytest.raises(ValueError, match='shuffle must not be specified if sampler is '
                                         'specified'):
        DataLoader(x, batch_size=2, shuffle=True, sampler=SequentialSampler(10))
    with pytest.raises(AssertionError, match='timeout must be positive, given 0'):
        DataLoader(x, batch_size=2, timeout=0)
    with pytest.raises(ValueError, match="last_batch must be one of 'keep', 'discard', or "
                                         "'rollover', but got foo"):
        DataLoader(x, batch_size=2, last_batch='foo')
    with pytest.raises(DistGluError, match='batch_size must be an integer >= 1, got 0'):
        DataLoader(x, batch_size=0)
    with pytest.raises(TypeError, match='dataset must have __getitem__ and __len__'):
        DataLoader(5, batch_size=2)
    with pytest.raises(TypeError, match='batchify_fn must be callable'):
        DataLoader(x, batch_size=2, batchify_fn=3)
    # as MXNet: negative num_workers means 0, negative prefetch means 0
    assert len(list(DataLoader(x, batch_size=2, num_workers=-1, prefetch=-3))) == 5


def test_pin_memory_context():
    loader = DataLoader(ArrayDataset(np.ones((4, 2), np.float32), np.arange(4)), 2,
                        pin_memory=True)
    data, label = next(iter(loader))
    assert data.context == mx.cpu_pinned(0) and label.context == mx.cpu_pinned(0)


# ---------------------------------------------------------------------- workers

class _Square(Dataset):
    """Samples (x, x*x as float32 array, label) -- picklable, deterministic."""

    def __len__(self):
        return 23

    def __getitem__(self, i):
        return mx.nd.array(np.full((2, 3), i, np.float32)), np.float32(i) ** 2, i


@pytest.mark.parametrize('workers, threads', [(2, False), (3, True), (1, False)])
def test_workers_give_identical_batches(workers, threads):
    ds = _Square().transform_first(lambda x: x * 2)
    runs = []
    for nw in (0, workers):
        np.random.seed(42)
        loader = DataLoader(ds, batch_size=4, shuffle=True, last_batch='rollover',
                            num_workers=nw, thread_pool=threads, prefetch=3)
        runs.append([_as_lists(loader) for _ in range(3)])  # 3 epochs, shuffled, rollover
    assert runs[0] == runs[1]
    first = runs[0][0][0]
    assert first[0][1] == np.float32 and first[0][2] == (4, 2, 3)
    assert first[2][1] == np.int64
    if not threads:
        _assert_workers_gone(loader)


def test_workers_with_custom_batchify_and_len():
    def batchify(samples):
        data = mx.nd.array(np.stack([s[0].asnumpy() for s in samples]))
        return {'data': data, 'n': len(samples), 'labels': [s[2] for s in samples]}
    ds = _Square()
    a = list(DataLoader(ds, batch_size=5, batchify_fn=batchify))
    loader = DataLoader(ds, batch_size=5, batchify_fn=batchify, num_workers=2)
    b = list(loader)
    assert len(loader) == 5 and len(a) == len(b) == 5
    for x, y in zip(a, b):
        assert isinstance(y['data'], mx.nd.NDArray)
        np.testing.assert_array_equal(x['data'].asnumpy(), y['data'].asnumpy())
        assert x['n'] == y['n'] and x['labels'] == y['labels']
    _assert_workers_gone(loader)


def test_workers_stop_after_break():
    loader = DataLoader(_Square(), batch_size=2, num_workers=2)
    for i, _ in enumerate(loader):
        if i == 1:
            break
    _assert_workers_gone(loader)
    # the loader works again afterwards
    assert len(list(loader)) == 12
    _assert_workers_gone(loader)


class _Failing(Dataset):
    def __init__(self, exc_type=ValueError):
        self.exc_type = exc_type

    def __len__(self):
        return 16

    def __getitem__(self, i):
        if i == 7:
            raise self.exc_type('boom at %d' % i)
        return np.float32(i)


def test_worker_error_reaches_main_process_with_traceback():
    loader = DataLoader(_Failing(), batch_size=2, num_workers=2)
    got = []
    with pytest.raises(ValueError) as info:
        for b in loader:
            got.append(b.asnumpy().tolist())
    msg = str(info.value)
    assert 'boom at 7' in msg
    assert 'Caught ValueError in DataLoader worker' in msg and 'batch 3' in msg
    assert 'Traceback' in msg and '__getitem__' in msg and 'test_data_loader.py' in msg
    assert got == [[0, 1], [2, 3], [4, 5]]  # the batches before the failing one arrived
    _assert_workers_gone(loader)


def test_worker_keyerror_message_stays_readable():
    loader = DataLoader(_Failing(KeyError), batch_size=2, num_workers=1)
    with pytest.raises(KeyError) as info:
        list(loader)
    assert '\n' in str(info.value) and 'boom at 7' in str(info.value)
    _assert_workers_gone(loader)


class _Unraisable(Exception):
    def __init__(self, a, b):
        super().__init__(a, b)


class _FailingOddly(Dataset):
    def __len__(self):
        return 4

    def __getitem__(self, i):
        raise _Unraisable('x', 'y')


def test_worker_error_of_unusual_type_becomes_worker_error():
    loader = DataLoader(_FailingOddly(), batch_size=2, num_workers=1)
    with pytest.raises(DataLoaderWorkerError, match='Caught _Unraisable') as info:
        list(loader)
    assert isinstance(info.value, DistGluError)
    _assert_workers_gone(loader)


def test_thread_pool_error_is_raised():
    with pytest.raises(ValueError, match='boom at 7'):
        list(DataLoader(_Failing(), batch_size=2, num_workers=2, thread_pool=True))


class _Slow(Dataset):
    def __init__(self, seconds):
        self.seconds = seconds

    def __len__(self):
        return 4

    def __getitem__(self, i):
        if i == 2:
            time.sleep(self.seconds)
        return np.float32(i)


def test_timeout_raises_clear_error_and_stops_workers():
    loader = DataLoader(_Slow(10), batch_size=2, num_workers=1, timeout=0.3)
    start = time.monotonic()
    with pytest.raises(DataLoaderTimeoutError, match='timeout=0.3 seconds') as info:
        list(loader)
    assert isinstance(info.value, multiprocessing.TimeoutError)  # what MXNet raises
    assert time.monotonic() - start < 8  # the stuck worker is not waited for
    _assert_workers_gone(loader)


def test_thread_pool_timeout():
    loader = DataLoader(_Slow(1), batch_size=2, num_workers=1, thread_pool=True, timeout=0.3)
    with pytest.raises(multiprocessing.TimeoutError, match='timeout=0.3 seconds'):
        list(loader)


class _Dying(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i == 3:
            os._exit(3)
        return np.float32(i)


def test_dead_worker_is_reported():
    loader = DataLoader(_Dying(), batch_size=2, num_workers=1)
    with pytest.raises(DataLoaderWorkerError, match='exited unexpectedly with exit code 3'):
        list(loader)
    _assert_workers_gone(loader)


class _RandomValues(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        return np.int64(np.random.randint(0, 2 ** 62))


def test_workers_get_distinct_reproducible_random_streams():
    def run():
        mx.random.seed(11)
        return [int(b.asscalar()) for b in DataLoader(_RandomValues(), 1, num_workers=2)]
    a, b = run(), run()
    assert a == b  # reproducible after mx.random.seed
    assert len(set(a)) == len(a)  # no two workers replay the same stream
    mx.random.seed(11)
    loader = DataLoader(_RandomValues(), 1, num_workers=2)
    assert [int(x.asscalar()) for x in loader] != [int(x.asscalar()) for x in loader]


_SLOW_LOOP = '''
    import faulthandler, signal, sys, time
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # stacks, if the test times out
    sys.path.insert(0, %r)
    import numpy as np
    from distglu.gluon.data import DataLoader, Dataset

    class Slow(Dataset):
        def __len__(self):
            return 10000
        def __getitem__(self, i):
            time.sleep(0.01)
            return np.float32(i)

    loader = DataLoader(Slow(), batch_size=2, num_workers=2)
    for i, b in enumerate(loader):
        if i == 0:
            print(' '.join(map(str, loader._last_worker_pids)), flush=True)
''' % ROOT


def _start_slow_loop(tmp_path):
    script = tmp_path / 'slow_loop.py'
    script.write_text(textwrap.dedent(_SLOW_LOOP))
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        raise AssertionError('the loader script failed:\n' + proc.communicate()[1])
    pids = [int(p) for p in line.split()]
    assert len(pids) == 2 and all(_alive(p) for p in pids)
    return proc, pids


def _finish(proc, pids, timeout):
    """Wait for the script to end; on a timeout, fail with its stacks and the workers'
    state."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGUSR1)
            time.sleep(1)
        proc.kill()
        err = proc.communicate()[1]
        raise AssertionError('the loader script did not end in %ds; workers alive: %s\n%s'
                             % (timeout, [p for p in pids if _alive(p)], err))


def _wait_gone(pids, seconds):
    deadline = time.monotonic() + seconds
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(_alive(p) for p in pids)


def test_ctrl_c_shuts_workers_down(tmp_path):
    proc, pids = _start_slow_loop(tmp_path)
    try:
        os.killpg(proc.pid, signal.SIGINT)  # as a terminal's Ctrl-C: the whole group
        err = _finish(proc, pids, 20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0 and 'KeyboardInterrupt' in err
    assert err.count('Traceback') == 1  # only the main process reports it
    assert _wait_gone(pids, 5)


def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    proc, pids = _start_slow_loop(tmp_path)
    try:
        proc.kill()  # SIGKILL: no cleanup code runs in the main process
        _finish(proc, pids, 20)  # the output pipes close when the workers are gone too
        assert _wait_gone(pids, 10)  # orphaned workers notice and exit
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)


class _Large(Dataset):
    """Samples of 256 KiB: batches travel through shared memory."""

    def __len__(self):
        return 10

    def __getitem__(self, i):
        return np.full((64, 32, 32), i, np.float32), mx.nd.array(np.full((300, 300), -i)), i


def _shm_files():
    return [f for f in os.listdir('/dev/shm') if f.startswith('distglu-dataloader-%d-'
                                                                 % os.getpid())]


@pytest.mark.skipif(not os.path.isdir('/dev/shm'), reason='no /dev/shm')
def test_large_batches_through_shared_memory_leave_no_files(monkeypatch):
    expected = _as_lists(DataLoader(_Large(), batch_size=3))
    loader = DataLoader(_Large(), batch_size=3, num_workers=2)
    batches = list(loader)
    assert _as_lists(batches) == expected
    data = batches[0][0]
    assert data._data.nbytes >= _batchify._SHM_MIN_BYTES
    data += 1  # the mapped batch is an ordinary writable array
    assert data.asnumpy()[1, 0, 0, 0] == 2
    assert _shm_files() == []
    for i, _ in enumerate(loader):  # batches still in flight when the loop is left
        if i == 0:
            break
    _assert_workers_gone(loader)
    assert _shm_files() == []
    # without shared memory the batches come through the pipe, the same
    monkeypatch.setattr(_batchify, '_SHM_DIR', '/nonexistent-distglu-test')
    assert _as_lists(DataLoader(_Large(), batch_size=3, num_workers=2)) == expected


def test_spawn_start_method(monkeypatch):
    monkeypatch.setenv('DISTGLU_DATALOADER_START_METHOD', 'spawn')
    ds = ArrayDataset(np.arange(12, dtype=np.float32).reshape(6, 2), np.arange(6))
    loader = DataLoader(ds, batch_size=4, num_workers=1)
    assert _as_lists(loader) == _as_lists(DataLoader(ds, batch_size=4))
    _assert_workers_gone(loader)
    bad = SimpleDataset([1, 2, 3]).transform(lambda x: x + 1)
    with pytest.raises(DataLoaderWorkerError, match="the dataset and batchify_fn must pickle"):
        list(DataLoader(bad, batch_size=2, num_workers=1))
    assert multiprocessing.active_children() == []
