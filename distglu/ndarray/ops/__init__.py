"""Every NDArray operator, grouped by family (one module per family).

Each family module lists its public operators in ``__all__``; they are all exported
as ``distglu.nd.<name>``.
"""
from . import arith, elemwise, reduce, shape, indexing, linalg, nn, conv, norm, rnn_op, convert
from .arith import *          # noqa: F401,F403
from .elemwise import *       # noqa: F401,F403
from .reduce import *         # noqa: F401,F403
from .shape import *          # noqa: F401,F403
from .indexing import *       # noqa: F401,F403
from .linalg import *         # noqa: F401,F403
from .nn import *             # noqa: F401,F403
from .conv import *           # noqa: F401,F403
from .norm import *           # noqa: F401,F403
from .rnn_op import *         # noqa: F401,F403
from .convert import *        # noqa: F401,F403

_FAMILIES = (arith, elemwise, reduce, shape, indexing, linalg, nn, conv, norm, rnn_op, convert)
__all__ = [n for m in _FAMILIES for n in m.__all__]
