"""Initializers that delegate: ``Load`` (saved arrays, else a default) and ``Mixed``
(the initializer whose name pattern matches)."""
import json
import logging
import re

import numpy as np

from ..base import string_types
from ..ndarray.ndarray import NDArray
from .base import (Initializer, InitializerError, _assign, _is_own_init, _raw, create,
                   register)


class Load(Initializer):
    """Initialize arrays from a dict of NDArrays or a file saved with ``nd.save``.

    ``arg:``/``aux:`` prefixes of the saved names are dropped; names not found go to
    ``default_init`` (an error if there is none). A shape mismatch is an error.
    """

    def __init__(self, param, default_init=None, verbose=False):
        super(Load, self).__init__()
        if isinstance(param, string_types):
            from ..ndarray.io import load
            param = load(param)
        if not isinstance(param, dict):
            raise InitializerError("Load: expected a dict of name -> NDArray or a file name "
                                   "of saved named arrays, got %s" % type(param).__name__)
        self.param = {}
        for name, arr in param.items():
            if name.startswith('arg:') or name.startswith('aux:'):
                name = name[4:]
            self.param[name] = arr
        self.default_init = default_init
        self.verbose = verbose

    def dumps(self):
        raise InitializerError("Load initializers cannot be dumped to a string")

    def _load(self, name, arr):
        """Copy the saved array called ``name`` into ``arr``; False if there is none."""
        key = str(name)
        if key not in self.param:
            return False
        src = self.param[key]
        src_shape = tuple(src.shape)
        if tuple(_raw(arr).shape) != src_shape:
            raise InitializerError('Parameter %s cannot be initialized from loading. Shape '
                                   'mismatch, target %s vs loaded %s'
                                   % (key, _raw(arr).shape, src_shape))
        _assign(arr, src if isinstance(src, NDArray) else np.asarray(src))
        if self.verbose:
            logging.info('Initialized %s by loading', key)
        return True

    def _default(self, name):
        if self.default_init is None:
            raise InitializerError("Cannot Initialize %s. Not found in loaded param and no "
                                   "default Initializer is provided." % name)
        if self.verbose:
            logging.info('Initialized %s by default', name)
        return create(self.default_init)

    def __call__(self, name, arr):
        if _is_own_init(name, self):
            self._init_weight(name, arr)
        elif not self._load(name, arr):
            self._default(name)(name, arr)

    def _init_weight(self, desc, arr):
        if not self._load(desc, arr):
            self._default(desc)._init_weight(desc, arr)


class Mixed(Initializer):
    """Pick the initializer by name: the first regex in ``patterns`` that matches
    (``re.match``) gives the initializer of the same position in ``initializers``.

    The chosen initializer takes Mixed's place: called by name (no ``'__init__'``, MXNet's
    module way) it applies its name rules (a ``*_bias`` gets ``_init_bias``); as a Gluon
    parameter's initializer (``net.initialize(Mixed(...))``) its ``_init_weight`` fills
    the parameter. A name no pattern matches is an error.
    """

    def __init__(self, patterns, initializers):
        patterns = list(patterns)
        initializers = [create(i) if isinstance(i, string_types) else i for i in initializers]
        if len(patterns) != len(initializers):
            raise InitializerError("Mixed: got %d patterns but %d initializers"
                                   % (len(patterns), len(initializers)))
        super(Mixed, self).__init__()
        self.map = list(zip([re.compile(p) for p in patterns], initializers))

    def dumps(self):
        return json.dumps(['mixed', {'patterns': [p.pattern for p, _ in self.map],
                                     'initializers': [i.dumps() for _, i in self.map]}])

    def _match(self, name):
        for prog, init in self.map:
            if prog.match(name):
                return init
        raise InitializerError('Parameter name %s did not match any pattern (%s). Consider '
                               'adding a ".*" pattern at the end with a default Initializer.'
                               % (name, ', '.join(repr(p.pattern) for p, _ in self.map)))

    def __call__(self, name, arr):
        if _is_own_init(name, self):
            self._init_weight(name, arr)
        else:
            self._match(str(name))(name, arr)

    def _init_weight(self, desc, arr):
        create(self._match(str(desc)))._init_weight(desc, arr)


register(Mixed)
