"""A NumPy-shaped namespace over differentiable ``nd`` operators.

Backward functions are written once against ``xp`` (numpy/cupy). When a backward pass
runs with ``create_graph=True`` it gets this module as ``xp`` instead, so the same code
records a differentiable graph of the gradient (second-order gradients).
Functions whose ``nd`` signature differs from NumPy's are adapted here; any other name
resolves to the ``nd`` operator of the same name. Family modules add adapters with
:func:`register`.
"""
from ..base import DistGluError

is_nd = True
_registry = {}


def register(name, fn):
    """Make ``fn`` (NumPy signature, NDArray arguments) available as ``xp.<name>``."""
    _registry[name] = fn


def __getattr__(name):
    fn = _registry.get(name)
    if fn is not None:
        return fn
    from . import ops
    fn = getattr(ops, name, None)
    if fn is None or name.startswith('_'):
        raise DistGluError("second-order gradients: this operator's backward uses %r, which "
                           "has no differentiable version yet" % name)
    return fn
