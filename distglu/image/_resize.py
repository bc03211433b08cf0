"""Image resizing as OpenCV's ``cv::resize`` does it (MXNet's ``imresize`` and ``Resize``).

``resize_raw(raw, width, height, interp)`` resizes the H and W axes (-3, -2) of an
(..., H, W, C) NumPy or CuPy array. The OpenCV codes are all implemented:

- 0 nearest: source index ``floor(dst * scale)``;
- 1 bilinear, 2 bicubic (a = -0.75, 4 taps), 4 Lanczos (8 taps): half-pixel centres
  ``src = (dst + 0.5) * scale - 0.5``, border pixels replicated;
- 3 area: pixel-area averaging when shrinking on both axes (block means for integer factors),
  OpenCV's area-weighted linear interpolation otherwise.

uint8 images follow OpenCV's fixed-point arithmetic (11-bit weights; the vertical pass as
OpenCV's SSE2 code, which rounds in float for the first multiple of 8 values of a row and in
integers for the rest). On the images checked against MXNet 1.9.1 (OpenCV 3.4.2; uint8 and
float32, 1 and 3 channels, up, down and mixed scaling) uint8 results are identical and float32
results agree to a few units in the last place. Other OpenCV builds may differ by 1 on some
uint8 pixels.
"""
import math

import numpy as np

from ..base import DistGluError
from ..context import array_module

__all__ = ['resize_raw', 'INTERP_NAMES']

INTERP_NAMES = {0: 'nearest', 1: 'bilinear', 2: 'bicubic', 3: 'area', 4: 'lanczos4'}

_COEF_SCALE = np.float32(2048)  # OpenCV's INTER_RESIZE_COEF_SCALE (11 bits)
_DBL_EPS = np.finfo(np.float64).eps


def _saturate(y, dtype):
    """Float/int results -> ``dtype``: integer types clipped to their range (then truncated)."""
    dtype = np.dtype(dtype)
    if dtype.kind in 'iu':
        info = np.iinfo(dtype)
        xp = array_module(y)
        y = xp.clip(y, info.min, info.max)
    return y.astype(dtype, copy=False)


def _cubic_coeffs(x):
    """OpenCV's bicubic weights (a = -0.75) for fractions ``x`` (float32), shape (4, n)."""
    f = np.float32
    a = f(-0.75)
    x1 = x + f(1)
    c0 = ((a * x1 - f(5) * a) * x1 + f(8) * a) * x1 - f(4) * a
    c1 = ((a + f(2)) * x - (a + f(3))) * x * x + f(1)
    y = f(1) - x
    c2 = ((a + f(2)) * y - (a + f(3))) * y * y + f(1)
    c3 = f(1) - c0 - c1 - c2
    return np.stack([c0, c1, c2, c3]).astype(np.float32)


_S45 = 0.70710678118654752440084436210485
_LANCZOS_CS = np.array([(1, 0), (-_S45, -_S45), (0, 1), (_S45, -_S45), (-1, 0), (_S45, _S45),
                        (0, -1), (-_S45, _S45)])


def _lanczos4_coeffs(x):
    """OpenCV's Lanczos-4 weights for fractions ``x`` (float32), shape (8, n), normalized to
    sum 1 in float32 as OpenCV does."""
    xd = x.astype(np.float64)
    y0 = -(xd + 3) * np.pi * 0.25
    s0, c0 = np.sin(y0), np.cos(y0)
    y = -(xd[None, :] + 3 - np.arange(8)[:, None]) * np.pi * 0.25
    with np.errstate(divide='ignore', invalid='ignore'):
        coef = ((_LANCZOS_CS[:, :1] * s0 + _LANCZOS_CS[:, 1:] * c0) / (y * y)).astype(np.float32)
    total = np.zeros(x.shape, np.float32)
    for k in range(8):  # float32 running sum, in OpenCV's order
        total += coef[k]
    with np.errstate(divide='ignore', invalid='ignore'):
        coef *= np.float32(1) / total
    exact = x < np.finfo(np.float32).eps
    coef[:, exact] = 0
    coef[3, exact] = 1
    return coef


def _linear_taps(n_out, n_in, area_mode, clamp):
    """Source indices (2, n) and float32 weights (2, n) of bilinear interpolation along one
    axis; ``area_mode`` uses OpenCV's INTER_AREA coefficients for enlarging. OpenCV clamps the
    weights at the borders only along W (``clamp``); rows are clamped when fetched."""
    scale = 1.0 / (n_out / n_in)
    dst = np.arange(n_out)
    if area_mode:
        i0 = np.floor(dst * scale).astype(np.int64)
        frac = ((dst + 1) - (i0 + 1) * (n_out / n_in)).astype(np.float32)
        frac = np.where(frac <= 0, np.float32(0), frac - np.floor(frac)).astype(np.float32)
    else:
        src = ((dst + 0.5) * scale - 0.5).astype(np.float32)
        i0 = np.floor(src).astype(np.int64)
        frac = (src - i0).astype(np.float32)
    if clamp:
        low = i0 < 0
        frac[low], i0[low] = 0, 0
        high = i0 >= n_in - 1
        frac[high], i0[high] = 0, n_in - 1
    idx = np.clip(np.stack([i0, i0 + 1]), 0, n_in - 1)
    return idx, np.stack([np.float32(1) - frac, frac])


def _kernel_taps(n_out, n_in, ksize):
    """Source indices and float32 weights, each (ksize, n_out), of the bicubic (4) or
    Lanczos (8) kernel along one axis; out-of-range taps read the border pixel."""
    scale = 1.0 / (n_out / n_in)
    src = ((np.arange(n_out) + 0.5) * scale - 0.5).astype(np.float32)
    i0 = np.floor(src).astype(np.int64)
    frac = (src - i0).astype(np.float32)
    coef = _cubic_coeffs(frac) if ksize == 4 else _lanczos4_coeffs(frac)
    idx = np.clip(i0[None, :] - ksize // 2 + 1 + np.arange(ksize)[:, None], 0, n_in - 1)
    return idx, coef


def _area_table(n_out, n_in, scale):
    """Dense (n_out, K) source indices and float32 weights of OpenCV's area decimation along
    one axis (entries padded with weight 0)."""
    rows = []
    for d in range(n_out):
        f1 = d * scale
        f2 = f1 + scale
        cell = min(scale, n_in - f1)
        s1, s2 = int(math.ceil(f1)), int(math.floor(f2))
        s2 = min(s2, n_in - 1)
        s1 = min(s1, s2)
        ent = []
        if s1 - f1 > 1e-3:
            ent.append((s1 - 1, (s1 - f1) / cell))
        ent.extend((s, 1.0 / cell) for s in range(s1, s2))
        if f2 - s2 > 1e-3:
            ent.append((s2, min(min(f2 - s2, 1.0), cell) / cell))
        rows.append(ent)
    k = max(len(r) for r in rows)
    idx = np.zeros((n_out, k), np.int64)
    wt = np.zeros((n_out, k), np.float32)
    for d, ent in enumerate(rows):
        for j, (s, a) in enumerate(ent):
            idx[d, j], wt[d, j] = s, a
    return idx, wt


def _separable(raw, xi, xa, yi, yb, xp):
    """Float separable filter: along W with taps (xi, xa), then along H with (yi, yb); taps
    are (k, n) arrays, summed in order as OpenCV."""
    wt = np.float64 if raw.dtype == np.float64 else np.float32
    x = raw.astype(wt, copy=False)
    xa, yb = xp.asarray(xa.astype(wt)), xp.asarray(yb.astype(wt))
    xi, yi = xp.asarray(xi), xp.asarray(yi)
    rows = xp.take(x, xi[0], axis=-2) * xa[0][:, None]
    for k in range(1, xi.shape[0]):
        rows += xp.take(x, xi[k], axis=-2) * xa[k][:, None]
    out = xp.take(rows, yi[0], axis=-3) * yb[0][:, None, None]
    for k in range(1, yi.shape[0]):
        out += xp.take(rows, yi[k], axis=-3) * yb[k][:, None, None]
    return out


def _fixed_rows(raw, xi, xa, xp):
    """uint8 horizontal pass: int32 sums of pixels times 11-bit integer weights."""
    ia = xp.asarray(np.rint(xa * _COEF_SCALE).astype(np.int32))
    xi = xp.asarray(xi)
    x = raw.astype(np.int32)
    rows = xp.take(x, xi[0], axis=-2) * ia[0][:, None]
    for k in range(1, xi.shape[0]):
        rows += xp.take(x, xi[k], axis=-2) * ia[k][:, None]
    return rows


def _resize_linear_u8(raw, xi, xa, yi, yb, xp):
    """OpenCV's uint8 bilinear: 11-bit weights, the vertical pass in 16-bit steps (SSE2)."""
    rows = _fixed_rows(raw, xi, xa, xp)
    rows >>= 4
    ib = xp.asarray(np.rint(yb * _COEF_SCALE).astype(np.int32))
    yi = xp.asarray(yi)
    top = xp.take(rows, yi[0], axis=-3) * ib[0][:, None, None]
    bottom = xp.take(rows, yi[1], axis=-3) * ib[1][:, None, None]
    top >>= 16
    bottom >>= 16
    top += bottom
    top += 2
    top >>= 2
    return _saturate(top, np.uint8)


def _resize_kernel_u8(raw, xi, xa, yi, yb, ksize, xp):
    """OpenCV's uint8 bicubic/Lanczos: integer horizontal pass; the vertical pass rounds
    ``sum >> 22`` in integers, except bicubic's SSE2 part (the first multiple of 8 values of
    each output row), which sums in float32 and rounds half to even."""
    rows = _fixed_rows(raw, xi, xa, xp)
    ib = np.rint(yb * _COEF_SCALE).astype(np.int64)
    yi = xp.asarray(yi)
    acc = xp.take(rows, yi[0], axis=-3).astype(np.int64) * xp.asarray(ib[0])[:, None, None]
    for k in range(1, ksize):
        acc += xp.take(rows, yi[k], axis=-3) * xp.asarray(ib[k])[:, None, None]
    acc += 1 << 21
    acc >>= 22
    out = _saturate(acc, np.uint8)
    width = raw.shape[-1] * xi.shape[1]  # values per output row
    nvec = (width // 8) * 8
    if ksize != 4 or nvec == 0:
        return out
    bs = xp.asarray((ib.astype(np.float32) * np.float32(1.0 / (2048 * 2048))).astype(np.float32))
    rf = rows.astype(np.float32)
    s = xp.take(rf, yi[0], axis=-3) * bs[0][:, None, None]
    for k in range(1, ksize):
        s += xp.take(rf, yi[k], axis=-3) * bs[k][:, None, None]
    vec = _saturate(xp.rint(s), np.uint8)
    shape = out.shape
    flat_out = out.reshape(shape[:-2] + (-1,))
    flat_out[..., :nvec] = vec.reshape(shape[:-2] + (-1,))[..., :nvec]
    return flat_out.reshape(shape)


def _resize_area_shrink(raw, width, height, sx, sy, xp):
    """INTER_AREA when shrinking on both axes: block means for integer factors, else
    OpenCV's area-weighted sums (float32)."""
    h, w = raw.shape[-3], raw.shape[-2]
    ix, iy = int(round(sx)), int(round(sy))
    if abs(sx - ix) < _DBL_EPS and abs(sy - iy) < _DBL_EPS:
        lead = raw.shape[:-3]
        cn = raw.shape[-1]
        blocks = raw[..., :height * iy, :width * ix, :].reshape(
            lead + (height, iy, width, ix, cn))
        if raw.dtype == np.uint8:
            s = blocks.astype(np.int32).sum(axis=(-4, -2))
            if ix == 2 and iy == 2:  # OpenCV's 2x2 path rounds half up
                s += 2
                s >>= 2
                return _saturate(s, np.uint8)
            return _saturate(xp.rint(s.astype(np.float32) * np.float32(1.0 / (ix * iy))),
                             np.uint8)
        wt = np.float64 if raw.dtype == np.float64 else np.float32
        s = blocks.astype(wt).sum(axis=(-4, -2))
        s *= wt(1.0 / (ix * iy))
        return _finish_float(s, raw.dtype, xp)
    xi, xa = _area_table(width, w, sx)
    yi, yb = _area_table(height, h, sy)
    out = _separable(raw, xi.T, xa.T, yi.T, yb.T, xp)
    return _finish_float(out, raw.dtype, xp)


def _finish_float(out, dtype, xp):
    """Float result -> the image dtype (integers rounded to nearest, then saturated)."""
    if np.dtype(dtype).kind in 'iu':
        out = xp.rint(out)
    return _saturate(out, dtype)


def resize_raw(raw, width, height, interp=1):
    """Resize the H and W axes (-3, -2) of an (..., H, W, C) array to (height, width) with
    OpenCV interpolation code ``interp`` (0 nearest, 1 bilinear, 2 bicubic, 3 area,
    4 Lanczos). Returns a new array of the same dtype."""
    if interp not in INTERP_NAMES:
        raise DistGluError("resize: interpolation must be an OpenCV code 0 (nearest), "
                           "1 (bilinear), 2 (bicubic), 3 (area) or 4 (Lanczos), got %r"
                           % (interp,))
    width, height = int(width), int(height)
    if width <= 0 or height <= 0:
        raise DistGluError("resize: the output size must be positive, got width=%d, height=%d"
                           % (width, height))
    h, w = raw.shape[-3], raw.shape[-2]
    if h == 0 or w == 0:
        raise DistGluError("resize: cannot resize an empty image of shape %s" % (raw.shape,))
    if (h, w) == (height, width):
        return raw.copy()
    xp = array_module(raw)
    u8 = raw.dtype == np.uint8
    if interp == 0:
        yi = np.minimum(np.floor(np.arange(height) * (1.0 / (height / h))).astype(np.int64), h - 1)
        xi = np.minimum(np.floor(np.arange(width) * (1.0 / (width / w))).astype(np.int64), w - 1)
        return xp.take(xp.take(raw, xp.asarray(yi), axis=-3), xp.asarray(xi), axis=-2)
    sx, sy = 1.0 / (width / w), 1.0 / (height / h)
    if interp == 3 and sx >= 1 and sy >= 1:
        return _resize_area_shrink(raw, width, height, sx, sy, xp)
    if interp in (1, 3):
        xi, xa = _linear_taps(width, w, interp == 3, True)
        yi, yb = _linear_taps(height, h, interp == 3, False)
        if u8:
            return _resize_linear_u8(raw, xi, xa, yi, yb, xp)
        return _finish_float(_separable(raw, xi, xa, yi, yb, xp), raw.dtype, xp)
    ksize = 4 if interp == 2 else 8
    xi, xa = _kernel_taps(width, w, ksize)
    yi, yb = _kernel_taps(height, h, ksize)
    if u8:
        return _resize_kernel_u8(raw, xi, xa, yi, yb, ksize, xp)
    return _finish_float(_separable(raw, xi, xa, yi, yb, xp), raw.dtype, xp)
