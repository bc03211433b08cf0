"""The ``nd`` namespace: NDArray, creation functions and every operator (``mxnet.nd``)."""
from .ndarray import (NDArray, array, empty, zeros, ones, full, arange, eye, linspace,
                      zeros_like, ones_like, full_like, waitall, from_numpy, concatenate)
from . import ops
from .ops import *  # noqa: F401,F403
from . import random, _ndxp
from .random import (random_normal, random_uniform, normal, uniform, random_randint,
                     random_exponential, random_gamma, random_poisson)
from .io import save, load, load_frombuffer
from . import ops as op
from . import ops as _internal
from .ops.la import _namespace as linalg  # nd.linalg.gemm2 ... (mxnet.nd.linalg)

# MXNet's NDArray methods that forward to the operator of the same name
_METHODS = """zeros_like ones_like broadcast_to broadcast_like broadcast_axes broadcast_axis
repeat pad swapaxes split slice slice_axis slice_like take one_hot pick sort topk argmax
argmin argsort argmax_channel clip abs sign flatten expand_dims tile transpose flip sum
nansum prod nanprod mean max min norm round rint fix floor ceil trunc sin cos tan arcsin
arccos arctan degrees radians sinh cosh tanh arcsinh arccosh arctanh exp expm1 log log10
log2 log1p sqrt rsqrt cbrt rcbrt square reciprocal relu sigmoid softmax log_softmax
softmin squeeze diag reshape_like split_v2 depth_to_space space_to_depth nanprod
shape_array size_array log_sigmoid mish stack""".split()


def _method(fn):
    def m(self, *args, **kwargs):
        return fn(self, *args, **kwargs)
    m.__name__ = fn.__name__ if hasattr(fn, '__name__') else 'op'
    m.__doc__ = fn.__doc__
    return m


for _name in _METHODS:
    _fn = getattr(ops, _name, None)
    if _fn is not None and _name not in NDArray.__dict__:
        setattr(NDArray, _name, _method(_fn))
del _name, _fn
