"""Text helpers (``mxnet.contrib.text.utils``)."""
import collections
import re

__all__ = ['count_tokens_from_str']


def count_tokens_from_str(source_str, token_delim=' ', seq_delim='\n', to_lower=False,
                          counter_to_update=None):
    """Count the tokens of ``source_str`` (MXNet 1.x ``count_tokens_from_str``).

    ``token_delim`` and ``seq_delim`` are regular expressions (escape special characters,
    e.g. ``'\\*'``); the string is split on either, and empty pieces are dropped. With
    ``to_lower`` the tokens are lower-cased first.

    Returns ``counter_to_update`` updated in place with the counts when one is given,
    else a new ``collections.Counter``.

    >>> count_tokens_from_str(' Life is great ! \\n life is good . \\n', ' ', '\\n', True)
    Counter({'life': 2, 'is': 2, 'great': 1, '!': 1, 'good': 1, '.': 1})
    """
    pieces = re.split('%s|%s' % (token_delim, seq_delim), source_str)
    tokens = [t.lower() if to_lower else t for t in pieces if t]
    if counter_to_update is None:
        return collections.Counter(tokens)
    counter_to_update.update(tokens)
    return counter_to_update
