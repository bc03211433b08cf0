"""Errors and dtype helpers shared by every layer of distglu."""
import numpy as np

__all__ = ['DistGluError', 'MXNetError', 'DistGluValueError', 'DistGluTypeError',
           'DistGluAssertionError', 'DistGluIndexError', 'numeric_types', 'integer_types', 'string_types',
           'normalize_dtype', 'dtype_name']


class DistGluError(RuntimeError):
    """Base class of every error distglu raises on purpose (MXNet's ``MXNetError``, which
    is a RuntimeError too: ``except RuntimeError`` catches both)."""


MXNetError = DistGluError


class DistGluValueError(DistGluError, ValueError):
    """A bad value where MXNet raises ValueError: ``except ValueError`` still catches it."""


class DistGluAssertionError(DistGluError, AssertionError):
    """A failed check where MXNet 1.x fails an ``assert``: ``except AssertionError``
    still catches it."""


class DistGluIndexError(DistGluError, IndexError):
    """An out-of-range or malformed index where MXNet raises IndexError."""


class DistGluTypeError(DistGluError, TypeError):
    """A bad type where MXNet raises TypeError: ``except TypeError`` still catches it."""

numeric_types = (float, int, np.generic)
integer_types = (int, np.integer)
string_types = (str,)

# dtypes MXNet 1.x NDArrays can hold
_SUPPORTED = {np.dtype(t) for t in (np.float16, np.float32, np.float64, np.int8,
                                    np.uint8, np.int32, np.int64, np.bool_)}


def normalize_dtype(dtype, default=np.float32):
    """Return a ``numpy.dtype`` for a dtype given as a name, a type or None."""
    if dtype is None:
        return np.dtype(default)
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise DistGluError("dtype: expected one of float16, float32, float64, int8, uint8, "
                           "int32, int64, bool; got %r" % (dtype,)) from err
    if dt not in _SUPPORTED:
        raise DistGluError("dtype: expected one of float16, float32, float64, int8, uint8, "
                           "int32, int64, bool; got %s" % dt)
    return dt


def dtype_name(dtype):
    return np.dtype(dtype).name
