"""DataLoader: mini-batches from a dataset, in this process, in worker processes or in
threads (``mxnet.gluon.data.DataLoader``).

Pipeline: a batch sampler (``BatchSampler`` over a ``SequentialSampler`` or
``RandomSampler``, or the ``batch_sampler`` given) yields lists of indices in the main process;
each list becomes ``batchify_fn([dataset[i] for i in indices])``. The batch sampler always runs
in the main process, so the batches are the same with and without workers, and a sharding
batch sampler can replace it.

Workers (``num_workers > 0``) are started when an iteration starts and are shut down when it
ends, when the loop is left early (``break``, an exception, Ctrl-C) or when the iterator is
garbage collected: no process outlives the loop. Workers send NumPy arrays (large ones through
shared memory under /dev/shm); the main process wraps them as NDArrays.
"""
import numbers
from collections import deque

from ...context import cpu_pinned
from ...ndarray import NDArray
from ._batchify import _unwire, default_batchify_fn, default_mp_batchify_fn
from ._errors import DataAssertionError, DataLoaderTimeoutError, DataTypeError, DataValueError
from ._workers import _ProcessWorkers, _WorkerFailure, _iteration_seeds, _raise_failure
from . import sampler as _sampler
from .dataset import SimpleDataset

__all__ = ['DataLoader', 'default_batchify_fn', 'default_mp_batchify_fn']


def _as_in_context(data, ctx):
    if isinstance(data, NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return type(data)(_as_in_context(d, ctx) for d in data)
    return data


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
