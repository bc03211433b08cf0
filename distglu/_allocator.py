"""Keep glibc's malloc from returning training-step-sized arrays to the OS.

Every step allocates and frees the same arrays of one to a few MB (activations,
gradients). glibc serves a request at or above its mmap threshold with a fresh ``mmap``
and gives it back on free, and trims the top of the heap once more than twice that
threshold is free there; the threshold itself moves with the sizes freed so far. So,
depending on the order of a program's allocations, the same step either reuses warm
memory or takes a page fault for every 4 KiB of every such array, each step: a
measured 1,088 faults and about 7% of a 2-layer LSTM training step, after a change
that merely stopped allocating one 4 MB array.

At import, distglu fixes the threshold at 32 MiB (the highest value glibc's own
adjustment reaches) and the trim threshold at 128 MiB: arrays up to 32 MiB come from
the heap and their memory is reused; larger ones are still mapped and unmapped. The
price is that a process keeps up to 128 MiB of freed heap memory for reuse instead of
returning it. ``DISTGLU_MALLOC_TUNING=0`` in the environment leaves malloc as it is.
Nothing happens outside Linux with glibc.
"""
import ctypes
import os
import sys

__all__ = ['tune_malloc', 'TUNED']

_M_TRIM_THRESHOLD = -1     # glibc <malloc.h>
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 128 << 20

TUNED = False              # whether tune_malloc changed the allocator in this process


def _glibc_mallopt():
    """glibc's ``mallopt``, or None where the C library is not glibc."""
    if not sys.platform.startswith('linux'):
        return None
    libc = ctypes.CDLL(None)
    # gnu_get_libc_version exists only in glibc (musl also has a mallopt, a no-op)
    if not hasattr(libc, 'gnu_get_libc_version') or not hasattr(libc, 'mallopt'):
        return None
    fn = libc.mallopt
    fn.argtypes = (ctypes.c_int, ctypes.c_int)
    fn.restype = ctypes.c_int
    return fn


def tune_malloc():
    """Set the thresholds described in the module docstring, unless
    ``DISTGLU_MALLOC_TUNING=0``. Returns True when the allocator was changed."""
    global TUNED
    if os.environ.get('DISTGLU_MALLOC_TUNING', '1').strip() == '0':
        return False
    mallopt = _glibc_mallopt()
    if mallopt is None:
        return False
    TUNED = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return TUNED
