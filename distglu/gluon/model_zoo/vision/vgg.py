"""VGG 11/13/16/19, with and without BatchNorm (MXNet 1.9.1 ``gluon.model_zoo.vision.vgg``)."""
from ....context import cpu
from ....initializer import Xavier
from ...block import HybridBlock
from ... import nn
from ..model_store import _default_root, _load_pretrained
from ._common import pretrained_doc, with_pretrained_params, _check

__all__ = ['VGG',
           'vgg11', 'vgg13', 'vgg16', 'vgg19',
           'vgg11_bn', 'vgg13_bn', 'vgg16_bn', 'vgg19_bn',
           'get_vgg']


class VGG(HybridBlock):
    r"""VGG from `"Very Deep Convolutional Networks for Large-Scale Image Recognition"
    <https://arxiv.org/abs/1409.1556>`_.

    ``features``: blocks of 3x3 convolutions (Xavier gaussian init, [BN], relu) each ending
    in a 2x2 max pool, then two Dense(4096, relu) + Dropout(0.5); ``output``:
    Dense(classes). Input (N, 3, H, W) with H, W multiples of 32 (224 for the pretrained
    weights); output (N, classes).

    Parameters
    ----------
    layers : list of int
        Numbers of layers in each feature block.
    filters : list of int
        Numbers of filters in each feature block. List length should match the layers.
    classes : int, default 1000
        Number of classification classes.
    batch_norm : bool, default False
        Use batch normalization.
    """

    def __init__(self, layers, filters, classes=1000, batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        _check(len(layers) == len(filters),
               'VGG: layers and filters must have the same length, got layers=%s, filters=%s'
               % (layers, filters))
        with self.name_scope():
            self.features = self._make_features(layers, filters, batch_norm)
            for _ in range(2):
                self.features.add(nn.Dense(4096, activation='relu',
                                           weight_initializer='normal',
                                           bias_initializer='zeros'))
                self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(classes, weight_initializer='normal',
                                   bias_initializer='zeros')

    def _make_features(self, layers, filters, batch_norm):
        featurizer = nn.HybridSequential(prefix='')
        for num, channels in zip(layers, filters):
            for _ in range(num):
                featurizer.add(nn.Conv2D(channels, kernel_size=3, padding=1,
                                         weight_initializer=Xavier(rnd_type='gaussian',
                                                                   factor_type='out',
                                                                   magnitude=2),
                                         bias_initializer='zeros'))
                if batch_norm:
                    featurizer.add(nn.BatchNorm())
                featurizer.add(nn.Activation('relu'))
            featurizer.add(nn.MaxPool2D(strides=2))
        return featurizer

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


# num_layers -> (convolutions per block, filters per block)
vgg_spec = {11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
            13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
            16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
            19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512])}


@pretrained_doc
def get_vgg(num_layers, pretrained=False, ctx=cpu(), root=_default_root, **kwargs):
    r"""VGG model of ``num_layers`` (11, 13, 16 or 19) layers; ``batch_norm=True`` adds BN.

    Parameters
    ----------
    num_layers : int
        Number of layers for the variant of VGG. Options are 11, 13, 16, 19.
{pretrained_params}"""
    layers, filters = vgg_spec[num_layers]
    net = VGG(layers, filters, **kwargs)
    if pretrained:
        suffix = '_bn' if kwargs.get('batch_norm') else ''
        _load_pretrained(net, 'vgg%d%s' % (num_layers, suffix), root, ctx)
    return net


def _constructor(num_layers, batch_norm):
    def make(**kwargs):
        if batch_norm:
            kwargs['batch_norm'] = True
        return get_vgg(num_layers, **kwargs)
    make.__name__ = make.__qualname__ = 'vgg%d%s' % (num_layers, '_bn' if batch_norm else '')
    make.__doc__ = with_pretrained_params("""VGG-%d model%s from "Very Deep Convolutional
    Networks for Large-Scale Image Recognition" (https://arxiv.org/abs/1409.1556).

    Parameters
    ----------
{pretrained_params}""" % (
        num_layers, ' with batch normalization' if batch_norm else ''))
    return make


vgg11 = _constructor(11, False)
vgg13 = _constructor(13, False)
vgg16 = _constructor(16, False)
vgg19 = _constructor(19, False)
vgg11_bn = _constructor(11, True)
vgg13_bn = _constructor(13, True)
vgg16_bn = _constructor(16, True)
vgg19_bn = _constructor(19, True)
