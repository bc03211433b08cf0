"""NumPy 2 behaviours that change what MXNet-era programs print, undone at import.

MXNet 1.x ran on NumPy 1.x, and tutorials print NumPy values the way NumPy 1 did:
- ``'loss %f' % l.mean().asnumpy()``: MXNet reductions return shape (1,) arrays, and
  NumPy >= 1.25 warns (DeprecationWarning) when such an array becomes a Python scalar
  (NumPy 2.4 raises, hence distglu's ``numpy<2.4`` requirement). distglu silences that
  one warning, so the program prints what it printed under MXNet.
- ``print([x.asscalar()])`` shows ``[1.5]`` under NumPy 1 and ``[np.float32(1.5)]``
  under NumPy 2. distglu sets NumPy's ``legacy='1.25'`` print option, which restores
  the NumPy 1 scalar repr (and changes nothing else NumPy prints differently).
- ``nd.log(x)`` at 0, ``nd.sqrt`` of a negative number, a division by zero: MXNet returns
  -inf/nan/inf silently, NumPy also prints a RuntimeWarning. distglu sets NumPy's error
  handling for division by zero, invalid operations and overflow to 'ignore' (for the
  importing thread, as ``np.seterr`` does), so such programs print what they printed.

``DISTGLU_NUMPY_LEGACY=0`` in the environment leaves NumPy's warnings and printing alone.
"""
import os
import warnings

import numpy as np

__all__ = ['apply']

APPLIED = False


def apply():
    """Apply the settings described in the module docstring unless opted out; returns
    whether they were applied."""
    global APPLIED
    if os.environ.get('DISTGLU_NUMPY_LEGACY', '1').strip() == '0':
        return False
    warnings.filterwarnings('ignore', category=DeprecationWarning,
                            message='Conversion of an array with ndim > 0 to a scalar')
    if int(np.__version__.split('.')[0]) >= 2 and np.get_printoptions().get('legacy') is False:
        np.set_printoptions(legacy='1.25')
    np.seterr(divide='ignore', invalid='ignore', over='ignore')
    APPLIED = True
    return True
