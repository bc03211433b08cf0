"""Gluon utilities (``mxnet.gluon.utils``): batch splitting, gradient clipping, files."""
import hashlib
import math
import os

import numpy as np

from ..base import DistGluAssertionError, DistGluError, DistGluValueError
from .. import ndarray as nd
from ..ndarray.ndarray import NDArray
from .block import HookHandle
from .parameter import shape_is_known

__all__ = ['split_data', 'split_and_load', 'clip_global_norm', 'check_sha1', 'download',
           'replace_file', 'shape_is_known', 'HookHandle']


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """Split ``data`` into ``num_slice`` slices along ``batch_axis``.

    With ``even_split`` the size along the axis must be divisible by ``num_slice``;
    otherwise the first ``size % num_slice`` slices get one extra element and, with more
    slices than elements, the last ones are empty (MXNet 1.9.1).
    """
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise DistGluValueError(
            "data with shape %s cannot be evenly split into %d slices along axis %d. Use a "
            "batch size that's multiple of %d or set even_split=False to allow uneven "
            "partitioning of data." % (str(data.shape), num_slice, batch_axis, num_slice))
    div, mod = divmod(size, num_slice)
    bounds = [0]
    for i in range(num_slice):
        bounds.append(bounds[-1] + div + (1 if i < mod else 0))
    if batch_axis == 0:
        return [data[bounds[i]:bounds[i + 1]] for i in range(num_slice)]
    return [nd.slice_axis(data, batch_axis, bounds[i], bounds[i + 1]) for i in range(num_slice)]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Split ``data`` along ``batch_axis`` and load one slice onto each context."""
    if not isinstance(data, NDArray):
        data = nd.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [i.as_in_context(ctx) for i, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Rescale ``arrays`` in place so that their joint 2-norm is at most ``max_norm``.

    Returns the total norm before clipping: a NumPy float32 with ``check_isfinite`` (NaN
    or inf gives a warning), else an NDArray of shape (1,) on the first array's context,
    as MXNet.
    """
    if not arrays:
        raise DistGluAssertionError("clip_global_norm: expected a non-empty list of NDArrays")
    ctx = arrays[0].context
    total = 0.0
    for a in arrays:
        d = a.as_in_context(ctx).asnumpy() if a.context != ctx else a.asnumpy()
        total += float(np.dot(d.ravel().astype(np.float64), d.ravel().astype(np.float64)))
    total_norm = math.sqrt(total)
    if check_isfinite and not np.isfinite(total_norm):
        import warnings
        warnings.warn(UserWarning('nan or inf is detected. Clipping results will be '
                                  'undefined.'), stacklevel=2)
    scale = max_norm / (total_norm + 1e-8)
    if scale < 1.0:
        with np.errstate(invalid='ignore'):  # inf * 0 -> nan, already warned about above
            for a in arrays:
                a._data *= a._data.dtype.type(scale)
    if not check_isfinite:
        return nd.array([total_norm], ctx=ctx, dtype=arrays[0].dtype)
    return np.float32(total_norm)  # MXNet returns the norm as a NumPy float32


def check_sha1(filename, sha1_hash):
    """True if the file's SHA-1 matches ``sha1_hash``."""
    sha1 = hashlib.sha1()
    with open(filename, 'rb') as f:
        while True:
            data = f.read(1048576)
            if not data:
                break
            sha1.update(data)
    return sha1.hexdigest() == sha1_hash


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Download ``url`` to ``path`` (atomically: a temporary file, then a rename)."""
    import urllib.request
    fname = url.split('/')[-1] if path is None else path
    if path is not None and os.path.isdir(path):
        fname = os.path.join(path, url.split('/')[-1])
    if os.path.exists(fname) and not overwrite and (not sha1_hash or check_sha1(fname,
                                                                                  sha1_hash)):
        return fname
    dirname = os.path.dirname(os.path.abspath(os.path.expanduser(fname)))
    os.makedirs(dirname, exist_ok=True)
    last = None
    for _ in range(max(1, retries)):
        tmp = fname + '.part'
        try:
            with urllib.request.urlopen(url) as r, open(tmp, 'wb') as f:
                while True:
                    chunk = r.read(1 << 20)
                    if not chunk:
                        break
                    f.write(chunk)
            if sha1_hash and not check_sha1(tmp, sha1_hash):
                raise DistGluError("File {} is downloaded but the content hash does not "
                                   "match. The repo may be outdated or download may be "
                                   "incomplete.".format(fname))
            os.replace(tmp, fname)
            return fname
        except Exception as err:  # retried, then re-raised below with the last cause
            last = err
            if os.path.exists(tmp):
                os.unlink(tmp)
    raise DistGluError("download of %s failed after %d tries: %s" % (url, retries, last))


def replace_file(src, dst):
    """Move ``src`` to ``dst`` atomically, replacing ``dst`` if it exists (MXNet's
    ``gluon.utils.replace_file``; ``os.replace`` on every platform)."""
    os.replace(src, dst)
