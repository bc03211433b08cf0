"""The iterators MXNet implements in C++ and wraps in ``MXDataIter``: MNISTIter and CSVIter,
here in Python, and the RecordIO/LibSVM ones, which distglu does not support.

As in MXNet they take keyword arguments only, load their first batch when created (so a
bad file fails at once), and give batches on the CPU. ``prefetch_buffer`` and ``ctx`` are
accepted and ignored (the data is in memory).
"""
import os
import sys
import warnings

import numpy as np

from ..base import (DistGluError, DistGluTypeError, DistGluValueError, integer_types,
                    normalize_dtype)
from ..context import cpu
from ..ndarray import NDArray
from ._base import DataBatch, DataDesc, DataIter

__all__ = ['MXDataIter', 'MNISTIter', 'CSVIter', 'ImageRecordIter', 'ImageRecordIter_v1',
           'ImageRecordUInt8Iter', 'ImageRecordUInt8Iter_v1', 'ImageRecordInt8Iter',
           'ImageDetRecordIter', 'LibSVMIter']


class IONotSupportedError(DistGluError, NotImplementedError):
    """An ``mx.io`` iterator that needs MXNet's C++ data pipeline (RecordIO, LibSVM)."""


class MXDataIter(DataIter):
    """Base of the iterators that MXNet implements in C++ (``mxnet.io.MXDataIter``).

    A subclass loads its data and implements ``_load_next()`` (the next batch as
    ``(data, label, pad, index)`` NumPy arrays, or None at the end of the epoch) and
    ``_before_first()``. ``getdata()`` / ``getlabel()`` return one NDArray (not a list) as in
    MXNet; ``next()`` returns ``DataBatch(data=[data], label=[label], pad, index)``.
    """

    def __init__(self, data_name='data', label_name='softmax_label', **_):
        super().__init__()
        self._debug_skip_load = False
        self._debug_at_begin = True
        self._current = None
        self.first_batch = None
        try:
            self.first_batch = self.next()
        except StopIteration:
            raise DistGluValueError("%s: the data holds not even one batch of %s"
                                    % (type(self).__name__, getattr(self, '_batch_size', '?'))
                                    ) from None
        data, label = self.first_batch.data[0], self.first_batch.label[0]
        self.provide_data = [DataDesc(data_name, data.shape, data.dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, label.dtype)]
        self.batch_size = data.shape[0]

    def _load_next(self):
        raise NotImplementedError

    def _before_first(self):
        raise NotImplementedError

    def debug_skip_load(self):
        """Return the first batch over and over (to time a network without the data loading)."""
        self._debug_skip_load = True

    def reset(self):
        self._debug_at_begin = True
        self.first_batch = None
        self._before_first()

    def _advance(self):
        batch = self._load_next()
        if batch is None:
            return False
        data, label, pad, index = batch
        self._current = (NDArray._wrap(data, cpu()), NDArray._wrap(label, cpu()), pad, index)
        return True

    def _batch(self):
        return DataBatch(data=[self.getdata()], label=[self.getlabel()], pad=self.getpad(),
                         index=self.getindex())

    def next(self):
        if self._debug_skip_load and not self._debug_at_begin:
            return self._batch()
        if self.first_batch is not None:
            batch, self.first_batch = self.first_batch, None
            return batch
        self._debug_at_begin = False
        if not self._advance():
            raise StopIteration
        return self._batch()

    def iter_next(self):
        if self.first_batch is not None:   # the current batch already is the first one
            self.first_batch = None
            return True
        return self._advance()

    def _need_current(self):
        if self._current is None:
            raise DistGluError("%s: no current batch: call next() or iter_next() first"
                               % type(self).__name__)
        return self._current

    def getdata(self):
        return self._need_current()[0]

    def getlabel(self):
        return self._need_current()[1]

    def getpad(self):
        return self._need_current()[2]

    def getindex(self):
        index = self._need_current()[3]
        return None if index is None else index.copy()


def _keyword_only(name, args, kwargs, known):
    if args:
        raise DistGluTypeError('%s can only accept keyword arguments' % name)
    unknown = sorted(set(kwargs) - set(known))
    if unknown:
        warnings.warn('%s: ignoring unknown argument(s) %s' % (name, ', '.join(unknown)),
                      stacklevel=3)


def _positive_int(name, key, value):
    if not isinstance(value, integer_types) or isinstance(value, bool) or value < 1:
        raise DistGluValueError('%s: %s must be a positive integer, got %r' % (name, key, value))
    return int(value)


def _shape(name, key, value):
    if isinstance(value, integer_types):
        value = (value,)
    try:
        shape = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        shape = ()
    if not shape or any(v < 1 for v in shape):
        raise DistGluValueError('%s: %s must be a tuple of positive ints, got %r'
                                % (name, key, value))
    return shape


# --------------------------------------------------------------------------- MNISTIter

_MNIST_ARGS = ('image', 'label', 'batch_size', 'shuffle', 'flat', 'seed', 'silent', 'num_parts',
               'part_index', 'prefetch_buffer', 'ctx', 'dtype', 'data_name', 'label_name')


class MNISTIter(MXDataIter):
    """Batches of the MNIST IDX files (``mxnet.io.MNISTIter``); keyword arguments only.

    Parameters
    ----------
    image, label : str, default './train-images-idx3-ubyte', './train-labels-idx1-ubyte'
        IDX files (uint8 images ``(n, rows, cols)``, uint8 labels ``(n,)``); names ending in
        ``.gz`` are read compressed.
    batch_size : int, default 128
    shuffle : bool, default True
        Shuffle once, when created (``reset()`` keeps the order), with ``seed``. The order
        comes from ``numpy.random.RandomState(seed)``: it differs from MXNet's C++ shuffle.
    flat : bool, default False
        Data ``(batch_size, rows*cols)`` instead of ``(batch_size, 1, rows, cols)``.
    seed : int, default 0
    silent : bool, default False
        When False, print what was loaded to stderr, as MXNet.
    num_parts, part_index : int, default 1, 0
        Read only part ``part_index`` of ``num_parts`` contiguous parts (examples
        ``[n*i//k, n*(i+1)//k)``), e.g. one per worker.
    dtype : None or str, default None (float32)
    data_name, label_name : str, default 'data', 'softmax_label'

    Data is float32 ``pixel / 256`` (MXNet's scaling: 255 becomes 0.99609375), labels
    float32 ``(batch_size,)``. The examples that do not fill a last batch are left out.
    ``pad`` is 0 and, as MXNet, ``index`` is an array of zeros.
    """

    def __init__(self, *args, **kwargs):
        _keyword_only('MNISTIter', args, kwargs, _MNIST_ARGS)
        opt = dict(image='./train-images-idx3-ubyte', label='./train-labels-idx1-ubyte',
                   batch_size=128, shuffle=True, flat=False, seed=0, silent=False, num_parts=1,
                   part_index=0, dtype=None)
        opt.update({k: v for k, v in kwargs.items() if k in opt})
        name = 'MNISTIter'
        self._batch_size = _positive_int(name, 'batch_size', opt['batch_size'])
        parts = _positive_int(name, 'num_parts', opt['num_parts'])
        part = opt['part_index']
        if not isinstance(part, integer_types) or not 0 <= part < parts:
            raise DistGluValueError('MNISTIter: part_index must be in [0, num_parts=%d), got %r'
                                    % (parts, part))
        self._dtype = normalize_dtype(opt['dtype'])
        images, labels = self._read(opt['image'], opt['label'])
        total = len(images)
        begin, end = total * part // parts, total * (part + 1) // parts
        images, labels = images[begin:end], labels[begin:end]
        if opt['shuffle']:
            order = np.arange(len(images))
            np.random.RandomState(int(opt['seed'])).shuffle(order)
            images, labels = images[order], labels[order]
        if len(images) < self._batch_size:
            raise DistGluValueError(
                'MNISTIter: batch_size %d is larger than the %d images%s of %r: no batch can '
                'be made' % (self._batch_size, len(images), '' if parts == 1 else
                             ' of part %d of %d' % (part, parts), opt['image']))
        flat = bool(opt['flat'])
        self._images = images.reshape(len(images), -1) if flat else images[:, None]
        self._labels = labels.astype(np.float32)
        self._loc = 0
        if not opt['silent']:
            shape = (self._batch_size,) + self._images.shape[1:]
            shape = ('(%s)' if flat else '[%s]') % ','.join(str(s) for s in shape)
            print('MNISTIter: load %d images, shuffle=%d, shape=%s'
                  % (len(images), bool(opt['shuffle']), shape), file=sys.stderr)
        super().__init__(**{k: v for k, v in kwargs.items() if k in ('data_name', 'label_name')})

    @staticmethod
    def _read(image, label):
        from ..gluon.data._errors import DatasetFileError
        from ..gluon.data.vision.datasets import read_idx
        for key, path in (('image', image), ('label', label)):
            if not os.path.isfile(path):
                raise DatasetFileError("MNISTIter: %s file %r not found: expected an MNIST IDX "
                                       "file (e.g. train-images-idx3-ubyte / "
                                       "train-labels-idx1-ubyte, optionally .gz)" % (key, path))
        images, labels = read_idx(image), read_idx(label)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise DistGluValueError(
                'MNISTIter: expected images (n, rows, cols) in %r and labels (n,) in %r, got '
                'shapes %s and %s' % (image, label, images.shape, labels.shape))
        return images, labels

    def _load_next(self):
        bs, loc = self._batch_size, self._loc
        if loc + bs > len(self._images):
            return None
        self._loc = loc + bs
        data = self._images[loc:loc + bs].astype(np.float32) * np.float32(1 / 256)
        if self._dtype != np.float32:
            data = data.astype(self._dtype)
        return data, self._labels[loc:loc + bs].copy(), 0, np.zeros(bs, np.uint64)

    def _before_first(self):
        self._loc = 0


# --------------------------------------------------------------------------- CSVIter

_CSV_ARGS = ('data_csv', 'data_shape', 'label_csv', 'label_shape', 'batch_size', 'round_batch',
             'prefetch_buffer', 'ctx', 'dtype', 'data_name', 'label_name')
_CSV_DTYPES = {None: np.float32, 'float32': np.float32, 'int32': np.int32, 'int64': np.int64}


def _read_csv(path, dtype, shape, what):
    """All rows of a CSV file, or of every file in a directory (in name order), as an
    ``(n,) + shape`` array."""
    if os.path.isdir(path):
        files = sorted(os.path.join(path, f) for f in os.listdir(path)
                       if os.path.isfile(os.path.join(path, f)))
    elif os.path.isfile(path):
        files = [path]
    else:
        raise DistGluValueError('CSVIter: %s %r: no such file or directory' % (what, path))
    size, chunks = int(np.prod(shape)), []
    for f in files:
        try:
            rows = np.loadtxt(f, delimiter=',', dtype=dtype, ndmin=2)
        except ValueError as err:
            raise DistGluValueError('CSVIter: %s %r cannot be parsed as %s CSV: %s'
                                    % (what, f, np.dtype(dtype).name, err)) from err
        if rows.size and rows.shape[1] != size:
            raise DistGluValueError(
                'CSVIter: The data size in CSV do not match size of shape: specified shape=%s, '
                'the csv row-length=%d (%s %r)' % (list(shape), rows.shape[1], what, f))
        chunks.append(rows.reshape((len(rows),) + shape))
    return np.concatenate(chunks) if chunks else np.zeros((0,) + shape, dtype)


class CSVIter(MXDataIter):
    """Batches of the rows of CSV files (``mxnet.io.CSVIter``); keyword arguments only.

    Parameters
    ----------
    data_csv : str, required
        A CSV file, or a directory whose files are read in name order.
    data_shape : tuple, required
        The shape of one example; each row holds ``prod(data_shape)`` values.
    label_csv : str, default 'NULL' (all labels 0)
    label_shape : tuple, default (1,)
        Labels are ``(batch_size,)`` for ``(1,)``, else ``(batch_size,) + label_shape``.
    batch_size : int, required
    round_batch : bool, default True
        True: a last incomplete batch is completed with the first rows (``pad`` counts them)
        and the next epoch, after ``reset()``, starts after those rows, as MXNet. False: it
        is completed with rows left in the batch buffer from the previous batch (zeros at
        first), ``pad`` counting them.
    dtype : None, 'float32', 'int32' or 'int64', default None (float32); data and label.
    data_name, label_name : str, default 'data', 'softmax_label'

    ``index`` holds the row numbers of the batch's examples (uint64).
    """

    def __init__(self, *args, **kwargs):
        _keyword_only('CSVIter', args, kwargs, _CSV_ARGS)
        for key in ('data_csv', 'data_shape', 'batch_size'):
            if key not in kwargs:
                raise DistGluValueError('CSVIter: Required parameter %s is not presented' % key)
        self._batch_size = _positive_int('CSVIter', 'batch_size', kwargs['batch_size'])
        dtype = kwargs.get('dtype')
        if dtype not in _CSV_DTYPES:
            raise DistGluValueError("CSVIter: dtype must be None, 'float32', 'int32' or 'int64', "
                                    "got %r" % (dtype,))
        dtype = _CSV_DTYPES[dtype]
        data_shape = _shape('CSVIter', 'data_shape', kwargs['data_shape'])
        label_shape = _shape('CSVIter', 'label_shape', kwargs.get('label_shape', (1,)))
        self._data = _read_csv(kwargs['data_csv'], dtype, data_shape, 'data_csv')
        n = len(self._data)
        label_csv = kwargs.get('label_csv', 'NULL')
        if label_csv is None or label_csv == 'NULL':
            self._label = np.zeros((n,) + label_shape, dtype)
        else:
            self._label = _read_csv(label_csv, dtype, label_shape, 'label_csv')
            if len(self._label) != n:
                raise DistGluValueError('CSVIter: data_csv %r has %d rows but label_csv %r has %d'
                                        % (kwargs['data_csv'], n, label_csv, len(self._label)))
        if label_shape == (1,):
            self._label = self._label.reshape(n)
        if n == 0:
            raise DistGluValueError('CSVIter: data_csv %r holds no rows' % (kwargs['data_csv'],))
        self._round_batch = bool(kwargs.get('round_batch', True))
        bs = self._batch_size
        # MXNet's batch loader: rows are copied into persistent buffers; `_pos` is the next
        # row, `_overflow` the rows borrowed from the start to complete the last batch
        self._buf_data = np.zeros((bs,) + self._data.shape[1:], dtype)
        self._buf_label = np.zeros((bs,) + self._label.shape[1:], dtype)
        self._buf_index = np.zeros(bs, np.uint64)
        self._pos = 0
        self._overflow = 0
        super().__init__(**{k: v for k, v in kwargs.items() if k in ('data_name', 'label_name')})

    def _fill(self, at, begin, count):
        self._buf_data[at:at + count] = self._data[begin:begin + count]
        self._buf_label[at:at + count] = self._label[begin:begin + count]
        self._buf_index[at:at + count] = np.arange(begin, begin + count, dtype=np.uint64)

    def _load_next(self):
        if self._overflow:
            return None   # the epoch ended with a batch completed from the start
        bs, n = self._batch_size, len(self._data)
        top = min(bs, n - self._pos)
        if top == 0:
            return None
        self._fill(0, self._pos, top)
        self._pos += top
        pad = 0
        if top < bs:
            pad = bs - top
            if self._round_batch:
                if pad > n:
                    raise DistGluValueError(
                        'CSVIter: number of input must be bigger than batch size: completing '
                        'the last batch needs %d rows from the start, the data has %d '
                        '(batch_size %d)' % (pad, n, bs))
                self._fill(top, 0, pad)
                self._pos = self._overflow = pad
        return self._buf_data.copy(), self._buf_label.copy(), pad, self._buf_index.copy()

    def _before_first(self):
        if self._round_batch and self._overflow:
            self._overflow = 0   # as MXNet: the next epoch goes on after the borrowed rows
        else:
            self._pos = 0


# --------------------------------------------------------------------------- not supported

def _unsupported(name, what, instead):
    def creator(*args, **kwargs):
        raise IONotSupportedError(
            'mx.io.%s is not supported by distglu: it needs MXNet\'s C++ %s. %s'
            % (name, what, instead))
    creator.__name__ = creator.__qualname__ = name
    creator.__doc__ = 'Not supported by distglu (needs MXNet\'s C++ %s). %s' % (what, instead)
    return creator


_RECORD_INSTEAD = ('Convert the images to a folder tree and use '
                   'gluon.data.vision.ImageFolderDataset with gluon.data.DataLoader, or load '
                   'arrays and use mx.io.NDArrayIter.')
ImageRecordIter = _unsupported('ImageRecordIter', 'RecordIO image pipeline', _RECORD_INSTEAD)
ImageRecordIter_v1 = _unsupported('ImageRecordIter_v1', 'RecordIO image pipeline',
                                  _RECORD_INSTEAD)
ImageRecordUInt8Iter = _unsupported('ImageRecordUInt8Iter', 'RecordIO image pipeline',
                                    _RECORD_INSTEAD)
ImageRecordUInt8Iter_v1 = _unsupported('ImageRecordUInt8Iter_v1', 'RecordIO image pipeline',
                                       _RECORD_INSTEAD)
ImageRecordInt8Iter = _unsupported('ImageRecordInt8Iter', 'RecordIO image pipeline',
                                   _RECORD_INSTEAD)
ImageDetRecordIter = _unsupported('ImageDetRecordIter', 'RecordIO detection pipeline',
                                  _RECORD_INSTEAD)
LibSVMIter = _unsupported('LibSVMIter', 'LibSVM reader and sparse (CSR) arrays',
                          'Load the data as dense arrays and use mx.io.NDArrayIter.')
