"""SqueezeNet 1.0 and 1.1 (MXNet 1.9.1 ``gluon.model_zoo.vision.squeezenet``)."""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import _default_root, _load_pretrained
from ._common import pretrained_doc, HybridConcurrent, _check

__all__ = ['SqueezeNet', 'squeezenet1_0', 'squeezenet1_1']


def _make_fire_conv(channels, kernel_size, padding=0):
    out = nn.HybridSequential(prefix='')
    out.add(nn.Conv2D(channels, kernel_size, padding=padding))
    out.add(nn.Activation('relu'))
    return out


def _make_fire(squeeze_channels, expand1x1_channels, expand3x3_channels):
    """Fire module: squeeze 1x1, then concat(expand 1x1, expand 3x3) along channels."""
    out = nn.HybridSequential(prefix='')
    out.add(_make_fire_conv(squeeze_channels, 1))
    paths = HybridConcurrent(axis=1, prefix='')
    paths.add(_make_fire_conv(expand1x1_channels, 1))
    paths.add(_make_fire_conv(expand3x3_channels, 3, 1))
    out.add(paths)
    return out


# the feature layers after the first convolution: 'pool' = 3x3/2 max pool (ceil mode),
# a tuple = fire module (squeeze, expand 1x1, expand 3x3)
_FIRE_LAYOUT = {
    '1.0': ((96, 7), ['pool', (16, 64, 64), (16, 64, 64), (32, 128, 128), 'pool',
                      (32, 128, 128), (48, 192, 192), (48, 192, 192), (64, 256, 256), 'pool',
                      (64, 256, 256)]),
    '1.1': ((64, 3), ['pool', (16, 64, 64), (16, 64, 64), 'pool', (32, 128, 128),
                      (32, 128, 128), 'pool', (48, 192, 192), (48, 192, 192), (64, 256, 256),
                      (64, 256, 256)]),
}


class SqueezeNet(HybridBlock):
    r"""SqueezeNet from `"SqueezeNet: AlexNet-level accuracy with 50x fewer parameters and
    <0.5MB model size" <https://arxiv.org/abs/1602.07360>`_; version 1.1 from the official
    SqueezeNet repo (github.com/DeepScale/SqueezeNet, SqueezeNet_v1.1: 2.4x less
    computation, slightly fewer parameters).

    ``output`` is conv1x1(classes) - relu - 13x13 average pool - flatten, so inputs must be
    224x224 (a 13x13 final map); output (N, classes).

    Parameters
    ----------
    version : str
        Version of squeezenet. Options are '1.0', '1.1'.
    classes : int, default 1000
        Number of classification classes.
    """

    def __init__(self, version, classes=1000, **kwargs):
        super().__init__(**kwargs)
        _check(version in ['1.0', '1.1'],
               'Unsupported SqueezeNet version {version}:1.0 or 1.1 expected'.format(
                   version=version))
        (stem_channels, stem_kernel), layout = _FIRE_LAYOUT[version]
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            self.features.add(nn.Conv2D(stem_channels, kernel_size=stem_kernel, strides=2))
            self.features.add(nn.Activation('relu'))
            for item in layout:
                if item == 'pool':
                    self.features.add(nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True))
                else:
                    self.features.add(_make_fire(*item))
            self.features.add(nn.Dropout(0.5))

            self.output = nn.HybridSequential(prefix='')
            self.output.add(nn.Conv2D(classes, kernel_size=1))
            self.output.add(nn.Activation('relu'))
            self.output.add(nn.AvgPool2D(13))
            self.output.add(nn.Flatten())

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


@pretrained_doc
def get_squeezenet(version, pretrained=False, ctx=cpu(), root=_default_root, **kwargs):
    r"""SqueezeNet model of ``version`` '1.0' or '1.1' (see :class:`SqueezeNet`).

    Parameters
    ----------
    version : str
        Version of squeezenet. Options are '1.0', '1.1'.
{pretrained_params}"""
    net = SqueezeNet(version, **kwargs)
    if pretrained:
        _load_pretrained(net, 'squeezenet%s' % version, root, ctx)
    return net


@pretrained_doc
def squeezenet1_0(**kwargs):
    r"""SqueezeNet 1.0 model (see :class:`SqueezeNet`).

    Parameters
    ----------
{pretrained_params}"""
    return get_squeezenet('1.0', **kwargs)


@pretrained_doc
def squeezenet1_1(**kwargs):
    r"""SqueezeNet 1.1 model (see :class:`SqueezeNet`).

    Parameters
    ----------
{pretrained_params}"""
    return get_squeezenet('1.1', **kwargs)
