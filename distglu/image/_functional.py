"""Image functions of ``mx.image``: resizing, cropping, normalizing, padding, rotating.

Images are (H, W, C) NDArrays (usually uint8 from ``imread``). Resizing is OpenCV's
``cv::resize`` reproduced exactly (``_resize.py``), the same code ``transforms.Resize`` runs.
As in MXNet, the random crops draw from Python's ``random`` module (``random.seed`` makes
them reproducible and gives the same crops as MXNet for the same seed), not from
``mx.random``.
"""
import numbers
import random
import warnings

import numpy as np

from ..base import DistGluError, DistGluValueError, DistGluAssertionError, DistGluTypeError
from ..context import array_module
from ..ndarray import NDArray
from ._resize import resize_raw

__all__ = ['imresize', 'resize_short', 'fixed_crop', 'random_crop', 'center_crop',
           'color_normalize', 'random_size_crop', 'scale_down', 'copyMakeBorder', 'imrotate',
           'random_rotate']


def _image(src, who):
    if not isinstance(src, NDArray):
        raise DistGluError("%s: expected an NDArray image of shape (H, W, C), got %s"
                           % (who, type(src).__name__))
    if src.ndim != 3:
        raise DistGluError("%s: expected an image of shape (H, W, C), got shape %s"
                           % (who, src.shape))
    return src._data


def _get_interp_method(interp, sizes=()):
    """MXNet's interpolation choice: 0..4 as given; 9 picks bicubic to enlarge, area to
    shrink, bilinear otherwise (from ``sizes`` = (old_h, old_w, new_h, new_w); bicubic
    without); 10 picks one of 0..4 with Python's ``random``."""
    if interp == 9:
        if sizes:
            if len(sizes) != 4:
                raise DistGluAssertionError("sizes must be (old_h, old_w, new_h, new_w), got %r"
                                            % (sizes,))
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        return random.randint(0, 4)
    if interp not in (0, 1, 2, 3, 4):
        raise DistGluValueError('Unknown interp method %s' % (interp,))
    return int(interp)


def imresize(src, w, h, interp=1, out=None):
    """Resize the (H, W, C) image ``src`` to width ``w`` and height ``h`` (an (h, w, C)
    NDArray of the same dtype) with OpenCV interpolation ``interp``: 0 nearest, 1 bilinear
    (default), 2 bicubic, 3 area, 4 Lanczos; values equal MXNet's (OpenCV's)."""
    raw = _image(src, 'imresize')
    for name, v in (('w', w), ('h', h)):
        if not isinstance(v, (numbers.Integral, np.integer)) or isinstance(v, bool) or v < 1:
            raise DistGluError("value %s for Parameter %s should be greater equal to 1 (%s: %s "
                               "of the resized image)"
                               % (v, name, name, 'Width' if name == 'w' else 'Height'))
    if interp not in (0, 1, 2, 3, 4):
        raise DistGluError("imresize: unknown interpolation method %r; OpenCV's codes are 0 "
                           "(nearest), 1 (bilinear), 2 (bicubic), 3 (area), 4 (Lanczos)"
                           % (interp,))
    res = NDArray._wrap(resize_raw(raw, int(w), int(h), int(interp)), src._ctx)
    if out is None:
        return res
    if not isinstance(out, NDArray) or out.shape != res.shape or out.dtype != res.dtype:
        raise DistGluError("imresize: out must be an NDArray of shape %s and dtype %s"
                           % (res.shape, np.dtype(res.dtype).name))
    out._check_inplace()
    out._data[...] = res._data
    return out


def resize_short(src, size, interp=2):
    """Resize so that the shorter edge is ``size`` (the longer one scales, truncated)."""
    h, w = _image(src, 'resize_short').shape[:2]
    if h > w:
        new_h, new_w = size * h // w, size
    else:
        new_h, new_w = size, size * w // h
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """Crop ``src`` at (x0, y0) to width ``w`` and height ``h``; resize the crop to ``size``
    = (width, height) when given and different."""
    raw = _image(src, 'fixed_crop')
    out = NDArray._wrap(array_module(raw).ascontiguousarray(raw[y0:y0 + h, x0:x0 + w]),
                        src._ctx)
    if size is not None and (w, h) != size:
        sizes = (h, w, size[1], size[0])
        out = imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return out


def scale_down(src_size, size):
    """Shrink the crop ``size`` = (w, h) to fit in ``src_size`` = (w, h), keeping its aspect
    ratio: ``scale_down((640, 480), (720, 120))`` is ``(640, 106)``."""
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


def random_crop(src, size, interp=2):
    """Crop a random (width, height) = ``size`` window (scaled down to fit, then resized back
    to ``size``). Returns ``(crop, (x0, y0, w, h))``."""
    h, w = _image(src, 'random_crop').shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    out = fixed_crop(src, x0, y0, new_w, new_h, size, interp)
    return out, (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """Crop the centre (width, height) = ``size`` window (scaled down to fit, then resized
    back to ``size``). Returns ``(crop, (x0, y0, w, h))``."""
    h, w = _image(src, 'center_crop').shape[:2]
    new_w, new_h = scale_down((w, h), size)
    x0 = int((w - new_w) / 2)
    y0 = int((h - new_h) / 2)
    out = fixed_crop(src, x0, y0, new_w, new_h, size, interp)
    return out, (x0, y0, new_w, new_h)


def color_normalize(src, mean, std=None):
    """``src -= mean; src /= std`` in place (either may be None); returns ``src``. As in
    MXNet, ``mean``/``std`` are NDArrays or numbers of ``src``'s dtype."""
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src, size, area, ratio, interp=2, **kwargs):
    """Crop a random area and aspect ratio, resized to ``size`` = (width, height).

    ``area``: the fraction range (min, max) of the image area, or a number min (max 1);
    ``ratio``: the (min, max) width/height ratio, drawn log-uniformly. Up to 10 tries, then
    a centre crop. Returns ``(crop, (x0, y0, w, h))``.
    """
    h, w = _image(src, 'random_size_crop').shape[:2]
    src_area = h * w
    if 'min_area' in kwargs:
        warnings.warn('`min_area` is deprecated. Please use `area` instead.', DeprecationWarning)
        area = kwargs.pop('min_area')
    if kwargs:
        raise DistGluAssertionError("unexpected keyword arguments for `random_size_crop`: %s"
                                    % sorted(kwargs))
    if isinstance(area, (numbers.Real, np.generic)):
        area = (area, 1.0)
    for _ in range(10):
        target_area = random.uniform(area[0], area[1]) * src_area
        log_ratio = (np.log(ratio[0]), np.log(ratio[1]))
        new_ratio = np.exp(random.uniform(*log_ratio))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            out = fixed_crop(src, x0, y0, new_w, new_h, size, interp)
            return out, (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)


_BORDER_MODES = {1: 'edge', 2: 'symmetric', 3: 'wrap', 4: 'reflect'}


def copyMakeBorder(src, top, bot, left, right, type=0, value=0, values=(), out=None):
    """Pad an (H, W, C) image (OpenCV's ``copyMakeBorder``). ``type``: 0 constant (``value``,
    or per channel ``values``), 1 replicate ``aaa|abc|ccc``, 2 reflect ``cba|abc|cba``,
    3 wrap ``abc|abc|abc``, 4 reflect-101 ``cb|abc|ba``."""
    # pylint: disable=redefined-builtin
    raw = _image(src, 'copyMakeBorder')
    xp = array_module(raw)
    pads = []
    for name, v in (('top', top), ('bot', bot), ('left', left), ('right', right)):
        if not isinstance(v, (numbers.Integral, np.integer)) or v < 0:
            raise DistGluError("copyMakeBorder: %s must be an int >= 0, got %r" % (name, v))
        pads.append(int(v))
    width = ((pads[0], pads[1]), (pads[2], pads[3]), (0, 0))
    if type == 0:
        fill = np.zeros(raw.shape[2], np.float64)
        vals = tuple(values) if values is not None else ()
        fill[:] = value
        if vals:
            fill[:] = 0
            n = min(len(vals), raw.shape[2])
            fill[:n] = vals[:n]
        if raw.dtype.kind in 'iu':
            info = np.iinfo(raw.dtype)
            fill = np.clip(np.rint(fill), info.min, info.max)
        res = xp.empty((raw.shape[0] + pads[0] + pads[1], raw.shape[1] + pads[2] + pads[3],
                        raw.shape[2]), dtype=raw.dtype)
        res[...] = xp.asarray(fill.astype(raw.dtype))
        res[pads[0]:pads[0] + raw.shape[0], pads[2]:pads[2] + raw.shape[1]] = raw
    elif type in _BORDER_MODES:
        res = xp.pad(raw, width, mode=_BORDER_MODES[type])
    else:
        raise DistGluError("copyMakeBorder: type must be 0 (constant), 1 (replicate), "
                           "2 (reflect), 3 (wrap) or 4 (reflect-101), got %r" % (type,))
    res = NDArray._wrap(res, src._ctx)
    if out is None:
        return res
    if not isinstance(out, NDArray) or out.shape != res.shape or out.dtype != res.dtype:
        raise DistGluError("copyMakeBorder: out must be an NDArray of shape %s and dtype %s"
                           % (res.shape, np.dtype(res.dtype).name))
    out._check_inplace()
    out._data[...] = res._data
    return out


def _bilinear_sample(img, gx, gy):
    """MXNet's ``BilinearSampler``: sample (N, C, H, W) ``img`` at normalized coordinates
    ``gx``, ``gy`` (N, H, W) in [-1, 1]; neighbours outside the image count as 0."""
    xp = array_module(img)
    n, c, h, w = img.shape
    x = (gx + 1) * ((w - 1) / 2.0)
    y = (gy + 1) * ((h - 1) / 2.0)
    x0 = xp.floor(x)
    y0 = xp.floor(y)
    fx = (x - x0).astype(img.dtype)
    fy = (y - y0).astype(img.dtype)
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    out = xp.zeros((n, c, h, w), dtype=img.dtype)
    batch = xp.arange(n)[:, None, None]
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            xi, yi = x0 + dx, y0 + dy
            inside = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            vals = img[batch, :, xp.clip(yi, 0, h - 1), xp.clip(xi, 0, w - 1)]  # (n, H, W, C)
            weight = (wx * wy * inside)[..., None]
            out += xp.moveaxis(vals * weight, -1, 1)
    return out


def imrotate(src, rotation_degrees, zoom_in=False, zoom_out=False):
    """Rotate a float32 (C, H, W) image, or an (N, C, H, W) batch, by ``rotation_degrees``
    (a number, or one angle per image as an NDArray/sequence) counter-clockwise about the
    centre, bilinear sampling with zeros outside (MXNet's ``imrotate``). ``zoom_in`` scales so
    no padding shows, ``zoom_out`` so the whole image stays visible."""
    if zoom_in and zoom_out:
        raise DistGluValueError("`zoom_in` and `zoom_out` cannot be both True")
    if not isinstance(src, NDArray):
        raise DistGluTypeError("imrotate: expected an NDArray, got %s" % type(src).__name__)
    if src.dtype != np.float32:
        raise DistGluTypeError("Only `float32` images are supported by this function")
    raw = src._data
    xp = array_module(raw)
    single = raw.ndim == 3
    if single:
        if not isinstance(rotation_degrees, (numbers.Real, np.generic)):
            raise DistGluTypeError("When a single image is passed the rotation angle is "
                                   "required to be a scalar.")
        raw = raw[None]
    elif raw.ndim != 4:
        raise DistGluValueError("Only 3D and 4D are supported by this function")
    n, _, h, w = raw.shape
    if isinstance(rotation_degrees, (numbers.Real, np.generic)):
        angles = np.full(n, float(rotation_degrees))
    else:
        angles = np.asarray(rotation_degrees.asnumpy() if isinstance(rotation_degrees, NDArray)
                            else rotation_degrees, dtype=np.float64).reshape(-1)
    if angles.size != n:
        raise DistGluValueError("The number of images must be equal to the number of rotation "
                                "angles")
    rad = (np.pi * angles.astype(np.float32) / 180).astype(np.float32)[:, None, None]
    hscale, wscale = float(h - 1) / 2, float(w - 1) / 2
    hm = (np.arange(h, dtype=np.float32)[:, None] - np.float32(hscale))[None]
    wm = (np.arange(w, dtype=np.float32)[None, :] - np.float32(wscale))[None]
    cos_a, sin_a = np.cos(rad), np.sin(rad)
    gx = (wm * cos_a - hm * sin_a) / np.float32(wscale)
    gy = (wm * sin_a + hm * cos_a) / np.float32(hscale)
    if zoom_in or zoom_out:
        rho = np.sqrt(np.float32(h * h + w * w))
        ang = np.arctan(np.float32(h) / np.float32(w))
        arad = np.abs(rad)
        x1, y1 = np.abs(rho * np.cos(ang + arad)), np.abs(rho * np.sin(ang + arad))
        x2, y2 = np.abs(rho * np.cos(ang - arad)), np.abs(rho * np.sin(ang - arad))
        max_x, max_y = np.maximum(x1, x2), np.maximum(y1, y2)
        if zoom_out:
            scale = np.maximum(max_x / w, max_y / h)
        else:
            scale = np.minimum(w / max_x, h / max_y)
        gx, gy = gx * scale, gy * scale
    out = _bilinear_sample(raw, xp.asarray(gx.astype(np.float32)),
                           xp.asarray(gy.astype(np.float32)))
    return NDArray._wrap(out[0] if single else out, src._ctx)


def random_rotate(src, angle_limits, zoom_in=False, zoom_out=False):
    """Rotate by an angle drawn uniformly from ``angle_limits`` = (low, high) degrees (one per
    image of a batch), with NumPy's global generator as MXNet."""
    if src.ndim == 3:
        degrees = np.random.uniform(*angle_limits)
    else:
        degrees = np.random.uniform(*angle_limits, size=src.shape[0])
    return imrotate(src, degrees, zoom_in=zoom_in, zoom_out=zoom_out)
