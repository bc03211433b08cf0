"""SGD-family rules: SGD, NAG, Signum, DCASGD, SGLD (and MXNet's ccSGD and Test).

Each formula is the one MXNet 1.9.1 computes (checked against its fused kernels),
written with in-place array operations on the raw arrays.
"""
import math

from .optimizer import (Optimizer, register, _env_aggregate_num, _momentum_state,
                        _state_zeros)

__all__ = ['SGD', 'NAG', 'Signum', 'DCASGD', 'SGLD', 'ccSGD', 'Test']


@register
class SGD(Optimizer):
    """Stochastic gradient descent with momentum and weight decay (``mxnet.optimizer.SGD``).

    With ``g = clip(rescale_grad * grad, clip_gradient)``::

        state = momentum * state - lr * wd * weight - lr * g
        weight = weight + state

    and without momentum ``weight = weight - lr * wd * weight - lr * g``.
    ``lazy_update`` only matters for row_sparse gradients, which distglu does not have.
    The multi-precision state is ``(momentum, float32 weight)``.
    """
    _mp_master_index = 1

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update

    def _default_aggregate_num(self):
        return _env_aggregate_num(4)

    def create_state(self, index, weight):
        return _momentum_state(self.momentum, weight)

    def _step(self, index, weight, grad, state):
        lr, wd, w, _, g = self._rule_inputs(index, weight, grad)
        g *= lr
        if state is not None and self.momentum > 0:
            mom = state._data
            mom *= self.momentum
            mom -= g
            if wd:
                mom -= w * (lr * wd)
            w += mom
        else:
            _descend(w, g, lr, wd)


def _descend(w, lr_g, lr, wd):
    """Plain gradient descent in place: ``w = (1 - lr * wd) * w - lr_g`` (``lr_g = lr * g``)."""
    if wd:
        w *= 1. - lr * wd
    w -= lr_g


@register
class ccSGD(SGD):  # noqa: N801  (MXNet's name)
    """[DEPRECATED in MXNet] The same as :class:`SGD`."""


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient (``mxnet.optimizer.NAG``).

    As MXNet 1.9.1's ``nag_mom_update`` computes it, with ``g = clip(rescale_grad * grad)``::

        m = momentum * state
        weight_new = weight + momentum * (m - lr * (g + wd * weight)) - lr * (g + wd * weight)
        state = m - lr * (g + wd * weight_new)

    (MXNet's kernel reads the weight decay term of the new state from the already updated
    weight; distglu reproduces that.) Without momentum it is SGD. Multi-precision state:
    ``(momentum, float32 weight)``.
    """
    _mp_master_index = 1

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state(self, index, weight):
        return _momentum_state(self.momentum, weight)

    def _step(self, index, weight, grad, state):
        lr, wd, w, _, g = self._rule_inputs(index, weight, grad)
        g *= lr
        if state is None or not self.momentum > 0:
            _descend(w, g, lr, wd)
            return
        mu = self.momentum
        mom = state._data
        mom *= mu
        if wd:
            w *= 1. - (1. + mu) * lr * wd
        w += mom * mu
        w -= g * (1. + mu)
        mom -= g
        if wd:
            mom -= w * (lr * wd)


@register
class Signum(Optimizer):
    """Signum / signSGD (``mxnet.optimizer.Signum``).

    With ``g = clip(rescale_grad * grad, clip_gradient)``::

        state = momentum * state - (1 - momentum) * (g + wd * weight)
        weight = (1 - lr * wd_lh) * weight + lr * sign(state)

    and without momentum (signSGD) ``weight = (1 - lr * wd) * weight - lr * sign(g)``.
    (MXNet 1.9.1 fails for momentum 0 with a nonzero ``wd_lh``; distglu then also
    multiplies the weight by ``1 - lr * wd_lh``.)
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight):
        return _momentum_state(self.momentum, weight)

    def _step(self, index, weight, grad, state):
        lr, wd, w, xp, g = self._rule_inputs(index, weight, grad)
        if state is not None and self.momentum > 0:
            mom = state._data
            if wd:
                g += w * wd
            g *= 1. - self.momentum
            mom *= self.momentum
            mom -= g
            xp.sign(mom, out=g)
            if self.wd_lh:
                w *= 1. - lr * self.wd_lh
            g *= lr
            w += g
        else:
            xp.sign(g, out=g)
            g *= lr
            if wd:
                w *= 1. - lr * wd
            if self.wd_lh:
                w *= 1. - lr * self.wd_lh
            w -= g


@register
class DCASGD(Optimizer):
    """Delay-compensated asynchronous SGD (``mxnet.optimizer.DCASGD``).

    With ``g = clip(rescale_grad * grad)`` and ``prev`` the weight before the last update::

        step = -lr * (g + wd * weight + lamda * g * g * (weight - prev))
        state = momentum * state + step        (step alone without momentum)
        prev = weight;  weight = weight + state

    State: ``(momentum or None, previous weight)``. (MXNet 1.9.1's DCASGD fails with a
    nonzero momentum on arrays of more than one element; distglu applies the formula.)
    """

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def create_state(self, index, weight):
        prev = _state_zeros(weight)
        prev._data[...] = weight._data
        if self.momentum == 0.0:
            return (None, prev)
        return (_state_zeros(weight), prev)

    def _step(self, index, weight, grad, state):
        lr, wd, w, _, g = self._rule_inputs(index, weight, grad, python_rule=True)
        mom, prev = state
        p = prev._data
        step = w - p
        step *= g
        step *= g
        step *= self.lamda
        step += g
        if wd:
            step += w * wd
        step *= -lr
        if mom is not None:
            m = mom._data
            m *= self.momentum
            m += step
            step = m
        p[...] = w
        w += step


@register
class SGLD(Optimizer):
    """Stochastic gradient Langevin dynamics (``mxnet.optimizer.SGLD``).

    ``weight += -lr/2 * (g + wd * weight) + N(0, sqrt(lr))`` with ``g = clip(rescale_grad * grad)``;
    the noise comes from ``distglu.nd.random.normal`` (seeded by ``mx.random.seed``).
    """

    def _step(self, index, weight, grad, state):
        from ..ndarray import random as _random
        lr, wd, w, _, g = self._rule_inputs(index, weight, grad, python_rule=True)
        if wd:
            g += w * wd
        g *= -lr / 2
        w += g
        noise = _random.normal(0, math.sqrt(lr), shape=weight.shape, dtype=w.dtype,
                               ctx=weight.context)
        w += noise._data


@register
class Test(Optimizer):
    """MXNet's test optimizer: ``weight += rescale_grad * grad``; the state copies the weight."""

    def create_state(self, index, weight):
        return _state_zeros(weight)

    def _step(self, index, weight, grad, state):
        w = weight._data
        w += grad._data * float(self.rescale_grad)
        state._data[...] = w
