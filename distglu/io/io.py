"""``mxnet.io.io``: the data iterators, under the module path MXNet gives them."""
from ._base import DataBatch, DataDesc, DataIter, PrefetchingIter, ResizeIter
from ._native import (CSVIter, ImageDetRecordIter, ImageRecordInt8Iter, ImageRecordIter,
                      ImageRecordIter_v1, ImageRecordUInt8Iter, ImageRecordUInt8Iter_v1,
                      LibSVMIter, MNISTIter, MXDataIter)
from ._ndarray_iter import NDArrayIter

__all__ = ['DataDesc', 'DataBatch', 'DataIter', 'ResizeIter', 'PrefetchingIter', 'NDArrayIter',
           'MXDataIter', 'MNISTIter', 'CSVIter', 'ImageRecordIter', 'ImageRecordIter_v1',
           'ImageRecordUInt8Iter', 'ImageRecordUInt8Iter_v1', 'ImageRecordInt8Iter',
           'ImageDetRecordIter', 'LibSVMIter']
