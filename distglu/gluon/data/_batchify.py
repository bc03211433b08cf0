"""Batching samples, and the form batches travel in from worker processes.

``default_batchify_fn`` stacks samples in NumPy (or CuPy) and wraps each stacked array once.
In a worker, the stacked arrays are ``_Wire`` leaves; a large one is written straight into a
file under /dev/shm (shared memory), so the main process maps it instead of copying it
through a pipe (falling back to the pipe when /dev/shm is missing or full).
"""
import mmap
import os

import numpy as np

from ...context import cpu
from ...ndarray import NDArray
from ._errors import DataLoaderWorkerError, DataValueError

__all__ = ['default_batchify_fn', 'default_mp_batchify_fn']

_ndarray_t = np.ndarray
_SHM_DIR = '/dev/shm'
_SHM_MIN_BYTES = 1 << 18  # smaller arrays travel inside the pickled message


class _Wire(object):
    """A batch array in transit: a raw (NumPy or CuPy) array, the context it belongs to
    (None: cpu), and the shared-memory file holding it (None if it is pickled inline)."""
    __slots__ = ('array', 'ctx', 'path')

    def __init__(self, array, ctx, path=None):
        self.array = array
        self.ctx = ctx
        self.path = path

    def __reduce__(self):
        if self.path is not None:
            a = self.array
            return (_wire_from_shm, (self.path, a.shape, a.dtype.str, self.ctx))
        return (_Wire, (self.array, self.ctx))


def _wire_from_shm(path, shape, dtype, ctx):
    """Map a shared-memory batch file (in the main process) and unlink it: the memory lives
    as long as the array does."""
    try:
        fd = os.open(path, os.O_RDWR)
    except OSError as err:
        raise DataLoaderWorkerError("DataLoader: the shared-memory batch file %r of a worker "
                                    "is gone (%s)" % (path, err)) from err
    try:
        size = os.fstat(fd).st_size
        buf = mmap.mmap(fd, size)
    finally:
        os.close(fd)
        os.unlink(path)
    dtype = np.dtype(dtype)
    count = int(np.prod(shape, dtype=np.int64))
    return _Wire(np.frombuffer(buf, dtype=dtype, count=count).reshape(shape), ctx)


class _ShmAllocator(object):
    """Allocates large arrays in /dev/shm files named ``prefix<pid>-<n>`` (in a worker)."""

    def __init__(self, prefix):
        self.prefix = prefix
        self.enabled = os.path.isdir(_SHM_DIR) and os.access(_SHM_DIR, os.W_OK)
        self.count = 0

    def empty(self, shape, dtype):
        """(array, path): a shared-memory array, or (a plain array, None) when small or when
        shared memory is unavailable."""
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        if not self.enabled or nbytes < _SHM_MIN_BYTES:
            return np.empty(shape, dtype), None
        self.count += 1
        path = '%s%d-%d' % (self.prefix, os.getpid(), self.count)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError:
            self.enabled = False
            return np.empty(shape, dtype), None
        try:
            os.posix_fallocate(fd, 0, nbytes)  # ENOSPC now rather than SIGBUS on write
            buf = mmap.mmap(fd, nbytes)
        except OSError:  # /dev/shm full: send this one through the pipe
            os.close(fd)
            os.unlink(path)
            return np.empty(shape, dtype), None
        os.close(fd)
        return np.frombuffer(buf, dtype=dtype).reshape(shape), path


def _stack_numpy(data, alloc=None):
    """The samples ``data`` batched as ``_Wire`` leaves, nested lists for tuple samples.
    ``alloc``: a ``_ShmAllocator`` for the output arrays (in a worker)."""
    first = data[0]
    if isinstance(first, (NDArray, _ndarray_t)):
        raws = [x._data if isinstance(x, NDArray) else np.asarray(x) for x in data]
        ctx = first._ctx if isinstance(first, NDArray) else None
        shape = raws[0].shape
        if any(r.shape != shape for r in raws):
            raise DataValueError(_ragged_message(data, None))
        if type(raws[0]) is not _ndarray_t:  # CuPy: stack on the device
            from ...context import array_module
            return _Wire(array_module(raws[0]).stack(raws), ctx)
        if alloc is None:
            return _Wire(np.stack(raws), ctx)
        dtype = raws[0].dtype
        if any(r.dtype != dtype for r in raws):
            dtype = np.result_type(*raws)
        out, path = alloc.empty((len(raws),) + shape, dtype)
        np.stack(raws, out=out)
        return _Wire(out, ctx, path)
    if isinstance(first, tuple):
        width = len(first)
        for x in data:
            if not isinstance(x, tuple) or len(x) != width:
                raise DataValueError("batchify: every sample must be a tuple of %d elements "
                                     "like the first one, got %s" % (width, _brief(x)))
        return [_stack_numpy(field, alloc) for field in zip(*data)]
    try:
        arr = np.asarray(data)
    except ValueError as err:
        raise DataValueError(_ragged_message(data, err)) from err
    if arr.dtype == object:
        raise DataValueError(_ragged_message(data, None))
    return _Wire(arr, None)


def _brief(x):
    s = repr(x)
    return s if len(s) < 80 else s[:77] + '...'


def _ragged_message(data, err):
    shapes = sorted({tuple(np.shape(x)) if not isinstance(x, NDArray) else x.shape
                     for x in data}, key=str)
    return ("batchify: cannot stack %d samples into one batch: they must all have the same "
            "shape, got shapes %s%s; pad them or pass a batchify_fn"
            % (len(data), shapes[:5], '' if err is None else ' (%s)' % err))


def _unwire(obj):
    """Replace the ``_Wire`` leaves of a batch by NDArrays (no copy)."""
    t = type(obj)
    if t is _Wire:
        return NDArray._wrap(obj.array, cpu() if obj.ctx is None else obj.ctx)
    if t is list:
        return [_unwire(x) for x in obj]
    if t is tuple:
        return tuple(_unwire(x) for x in obj)
    if t is dict:
        return {k: _unwire(v) for k, v in obj.items()}
    return obj


def _wire(obj, alloc=None):
    """Replace the NDArrays of a batch made by a custom batchify_fn by ``_Wire`` leaves holding
    NumPy arrays (large ones copied into shared memory when ``alloc`` is given)."""
    if isinstance(obj, NDArray):
        raw = obj.asnumpy() if obj._ctx.device_type == 'gpu' else obj._data
        if alloc is not None:
            out, path = alloc.empty(raw.shape, raw.dtype)
            if path is not None:
                np.copyto(out, raw)
                return _Wire(out, None, path)
        return _Wire(raw, None)
    t = type(obj)
    if t is list:
        return [_wire(x, alloc) for x in obj]
    if t is tuple:
        return tuple(_wire(x, alloc) for x in obj)
    if t is dict:
        return {k: _wire(v, alloc) for k, v in obj.items()}
    return obj


def default_batchify_fn(data):
    """Stack a list of samples into a batch (MXNet 1.x's rule).

    NDArray samples are stacked along a new first axis (dtype and context kept); tuple samples
    are batched field by field and returned as a *list* of batches; anything else (NumPy
    arrays, Python or NumPy numbers, lists) is batched as ``numpy.asarray`` would and keeps
    NumPy's dtype: Python ints give int64, Python floats float64, as in MXNet. The stacking is
    done once in NumPy and wrapped once.
    """
    return _unwire(_stack_numpy(data))


default_mp_batchify_fn = default_batchify_fn
