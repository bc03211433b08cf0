"""Flat gradient buffers: a Trainer's gradients as views into a few contiguous buckets.

Gradients are grouped by (context, dtype) and packed, in parameter order, into buckets of
at most ``bucket_bytes`` each (a parameter larger than that gets a bucket of its own).
Each parameter's gradient NDArray (and the autograd leaf ``backward`` writes into) is
re-pointed at its view, so backward writes straight into the bucket and an allreduce is
one in-place call per bucket with no packing copy.
"""
import numpy as np

from ..context import context_xp, device_scope
from ..ndarray.ndarray import NDArray

__all__ = ['GradBuckets', 'DEFAULT_BUCKET_BYTES']

DEFAULT_BUCKET_BYTES = 32 * 1024 * 1024


class Bucket:
    """One contiguous buffer and the (parameter, context index) slots it holds."""
    __slots__ = ('buffer', 'ctx', 'dtype', 'slots')

    def __init__(self, buffer, ctx, dtype, slots):
        self.buffer = buffer      # raw 1-D array
        self.ctx = ctx
        self.dtype = dtype
        self.slots = slots        # list of (param, ctx_index, offset, size)


class GradBuckets:
    """The flat gradient layout of a list of initialized Parameters."""

    def __init__(self, params, bucket_bytes=DEFAULT_BUCKET_BYTES):
        self.bucket_bytes = int(bucket_bytes)
        self.buckets = []
        self._views = {}  # id(grad NDArray) -> True for the views we installed
        groups = {}
        order = []
        for p in params:
            if p.grad_req == 'null' or p._grad is None:
                continue
            for i, g in enumerate(p._grad):
                key = (g.context, np.dtype(g.dtype))
                if key not in groups:
                    groups[key] = []
                    order.append(key)
                groups[key].append((p, i, g.size))
        for key in order:
            self._pack(key, groups[key])

    def _pack(self, key, entries):
        ctx, dtype = key
        limit = max(1, self.bucket_bytes // dtype.itemsize)
        current, size = [], 0
        for e in entries:
            if current and size + e[2] > limit:
                self._make_bucket(ctx, dtype, current, size)
                current, size = [], 0
            current.append(e)
            size += e[2]
        if current:
            self._make_bucket(ctx, dtype, current, size)

    def _make_bucket(self, ctx, dtype, entries, total):
        xp = context_xp(ctx)
        with device_scope(ctx):
            buf = xp.zeros(total, dtype=dtype)
        slots = []
        off = 0
        for p, i, n in entries:
            old = p._grad[i]
            view = buf[off:off + n].reshape(old.shape)
            view[...] = old._data  # keep what backward already wrote
            g = NDArray._wrap(view, ctx)
            p._grad[i] = g
            leaf = p._data[i]._node
            if leaf is not None and hasattr(leaf, 'grad'):
                leaf.grad = g
            self._views[id(g)] = g
            slots.append((p, i, off, n))
            off += n
        self.buckets.append(Bucket(buf, ctx, dtype, slots))

    def is_current(self, params):
        """True while every parameter's gradient is still the view installed here."""
        n = 0
        for p in params:
            if p.grad_req == 'null' or p._grad is None:
                continue
            for g in p._grad:
                if id(g) not in self._views or self._views[id(g)] is not g:
                    return False
                n += 1
        return n == len(self._views)

    def buffers(self):
        return [b.buffer for b in self.buckets]
