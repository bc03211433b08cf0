"""Samplers: iterables of dataset indices, and of batches of indices (``mxnet.gluon.data.sampler``).

A ``DataLoader`` turns a sampler into batches with ``BatchSampler``; anything with
``__iter__`` (yielding indices or lists of indices) and ``__len__`` can take a sampler's place,
which is how a sharding sampler slots in for distributed training.
"""
import numbers

import numpy as np

from ._errors import DataAssertionError, DataValueError

__all__ = ['Sampler', 'SequentialSampler', 'RandomSampler', 'FilterSampler', 'BatchSampler',
           'IntervalSampler']

_LAST_BATCH = ('keep', 'discard', 'rollover')


def _check_count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise DataValueError("%s must be an integer >= %d, got %r" % (name, minimum, value))
    return int(value)


class Sampler(object):
    """Base class of samplers: subclasses define ``__iter__`` and ``__len__``."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """The indices ``start, start + 1, ..., start + length - 1`` in order.

    Parameters
    ----------
    length : int
        Number of indices.
    start : int, default 0
        The first index.
    """

    def __init__(self, length, start=0):
        self._length = _check_count('SequentialSampler: length', length, 0)
        self._start = _check_count('SequentialSampler: start', start, 0)

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """A random permutation of ``[0, length)``, new at every iteration.

    Shuffles with NumPy's global generator (``numpy.random.shuffle``) as MXNet 1.x does, so
    ``numpy.random.seed(s)`` gives the same orders as MXNet with the same seed.
    """

    def __init__(self, length):
        self._length = _check_count('RandomSampler: length', length, 0)

    def __iter__(self):
        indices = np.arange(self._length)
        np.random.shuffle(indices)
        return iter(indices.tolist())

    def __len__(self):
        return self._length


class FilterSampler(Sampler):
    """The indices ``i`` of ``dataset`` for which ``fn(dataset[i])`` is true.

    The filter is evaluated once, when the sampler is created.
    """

    def __init__(self, fn, dataset):
        if not callable(fn):
            raise DataValueError("FilterSampler: fn must be callable, got %r" % (fn,))
        self._fn = fn
        self._dataset = dataset
        self._indices = [i for i in range(len(dataset)) if fn(dataset[i])]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler (or any iterable of indices with ``len``)
    batch_size : int
    last_batch : {'keep', 'discard', 'rollover'}, default 'keep'
        What to do with the last indices when ``len(sampler)`` is not a multiple of
        ``batch_size``: 'keep' yields a shorter last batch, 'discard' drops it, 'rollover'
        keeps it and puts it in front of the first batch of the next iteration.

    Example (MXNet 1.x behaviour)::

        >>> b = BatchSampler(SequentialSampler(10), 3, 'rollover')
        >>> list(b)
        [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
        >>> list(b)
        [[9, 0, 1], [2, 3, 4], [5, 6, 7]]
    """

    def __init__(self, sampler, batch_size, last_batch='keep'):
        self._sampler = sampler
        self._batch_size = _check_count('BatchSampler: batch_size', batch_size, 1)
        if last_batch not in _LAST_BATCH:
            raise DataValueError("last_batch must be one of 'keep', 'discard', or 'rollover', "
                                 "but got %s" % (last_batch,))
        self._last_batch = last_batch
        self._prev = []

    def __iter__(self):
        batch, self._prev = self._prev, []
        size = self._batch_size
        for i in self._sampler:
            batch.append(i)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            if self._last_batch == 'keep':
                yield batch
            elif self._last_batch == 'rollover':
                self._prev = batch

    def __len__(self):
        n = len(self._sampler)
        if self._last_batch == 'keep':
            return (n + self._batch_size - 1) // self._batch_size
        if self._last_batch == 'discard':
            return n // self._batch_size
        return (len(self._prev) + n) // self._batch_size


class IntervalSampler(Sampler):
    """Indices of ``[0, length)`` at a fixed ``interval`` (``mxnet.gluon.contrib.data``).

    With ``rollover`` (default) the passes restart from the first skipped index until every
    index is visited: ``IntervalSampler(10, 3)`` gives 0 3 6 9 1 4 7 2 5 8. Without it only
    the first pass is made: 0 3 6 9.

    ``len()`` is the number of indices yielded (MXNet 1.9.1 returns ``length`` also when
    ``rollover=False``, which disagrees with its own iteration; distglu returns the true count).
    """

    def __init__(self, length, interval, rollover=True):
        self._length = _check_count('IntervalSampler: length', length, 0)
        self._interval = _check_count('IntervalSampler: interval', interval, 1)
        if self._interval > self._length:
            raise DataAssertionError("Interval %d must be smaller than or equal to length %d"
                                     % (self._interval, self._length))
        self._rollover = bool(rollover)

    def __iter__(self):
        for first in range(self._interval if self._rollover else 1):
            for i in range(first, self._length, self._interval):
                yield i

    def __len__(self):
        if self._rollover:
            return self._length
        return (self._length + self._interval - 1) // self._interval
