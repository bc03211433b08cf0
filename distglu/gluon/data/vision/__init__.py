"""Vision datasets and transforms (``mxnet.gluon.data.vision``)."""
from .datasets import *  # noqa: F401,F403
from .datasets import (MNIST, FashionMNIST, CIFAR10, CIFAR100, ImageFolderDataset,
                       ImageRecordDataset)
from . import datasets, transforms
