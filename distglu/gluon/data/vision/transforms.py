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

Resizing (``Resize``, ``CenterCrop``, ``RandomResizedCrop``) implements nearest
(``interpolation=0``) and bilinear (``interpolation=1``, the default) interpolation with
vectorised NumPy, approximating OpenCV's ``cv::resize``, which MXNet uses: the same pixel
mapping (bilinear with half-pixel centres, nearest with ``floor(dst * scale)``), and for uint8
images an emulation of OpenCV's fixed-point arithmetic (11-bit weights). On the images
checked against MXNet 1.9.1 (uint8 and float32, 1 and 3 channels, up- and downscaling) the
results were identical; other OpenCV builds or SIMD paths may differ by 1 on some uint8
pixels and by float rounding on float images. The other OpenCV codes (2 bicubic, 3 area, 4 Lanczos,
9, 10) fall back to bilinear with a warning.
"""
import numbers
import warnings

import numpy as np

from ....base import DistGluError
from ....context import cpu, array_module
from ....ndarray import NDArray

from ...block import Block, HybridBlock

__all__ = ['Compose', 'Cast', 'ToTensor', 'Normalize', 'Resize', 'CenterCrop',
           'RandomResizedCrop', 'RandomFlipLeftRight', 'RandomFlipTopBottom',
           'RandomBrightness', 'RandomContrast', 'RandomSaturation', 'RandomLighting']

_LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601, as MXNet's color ops
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
    if interpolation in (0, 1):
        return interpolation
    if not isinstance(interpolation, numbers.Integral) or not 0 <= interpolation <= 10:
        raise DistGluError("%s: interpolation must be an OpenCV code 0..4, 9 or 10 (distglu "
                           "implements 0 nearest and 1 bilinear), got %r" % (who, interpolation))
    if interpolation not in _warned_interp:
        _warned_interp.add(interpolation)
        warnings.warn("%s: interpolation=%d is not implemented by distglu; using bilinear (1)"
                      % (who, interpolation), stacklevel=3)
    return 1


def _axis_coords(n_out, n_in, interpolation, clamp):
    """Source indices and bilinear weights along one axis, with OpenCV's pixel mapping:
    nearest ``floor(dst * scale)``; bilinear ``src = (dst + 0.5) * scale - 0.5`` computed in
    float32, its weights clamped at the borders only along W (``clamp``), as cv::resize does."""
    scale = 1.0 / (n_out / n_in)
    if interpolation == 0:
        return np.minimum(np.floor(np.arange(n_out) * scale).astype(np.int64), n_in - 1)
    src = ((np.arange(n_out) + 0.5) * scale - 0.5).astype(np.float32)
    i0 = np.floor(src).astype(np.int64)
    frac = (src - i0).astype(np.float32)
    if clamp:
        low = i0 < 0
        frac[low], i0[low] = 0, 0
        high = i0 >= n_in - 1
        frac[high], i0[high] = 0, n_in - 1
    i1 = np.clip(i0 + 1, 0, n_in - 1)
    i0 = np.clip(i0, 0, n_in - 1)
    return i0, i1, np.float32(1) - frac, frac


def _resize_raw(raw, width, height, interpolation):
    """Resize the H and W axes (-3, -2) of an (..., H, W, C) array to (height, width)."""
    h, w = raw.shape[-3], raw.shape[-2]
    if (h, w) == (height, width):
        return raw.copy()
    xp = array_module(raw)
    if interpolation == 0:
        yi = xp.asarray(_axis_coords(height, h, 0, False))
        xi = xp.asarray(_axis_coords(width, w, 0, True))
        return xp.take(xp.take(raw, yi, axis=-3), xi, axis=-2)
    x0, x1, a0, a1 = _axis_coords(width, w, 1, True)
    y0, y1, b0, b1 = _axis_coords(height, h, 1, False)
    x0, x1, y0, y1 = (xp.asarray(i) for i in (x0, x1, y0, y1))
    if raw.dtype == np.uint8:
        # OpenCV's fixed-point path: 11-bit weights, the vertical pass in 16-bit steps
        a0, a1, b0, b1 = (xp.asarray(np.rint(c * np.float32(2048)).astype(np.int32))
                          for c in (a0, a1, b0, b1))
        x = raw.astype(np.int32)
        rows = xp.take(x, x0, axis=-2) * a0[:, None] + xp.take(x, x1, axis=-2) * a1[:, None]
        rows >>= 4
        top = xp.take(rows, y0, axis=-3) * b0[:, None, None]
        bottom = xp.take(rows, y1, axis=-3) * b1[:, None, None]
        top >>= 16
        bottom >>= 16
        top += bottom
        top += 2
        top >>= 2
        return _cast_back(top, np.uint8)
    wt = _work_dtype(raw.dtype)
    a0, a1, b0, b1 = (xp.asarray(c.astype(wt)) for c in (a0, a1, b0, b1))
    x = raw.astype(wt, copy=False)
    # along W first, then H, as OpenCV
    rows = xp.take(x, x0, axis=-2) * a0[:, None] + xp.take(x, x1, axis=-2) * a1[:, None]
    out = xp.take(rows, y0, axis=-3) * b0[:, None, None]
    out += xp.take(rows, y1, axis=-3) * b1[:, None, None]
    if np.dtype(raw.dtype).kind in 'iu':
        out = xp.rint(out, out=out)
    return _cast_back(out, raw.dtype)


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
    return _resize_raw(crop, size[0], size[1], interpolation)


class _Transform(HybridBlock):
    """Base of the transforms: ``forward`` does the work, ``hybrid_forward`` forwards to it."""

    def __init__(self):
        super().__init__()

    def hybrid_forward(self, F, x, *args):
        return self.forward(x, *args)

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, self._repr_args())

    def _repr_args(self):
        return ''


class Compose(Block):
    """Applies ``transforms`` in order (MXNet's ``Compose``, a Sequential Block).

    Any callable may be listed; Blocks among them are registered as children. A transform
    returning a tuple passes its elements on as the next transform's arguments.
    """

    def __init__(self, transforms):
        super().__init__()
        self._transforms = []
        for t in transforms:
            self.add(t)

    def add(self, *transforms):
        for t in transforms:
            if not callable(t):
                raise DistGluError("Compose: every transform must be callable, got %r" % (t,))
            self._transforms.append(t)
            if isinstance(t, Block):
                self.register_child(t)

    def forward(self, x, *args):
        for t in self._transforms:
            x = t(x, *args)
            args = ()
            if isinstance(x, (tuple, list)):
                x, args = x[0], tuple(x[1:])
        if args:
            return (x,) + args
        return x

    def __getitem__(self, i):
        return self._transforms[i]

    def __len__(self):
        return len(self._transforms)

    def __repr__(self):
        return 'Compose(\n%s\n)' % '\n'.join('  (%d): %r' % (i, t)
                                             for i, t in enumerate(self._transforms))


class Cast(_Transform):
    """Cast to ``dtype`` (default float32)."""

    def __init__(self, dtype='float32'):
        super().__init__()
        self._dtype = np.dtype(dtype)

    def forward(self, x):
        raw, ctx = _unpack(x, 'Cast')
        return NDArray._wrap(raw.astype(self._dtype), ctx)

    def _repr_args(self):
        return repr(self._dtype.name)


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

    ``mean`` and ``std`` are numbers or sequences of 1 or C values. A float tensor keeps its
    dtype; an integer one gives float32 (MXNet would keep the integer type).
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
        _check_image(raw, 'Normalize', '(C, H, W)')
        xp = array_module(raw)
        wt = raw.dtype if raw.dtype.kind == 'f' else np.dtype(np.float32)
        c = raw.shape[-3]
        stats = []
        for name, v in (('mean', self._mean), ('std', self._std)):
            arr = np.asarray(v, dtype=np.float64).reshape(-1)
            if arr.size not in (1, c):
                raise DistGluError("Normalize: invalid %s for input with shape %s: %s must have "
                                   "either 1 or %d elements, but got %s"
                                   % (name, raw.shape, name, c, arr.tolist()))
            stats.append(xp.asarray(arr.astype(wt).reshape(-1, 1, 1)))
        y = xp.subtract(raw, stats[0], dtype=wt)
        y /= stats[1]
        return NDArray._wrap(y, ctx)

    def _repr_args(self):
        return 'mean=%r, std=%r' % (self._mean, self._std)


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

    def _repr_args(self):
        return 'size=%r, keep_ratio=%r, interpolation=%r' % (self._size, self._keep,
                                                             self._interpolation)


class CenterCrop(_Transform):
    """Crop the centre of an (H, W, C) image to ``size`` = int or (width, height); an image
    smaller than ``size`` has its largest centred crop of that aspect ratio resized up (MXNet's
    ``image.center_crop``)."""

    def __init__(self, size, interpolation=1):
        super().__init__()
        self._size = _size_pair(size, 'CenterCrop')
        self._interpolation = _check_interp(interpolation, 'CenterCrop')

    def forward(self, x):
        raw, ctx = _unpack(x, 'CenterCrop')
        _check_image(raw, 'CenterCrop')
        h, w = raw.shape[-3], raw.shape[-2]
        new_w, new_h = _scale_down(w, h, *self._size)
        x0, y0 = (w - new_w) // 2, (h - new_h) // 2
        return NDArray._wrap(_crop_resize(raw, x0, y0, new_w, new_h, self._size,
                                          self._interpolation), ctx)

    def _repr_args(self):
        return 'size=%r, interpolation=%r' % (self._size, self._interpolation)


class RandomResizedCrop(_Transform):
    """Crop a random area and aspect ratio of an (H, W, C) image and resize it to ``size``.

    Up to 10 tries: area fraction ~ U(scale), aspect ratio w/h = exp(U(log ratio)),
    ``w = round(sqrt(area * ratio))``, ``h = round(sqrt(area / ratio))``; the first crop that
    fits is placed at a uniformly random position. If none fits, a centre crop (MXNet's
    ``image.random_size_crop``).
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
        self._interpolation = _check_interp(interpolation, 'RandomResizedCrop')

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

    def _repr_args(self):
        return 'size=%r, scale=%r, ratio=%r' % (self._size, self._scale, self._ratio)


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


class _RandomColor(_Transform):
    """Color jitter by a factor ``alpha ~ U(max(0, 1 - amount), 1 + amount)``."""

    def __init__(self, amount, name):
        super().__init__()
        if not isinstance(amount, numbers.Real) or amount < 0:
            raise DistGluError("%s: expected a number >= 0, got %r" % (name, amount))
        self._amount = float(amount)
        self._args = (max(0.0, 1.0 - self._amount), 1.0 + self._amount)

    def forward(self, x):
        who = type(self).__name__
        raw, ctx = _unpack(x, who)
        _check_image(raw, who)
        if raw.shape[-1] not in (1, 3):
            raise DistGluError("%s: the last axis of the image must be the channel axis with 1 "
                               "or 3 elements, got shape %s" % (who, raw.shape))
        alpha = _rng().uniform(*self._args)
        wt = _work_dtype(raw.dtype)
        y = self._apply(raw.astype(wt), wt(alpha))
        return NDArray._wrap(_cast_back(y, raw.dtype), ctx)

    def _repr_args(self):
        return repr(self._amount)


def _gray(xp, x):
    """Per-pixel luma (..., H, W, 1) of an RGB float image (the image itself if 1 channel)."""
    if x.shape[-1] == 1:
        return x
    luma = xp.asarray(np.array(_LUMA, dtype=x.dtype))
    return (x @ luma)[..., None]


class RandomBrightness(_RandomColor):
    """Multiply the image by ``alpha ~ U(max(0, 1 - brightness), 1 + brightness)``."""

    def __init__(self, brightness):
        super().__init__(brightness, 'RandomBrightness')

    def _apply(self, x, alpha):
        x *= alpha
        return x


class RandomContrast(_RandomColor):
    """``alpha * x + (1 - alpha) * mean_gray`` with ``alpha ~ U(max(0, 1 - contrast),
    1 + contrast)``, ``mean_gray`` the mean luma (0.299 R + 0.587 G + 0.114 B) of the image."""

    def __init__(self, contrast):
        super().__init__(contrast, 'RandomContrast')

    def _apply(self, x, alpha):
        xp = array_module(x)
        gray = _gray(xp, x).mean(axis=(-3, -2, -1), keepdims=True)
        x *= alpha
        x += gray * (1 - alpha)
        return x


class RandomSaturation(_RandomColor):
    """``alpha * x + (1 - alpha) * gray`` per pixel, ``gray`` = 0.299 R + 0.587 G + 0.114 B,
    ``alpha ~ U(max(0, 1 - saturation), 1 + saturation)``.

    MXNet 1.9.1 takes ``gray`` as 0.114 * B only (a bug in its C++ kernel); distglu uses the
    full luma, so saturation results differ from MXNet's (contrast and brightness agree).
    """

    def __init__(self, saturation):
        super().__init__(saturation, 'RandomSaturation')

    def _apply(self, x, alpha):
        if x.shape[-1] == 1:
            return x
        gray = _gray(array_module(x), x)
        x *= alpha
        x += gray * (1 - alpha)
        return x


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

    def _repr_args(self):
        return repr(self._alpha)
