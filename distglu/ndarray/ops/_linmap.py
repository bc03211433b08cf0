"""The machinery shared by the shape families (shape.py, join_split.py, layout.py).

Every differentiable operator of those families is linear (constant ``pad`` is affine);
each records its forward with the raw function of its adjoint (:func:`_lin`). Under
``create_graph=True`` the backward applies the adjoint as a recorded operator whose own
adjoint is the forward, so gradients of any order work and no backward there depends on
another family's operators. Also here: the shape and axis argument checks they share
(negative axes are accepted everywhere).
"""
import builtins

import numpy as np

from ...base import DistGluError
from .. import _ndxp
from ._core import _result, _xp

_int_types = (int, np.integer)
_slice = builtins.slice  # join_split defines its own ``slice`` operator
_ALL = _slice(None)


# ---------------------------------------------------------------------- linear-map machinery

def _lin(data, fn, args, adj, adj_args):
    """``fn(xp, x, *args)`` on ``data``; its vjp is ``adj(xp, g, *adj_args)``."""
    x = data._data
    return _result(fn(_xp(x), x, *args), data._ctx, _lin_bwd, (data,), (), None,
                   (fn, args, adj, adj_args))


def _record_lin(y, data, fn, args, adj, adj_args):
    """Wrap an already computed ``y`` whose linear part is ``fn`` (affine forwards: pad)."""
    return _result(y, data._ctx, _lin_bwd, (data,), (), None, (fn, args, adj, adj_args))


def _lin_bwd(xp, g, ins, out, attrs):
    fn, args, adj, adj_args = attrs
    if xp is _ndxp:
        return (_lin(g, adj, adj_args, fn, args),)
    return (adj(xp, g, *adj_args),)


def _take_raw(xp, x, key):
    return x[key]


def _put_raw(xp, g, shape, key):
    z = xp.zeros(shape, dtype=g.dtype)
    z[key] = g
    return z


# ---------------------------------------------------------------------- helpers

def _shape_arg(shape, opname, what='shape'):
    if isinstance(shape, _int_types):
        return (int(shape),)
    try:
        return tuple(int(s) for s in shape)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s must be an int or a tuple of ints, got %r"
                           % (opname, what, shape)) from err


def _axis(a, ndim, opname, shape, what='axis', extra=0):
    """Normalize one axis to [0, ndim+extra); ``extra=1`` for insert positions."""
    try:
        a = int(a)
    except (TypeError, ValueError) as err:
        raise DistGluError("%s: %s must be an int, got %r" % (opname, what, a)) from err
    n = ndim + extra
    if not -n <= a < n:
        raise DistGluError("%s: %s=%d is out of range for an input of shape %s (allowed: "
                           "%d to %d)" % (opname, what, a, shape, -n, n - 1))
    return a + n if a < 0 else a


def _axes(axis, ndim, opname, shape, what='axis'):
    if axis is None:
        return ()
    if isinstance(axis, _int_types):
        axis = (axis,)
    return tuple(_axis(a, ndim, opname, shape, what) for a in axis)
