"""Helpers of NDArrayIter (``mxnet.io.utils``): turning its inputs into a sorted list of
``(name, NDArray)`` and reordering them by an index."""
import numpy as np

from ..base import DistGluAssertionError, DistGluError, DistGluTypeError
from ..context import array_module, device_scope
from ..ndarray import NDArray, array

__all__ = []


def _init_data(data, allow_empty, default_name):
    """``data`` (an array, a list of arrays or a dict name -> array) as a list of
    ``(name, NDArray)`` sorted by name, as MXNet: one array is named ``default_name``,
    the arrays of a list ``_0_<default_name>``, ``_1_<default_name>``, ... NumPy arrays and
    lists become float32 NDArrays; NDArrays are kept as they are (not copied)."""
    if data is None:
        if not allow_empty:
            raise DistGluAssertionError(
                "NDArrayIter: data is required (an NDArray, a numpy.ndarray, a list of them or "
                "a dict name -> array), got None")
        data = []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, (list, tuple)):
        if len(data) == 1:
            data = {default_name: data[0]}
        else:
            data = {'_%d_%s' % (i, default_name): d for i, d in enumerate(data)}
    if not isinstance(data, dict):
        raise DistGluTypeError("Input must be NDArray, numpy.ndarray, h5py.Dataset a list of "
                               "them or dict with them as values; got %s" % type(data).__name__)
    if not data and not allow_empty:
        raise DistGluAssertionError("NDArrayIter: data is empty: expected at least one array")
    items = []
    for name, value in data.items():
        if not isinstance(value, NDArray):
            try:
                value = array(value)
            except (DistGluError, TypeError, ValueError) as err:
                raise DistGluTypeError(
                    "Invalid type '%s' for %s, should be NDArray, numpy.ndarray or h5py.Dataset"
                    % (type(value), name)) from err
        items.append((name, value))
    return sorted(items, key=lambda item: item[0])


def _has_instance(data, dtype):
    """True if one of the arrays of ``data`` (a list of ``(name, array)``) is a ``dtype``."""
    return any(isinstance(arr, dtype) for _, arr in data)


def _getdata_by_idx(data, idx, axis=0):
    """``data`` (a list of ``(name, NDArray)``) with its examples reordered by ``idx``
    (a permutation along ``axis``). As MXNet, the result is float32 whatever the dtype was."""
    out = []
    for name, arr in data:
        raw = arr._data
        xp = array_module(raw)
        with device_scope(arr._ctx):
            if axis == 0 and xp is np:
                taken = raw[idx]
            else:
                taken = xp.take(raw, xp.asarray(idx), axis=axis)
            out.append((name, NDArray._wrap(taken.astype(np.float32, copy=False), arr._ctx)))
    return out
