"""NDArrayIter: batches of in-memory arrays (``mxnet.io.NDArrayIter``)."""
import numpy as np

from ..base import DistGluError, DistGluValueError, integer_types
from ..context import array_module, device_scope
from ..ndarray import NDArray
from ._base import DataBatch, DataDesc, DataIter
from .utils import _getdata_by_idx, _init_data

__all__ = ['NDArrayIter']

_HANDLES = ('pad', 'discard', 'roll_over')


class NDArrayIter(DataIter):
    """Iterate over NDArrays or NumPy arrays in batches (``mxnet.io.NDArrayIter``).

    Parameters
    ----------
    data : array, list of arrays or dict name -> array
        NDArrays are used as they are; NumPy arrays (and nested lists) become float32.
        One array is named ``data_name``, the arrays of a list ``_0_<data_name>``,
        ``_1_<data_name>``, ...; ``provide_data`` lists them sorted by name.
    label : same forms, optional (names from ``label_name``)
    batch_size : int, default 1
    shuffle : bool, default False
        Shuffle the examples at construction and at each ``reset()`` with NumPy's global
        RNG (``numpy.random.shuffle``), exactly as MXNet, so ``np.random.seed`` gives the
        same batches as MXNet. As in MXNet, shuffled arrays become float32.
    last_batch_handle : 'pad', 'discard' or 'roll_over', default 'pad'
        What to do with the examples left over at the end of an epoch (``n % batch_size``):
        'pad' fills the last batch with examples from the start (``batch.pad`` says how
        many); 'discard' drops them; 'roll_over' keeps them for the first batch of the next
        epoch, which ``reset()`` completes with examples from the start of the next epoch
        (that batch reports ``pad`` = the number of rolled-over examples).
    data_name, label_name : str, default 'data', 'softmax_label'
    layout : str, default 'NCHW'
        The position of ``N`` is the batch axis.

    Where MXNet silently misbehaves distglu raises: arrays whose batch axes differ in
    length (MXNet takes the first data array's length), a ``last_batch_handle`` that is not
    one of the three, ``batch_size`` < 1, and 'roll_over' with fewer examples than
    ``batch_size`` (MXNet fails at the second epoch). The batch axis is used for slicing,
    shuffling and padding alike (MXNet shuffles and counts along axis 0 whatever the layout).
    """

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle='pad',
                 data_name='data', label_name='softmax_label', layout='NCHW'):
        super().__init__(batch_size)
        if not isinstance(batch_size, integer_types) or isinstance(batch_size, bool) \
                or batch_size < 1:
            raise DistGluValueError("NDArrayIter: batch_size must be a positive integer, got %r"
                                    % (batch_size,))
        if last_batch_handle not in _HANDLES:
            raise DistGluValueError("NDArrayIter: last_batch_handle must be 'pad', 'discard' or "
                                    "'roll_over', got %r" % (last_batch_handle,))
        if not isinstance(layout, str) or 'N' not in layout:
            raise DistGluValueError("NDArrayIter: layout must be a string whose 'N' marks the "
                                    "batch axis (e.g. 'NCHW', 'TNC'), got %r" % (layout,))
        self.layout = layout
        self._axis = layout.find('N')
        self.data = _init_data(data, allow_empty=False, default_name=data_name)
        self.label = _init_data(label, allow_empty=True, default_name=label_name)
        self.num_data = self._count_examples()
        if last_batch_handle == 'roll_over' and batch_size > self.num_data:
            raise DistGluValueError(
                "NDArrayIter: last_batch_handle='roll_over' needs at least batch_size examples: "
                "batch_size %d, %d examples" % (batch_size, self.num_data))
        self.idx = np.arange(self.num_data)
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = batch_size
        self.cursor = -batch_size
        # roll_over: the examples left at the end of the last epoch, for the first batch
        self._cache_data = None
        self._cache_label = None
        self.reset()
        self.data_list = [arr for _, arr in self.data] + [arr for _, arr in self.label]
        self.num_source = len(self.data_list)

    def _count_examples(self):
        axis, counts = self._axis, []
        for kind, items in (('data', self.data), ('label', self.label)):
            for name, arr in items:
                if arr.ndim <= axis:
                    raise DistGluValueError(
                        "NDArrayIter: %s %r has shape %s, which has no batch axis %d (layout %r)"
                        % (kind, name, arr.shape, axis, self.layout))
                counts.append((kind, name, arr.shape[axis]))
        num = counts[0][2]
        if any(c[2] != num for c in counts):
            raise DistGluValueError(
                "NDArrayIter: data and label must hold the same number of examples along the "
                "batch axis %d, got %s" % (axis, ', '.join('%s %r: %d' % c for c in counts)))
        if num == 0:
            raise DistGluValueError("NDArrayIter: data holds no examples (batch axis %d has "
                                    "length 0)" % axis)
        return num

    def _desc(self, items):
        axis = self._axis
        return [DataDesc(name, arr.shape[:axis] + (self.batch_size,) + arr.shape[axis + 1:],
                         arr.dtype, layout=self.layout) for name, arr in items]

    @property
    def provide_data(self):
        """``[DataDesc(name, shape with batch_size on the batch axis, dtype, layout)]``."""
        return self._desc(self.data)

    @property
    def provide_label(self):
        """Like ``provide_data``, for the labels (``[]`` without labels)."""
        return self._desc(self.label)

    def hard_reset(self):
        """Start again from the first example, dropping any rolled-over examples."""
        if self.shuffle:
            self._shuffle_data()
        self.cursor = -self.batch_size
        self._cache_data = None
        self._cache_label = None

    def reset(self):
        """Start the next epoch (reshuffled if ``shuffle``). With 'roll_over', the examples
        left over by the epoch that just ended open the first batch of this one."""
        n, bs, cur = self.num_data, self.batch_size, self.cursor
        carry = self.last_batch_handle == 'roll_over' and n - bs < cur < n
        if carry:
            self._cache_data = self._slice(self.data, cur, n)
            self._cache_label = self._slice(self.label, cur, n)
        if self.shuffle:
            self._shuffle_data()
        self.cursor = cur - n - bs if carry else -bs

    def iter_next(self):
        """Advance by one batch; True while the batch starts inside the data (also for an
        incomplete last batch, which ``next()`` then drops with 'discard'/'roll_over')."""
        self.cursor += self.batch_size
        if self.cursor >= 0:
            self._cache_data = self._cache_label = None
        return self.cursor < self.num_data

    def next(self):
        """The next ``DataBatch`` (``index`` None), or ``StopIteration`` at the end."""
        if not self.iter_next():
            raise StopIteration
        if self.last_batch_handle != 'pad' and self.cursor + self.batch_size > self.num_data:
            raise StopIteration   # incomplete: dropped ('discard') or carried by reset()
        return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                         index=None)

    def getdata(self):
        """The data of the current batch: a list of NDArrays, one per data input."""
        return self._batch(self.data, self._cache_data)

    def getlabel(self):
        """The labels of the current batch: a list of NDArrays (``[]`` without labels)."""
        return self._batch(self.label, self._cache_label)

    def getpad(self):
        """Padding examples in the current batch: with 'pad' the examples repeated from the
        start in the last batch; with 'roll_over' the rolled-over examples in the first
        batch after ``reset()``; else 0."""
        n, bs, cur = self.num_data, self.batch_size, self.cursor
        if self.last_batch_handle == 'pad' and cur + bs > n:
            return cur + bs - n
        if self.last_batch_handle == 'roll_over' and -bs < cur < 0:
            return -cur
        return 0

    # ------------------------------------------------------------------ batching

    def _batch(self, items, cache):
        n, bs, cur = self.num_data, self.batch_size, self.cursor
        if cur >= n:
            raise DistGluError("NDArrayIter: the epoch is over (no batch left of %d examples): "
                               "call reset()" % n)
        if self.last_batch_handle == 'roll_over' and -bs < cur < 0 and cache is not None:
            return self._concat(cache, self._slice(items, 0, cur + bs))
        if cur < 0:
            raise DistGluError("NDArrayIter: no current batch: call next() or iter_next() "
                               "first")
        if self.last_batch_handle == 'pad' and cur + bs > n:
            # the last batch continues with the first examples, cyclically if n < batch_size
            return self._take(items, np.arange(cur, cur + bs) % n)
        return self._slice(items, cur, min(cur + bs, n))

    def _slice(self, items, start, end):
        key = (slice(None),) * self._axis + (slice(start, end),)
        out = []
        for _, arr in items:
            with device_scope(arr._ctx):
                out.append(NDArray._wrap(arr._data[key].copy(), arr._ctx))
        return out

    def _take(self, items, idx):
        out = []
        for _, arr in items:
            xp = array_module(arr._data)
            with device_scope(arr._ctx):
                out.append(NDArray._wrap(xp.take(arr._data, xp.asarray(idx), axis=self._axis),
                                         arr._ctx))
        return out

    def _concat(self, first, second):
        out = []
        for a, b in zip(first, second):
            xp = array_module(a._data)
            with device_scope(a._ctx):
                out.append(NDArray._wrap(xp.concatenate([a._data, b._data], axis=self._axis),
                                         a._ctx))
        return out

    def _shuffle_data(self):
        # MXNet shuffles the index in place and reorders the (already reordered) arrays by
        # it: the same draws from NumPy's global RNG give the same order as MXNet.
        np.random.shuffle(self.idx)
        self.data = _getdata_by_idx(self.data, self.idx, self._axis)
        self.label = _getdata_by_idx(self.label, self.idx, self._axis)
