"""Image augmenters of ``mx.image`` and ``CreateAugmenter``.

An augmenter is a callable on an (H, W, C) NDArray that returns the augmented image; the
color augmenters work in place on float images (put ``CastAug`` first), as in MXNet.
``dumps()`` gives the JSON description MXNet gives. Random choices come from Python's
``random`` module (and ``LightingAug`` from NumPy's global generator), as in MXNet, so
``random.seed`` / ``np.random.seed`` make them reproducible; ``mx.random.seed`` does not.
"""
import json
import random
import warnings

import numpy as np

from ..base import DistGluAssertionError
from .. import ndarray as nd
from ..ndarray import NDArray
from ._functional import (_get_interp_method, imresize, resize_short, random_crop, center_crop,
                          random_size_crop, color_normalize)

__all__ = ['Augmenter', 'SequentialAug', 'ResizeAug', 'ForceResizeAug', 'RandomCropAug',
           'RandomSizedCropAug', 'CenterCropAug', 'RandomOrderAug', 'BrightnessJitterAug',
           'ContrastJitterAug', 'SaturationJitterAug', 'HueJitterAug', 'ColorJitterAug',
           'LightingAug', 'ColorNormalizeAug', 'RandomGrayAug', 'HorizontalFlipAug', 'CastAug',
           'CreateAugmenter']

_LUMA = [[[0.299, 0.587, 0.114]]]
# RGB <-> YIQ, for the hue rotation (https://beesbuzz.biz/code/hsv_color_transforms.php)
_TYIQ = np.array([[0.299, 0.587, 0.114],
                  [0.596, -0.274, -0.321],
                  [0.211, -0.523, 0.311]])
_ITYIQ = np.array([[1.0, 0.956, 0.621],
                   [1.0, -0.272, -0.647],
                   [1.0, -1.107, 1.705]])
# AlexNet's ImageNet PCA, used by CreateAugmenter(pca_noise=...)
_EIGVAL = np.array([55.46, 4.794, 1.148])
_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009],
                    [-0.5808, -0.0045, -0.8140],
                    [-0.5836, -0.6948, 0.4203]])


class Augmenter(object):
    """Base class: keeps its constructor arguments for ``dumps()`` (arrays as lists)."""

    def __init__(self, **kwargs):
        self._kwargs = kwargs
        for k, v in self._kwargs.items():
            if isinstance(v, NDArray):
                v = v.asnumpy()
            if isinstance(v, np.ndarray):
                self._kwargs[k] = v.tolist()

    def dumps(self):
        """The augmenter as a JSON string ``["name", {arguments}]``."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, src):
        raise NotImplementedError("Must override implementation.")


class _AugmenterList(Augmenter):
    """An augmenter made of the augmenters ``ts``, applied in turn by ``_apply``."""

    def __init__(self, ts):
        super().__init__()
        self.ts = ts

    def dumps(self):
        """``[name, [dumps of each augmenter]]`` (a list, not a string, as MXNet)."""
        return [self.__class__.__name__.lower(), [x.dumps() for x in self.ts]]

    def _apply(self, src):
        for aug in self.ts:
            src = aug(src)
        return src


class SequentialAug(_AugmenterList):
    """Apply the augmenters ``ts`` in order."""

    def __call__(self, src):
        return self._apply(src)


class _SizeAug(Augmenter):
    """An augmenter configured by a ``size`` and an interpolation method."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp


class ResizeAug(_SizeAug):
    """Resize the shorter edge to ``size`` (``resize_short``)."""

    def __call__(self, src):
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(_SizeAug):
    """Resize to ``size`` = (width, height), ignoring the aspect ratio."""

    def __call__(self, src):
        sizes = (src.shape[0], src.shape[1], self.size[1], self.size[0])
        return imresize(src, *self.size, interp=_get_interp_method(self.interp, sizes))


class RandomCropAug(_SizeAug):
    """Random crop of ``size`` = (width, height) (``random_crop``)."""

    def __call__(self, src):
        return random_crop(src, self.size, self.interp)[0]


class RandomSizedCropAug(Augmenter):
    """Random crop with random area and aspect ratio, resized to ``size``
    (``random_size_crop``)."""

    def __init__(self, size, area, ratio, interp=2, **kwargs):
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        self.size = size
        if 'min_area' in kwargs:
            warnings.warn('`min_area` is deprecated. Please use `area` instead.',
                          DeprecationWarning)
            self.area = kwargs.pop('min_area')
        else:
            self.area = area
        self.ratio = ratio
        self.interp = interp
        if kwargs:
            raise DistGluAssertionError("unexpected keyword arguments for `RandomSizedCropAug`: "
                                        "%s" % sorted(kwargs))

    def __call__(self, src):
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


class CenterCropAug(_SizeAug):
    """Centre crop of ``size`` = (width, height) (``center_crop``)."""

    def __call__(self, src):
        return center_crop(src, self.size, self.interp)[0]


class RandomOrderAug(_AugmenterList):
    """Apply the augmenters ``ts`` in a random order (``random.shuffle`` of ``ts``)."""

    def __call__(self, src):
        random.shuffle(self.ts)
        return self._apply(src)


class BrightnessJitterAug(Augmenter):
    """``src *= 1 + U(-brightness, brightness)`` (in place)."""

    def __init__(self, brightness):
        super().__init__(brightness=brightness)
        self.brightness = brightness

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.brightness, self.brightness)
        src *= alpha
        return src


class ContrastJitterAug(Augmenter):
    """``src = alpha * src + (1 - alpha) * mean luma`` with ``alpha = 1 + U(-contrast,
    contrast)`` (in place)."""

    def __init__(self, contrast):
        super().__init__(contrast=contrast)
        self.contrast = contrast
        self.coef = nd.array(_LUMA)

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.contrast, self.contrast)
        gray = src * self.coef.as_in_context(src.context)
        gray = (3.0 * (1.0 - alpha) / gray.size) * nd.sum(gray)
        src *= alpha
        src += gray
        return src


class SaturationJitterAug(Augmenter):
    """``src = alpha * src + (1 - alpha) * luma`` per pixel with ``alpha = 1 +
    U(-saturation, saturation)`` (in place)."""

    def __init__(self, saturation):
        super().__init__(saturation=saturation)
        self.saturation = saturation
        self.coef = nd.array(_LUMA)

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.saturation, self.saturation)
        gray = src * self.coef.as_in_context(src.context)
        gray = nd.sum(gray, axis=2, keepdims=True)
        gray *= (1.0 - alpha)
        src *= alpha
        src += gray
        return src


class HueJitterAug(Augmenter):
    """Rotate the hue by ``U(-hue, hue) * 180`` degrees with a linear map in YIQ space."""

    def __init__(self, hue):
        super().__init__(hue=hue)
        self.hue = hue
        self.tyiq = _TYIQ
        self.ityiq = _ITYIQ

    def __call__(self, src):
        alpha = random.uniform(-self.hue, self.hue)
        u = np.cos(alpha * np.pi)
        w = np.sin(alpha * np.pi)
        bt = np.array([[1.0, 0.0, 0.0],
                       [0.0, u, -w],
                       [0.0, w, u]])
        t = np.dot(np.dot(self.ityiq, bt), self.tyiq).T
        return nd.dot(src, nd.array(t, ctx=src.context))


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitter (those > 0) in a random order."""

    def __init__(self, brightness, contrast, saturation):
        ts = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet PCA noise: ``src += eigvec @ (alpha * eigval)``, ``alpha ~ N(0, alphastd)``
    (three draws from NumPy's global generator)."""

    def __init__(self, alphastd, eigval, eigvec):
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd = alphastd
        self.eigval = eigval
        self.eigvec = eigvec

    def __call__(self, src):
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        rgb = np.dot(self.eigvec * alpha, self.eigval)
        src += nd.array(rgb, ctx=src.context)
        return src


class ColorNormalizeAug(Augmenter):
    """``(src - mean) / std`` in place (``color_normalize``); either may be None."""

    def __init__(self, mean, std):
        super().__init__(mean=mean, std=std)
        self.mean = mean if mean is None or isinstance(mean, NDArray) else nd.array(mean)
        self.std = std if std is None or isinstance(std, NDArray) else nd.array(std)

    def __call__(self, src):
        return color_normalize(src, self.mean, self.std)


class RandomGrayAug(Augmenter):
    """With probability ``p``, replace the image by its gray level (kept 3 channels:
    ``0.21 R + 0.72 G + 0.07 B``)."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p
        self.mat = nd.array([[0.21, 0.21, 0.21],
                             [0.72, 0.72, 0.72],
                             [0.07, 0.07, 0.07]])

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.dot(src, self.mat.as_in_context(src.context))
        return src


class HorizontalFlipAug(Augmenter):
    """Flip left-right with probability ``p``."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
        return src


class CastAug(Augmenter):
    """Cast to ``typ`` (float32 by default)."""

    def __init__(self, typ='float32'):
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src):
        return src.astype(self.typ)


def _check_stat(name, v):
    if not (isinstance(v, (np.ndarray, NDArray)) and len(v.shape) >= 1 and v.shape[0] in (1, 3)):
        raise DistGluAssertionError("CreateAugmenter: %s must be True, None, or a NumPy array or "
                                    "NDArray of 1 or 3 values, got %r" % (name, v))


def CreateAugmenter(data_shape, resize=0, rand_crop=False, rand_resize=False, rand_mirror=False,
                    mean=None, std=None, brightness=0, contrast=0, saturation=0, hue=0,
                    pca_noise=0, rand_gray=0, inter_method=2):
    """The augmenter list MXNet builds for ``ImageIter``, in MXNet's order: [ResizeAug],
    RandomSizedCropAug / RandomCropAug / CenterCropAug to (W, H) of ``data_shape`` (C, H, W),
    [HorizontalFlipAug(0.5)], CastAug, [ColorJitterAug], [HueJitterAug], [LightingAug],
    [RandomGrayAug], [ColorNormalizeAug]. ``mean=True``/``std=True`` use ImageNet's RGB
    statistics (123.68, 116.28, 103.53) / (58.395, 57.12, 57.375)."""
    # pylint: disable=invalid-name
    auglist = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        if not rand_crop:
            raise DistGluAssertionError("CreateAugmenter: rand_resize=True needs "
                                        "rand_crop=True")
        auglist.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        auglist.append(LightingAug(pca_noise, _EIGVAL.copy(), _EIGVEC.copy()))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    if mean is True:
        mean = nd.array([123.68, 116.28, 103.53])
    elif mean is not None:
        _check_stat('mean', mean)
    if std is True:
        std = nd.array([58.395, 57.12, 57.375])
    elif std is not None:
        _check_stat('std', std)
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist
