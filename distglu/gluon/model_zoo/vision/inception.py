"""Inception V3 (MXNet 1.9.1 ``gluon.model_zoo.vision.inception``).

Each Inception module is a HybridConcurrent (prefix ``A1_``, ``B_``, ``C1_``, ...) whose
branches are sequences of conv (no bias) - BN(eps 1e-3) - relu units.
"""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import _default_root, _load_pretrained
from ._common import pretrained_doc, HybridConcurrent

__all__ = ['Inception3', 'inception_v3']


def _make_basic_conv(**kwargs):
    out = nn.HybridSequential(prefix='')
    out.add(nn.Conv2D(use_bias=False, **kwargs))
    out.add(nn.BatchNorm(epsilon=0.001))
    out.add(nn.Activation('relu'))
    return out


_SETTING_NAMES = ('channels', 'kernel_size', 'strides', 'padding')


def _make_branch(use_pool, *conv_settings):
    """An optional pool ('avg': 3x3/1 pad 1, 'max': 3x3/2), then one basic conv per
    (channels, kernel_size, strides, padding) tuple (None = the Conv2D default)."""
    out = nn.HybridSequential(prefix='')
    if use_pool == 'avg':
        out.add(nn.AvgPool2D(pool_size=3, strides=1, padding=1))
    elif use_pool == 'max':
        out.add(nn.MaxPool2D(pool_size=3, strides=2))
    for setting in conv_settings:
        out.add(_make_basic_conv(**{k: v for k, v in zip(_SETTING_NAMES, setting)
                                    if v is not None}))
    return out


def _module(prefix, *branches):
    """A HybridConcurrent of branches, each given as the arguments of _make_branch."""
    out = HybridConcurrent(axis=1, prefix=prefix)
    with out.name_scope():
        for branch in branches:
            out.add(_make_branch(*branch))
    return out


def _make_A(pool_features, prefix):
    return _module(prefix,
                   (None, (64, 1, None, None)),
                   (None, (48, 1, None, None), (64, 5, None, 2)),
                   (None, (64, 1, None, None), (96, 3, None, 1), (96, 3, None, 1)),
                   ('avg', (pool_features, 1, None, None)))


def _make_B(prefix):
    return _module(prefix,
                   (None, (384, 3, 2, None)),
                   (None, (64, 1, None, None), (96, 3, None, 1), (96, 3, 2, None)),
                   ('max',))


def _make_C(channels_7x7, prefix):
    c7 = channels_7x7
    return _module(prefix,
                   (None, (192, 1, None, None)),
                   (None, (c7, 1, None, None), (c7, (1, 7), None, (0, 3)),
                    (192, (7, 1), None, (3, 0))),
                   (None, (c7, 1, None, None), (c7, (7, 1), None, (3, 0)),
                    (c7, (1, 7), None, (0, 3)), (c7, (7, 1), None, (3, 0)),
                    (192, (1, 7), None, (0, 3))),
                   ('avg', (192, 1, None, None)))


def _make_D(prefix):
    return _module(prefix,
                   (None, (192, 1, None, None), (320, 3, 2, None)),
                   (None, (192, 1, None, None), (192, (1, 7), None, (0, 3)),
                    (192, (7, 1), None, (3, 0)), (192, 3, 2, None)),
                   ('max',))


def _split_1x3_3x1():
    """Two parallel 384-channel convolutions, 1x3 and 3x1, concatenated."""
    split = HybridConcurrent(axis=1, prefix='')
    split.add(_make_branch(None, (384, (1, 3), None, (0, 1))))
    split.add(_make_branch(None, (384, (3, 1), None, (1, 0))))
    return split


def _make_E(prefix):
    out = HybridConcurrent(axis=1, prefix=prefix)
    with out.name_scope():
        out.add(_make_branch(None, (320, 1, None, None)))

        branch_3x3 = nn.HybridSequential(prefix='')
        out.add(branch_3x3)
        branch_3x3.add(_make_branch(None, (384, 1, None, None)))
        branch_3x3.add(_split_1x3_3x1())

        branch_3x3dbl = nn.HybridSequential(prefix='')
        out.add(branch_3x3dbl)
        branch_3x3dbl.add(_make_branch(None, (448, 1, None, None), (384, 3, None, 1)))
        # MXNet adds the split to the sequence before filling it: same names either way
        branch_3x3dbl.add(_split_1x3_3x1())

        out.add(_make_branch('avg', (192, 1, None, None)))
    return out


def make_aux(classes):
    """The auxiliary classifier head of the paper (MXNet defines it; Inception3 does not
    use it)."""
    out = nn.HybridSequential(prefix='')
    out.add(nn.AvgPool2D(pool_size=5, strides=3))
    out.add(_make_basic_conv(channels=128, kernel_size=1))
    out.add(_make_basic_conv(channels=768, kernel_size=5))
    out.add(nn.Flatten())
    out.add(nn.Dense(classes))
    return out


class Inception3(HybridBlock):
    r"""Inception v3 from `"Rethinking the Inception Architecture for Computer Vision"
    <http://arxiv.org/abs/1512.00567>`_.

    Input (N, 3, 299, 299) (the final 8x8 average pool needs an 8x8 map); output
    (N, classes).

    Parameters
    ----------
    classes : int, default 1000
        Number of classification classes.
    """

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix='')
            self.features.add(_make_basic_conv(channels=32, kernel_size=3, strides=2))
            self.features.add(_make_basic_conv(channels=32, kernel_size=3))
            self.features.add(_make_basic_conv(channels=64, kernel_size=3, padding=1))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
            self.features.add(_make_basic_conv(channels=80, kernel_size=1))
            self.features.add(_make_basic_conv(channels=192, kernel_size=3))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
            for pool_features, prefix in ((32, 'A1_'), (64, 'A2_'), (64, 'A3_')):
                self.features.add(_make_A(pool_features, prefix))
            self.features.add(_make_B('B_'))
            for channels_7x7, prefix in ((128, 'C1_'), (160, 'C2_'), (160, 'C3_'),
                                         (192, 'C4_')):
                self.features.add(_make_C(channels_7x7, prefix))
            self.features.add(_make_D('D_'))
            self.features.add(_make_E('E1_'))
            self.features.add(_make_E('E2_'))
            self.features.add(nn.AvgPool2D(pool_size=8))
            self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


@pretrained_doc
def inception_v3(pretrained=False, ctx=cpu(), root=_default_root, **kwargs):
    r"""Inception v3 model (see :class:`Inception3`).

    Parameters
    ----------
{pretrained_params}"""
    net = Inception3(**kwargs)
    if pretrained:
        _load_pretrained(net, 'inceptionv3', root, ctx)
    return net
