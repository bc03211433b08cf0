"""distglu: MXNet 1.x Gluon's API on NumPy (CPU) and CuPy (GPU), data-parallel with MPI.

``import distglu as mx`` runs MXNet Gluon programs unchanged but for the import.
"""
__version__ = '0.1.0'

from . import _allocator, _numpy_compat
_allocator.tune_malloc()      # reuse step-sized arrays instead of page-faulting them in
_numpy_compat.apply()         # print NumPy values as MXNet-era (NumPy 1) programs did

from . import base
from .base import DistGluError, MXNetError
from .context import Context, cpu, gpu, cpu_pinned, current_context, num_gpus
from . import context
from . import ndarray
from . import ndarray as nd
from . import autograd
from . import random
from . import test_utils


_LAZY = ('gluon', 'init', 'initializer', 'optimizer', 'metric', 'kvstore', 'lr_scheduler',
         'kv', 'distributed', 'io', 'image', 'img', 'contrib')


def __dir__():
    # the lazily imported modules too, so tab completion and dir() show them
    return sorted(set(globals()) | set(_LAZY))


def __getattr__(name):
    # The Gluon stack is imported on first use so that `import distglu` stays light.
    import importlib
    if name in _LAZY:
        real = {'init': 'initializer', 'kv': 'kvstore', 'img': 'image'}.get(name, name)
        if real == 'lr_scheduler':
            mod = importlib.import_module('.optimizer.lr_scheduler', __name__)
        else:
            mod = importlib.import_module('.' + real, __name__)
        globals()[name] = mod
        return mod
    if name in _NOT_PROVIDED:
        raise AttributeError("module 'distglu' has no attribute %r: %s"
                             % (name, _NOT_PROVIDED[name]))
    raise AttributeError("module 'distglu' has no attribute %r" % name)


# MXNet modules distglu does not have, and why (AttributeError, so hasattr() is False)
_NOT_PROVIDED = {
    'sym': "distglu has no symbolic API (hybridize() is a no-op; use the imperative API)",
    'symbol': "distglu has no symbolic API (hybridize() is a no-op; use the imperative API)",
    'mod': "the Module API is not implemented; use gluon.Trainer",
    'module': "the Module API is not implemented; use gluon.Trainer",
}
