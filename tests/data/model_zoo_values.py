"""Deterministic parameter values and inputs shared by gen_mxnet_model_zoo.py (which
records MXNet 1.9.1's outputs with them) and tests/test_model_zoo.py (which feeds the
same values to distglu); NumPy only."""
import numpy as np


def param_values(shapes, seed=0):
    """Values for parameters of the given (name, shape)s, in order: weights uniform with
    variance 2/fan_in (He), BN gamma and running_var in [0.5, 1.5], biases, beta and
    running_mean in [-0.1, 0.1]."""
    rs = np.random.RandomState(seed)
    out = []
    for name, shape in shapes:
        if name.endswith('gamma') or name.endswith('running_var'):
            out.append(rs.uniform(0.5, 1.5, shape))
        elif name.endswith('weight'):
            s = np.sqrt(6.0 / np.prod(shape[1:]))
            out.append(rs.uniform(-s, s, shape))
        else:
            out.append(rs.uniform(-0.1, 0.1, shape))
    return out


def make_input(shape, seed=1):
    return np.random.RandomState(seed).uniform(-1, 1, shape)
