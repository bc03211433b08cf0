"""Adam-family rules: Adam, AdamW, Adamax, Nadam, LAMB, FTML.

Each formula is the one MXNet 1.9.1 computes (AdamW: MXNet 2's, see its docstring),
written with in-place array operations on the raw arrays.
"""
import math

import numpy as np

from .optimizer import (Optimizer, register, _bias_correction, _ema, _ema_sq,
                        _env_aggregate_num, _float, _state_zeros)

__all__ = ['Adam', 'AdamW', 'Adamax', 'Nadam', 'LAMB', 'FTML']


def _moments(mean, var, g, beta1, beta2):
    """mean = beta1*mean + (1-beta1)*g;  var = beta2*var + (1-beta2)*g*g  (g is left as it was)."""
    _ema(mean, g, beta1)
    _ema_sq(var, g, beta2)


def _adam_direction(xp, mean, var, epsilon, out):
    """``out = mean / (sqrt(var) + epsilon)`` (``out`` may be the gradient's buffer)."""
    xp.sqrt(var, out=out)
    out += epsilon
    xp.divide(mean, out, out=out)


@register
class Adam(Optimizer):
    """Adam (``mxnet.optimizer.Adam``), with MXNet's placement of the bias correction.

    At step ``t`` of a parameter, with ``g = clip(rescale_grad * grad + wd * weight)``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
        weight -= lr_t * m / (sqrt(v) + epsilon)

    (epsilon is not bias-corrected: it is added to the uncorrected ``sqrt(v)``).
    State: ``(mean, var)`` in the weight's dtype.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, _, w, xp, g = self._rule_inputs(index, weight, grad, wd_in_grad=True)
        t = self._index_update_count[index]
        lr *= _bias_correction(self.beta1, self.beta2, t)
        mean, var = state[0]._data, state[1]._data
        _moments(mean, var, g, self.beta1, self.beta2)
        _adam_direction(xp, mean, var, self.epsilon, out=g)
        g *= lr
        w -= g


@register
class AdamW(Optimizer):
    """Adam with decoupled weight decay (Loshchilov & Hutter, arXiv:1711.05101).

    MXNet 1.9.1's Python package has no AdamW optimizer (only the ``contrib.adamw_update``
    operator); distglu follows MXNet 2's ``mxnet.optimizer.AdamW``, i.e. that operator
    called with ``lr=1, eta=lr_t``. With ``g = clip(rescale_grad * grad, clip_gradient)``::

        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2
        lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)      (lr_t = lr if not correct_bias)
        weight -= lr_t * (m / (sqrt(v) + epsilon) + wd * weight)

    As the operator, a ``rescale_grad`` of 0, NaN or Inf skips the update (the step is
    still counted). State: ``(mean, var)``.
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 correct_bias=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.correct_bias = correct_bias

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        rescale = _float(self.rescale_grad, 'rescale_grad')
        if rescale == 0 or not math.isfinite(rescale):
            return
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad)
        if self.correct_bias:
            t = self._index_update_count[index]
            lr *= _bias_correction(self.beta1, self.beta2, t)
        mean, var = state[0]._data, state[1]._data
        _moments(mean, var, g, self.beta1, self.beta2)
        _adam_direction(xp, mean, var, self.epsilon, out=g)
        if wd:
            g += w * wd
        g *= lr
        w -= g


@register
class Adamax(Optimizer):
    """AdaMax, Adam with the infinity norm (``mxnet.optimizer.Adamax``).

    With ``g = clip(rescale_grad * grad + wd * weight)`` at step ``t``::

        m = beta1 * m + (1 - beta1) * g
        u = maximum(beta2 * u, abs(g))
        weight -= lr / (1 - beta1**t) * m / u
    """

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, _, w, xp, g = self._rule_inputs(index, weight, grad, wd_in_grad=True,
                                            python_rule=True)
        t = self._index_update_count[index]
        lr /= 1. - self.beta1 ** t
        m, u = state[0]._data, state[1]._data
        _ema(m, g, self.beta1)
        u *= self.beta2
        xp.abs(g, out=g)
        xp.maximum(u, g, out=u)
        xp.divide(m, u, out=g)
        g *= lr
        w -= g


@register
class Nadam(Optimizer):
    """Adam with Nesterov momentum (``mxnet.optimizer.Nadam``).

    With ``g = clip(rescale_grad * grad + wd * weight)`` at step ``t``::

        mu_t = beta1 * (1 - 0.5 * 0.96**(t * schedule_decay))
        mu_t1 = beta1 * (1 - 0.5 * 0.96**((t + 1) * schedule_decay))
        m_schedule = m_schedule * mu_t
        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        m_bar = (1 - mu_t) * g / (1 - m_schedule) + mu_t1 * m / (1 - m_schedule * mu_t1)
        weight -= lr * m_bar / (sqrt(v / (1 - beta2**t)) + epsilon)

    As MXNet, ``m_schedule`` is one number of the optimizer, multiplied at every
    parameter's update (not kept per parameter).
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, _, w, xp, g = self._rule_inputs(index, weight, grad, wd_in_grad=True,
                                            python_rule=True)
        t = self._index_update_count[index]
        mu_t = self.beta1 * (1. - 0.5 * (0.96 ** (t * self.schedule_decay)))
        mu_t1 = self.beta1 * (1. - 0.5 * (0.96 ** ((t + 1) * self.schedule_decay)))
        self.m_schedule = self.m_schedule * mu_t
        m_schedule_next = self.m_schedule * mu_t1
        m, v = state[0]._data, state[1]._data
        _moments(m, v, g, self.beta1, self.beta2)
        g *= (1. - mu_t) / (1. - self.m_schedule)
        g += m * (mu_t1 / (1. - m_schedule_next))
        denom = v * (1. / (1. - self.beta2 ** t))
        xp.sqrt(denom, out=denom)
        denom += self.epsilon
        g /= denom
        g *= lr
        w -= g


@register
class LAMB(Optimizer):
    """LAMB, layer-wise adaptive moments (You et al., arXiv:1904.00962; ``mxnet.optimizer.LAMB``).

    With ``g = clip(rescale_grad * grad, clip_gradient)`` at step ``t``::

        m = beta1 * m + (1 - beta1) * g;  v = beta2 * v + (1 - beta2) * g**2
        u = m / (1 - beta1**t) / (sqrt(v / (1 - beta2**t)) + epsilon) + wd * weight
            (u = m / (sqrt(v) + epsilon) + wd * weight without bias_correction)
        r1 = norm(weight), raised to lower_bound / lowered to upper_bound when given
        r2 = norm(u)
        weight -= lr * (r1 / r2 if r1 > 0 and r2 > 0 else 1) * u
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction

    def _default_aggregate_num(self):
        return max(1, min(45, _env_aggregate_num(45)))

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad)
        t = self._index_update_count[index]
        mean, var = state[0]._data, state[1]._data
        _moments(mean, var, g, self.beta1, self.beta2)
        if self.bias_correction:
            xp.multiply(var, 1. / (1. - self.beta2 ** t), out=g)
            xp.sqrt(g, out=g)
            g += self.epsilon
            g *= 1. - self.beta1 ** t
        else:
            xp.sqrt(var, out=g)
            g += self.epsilon
        xp.divide(mean, g, out=g)
        if wd:
            g += w * wd
        r1 = _norm(xp, w)
        r2 = _norm(xp, g)
        if self.lower_bound:
            r1 = xp.maximum(r1, self.lower_bound)
        if self.upper_bound:
            r1 = xp.minimum(r1, self.upper_bound)
        if xp is np:
            ratio = float(r1) / float(r2) if (r1 != 0 and r2 != 0) else 1.0
            g *= lr * ratio
        else:  # stay on the device: no host synchronisation for the ratio
            ok = (r1 != 0) & (r2 != 0)
            ratio = xp.where(ok, r1 / xp.where(ok, r2, 1), 1)
            g *= (ratio * lr).astype(g.dtype)
        w -= g


def _norm(xp, a):
    """The L2 norm of all elements, accumulated in at least float32."""
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    return xp.linalg.norm(a.ravel())


@register
class FTML(Optimizer):
    """Follow the Moving Leader (Zheng & Kwok, ICML 2017; ``mxnet.optimizer.FTML``).

    With ``g = clip(rescale_grad * grad + wd * weight)`` at step ``t``::

        v = beta2 * v + (1 - beta2) * g**2
        d_t = (1 - beta1**t) / lr * (sqrt(v / (1 - beta2**t)) + epsilon)
        z = beta1 * z + (1 - beta1) * g - (d_t - beta1 * d_(t-1)) * weight
        weight = -z / d_t

    State: ``(d, v, z)``.
    """

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (_state_zeros(weight), _state_zeros(weight), _state_zeros(weight))

    def _step(self, index, weight, grad, state):
        lr, _, w, xp, g = self._rule_inputs(index, weight, grad, wd_in_grad=True)
        t = self._index_update_count[index]
        d, v, z = state[0]._data, state[1]._data, state[2]._data
        b1 = self.beta1
        _ema_sq(v, g, self.beta2)
        z *= b1
        g *= 1. - b1
        z += g
        d *= -b1                       # d holds -beta1 * d_(t-1) ...
        xp.multiply(v, 1. / (1. - self.beta2 ** t), out=g)
        xp.sqrt(g, out=g)
        g += self.epsilon
        g *= (1. - b1 ** t) / lr       # ... g is d_t
        d += g                         # d_t - beta1 * d_(t-1)
        d *= w
        z -= d
        d[...] = g
        xp.divide(z, g, out=w)
        xp.negative(w, out=w)
