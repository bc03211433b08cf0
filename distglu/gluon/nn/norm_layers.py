"""Normalization layers (MXNet 1.x ``BatchNorm``, ``BatchNormReLU``, ``InstanceNorm``,
``LayerNorm``, ``GroupNorm`` from ``mxnet.gluon.nn.basic_layers``).

Each layer calls the ``nd`` operator of the same name with the arguments MXNet's Gluon
layer passes. Parameters are named ``gamma``, ``beta`` (and ``running_mean``,
``running_var`` for BatchNorm) with MXNet's initializers (gamma and running_var 'ones',
beta and running_mean 'zeros'). ``center=False`` / ``scale=False`` only switch the
gradient of beta / gamma off (their values are still used, as in MXNet); BatchNorm's
``scale=False`` also means ``fix_gamma=True`` (gamma taken as 1).
``in_channels=0`` defers the parameters' shape to the first forward.
"""
import numbers

import numpy as np

from ...base import DistGluError
from ..block import HybridBlock

__all__ = ['BatchNorm', 'BatchNormReLU', 'InstanceNorm', 'LayerNorm', 'GroupNorm']


def _kwargs_repr(kwargs):
    return ', '.join('%s=%r' % (k, v) for k, v in kwargs.items())


def _channel_axis(layer, x, axis):
    """``x.shape[axis]``, with a clear error for an axis the input does not have."""
    if not isinstance(axis, (numbers.Integral, np.integer)) or not -x.ndim <= axis < x.ndim:
        raise DistGluError("%s: axis %r does not exist in an input of shape %s"
                           % (layer, axis, x.shape))
    return x.shape[axis]


def _check_in_channels(layer, in_channels):
    if not isinstance(in_channels, (numbers.Integral, np.integer)) or in_channels < 0:
        raise DistGluError("%s: in_channels must be an int >= 0 (0: infer from the input), "
                           "got %r" % (layer, in_channels))
    return int(in_channels)


class _BatchNorm(HybridBlock):
    """BatchNorm body; ``fuse_relu`` applies a ReLU to the output (BatchNormReLU)."""

    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, fuse_relu=False, beta_initializer='zeros',
                 gamma_initializer='ones', running_mean_initializer='zeros',
                 running_variance_initializer='ones', in_channels=0, **kwargs):
        super().__init__(**kwargs)
        in_channels = _check_in_channels(type(self).__name__, in_channels)
        self._kwargs = {'axis': axis, 'eps': epsilon, 'momentum': momentum,
                        'fix_gamma': not scale, 'use_global_stats': use_global_stats}
        self.fuse_relu = fuse_relu
        if in_channels != 0:
            self.in_channels = in_channels
        shape = (in_channels,)
        self.gamma = self.params.get('gamma', grad_req='write' if scale else 'null',
                                     shape=shape, init=gamma_initializer,
                                     allow_deferred_init=True, differentiable=scale)
        self.beta = self.params.get('beta', grad_req='write' if center else 'null',
                                    shape=shape, init=beta_initializer,
                                    allow_deferred_init=True, differentiable=center)
        self.running_mean = self.params.get('running_mean', grad_req='null', shape=shape,
                                            init=running_mean_initializer,
                                            allow_deferred_init=True, differentiable=False)
        self.running_var = self.params.get('running_var', grad_req='null', shape=shape,
                                           init=running_variance_initializer,
                                           allow_deferred_init=True, differentiable=False)

    def infer_shape(self, x, *args):
        c = _channel_axis(type(self).__name__, x, self._kwargs['axis'])
        for p in (self.gamma, self.beta, self.running_mean, self.running_var):
            p.shape = (c,)

    def cast(self, dtype):
        """Cast the parameters, except that float16 keeps them float32 (as MXNet)."""
        if np.dtype(dtype).name == 'float16':
            dtype = 'float32'
        super().cast(dtype)

    def hybrid_forward(self, F, x, gamma, beta, running_mean, running_var):
        y = F.BatchNorm(x, gamma, beta, running_mean, running_var, name='fwd', **self._kwargs)
        if self.fuse_relu:
            y = F.relu(y)
        return y

    def __repr__(self):
        in_channels = self.gamma.shape[0]
        return '{0}({1}, in_channels={2})'.format(type(self).__name__,
                                                  _kwargs_repr(self._kwargs),
                                                  in_channels if in_channels else None)


def _batchnorm_init(fuse_relu):
    """The constructor of BatchNorm (``fuse_relu=False``) and BatchNormReLU (True), with
    MXNet's signature (which has no ``fuse_relu`` argument)."""
    def __init__(self, axis=1, momentum=0.9, epsilon=1e-5, center=True, scale=True,
                 use_global_stats=False, beta_initializer='zeros', gamma_initializer='ones',
                 running_mean_initializer='zeros', running_variance_initializer='ones',
                 in_channels=0, **kwargs):
        _BatchNorm.__init__(self, axis=axis, momentum=momentum, epsilon=epsilon,
                            center=center, scale=scale, use_global_stats=use_global_stats,
                            fuse_relu=fuse_relu, beta_initializer=beta_initializer,
                            gamma_initializer=gamma_initializer,
                            running_mean_initializer=running_mean_initializer,
                            running_variance_initializer=running_variance_initializer,
                            in_channels=in_channels, **kwargs)
    return __init__


class BatchNorm(_BatchNorm):
    """Batch normalization over every axis but ``axis`` (the channels).

    In training (``autograd.record()`` / ``train_mode``) and without ``use_global_stats``
    the output is normalized with the batch mean and (biased) variance and the running
    statistics are updated, ``running = momentum * running + (1 - momentum) * batch``;
    otherwise the running statistics are used. gamma, beta, running_mean, running_var:
    (in_channels,); running_mean/running_var never get gradients (grad_req 'null').

    distglu updates the running statistics during the training-mode forward (MXNet 1.x on
    CPU does it in the backward pass, so there only a forward followed by ``backward()``
    updates them; on GPU it matches distglu).
    """

    __init__ = _batchnorm_init(fuse_relu=False)


class BatchNormReLU(_BatchNorm):
    """BatchNorm followed by ReLU (MXNet 1.x's fused ``BatchNormReLU``)."""

    __init__ = _batchnorm_init(fuse_relu=True)


class _AffineNorm(HybridBlock):
    """gamma/beta of shape (in_channels,) with grad_req from scale/center; repr as MXNet."""

    def __init__(self, kwargs, center, scale, beta_initializer, gamma_initializer,
                 in_channels, prefix, params):
        super().__init__(prefix=prefix, params=params)
        self._kwargs = kwargs
        self._center = center
        self._scale = scale
        shape = (in_channels,)
        self.gamma = self.params.get('gamma', grad_req='write' if scale else 'null',
                                     shape=shape, init=gamma_initializer,
                                     allow_deferred_init=True)
        self.beta = self.params.get('beta', grad_req='write' if center else 'null',
                                    shape=shape, init=beta_initializer,
                                    allow_deferred_init=True)

    def infer_shape(self, x, *args):
        c = _channel_axis(type(self).__name__, x, self._axis)
        self.gamma.shape = (c,)
        self.beta.shape = (c,)

    def __repr__(self):
        # MXNet prints the raw shape here: in_channels=0 before the first forward
        return '{0}({1}, in_channels={2})'.format(type(self).__name__,
                                                  _kwargs_repr(self._kwargs),
                                                  self.gamma.shape[0])


class InstanceNorm(_AffineNorm):
    """Instance normalization: each sample's channel (``axis``) is normalized over the
    remaining (spatial) axes, ``(x - mean) / sqrt(var + epsilon) * gamma + beta``, the
    same in training and prediction. The input has at least 3 dimensions. Note MXNet's
    default ``scale=False`` (gamma stays 1 unless set: it gets no gradient)."""

    def __init__(self, axis=1, epsilon=1e-5, center=True, scale=False,
                 beta_initializer='zeros', gamma_initializer='ones', in_channels=0,
                 **kwargs):
        in_channels = _check_in_channels('InstanceNorm', in_channels)
        super().__init__({'eps': epsilon, 'axis': axis, 'center': center, 'scale': scale},
                         center, scale, beta_initializer, gamma_initializer, in_channels,
                         kwargs.pop('prefix', None), kwargs.pop('params', None))
        if kwargs:
            raise DistGluError("InstanceNorm got unexpected arguments %s" % sorted(kwargs))
        self._axis = axis
        self._epsilon = epsilon

    def hybrid_forward(self, F, x, gamma, beta):
        if self._axis == 1:
            return F.InstanceNorm(x, gamma, beta, name='fwd', eps=self._epsilon)
        # the operator normalizes axis 1: move the channel axis there and back
        x = F.swapaxes(x, 1, self._axis)
        y = F.InstanceNorm(x, gamma, beta, name='fwd', eps=self._epsilon)
        return F.swapaxes(y, 1, self._axis)


class LayerNorm(_AffineNorm):
    """Layer normalization along ``axis`` (default the last): ``(x - mean) / sqrt(var +
    epsilon) * gamma + beta`` with mean and biased variance over that axis; gamma, beta:
    (x.shape[axis],)."""

    def __init__(self, axis=-1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones', in_channels=0,
                 prefix=None, params=None):
        in_channels = _check_in_channels('LayerNorm', in_channels)
        super().__init__({'eps': epsilon, 'axis': axis, 'center': center, 'scale': scale},
                         center, scale, beta_initializer, gamma_initializer, in_channels,
                         prefix, params)
        self._axis = axis
        self._epsilon = epsilon

    def hybrid_forward(self, F, data, gamma, beta):
        return F.LayerNorm(data, gamma=gamma, beta=beta, axis=self._axis, eps=self._epsilon)


class GroupNorm(HybridBlock):
    """Group normalization: the channels (axis 1) of each sample are split into
    ``num_groups`` groups, each normalized by its own mean and biased variance. As in
    MXNet 1.x, gamma and beta have one value per group: shape (num_groups,), known at
    construction (no deferred initialization). Input: (N, C, ...) with C divisible by
    ``num_groups``."""

    def __init__(self, num_groups=1, epsilon=1e-5, center=True, scale=True,
                 beta_initializer='zeros', gamma_initializer='ones', prefix=None,
                 params=None):
        super().__init__(prefix=prefix, params=params)
        if not isinstance(num_groups, (numbers.Integral, np.integer)) or num_groups < 1:
            raise DistGluError("GroupNorm: num_groups must be a positive int, got %r"
                               % (num_groups,))
        self._kwargs = {'eps': epsilon, 'num_groups': num_groups, 'center': center,
                        'scale': scale}
        self._num_groups = num_groups
        self._epsilon = epsilon
        self._center = center
        self._scale = scale
        self.gamma = self.params.get('gamma', grad_req='write' if scale else 'null',
                                     shape=(num_groups,), init=gamma_initializer,
                                     allow_deferred_init=True)
        self.beta = self.params.get('beta', grad_req='write' if center else 'null',
                                    shape=(num_groups,), init=beta_initializer,
                                    allow_deferred_init=True)

    def hybrid_forward(self, F, data, gamma, beta):
        return F.GroupNorm(data, gamma=gamma, beta=beta, num_groups=self._num_groups,
                           eps=self._epsilon)

    def __repr__(self):
        return '{0}({1})'.format(type(self).__name__, _kwargs_repr(self._kwargs))
