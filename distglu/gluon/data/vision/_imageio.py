"""Image file decoding for ``ImageFolderDataset`` without new dependencies.

Supported: ``.npy`` (an HxW or HxWxC array, read with ``allow_pickle=False``), Netpbm
``.pgm``/``.ppm``/``.pnm`` (P2, P3, P5, P6; 8 or 16 bit), and ``.png``/``.jpg``/``.jpeg``/``.bmp``
when Pillow is importable (a clear error otherwise). Every decoder returns an HxWxC NumPy array,
RGB channel order as ``mx.image.imread``: C=3 for ``flag=1``, C=1 for ``flag=0``.
"""
import os

import numpy as np

from .._errors import DataValueError

__all__ = ['imread_numpy', 'BUILTIN_EXTS', 'PILLOW_EXTS']

BUILTIN_EXTS = ('.npy', '.pgm', '.ppm', '.pnm')
PILLOW_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')

# ITU-R BT.601 luma, as OpenCV's RGB->gray conversion
_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def _channels(img, flag, path):
    """Convert an HxW or HxWxC array to C=3 (flag=1) or C=1 (flag=0)."""
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise DataValueError("image %r: expected an array of shape (H, W), (H, W, 1), (H, W, 3) "
                             "or (H, W, 4), got shape %s" % (path, img.shape))
    if img.shape[2] == 4:  # drop alpha
        img = img[:, :, :3]
    if flag:
        if img.shape[2] == 1:
            img = np.repeat(img, 3, axis=2)
        return np.ascontiguousarray(img)
    if img.shape[2] == 3:
        gray = img.astype(np.float32) @ _LUMA
        if img.dtype == np.uint8:
            gray = np.clip(np.rint(gray), 0, 255).astype(np.uint8)
        else:
            gray = gray.astype(img.dtype)
        img = gray[:, :, None]
    return np.ascontiguousarray(img)


def _pnm_tokens(buf, count, pos):
    """Read ``count`` whitespace-separated header tokens (skipping # comments) from ``pos``."""
    tokens = []
    n = len(buf)
    while len(tokens) < count:
        while pos < n and buf[pos:pos + 1].isspace():
            pos += 1
        if pos < n and buf[pos:pos + 1] == b'#':
            while pos < n and buf[pos:pos + 1] not in (b'\n', b'\r'):
                pos += 1
            continue
        start = pos
        while pos < n and not buf[pos:pos + 1].isspace() and buf[pos:pos + 1] != b'#':
            pos += 1
        if start == pos:
            raise ValueError("truncated header")
        tokens.append(buf[start:pos])
    return tokens, pos


def _read_pnm(path):
    with open(path, 'rb') as f:
        buf = f.read()
    magic = buf[:2]
    if magic not in (b'P2', b'P3', b'P5', b'P6'):
        raise DataValueError("image %r: expected a Netpbm file starting with P2, P3, P5 or P6 "
                             "(gray/color), got %r" % (path, magic))
    channels = 3 if magic in (b'P3', b'P6') else 1
    try:
        (w, h, maxval), pos = _pnm_tokens(buf, 3, 2)
        w, h, maxval = int(w), int(h), int(maxval)
    except ValueError as err:
        raise DataValueError("image %r: malformed Netpbm header (%s)" % (path, err)) from err
    if not (w > 0 and h > 0 and 0 < maxval < 65536):
        raise DataValueError("image %r: bad Netpbm size %dx%d or maxval %d" % (path, w, h, maxval))
    count = w * h * channels
    if magic in (b'P5', b'P6'):
        dtype = np.dtype('u1') if maxval < 256 else np.dtype('>u2')
        pos += 1  # one whitespace byte ends the header
        need = count * dtype.itemsize
        if len(buf) - pos < need:
            raise DataValueError("image %r: truncated Netpbm data: %d bytes for %dx%dx%d, "
                                 "need %d" % (path, len(buf) - pos, h, w, channels, need))
        data = np.frombuffer(buf, dtype=dtype, count=count, offset=pos)
    else:
        try:
            data = np.array(buf[pos:].split()[:count], dtype=np.int64)
        except ValueError as err:
            raise DataValueError("image %r: bad ASCII Netpbm data (%s)" % (path, err)) from err
        if data.size != count:
            raise DataValueError("image %r: truncated Netpbm data: %d values, need %d"
                                 % (path, data.size, count))
    data = data.reshape(h, w, channels)
    if maxval != 255:
        data = (data.astype(np.float64) * (255.0 / maxval) + 0.5).astype(np.uint8)
    return data.astype(np.uint8, copy=False)


def _read_pillow(path, flag):
    try:
        from PIL import Image
    except ImportError as err:
        raise DataValueError(
            "image %r: decoding PNG/JPEG/BMP needs Pillow, which is not installed "
            "(pip install Pillow); without it ImageFolderDataset reads .npy and .ppm/.pgm/.pnm "
            "files" % (path,)) from err
    with Image.open(path) as im:
        return np.asarray(im.convert('RGB' if flag else 'L'))


def imread_numpy(path, flag=1):
    """Decode the image file ``path`` into an HxWxC NumPy array (C=3 if ``flag`` else 1)."""
    ext = os.path.splitext(path)[1].lower()
    if ext == '.npy':
        img = np.load(path, allow_pickle=False)
    elif ext in ('.pgm', '.ppm', '.pnm'):
        img = _read_pnm(path)
    elif ext in PILLOW_EXTS and not flag:
        # grey as OpenCV (MXNet) makes it per format, which Pillow's convert('L') is not
        from ....image._codec import decode_numpy
        with open(path, 'rb') as f:
            img = decode_numpy(f.read(), flag=0)
    elif ext in PILLOW_EXTS:
        img = _read_pillow(path, flag)
    else:
        raise DataValueError("image %r: unsupported file type %r; supported: %s"
                             % (path, ext, ', '.join(BUILTIN_EXTS + PILLOW_EXTS)))
    return _channels(img, flag, path)
