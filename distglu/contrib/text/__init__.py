"""Vocabularies and token embeddings for text (``mxnet.contrib.text``): ``utils``,
``vocab`` (Vocabulary) and ``embedding`` (GloVe, FastText, CustomEmbedding, ...)."""
from . import utils
from . import vocab
from . import embedding

__all__ = ['utils', 'vocab', 'embedding']
