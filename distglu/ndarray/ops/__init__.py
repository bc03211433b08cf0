"""Every NDArray operator, grouped by family (one module per family).

Each family module lists its public operators in ``__all__``; they are all exported
as ``distglu.nd.<name>``. (Module names such as ``norm`` are also operator names, so
the modules are kept under ``_FAMILIES`` before the star imports shadow them.)
"""
import importlib as _importlib

_FAMILY_NAMES = ('arith', 'elemwise', 'reduce', 'shape', 'join_split', 'layout', 'indexing',
                 'getitem', 'linalg', 'nn', 'conv', 'norm', 'rnn_op', 'convert', 'ctc',
                 'la', 'misc', 'update_ops', 'update_multi_ops', 'legacy', 'sample_ops')
_FAMILIES = tuple(_importlib.import_module('.' + _n, __name__) for _n in _FAMILY_NAMES)

__all__ = []
for _m in _FAMILIES:
    for _name in _m.__all__:
        globals()[_name] = getattr(_m, _name)
        __all__.append(_name)
del _m, _name
