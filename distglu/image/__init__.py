"""Image reading, resizing, augmentation and iteration (``mxnet.image``).

``from distglu import image`` (or ``mx.image``) gives MXNet 1.x's ``mx.image`` API on NDArrays
of (H, W, C) images: ``imread``/``imdecode`` (Pillow for PNG/JPEG; .npy and Netpbm without
it), ``imresize`` and the crops with OpenCV-exact resizing, the augmenters and
``CreateAugmenter``, and ``ImageIter`` over image lists. Detection iterators (``mx.image.det``)
and RecordIO input are not provided.
"""
from . import image  # noqa: F401
from .image import *  # noqa: F401,F403
from .image import __all__  # noqa: F401
