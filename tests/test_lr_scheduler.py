"""Learning-rate schedulers (``mx.lr_scheduler``): rate sequences recorded from MXNet 1.9.1,
closed-form references, argument errors, and the optimizer driving them."""
import math
import pickle

import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError

L = mx.lr_scheduler

# (class, kwargs, num_update sequence, rates MXNet 1.9.1 returned for it, called in order)
MX_SCHEDULES = {
    'factor': (
        'FactorScheduler', dict(step=3, factor=0.5, base_lr=1.0),
        list(range(12)),
        [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.125, 0.125]),
    'factor_stop': (
        'FactorScheduler', dict(step=2, factor=0.1, stop_factor_lr=0.001, base_lr=1.0),
        list(range(12)),
        [1.0, 1.0, 1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002,
         0.0010000000000000002, 0.0010000000000000002, 0.001, 0.001, 0.001]),
    'factor_warm': (
        'FactorScheduler', dict(step=2, factor=0.5, base_lr=0.8, warmup_steps=4,
                                warmup_begin_lr=0.1),
        list(range(12)),
        [0.1, 0.275, 0.45000000000000007, 0.625, 0.4, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05, 0.025]),
    'factor_jump': (
        'FactorScheduler', dict(step=2, factor=0.5, base_lr=1.0),
        [0, 7, 8, 9, 20],
        [1.0, 0.125, 0.125, 0.0625, 0.001953125]),
    'multi': (
        'MultiFactorScheduler', dict(step=[2, 5, 6], factor=0.5, base_lr=1.0),
        list(range(10)),
        [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.125, 0.125, 0.125]),
    'multi_warm_const': (
        'MultiFactorScheduler', dict(step=[4, 6], factor=0.1, base_lr=1.0, warmup_steps=3,
                                     warmup_begin_lr=0.2, warmup_mode='constant'),
        list(range(10)),
        [0.2, 0.2, 0.2, 1.0, 1.0, 0.1, 0.1, 0.010000000000000002, 0.010000000000000002,
         0.010000000000000002]),
    'poly': (
        'PolyScheduler', dict(max_update=8, base_lr=1.0, pwr=2, final_lr=0.1),
        list(range(12)),
        [1.0, 0.7890625, 0.60625, 0.4515625, 0.325, 0.2265625, 0.15625, 0.11406250000000001,
         0.1, 0.1, 0.1, 0.1]),
    'poly_warm': (
        'PolyScheduler', dict(max_update=10, base_lr=0.5, pwr=1.5, warmup_steps=3,
                              warmup_begin_lr=0.05),
        list(range(13)),
        [0.05, 0.2, 0.35, 0.5, 0.39678004275966494, 0.3018408052601845, 0.21597969886241555,
         0.14028292943742368, 0.07636035483212125, 0.026997462357801958, 0.0, 0.0, 0.0]),
    'cosine': (
        'CosineScheduler', dict(max_update=8, base_lr=1.0, final_lr=0.2),
        list(range(11)),
        [1.0, 0.9695518130045147, 0.882842712474619, 0.7530733729460359, 0.6000000000000001,
         0.44692662705396413, 0.317157287525381, 0.2304481869954853, 0.2, 0.2, 0.2]),
    'cosine_warm': (
        'CosineScheduler', dict(max_update=10, base_lr=0.5, warmup_steps=4, warmup_begin_lr=0.1),
        list(range(13)),
        [0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.4665063509461097, 0.375, 0.25,
         0.12500000000000006, 0.03349364905389032, 0.0, 0.0, 0.0]),
}


@pytest.mark.parametrize('case', sorted(MX_SCHEDULES))
def test_sequence_matches_mxnet(case):
    cls, kwargs, steps, want = MX_SCHEDULES[case]
    sched = getattr(L, cls)(**kwargs)
    got = [sched(n) for n in steps]
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)


def _warmup(n, begin, final, steps, mode):
    return begin if mode == 'constant' else begin + (final - begin) * n / steps


def test_factor_closed_form():
    # after warmup: base_lr * factor**k, k = number of multiples of step passed strictly
    sched = L.FactorScheduler(step=4, factor=0.7, base_lr=0.3)
    for n in range(40):
        k = max(0, (n - 1) // 4)
        assert sched(n) == pytest.approx(0.3 * 0.7 ** k, rel=1e-12), n


def test_multifactor_closed_form():
    steps = [3, 7, 8, 15]
    sched = L.MultiFactorScheduler(step=steps, factor=0.3, base_lr=2.0, warmup_steps=2,
                                   warmup_begin_lr=0.5)
    for n in range(25):
        if n < 2:
            want = _warmup(n, 0.5, 2.0, 2, 'linear')
        else:
            want = 2.0 * 0.3 ** sum(n > s for s in steps)
        assert sched(n) == pytest.approx(want, rel=1e-12), n
    assert sched.cur_step_ind == 4 and sched.count == 15


def test_poly_and_cosine_closed_form():
    poly = L.PolyScheduler(max_update=20, base_lr=0.4, pwr=3, final_lr=0.01, warmup_steps=5,
                           warmup_begin_lr=0.1, warmup_mode='constant')
    cos = L.CosineScheduler(max_update=20, base_lr=0.4, final_lr=0.01, warmup_steps=5,
                            warmup_begin_lr=0.1)
    for n in range(30):
        p = min(n - 5, 15) / 15.0
        if n < 5:
            assert poly(n) == 0.1
            assert cos(n) == pytest.approx(_warmup(n, 0.1, 0.4, 5, 'linear'), rel=1e-12)
        else:
            assert poly(n) == pytest.approx(0.01 + 0.39 * (1 - p) ** 3, rel=1e-12, abs=1e-15)
            assert cos(n) == pytest.approx(0.01 + 0.39 * (1 + math.cos(math.pi * p)) / 2,
                                           rel=1e-12)


def test_decay_with_warmup_ending_at_max_update():
    # MXNet divides by zero here at num_update == max_update; distglu ends the decay
    sched = L.PolyScheduler(max_update=4, base_lr=1.0, final_lr=0.2, warmup_steps=4)
    assert [sched(n) for n in range(6)] == [0.0, 0.25, 0.5, 0.75, 0.2, 0.2]


def test_get_warmup_lr_and_base_call():
    sched = L.FactorScheduler(step=5, base_lr=1.0, warmup_steps=4, warmup_begin_lr=0.2)
    assert sched.get_warmup_lr(2) == pytest.approx(0.6)
    with pytest.raises(DistGluError, match='warmup'):
        sched.get_warmup_lr(4)
    with pytest.raises(NotImplementedError):
        L.LRScheduler()(0)


def test_defaults():
    s = L.LRScheduler()
    assert (s.base_lr, s.warmup_steps, s.warmup_begin_lr, s.warmup_mode) == \
        (0.01, 0, 0, 'linear')
    f = L.FactorScheduler(step=10)
    assert (f.factor, f.stop_factor_lr, f.base_lr, f.count) == (1, 1e-8, 0.01, 0)
    p = L.PolyScheduler(max_update=10)
    assert (p.power, p.final_lr, p.base_lr) == (2, 0, 0.01)
    c = L.CosineScheduler(max_update=10)
    assert (c.final_lr, c.base_lr) == (0, 0.01)


# (class, kwargs, exception type, MXNet 1.9.1's message)
ERRORS = [
    ('FactorScheduler', dict(step=0), ValueError,
     'Schedule step must be greater or equal than 1 round'),
    ('FactorScheduler', dict(step=2, factor=1.5), ValueError,
     'Factor must be no more than 1 to make lr reduce'),
    ('MultiFactorScheduler', dict(step=[3, 2]), ValueError,
     'Schedule step must be an increasing integer list'),
    ('MultiFactorScheduler', dict(step=[0, 2]), ValueError,
     'Schedule step must be greater or equal than 1 round'),
    ('MultiFactorScheduler', dict(step=[2], factor=2), ValueError,
     'Factor must be no more than 1 to make lr reduce'),
    ('PolyScheduler', dict(max_update=0), ValueError,
     'maximum number of updates must be strictly positive'),
    ('CosineScheduler', dict(max_update=0), ValueError,
     'maximum number of updates must be strictly positive'),
    ('FactorScheduler', dict(step=2, warmup_steps=-1), ValueError,
     'Warmup steps has to be positive or 0'),
    ('FactorScheduler', dict(step=2, warmup_mode='exp', warmup_steps=2), ValueError,
     'Supports only linear and constant modes of warmup'),
    ('FactorScheduler', dict(step=2, base_lr=0.1, warmup_begin_lr=0.5), ValueError,
     'Base lr has to be higher than warmup_begin_lr'),
    # MXNet asserts these; distglu raises DistGluError saying what it expected
    ('FactorScheduler', dict(step=2, warmup_steps=2.5), DistGluError,
     'warmup_steps must be an int'),
    ('MultiFactorScheduler', dict(step=(2, 3)), DistGluError, 'non-empty list'),
    ('MultiFactorScheduler', dict(step=[]), DistGluError, 'non-empty list'),
    ('PolyScheduler', dict(max_update=10.0), DistGluError, 'max_update must be an int'),
    ('CosineScheduler', dict(max_update='10'), DistGluError, 'max_update must be an int'),
]


@pytest.mark.parametrize('cls,kwargs,exc,msg', ERRORS)
def test_bad_arguments(cls, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        getattr(L, cls)(**kwargs)


def test_optimizer_feeds_num_update_to_scheduler():
    seen = []

    class Recording(L.LRScheduler):
        def __call__(self, num_update):
            seen.append(num_update)
            return self.base_lr / (1 + num_update)

    opt = mx.optimizer.SGD(lr_scheduler=Recording(base_lr=1.0))
    assert opt.lr is None and opt.learning_rate == 1.0
    w = mx.nd.zeros((3,))
    seen.clear()
    for step in range(1, 4):
        for idx in (0, 1):
            opt.update(idx, w, mx.nd.ones((3,)), None)
    assert seen == [1, 1, 2, 2, 3, 3]
    # w moved by lr(1) + lr(2) + lr(3) per index, twice
    np.testing.assert_allclose(w.asnumpy(), -2 * (1 / 2 + 1 / 3 + 1 / 4), rtol=1e-6)
    assert opt.learning_rate == 0.25


def test_schedulers_pickle_with_their_state():
    sched = L.MultiFactorScheduler(step=[2, 4], factor=0.5, base_lr=1.0)
    for n in range(4):
        sched(n)
    again = pickle.loads(pickle.dumps(sched))
    assert again.base_lr == 0.5 and again.cur_step_ind == 1
    assert again(5) == 0.25
