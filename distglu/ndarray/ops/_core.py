"""The machinery every operator uses: wrap a result and record one graph node.

An operator's hot path is: take the inputs' raw arrays, one array-module call, then
``_result(...)`` which wraps the array and, under ``record()``, appends one node.
"""
import numpy as np

from ... import autograd as _ag
from ...autograd import _Node
from ...base import DistGluError
from ...context import array_module
from ..ndarray import NDArray

__all__ = []

_wrap = NDArray._wrap
_ndarray_t = np.ndarray


def _result(y, ctx, bwd, inputs, ins=(), yout=None, attrs=None):
    """Wrap raw array ``y``; when recording and an input is in a graph, record a node.

    ``inputs``: the NDArrays gradients flow to (bwd returns one gradient per input);
    ``ins``: the NDArrays bwd reads; ``yout``: the raw output if bwd reads it.
    """
    res = _wrap(y, ctx)
    if _ag._recording:
        parents = []
        has = False
        for i in inputs:
            n = i._node
            if n is None or n.bwd is None:     # no graph, or one a backward has freed
                parents.append(None)
            else:
                parents.append((n, i._oidx))
                has = True
        if has:
            res._node = _Node(bwd, tuple(parents), ins, yout, attrs)
    return res


def _results(ys, ctx, bwd, inputs, ins=(), yout=None, attrs=None):
    """Multi-output variant of :func:`_result`; bwd receives a list of gradients."""
    outs = [_wrap(y, ctx) for y in ys]
    if _ag._recording:
        parents = tuple(None if i._node is None or i._node.bwd is None else (i._node, i._oidx)
                        for i in inputs)
        if any(p is not None for p in parents):
            node = _Node(bwd, parents, ins, yout, attrs, nout=len(outs))
            for k, o in enumerate(outs):
                o._node = node
                o._oidx = k
    return outs


def _grad_target(grad_out, k, dtype):
    """``grad_out[k]``, a variable's gradient buffer offered to a backward that can write
    into it directly (``bwd.grad_out``), if it can take a result of ``dtype`` as is
    (same dtype, C-contiguous); else None."""
    buf = None if grad_out is None else grad_out[k]
    if buf is None or buf.dtype != dtype or not buf.flags.c_contiguous:
        return None
    return buf


def _write_out(out, res):
    """Implement ``out=``: write ``res`` into ``out`` in place and return ``out``."""
    if out is None:
        return res
    if not isinstance(out, NDArray):
        raise DistGluError("out: expected an NDArray, got %s" % type(out).__name__)
    out._check_inplace()
    if out.shape != res.shape:
        raise DistGluError("out: expected an array of shape %s, got %s" % (res.shape, out.shape))
    out._data[...] = res._data
    if res._node is not None:
        out._node = res._node
        out._oidx = res._oidx
    return out


def _xp(x):
    """Array module of a raw array (numpy fast path)."""
    return np if type(x) is _ndarray_t else array_module(x)


def _same_device(ca, cb):
    """Whether arrays on contexts ca and cb can meet in one operator: the same context,
    or both in host memory (MXNet computes cpu(1) + cpu(0); the result takes the first
    input's context)."""
    return ca is cb or ca == cb or (ca.device_type != 'gpu' and cb.device_type != 'gpu')


def _check_ctx(a, b, opname):
    if not _same_device(a._ctx, b._ctx):
        raise DistGluError("%s: all inputs must be on the same context, got %s and %s "
                           "(use as_in_context to move one)" % (opname, a._ctx, b._ctx))


def _check_nd(x, opname, argname='data'):
    if not isinstance(x, NDArray):
        raise DistGluError("%s: expected an NDArray for %s, got %s"
                           % (opname, argname, type(x).__name__))


def _sum_to(xp, g, shape):
    """Reduce a broadcast gradient ``g`` back to ``shape`` (the vjp of broadcasting)."""
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gs[i + lead] != 1)
    if axes:
        g = xp.sum(g, axis=axes, keepdims=True)
    return xp.reshape(g, shape)


def _scalar_for(x, s):
    """A Python scalar operand as MXNet treats it: cast to the array's dtype if not float."""
    if x.dtype.kind in 'fc':
        return s
    return x.dtype.type(s)
