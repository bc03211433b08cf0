"""Neural-network layers (``mxnet.gluon.nn``)."""
from ..block import Block, HybridBlock, SymbolBlock
from .basic_layers import *  # noqa: F401,F403
from .conv_layers import *  # noqa: F401,F403
from .norm_layers import *  # noqa: F401,F403
