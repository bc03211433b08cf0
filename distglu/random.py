"""``distglu.random`` (``mxnet.random``): seeding and sampling functions."""
from .ndarray.random import *  # noqa: F401,F403
from .ndarray.random import seed, uniform, normal, randn, randint, multinomial, shuffle  # noqa
