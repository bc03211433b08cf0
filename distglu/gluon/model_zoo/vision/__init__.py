r"""Predefined image-classification networks (``mxnet.gluon.model_zoo.vision``).

AlexNet, DenseNet, Inception V3, ResNet V1/V2, SqueezeNet, VGG, MobileNet and MobileNetV2,
built with the same blocks, in the same order, as MXNet 1.9.1: the parameter names
(``resnetv10_stage1_conv0_weight``) and the save_parameters keys (``features.4.0.body.0
.weight``) are MXNet's, so MXNet's pretrained ``.params`` files load unchanged.

Construct a model with random weights by calling its constructor::

    from distglu.gluon.model_zoo import vision
    resnet18 = vision.resnet18_v1()
    net = vision.get_model('resnet18_v1', classes=10)

``pretrained=True`` loads MXNet's pretrained weights from ``root`` (default
``$MXNET_HOME/models``, i.e. ``~/.mxnet/models``), where MXNet keeps its downloads.
distglu never downloads: copy MXNet's file there first (the error says which file).

Pretrained models expect mini-batches of RGB images of shape (N, 3, H, W) with H, W at
least 224 (299 for Inception V3), scaled to [0, 1] and normalized with
mean = [0.485, 0.456, 0.406] and std = [0.229, 0.224, 0.225].
"""
from ....base import DistGluValueError as _ValueError
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403

_models = {'resnet18_v1': resnet18_v1,
           'resnet34_v1': resnet34_v1,
           'resnet50_v1': resnet50_v1,
           'resnet101_v1': resnet101_v1,
           'resnet152_v1': resnet152_v1,
           'resnet18_v2': resnet18_v2,
           'resnet34_v2': resnet34_v2,
           'resnet50_v2': resnet50_v2,
           'resnet101_v2': resnet101_v2,
           'resnet152_v2': resnet152_v2,
           'vgg11': vgg11,
           'vgg13': vgg13,
           'vgg16': vgg16,
           'vgg19': vgg19,
           'vgg11_bn': vgg11_bn,
           'vgg13_bn': vgg13_bn,
           'vgg16_bn': vgg16_bn,
           'vgg19_bn': vgg19_bn,
           'alexnet': alexnet,
           'densenet121': densenet121,
           'densenet161': densenet161,
           'densenet169': densenet169,
           'densenet201': densenet201,
           'squeezenet1.0': squeezenet1_0,
           'squeezenet1.1': squeezenet1_1,
           'inceptionv3': inception_v3,
           'mobilenet1.0': mobilenet1_0,
           'mobilenet0.75': mobilenet0_75,
           'mobilenet0.5': mobilenet0_5,
           'mobilenet0.25': mobilenet0_25,
           'mobilenetv2_1.0': mobilenet_v2_1_0,
           'mobilenetv2_0.75': mobilenet_v2_0_75,
           'mobilenetv2_0.5': mobilenet_v2_0_5,
           'mobilenetv2_0.25': mobilenet_v2_0_25}


def get_model(name, **kwargs):
    """Return a predefined model by name (case-insensitive), e.g. ``'resnet50_v2'``,
    ``'squeezenet1.1'``, ``'mobilenetv2_0.5'``, ``'inceptionv3'``.

    Parameters
    ----------
    name : str
        Name of the model.
    pretrained : bool
        Whether to load the pretrained weights for model (from ``root``; distglu never
        downloads).
    classes : int
        Number of classes for the output layer.
    ctx : Context, default CPU
        The context in which to load the pretrained weights.
    root : str, default '$MXNET_HOME/models'
        Location for keeping the model parameters.

    Returns
    -------
    gluon.HybridBlock
        The model. An unknown name raises ValueError listing the available names.
    """
    name = name.lower()
    if name not in _models:
        raise _ValueError('Model %s is not supported. Available options are\n\t%s' % (
            name, '\n\t'.join(sorted(_models.keys()))))
    return _models[name](**kwargs)
