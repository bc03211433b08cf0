"""Contexts (cpu/gpu) and the mapping from a context to its array module.

This is the only module of distglu that imports cupy.
"""
import threading

import numpy as np

from .base import DistGluError

__all__ = ['Context', 'cpu', 'gpu', 'cpu_pinned', 'current_context', 'num_gpus',
           'gpu_memory_info', 'array_module', 'context_of']

try:  # CuPy is an optional extra; without it gpu() contexts are unavailable
    import cupy as _cupy
except ImportError:  # pragma: no cover - depends on the machine
    _cupy = None


class Context:
    """A device: ``Context('cpu', 0)`` or ``Context('gpu', 1)``; usable as ``with ctx:``.

    Contexts are interned, so ``cpu(0) is cpu(0)``: operators compare them by identity.
    """
    devtype2str = {1: 'cpu', 2: 'gpu', 3: 'cpu_pinned', 5: 'cpu_shared'}
    devstr2type = {'cpu': 1, 'gpu': 2, 'cpu_pinned': 3, 'cpu_shared': 5}
    _interned = {}
    _default_stack = threading.local()

    def __new__(cls, device_type, device_id=0):
        if isinstance(device_type, Context):
            return device_type
        if isinstance(device_type, int):
            device_type = cls.devtype2str.get(device_type, device_type)
        if device_type not in cls.devstr2type:
            raise DistGluError("Context: expected device_type 'cpu' or 'gpu', got %r" % (device_type,))
        key = (device_type, int(device_id))
        ctx = cls._interned.get(key)
        if ctx is None:
            ctx = object.__new__(cls)
            ctx.device_type = device_type
            ctx.device_id = int(device_id)
            ctx.device_typeid = cls.devstr2type[device_type]
            ctx.xp = np if device_type != 'gpu' else None
            cls._interned[key] = ctx
        return ctx

    def __reduce__(self):
        return (Context, (self.device_type, self.device_id))

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __eq__(self, other):
        return isinstance(other, Context) and self.device_type == other.device_type \
            and self.device_id == other.device_id

    def __str__(self):
        return '%s(%d)' % (self.device_type, self.device_id)

    __repr__ = __str__

    def __enter__(self):
        stack = getattr(Context._default_stack, 'stack', None)
        if stack is None:
            stack = Context._default_stack.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc):
        Context._default_stack.stack.pop()

    def empty_cache(self):
        if self.device_type == 'gpu' and _cupy is not None:
            _cupy.get_default_memory_pool().free_all_blocks()


def cpu(device_id=0):
    """The CPU context (``device_id`` is kept for MXNet compatibility)."""
    return Context('cpu', device_id)


def cpu_pinned(device_id=0):
    return Context('cpu_pinned', device_id)


def gpu(device_id=0):
    """The context of GPU ``device_id``. Arrays on it need CuPy and a CUDA device."""
    return Context('gpu', device_id)


def current_context():
    """The innermost ``with ctx:`` context, ``cpu(0)`` by default."""
    stack = getattr(Context._default_stack, 'stack', None)
    return stack[-1] if stack else cpu(0)


def num_gpus():
    """Number of CUDA devices CuPy can see (0 without CuPy or without a device)."""
    if _cupy is None:
        return 0
    try:
        return _cupy.cuda.runtime.getDeviceCount()
    except Exception:  # CuPy installed but no driver/device: that is "no GPU"
        return 0


def gpu_memory_info(device_id=0):
    """(free, total) bytes of memory on GPU ``device_id`` (MXNet's gpu_memory_info)."""
    cp = gpu_module(Context('gpu', device_id))
    with cp.cuda.Device(device_id):
        free, total = cp.cuda.runtime.memGetInfo()
    return free, total


def gpu_module(ctx):
    """The cupy module for a gpu context, or a clear error why it cannot be used."""
    if _cupy is None:
        raise DistGluError("%s: GPU arrays need CuPy, which is not installed "
                           "(pip install 'distglu[gpu]')" % ctx)
    n = num_gpus()
    if ctx.device_id >= n:
        raise DistGluError("%s: no such CUDA device (this machine has %d GPU%s)"
                           % (ctx, n, '' if n == 1 else 's'))
    return _cupy


def array_module(data):
    """numpy or cupy, whichever holds ``data`` (a raw array)."""
    if type(data) is np.ndarray or _cupy is None:
        return np
    return _cupy.get_array_module(data)


def context_xp(ctx):
    """The array module of a context."""
    if ctx.device_type != 'gpu':
        return np
    return gpu_module(ctx)


def context_of(data):
    """The Context a raw array lives on."""
    if type(data) is np.ndarray or _cupy is None or not isinstance(data, _cupy.ndarray):
        return cpu(0)
    return gpu(data.device.id)


def device_scope(ctx):
    """A ``with`` scope that makes ``ctx``'s device current for allocations."""
    if ctx.device_type == 'gpu':
        return gpu_module(ctx).cuda.Device(ctx.device_id)
    return _NullScope()


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
