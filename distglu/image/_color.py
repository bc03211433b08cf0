"""Color adjustments of images, as MXNet's ``image`` operators compute them.

Each takes a float work array (..., H, W, C) with C = 1 or 3 and a factor, and returns the
adjusted float array (possibly the same buffer): brightness, contrast and saturation
(``transforms.RandomBrightness`` ...), and the HLS hue rotation of MXNet's ``random_hue``
reproduced step by step in float32.
"""
import numpy as np

from ..context import array_module

__all__ = ['adjust_brightness', 'adjust_contrast', 'adjust_saturation', 'adjust_hue']

LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601, as MXNet's color ops


def luma(xp, x):
    """Per-pixel luma (..., H, W, 1) of an RGB float image (the image itself if 1 channel)."""
    if x.shape[-1] == 1:
        return x
    weights = xp.asarray(np.array(LUMA, dtype=x.dtype))
    return (x @ weights)[..., None]


def adjust_brightness(x, alpha):
    """``alpha * x``."""
    x *= alpha
    return x


def adjust_contrast(x, alpha):
    """``alpha * x + (1 - alpha) * mean luma`` (over the whole image, per image of a batch)."""
    gray = luma(array_module(x), x).mean(axis=(-3, -2, -1), keepdims=True)
    x *= alpha
    x += gray * (1 - alpha)
    return x


def adjust_saturation(x, alpha):
    """``alpha * x + (1 - alpha) * luma`` per pixel (MXNet 1.9.1 uses 0.114 * B only as the
    gray value, a bug in its kernel; distglu uses the full luma)."""
    if x.shape[-1] == 1:
        return x
    gray = luma(array_module(x), x)
    x *= alpha
    x += gray * (1 - alpha)
    return x


# MXNet's HLS -> RGB sector table: indices into (p2, p1, falling, rising) for B, G, R
_HLS_SECTORS = np.array([[1, 3, 0], [1, 0, 2], [3, 0, 1], [0, 2, 1], [0, 1, 3], [2, 1, 0]])


def adjust_hue(x, alpha):
    """Rotate the hue by ``alpha * 360`` degrees in HLS space, MXNet's float32 arithmetic
    step by step (values are divided by 255 on the way in and multiplied on the way out, as
    MXNet does, whatever the range of the image). 1-channel images are returned unchanged."""
    if x.shape[-1] == 1:
        return x
    xp = array_module(x)
    f = np.float32
    x = x.astype(f, copy=False)
    r, g, b = x[..., 0] / f(255), x[..., 1] / f(255), x[..., 2] / f(255)
    vmax = xp.fmax(xp.fmax(r, g), b)
    vmin = xp.fmin(xp.fmin(r, g), b)
    diff = vmax - vmin
    lum = (vmax + vmin) * f(0.5)
    colored = diff > np.finfo(f).eps
    with np.errstate(divide='ignore', invalid='ignore'):
        s = (lum < f(0.5)).astype(f) * diff / (vmax + vmin)
        s += (lum >= f(0.5)).astype(f) * diff / (f(2) - vmax - vmin)
        d = f(60) / diff
        is_r = vmax == r
        is_g = ~is_r & (vmax == g)
        h = is_r.astype(f) * (g - b) * d
        h += is_g.astype(f) * ((b - r) * d + f(120))
        h += (~is_r & ~is_g).astype(f) * ((r - g) * d + f(240))
    h += (h < 0).astype(f) * f(360)
    h = xp.where(colored, h, f(0))
    s = xp.where(colored, s, f(0))
    h += f(alpha) * f(360)
    p2 = (lum <= f(0.5)).astype(f) * lum * (f(1) + s)
    p2 += (lum > f(0.5)).astype(f) * (lum + s - lum * s)
    p1 = f(2) * lum - p2
    h *= f(1) / f(60)
    while bool((h < 0).any()):  # MXNet wraps by repeated +-6: a few passes at most
        h = xp.where(h < 0, h + f(6), h)
    while bool((h >= 6).any()):
        h = xp.where(h >= 6, h - f(6), h)
    sector = h.astype(np.int64)
    h -= sector.astype(f)
    tab = xp.stack([p2, p1, p1 + (p2 - p1) * (f(1) - h), p1 + (p2 - p1) * h])
    pick = xp.moveaxis(xp.asarray(_HLS_SECTORS)[sector], -1, 0)  # (3, ...) for B, G, R
    bgr = xp.take_along_axis(tab, pick, axis=0)
    out = xp.stack([bgr[2], bgr[1], bgr[0]], axis=-1)
    out = xp.where((s == 0)[..., None], lum[..., None], out)
    out *= f(255)
    return out
