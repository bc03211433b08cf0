"""Errors of ``gluon.data``: each is a ``DistGluError`` and also the built-in exception MXNet
raises in the same situation (``AssertionError``, ``ValueError``, ``TypeError``), so both
``except mx.base.MXNetError`` and the ``except ValueError`` of an MXNet program catch it."""
import multiprocessing

from ...base import DistGluAssertionError, DistGluError, DistGluTypeError, DistGluValueError

__all__ = ['DataAssertionError', 'DataValueError', 'DataTypeError', 'DataLoaderTimeoutError',
           'DataLoaderWorkerError', 'DatasetFileError', 'DatasetFormatError']


class DataAssertionError(DistGluAssertionError):
    """A bad argument where MXNet 1.x fails an ``assert``."""


class DataValueError(DistGluValueError):
    """A bad argument value where MXNet 1.x raises ``ValueError``."""


class DataTypeError(DistGluTypeError):
    """An argument of the wrong type where MXNet 1.x raises ``TypeError``."""


class DataLoaderTimeoutError(DistGluError, multiprocessing.TimeoutError):
    """A DataLoader worker did not deliver a batch within ``timeout`` seconds
    (MXNet raises ``multiprocessing.TimeoutError``)."""


class DataLoaderWorkerError(DistGluError):
    """A DataLoader worker failed with an exception that could not be re-raised as its own
    type, or a worker process died; the message carries the worker's traceback."""


class DatasetFileError(DistGluError, FileNotFoundError):
    """The files of a dataset are missing (distglu never downloads them)."""


class DatasetFormatError(DistGluValueError):
    """A dataset file is not in the format expected."""
