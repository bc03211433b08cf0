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
import json
import logging
import math
import re
import warnings

import numpy as np

from .base import DistGluError, string_types
from .context import array_module, cpu
from .ndarray.ndarray import NDArray
from .registry import Registry

__all__ = ['InitDesc', 'Initializer', 'register', 'alias', 'create', 'Load', 'Mixed',
           'Zero', 'One', 'Constant', 'Uniform', 'Normal', 'Orthogonal', 'Xavier',
           'MSRAPrelu', 'Bilinear', 'LSTMBias']


class InitializerError(DistGluError, ValueError):
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
    from .ndarray import random as ndrandom
    shape = _raw(arr).shape if shape is None else shape
    return ndrandom.uniform(low, high, shape=shape, ctx=_context(arr),
                            dtype=_float_dtype(arr))._data


def _normal(arr, loc, scale, shape=None):
    from .ndarray import random as ndrandom
    shape = _raw(arr).shape if shape is None else shape
    return ndrandom.normal(loc, scale, shape=shape, ctx=_context(arr),
                           dtype=_float_dtype(arr))._data


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
        from .ndarray import random as ndrandom
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


# --------------------------------------------------------------------------- combinators
class Load(Initializer):
    """Initialize arrays from a dict of NDArrays or a file saved with ``nd.save``.

    ``arg:``/``aux:`` prefixes of the saved names are dropped; names not found go to
    ``default_init`` (an error if there is none). A shape mismatch is an error.
    """

    def __init__(self, param, default_init=None, verbose=False):
        super(Load, self).__init__()
        if isinstance(param, string_types):
            from .ndarray.io import load
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


# --------------------------------------------------------------------------- built-ins
@register
@alias('zeros')
class Zero(Initializer):
    """Fill with 0."""

    def __init__(self):
        super(Zero, self).__init__()

    def _init_weight(self, _, arr):
        _assign(arr, 0)


@register
@alias('ones')
class One(Initializer):
    """Fill with 1."""

    def __init__(self):
        super(One, self).__init__()

    def _init_weight(self, _, arr):
        _assign(arr, 1)


@register
class Constant(Initializer):
    """Fill with ``value``: a scalar, or an array (NDArray, NumPy, list) broadcast to the shape."""

    def __init__(self, value):
        super(Constant, self).__init__(value=value)
        self.value = value

    def _init_weight(self, _, arr):
        val = self.value
        if isinstance(val, (list, tuple)):
            val = np.asarray(val)
        if not np.isscalar(val):
            vshape = tuple(val.shape)
            try:
                np.broadcast_shapes(vshape, tuple(_raw(arr).shape))
            except ValueError:
                raise InitializerError("Constant: value of shape %s cannot fill an array of "
                                       "shape %s" % (vshape, _raw(arr).shape)) from None
        _assign(arr, val)

    def dumps(self):
        val = self._kwargs['value']
        if not np.isscalar(val):
            if isinstance(val, NDArray):
                val = val.asnumpy().tolist()
            elif isinstance(val, np.ndarray):
                val = val.tolist()
        return json.dumps([self.__class__.__name__.lower(), {'value': val}])


@register
class Uniform(Initializer):
    """Uniform draws from ``[-scale, scale)`` (default ``scale=0.07``)."""

    def __init__(self, scale=0.07):
        super(Uniform, self).__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, _, arr):
        _assign(arr, _uniform(arr, -self.scale, self.scale))


@register
class Normal(Initializer):
    """Normal draws with mean 0 and standard deviation ``sigma`` (default 0.01)."""

    def __init__(self, sigma=0.01):
        super(Normal, self).__init__(sigma=sigma)
        self.sigma = sigma

    def _init_weight(self, _, arr):
        _assign(arr, _normal(arr, 0, self.sigma))


@register
class Orthogonal(Initializer):
    """``scale`` times an orthogonal matrix (Saxe et al. 2013).

    The weight is viewed as ``(shape[0], prod(shape[1:]))``; a random matrix of that shape
    (``rand_type`` 'uniform' in [-1, 1) or 'normal') is decomposed by SVD and the factor of
    the same shape is kept, so its rows (or columns, if fewer) are orthonormal.
    """

    def __init__(self, scale=1.414, rand_type='uniform'):
        super(Orthogonal, self).__init__(scale=scale, rand_type=rand_type)
        self.scale = scale
        self.rand_type = rand_type

    def _init_weight(self, _, arr):
        shape = _raw(arr).shape
        if len(shape) < 1:
            raise InitializerError("Orthogonal initializer needs at least a 1-D array, got "
                                   "shape %s" % (shape,))
        nout = shape[0]
        nin = int(np.prod(shape[1:]))
        if self.rand_type == 'uniform':
            tmp = _uniform(arr, -1.0, 1.0, shape=(nout, nin))
        elif self.rand_type == 'normal':
            tmp = _normal(arr, 0.0, 1.0, shape=(nout, nin))
        else:
            raise InitializerError("Orthogonal: unknown rand_type %r (expected 'uniform' or "
                                   "'normal')" % (self.rand_type,))
        xp = array_module(tmp)
        u, _s, v = xp.linalg.svd(tmp.astype(np.float64), full_matrices=False)
        res = u if u.shape == tmp.shape else v
        _assign(arr, (self.scale * res).reshape(shape))


@register
class Xavier(Initializer):
    """Xavier/Glorot initialization.

    ``fan_in = shape[1] * hw``, ``fan_out = shape[0] * hw`` with ``hw = prod(shape[2:])``
    (1 for 2-D). ``factor`` is ``(fan_in + fan_out) / 2`` ('avg'), ``fan_in`` ('in') or
    ``fan_out`` ('out'); ``scale = sqrt(magnitude / factor)``. ``rnd_type='uniform'`` draws
    from ``[-scale, scale)``, ``'gaussian'`` from ``N(0, scale^2)``. Needs at least 2-D.
    """

    def __init__(self, rnd_type='uniform', factor_type='avg', magnitude=3):
        super(Xavier, self).__init__(rnd_type=rnd_type, factor_type=factor_type,
                                     magnitude=magnitude)
        self.rnd_type = rnd_type
        self.factor_type = factor_type
        self.magnitude = float(magnitude)

    def _init_weight(self, name, arr):
        shape = _raw(arr).shape
        if len(shape) < 2:
            raise InitializerError('Xavier initializer cannot be applied to vector {0}. It '
                                   'requires at least 2D.'.format(name))
        hw_scale = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw_scale, shape[0] * hw_scale
        if self.factor_type == 'avg':
            factor = (fan_in + fan_out) / 2.0
        elif self.factor_type == 'in':
            factor = fan_in
        elif self.factor_type == 'out':
            factor = fan_out
        else:
            raise InitializerError("Incorrect factor type %r (expected 'avg', 'in' or 'out')"
                                   % (self.factor_type,))
        scale = math.sqrt(self.magnitude / factor)
        if self.rnd_type == 'uniform':
            _assign(arr, _uniform(arr, -scale, scale))
        elif self.rnd_type == 'gaussian':
            _assign(arr, _normal(arr, 0, scale))
        else:
            raise InitializerError("Unknown random type %r (expected 'uniform' or 'gaussian')"
                                   % (self.rnd_type,))


@register
class MSRAPrelu(Xavier):
    """He/MSRA initialization: Gaussian Xavier with ``magnitude = 2 / (1 + slope^2)``."""

    def __init__(self, factor_type='avg', slope=0.25):
        magnitude = 2. / (1 + slope ** 2)
        super(MSRAPrelu, self).__init__('gaussian', factor_type, magnitude)
        self._kwargs = {'factor_type': factor_type, 'slope': slope}


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


@register
class Bilinear(Initializer):
    """The bilinear interpolation kernel of an upsampling (transposed) convolution, for
    every (out, in) pair of a 4-D weight."""

    def __init__(self):
        super(Bilinear, self).__init__()

    def _init_weight(self, _, arr):
        _assign(arr, _bilinear_kernel(_raw(arr).shape))


@register
class LSTMBias(Initializer):
    """Zero an LSTM bias except the forget gate's quarter, set to ``forget_bias``.

    The gates are stacked i, f, c, o (MXNet's order), so the forget gate is
    ``arr[n:2n]`` with ``n = shape[0] // 4``.
    """

    def __init__(self, forget_bias=1.0):
        super(LSTMBias, self).__init__(forget_bias=forget_bias)
        self.forget_bias = forget_bias

    def _init_weight(self, name, arr):
        raw = _raw(arr)
        _assign(raw, 0)
        num_hidden = int(raw.shape[0] / 4)
        _assign(raw[num_hidden:2 * num_hidden], self.forget_bias)


register(Mixed)
