"""Image transforms (``mxnet.gluon.data.vision.transforms``).

Transforms are Blocks applied to images: HxWxC (or NxHxWxC) NDArrays, usually uint8, until
``ToTensor`` makes them CxHxW float32 in [0, 1]. Use them with ``Dataset.transform_first``::

    transformer = transforms.Compose([transforms.Resize(32), transforms.ToTensor(),
                                      transforms.Normalize(0.13, 0.31)])
    train = MNIST(train=True).transform_first(transformer)

Arrays stay on their device (NumPy or CuPy, whichever holds the data). Random transforms
draw their numbers from distglu's CPU generator, so ``mx.random.seed`` makes them
reproducible. Integer images stay integer: results are clipped to the type's range and
truncated, as MXNet does for uint8.

Resizing (``Resize``, ``CenterCrop``, ``RandomResizedCrop``) is ``distglu.image``'s
OpenCV-exact ``cv::resize`` (interpolation 0 nearest, 1 bilinear, 2 bicubic, 3 area,
4 Lanczos), which MXNet uses; see ``distglu/image/_resize.py``.

As in MXNet, ``CenterCrop`` and ``RandomResizedCrop`` are plain Blocks and the others
HybridBlocks; ``Compose`` groups runs of consecutive HybridBlocks into a nested
``HybridSequential``, so ``print(compose)`` and ``compose[i]`` match MXNet.
"""
import numbers
import random
import warnings

import numpy as np

from ....base import DistGluError, DistGluTypeError, DistGluValueError
from ....context import cpu, array_module
from ....ndarray import NDArray
from ....image._resize import resize_raw as _resize_raw
from ....image._color import (adjust_brightness as _adjust_brightness,
                              adjust_contrast as _adjust_contrast,
                              adjust_saturation as _adjust_saturation,
                              adjust_hue as _adjust_hue)

from ...block import Block, HybridBlock
from ...nn.basic_layers import Sequential, HybridSequential

__all__ = ['Compose', 'Cast', 'ToTensor', 'Normalize', 'Resize', 'CenterCrop',
           'RandomResizedCrop', 'RandomFlipLeftRight', 'RandomFlipTopBottom',
           'RandomBrightness', 'RandomContrast', 'RandomSaturation', 'RandomHue',
           'RandomColorJitter', 'RandomLighting', 'CropResize', 'Rotate', 'RandomRotation',
           'RandomApply', 'HybridRandomApply']

# AlexNet's PCA lighting: eigenvectors (columns) scaled by their eigenvalues, as MXNet's
_EIG = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                 [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                 [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]])


def _rng():
    """distglu's CPU random generator (seeded by ``mx.random.seed``)."""
    from ....ndarray.random import _generator
    return _generator(cpu())


def _unpack(x, who):
    """(raw array, context) of an NDArray (a NumPy array is accepted as on cpu)."""
    if isinstance(x, NDArray):
        return x._data, x._ctx
    if isinstance(x, np.ndarray):
        return x, cpu()
    raise DistGluError("%s: expected an NDArray image, got %s" % (who, type(x).__name__))


def _check_image(raw, who, layout='(H, W, C)', allow_batch=True):
    if raw.ndim != 3 and not (allow_batch and raw.ndim == 4):
        raise DistGluError("%s: expected an image of shape %s%s, got shape %s"
                           % (who, layout, ' or (N, %s' % layout[1:] if allow_batch else '',
                              raw.shape))


def _shape_str(shape):
    """A shape as MXNet's messages print it: [32,48,3]."""
    return '[%s]' % ','.join(str(int(d)) for d in shape)


def _cast_back(y, dtype):
    """Float results -> ``dtype``: integer types are clipped to their range and truncated."""
    dtype = np.dtype(dtype)
    if dtype.kind in 'iu':
        info = np.iinfo(dtype)
        xp = array_module(y)
        xp.clip(y, info.min, info.max, out=y)
        return y.astype(dtype)
    if dtype.kind == 'b':
        return y != 0
    return y.astype(dtype, copy=False)


def _work_dtype(dtype):
    """The float type to compute in: float64 for float64 images, float32 otherwise."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _size_pair(size, who):
    """``size`` as (width, height)."""
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return int(size), int(size)
    try:
        vals = tuple(int(s) for s in size)
    except TypeError:
        vals = ()
    if len(vals) == 1:
        return vals[0], vals[0]
    if len(vals) != 2 or min(vals) <= 0:
        raise DistGluError("%s: size must be an int or a (width, height) pair of positive ints, "
                           "got %r" % (who, size))
    return vals


_warned_interp = set()


def _check_interp(interpolation, who):
    """OpenCV interpolation code 0..4 (5, INTER_LINEAR_EXACT, runs as 1 with a warning)."""
    if isinstance(interpolation, numbers.Integral) and 0 <= interpolation <= 4:
        return int(interpolation)
    if interpolation == 5:
        if interpolation not in _warned_interp:
            _warned_interp.add(interpolation)
            warnings.warn("%s: interpolation=5 (INTER_LINEAR_EXACT) is not implemented by "
                          "distglu; using bilinear (1)" % who, stacklevel=3)
        return 1
    raise DistGluError("%s: interpolation must be an OpenCV code 0 (nearest), 1 (bilinear), "
                       "2 (bicubic), 3 (area) or 4 (Lanczos), got %r" % (who, interpolation))


def _check_crop_interp(interpolation, who):
    """The crops also take MXNet's 9 (auto) and 10 (random), resolved per image."""
    if interpolation in (9, 10) and not isinstance(interpolation, bool):
        return int(interpolation)
    return _check_interp(interpolation, who)


def _resolve_interp(interpolation, h, w, size):
    """9: bicubic to enlarge, area to shrink, else bilinear; 10: random 0..4 (Python's
    ``random``), as ``mx.image``."""
    if interpolation < 9:
        return interpolation
    from ....image._functional import _get_interp_method
    return _get_interp_method(interpolation, (h, w, size[1], size[0]))


def _keep_ratio_size(h, w, size):
    """MXNet's keep_ratio rule: the shorter edge becomes ``size``, the other scales (truncated)."""
    if h > w:
        return size, int(h * size / w)
    return int(w * size / h), size


def _scale_down(src_w, src_h, w, h):
    """Shrink the crop (w, h) to fit in (src_w, src_h) keeping its aspect ratio (MXNet)."""
    if src_h < h:
        w, h = float(w * src_h) / h, src_h
    if src_w < w:
        w, h = src_w, float(h * src_w) / w
    return int(w), int(h)


def _crop_resize(raw, x0, y0, w, h, size, interpolation):
    crop = raw[..., y0:y0 + h, x0:x0 + w, :]
    return _resize_raw(crop, size[0], size[1], _resolve_interp(interpolation, h, w, size))


class _Transform(HybridBlock):
    """Base of the hybridizable transforms: ``forward`` does the work, ``hybrid_forward``
    forwards to it. Prints as MXNet prints a transform: ``ToTensor(\\n\\n)``."""

    def __init__(self):
        super().__init__()

    def hybrid_forward(self, F, x, *args):
        return self.forward(x, *args)


class Compose(Sequential):
    """Applies ``transforms`` in order (MXNet's ``Compose``, a Sequential Block).

    As MXNet, runs of two or more consecutive HybridBlocks are grouped into one
    ``HybridSequential`` child (``Compose([Resize(4), ToTensor(), Normalize()])`` has two
    children: ``Resize`` and a ``HybridSequential`` of the other two). Any callable may be
    listed. A transform returning a tuple passes its elements on as the next transform's
    arguments (a distglu extension; MXNet's Compose takes one argument).
    """

    def __init__(self, transforms):
        super().__init__()
        hybrid = []
        for t in list(transforms) + [None]:
            if t is not None and not callable(t):
                raise DistGluError("Compose: every transform must be callable, got %r" % (t,))
            if isinstance(t, HybridBlock):
                hybrid.append(t)
                continue
            if len(hybrid) == 1:
                self.add(hybrid[0])
            elif len(hybrid) > 1:
                group = HybridSequential()
                group.add(*hybrid)
                group.hybridize()
                self.add(group)
            hybrid = []
            if t is not None:
                self.add(t)

    def add(self, *transforms):
        for t in transforms:
            if not callable(t):
                raise DistGluError("Compose: every transform must be callable, got %r" % (t,))
            self.register_child(t)

    def hybridize(self, active=True, **kwargs):
        for child in self._children.values():
            if isinstance(child, Block):
                child.hybridize(active, **kwargs)

    def __getitem__(self, key):
        children = list(self._children.values())[key]
        if isinstance(children, list):
            net = Compose([])
            net.add(*children)
            return net
        return children


class Cast(_Transform):
    """Cast to ``dtype`` (default float32)."""

    def __init__(self, dtype='float32'):
        super().__init__()
        self._dtype = np.dtype(dtype)

    def forward(self, x):
        raw, ctx = _unpack(x, 'Cast')
        return NDArray._wrap(raw.astype(self._dtype), ctx)


class ToTensor(_Transform):
    """(H, W, C) or (N, H, W, C) image of any type -> (C, H, W) / (N, C, H, W) float32,
    divided by 255 (uint8 0..255 -> 0..1)."""

    def forward(self, x):
        raw, ctx = _unpack(x, 'ToTensor')
        _check_image(raw, 'ToTensor')
        xp = array_module(raw)
        y = xp.ascontiguousarray(xp.moveaxis(raw, -1, -3), dtype=np.float32)
        xp.divide(y, np.float32(255.0), out=y)
        return NDArray._wrap(y, ctx)


class Normalize(_Transform):
    """``(x - mean) / std`` per channel of a (C, H, W) or (N, C, H, W) tensor.

    ``mean`` and ``std`` are numbers or sequences of 1 or C values; C must be 1 or 3 (MXNet's
    check, with its message). A float tensor keeps its dtype; an integer one gives float32
    (MXNet would keep the integer type).
    """

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self._mean = mean
        self._std = std
        for name, v in (('mean', mean), ('std', std)):
            arr = np.asarray(v, dtype=np.float64)
            if arr.ndim > 1 or arr.size == 0:
                raise DistGluError("Normalize: %s must be a number or a sequence of numbers, got "
                                   "%r" % (name, v))
        if np.any(np.asarray(std, dtype=np.float64) == 0):
            raise DistGluError("Normalize: std must not contain 0, got %r" % (std,))

    def forward(self, x):
        raw, ctx = _unpack(x, 'Normalize')
        if raw.ndim not in (3, 4):
            raise DistGluError("Input tensor must have shape (channels, height, width), or "
                               "(N, channels, height, width), but got %s" % _shape_str(raw.shape))
        c = raw.shape[-3]
        if c not in (1, 3):
            raise DistGluError("The %s dimension of input tensor must be the channel dimension "
                               "with either 1 or 3 elements, but got input with shape %s"
                               % ('first' if raw.ndim == 3 else 'second', _shape_str(raw.shape)))
        xp = array_module(raw)
        wt = raw.dtype if raw.dtype.kind == 'f' else np.dtype(np.float32)
        stats = []
        for name, v in (('mean', self._mean), ('std', self._std)):
            arr = np.asarray(v, dtype=np.float64).reshape(-1)
            if arr.size not in (1, c):
                raise DistGluError("Invalid %s for input with shape %s. %s must have either 1 or "
                                   "%d elements, but got [%s]"
                                   % (name, _shape_str(raw.shape), name, c,
                                      ','.join('%g' % a for a in arr)))
            stats.append(xp.asarray(arr.astype(wt).reshape(-1, 1, 1)))
        y = xp.subtract(raw, stats[0], dtype=wt)
        y /= stats[1]
        return NDArray._wrap(y, ctx)


class Resize(_Transform):
    """Resize an (H, W, C) or (N, H, W, C) image to ``size``.

    ``size``: an int (square output, or with ``keep_ratio`` the shorter edge becomes
    ``size`` and the other scales, truncated) or ``(width, height)``. The dtype is kept
    (uint8 results rounded). See the module docstring for the interpolation.
    """

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__()
        self._keep = bool(keep_ratio)
        self._single = isinstance(size, numbers.Integral) or len(tuple(size)) == 1
        self._size = _size_pair(size, 'Resize')
        self._interpolation = _check_interp(interpolation, 'Resize')

    def forward(self, x):
        raw, ctx = _unpack(x, 'Resize')
        _check_image(raw, 'Resize')
        w, h = self._size
        if self._keep and self._single:
            w, h = _keep_ratio_size(raw.shape[-3], raw.shape[-2], w)
        return NDArray._wrap(_resize_raw(raw, w, h, self._interpolation), ctx)


class CenterCrop(Block):
    """Crop the centre of an (H, W, C) image to ``size`` = int or (width, height); an image
    smaller than ``size`` has its largest centred crop of that aspect ratio resized up (MXNet's
    ``image.center_crop``). ``interpolation``: an OpenCV code 0..4, or MXNet's 9 (auto) / 10
    (random). A Block, as in MXNet."""

    def __init__(self, size, interpolation=1):
        super().__init__()
        self._size = _size_pair(size, 'CenterCrop')
        self._interpolation = _check_crop_interp(interpolation, 'CenterCrop')

    def forward(self, x):
        raw, ctx = _unpack(x, 'CenterCrop')
        _check_image(raw, 'CenterCrop')
        h, w = raw.shape[-3], raw.shape[-2]
        new_w, new_h = _scale_down(w, h, *self._size)
        x0, y0 = (w - new_w) // 2, (h - new_h) // 2
        return NDArray._wrap(_crop_resize(raw, x0, y0, new_w, new_h, self._size,
                                          self._interpolation), ctx)


class RandomResizedCrop(Block):
    """Crop a random area and aspect ratio of an (H, W, C) image and resize it to ``size``.

    Up to 10 tries: area fraction ~ U(scale), aspect ratio w/h = exp(U(log ratio)),
    ``w = round(sqrt(area * ratio))``, ``h = round(sqrt(area / ratio))``; the first crop that
    fits is placed at a uniformly random position. If none fits, a centre crop (MXNet's
    ``image.random_size_crop``). A Block, as in MXNet. The numbers come from distglu's
    generator (MXNet draws them from Python's ``random``).
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__()
        self._size = _size_pair(size, 'RandomResizedCrop')
        if len(scale) != 2 or not 0 < scale[0] <= scale[1]:
            raise DistGluError("RandomResizedCrop: scale must be (min, max) with 0 < min <= max, "
                               "got %r" % (scale,))
        if len(ratio) != 2 or not 0 < ratio[0] <= ratio[1]:
            raise DistGluError("RandomResizedCrop: ratio must be (min, max) with 0 < min <= max, "
                               "got %r" % (ratio,))
        self._scale = tuple(scale)
        self._ratio = tuple(ratio)
        self._interpolation = _check_crop_interp(interpolation, 'RandomResizedCrop')

    def _crop_box(self, h, w):
        """(x0, y0, width, height) of the crop, or None for the centre-crop fallback."""
        rng = _rng()
        area = h * w
        log_ratio = (np.log(self._ratio[0]), np.log(self._ratio[1]))
        for _ in range(10):
            target = rng.uniform(self._scale[0], self._scale[1]) * area
            aspect = np.exp(rng.uniform(*log_ratio))
            cw = int(round(np.sqrt(target * aspect)))
            ch = int(round(np.sqrt(target / aspect)))
            if 0 < cw <= w and 0 < ch <= h:
                x0 = int(rng.integers(0, w - cw + 1))
                y0 = int(rng.integers(0, h - ch + 1))
                return x0, y0, cw, ch
        return None

    def forward(self, x):
        raw, ctx = _unpack(x, 'RandomResizedCrop')
        _check_image(raw, 'RandomResizedCrop', allow_batch=False)
        h, w = raw.shape[0], raw.shape[1]
        box = self._crop_box(h, w)
        if box is None:
            new_w, new_h = _scale_down(w, h, *self._size)
            box = ((w - new_w) // 2, (h - new_h) // 2, new_w, new_h)
        return NDArray._wrap(_crop_resize(raw, *box, self._size, self._interpolation), ctx)


class _RandomFlip(_Transform):
    _axis = -2

    def forward(self, x):
        raw, ctx = _unpack(x, type(self).__name__)
        _check_image(raw, type(self).__name__)
        if _rng().random() < 0.5:
            return NDArray._wrap(array_module(raw).flip(raw, axis=self._axis).copy(), ctx)
        return x if isinstance(x, NDArray) else NDArray._wrap(raw, ctx)


class RandomFlipLeftRight(_RandomFlip):
    """Flip an (H, W, C) image horizontally with probability 0.5."""
    _axis = -2


class RandomFlipTopBottom(_RandomFlip):
    """Flip an (H, W, C) image vertically with probability 0.5."""
    _axis = -3


def _check_color_image(raw, who):
    _check_image(raw, who)
    if raw.shape[-1] not in (1, 3):
        raise DistGluError("%s: the last axis of the image must be the channel axis with 1 "
                           "or 3 elements, got shape %s" % (who, raw.shape))


class _RandomColor(_Transform):
    """Color jitter by a factor ``alpha ~ U(max(0, 1 - amount), 1 + amount)``."""
    _adjust = None

    def __init__(self, amount, name):
        super().__init__()
        if not isinstance(amount, numbers.Real) or amount < 0:
            raise DistGluError("%s: expected a number >= 0, got %r" % (name, amount))
        self._amount = float(amount)
        self._args = (max(0.0, 1.0 - self._amount), 1.0 + self._amount)

    def forward(self, x):
        who = type(self).__name__
        raw, ctx = _unpack(x, who)
        _check_color_image(raw, who)
        alpha = _rng().uniform(*self._args)
        wt = _work_dtype(raw.dtype)
        y = self._adjust(raw.astype(wt), wt(alpha))
        return NDArray._wrap(_cast_back(y, raw.dtype), ctx)


class RandomBrightness(_RandomColor):
    """Multiply the image by ``alpha ~ U(max(0, 1 - brightness), 1 + brightness)``."""
    _adjust = staticmethod(_adjust_brightness)

    def __init__(self, brightness):
        super().__init__(brightness, 'RandomBrightness')


class RandomContrast(_RandomColor):
    """``alpha * x + (1 - alpha) * mean_gray`` with ``alpha ~ U(max(0, 1 - contrast),
    1 + contrast)``, ``mean_gray`` the mean luma (0.299 R + 0.587 G + 0.114 B) of the image."""
    _adjust = staticmethod(_adjust_contrast)

    def __init__(self, contrast):
        super().__init__(contrast, 'RandomContrast')


class RandomSaturation(_RandomColor):
    """``alpha * x + (1 - alpha) * gray`` per pixel, ``gray`` = 0.299 R + 0.587 G + 0.114 B,
    ``alpha ~ U(max(0, 1 - saturation), 1 + saturation)``.

    MXNet 1.9.1 takes ``gray`` as 0.114 * B only (a bug in its C++ kernel); distglu uses the
    full luma, so saturation results differ from MXNet's (contrast and brightness agree).
    """
    _adjust = staticmethod(_adjust_saturation)

    def __init__(self, saturation):
        super().__init__(saturation, 'RandomSaturation')


class RandomHue(_RandomColor):
    """Rotate the hue (in HLS space) by ``alpha * 360`` degrees, ``alpha ~ U(max(0, 1 - hue),
    1 + hue)`` (MXNet's ``random_hue``; since hue is periodic the shift is
    ``(alpha - 1) * 360``). For an (H, W, 3) image in 0..255; results equal MXNet's for the
    same ``alpha``. 1-channel images pass unchanged."""
    _adjust = staticmethod(_adjust_hue)

    def __init__(self, hue):
        super().__init__(hue, 'RandomHue')


class RandomColorJitter(_Transform):
    """Jitter brightness, contrast, saturation and hue in a random order (MXNet's
    ``random_color_jitter``): the four are shuffled, then each one with a nonzero amount is
    applied with factor ``1 + U(-amount, amount)`` (brightness, contrast, saturation) or a hue
    shift of ``U(-hue, hue) * 360`` degrees. Integer images are saturated to their type after
    each step, as MXNet. Saturation uses the full luma (see ``RandomSaturation``)."""

    _STEPS = (_adjust_brightness, _adjust_contrast, _adjust_saturation, _adjust_hue)

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__()
        for name, v in (('brightness', brightness), ('contrast', contrast),
                        ('saturation', saturation), ('hue', hue)):
            if not isinstance(v, numbers.Real) or v < 0:
                raise DistGluError("RandomColorJitter: %s must be a number >= 0, got %r"
                                   % (name, v))
        self._args = (float(brightness), float(contrast), float(saturation), float(hue))

    def forward(self, x):
        raw, ctx = _unpack(x, 'RandomColorJitter')
        _check_color_image(raw, 'RandomColorJitter')
        rng = _rng()
        wt = _work_dtype(raw.dtype)
        y = raw
        for step in rng.permutation(4):
            amount = self._args[step]
            if amount <= 0:
                continue
            alpha = rng.uniform(-amount, amount)
            if step != 3:
                alpha += 1.0
            y = _cast_back(self._STEPS[step](y.astype(wt), wt(alpha)), raw.dtype)
        if y is raw:
            y = raw.copy()
        return NDArray._wrap(y, ctx)


class RandomLighting(_Transform):
    """AlexNet-style PCA lighting noise: add ``eigvec @ (a * eigval)`` to the RGB channels,
    ``a ~ N(0, alpha)`` (three draws), with AlexNet's ImageNet eigen-decomposition."""

    def __init__(self, alpha):
        super().__init__()
        if not isinstance(alpha, numbers.Real) or alpha < 0:
            raise DistGluError("RandomLighting: alpha must be a number >= 0, got %r" % (alpha,))
        self._alpha = float(alpha)

    def forward(self, x):
        raw, ctx = _unpack(x, 'RandomLighting')
        _check_image(raw, 'RandomLighting')
        if raw.shape[-1] != 3:
            raise DistGluError("RandomLighting: expected an RGB image with 3 channels on the last "
                               "axis, got shape %s" % (raw.shape,))
        a = _rng().normal(0.0, self._alpha, size=3) if self._alpha > 0 else np.zeros(3)
        wt = _work_dtype(raw.dtype)
        xp = array_module(raw)
        y = raw.astype(wt)
        y += xp.asarray((_EIG @ a).astype(wt))
        return NDArray._wrap(_cast_back(y, raw.dtype), ctx)


class CropResize(_Transform):
    """Crop the area at (``x``, ``y``) of ``width`` x ``height`` from an (H, W, C) or
    (N, H, W, C) image and, when ``size`` (int or (width, height)) is given, resize it
    (``interpolation``: an OpenCV code, bilinear by default). MXNet's ``CropResize``."""

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__()
        self._x, self._y, self._width, self._height = x, y, width, height
        self._size = None if not size else _size_pair(size, 'CropResize')
        self._interpolation = _check_interp(1 if interpolation is None else interpolation,
                                            'CropResize')

    def forward(self, x):
        raw, ctx = _unpack(x, 'CropResize')
        _check_image(raw, 'CropResize')
        h, w = raw.shape[-3], raw.shape[-2]
        if not (0 <= self._x and 0 <= self._y and self._x + self._width <= w
                and self._y + self._height <= h and self._width > 0 and self._height > 0):
            raise DistGluValueError(
                "CropResize: the area x=%d, y=%d, width=%d, height=%d does not fit in an "
                "image of width %d and height %d"
                % (self._x, self._y, self._width, self._height, w, h))
        out = raw[..., self._y:self._y + self._height, self._x:self._x + self._width, :]
        if self._size:
            out = _resize_raw(out, self._size[0], self._size[1], self._interpolation)
        return NDArray._wrap(array_module(out).ascontiguousarray(out), ctx)


def _check_float32(x, who):
    if x.dtype != np.float32:
        raise DistGluTypeError("%s: this transformation only supports float32, got %s. "
                               "Consider calling it after ToTensor" % (who, x.dtype))


class Rotate(Block):
    """Rotate a (C, H, W) or (N, C, H, W) float32 image by ``rotation_degrees``, keeping
    its shape (``zoom_in``: no padding shows; ``zoom_out``: all of the image stays in
    view). MXNet's ``Rotate`` (``image.imrotate``)."""

    def __init__(self, rotation_degrees, zoom_in=False, zoom_out=False):
        super().__init__()
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x):
        _check_float32(x, 'Rotate')
        from ....image import imrotate
        return imrotate(x, *self._args)


class RandomRotation(Block):
    """Rotate a (C, H, W) or (N, C, H, W) float32 image by an angle drawn uniformly from
    ``angle_limits`` = (lower, upper) degrees, with probability ``rotate_with_proba``
    (NumPy's global generator, as MXNet). MXNet's ``RandomRotation``."""

    def __init__(self, angle_limits, zoom_in=False, zoom_out=False, rotate_with_proba=1.0):
        super().__init__()
        lower, upper = angle_limits
        if lower >= upper:
            raise DistGluValueError("`angle_limits` must be an ordered tuple")
        if rotate_with_proba < 0 or rotate_with_proba > 1:
            raise DistGluValueError("Probability of rotating the image should be between 0 "
                                    "and 1")
        self._args = (angle_limits, zoom_in, zoom_out)
        self._rotate_with_proba = rotate_with_proba

    def forward(self, x):
        if np.random.random() > self._rotate_with_proba:
            return x
        _check_float32(x, 'RandomRotation')
        from ....image import random_rotate
        return random_rotate(x, *self._args)


class RandomApply(Sequential):
    """Apply ``transforms`` (a transform or a Compose) with probability ``p`` (Python's
    ``random``, as MXNet); otherwise return the input unchanged."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)


class HybridRandomApply(HybridSequential):
    """The hybridizable :class:`RandomApply` (``transforms`` must be a HybridBlock)."""

    def __init__(self, transforms, p=0.5):
        super().__init__()
        if not isinstance(transforms, HybridBlock):
            raise DistGluTypeError("HybridRandomApply: transforms must be a HybridBlock, got "
                                   "%s" % type(transforms).__name__)
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)
