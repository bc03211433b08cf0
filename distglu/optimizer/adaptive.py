"""Per-coordinate adaptive rules: RMSProp, AdaGrad, AdaDelta, Ftrl.

Each formula is the one MXNet 1.9.1 computes. Their accumulators are float32 as in
MXNet (float64 for float64 weights).
"""
from ..base import DistGluAssertionError
from ..ndarray.ndarray import zeros
from .optimizer import Optimizer, register, _acc_zeros, _ema, _ema_sq, _xp

__all__ = ['RMSProp', 'AdaGrad', 'GroupAdaGrad', 'AdaDelta', 'Ftrl']


@register
class RMSProp(Optimizer):
    """RMSProp (``mxnet.optimizer.RMSProp``): Tieleman & Hinton, or Graves' centered version.

    With ``g = clip(rescale_grad * grad + wd * weight, clip_gradient)``; not centered::

        n = (1 - gamma1) * g**2 + gamma1 * n
        weight -= lr * g / sqrt(n + epsilon)

    centered (state ``(n, g_avg, delta)``)::

        n = (1 - gamma1) * g**2 + gamma1 * n
        g_avg = (1 - gamma1) * g + gamma1 * g_avg
        delta = gamma2 * delta - lr * g / sqrt(n - g_avg**2 + epsilon)
        weight += delta

    then, with ``clip_weights``, the weight is clipped to ``[-clip_weights, clip_weights]``.
    """

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9,
                 epsilon=1e-8, centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        if self.centered:
            return (_acc_zeros(weight), _acc_zeros(weight), _acc_zeros(weight))
        return (_acc_zeros(weight),)

    def _step(self, index, weight, grad, state):
        lr, _, w, xp, g = self._rule_inputs(index, weight, grad, wd_in_grad=True)
        g1 = self.gamma1
        n = state[0]._data
        _ema_sq(n, g, g1)
        if not self.centered:
            denom = n + self.epsilon
            xp.sqrt(denom, out=denom)
            g /= denom
            g *= lr
            w -= g
        else:
            g_avg, delta = state[1]._data, state[2]._data
            _ema(g_avg, g, g1)
            denom = g_avg * g_avg
            xp.subtract(n, denom, out=denom)
            denom += self.epsilon
            xp.sqrt(denom, out=denom)
            g /= denom
            g *= lr
            delta *= self.gamma2
            delta -= g
            w += delta
        if self.clip_weights and self.clip_weights > 0:
            xp.clip(w, -self.clip_weights, self.clip_weights, out=w)


@register
class AdaGrad(Optimizer):
    """AdaGrad (``mxnet.optimizer.AdaGrad``).

    With ``g = clip(rescale_grad * grad, clip_gradient)``::

        history += g**2
        weight -= lr * (g / sqrt(history + eps) + wd * weight)

    (``eps`` is stored as ``float_stable_eps``, as MXNet.)
    """

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        return _acc_zeros(weight)

    def _step(self, index, weight, grad, state):
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad, python_rule=True)
        h = state._data
        h += g * g
        denom = h + self.float_stable_eps
        xp.sqrt(denom, out=denom)
        g /= denom
        if wd:
            g += w * wd
        g *= lr
        w -= g


@register
class GroupAdaGrad(Optimizer):
    """AdaGrad with one learning rate per row of a 2-D weight
    (``mxnet.optimizer.contrib.GroupAdaGrad``). With ``g = clip(rescale_grad * grad,
    clip_gradient)``::

        history += mean(g**2, axis=1, keepdims=True)       # shape (rows, 1)
        weight -= lr * g / sqrt(history + eps)

    Weight decay is not supported (an AssertionError, as MXNet)."""

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        if len(weight.shape) != 2:
            raise DistGluAssertionError("GroupAdaGrad: the weight must be 2-D, got shape %s"
                                        % (weight.shape,))
        return zeros((weight.shape[0], 1), ctx=weight.context, dtype=weight.dtype)

    def _step(self, index, weight, grad, state):
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad, python_rule=True)
        if wd != 0:
            raise DistGluAssertionError('Weight decay is not supported for GroupAdaGrad')
        h = state._data
        h += xp.mean(g * g, axis=1, keepdims=True)
        g *= lr
        g /= xp.sqrt(h + self.float_stable_eps)
        w -= g


@register
class AdaDelta(Optimizer):
    """AdaDelta (Zeiler 2012; ``mxnet.optimizer.AdaDelta``). It uses no learning rate.

    With ``g = clip(rescale_grad * grad, clip_gradient)``::

        acc_g = rho * acc_g + (1 - rho) * g**2
        delta = sqrt(acc_delta + epsilon) / sqrt(acc_g + epsilon) * g
        acc_delta = rho * acc_delta + (1 - rho) * delta**2
        weight -= delta + wd * weight

    (MXNet multiplies the gradient buffer itself by ``rescale_grad``; distglu leaves the
    buffer alone and rescales a copy.)
    """

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (_acc_zeros(weight), _acc_zeros(weight))

    def _step(self, index, weight, grad, state):
        # not _rule_inputs: AdaDelta has no learning rate, and MXNet never asks the scheduler
        wd = self._get_wd(index)
        w = weight._data
        xp = _xp(w)
        g = self._grad(xp, grad._data, python_rule=True)
        acc_g, acc_delta = state[0]._data, state[1]._data
        rho = self.rho
        _ema_sq(acc_g, g, rho)
        num = acc_delta + self.epsilon
        xp.sqrt(num, out=num)
        den = acc_g + self.epsilon
        xp.sqrt(den, out=den)
        num /= den
        g *= num                        # g is now delta
        _ema_sq(acc_delta, g, rho)
        if wd:
            g += w * wd
        w -= g


@register
class Ftrl(Optimizer):
    """FTRL-Proximal (McMahan et al. 2013; ``mxnet.optimizer.Ftrl``).

    With ``g = clip(rescale_grad * grad, clip_gradient)``::

        z += g - (sqrt(n + g**2) - sqrt(n)) * weight / lr
        n += g**2
        weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd) * (abs(z) > lamda1)

    The default learning rate is 0.1. State: ``(z, n)``.
    """

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return (_acc_zeros(weight), _acc_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad)
        z, n = state[0]._data, state[1]._data
        sqrt_n = xp.sqrt(n)
        g2 = g * g
        n += g2
        z += g
        xp.sqrt(n, out=g2)              # g2 is now sqrt(n_new)
        sqrt_n -= g2                    # sqrt(n_old) - sqrt(n_new)
        sqrt_n *= w
        sqrt_n *= 1. / lr
        z += sqrt_n
        # weight = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / lr + wd), where |z| > lamda1
        g2 += self.beta
        g2 *= 1. / lr
        g2 += wd
        xp.sign(z, out=g)
        g *= self.lamda1
        g -= z
        g /= g2
        xp.greater(xp.abs(z), self.lamda1, out=g2)
        xp.multiply(g, g2, out=w)
