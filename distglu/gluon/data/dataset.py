"""Datasets: indexable collections of samples (``mxnet.gluon.data.dataset``).

A dataset has ``__getitem__(i)`` and ``__len__``. ``Dataset`` adds the MXNet 1.x helpers
``transform``, ``transform_first``, ``filter``, ``shard``, ``take`` and ``sample``, each
returning a new dataset over the same samples.
"""
import numbers

from ...ndarray import NDArray
from ._errors import DataAssertionError, DataTypeError, DataValueError

__all__ = ['Dataset', 'SimpleDataset', 'ArrayDataset', 'RecordFileDataset']


class Dataset(object):
    """Abstract dataset: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, idx):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def filter(self, fn):
        """A dataset of the samples for which ``fn(sample)`` is true (evaluated now, once).

        On a lazily transformed dataset ``fn`` sees transformed samples, and the transform
        runs again whenever a sample of the filtered dataset is read.
        """
        from .sampler import FilterSampler
        return _SampledDataset(self, FilterSampler(fn, self))

    def shard(self, num_shards, index):
        """Part ``index`` of ``num_shards`` contiguous parts of this dataset.

        The first ``len(self) % num_shards`` parts hold one sample more than the others
        (MXNet 1.x). Shard before shuffling so that each worker sees its own samples.
        """
        if isinstance(num_shards, bool) or not isinstance(num_shards, numbers.Integral) \
                or isinstance(index, bool) or not isinstance(index, numbers.Integral):
            raise DataTypeError("shard: num_shards and index must be integers, got %r and %r"
                                % (num_shards, index))
        if num_shards <= 0:
            raise DataAssertionError('Number of shards must be greater than 0, got %d'
                                     % num_shards)
        if index < 0:
            raise DataAssertionError('Index must be non-negative, got %d' % index)
        if index >= num_shards:
            raise DataAssertionError('Shard index of out bound: %d out of %d'
                                     % (index, num_shards))
        length = len(self)
        base, rest = divmod(length, num_shards)
        start = base * index + min(index, rest)
        stop = start + base + (1 if index < rest else 0)
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(stop - start, start))

    def take(self, count):
        """The first ``count`` samples (all of them if ``count`` is None or too large)."""
        if count is None or count > len(self):
            count = len(self)
        if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
            raise DataValueError("take: count must be None or an integer >= 0, got %r"
                                 % (count,))
        from .sampler import SequentialSampler
        return _SampledDataset(self, SequentialSampler(int(count)))

    def sample(self, sampler):
        """The samples at the indices ``sampler`` yields (a ``gluon.data.Sampler``)."""
        from .sampler import Sampler
        if not isinstance(sampler, Sampler):
            raise DataTypeError('Invalid sampler type: %s. Expected gluon.data.Sampler instead.'
                                % type(sampler))
        return _SampledDataset(self, sampler)

    def transform(self, fn, lazy=True):
        """A dataset whose sample ``i`` is ``fn(*self[i])`` (tuple samples are unpacked into
        the arguments) or ``fn(self[i])``.

        With ``lazy=False`` every sample is transformed now and kept (a ``SimpleDataset``):
        a random ``fn`` then gives the same result in every epoch.
        """
        if not callable(fn):
            raise DataTypeError("transform: fn must be callable, got %r" % (fn,))
        trans = _LazyTransformDataset(self, fn)
        if lazy:
            return trans
        return SimpleDataset([trans[i] for i in range(len(trans))])

    def transform_first(self, fn, lazy=True):
        """Like ``transform``, but ``fn`` gets and replaces only the first element of each
        sample (the data, keeping the label): ``dataset.transform_first(ToTensor())``."""
        if not callable(fn):
            raise DataTypeError("transform_first: fn must be callable, got %r" % (fn,))
        return self.transform(_TransformFirstClosure(fn), lazy)


class SimpleDataset(Dataset):
    """A dataset over a list, a NumPy array, an NDArray or any object with ``__getitem__``
    and ``__len__``."""

    def __init__(self, data):
        self._data = data

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        return _row(self._data, idx)


class _LazyTransformDataset(Dataset):
    """Applies ``fn`` to each sample when it is read."""

    def __init__(self, data, fn):
        self._data = data
        self._fn = fn

    def __len__(self):
        return len(self._data)

    def __getitem__(self, idx):
        item = self._data[idx]
        if isinstance(item, tuple):
            return self._fn(*item)
        return self._fn(item)


class _TransformFirstClosure(object):
    """``fn`` applied to the first argument only (a class so that it pickles)."""

    def __init__(self, fn):
        self._fn = fn

    def __call__(self, x, *args):
        if args:
            return (self._fn(x),) + args
        return self._fn(x)


class _SampledDataset(Dataset):
    """The samples of ``dataset`` at the indices of ``sampler`` (read once, at creation)."""

    def __init__(self, dataset, sampler):
        self._dataset = dataset
        self._sampler = sampler
        self._indices = list(iter(sampler))

    def __len__(self):
        return len(self._indices)

    def __getitem__(self, idx):
        return self._dataset[self._indices[idx]]


def _row(data, idx):
    """``data[idx]``; an NDArray row is taken from its raw array (a view, as MXNet's). As in
    MXNet 1.x, an element of a 1-D NDArray is an NDArray of shape (1,)."""
    if isinstance(data, NDArray):
        raw = data._data
        if raw.ndim == 1 and isinstance(idx, numbers.Integral):
            i = int(idx)
            if i < 0:
                i += raw.shape[0]
            if not 0 <= i < raw.shape[0]:
                raise IndexError("index %d is out of bounds for an NDArray of length %d"
                                 % (idx, raw.shape[0]))
            return NDArray._wrap(raw[i:i + 1], data._ctx)
        return NDArray._wrap(raw[idx], data._ctx)
    return data[idx]


class ArrayDataset(Dataset):
    """Samples ``(a1[i], a2[i], ...)`` from arrays of equal length (lists, NumPy arrays,
    NDArrays or datasets); with a single array, sample ``i`` is ``a1[i]`` itself.

    As MXNet 1.x, a 1-D NDArray is converted to NumPy first, so its samples are NumPy
    scalars; rows of a multi-dimensional NDArray are NDArrays.
    """

    def __init__(self, *args):
        if not args:
            raise DataAssertionError("ArrayDataset: needs at least 1 array, got none")
        self._length = len(args[0])
        self._data = []
        for i, data in enumerate(args):
            if not hasattr(data, '__getitem__') or not hasattr(data, '__len__'):
                raise DataTypeError("ArrayDataset: argument %d must be an array, a list or a "
                                    "dataset, got %s" % (i, type(data).__name__))
            if len(data) != self._length:
                raise DataAssertionError(
                    "ArrayDataset: all arrays must have the same length; array 0 has length "
                    "%d while array %d has length %d" % (self._length, i, len(data)))
            if isinstance(data, NDArray) and data.ndim == 1:
                data = data.asnumpy()
            self._data.append(data)

    def __getitem__(self, idx):
        if len(self._data) == 1:
            return _row(self._data[0], idx)
        return tuple(_row(data, idx) for data in self._data)

    def __len__(self):
        return self._length


class RecordFileDataset(Dataset):
    """RecordIO (.rec) files are not supported by distglu: convert the data to NumPy arrays
    (``ArrayDataset``) or image folders (``vision.ImageFolderDataset``)."""

    def __init__(self, filename):
        raise DataValueError("RecordFileDataset(%r): distglu does not read MXNet RecordIO "
                             "files; convert the data to NumPy arrays (ArrayDataset) or an "
                             "image folder (vision.ImageFolderDataset)" % (filename,))
