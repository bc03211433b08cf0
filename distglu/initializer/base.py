"""The initializer base: ``InitDesc``, the ``Initializer`` class (its name-suffix dispatch
and default fills), the name registry (``register``, ``alias``, ``create``) and the array
helpers the concrete initializers share (in-place assignment, seeded random draws)."""
import json
import logging
import math
import warnings

import numpy as np

from ..base import DistGluValueError, string_types
from ..context import array_module, cpu
from ..ndarray.ndarray import NDArray
from ..registry import Registry


class InitializerError(DistGluValueError):
    """Bad initializer configuration or input (MXNet raises ValueError/AssertionError)."""


# --------------------------------------------------------------------------- helpers
def _raw(arr):
    """The raw numpy/cupy array behind ``arr`` (an NDArray or already raw)."""
    return arr._data if isinstance(arr, NDArray) else arr


def _assign(arr, values):
    """Write ``values`` (scalar, array or NDArray; broadcast) into ``arr`` in place."""
    raw = _raw(arr)
    if isinstance(values, NDArray):
        values = values._data
    xp = array_module(raw)
    if xp is np:
        if not isinstance(values, (np.ndarray, np.generic, int, float, bool)):
            if hasattr(values, 'get'):  # a cupy array going to a cpu array
                values = values.get()
            else:
                values = np.asarray(values)
    elif isinstance(values, (np.ndarray, list, tuple)):
        values = xp.asarray(values)
    raw[...] = values


def _float_dtype(arr):
    dt = np.dtype(_raw(arr).dtype)
    return dt if dt.kind == 'f' else np.dtype(np.float32)


def _context(arr):
    return arr.context if isinstance(arr, NDArray) else cpu()


def _uniform(arr, low, high, shape=None):
    """Uniform draws on ``arr``'s context from distglu's seeded generator (raw array)."""
    from ..ndarray import random as ndrandom
    shape = _raw(arr).shape if shape is None else shape
    return ndrandom.uniform(low, high, shape=shape, ctx=_context(arr),
                            dtype=_float_dtype(arr))._data


def _normal(arr, loc, scale, shape=None):
    from ..ndarray import random as ndrandom
    shape = _raw(arr).shape if shape is None else shape
    return ndrandom.normal(loc, scale, shape=shape, ctx=_context(arr),
                           dtype=_float_dtype(arr))._data


def _bilinear_kernel(shape):
    """The bilinear upsampling kernel of a 4-D weight (both axes use ``f = ceil(W / 2)``)."""
    if len(shape) != 4:
        raise InitializerError("Bilinear initializer needs a 4-D weight (out, in, H, W), got "
                               "shape %s" % (shape,))
    f = math.ceil(shape[3] / 2.)
    c = (2 * f - 1 - f % 2) / (2. * f)
    x = np.arange(shape[3], dtype=np.float64)
    y = np.arange(shape[2], dtype=np.float64)
    k = (1 - np.abs(y / f - c))[:, None] * (1 - np.abs(x / f - c))[None, :]
    return np.broadcast_to(k.astype(np.float32), shape)


class InitDesc(str):
    """The name of an array to initialize, with its ``attrs`` and the ``global_init``.

    A ``str`` (the name) carrying ``attrs`` (dict; ``'__init__'`` holds the array's own
    initializer) and ``global_init`` (the initializer to fall back to), as in MXNet.
    """

    def __new__(cls, name, attrs=None, global_init=None):
        ret = super(InitDesc, cls).__new__(cls, name)
        ret.attrs = attrs or {}
        ret.global_init = global_init
        return ret


# --------------------------------------------------------------------------- registry
_REGISTRY = Registry('initializer', InitializerError)


def register(klass, name=None):
    """Register an Initializer subclass under ``name`` (default: its class name, lower case).

    Usable as a decorator (``@mx.init.register``); registered names work in ``create``,
    in ``dumps()`` strings and as ``Block.initialize(init='name')``.
    """
    return _REGISTRY.register(klass, Initializer, name)


def alias(*aliases):
    """Decorator registering an Initializer subclass under extra names."""
    return _REGISTRY.alias(Initializer, *aliases)


def create(*args, **kwargs):
    """An Initializer from an instance (returned as is), a registered name with constructor
    arguments, a ``dumps()`` string (``'["xavier", {"magnitude": 2}]'``) or a dict."""
    if args:
        init, args = args[0], args[1:]
    elif 'initializer' in kwargs:
        init = kwargs.pop('initializer')
    else:
        raise InitializerError("create: expected an initializer name or instance")
    if isinstance(init, Initializer):
        if args or kwargs:
            raise InitializerError("create: initializer is already an instance. Additional "
                                   "arguments are invalid")
        return init
    if isinstance(init, dict):
        return create(**init)
    if not isinstance(init, string_types):
        raise InitializerError("create: initializer must be an Initializer, a registered "
                               "name or a dumps() string, got %r" % (init,))
    text = init.strip()
    if text.startswith('['):
        if args or kwargs:
            raise InitializerError("create: extra arguments with a dumped initializer")
        try:
            name, kw = json.loads(text)
        except ValueError as err:
            raise InitializerError("create: cannot parse initializer string %r: %s"
                                   % (init, err)) from err
        return create(name, **kw)
    if text.startswith('{'):
        if args or kwargs:
            raise InitializerError("create: extra arguments with a dumped initializer")
        return create(**json.loads(text))
    return _REGISTRY.get(text)(*args, **kwargs)


# --------------------------------------------------------------------------- base class
class Initializer(object):
    """Base class of initializers (``mxnet.init.Initializer``).

    Subclasses override ``_init_weight(desc, arr)`` (and optionally ``_init_bias`` etc.);
    they may write with ``arr[:] = value``. ``__init__(**kwargs)`` records the constructor
    arguments for ``dumps()`` and ``==``.
    """

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        self._verbose = False
        self._print_func = None

    def set_verbosity(self, verbose=False, print_func=None):
        """Log a statistic of every array initialized (default: ``norm(x)/sqrt(x.size)``)."""
        self._verbose = verbose
        if print_func is None:
            def print_func(x):
                d = _raw(x)
                xp = array_module(d)
                return str(float(xp.linalg.norm(d.astype(np.float64).ravel()))
                           / math.sqrt(max(d.size, 1)))
        self._print_func = print_func
        return self

    def _verbose_print(self, desc, init, arr):
        if getattr(self, '_verbose', False) and getattr(self, '_print_func', None):
            logging.info('Initialized %s as %s: %s', desc, init, self._print_func(arr))

    def dumps(self):
        """The initializer as a JSON string, e.g. ``'["normal", {"sigma": 0.5}]'``."""
        return json.dumps([self.__class__.__name__.lower(), getattr(self, '_kwargs', {})])

    def __repr__(self):
        kw = ', '.join('%s=%r' % kv for kv in getattr(self, '_kwargs', {}).items())
        return '%s(%s)' % (self.__class__.__name__, kw)

    def __eq__(self, other):
        if not isinstance(other, Initializer):
            return NotImplemented
        return type(self) is type(other) and \
            getattr(self, '_kwargs', {}) == getattr(other, '_kwargs', {})

    __hash__ = None  # mutable kwargs, as MXNet (which defines __eq__ only)

    def __call__(self, desc, arr):
        """Initialize ``arr`` (an NDArray, in place) as ``desc`` (an InitDesc) says."""
        if not isinstance(desc, InitDesc):
            self._legacy_init(desc, arr)
            return
        if desc.global_init is None:
            desc.global_init = self
        init = desc.attrs.get('__init__', '')
        if init:
            create(init)._init_weight(desc, arr)
            self._verbose_print(desc, init, arr)
            return
        for suffix, method in self._SUFFIX_RULES:
            if desc.endswith(suffix):
                getattr(self, method)(desc, arr)
                self._verbose_print(desc, suffix, arr)
                return
        self._init_default(desc, arr)

    # checked in this order, as MXNet's InitDesc path, plus the batch-norm statistics
    _SUFFIX_RULES = (('weight', '_init_weight'), ('bias', '_init_bias'),
                     ('gamma', '_init_gamma'), ('beta', '_init_beta'),
                     ('running_mean', '_init_zero'), ('moving_mean', '_init_zero'),
                     ('running_var', '_init_one'), ('moving_inv_var', '_init_zero'),
                     ('moving_var', '_init_one'), ('moving_avg', '_init_zero'),
                     ('min', '_init_zero'), ('max', '_init_one'),
                     ('weight_quantize', '_init_quantized_weight'),
                     ('bias_quantize', '_init_quantized_bias'))

    def _legacy_init(self, name, arr):
        """``init(name, arr)`` with a plain string: MXNet's deprecated name-pattern path."""
        warnings.warn("Calling initializer with init(str, NDArray) has been deprecated. "
                      "please use init(mx.init.InitDesc(...), NDArray) instead.",
                      DeprecationWarning, stacklevel=3)
        if not isinstance(name, string_types):
            raise TypeError('name must be string')
        if not isinstance(arr, NDArray):
            raise TypeError('arr must be NDArray')
        if name.startswith('upsampling'):
            self._init_bilinear(name, arr)
        elif name.startswith('stn_loc') and name.endswith('weight'):
            self._init_zero(name, arr)
        elif name.startswith('stn_loc') and name.endswith('bias'):
            self._init_loc_bias(name, arr)
        else:
            for suffix, method in self._LEGACY_RULES:
                if name.endswith(suffix):
                    getattr(self, method)(name, arr)
                    return
            self._init_default(name, arr)

    _LEGACY_RULES = (('bias', '_init_bias'), ('gamma', '_init_gamma'),
                     ('beta', '_init_beta'), ('weight', '_init_weight'),
                     ('moving_mean', '_init_zero'), ('moving_var', '_init_one'),
                     ('moving_inv_var', '_init_zero'), ('moving_avg', '_init_zero'),
                     ('running_mean', '_init_zero'), ('running_var', '_init_one'),
                     ('min', '_init_zero'), ('max', '_init_one'))

    def _init_bilinear(self, _, arr):
        _assign(arr, _bilinear_kernel(_raw(arr).shape))

    def _init_loc_bias(self, _, arr):
        shape = _raw(arr).shape
        if shape[0] != 6:
            raise InitializerError("stn_loc bias must have 6 elements, got shape %s" % (shape,))
        _assign(arr, np.array([1.0, 0, 0, 0, 1.0, 0]))

    def _init_zero(self, _, arr):
        _assign(arr, 0)

    def _init_one(self, _, arr):
        _assign(arr, 1)

    def _init_bias(self, _, arr):
        _assign(arr, 0)

    def _init_quantized_bias(self, _, arr):
        _assign(arr, 0)

    def _init_gamma(self, _, arr):
        _assign(arr, 1)

    def _init_beta(self, _, arr):
        _assign(arr, 0)

    def _init_weight(self, name, arr):
        """Fill a weight; subclasses override this."""
        raise NotImplementedError("Must override it")

    def _init_quantized_weight(self, _, arr):
        from ..ndarray import random as ndrandom
        vals = ndrandom.randint(-127, 127, shape=_raw(arr).shape, ctx=_context(arr),
                                dtype='int32')
        _assign(arr, vals._data.astype(np.int8))

    def _init_default(self, name, _):
        raise InitializerError(
            'Unknown initialization pattern for %s. Default initialization is now limited to '
            '"weight", "bias", "gamma" (1.0), "beta" (0.0), "running_mean"/"moving_mean" (0.0) '
            'and "running_var"/"moving_var" (1.0). Please give the parameter an initializer '
            '(Parameter(init=mx.init.*)) to set its initialization pattern' % name)


def _is_own_init(desc, init):
    """Whether ``init`` was handed in as ``desc``'s own initializer (Gluon's calling way)."""
    return isinstance(desc, InitDesc) and desc.attrs.get('__init__') is init
