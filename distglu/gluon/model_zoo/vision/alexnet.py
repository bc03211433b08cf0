"""AlexNet (MXNet 1.9.1 ``gluon.model_zoo.vision.alexnet``)."""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import _default_root, _load_pretrained
from ._common import pretrained_doc

__all__ = ['AlexNet', 'alexnet']


class AlexNet(HybridBlock):
    r"""AlexNet from `"One weird trick..." <https://arxiv.org/abs/1404.5997>`_.

    ``features``: five convolutions (64, 192, 384, 256, 256 channels, ReLU) with three
    3x3/2 max pools, then flatten and two Dense(4096, relu) + Dropout(0.5);
    ``output``: Dense(classes). Input (N, 3, H, W) with H, W >= 63 (224 for the
    pretrained weights); output (N, classes).

    Parameters
    ----------
    classes : int, default 1000
        Number of classes for the output layer.
    """

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        # (channels, kernel, stride, padding, max pool after it)
        convs = [(64, 11, 4, 2, True), (192, 5, 1, 2, True), (384, 3, 1, 1, False),
                 (256, 3, 1, 1, False), (256, 3, 1, 1, True)]
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            with self.features.name_scope():
                for channels, kernel, stride, pad, pool in convs:
                    self.features.add(nn.Conv2D(channels, kernel_size=kernel, strides=stride,
                                                padding=pad, activation='relu'))
                    if pool:
                        self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Flatten())
                for _ in range(2):
                    self.features.add(nn.Dense(4096, activation='relu'))
                    self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


@pretrained_doc
def alexnet(pretrained=False, ctx=cpu(), root=_default_root, **kwargs):
    r"""AlexNet model (see :class:`AlexNet`).

    Parameters
    ----------
{pretrained_params}"""
    net = AlexNet(**kwargs)
    if pretrained:
        _load_pretrained(net, 'alexnet', root, ctx)
    return net
