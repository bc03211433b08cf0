"""distglu._numpy_compat: MXNet-era programs print NumPy values as they did on NumPy 1."""
import os
import subprocess
import sys

import numpy as np

_PROGRAM = r'''
import warnings
warnings.simplefilter('error')            # any warning would fail the program
from distglu import nd
l = nd.array([1., 2.])
print('loss %f' % l.mean().asnumpy())     # D2L's linear-regression print
print(float(l.mean().asnumpy()))
print([l.mean().asscalar()], (nd.array([3], dtype='int32').asscalar(),))
print(nd.log(nd.array([-1.0, 0.0])).asnumpy().tolist(), (nd.array([1.0]) / 0).asscalar())
'''


def _run(env_value):
    env = dict(os.environ)
    env.pop('DISTGLU_NUMPY_LEGACY', None)
    if env_value is not None:
        env['DISTGLU_NUMPY_LEGACY'] = env_value
    return subprocess.run([sys.executable, '-c', _PROGRAM], env=env, capture_output=True,
                          text=True)


def test_tutorial_prints_match_numpy_1():
    res = _run(None)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ['loss 1.500000', '1.5', '[1.5] (3,)',
                                       '[nan, -inf] inf']


def test_opt_out_keeps_numpy_2_behaviour():
    res = _run('0')
    if int(np.__version__.split('.')[0]) < 2:
        assert res.returncode == 0
        return
    # NumPy 2: the conversion warns (an error under simplefilter('error')) or raises
    assert res.returncode != 0
    assert 'ndim > 0' in res.stderr or 'only 0-dimensional arrays' in res.stderr


def test_numpy_version_is_below_2_4():
    """pyproject requires numpy<2.4: NumPy 2.4 raises on the conversion above."""
    major, minor = (int(v) for v in np.__version__.split('.')[:2])
    assert (major, minor) < (2, 4)
