"""DataLoader: mini-batches from a dataset, in this process, in worker processes or in
threads (``mxnet.gluon.data.DataLoader``).

Pipeline: a batch sampler (``BatchSampler`` over a ``SequentialSampler`` or
``RandomSampler``, or the ``batch_sampler`` given) yields lists of indices in the main process;
each list becomes ``batchify_fn([dataset[i] for i in indices])``. The batch sampler always runs
in the main process, so the batches are the same with and without workers, and a sharding
batch sampler can replace it.

Workers (``num_workers > 0``) are started when an iteration starts and are shut down when it
ends, when the loop is left early (``break``, an exception, Ctrl-C) or when the iterator is
garbage collected: no process outlives the loop. Workers send NumPy arrays; the main process
wraps them as NDArrays.
"""
import multiprocessing
import numbers
import os
import pickle
import queue
import random as _pyrandom
import signal
import threading
import time
import traceback
from collections import deque
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ...context import cpu, cpu_pinned
from ...ndarray import NDArray
from ._errors import (DataAssertionError, DataLoaderTimeoutError, DataLoaderWorkerError,
                      DataTypeError, DataValueError)
from . import sampler as _sampler
from .dataset import SimpleDataset

__all__ = ['DataLoader', 'default_batchify_fn', 'default_mp_batchify_fn']

_ndarray_t = np.ndarray


# ---------------------------------------------------------------------- batchify

def _stack_numpy(data):
    """The samples ``data`` batched as NumPy arrays, nested lists for tuple samples."""
    first = data[0]
    if isinstance(first, NDArray):
        raws = [x._data if isinstance(x, NDArray) else np.asarray(x) for x in data]
        xp = np if type(raws[0]) is _ndarray_t else _array_module(raws[0])
        try:
            return _Wire(xp.stack(raws), first._ctx)
        except ValueError as err:
            raise DataValueError(_ragged_message(data, err)) from err
    if isinstance(first, tuple):
        width = len(first)
        for x in data:
            if not isinstance(x, tuple) or len(x) != width:
                raise DataValueError("batchify: every sample must be a tuple of %d elements "
                                     "like the first one, got %r" % (width, _brief(x)))
        return [_stack_numpy(field) for field in zip(*data)]
    try:
        arr = np.asarray(data)
    except ValueError as err:
        raise DataValueError(_ragged_message(data, err)) from err
    if arr.dtype == object:
        raise DataValueError(_ragged_message(data, None))
    return _Wire(arr, None)


def _array_module(raw):
    from ...context import array_module
    return array_module(raw)


def _brief(x):
    s = repr(x)
    return s if len(s) < 80 else s[:77] + '...'


def _ragged_message(data, err):
    shapes = sorted({tuple(np.shape(x)) if not isinstance(x, NDArray) else x.shape
                     for x in data}, key=str)
    return ("batchify: cannot stack %d samples into one batch: they must all have the same "
            "shape, got shapes %s%s; pad them or pass a batchify_fn"
            % (len(data), shapes[:5], '' if err is None else ' (%s)' % err))


class _Wire(object):
    """A batch array in transit: a raw (NumPy or CuPy) array and the context it belongs to
    (None: the default cpu)."""
    __slots__ = ('array', 'ctx')

    def __init__(self, array, ctx):
        self.array = array
        self.ctx = ctx

    def __reduce__(self):
        return (_Wire, (self.array, self.ctx))


def _unwire(obj):
    """Replace the ``_Wire`` leaves of a batch by NDArrays (no copy)."""
    t = type(obj)
    if t is _Wire:
        arr = obj.array
        return NDArray._wrap(arr, cpu() if obj.ctx is None else obj.ctx)
    if t is list:
        return [_unwire(x) for x in obj]
    if t is tuple:
        return tuple(_unwire(x) for x in obj)
    if t is dict:
        return {k: _unwire(v) for k, v in obj.items()}
    return obj


def _wire(obj):
    """Replace the NDArrays of a batch by ``_Wire`` leaves holding NumPy arrays (to send them
    to the main process without pickling an NDArray)."""
    if isinstance(obj, NDArray):
        return _Wire(obj.asnumpy() if obj._ctx.device_type == 'gpu' else obj._data, None)
    t = type(obj)
    if t is list:
        return [_wire(x) for x in obj]
    if t is tuple:
        return tuple(_wire(x) for x in obj)
    if t is dict:
        return {k: _wire(v) for k, v in obj.items()}
    return obj


def default_batchify_fn(data):
    """Stack a list of samples into a batch (MXNet 1.x's rule).

    NDArray samples are stacked along a new first axis (dtype and context kept); tuple samples
    are batched field by field and returned as a *list* of batches; anything else (NumPy
    arrays, Python or NumPy numbers, lists) goes through ``numpy.asarray`` and keeps NumPy's
    dtype: Python ints give int64, Python floats float64, as in MXNet. The stacking is done
    once in NumPy and wrapped once.
    """
    return _unwire(_stack_numpy(data))


default_mp_batchify_fn = default_batchify_fn


def _as_in_context(data, ctx):
    if isinstance(data, NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return type(data)(_as_in_context(d, ctx) for d in data)
    return data


# ---------------------------------------------------------------------- worker processes

class _WorkerFailure(object):
    """What a worker sends back instead of a batch when ``batchify(dataset[...])`` raised."""

    def __init__(self, exc, worker_id):
        self.worker_id = worker_id
        self.pid = os.getpid()
        self.text = ''.join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.exc_type = type(exc)
        try:
            pickle.dumps(self.exc_type)
        except Exception:  # a class that cannot travel (defined in a function)
            self.exc_type = None
        self.type_name = type(exc).__name__


class _PlainMessage(str):
    """A message that prints with its line breaks also inside ``KeyError``."""

    def __repr__(self):
        return str(self)


def _raise_failure(failure, batch_idx):
    msg = ("Caught %s in DataLoader worker %d (pid %d) while loading batch %d.\n"
           "Original traceback (most recent call last) in the worker:\n%s"
           % (failure.type_name, failure.worker_id, failure.pid, batch_idx,
              failure.text.rstrip()))
    exc = None
    if failure.exc_type is not None and issubclass(failure.exc_type, Exception):
        try:
            exc = failure.exc_type(_PlainMessage(msg))
        except Exception:
            exc = None
        # an exception class whose constructor does not take one message loses it
        if exc is not None and msg not in str(exc):
            exc = None
    if exc is None:
        exc = DataLoaderWorkerError(msg)
    raise exc


def _seed_worker(seed):
    """Give a worker its own random streams (Python, NumPy and distglu's)."""
    _pyrandom.seed(seed)
    np.random.seed(seed % (2 ** 32))
    try:
        from ... import random as _mxrandom
        _mxrandom.seed(seed % (2 ** 63))
    except Exception:  # pragma: no cover - the random module is part of the core
        pass


def _worker_loop(dataset, batchify_fn, task_queue, result_lock, result_conn, worker_id, seed,
                 parent_pid):
    """Body of a worker process: take (batch index, sample indices) tasks, send the batches
    (or a ``_WorkerFailure``) back pickled, until a ``None`` task or the parent's death."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    _seed_worker(seed)
    use_default = batchify_fn is None
    dumps = ForkingPickler.dumps
    while True:
        try:
            task = task_queue.get(timeout=1.0)
        except queue.Empty:
            if os.getppid() != parent_pid:  # orphaned: the main process died
                return
            continue
        except (EOFError, OSError):  # the main process closed the queue
            return
        if task is None:
            return
        idx, indices = task
        try:
            samples = [dataset[i] for i in indices]
            if use_default:
                out = _stack_numpy(samples)
            else:
                out = _wire(batchify_fn(samples))
            msg = dumps((idx, out), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # sent to the main process, re-raised there
            msg = dumps((idx, _WorkerFailure(exc, worker_id)), pickle.HIGHEST_PROTOCOL)
        with result_lock:
            result_conn.send_bytes(msg)


def _start_method():
    method = os.environ.get('DISTGLU_DATALOADER_START_METHOD')
    if method:
        return method
    return 'fork' if 'fork' in multiprocessing.get_all_start_methods() else 'spawn'


_seed_state = {'generator': None, 'count': 0}


def _iteration_seeds(num_workers):
    """Seeds for the workers of one multi-process iteration.

    Derived from the state of distglu's CPU generator, which is read, not advanced (so the
    main process's random streams stay as they are without workers), and from the number of
    such iterations since that generator was (re)seeded: after ``mx.random.seed`` a program
    gets the same worker seeds again, while successive epochs and loaders get new ones.
    """
    entropy = None
    try:
        from ...ndarray.random import _generator
        gen = _generator(cpu())
        state = gen.bit_generator.state['state']
        entropy = [int(state['state']) % (2 ** 64), int(state['inc']) % (2 ** 64)]
        if _seed_state['generator'] is not gen:  # mx.random.seed made a new generator
            _seed_state['generator'], _seed_state['count'] = gen, 0
        _seed_state['count'] += 1
        entropy.append(_seed_state['count'])
    except Exception:  # an unexpected generator: fall back to fresh entropy
        entropy = None
    seq = np.random.SeedSequence(entropy)
    return [int(s.generate_state(1, np.uint64)[0]) for s in seq.spawn(num_workers)]


class _ProcessWorkers(object):
    """The worker processes of one iteration: one task queue per worker (fed by a background
    thread, so the main process never blocks on it; batch ``i`` goes to worker
    ``i % num_workers``, so each worker's random stream sees the same samples in every run)
    and one result pipe back (written by the workers under a lock, read by the main
    process)."""

    def __init__(self, dataset, batchify_fn, num_workers, seeds):
        ctx = multiprocessing.get_context(_start_method())
        self._task_queues = []
        self._result_conn, result_writer = ctx.Pipe(duplex=False)
        self._procs = []
        # Workers inherit SIGINT ignored (as MXNet's): Ctrl-C reaches only the main process,
        # which then shuts them down.
        main = threading.current_thread() is threading.main_thread()
        old = signal.signal(signal.SIGINT, signal.SIG_IGN) if main else None
        try:
            lock = self._lock = ctx.Lock()  # kept: a spawned worker rebuilds it after start()
            for wid in range(num_workers):
                self._task_queues.append(ctx.Queue())
                p = ctx.Process(target=_worker_loop,
                                args=(dataset, batchify_fn, self._task_queues[wid], lock,
                                      result_writer, wid, seeds[wid], os.getpid()),
                                daemon=True, name='distglu-DataLoader-worker-%d' % wid)
                p.start()
                self._procs.append(p)
        except BaseException:
            self.shutdown(graceful=False)
            raise
        finally:
            result_writer.close()  # the workers hold their copies
            if main:
                signal.signal(signal.SIGINT, old)

    @property
    def pids(self):
        return [p.pid for p in self._procs]

    def put(self, idx, indices):
        self._task_queues[idx % len(self._task_queues)].put((idx, indices))

    def get(self, timeout):
        """The next (batch index, payload) a worker sent; raises ``DataLoaderTimeoutError``
        after ``timeout`` seconds and ``DataLoaderWorkerError`` if a worker died."""
        deadline = time.monotonic() + timeout
        conn = self._result_conn
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise DataLoaderTimeoutError(
                    "DataLoader: no batch arrived from the %d worker processes within "
                    "timeout=%g seconds. The dataset's __getitem__ or the batchify_fn may be "
                    "too slow (raise timeout=) or stuck." % (len(self._procs), timeout))
            if conn.poll(min(remaining, 0.5)):
                try:
                    return pickle.loads(conn.recv_bytes())
                except (EOFError, OSError):  # every worker has closed its end: all died
                    for p in self._procs:
                        p.join(timeout=1.0)
                    self._check_alive()
                    raise DataLoaderWorkerError("DataLoader: the worker processes closed the "
                                                "result channel unexpectedly") from None
            self._check_alive()

    def _check_alive(self):
        for p in self._procs:
            if p.exitcode is not None:
                raise DataLoaderWorkerError(
                    "DataLoader worker %s (pid %d) exited unexpectedly with exit code %s%s"
                    % (p.name, p.pid, p.exitcode,
                       ' (killed by signal %d)' % -p.exitcode if p.exitcode < 0 else ''))

    def shutdown(self, graceful):
        """Stop every worker and release the channels. ``graceful``: the workers are idle
        and get a stop message; otherwise (the loop was left early) they are terminated."""
        procs, self._procs = self._procs, []
        if graceful:
            for q in self._task_queues[:len(procs)]:
                q.put(None)
            for p in procs:
                p.join(timeout=2.0)
        for p in procs:
            if p.exitcode is None:
                p.terminate()
        for p in procs:
            p.join(timeout=2.0)
            if p.exitcode is None:
                p.kill()
                p.join()
            p.close()
        for q in self._task_queues:
            q.cancel_join_thread()
            q.close()
        self._result_conn.close()


# ---------------------------------------------------------------------- DataLoader

class DataLoader(object):
    """Loads mini-batches from a dataset (``mxnet.gluon.data.DataLoader``).

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__getitem__`` and ``__len__``; NumPy arrays and NDArrays work too.
    batch_size : int
        Samples per batch (needed unless ``batch_sampler`` is given).
    shuffle : bool, default False
        Shuffle the samples in every epoch (``RandomSampler``: NumPy's global generator).
    sampler : Sampler
        Order of the sample indices; not together with ``shuffle``.
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'
        What to do with a last batch smaller than ``batch_size`` (see ``BatchSampler``).
    batch_sampler : Sampler
        Yields lists of indices; excludes ``batch_size``, ``shuffle``, ``sampler`` and
        ``last_batch``.
    batchify_fn : callable
        Turns a list of samples into a batch (default: ``default_batchify_fn``).
    num_workers : int, default 0
        Worker processes (threads with ``thread_pool=True``) that load batches; 0 loads in
        this process. Negative values count as 0.
    pin_memory : bool, default False
        Return batches on ``cpu_pinned(pin_device_id)``.
    pin_device_id : int, default 0
    prefetch : int, default ``2 * num_workers``
        Batches requested ahead from the workers (at least 1 is always in flight).
    thread_pool : bool, default False
        Use threads instead of processes.
    timeout : float, default 120
        Seconds to wait for a worker's batch before raising ``DataLoaderTimeoutError``
        (``multiprocessing.TimeoutError``).
    auto_reload : bool, default False
        Accepted for MXNet 1.9 compatibility; distglu starts prefetching when an iteration
        starts either way.

    ``len(loader)`` is the number of batches of the next epoch. Batches are the same with and
    without workers; each worker has its own random streams (seeded from distglu's generator,
    so a run after ``mx.random.seed`` is reproducible for a given ``num_workers``).
    Workers start with the 'fork' method on Linux; set ``DISTGLU_DATALOADER_START_METHOD``
    to 'spawn' or 'forkserver' to change it (the dataset and batchify_fn must then pickle).
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None,
                 last_batch=None, batch_sampler=None, batchify_fn=None,
                 num_workers=0, pin_memory=False, pin_device_id=0,
                 prefetch=None, thread_pool=False, timeout=120, auto_reload=False):
        if isinstance(dataset, NDArray):
            dataset = SimpleDataset(dataset)  # rows as NDArrays, read from the raw array
        if not hasattr(dataset, '__getitem__') or not hasattr(dataset, '__len__'):
            raise DataTypeError("DataLoader: dataset must have __getitem__ and __len__ (a "
                                "Dataset, a list or an array), got %s" % type(dataset).__name__)
        if not isinstance(timeout, numbers.Real) or not timeout > 0:
            raise DataAssertionError("timeout must be positive, given %r" % (timeout,))
        if batch_sampler is None:
            if batch_size is None:
                raise DataValueError("batch_size must be specified unless batch_sampler is "
                                     "specified")
            if sampler is None:
                n = len(dataset)
                sampler = _sampler.RandomSampler(n) if shuffle else _sampler.SequentialSampler(n)
            elif shuffle:
                raise DataValueError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size,
                                                  last_batch if last_batch else 'keep')
        elif batch_size is not None or shuffle or sampler is not None or \
                last_batch is not None:
            raise DataValueError("batch_size, shuffle, sampler and last_batch must not be "
                                 "specified if batch_sampler is specified.")
        if batchify_fn is not None and not callable(batchify_fn):
            raise DataTypeError("DataLoader: batchify_fn must be callable, got %r"
                                % (batchify_fn,))
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral):
            raise DataTypeError("DataLoader: num_workers must be an integer, got %r"
                                % (num_workers,))
        self._dataset = dataset
        self._batch_sampler = batch_sampler
        self._custom_batchify = batchify_fn
        self._batchify_fn = batchify_fn if batchify_fn is not None else default_batchify_fn
        self._num_workers = max(0, int(num_workers))
        self._pin_memory = bool(pin_memory)
        self._pin_device_id = int(pin_device_id)
        self._prefetch = max(0, int(prefetch) if prefetch is not None
                             else 2 * self._num_workers)
        self._thread_pool = bool(thread_pool)
        self._timeout = float(timeout)
        self.auto_reload = auto_reload

    def __len__(self):
        return len(self._batch_sampler)

    def __iter__(self):
        if self._num_workers == 0:
            return self._same_process_iter()
        if self._thread_pool:
            return self._thread_iter()
        return self._process_iter()

    # -- loaders -----------------------------------------------------------------------
    def _finish(self, batch):
        if self._pin_memory:
            batch = _as_in_context(batch, cpu_pinned(self._pin_device_id))
        return batch

    def _same_process_iter(self):
        dataset, batchify = self._dataset, self._batchify_fn
        for indices in self._batch_sampler:
            yield self._finish(batchify([dataset[i] for i in indices]))

    def _in_flight(self):
        return max(1, self._prefetch)

    def _thread_iter(self):
        from concurrent.futures import ThreadPoolExecutor
        from concurrent.futures import TimeoutError as FutureTimeout
        dataset, batchify = self._dataset, self._batchify_fn

        def load(indices):
            return batchify([dataset[i] for i in indices])

        pool = ThreadPoolExecutor(self._num_workers, thread_name_prefix='distglu-DataLoader')
        pending = deque()
        batches = iter(self._batch_sampler)
        try:
            for indices in batches:
                pending.append(pool.submit(load, indices))
                if len(pending) >= self._in_flight():
                    break
            while pending:
                fut = pending.popleft()
                try:
                    batch = fut.result(self._timeout)
                except FutureTimeout:
                    raise DataLoaderTimeoutError(
                        "DataLoader: a worker thread did not deliver a batch within timeout=%g "
                        "seconds. The dataset's __getitem__ or the batchify_fn may be too slow "
                        "(raise timeout=) or stuck." % self._timeout) from None
                nxt = next(batches, None)
                if nxt is not None:
                    pending.append(pool.submit(load, nxt))
                yield self._finish(batch)
        finally:
            for fut in pending:
                fut.cancel()
            pool.shutdown(wait=False)

    def _process_iter(self):
        nworkers = self._num_workers
        workers = _ProcessWorkers(self._dataset, self._custom_batchify, nworkers,
                                  _iteration_seeds(nworkers))
        self._last_worker_pids = workers.pids  # for tests and debugging
        finished = False
        try:
            batches = iter(self._batch_sampler)
            sent = received = 0
            buffer = {}
            limit = self._in_flight()
            for indices in batches:
                workers.put(sent, indices)
                sent += 1
                if sent >= limit:
                    break
            while received < sent:
                while received not in buffer:
                    idx, payload = workers.get(self._timeout)
                    buffer[idx] = payload
                payload = buffer.pop(received)
                if isinstance(payload, _WorkerFailure):
                    _raise_failure(payload, received)
                received += 1
                nxt = next(batches, None)
                if nxt is not None:
                    workers.put(sent, nxt)
                    sent += 1
                yield self._finish(_unwire(payload))
            finished = True
        finally:
            workers.shutdown(graceful=finished)
