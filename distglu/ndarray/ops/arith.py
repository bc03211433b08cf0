"""Binary arithmetic and comparison operators with NumPy broadcasting.

MXNet 1.x semantics: both array operands must share a dtype (MXNet raises
"Incompatible attr"); a Python scalar takes the array's dtype; integer division
truncates toward zero; comparisons return 0/1 in the input dtype.
"""
import numpy as np

from ...base import DistGluError
from ..ndarray import NDArray
from ._core import _result, _write_out, _sum_to, _check_ctx, _scalar_for, _xp, _ndarray_t
from ._core import array_module

__all__ = ['add', 'subtract', 'multiply', 'divide', 'true_divide', 'power', 'modulo',
           'maximum', 'minimum', 'equal', 'not_equal', 'greater', 'greater_equal', 'lesser',
           'lesser_equal', 'less', 'less_equal', 'negative', 'hypot',
           'broadcast_add', 'broadcast_sub', 'broadcast_plus', 'broadcast_minus',
           'broadcast_mul', 'broadcast_div', 'broadcast_mod', 'broadcast_power',
           'broadcast_maximum', 'broadcast_minimum', 'broadcast_hypot', 'broadcast_equal',
           'broadcast_not_equal', 'broadcast_greater', 'broadcast_greater_equal',
           'broadcast_lesser', 'broadcast_lesser_equal', 'elemwise_add', 'elemwise_sub',
           'elemwise_mul', 'elemwise_div', 'logical_and', 'logical_or', 'logical_xor',
           'broadcast_logical_and', 'broadcast_logical_or', 'broadcast_logical_xor',
           'add_n', 'ElementWiseSum']


class _BinOp:
    """One binary operator: forward ufunc plus vjps for tensor-tensor and scalar forms.

    ``bwd_tt(xp, g, ins, out, attrs)`` gets ins=(a, b) and attrs=(shape_a, shape_b);
    ``bwd_ts`` (array op scalar) and ``bwd_st`` (scalar op array) get ins=(a,) and
    attrs=scalar. ``None`` marks a non-differentiable operator (zero gradient).
    """
    __slots__ = ('name', 'np_fn', 'bwd_tt', 'bwd_ts', 'bwd_st', 'save_out', 'cmp')

    def __init__(self, name, np_fn, bwd_tt, bwd_ts, bwd_st, save_out=False, cmp=False):
        self.name = name
        self.np_fn = np_fn
        self.bwd_tt = bwd_tt
        self.bwd_ts = bwd_ts
        self.bwd_st = bwd_st
        self.save_out = save_out
        self.cmp = cmp

    def fn(self, x):
        if type(x) is _ndarray_t:
            return self.np_fn
        return getattr(array_module(x), self.np_fn.__name__)

    def __call__(self, lhs, rhs, out=None, name=None):
        if isinstance(lhs, NDArray):
            a = lhs._data
            if isinstance(rhs, NDArray):
                b = rhs._data
                if lhs._ctx is not rhs._ctx:
                    _check_ctx(lhs, rhs, self.name)
                if a.dtype is not b.dtype and a.dtype != b.dtype:
                    raise DistGluError(
                        "%s: both operands must have the same dtype (as in MXNet), got %s and "
                        "%s; cast one with astype()" % (self.name, a.dtype, b.dtype))
                try:
                    y = self.fn(a)(a, b)
                except ValueError as err:
                    if a.shape == b.shape:
                        raise
                    raise DistGluError("%s: operands could not be broadcast together with "
                                       "shapes %s %s" % (self.name, a.shape, b.shape)) from err
                if self.cmp:
                    y = y.astype(a.dtype)
                elif a.dtype.kind in 'iub' and self.np_fn is np.true_divide:
                    y = _trunc_div(a, b, y)
                res = _result(y, lhs._ctx, self.bwd_tt, (lhs, rhs), (lhs, rhs),
                              y if self.save_out else None, (a.shape, b.shape))
            else:
                s = _scalar_for(a, _as_scalar(rhs, self.name))
                y = self.fn(a)(a, s)
                if self.cmp:
                    y = y.astype(a.dtype)
                elif a.dtype.kind in 'iub' and self.np_fn is np.true_divide:
                    y = _trunc_div(a, s, y)
                res = _result(y, lhs._ctx, self.bwd_ts, (lhs,), (lhs,),
                              y if self.save_out else None, s)
        elif isinstance(rhs, NDArray):
            b = rhs._data
            s = _scalar_for(b, _as_scalar(lhs, self.name))
            y = self.fn(b)(s, b)
            if self.cmp:
                y = y.astype(b.dtype)
            elif b.dtype.kind in 'iub' and self.np_fn is np.true_divide:
                y = _trunc_div(s, b, y)
            res = _result(y, rhs._ctx, self.bwd_st, (rhs,), (rhs,),
                          y if self.save_out else None, s)
        else:
            raise DistGluError("%s: expected at least one NDArray operand, got %s and %s"
                               % (self.name, type(lhs).__name__, type(rhs).__name__))
        return _write_out(out, res)


def _as_scalar(v, opname):
    if isinstance(v, (int, float, bool, np.generic)):
        return v
    if isinstance(v, np.ndarray):
        raise DistGluError("%s: NumPy arrays must be converted with nd.array() before "
                           "mixing them with NDArrays" % opname)
    raise DistGluError("%s: expected an NDArray or a number, got %s"
                       % (opname, type(v).__name__))


def _trunc_div(a, b, y):
    """MXNet's integer division truncates toward zero and keeps the integer dtype."""
    xp = _xp(y)
    dt = a.dtype if hasattr(a, 'dtype') and hasattr(a, 'shape') else b.dtype
    return xp.trunc(y).astype(dt)


# ----------------------------------------------------------------- vector-Jacobian products

def _zero_tt(xp, g, ins, out, attrs):
    return (None, None)


def _zero_1(xp, g, ins, out, attrs):
    return (None,)


def _add_tt(xp, g, ins, out, attrs):
    return _sum_to(xp, g, attrs[0]), _sum_to(xp, g, attrs[1])


def _id_1(xp, g, ins, out, attrs):
    return (g,)


def _neg_1(xp, g, ins, out, attrs):
    return (-g,)


def _sub_tt(xp, g, ins, out, attrs):
    return _sum_to(xp, g, attrs[0]), -_sum_to(xp, g, attrs[1])


def _mul_tt(xp, g, ins, out, attrs):
    a, b = ins
    return _sum_to(xp, g * b, attrs[0]), _sum_to(xp, g * a, attrs[1])


def _mul_s(xp, g, ins, out, attrs):
    return (g * attrs,)


def _div_tt(xp, g, ins, out, attrs):
    a, b = ins
    gb = g / b
    return _sum_to(xp, gb, attrs[0]), _sum_to(xp, -gb * a / b, attrs[1])


def _div_ts(xp, g, ins, out, attrs):
    return (g / attrs,)


def _rdiv_st(xp, g, ins, out, attrs):  # s / x
    x, = ins
    return (-g * attrs / (x * x),)


def _pow_tt(xp, g, ins, out, attrs):
    a, b = ins
    y = a ** b
    ga = g * b * a ** (b - 1)
    gb = g * y * xp.log(xp.where(a > 0, a, 1))
    return _sum_to(xp, ga, attrs[0]), _sum_to(xp, gb, attrs[1])


def _pow_ts(xp, g, ins, out, attrs):  # x ** s
    x, = ins
    s = attrs
    return (g * s * x ** (s - 1),)


def _rpow_st(xp, g, ins, out, attrs):  # s ** x
    x, = ins
    return (g * attrs ** x * float(np.log(attrs)),)


def _mod_tt(xp, g, ins, out, attrs):
    a, b = ins
    return _sum_to(xp, g, attrs[0]), _sum_to(xp, -g * xp.floor(a / b), attrs[1])


def _rmod_st(xp, g, ins, out, attrs):  # s % x
    x, = ins
    return (-g * xp.floor(attrs / x),)


def _max_tt(xp, g, ins, out, attrs):
    a, b = ins
    return _sum_to(xp, g * (a >= b), attrs[0]), _sum_to(xp, g * (a < b), attrs[1])


def _max_s(xp, g, ins, out, attrs):
    x, = ins
    return (g * (x >= attrs),)


def _min_tt(xp, g, ins, out, attrs):
    a, b = ins
    return _sum_to(xp, g * (a <= b), attrs[0]), _sum_to(xp, g * (a > b), attrs[1])


def _min_s(xp, g, ins, out, attrs):
    x, = ins
    return (g * (x <= attrs),)


def _hypot_tt(xp, g, ins, out, attrs):
    a, b = ins
    y = xp.hypot(a, b)
    return _sum_to(xp, g * a / y, attrs[0]), _sum_to(xp, g * b / y, attrs[1])


def _hypot_s(xp, g, ins, out, attrs):
    x, = ins
    return (g * x / xp.hypot(x, attrs),)


add = _BinOp('add', np.add, _add_tt, _id_1, _id_1)
subtract = _BinOp('subtract', np.subtract, _sub_tt, _id_1, _neg_1)
multiply = _BinOp('multiply', np.multiply, _mul_tt, _mul_s, _mul_s)
divide = _BinOp('divide', np.true_divide, _div_tt, _div_ts, _rdiv_st)
true_divide = divide
power = _BinOp('power', np.power, _pow_tt, _pow_ts, _rpow_st)
modulo = _BinOp('modulo', np.mod, _mod_tt, _id_1, _rmod_st)
maximum = _BinOp('maximum', np.maximum, _max_tt, _max_s, _max_s)
minimum = _BinOp('minimum', np.minimum, _min_tt, _min_s, _min_s)
hypot = _BinOp('hypot', np.hypot, _hypot_tt, _hypot_s, _hypot_s)
equal = _BinOp('equal', np.equal, _zero_tt, _zero_1, _zero_1, cmp=True)
not_equal = _BinOp('not_equal', np.not_equal, _zero_tt, _zero_1, _zero_1, cmp=True)
greater = _BinOp('greater', np.greater, _zero_tt, _zero_1, _zero_1, cmp=True)
greater_equal = _BinOp('greater_equal', np.greater_equal, _zero_tt, _zero_1, _zero_1, cmp=True)
lesser = _BinOp('lesser', np.less, _zero_tt, _zero_1, _zero_1, cmp=True)
lesser_equal = _BinOp('lesser_equal', np.less_equal, _zero_tt, _zero_1, _zero_1, cmp=True)
less = lesser
less_equal = lesser_equal
logical_and = _BinOp('logical_and', np.logical_and, _zero_tt, _zero_1, _zero_1, cmp=True)
logical_or = _BinOp('logical_or', np.logical_or, _zero_tt, _zero_1, _zero_1, cmp=True)
logical_xor = _BinOp('logical_xor', np.logical_xor, _zero_tt, _zero_1, _zero_1, cmp=True)

broadcast_add = broadcast_plus = elemwise_add = add
broadcast_sub = broadcast_minus = elemwise_sub = subtract
broadcast_mul = elemwise_mul = multiply
broadcast_div = elemwise_div = divide
broadcast_mod = modulo
broadcast_power = power
broadcast_maximum = maximum
broadcast_minimum = minimum
broadcast_hypot = hypot
broadcast_equal = equal
broadcast_not_equal = not_equal
broadcast_greater = greater
broadcast_greater_equal = greater_equal
broadcast_lesser = lesser
broadcast_lesser_equal = lesser_equal
broadcast_logical_and = logical_and
broadcast_logical_or = logical_or
broadcast_logical_xor = logical_xor


def _neg_bwd(xp, g, ins, out, attrs):
    return (-g,)


def negative(data, out=None, name=None):
    """Elementwise ``-data``."""
    x = data._data
    return _write_out(out, _result(-x, data._ctx, _neg_bwd, (data,)))


# ----------------------------------------------------------------- NDArray operator methods

def _reflect(op):
    def r(self, other):
        return op(other, self)
    return r


def _inplace(op):
    def i(self, other):
        self._check_inplace()
        res = op(self, other)
        if res.shape != self.shape:
            raise DistGluError("in-place %s: result shape %s cannot be written into an array "
                               "of shape %s" % (op.name, res.shape, self.shape))
        self._data[...] = res._data
        if res._node is not None:  # recorded on an array outside any graph: it joins it
            self._node = res._node
            self._oidx = 0
        return self
    return i


def _add_n_bwd(xp, g, ins, out, n):
    return (g,) * n


def add_n(*args, **kwargs):
    """The elementwise sum of all arguments (MXNet's ``add_n``, alias ``ElementWiseSum``):
    NDArrays of one shape, dtype and context; no broadcasting. ``num_args`` is accepted
    (it must equal the number of arrays), as are ``out`` and ``name``."""
    out = kwargs.pop('out', None)
    kwargs.pop('name', None)
    num_args = kwargs.pop('num_args', None)
    if kwargs:
        raise DistGluError("add_n: unexpected keyword argument(s) %s" % ', '.join(sorted(kwargs)))
    if not args:
        raise DistGluError("add_n: expected at least one NDArray to sum (num_args should be "
                           ">= 1), got none")
    if num_args is not None and int(num_args) != len(args):
        raise DistGluError("add_n: num_args=%s but %d arrays were given" % (num_args, len(args)))
    first = args[0]
    for k, a in enumerate(args):
        if not isinstance(a, NDArray):
            raise DistGluError("add_n: argument %d must be an NDArray, got %s"
                               % (k, type(a).__name__))
        if a.shape != first.shape:
            raise DistGluError("add_n: all arrays must have the same shape, got %s (argument "
                               "0) and %s (argument %d)" % (first.shape, a.shape, k))
        if a._data.dtype != first._data.dtype:
            raise DistGluError("add_n: all arrays must have the same dtype, got %s and %s"
                               % (first._data.dtype, a._data.dtype))
        if a._ctx is not first._ctx:
            _check_ctx(first, a, 'add_n')
    y = first._data.copy()
    for a in args[1:]:
        y += a._data
    return _write_out(out, _result(y, first._ctx, _add_n_bwd, tuple(args), (), None,
                                   len(args)))


ElementWiseSum = add_n


def _bind_methods():
    N = NDArray
    N.__add__ = N.__radd__ = lambda self, o: add(self, o)
    N.__sub__ = lambda self, o: subtract(self, o)
    N.__rsub__ = _reflect(subtract)
    N.__mul__ = N.__rmul__ = lambda self, o: multiply(self, o)
    N.__truediv__ = N.__div__ = lambda self, o: divide(self, o)
    N.__rtruediv__ = N.__rdiv__ = _reflect(divide)
    N.__pow__ = lambda self, o: power(self, o)
    N.__rpow__ = _reflect(power)
    N.__mod__ = lambda self, o: modulo(self, o)
    N.__rmod__ = _reflect(modulo)
    N.__neg__ = negative
    N.__pos__ = lambda self: self
    N.__eq__ = lambda self, o: equal(self, o) if isinstance(o, (NDArray, int, float, np.generic)) \
        else False
    N.__ne__ = lambda self, o: not_equal(self, o) if isinstance(o, (NDArray, int, float, np.generic)) \
        else True
    N.__gt__ = lambda self, o: greater(self, o)
    N.__ge__ = lambda self, o: greater_equal(self, o)
    N.__lt__ = lambda self, o: lesser(self, o)
    N.__le__ = lambda self, o: lesser_equal(self, o)
    N.__iadd__ = _inplace(add)
    N.__isub__ = _inplace(subtract)
    N.__imul__ = _inplace(multiply)
    N.__itruediv__ = N.__idiv__ = _inplace(divide)
    N.__imod__ = _inplace(modulo)
    N.__ipow__ = _inplace(power)


_bind_methods()
