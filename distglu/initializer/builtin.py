"""The built-in initializers: constant fills (``Zero``, ``One``, ``Constant``), random
draws (``Uniform``, ``Normal``, ``Orthogonal``, ``Xavier``, ``MSRAPrelu``) and the
structured ``Bilinear`` and ``LSTMBias``."""
import json
import math

import numpy as np

from ..context import array_module
from ..ndarray.ndarray import NDArray
from .base import (Initializer, InitializerError, _assign, _bilinear_kernel, _normal, _raw,
                   _uniform, alias, register)


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
