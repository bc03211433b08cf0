"""Gluon: the imperative neural-network API (``mxnet.gluon``)."""
import importlib

_SUBMODULES = ('parameter', 'block', 'trainer', 'loss', 'utils', 'nn', 'rnn', 'data',
               'model_zoo')
_EXPORTS = {'Parameter': 'parameter', 'ParameterDict': 'parameter', 'Constant': 'parameter',
            'DeferredInitializationError': 'parameter', 'Block': 'block',
            'HybridBlock': 'block', 'SymbolBlock': 'block', 'Trainer': 'trainer'}


def __getattr__(name):
    if name in _SUBMODULES:
        mod = importlib.import_module('.' + name, __name__)
        globals()[name] = mod
        return mod
    if name in _EXPORTS:
        mod = importlib.import_module('.' + _EXPORTS[name], __name__)
        val = getattr(mod, name)
        globals()[name] = val
        return val
    if name == 'contrib':
        raise AttributeError("module 'distglu.gluon' has no attribute 'contrib': MXNet's "
                             "gluon.contrib (experimental layers) is not implemented")
    raise AttributeError("module 'distglu.gluon' has no attribute %r" % name)


def __dir__():
    # the lazily imported names too, so tab completion and dir() show them
    return sorted(set(globals()) | set(_SUBMODULES) | set(_EXPORTS))
