"""KVStore front end (``mxnet.kvstore``): where a Trainer's gradients are reduced.

'local' and 'device' reduce across the contexts of one process. The distributed types
('dist_sync', 'dist_device_sync', ...) are provided by the distributed runtime.
"""
from .base import DistGluError

__all__ = ['KVStore', 'create']

_LOCAL_TYPES = ('local', 'device', 'local_update_cpu', 'local_allreduce_cpu',
                'local_allreduce_device')


class KVStore:
    """Key-value store for one process (rank 0 of a world of one)."""

    def __init__(self, kv_type='local'):
        self._type = kv_type
        self._store = {}
        self._updater = None

    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

    def init(self, key, value):
        keys, values = _pairs(key, value)
        for k, v in zip(keys, values):
            self._store[k] = (v[0] if isinstance(v, (list, tuple)) else v).copy()

    def push(self, key, value, priority=0):
        keys, values = _pairs(key, value)
        for k, v in zip(keys, values):
            if k not in self._store:
                raise DistGluError("KVStore.push: key %r was not initialized (call init first)"
                                   % (k,))
            vals = v if isinstance(v, (list, tuple)) else [v]
            total = vals[0].copy()
            for other in vals[1:]:
                total += other.as_in_context(total.context)
            if self._updater is not None:
                self._updater(k, total, self._store[k])
            else:
                self._store[k] = total

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        keys, outs = _pairs(key, out)
        for k, o in zip(keys, outs):
            if k not in self._store:
                raise DistGluError("KVStore.pull: key %r was not initialized" % (k,))
            for dst in (o if isinstance(o, (list, tuple)) else [o]):
                self._store[k].copyto(dst)

    def pushpull(self, key, value, out=None, priority=0):
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def set_optimizer(self, optimizer):
        from .optimizer import get_updater
        self._updater = get_updater(optimizer)

    def barrier(self):
        return None


def _pairs(key, value):
    if isinstance(key, (list, tuple)):
        if len(key) != len(value):
            raise DistGluError("KVStore: %d keys but %d values" % (len(key), len(value)))
        return list(key), list(value)
    return [key], [value]


def create(name='local'):
    """Create a KVStore: 'local' or 'device' here; 'dist_*' need the distributed runtime."""
    if not isinstance(name, str):
        raise DistGluError("kvstore: expected a type name such as 'local', got %r" % (name,))
    if name in _LOCAL_TYPES:
        return KVStore(name)
    raise DistGluError("kvstore type %r: expected one of %s (distributed kvstores come with "
                       "the MPI runtime)" % (name, ', '.join(_LOCAL_TYPES)))
