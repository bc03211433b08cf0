"""Predefined (and, from local files, pretrained) models: ``mxnet.gluon.model_zoo``.

``vision`` holds MXNet 1.9.1's image-classification networks with MXNet's parameter
names, so MXNet's pretrained ``.params`` files load into them; ``model_store`` finds those
files on disk (distglu never downloads).
"""
from . import model_store
from . import vision
