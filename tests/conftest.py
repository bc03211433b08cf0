import numpy as np
import pytest



@pytest.fixture(autouse=True)
def _reset_autograd_state():
    """Every test starts outside record() in predict mode, as a fresh process would."""
    from distglu import autograd
    prev = autograd._set(False, False)
    yield
    autograd._set(*prev)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
