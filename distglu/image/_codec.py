"""Image decoding for ``mx.image.imread`` / ``imdecode``: bytes -> HxWxC uint8 NDArray.

MXNet decodes with OpenCV; distglu decodes PNG, JPEG, BMP, GIF, TIFF and WebP with Pillow
(the library ``gluon.data.vision`` uses) and, without any dependency, NumPy ``.npy`` files
and Netpbm (P2/P3/P5/P6), which MXNet's OpenCV build does not read. Without Pillow the
other formats raise an error that names the missing package.

Color images are RGB (``to_rgb=False``: BGR, OpenCV's order), 3 channels for any nonzero
``flag`` (alpha dropped, gray replicated), 1 channel for ``flag=0``. The gray conversion is
the one OpenCV applies for each format, so ``flag=0`` matches MXNet: libpng's
``(9797 R + 19234 G + 3737 B) >> 15`` (weights truncated) for PNG, libjpeg's own luma
decoding for JPEG, and
OpenCV's ``(4899 R + 9617 G + 1868 B + 8192) >> 14`` for the other formats. JPEG decoding
with Pillow's libjpeg matched MXNet's OpenCV exactly on the images checked; other libjpeg
versions may differ by 1 on some pixels. As MXNet 1.9.1 (OpenCV 3.4.2 decodes from memory),
EXIF orientation is not applied.
"""
import io
import os
import tempfile

import numpy as np

from ..base import DistGluError, DistGluValueError
from ..context import cpu
from ..ndarray import NDArray

__all__ = ['imread', 'imdecode', 'decode_numpy']

_PNG = b'\x89PNG\r\n\x1a\n'
_JPEG = b'\xff\xd8'
_NPY = b'\x93NUMPY'
_PNM = (b'P2', b'P3', b'P5', b'P6')
_NATIVE_EXTS = ('.npy', '.pgm', '.ppm', '.pnm')


def _pillow():
    try:
        from PIL import Image
    except ImportError as err:
        raise DistGluError(
            "decoding PNG/JPEG/BMP images needs Pillow, which is not installed (pip install "
            "Pillow); without it distglu.image reads .npy and Netpbm (.ppm/.pgm/.pnm) "
            "images") from err
    return Image


def _gray_u8(rgb, weights, bits):
    """uint8 (H, W, 3) -> (H, W, 1) with integer luma weights summing to 2**bits."""
    r, g, b = (rgb[..., k].astype(np.int32) for k in range(3))
    y = r * weights[0] + g * weights[1] + b * weights[2]
    if bits == 14:
        y += 1 << 13  # OpenCV's cvtColor rounds; libpng (15 bits) truncates
    y >>= bits
    return y.astype(np.uint8)[..., None]


def _opencv_gray(rgb):
    if rgb.shape[2] == 1:
        return rgb
    return _gray_u8(rgb, (4899, 9617, 1868), 14)


def _decode_native(buf, suffix):
    """.npy and Netpbm bytes with gluon.data.vision's own reader (it reads files)."""
    from ..gluon.data.vision._imageio import imread_numpy
    fd, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(buf)
        img = imread_numpy(path, 1)
    finally:
        os.remove(path)
    return _to_uint8(img)


def _to_uint8(img):
    if img.dtype == np.uint8:
        return img
    if img.dtype == np.uint16:  # as OpenCV's 8-bit conversion: the high byte
        return (img >> 8).astype(np.uint8)
    if img.dtype.kind == 'f':
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)
    return np.clip(img, 0, 255).astype(np.uint8)


def _decode_pillow(buf, flag):
    image_mod = _pillow()
    try:
        im = image_mod.open(io.BytesIO(buf))
        if flag == 0 and im.format == 'JPEG':
            im.draft('L', im.size)  # libjpeg decodes luma directly, as OpenCV
        im.load()
    except Exception as err:  # Pillow raises UnidentifiedImageError, OSError, SyntaxError...
        raise DistGluError("Decoding failed. Invalid image file. (%s)" % (err,)) from err
    fmt = im.format
    if im.mode in ('I;16', 'I;16B', 'I;16L', 'I;16N', 'I'):
        arr = _to_uint8(np.asarray(im).astype(np.uint16, copy=False))
        rgb = np.repeat(arr[..., None], 3, axis=2)
    elif flag == 0 and im.mode == 'L':
        return np.asarray(im)[..., None]
    else:
        rgb = np.asarray(im.convert('RGB'))
    if flag:
        return np.ascontiguousarray(rgb)
    if fmt == 'PNG':
        return _gray_u8(rgb, (9797, 19234, 3737), 15)
    return _opencv_gray(rgb)


def decode_numpy(buf, flag=1, to_rgb=True):
    """Decode image bytes into an (H, W, C) uint8 NumPy array (see the module docstring)."""
    buf = bytes(buf)
    if not buf:
        raise DistGluError("Input cannot be an empty buffer")
    if buf[:6] == _NPY:
        img = _decode_native(buf, '.npy')
    elif buf[:2] in _PNM:
        img = _decode_native(buf, '.pnm')
    else:
        img = _decode_pillow(buf, flag)
    if flag and img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    elif not flag and img.shape[2] == 3:
        img = _opencv_gray(img)
    if flag and not to_rgb:
        img = img[:, :, ::-1]
    return np.ascontiguousarray(img)


def _check_flag(flag):
    if isinstance(flag, bool) or not isinstance(flag, (int, np.integer)) or flag < 0:
        raise DistGluError("value %s for Parameter flag should be greater equal to 0 (flag: "
                           "convert the decoded image to grayscale (0) or color (1))" % (flag,))


def _finish(img, out):
    res = NDArray._wrap(img, cpu())
    if out is None:
        return res
    if not isinstance(out, NDArray):
        raise DistGluError("out: expected an NDArray, got %s" % type(out).__name__)
    if out.shape != res.shape or out.dtype != np.uint8:
        raise DistGluError("out: expected a uint8 array of shape %s, got %s of shape %s"
                           % (res.shape, np.dtype(out.dtype).name, out.shape))
    out._check_inplace()
    out._data[...] = _as_module(img, out)
    return out


def _as_module(img, out):
    """``img`` (NumPy) as an array of ``out``'s module (CuPy for a GPU ``out``)."""
    if isinstance(out._data, np.ndarray):
        return img
    from ..context import array_module
    return array_module(out._data).asarray(img)


def imdecode(buf, flag=1, to_rgb=True, out=None):
    """Decode an image from ``buf`` (bytes, bytearray, a uint8 NumPy array or a uint8 NDArray)
    into an (H, W, 3) RGB uint8 NDArray on cpu, (H, W, 1) for ``flag=0``, BGR for
    ``to_rgb=False`` (``mx.image.imdecode``)."""
    if isinstance(buf, NDArray):
        if buf.dtype != np.uint8:
            raise DistGluError("imdecode: Input needs to be uint8 buffer, got an NDArray of "
                               "dtype %s" % np.dtype(buf.dtype).name)
        buf = buf.asnumpy().tobytes()
    elif isinstance(buf, np.ndarray):
        buf = np.ascontiguousarray(buf).tobytes()
    elif not isinstance(buf, (bytes, bytearray, memoryview)):
        raise DistGluValueError('buf must be of type bytes, bytearray or numpy.ndarray,'
                                'if you would like to input type str, please convert to bytes')
    _check_flag(flag)
    return _finish(decode_numpy(buf, flag, to_rgb), out)


def imread(filename, flag=1, to_rgb=True, out=None):
    """Read and decode the image file ``filename`` (``mx.image.imread``): an (H, W, 3) RGB
    uint8 NDArray, (H, W, 1) for ``flag=0``, BGR for ``to_rgb=False``. ``.npy`` and Netpbm
    files are read without Pillow."""
    _check_flag(flag)
    path = os.fspath(filename)
    try:
        with open(path, 'rb') as f:
            buf = f.read()
    except OSError as err:
        raise DistGluError("Imread: '%s' couldn't open file: %s" % (path, err.strerror)) from err
    try:
        img = decode_numpy(buf, flag, to_rgb)
    except DistGluError as err:
        raise DistGluError("imread %r: %s" % (path, err)) from err
    return _finish(img, out)
