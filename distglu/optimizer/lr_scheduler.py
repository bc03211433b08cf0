"""Learning-rate schedules (``mxnet.lr_scheduler``, reached as ``mx.lr_scheduler``).

A scheduler is called with ``num_update`` (the largest number of updates any
parameter has had, as the optimizer counts them) and returns the learning rate.
The step semantics are MXNet 1.9.1's:

- warmup covers ``num_update < warmup_steps``;
- ``FactorScheduler(step=s)`` first lowers the rate when ``num_update > s`` (at update
  ``s + 1``), ``MultiFactorScheduler([a, b])`` when ``num_update > a`` and ``> b``;
- ``PolyScheduler``/``CosineScheduler`` reach ``final_lr`` at ``num_update == max_update``
  and keep it after.

Like MXNet's, the factor schedulers keep their current rate in ``base_lr`` and expect
``num_update`` not to decrease.
"""
import logging
import math

from ..base import DistGluError

__all__ = ['LRScheduler', 'FactorScheduler', 'MultiFactorScheduler', 'PolyScheduler',
           'CosineScheduler']

_log = logging.getLogger(__name__)


def _require_int(value, what, owner):
    if not isinstance(value, int) or isinstance(value, bool):
        raise DistGluError("%s: %s must be an int, got %r" % (owner, what, value))


def _check_factor(factor):
    if factor > 1.0:
        raise ValueError("Factor must be no more than 1 to make lr reduce")


class LRScheduler:
    """Base class of learning-rate schedulers.

    Parameters
    ----------
    base_lr : float, default 0.01
        The rate once warmup is over.
    warmup_steps : int, default 0
        Updates ``0 .. warmup_steps-1`` are warmup.
    warmup_begin_lr : float, default 0
        The rate warmup starts from (not above ``base_lr``).
    warmup_mode : {'linear', 'constant'}
        'linear' climbs from ``warmup_begin_lr`` towards ``base_lr`` in equal increments;
        'constant' stays at ``warmup_begin_lr``.
    """

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        _require_int(warmup_steps, 'warmup_steps', type(self).__name__)
        if warmup_begin_lr > base_lr:
            raise ValueError("Base lr has to be higher than warmup_begin_lr")
        if warmup_steps < 0:
            raise ValueError("Warmup steps has to be positive or 0")
        if warmup_mode not in ('linear', 'constant'):
            raise ValueError("Supports only linear and constant modes of warmup")
        self.base_lr = base_lr
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        """The warmup rate at ``num_update`` (< ``warmup_steps``)."""
        if num_update >= self.warmup_steps:
            raise DistGluError("get_warmup_lr: num_update %r is past the %d warmup steps"
                               % (num_update, self.warmup_steps))
        if self.warmup_mode == 'constant':
            return self.warmup_begin_lr
        if self.warmup_mode != 'linear':
            raise ValueError("Invalid warmup mode %s" % self.warmup_mode)
        span = self.warmup_final_lr - self.warmup_begin_lr
        return self.warmup_begin_lr + span * float(num_update) / float(self.warmup_steps)

    def __call__(self, num_update):
        """The learning rate at ``num_update`` (the largest update count of any weight)."""
        raise NotImplementedError("must override this")


class FactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` every ``step`` updates, never below ``stop_factor_lr``.

    After warmup the rate is ``base_lr * factor**k``, ``k`` the number of multiples of
    ``step`` that ``num_update`` exceeds strictly, clamped at ``stop_factor_lr``.
    """

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ValueError("Schedule step must be greater or equal than 1 round")
        _check_factor(factor)
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0          # the update count at which the rate last changed

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        # several steps at once when training resumes from a later update
        while num_update > self.count + self.step:
            self.count += self.step
            lowered = self.base_lr * self.factor
            self.base_lr = lowered if lowered >= self.stop_factor_lr else self.stop_factor_lr
            _log.info("Update[%d]: learning rate now %0.5e", num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiply the rate by ``factor`` as ``num_update`` passes each entry of ``step``.

    After warmup the rate is ``base_lr * factor**k``, ``k`` the number of entries of
    ``step`` (an increasing list of ints >= 1) that ``num_update`` exceeds strictly.
    """

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode='linear'):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(step, list) or not step:
            raise DistGluError("MultiFactorScheduler: step must be a non-empty list of "
                               "increasing ints, got %r" % (step,))
        if any(b <= a for a, b in zip(step, step[1:])):
            raise ValueError("Schedule step must be an increasing integer list")
        if step[0] < 1:
            raise ValueError("Schedule step must be greater or equal than 1 round")
        _check_factor(factor)
        self.step = step
        self.cur_step_ind = 0   # how many entries of step have been passed
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        steps = self.step
        while self.cur_step_ind < len(steps) and num_update > steps[self.cur_step_ind]:
            self.count = steps[self.cur_step_ind]
            self.cur_step_ind += 1
            self.base_lr *= self.factor
            _log.info("Update[%d]: learning rate now %0.5e", num_update, self.base_lr)
        return self.base_lr


class _DecayScheduler(LRScheduler):
    """A decay from ``base_lr`` (after warmup) to ``final_lr`` at ``max_update``."""

    def __init__(self, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                 warmup_mode):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _require_int(max_update, 'max_update', type(self).__name__)
        if max_update < 1:
            raise ValueError("maximum number of updates must be strictly positive")
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = max_update - self.warmup_steps

    def _remaining(self, done, total):
        """The share of ``base_lr - final_lr`` left after ``done`` of ``total`` decay steps."""
        raise NotImplementedError

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            done, total = num_update - self.warmup_steps, self.max_steps
            if total == 0:  # warmup ends at max_update: the decay is complete at once
                done = total = 1
            self.base_lr = self.final_lr + \
                (self.base_lr_orig - self.final_lr) * self._remaining(done, total)
        return self.base_lr


class PolyScheduler(_DecayScheduler):
    """Polynomial decay: ``final_lr + (base_lr - final_lr) * (1 - p)**pwr`` after warmup,
    ``p = (num_update - warmup_steps) / (max_update - warmup_steps)``; constant past
    ``max_update``."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)
        self.power = pwr

    def _remaining(self, done, total):
        return pow(1 - float(done) / float(total), self.power)


class CosineScheduler(_DecayScheduler):
    """Cosine decay: ``final_lr + (base_lr - final_lr) * (1 + cos(pi * p)) / 2`` after
    warmup, ``p = (num_update - warmup_steps) / (max_update - warmup_steps)``; constant
    past ``max_update``."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0,
                 warmup_steps=0, warmup_begin_lr=0, warmup_mode='linear'):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr,
                         warmup_mode)

    def _remaining(self, done, total):
        return (1 + math.cos(math.pi * done / total)) / 2
