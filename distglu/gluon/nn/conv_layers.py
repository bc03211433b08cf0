"""Convolution, pooling and padding layers (MXNet 1.x ``mxnet.gluon.nn.conv_layers``).

Layers call ``nd.Convolution`` / ``nd.Deconvolution`` / ``nd.Pooling`` / ``nd.pad`` with
the arguments MXNet's Gluon layers pass, so results, names (``conv0_weight``,
``pool0``), parameter shapes and printed forms are MXNet's:

- ``Conv*D`` weight: ``(channels, in_channels/groups, *kernel_size)`` (channel-last
  layouts: ``(channels, *kernel_size, in_channels/groups)``); ``Conv*DTranspose`` weight:
  ``(in_channels, channels/groups, *kernel_size)`` (channel-last: ``(in_channels,
  *kernel_size, channels/groups)``); bias: ``(channels,)``.
- ``in_channels=0`` leaves a 0 in the weight's shape; it is filled from the input's
  channel axis at the first forward (deferred initialization).
- int arguments expand to one value per spatial axis; tuples/lists are kept as given
  (MXNet prints them as given).

Layouts: channel-first (NCW, NCHW, NCDHW: MXNet's defaults) and channel-last (NWC, NHWC,
NDHWC) for convolutions and pooling alike (MXNet 1.x's Conv1D and Conv1DTranspose accept
only NCW; distglu also accepts NWC).
"""
import numbers

import numpy as np

from ...base import DistGluError, DistGluValueError
from ..block import HybridBlock
from .basic_layers import Activation

__all__ = ['Conv1D', 'Conv2D', 'Conv3D',
           'Conv1DTranspose', 'Conv2DTranspose', 'Conv3DTranspose',
           'MaxPool1D', 'MaxPool2D', 'MaxPool3D',
           'AvgPool1D', 'AvgPool2D', 'AvgPool3D',
           'GlobalMaxPool1D', 'GlobalMaxPool2D', 'GlobalMaxPool3D',
           'GlobalAvgPool1D', 'GlobalAvgPool2D', 'GlobalAvgPool3D',
           'ReflectionPad2D']

# the layouts each number of spatial axes accepts: channel-first first (the default)
_LAYOUTS = {1: ('NCW', 'NWC'), 2: ('NCHW', 'NHWC'), 3: ('NCDHW', 'NDHWC')}
_SPATIAL = {1: '(width)', 2: '(height, width)', 3: '(depth, height, width)'}


def _is_number(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _per_axis(value, nsp, layer, what):
    """An int -> one value per spatial axis; a tuple/list is checked and kept as given."""
    if nsp not in _SPATIAL:
        raise DistGluError("%s: expected 1, 2 or 3 spatial axes, got %d" % (layer, nsp))
    if _is_number(value):
        return (int(value),) * nsp
    if isinstance(value, (tuple, list)) and len(value) == nsp and all(
            _is_number(v) for v in value):
        return value
    raise DistGluError("%s: %s must be an int or a tuple/list of %d ints %s, got %r"
                       % (layer, what, nsp, _SPATIAL[nsp], value))


def _check_layout(layout, nsp, layer):
    if layout not in _LAYOUTS[nsp]:
        raise DistGluError("%s: layout must be %s, got %r"
                           % (layer, ' or '.join(repr(v) for v in _LAYOUTS[nsp]), layout))
    return layout


def _check_input(x, nsp, layout, layer):
    if x.ndim != nsp + 2:
        raise DistGluValueError("%s expects %d-D input in layout %s, got shape %s"
                                % (layer, nsp + 2, layout, x.shape))


class _Conv(HybridBlock):
    """Shared body of the convolution layers (``op_name`` Convolution or Deconvolution)."""

    def __init__(self, channels, kernel_size, strides, padding, dilation, groups, layout,
                 in_channels=0, activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', op_name='Convolution', adj=None, nsp=None,
                 prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        layer = type(self).__name__
        if nsp is None:     # MXNet's private signature: kernel_size is already a tuple
            nsp = 1 if _is_number(kernel_size) else len(kernel_size)
        kernel_size = _per_axis(kernel_size, nsp, layer, 'kernel_size')
        strides = _per_axis(strides, nsp, layer, 'strides')
        padding = _per_axis(padding, nsp, layer, 'padding')
        dilation = _per_axis(dilation, nsp, layer, 'dilation')
        layout = _check_layout(layout, nsp, layer)
        if not _is_number(channels) or channels < 1:
            raise DistGluError("%s: channels must be a positive int, got %r" % (layer, channels))
        if not _is_number(groups) or groups < 1:
            raise DistGluError("%s: groups must be a positive int, got %r" % (layer, groups))
        if not _is_number(in_channels) or in_channels < 0:
            raise DistGluError("%s: in_channels must be an int >= 0 (0: infer from the input), "
                               "got %r" % (layer, in_channels))
        channels, groups, in_channels = int(channels), int(groups), int(in_channels)
        if in_channels % groups or channels % groups:
            raise DistGluError("%s: groups=%d must divide channels (%d) and in_channels (%d)"
                               % (layer, groups, channels, in_channels))
        with self.name_scope():
            self._channels = channels
            self._in_channels = in_channels
            self._op_name = op_name
            self._nsp = nsp
            self._channel_last = layout != _LAYOUTS[nsp][0]
            self._kwargs = {
                'kernel': kernel_size, 'stride': strides, 'dilate': dilation,
                'pad': padding, 'num_filter': channels, 'num_group': groups,
                'no_bias': not use_bias, 'layout': layout}
            if adj is not None:
                self._kwargs['adj'] = adj
            self.weight = self.params.get('weight', shape=self._weight_shape(in_channels),
                                          init=weight_initializer, allow_deferred_init=True)
            if use_bias:
                self.bias = self.params.get('bias', shape=(channels,), init=bias_initializer,
                                            allow_deferred_init=True)
            else:
                self.bias = None
            if activation is not None:
                self.act = Activation(activation, prefix=activation + '_')
            else:
                self.act = None

    def _weight_shape(self, in_channels):
        """Weight shape for ``in_channels`` input channels (0 = not known yet)."""
        groups = self._kwargs['num_group']
        kernel = tuple(int(k) for k in self._kwargs['kernel'])
        if self._op_name == 'Deconvolution':
            first, per_group = in_channels, self._channels // groups
        else:
            first, per_group = self._channels, in_channels // groups
        if self._channel_last:
            return (first,) + kernel + (per_group,)
        return (first, per_group) + kernel

    def _alias(self):
        return 'conv'

    def infer_shape(self, x, *args):
        layout = self._kwargs['layout']
        _check_input(x, self._nsp, layout, type(self).__name__)
        in_channels = x.shape[layout.find('C')]
        groups = self._kwargs['num_group']
        if in_channels % groups:
            raise DistGluError("%s: the input has %d channels (axis %d of shape %s), which "
                               "groups=%d does not divide" % (type(self).__name__, in_channels,
                                                               layout.find('C'), x.shape,
                                                               groups))
        self.weight.shape = self._weight_shape(in_channels)

    def hybrid_forward(self, F, x, weight, bias=None):
        y = getattr(F, self._op_name)(x, weight, bias, name='fwd', **self._kwargs)
        if self.act is not None:
            y = self.act(y)
        return y

    def __repr__(self):
        kw = self._kwargs
        nsp = len(kw['kernel'])
        parts = ['{0} -> {1}'.format(self.weight.shape[1] or None, self.weight.shape[0]),
                 'kernel_size={0}'.format(kw['kernel']), 'stride={0}'.format(kw['stride'])]
        # MXNet compares with tuples: a list argument always prints
        if kw['pad'] != (0,) * nsp:
            parts.append('padding={0}'.format(kw['pad']))
        if kw['dilate'] != (1,) * nsp:
            parts.append('dilation={0}'.format(kw['dilate']))
        # (MXNet 1.x never prints output_padding: its check looks for another attribute)
        if kw['num_group'] != 1:
            parts.append('groups={0}'.format(kw['num_group']))
        if self.bias is None:
            parts.append('bias=False')
        if self.act:
            parts.append(repr(self.act))
        return '{0}({1})'.format(type(self).__name__, ', '.join(parts))


def _kernel_arg(kernel_size, nsp, layer):
    return _per_axis(kernel_size, nsp, layer, 'kernel_size')


class Conv1D(_Conv):
    """1-D convolution over (batch, in_channels, width) inputs (layout 'NCW').

    ``out_width = floor((width + 2*padding - dilation*(kernel_size-1) - 1)/strides) + 1``.
    Weight (channels, in_channels/groups, kernel_size), bias (channels,).
    """

    def __init__(self, channels, kernel_size, strides=1, padding=0, dilation=1, groups=1,
                 layout='NCW', activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        op_name = kwargs.pop('op_name', 'Convolution')
        super().__init__(channels, _kernel_arg(kernel_size, 1, 'Conv1D'), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, op_name, nsp=1, **kwargs)


class Conv2D(_Conv):
    """2-D convolution over (batch, in_channels, height, width) inputs (layout 'NCHW';
    'NHWC' takes (batch, height, width, in_channels) and a weight (channels, kh, kw,
    in_channels/groups)).

    Output size per axis: ``floor((size + 2*padding - dilation*(kernel-1) - 1)/stride)+1``.
    """

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0),
                 dilation=(1, 1), groups=1, layout='NCHW', activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer='zeros', in_channels=0, **kwargs):
        op_name = kwargs.pop('op_name', 'Convolution')
        super().__init__(channels, _kernel_arg(kernel_size, 2, 'Conv2D'), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, op_name, nsp=2, **kwargs)


class Conv3D(_Conv):
    """3-D convolution over (batch, in_channels, depth, height, width) inputs (layout
    'NCDHW'; or 'NDHWC')."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 dilation=(1, 1, 1), groups=1, layout='NCDHW', activation=None,
                 use_bias=True, weight_initializer=None, bias_initializer='zeros',
                 in_channels=0, **kwargs):
        op_name = kwargs.pop('op_name', 'Convolution')
        super().__init__(channels, _kernel_arg(kernel_size, 3, 'Conv3D'), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, op_name, nsp=3, **kwargs)


class _ConvTranspose(_Conv):
    """Shared constructor of the transposed convolutions (``output_padding`` -> adj)."""

    def __init__(self, nsp, channels, kernel_size, strides, padding, output_padding,
                 dilation, groups, layout, activation, use_bias, weight_initializer,
                 bias_initializer, in_channels, kwargs):
        layer = type(self).__name__
        output_padding = _per_axis(output_padding, nsp, layer, 'output_padding')
        op_name = kwargs.pop('op_name', 'Deconvolution')
        super().__init__(channels, _kernel_arg(kernel_size, nsp, layer), strides, padding,
                         dilation, groups, layout, in_channels, activation, use_bias,
                         weight_initializer, bias_initializer, op_name=op_name,
                         adj=output_padding, nsp=nsp, **kwargs)
        self.outpad = output_padding


class Conv1DTranspose(_ConvTranspose):
    """1-D transposed convolution (the gradient of Conv1D w.r.t. its input).

    ``out_width = (width-1)*strides - 2*padding + dilation*(kernel_size-1) + 1 +
    output_padding``. Weight (in_channels, channels/groups, kernel_size).
    """

    def __init__(self, channels, kernel_size, strides=1, padding=0, output_padding=0,
                 dilation=1, groups=1, layout='NCW', activation=None, use_bias=True,
                 weight_initializer=None, bias_initializer='zeros', in_channels=0, **kwargs):
        super().__init__(1, channels, kernel_size, strides, padding, output_padding,
                         dilation, groups, layout, activation, use_bias, weight_initializer,
                         bias_initializer, in_channels, kwargs)


class Conv2DTranspose(_ConvTranspose):
    """2-D transposed convolution ('NCHW' or 'NHWC'); weight (in_channels,
    channels/groups, kh, kw). Output size per axis: ``(size-1)*stride - 2*padding +
    dilation*(kernel-1) + 1 + output_padding``."""

    def __init__(self, channels, kernel_size, strides=(1, 1), padding=(0, 0),
                 output_padding=(0, 0), dilation=(1, 1), groups=1, layout='NCHW',
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        super().__init__(2, channels, kernel_size, strides, padding, output_padding,
                         dilation, groups, layout, activation, use_bias, weight_initializer,
                         bias_initializer, in_channels, kwargs)


class Conv3DTranspose(_ConvTranspose):
    """3-D transposed convolution ('NCDHW' or 'NDHWC'); weight (in_channels,
    channels/groups, kd, kh, kw)."""

    def __init__(self, channels, kernel_size, strides=(1, 1, 1), padding=(0, 0, 0),
                 output_padding=(0, 0, 0), dilation=(1, 1, 1), groups=1, layout='NCDHW',
                 activation=None, use_bias=True, weight_initializer=None,
                 bias_initializer='zeros', in_channels=0, **kwargs):
        super().__init__(3, channels, kernel_size, strides, padding, output_padding,
                         dilation, groups, layout, activation, use_bias, weight_initializer,
                         bias_initializer, in_channels, kwargs)


# ----------------------------------------------------------------------------- pooling

class _Pooling(HybridBlock):
    """Shared body of the pooling layers: ``nd.Pooling`` with MXNet Gluon's arguments."""

    def __init__(self, pool_size, strides, padding, ceil_mode, global_pool, pool_type,
                 layout, count_include_pad=None, nsp=None, **kwargs):
        super().__init__(**kwargs)
        layer = type(self).__name__
        if nsp is None:     # MXNet's private signature: pool_size is already a tuple
            nsp = 1 if _is_number(pool_size) else len(pool_size)
        pool_size = _per_axis(pool_size, nsp, layer, 'pool_size')
        strides = pool_size if strides is None else _per_axis(strides, nsp, layer, 'strides')
        padding = _per_axis(padding, nsp, layer, 'padding')
        self._nsp = nsp
        self._kwargs = {
            'kernel': pool_size, 'stride': strides, 'pad': padding,
            'global_pool': global_pool, 'pool_type': pool_type,
            'layout': _check_layout(layout, nsp, layer),
            'pooling_convention': 'full' if ceil_mode else 'valid'}
        if count_include_pad is not None:
            self._kwargs['count_include_pad'] = count_include_pad

    def _alias(self):
        return 'pool'

    def hybrid_forward(self, F, x):
        kw = self._kwargs
        _check_input(x, self._nsp, kw['layout'], type(self).__name__)
        return F.Pooling(x, name='fwd', **kw)

    def __repr__(self):
        kw = self._kwargs
        return ('{name}(size={kernel}, stride={stride}, padding={pad}, ceil_mode={ceil}, '
                'global_pool={global_pool}, pool_type={pool_type}, layout={layout})'
                .format(name=type(self).__name__, ceil=kw['pooling_convention'] == 'full',
                        **kw))


class MaxPool1D(_Pooling):
    """Max pooling over (batch, channels, width) ('NCW' or 'NWC'). ``strides`` defaults to
    ``pool_size``; ``ceil_mode=True`` rounds the output size up (pooling_convention
    'full')."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout='NCW', ceil_mode=False,
                 **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'max', layout,
                         nsp=1, **kwargs)


class MaxPool2D(_Pooling):
    """Max pooling over (batch, channels, height, width) ('NCHW' or 'NHWC')."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, layout='NCHW',
                 ceil_mode=False, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'max', layout,
                         nsp=2, **kwargs)


class MaxPool3D(_Pooling):
    """Max pooling over (batch, channels, depth, height, width) ('NCDHW' or 'NDHWC')."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCDHW', **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'max', layout,
                         nsp=3, **kwargs)


class AvgPool1D(_Pooling):
    """Average pooling over (batch, channels, width). With ``count_include_pad=True``
    (the default) padded zeros count in each window's divisor."""

    def __init__(self, pool_size=2, strides=None, padding=0, layout='NCW', ceil_mode=False,
                 count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'avg', layout,
                         count_include_pad, nsp=1, **kwargs)


class AvgPool2D(_Pooling):
    """Average pooling over (batch, channels, height, width)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCHW', count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'avg', layout,
                         count_include_pad, nsp=2, **kwargs)


class AvgPool3D(_Pooling):
    """Average pooling over (batch, channels, depth, height, width)."""

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding=0, ceil_mode=False,
                 layout='NCDHW', count_include_pad=True, **kwargs):
        super().__init__(pool_size, strides, padding, ceil_mode, False, 'avg', layout,
                         count_include_pad, nsp=3, **kwargs)


class _GlobalPooling(_Pooling):
    """Pooling over all spatial axes: output spatial size 1 (printed as MXNet does, with
    size 1, ceil_mode=True)."""

    def __init__(self, nsp, pool_type, layout, kwargs):
        super().__init__((1,) * nsp, None, 0, True, True, pool_type, layout, nsp=nsp,
                         **kwargs)


class GlobalMaxPool1D(_GlobalPooling):
    """Maximum over the width: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout='NCW', **kwargs):
        super().__init__(1, 'max', layout, kwargs)


class GlobalMaxPool2D(_GlobalPooling):
    """Maximum over height and width: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout='NCHW', **kwargs):
        super().__init__(2, 'max', layout, kwargs)


class GlobalMaxPool3D(_GlobalPooling):
    """Maximum over depth, height and width: (N, C, D, H, W) -> (N, C, 1, 1, 1)."""

    def __init__(self, layout='NCDHW', **kwargs):
        super().__init__(3, 'max', layout, kwargs)


class GlobalAvgPool1D(_GlobalPooling):
    """Mean over the width: (N, C, W) -> (N, C, 1)."""

    def __init__(self, layout='NCW', **kwargs):
        super().__init__(1, 'avg', layout, kwargs)


class GlobalAvgPool2D(_GlobalPooling):
    """Mean over height and width: (N, C, H, W) -> (N, C, 1, 1)."""

    def __init__(self, layout='NCHW', **kwargs):
        super().__init__(2, 'avg', layout, kwargs)


class GlobalAvgPool3D(_GlobalPooling):
    """Mean over depth, height and width: (N, C, D, H, W) -> (N, C, 1, 1, 1)."""

    def __init__(self, layout='NCDHW', **kwargs):
        super().__init__(3, 'avg', layout, kwargs)


# ----------------------------------------------------------------------------- padding

class ReflectionPad2D(HybridBlock):
    """Reflection padding of the last two axes of a 4-D (N, C, H, W) input.

    ``padding``: an int p pads p on every side of H and W; or the 8 values of
    ``nd.pad``'s ``pad_width`` (before/after for each of the four axes; the first four
    must be 0).
    """

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if _is_number(padding):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        if not isinstance(padding, (tuple, list)) or len(padding) != 8:
            raise DistGluError("ReflectionPad2D: padding must be an int or 8 values (before "
                               "and after for each of the 4 axes), got %r" % (padding,))
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode='reflect', pad_width=self._padding)
