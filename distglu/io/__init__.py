"""Data iterators (``mxnet.io``): the Module-era API of MXNet 1.x.

``NDArrayIter`` batches in-memory arrays ('pad' / 'discard' / 'roll_over' last batches,
shuffling with NumPy's global RNG as MXNet), ``MNISTIter`` reads MNIST IDX files, ``CSVIter``
CSV files; ``ResizeIter`` and ``PrefetchingIter`` wrap other iterators; ``DataIter`` is the
base class for your own, ``DataBatch`` / ``DataDesc`` what they return and describe.
The RecordIO and LibSVM iterators need MXNet's C++ pipeline and raise a clear error.
(``nd.save`` / ``nd.load`` live in ``distglu.ndarray``, not here.)
"""
from . import io
from . import utils
from .io import (CSVIter, DataBatch, DataDesc, DataIter, ImageDetRecordIter, ImageRecordInt8Iter,
                 ImageRecordIter, ImageRecordIter_v1, ImageRecordUInt8Iter,
                 ImageRecordUInt8Iter_v1, LibSVMIter, MNISTIter, MXDataIter, NDArrayIter,
                 PrefetchingIter, ResizeIter)
from .utils import _getdata_by_idx, _has_instance, _init_data  # noqa: F401  (as mxnet.io)

__all__ = ['DataDesc', 'DataBatch', 'DataIter', 'ResizeIter', 'PrefetchingIter', 'NDArrayIter',
           'MXDataIter', 'MNISTIter', 'CSVIter', 'ImageRecordIter', 'ImageRecordIter_v1',
           'ImageRecordUInt8Iter', 'ImageRecordUInt8Iter_v1', 'ImageRecordInt8Iter',
           'ImageDetRecordIter', 'LibSVMIter', 'io', 'utils']
