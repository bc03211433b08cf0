"""``mxnet.contrib``: of MXNet's contributions distglu provides ``text`` only (vocabularies
and token embeddings). MXNet's contrib operators (``contrib.nd``, ``contrib.symbol``,
``contrib.autograd``, ``contrib.onnx``, ``contrib.quantization``, ...) are not implemented;
asking for them raises AttributeError (so ``hasattr`` is False)."""
from . import text

__all__ = ['text']


def __getattr__(name):
    if name.startswith('__'):
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    raise AttributeError("module 'distglu.contrib' has no attribute %r: MXNet's contrib "
                         "operators and modules (contrib.nd, contrib.symbol, contrib.autograd, "
                         "contrib.onnx, contrib.quantization, ...) are not implemented in "
                         "distglu; only contrib.text is provided" % (name,))
