"""ResNet V1 and V2 (MXNet 1.9.1 ``gluon.model_zoo.vision.resnet``).

The residual blocks create their layers without a name scope of their own, inside the
stage's scope (``resnetv10_stage1_conv0_weight``), and in MXNet's order: that order fixes
the parameter names that MXNet's pretrained files use.
"""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import _default_root, _load_pretrained
from ._common import pretrained_doc, with_pretrained_params, _check

__all__ = ['ResNetV1', 'ResNetV2',
           'BasicBlockV1', 'BasicBlockV2',
           'BottleneckV1', 'BottleneckV2',
           'resnet18_v1', 'resnet34_v1', 'resnet50_v1', 'resnet101_v1', 'resnet152_v1',
           'resnet18_v2', 'resnet34_v2', 'resnet50_v2', 'resnet101_v2', 'resnet152_v2',
           'get_resnet']


def _conv3x3(channels, stride, in_channels):
    return nn.Conv2D(channels, kernel_size=3, strides=stride, padding=1, use_bias=False,
                     in_channels=in_channels)


def _projection_v1(channels, stride, in_channels):
    """V1 shortcut when the shape changes: 1x1 convolution (no bias) + BatchNorm."""
    proj = nn.HybridSequential(prefix='')
    proj.add(nn.Conv2D(channels, kernel_size=1, strides=stride, use_bias=False,
                       in_channels=in_channels))
    proj.add(nn.BatchNorm())
    return proj


class _ResidualV1(HybridBlock):
    """relu(body(x) + shortcut(x)), the shortcut being ``downsample`` or the identity."""

    def hybrid_forward(self, F, x):
        shortcut = x if self.downsample is None else self.downsample(x)
        return F.Activation(self.body(x) + shortcut, act_type='relu')


class BasicBlockV1(_ResidualV1):
    r"""BasicBlock V1 from `"Deep Residual Learning for Image Recognition"
    <http://arxiv.org/abs/1512.03385>`_ (ResNet V1 18 and 34 layers).

    ``body``: conv3x3(stride) - BN - relu - conv3x3 - BN; the output is
    relu(body(x) + shortcut(x)).

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride size.
    downsample : bool, default False
        Whether to downsample the input (1x1 convolution + BN on the shortcut).
    in_channels : int, default 0
        Number of input channels. Default is 0, to infer from the graph.
    """

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self.body = nn.HybridSequential(prefix='')
        self.body.add(_conv3x3(channels, stride, in_channels))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(_conv3x3(channels, 1, channels))
        self.body.add(nn.BatchNorm())
        self.downsample = _projection_v1(channels, stride, in_channels) if downsample else None


class BottleneckV1(_ResidualV1):
    r"""Bottleneck V1 from `"Deep Residual Learning for Image Recognition"
    <http://arxiv.org/abs/1512.03385>`_ (ResNet V1 50, 101 and 152 layers).

    ``body``: conv1x1(channels/4, stride) - BN - relu - conv3x3(channels/4) - BN - relu -
    conv1x1(channels) - BN (the two 1x1 convolutions have a bias, as in MXNet).

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride size.
    downsample : bool, default False
        Whether to downsample the input.
    in_channels : int, default 0
        Number of input channels. Default is 0, to infer from the graph.
    """

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        mid = channels // 4
        self.body = nn.HybridSequential(prefix='')
        self.body.add(nn.Conv2D(mid, kernel_size=1, strides=stride))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(_conv3x3(mid, 1, mid))
        self.body.add(nn.BatchNorm())
        self.body.add(nn.Activation('relu'))
        self.body.add(nn.Conv2D(channels, kernel_size=1, strides=1))
        self.body.add(nn.BatchNorm())
        self.downsample = _projection_v1(channels, stride, in_channels) if downsample else None


class _ResidualV2(HybridBlock):
    """Pre-activation residual: each convolution follows BN + relu; the shortcut is
    ``downsample`` applied to the first pre-activation, or the input itself."""

    def hybrid_forward(self, F, x):
        shortcut = x
        convs = self._convs()
        for i, (bn, conv) in enumerate(convs):
            x = F.Activation(bn(x), act_type='relu')
            if i == 0 and self.downsample is not None:
                shortcut = self.downsample(x)
            x = conv(x)
        return x + shortcut


class BasicBlockV2(_ResidualV2):
    r"""BasicBlock V2 from `"Identity Mappings in Deep Residual Networks"
    <https://arxiv.org/abs/1603.05027>`_ (ResNet V2 18 and 34 layers).

    bn1 - relu - conv1 (3x3, stride) - bn2 - relu - conv2 (3x3), plus the shortcut.

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride size.
    downsample : bool, default False
        Whether to downsample the input (1x1 convolution on the shortcut).
    in_channels : int, default 0
        Number of input channels. Default is 0, to infer from the graph.
    """

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        self.bn1 = nn.BatchNorm()
        self.conv1 = _conv3x3(channels, stride, in_channels)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(channels, 1, channels)
        self.downsample = nn.Conv2D(channels, 1, stride, use_bias=False,
                                    in_channels=in_channels) if downsample else None

    def _convs(self):
        return ((self.bn1, self.conv1), (self.bn2, self.conv2))


class BottleneckV2(_ResidualV2):
    r"""Bottleneck V2 from `"Identity Mappings in Deep Residual Networks"
    <https://arxiv.org/abs/1603.05027>`_ (ResNet V2 50, 101 and 152 layers).

    bn1 - relu - conv1 (1x1, channels/4) - bn2 - relu - conv2 (3x3, stride) - bn3 - relu -
    conv3 (1x1, channels), plus the shortcut.

    Parameters
    ----------
    channels : int
        Number of output channels.
    stride : int
        Stride size.
    downsample : bool, default False
        Whether to downsample the input.
    in_channels : int, default 0
        Number of input channels. Default is 0, to infer from the graph.
    """

    def __init__(self, channels, stride, downsample=False, in_channels=0, **kwargs):
        super().__init__(**kwargs)
        mid = channels // 4
        self.bn1 = nn.BatchNorm()
        self.conv1 = nn.Conv2D(mid, kernel_size=1, strides=1, use_bias=False)
        self.bn2 = nn.BatchNorm()
        self.conv2 = _conv3x3(mid, stride, mid)
        self.bn3 = nn.BatchNorm()
        self.conv3 = nn.Conv2D(channels, kernel_size=1, strides=1, use_bias=False)
        self.downsample = nn.Conv2D(channels, 1, stride, use_bias=False,
                                    in_channels=in_channels) if downsample else None

    def _convs(self):
        return ((self.bn1, self.conv1), (self.bn2, self.conv2), (self.bn3, self.conv3))


class _ResNet(HybridBlock):
    """What V1 and V2 share: the stages and the forward."""

    def _make_layer(self, block, layers, channels, stride, stage_index, in_channels=0):
        layer = nn.HybridSequential(prefix='stage%d_' % stage_index)
        with layer.name_scope():
            layer.add(block(channels, stride, channels != in_channels,
                            in_channels=in_channels, prefix=''))
            for _ in range(layers - 1):
                layer.add(block(channels, 1, False, in_channels=channels, prefix=''))
        return layer

    def _add_stem(self, channels, thumbnail):
        if thumbnail:  # small images (CIFAR): one 3x3 convolution, no downsampling
            self.features.add(_conv3x3(channels, 1, 0))
        else:
            self.features.add(nn.Conv2D(channels, 7, 2, 3, use_bias=False))
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation('relu'))
            self.features.add(nn.MaxPool2D(3, 2, 1))

    def _add_stages(self, block, layers, channels):
        for i, num_layer in enumerate(layers):
            self.features.add(self._make_layer(block, num_layer, channels[i + 1],
                                               1 if i == 0 else 2, i + 1,
                                               in_channels=channels[i]))

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


class ResNetV1(_ResNet):
    r"""ResNet V1 from `"Deep Residual Learning for Image Recognition"
    <http://arxiv.org/abs/1512.03385>`_.

    Input (N, 3, H, W); output (N, classes).

    Parameters
    ----------
    block : gluon.HybridBlock
        Class for the residual block. Options are BasicBlockV1, BottleneckV1.
    layers : list of int
        Numbers of layers in each block
    channels : list of int
        Numbers of channels in each block. Length should be one larger than layers list.
    classes : int, default 1000
        Number of classification classes.
    thumbnail : bool, default False
        Enable thumbnail (a 3x3 stem without downsampling, for small images).
    """

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super().__init__(**kwargs)
        _check(len(layers) == len(channels) - 1,
               'ResNetV1: channels must have one more entry than layers, got layers=%s, '
               'channels=%s' % (layers, channels))
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            self._add_stem(channels[0], thumbnail)
            self._add_stages(block, layers, channels)
            self.features.add(nn.GlobalAvgPool2D())
            self.output = nn.Dense(classes, in_units=channels[-1])


class ResNetV2(_ResNet):
    r"""ResNet V2 from `"Identity Mappings in Deep Residual Networks"
    <https://arxiv.org/abs/1603.05027>`_.

    The input first goes through a BatchNorm without scale and shift (a learned
    normalization of the data); the features end with BN - relu - global pooling - flatten.

    Parameters
    ----------
    block : gluon.HybridBlock
        Class for the residual block. Options are BasicBlockV2, BottleneckV2.
    layers : list of int
        Numbers of layers in each block
    channels : list of int
        Numbers of channels in each block. Length should be one larger than layers list.
    classes : int, default 1000
        Number of classification classes.
    thumbnail : bool, default False
        Enable thumbnail.
    """

    def __init__(self, block, layers, channels, classes=1000, thumbnail=False, **kwargs):
        super().__init__(**kwargs)
        _check(len(layers) == len(channels) - 1,
               'ResNetV2: channels must have one more entry than layers, got layers=%s, '
               'channels=%s' % (layers, channels))
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            self.features.add(nn.BatchNorm(scale=False, center=False))
            self._add_stem(channels[0], thumbnail)
            self._add_stages(block, layers, channels)
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation('relu'))
            self.features.add(nn.GlobalAvgPool2D())
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes, in_units=channels[-1])


# num_layers -> (block type, layers per stage, channels: stem then each stage)
resnet_spec = {18: ('basic_block', [2, 2, 2, 2], [64, 64, 128, 256, 512]),
               34: ('basic_block', [3, 4, 6, 3], [64, 64, 128, 256, 512]),
               50: ('bottle_neck', [3, 4, 6, 3], [64, 256, 512, 1024, 2048]),
               101: ('bottle_neck', [3, 4, 23, 3], [64, 256, 512, 1024, 2048]),
               152: ('bottle_neck', [3, 8, 36, 3], [64, 256, 512, 1024, 2048])}

resnet_net_versions = [ResNetV1, ResNetV2]
resnet_block_versions = [{'basic_block': BasicBlockV1, 'bottle_neck': BottleneckV1},
                         {'basic_block': BasicBlockV2, 'bottle_neck': BottleneckV2}]


@pretrained_doc
def get_resnet(version, num_layers, pretrained=False, ctx=cpu(), root=_default_root,
               **kwargs):
    r"""ResNet V1 (`"Deep Residual Learning for Image Recognition"
    <http://arxiv.org/abs/1512.03385>`_) or V2 (`"Identity Mappings in Deep Residual
    Networks" <https://arxiv.org/abs/1603.05027>`_).

    Parameters
    ----------
    version : int
        Version of ResNet. Options are 1, 2.
    num_layers : int
        Numbers of layers. Options are 18, 34, 50, 101, 152.
{pretrained_params}"""
    _check(num_layers in resnet_spec, 'Invalid number of layers: %d. Options are %s' % (
        num_layers, str(resnet_spec.keys())))
    block_type, layers, channels = resnet_spec[num_layers]
    _check(1 <= version <= 2, 'Invalid resnet version: %d. Options are 1 and 2.' % version)
    net = resnet_net_versions[version - 1](resnet_block_versions[version - 1][block_type],
                                           layers, channels, **kwargs)
    if pretrained:
        _load_pretrained(net, 'resnet%d_v%d' % (num_layers, version), root, ctx)
    return net


def _constructor(version, num_layers):
    def make(**kwargs):
        return get_resnet(version, num_layers, **kwargs)
    paper = ('"Deep Residual Learning for Image Recognition" (http://arxiv.org/abs/1512.03385)'
             if version == 1 else
             '"Identity Mappings in Deep Residual Networks" (https://arxiv.org/abs/1603.05027)')
    make.__name__ = make.__qualname__ = 'resnet%d_v%d' % (num_layers, version)
    make.__doc__ = with_pretrained_params("""ResNet-%d V%d model from %s.

    Parameters
    ----------
    classes : int, default 1000
        Number of classes for the output layer.
    thumbnail : bool, default False
        A 3x3 stem without downsampling, for small images.
{pretrained_params}""" % (num_layers, version, paper))
    return make


resnet18_v1 = _constructor(1, 18)
resnet34_v1 = _constructor(1, 34)
resnet50_v1 = _constructor(1, 50)
resnet101_v1 = _constructor(1, 101)
resnet152_v1 = _constructor(1, 152)
resnet18_v2 = _constructor(2, 18)
resnet34_v2 = _constructor(2, 34)
resnet50_v2 = _constructor(2, 50)
resnet101_v2 = _constructor(2, 101)
resnet152_v2 = _constructor(2, 152)
