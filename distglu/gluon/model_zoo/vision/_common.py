"""Helpers shared by the model definitions.

HybridConcurrent is MXNet's ``gluon.contrib.nn.HybridConcurrent``, which the DenseNet,
Inception and SqueezeNet definitions use (kept here, private, so the model zoo does not
depend on a ``contrib`` package). The class name matters: it gives the block its printed
form and its ``hybridconcurrent<N>_`` name prefix, as in MXNet.
"""
from ... import nn
from .... import ndarray as nd
from ....base import DistGluAssertionError


# the parameters every model constructor documents (docstrings say {pretrained_params})
PRETRAINED_PARAMS = """    pretrained : bool, default False
        Load MXNet's pretrained weights from ``root`` (distglu never downloads; see
        ``model_store.get_model_file``).
    ctx : Context, default CPU
        The context in which to load the pretrained weights.
    root : str, default '$MXNET_HOME/models'
        Folder holding the pretrained parameter files.
    """


def with_pretrained_params(doc):
    """``doc`` with its ``{pretrained_params}`` placeholder filled in."""
    return doc.replace('{pretrained_params}', PRETRAINED_PARAMS)


def pretrained_doc(fn):
    """Decorator: fill in the ``{pretrained_params}`` placeholder of fn's docstring."""
    fn.__doc__ = with_pretrained_params(fn.__doc__)
    return fn


def _check(cond, message):
    """MXNet's ``assert cond, message``, as an error that is also an AssertionError."""
    if not cond:
        raise DistGluAssertionError(message)


class HybridConcurrent(nn.HybridSequential):
    """Feeds the input to every child and concatenates their outputs along ``axis``."""

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x):
        return self.hybrid_forward(nd, x)

    def hybrid_forward(self, F, x):
        return F.concat(*[block(x) for block in self._children.values()], dim=self.axis)
