"""Weight initializers (``mxnet.initializer``, exported as ``distglu.init``).

An initializer is called as ``init(InitDesc(name, attrs, global_init), arr)`` and writes
values into the NDArray ``arr`` in place (cast to ``arr``'s dtype). As in MXNet 1.x:

- ``attrs['__init__']`` (an Initializer, or one dumped with ``dumps()``, or a registered
  name such as ``'zeros'``) is a parameter's own initializer: its ``_init_weight`` fills the
  array whatever the name. Gluon's ``Parameter`` always passes it.
- Without it, the name's suffix picks the method: ``weight`` -> ``_init_weight``,
  ``bias``/``beta`` -> 0, ``gamma`` -> 1, ``min`` -> 0, ``max`` -> 1.
  distglu also knows the batch-norm statistics here (``running_mean``/``moving_mean``,
  ``moving_inv_var``, ``moving_avg`` -> 0; ``running_var``/``moving_var`` -> 1), where
  MXNet's ``InitDesc`` path raises "Unknown initialization pattern" (its legacy
  ``init(str, arr)`` path did know them).

``Mixed`` and ``Load`` are Initializers here (plain callables in MXNet, which Gluon's
``initialize`` rejects), so they also work as ``net.initialize(Mixed(...))``.

Random draws come from distglu's per-context generators (``distglu.random.seed``), so a
seeded program initializes identically on every run.
"""
from .base import InitializerError, InitDesc, Initializer, register, alias, create
from .base import (_REGISTRY, _raw, _assign, _float_dtype, _context, _uniform, _normal,
                   _bilinear_kernel, _is_own_init)
from .builtin import (Zero, One, Constant, Uniform, Normal, Orthogonal, Xavier, MSRAPrelu,
                      Bilinear, LSTMBias)
from .combinators import Load, Mixed

__all__ = ['InitDesc', 'Initializer', 'register', 'alias', 'create', 'Load', 'Mixed',
           'Zero', 'One', 'Constant', 'Uniform', 'Normal', 'Orthogonal', 'Xavier',
           'MSRAPrelu', 'Bilinear', 'LSTMBias']
