"""The data-iterator protocol of ``mxnet.io``: DataDesc, DataBatch, DataIter and the two
wrappers ResizeIter and PrefetchingIter.

A DataIter returns one ``DataBatch`` per ``next()`` call and raises ``StopIteration`` at the
end of an epoch; ``reset()`` starts the next epoch. This is the Module-era API (MXNet 1.x
``mx.io``) that Gluon's ``DataLoader`` replaced; old tutorials and training scripts still use it.
"""
import collections
import concurrent.futures

import numpy as np

from ..base import DistGluAssertionError

__all__ = ['DataDesc', 'DataBatch', 'DataIter', 'ResizeIter', 'PrefetchingIter']


_DataDescFields = collections.namedtuple('DataDesc', ['name', 'shape'])


class DataDesc(_DataDescFields):
    """Name, shape, dtype and layout of one data or label input (``mxnet.io.DataDesc``).

    A ``(name, shape)`` namedtuple, so ``name, shape = desc`` and comparisons with plain
    tuples work as in MXNet; ``dtype`` (default ``numpy.float32``) and ``layout`` (default
    ``'NCHW'``; the position of ``N`` is the batch axis) are extra attributes. Prints as
    ``DataDesc[data,(32, 1, 28, 28),<class 'numpy.float32'>,NCHW]``.
    """

    def __new__(cls, name, shape, dtype=np.float32, layout='NCHW'):
        desc = super().__new__(cls, name, shape)
        desc.dtype = dtype
        desc.layout = layout
        return desc

    def __repr__(self):
        return 'DataDesc[%s,%s,%s,%s]' % (self.name, self.shape, self.dtype, self.layout)

    @staticmethod
    def get_batch_axis(layout):
        """The batch axis of a layout string: the position of ``'N'`` (-1 when there is
        none), 0 for ``layout=None``."""
        if layout is None:
            return 0
        return layout.find('N')

    @staticmethod
    def get_list(shapes, types):
        """DataDescs from ``[(name, shape), ...]`` and ``[(name, dtype), ...]`` (or None for
        float32)."""
        if types is None:
            return [DataDesc(name, shape) for name, shape in shapes]
        dtypes = dict(types)
        return [DataDesc(name, shape, dtypes[name]) for name, shape in shapes]


def _check_list(value, what):
    if value is not None and not isinstance(value, (list, tuple)):
        raise DistGluAssertionError("%s must be list of NDArrays, got %s"
                                    % (what, type(value).__name__))


class DataBatch:
    """One batch from a DataIter (``mxnet.io.DataBatch``).

    Parameters
    ----------
    data : list of NDArray, each holding ``batch_size`` examples
    label : list of NDArray, optional
    pad : int, optional
        How many examples at the end of the batch are padding (repeats) rather than data.
    index : numpy.ndarray, optional
        The indices of the examples in the batch.
    bucket_key, provide_data, provide_label : optional
        The bucket (for bucketing), and lists of ``DataDesc`` describing data and label.

    ``str(batch)`` is ``DataBatch: data shapes: [(4, 3)] label shapes: [(4,)]`` (``None`` for
    the label shapes when there is no label).
    """

    def __init__(self, data, label=None, pad=None, index=None, bucket_key=None,
                 provide_data=None, provide_label=None):
        _check_list(data, 'Data')
        _check_list(label, 'Label')
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label

    def __str__(self):
        data_shapes = [d.shape for d in self.data]
        label_shapes = [l.shape for l in self.label] if self.label else None
        return '%s: data shapes: %s label shapes: %s' % (type(self).__name__, data_shapes,
                                                         label_shapes)


class DataIter:
    """Base class of the data iterators (``mxnet.io.DataIter``).

    A subclass implements ``iter_next()`` (advance; True while there is a batch) and
    ``getdata()``, ``getlabel()``, ``getpad()``, ``getindex()`` for the current batch, or
    overrides ``next()`` directly; ``reset()`` goes back to the start. ``for batch in it``
    runs one epoch.
    """

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        """Go back to the first batch."""

    def next(self):
        """The next ``DataBatch``; raises ``StopIteration`` at the end of the epoch."""
        if not self.iter_next():
            raise StopIteration
        return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                         index=self.getindex())

    def __next__(self):
        return self.next()

    def iter_next(self):
        """Move to the next batch; True if there is one."""

    def getdata(self):
        """The data (list of NDArray) of the current batch."""

    def getlabel(self):
        """The label (list of NDArray) of the current batch."""

    def getindex(self):
        """The indices of the examples in the current batch (numpy array), or None."""
        return None

    def getpad(self):
        """The number of padding examples in the current batch."""


class _CurrentBatchGetters:
    """getdata/getlabel/getindex/getpad of an iterator that keeps ``current_batch``."""

    def getdata(self):
        return self.current_batch.data

    def getlabel(self):
        return self.current_batch.label

    def getindex(self):
        return self.current_batch.index

    def getpad(self):
        return self.current_batch.pad


class ResizeIter(_CurrentBatchGetters, DataIter):
    """Make ``data_iter`` yield exactly ``size`` batches per epoch (``mxnet.io.ResizeIter``).

    When the inner iterator runs out first it is reset and continues; when it has more,
    the rest waits for the next epoch unless ``reset()`` resets it (``reset_internal=True``).
    """

    def __init__(self, data_iter, size, reset_internal=True):
        super().__init__()
        self.data_iter = data_iter
        self.size = size
        self.reset_internal = reset_internal
        self.cur = 0
        self.current_batch = None
        self.provide_data = data_iter.provide_data
        self.provide_label = data_iter.provide_label
        self.batch_size = data_iter.batch_size
        if hasattr(data_iter, 'default_bucket_key'):
            self.default_bucket_key = data_iter.default_bucket_key

    def reset(self):
        self.cur = 0
        if self.reset_internal:
            self.data_iter.reset()

    def iter_next(self):
        if self.cur == self.size:
            return False
        try:
            self.current_batch = self.data_iter.next()
        except StopIteration:
            self.data_iter.reset()
            self.current_batch = self.data_iter.next()
        self.cur += 1
        return True


def _renamed(descs, renames):
    out = []
    for desc in descs:
        if not isinstance(desc, DataDesc):
            desc = DataDesc(*desc)
        if desc.name not in renames:
            raise DistGluAssertionError(
                "PrefetchingIter: the renaming map %r has no entry for %r (expected one entry "
                "for each name in the iterator's provide_data/provide_label)"
                % (renames, desc.name))
        out.append(DataDesc(renames[desc.name], desc.shape, desc.dtype))
    return out


def _fetch(data_iter):
    try:
        return data_iter.next()
    except StopIteration:
        return None


class PrefetchingIter(_CurrentBatchGetters, DataIter):
    """Read the next batch of one or more iterators in background threads
    (``mxnet.io.PrefetchingIter``).

    With several iterators each batch joins their data (and labels) in order; they must
    yield the same number of batches with the same ``pad``. ``rename_data`` /
    ``rename_label``: one ``{old_name: new_name}`` dict per iterator, applied to
    ``provide_data`` / ``provide_label``. An exception raised by an inner iterator is raised
    again by the ``next()`` that would have returned its batch.
    """

    def __init__(self, iters, rename_data=None, rename_label=None):
        super().__init__()
        if not isinstance(iters, list):
            iters = [iters]
        if not iters:
            raise DistGluAssertionError("PrefetchingIter: expected a DataIter or a non-empty "
                                        "list of them, got an empty list")
        for name, renames in (('rename_data', rename_data), ('rename_label', rename_label)):
            if renames is not None and len(renames) != len(iters):
                raise DistGluAssertionError(
                    "PrefetchingIter: %s must hold one dict per iterator: %d iterators, %d dicts"
                    % (name, len(iters), len(renames)))
        self.n_iter = len(iters)
        self.iters = iters
        self.rename_data = rename_data
        self.rename_label = rename_label
        self.batch_size = self.provide_data[0][1][0]
        self.current_batch = None
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.n_iter, thread_name_prefix='PrefetchingIter')
        self._pending = [self._pool.submit(_fetch, it) for it in self.iters]

    def __del__(self):
        pool = getattr(self, '_pool', None)
        if pool is not None:
            pool.shutdown(wait=False)

    def _describe(self, attr, renames):
        if renames is None:
            return sum([list(getattr(it, attr)) for it in self.iters], [])
        return sum([_renamed(getattr(it, attr), r) for r, it in zip(renames, self.iters)], [])

    @property
    def provide_data(self):
        return self._describe('provide_data', self.rename_data)

    @property
    def provide_label(self):
        return self._describe('provide_label', self.rename_label)

    def reset(self):
        # let the fetches in flight finish before resetting the iterators under them
        concurrent.futures.wait(self._pending)
        for it in self.iters:
            it.reset()
        self._pending = [self._pool.submit(_fetch, it) for it in self.iters]

    def iter_next(self):
        batches = [f.result() for f in self._pending]
        if batches[0] is None:
            if any(b is not None for b in batches):
                raise DistGluAssertionError("PrefetchingIter: Number of entry mismatches between "
                                            "iterators: iterator 0 ended, another did not")
            return False
        for i, b in enumerate(batches):
            if b is None or b.pad != batches[0].pad:
                raise DistGluAssertionError(
                    "PrefetchingIter: Number of entry mismatches between iterators: iterator %d "
                    "%s" % (i, 'ended before iterator 0' if b is None else
                            'has pad %s, iterator 0 has pad %s' % (b.pad, batches[0].pad)))
        self.current_batch = DataBatch(sum([list(b.data) for b in batches], []),
                                       sum([list(b.label or []) for b in batches], []),
                                       batches[0].pad, batches[0].index,
                                       provide_data=self.provide_data,
                                       provide_label=self.provide_label)
        self._pending = [self._pool.submit(_fetch, it) for it in self.iters]
        return True

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return self.current_batch


