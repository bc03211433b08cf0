"""Worker processes of the DataLoader: one iteration's processes, their channels, their
random seeds, and errors sent back with the worker's traceback.

Batch ``i`` goes to worker ``i % num_workers`` through that worker's task queue; results come
back through one pipe, large arrays through shared memory (see ``_batchify``). Workers ignore
SIGINT (Ctrl-C is handled by the main process, which then stops them), exit when their parent
dies, and are terminated when the iteration ends early.
"""
import glob
import multiprocessing
import os
import pickle
import queue
import random as _pyrandom
import secrets
import signal
import threading
import time
import traceback
from multiprocessing.reduction import ForkingPickler

import numpy as np

from ...context import cpu
from ._batchify import _SHM_DIR, _ShmAllocator, _stack_numpy, _wire
from ._errors import DataLoaderTimeoutError, DataLoaderWorkerError


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
    from ... import random as _mxrandom
    _mxrandom.seed(seed % (2 ** 63))


def _worker_loop(dataset, batchify_fn, task_queue, result_lock, result_conn, result_reader,
                 worker_id, seed, parent_pid, shm_prefix):
    """Body of a worker process: take (batch index, sample indices) tasks, send the batches
    (or a ``_WorkerFailure``) back pickled, until a ``None`` task or the parent's death."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    result_reader.close()  # inherited by fork; only the main process reads, so a write fails
    #                        (instead of blocking forever) once the main process is gone
    _seed_worker(seed)
    use_default = batchify_fn is None
    alloc = _ShmAllocator(shm_prefix)
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
                out = _stack_numpy(samples, alloc)
            else:
                out = _wire(batchify_fn(samples), alloc)
            msg = dumps((idx, out), pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # sent to the main process, re-raised there
            msg = dumps((idx, _WorkerFailure(exc, worker_id)), pickle.HIGHEST_PROTOCOL)
        try:
            with result_lock:
                result_conn.send_bytes(msg)
        except OSError:  # the main process is gone (broken pipe)
            return


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
    except (AttributeError, KeyError, TypeError):  # not a PCG64 state: fresh entropy
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
        method = _start_method()
        ctx = multiprocessing.get_context(method)
        self._shm_prefix = os.path.join(_SHM_DIR, 'distglu-dataloader-%d-%s-'
                                        % (os.getpid(), secrets.token_hex(4)))
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
                                      result_writer, self._result_conn, wid, seeds[wid],
                                      os.getpid(), self._shm_prefix),
                                daemon=True, name='distglu-DataLoader-worker-%d' % wid)
                p.start()
                self._procs.append(p)
        except BaseException as err:
            self.shutdown(graceful=False)
            if method != 'fork' and isinstance(err, (pickle.PicklingError, AttributeError,
                                                     TypeError)):
                raise DataLoaderWorkerError(
                    "DataLoader: cannot start workers with the %r start method: the dataset "
                    "and batchify_fn must pickle (no lambdas or local functions) (%s: %s)"
                    % (method, type(err).__name__, err)) from err
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
        for path in glob.glob(glob.escape(self._shm_prefix) + '*'):  # batches never received
            try:
                os.unlink(path)
            except FileNotFoundError:  # the worker or a reader removed it first
                continue
