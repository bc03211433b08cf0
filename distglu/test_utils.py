"""Testing helpers (``mxnet.test_utils``): tolerant comparisons and numeric gradients."""
import numpy as np

from . import autograd
from .base import DistGluError
from .context import cpu, current_context

__all__ = ['assert_almost_equal', 'almost_equal', 'same', 'check_numeric_gradient',
           'numeric_grad', 'default_context', 'set_default_context', 'rand_ndarray',
           'rand_shape_nd', 'assert_exception', 'default_dtype', 'list_gpus']

_default_ctx = [None]


def list_gpus():
    """The ids of the usable GPUs, ``range(num_gpus())`` (MXNet: ``mx.gpu() if
    mx.test_utils.list_gpus() else mx.cpu()``)."""
    from .context import num_gpus
    return range(num_gpus())


def default_context():
    return _default_ctx[0] or current_context()


def set_default_context(ctx):
    _default_ctx[0] = ctx


def default_dtype():
    return np.float32


def _np(a):
    from .ndarray import NDArray
    if isinstance(a, NDArray):
        return a.asnumpy()
    return np.asarray(a)


_DEFAULT_TOL = {np.dtype(np.float16): (1e-2, 1e-2), np.dtype(np.float32): (1e-4, 1e-5),
                np.dtype(np.float64): (1e-7, 1e-9)}


def _tols(a, b, rtol, atol):
    if rtol is not None and atol is not None:
        return rtol, atol
    dt = a.dtype if a.dtype.kind == 'f' else (b.dtype if b.dtype.kind == 'f'
                                              else np.dtype(np.float64))
    r, t = _DEFAULT_TOL.get(np.dtype(dt), (1e-5, 1e-7))
    return (r if rtol is None else rtol), (t if atol is None else atol)


def almost_equal(a, b, rtol=None, atol=None, equal_nan=False):
    a, b = _np(a), _np(b)
    rtol, atol = _tols(a, b, rtol, atol)
    return a.shape == b.shape and np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def assert_almost_equal(a, b, rtol=None, atol=None, names=('a', 'b'), equal_nan=False,
                        use_broadcast=True, mismatches=(10, 10)):
    """Raise AssertionError showing the worst elements when a and b differ."""
    a, b = _np(a), _np(b)
    if not use_broadcast and a.shape != b.shape:
        raise AssertionError("shapes differ: %s %s vs %s %s" % (names[0], a.shape, names[1],
                                                                 b.shape))
    rtol, atol = _tols(a, b, rtol, atol)
    np.testing.assert_allclose(a.astype(np.float64) if a.dtype.kind == 'b' else a,
                               b.astype(np.float64) if b.dtype.kind == 'b' else b,
                               rtol=rtol, atol=atol, equal_nan=equal_nan,
                               err_msg="%s vs %s" % names)


def same(a, b):
    return np.array_equal(_np(a), _np(b))


def assert_exception(f, exception_type, *args, **kwargs):
    try:
        f(*args, **kwargs)
    except exception_type:
        return
    raise AssertionError("%s was not raised" % exception_type.__name__)


def numeric_grad(f, inputs, eps=1e-6, out_grad=None):
    """Central-difference gradients of ``sum(f(*inputs) * out_grad)`` in float64.

    ``f`` maps a list of NumPy float64 arrays to one NumPy array.
    """
    inputs = [np.array(x, dtype=np.float64) for x in inputs]
    base = np.asarray(f(*inputs), dtype=np.float64)
    w = np.ones_like(base) if out_grad is None else np.asarray(out_grad, dtype=np.float64)
    grads = []
    for x in inputs:
        g = np.zeros_like(x)
        flat = x.reshape(-1)
        gf = g.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + eps
            fp = np.sum(np.asarray(f(*inputs), dtype=np.float64) * w)
            flat[i] = old - eps
            fm = np.sum(np.asarray(f(*inputs), dtype=np.float64) * w)
            flat[i] = old
            gf[i] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def check_numeric_gradient(fn, inputs, eps=1e-6, rtol=1e-5, atol=1e-7, grad_nodes=None,
                           out_grad=None, ctx=None):
    """Check the autograd gradients of ``fn`` against central differences in float64.

    ``fn`` takes NDArrays and returns one NDArray; ``inputs`` are NumPy arrays (or
    NDArrays). Both gradients are computed in float64, so tolerances can be tight.
    ``grad_nodes`` (indices) limits which inputs are checked. Returns the analytic grads.
    """
    from . import ndarray as nd
    ctx = ctx or cpu()
    np_inputs = [_np(x).astype(np.float64) for x in inputs]
    check = range(len(np_inputs)) if grad_nodes is None else grad_nodes

    def f_np(*xs):
        with autograd.pause():
            out = fn(*[nd.array(x, ctx=ctx, dtype=np.float64) for x in xs])
        return out.asnumpy()

    xs = [nd.array(x, ctx=ctx, dtype=np.float64) for x in np_inputs]
    for i in check:
        xs[i].attach_grad()
    with autograd.record():
        y = fn(*xs)
    if y.dtype != np.float64:
        raise DistGluError("check_numeric_gradient: fn returned %s for float64 inputs; "
                           "operators must keep the input dtype" % np.dtype(y.dtype).name)
    og = None
    if out_grad is not None:
        og = nd.array(out_grad, ctx=ctx, dtype=np.float64)
        y.backward(og)
    else:
        y.backward()
    numeric = numeric_grad(f_np, np_inputs, eps=eps, out_grad=out_grad)
    analytic = []
    for i in check:
        a = xs[i].grad.asnumpy()
        np.testing.assert_allclose(a, numeric[i], rtol=rtol, atol=atol,
                                   err_msg="gradient of input %d" % i)
        analytic.append(a)
    return analytic


def rand_shape_nd(num_dim, dim=10):
    return tuple(np.random.randint(1, dim + 1, size=num_dim))


def rand_ndarray(shape, stype='default', density=None, dtype=None, ctx=None):
    from . import ndarray as nd
    return nd.array(np.random.uniform(-1, 1, size=shape), ctx=ctx, dtype=dtype)
