"""Token indexing (``mxnet.contrib.text.vocab``)."""
import collections
import numbers

from ...base import DistGluAssertionError, DistGluTypeError, DistGluValueError
from ._constants import UNKNOWN_IDX

__all__ = ['Vocabulary']


class Vocabulary(object):
    """Indices for text tokens (MXNet 1.x ``mxnet.contrib.text.vocab.Vocabulary``).

    Index 0 is ``unknown_token``; ``reserved_tokens`` follow in their order; then the keys
    of ``counter`` (a ``collections.Counter``) by descending frequency, ties broken by the
    tokens' own order (``sorted``), keeping only those counted at least ``min_freq`` times
    and at most ``most_freq_count`` of them (None: no limit). Keys equal to the unknown or
    a reserved token are not indexed twice and do not count toward ``most_freq_count``.

    Tokens may be any hashable values of one sortable type (str, int, tuple).

    Errors, as in MXNet (MXNet fails an ``assert``; distglu raises DistGluAssertionError,
    an AssertionError): ``min_freq < 1``; ``unknown_token`` among ``reserved_tokens``;
    duplicate reserved tokens; ``counter`` not a ``collections.Counter``.
    """

    def __init__(self, counter=None, most_freq_count=None, min_freq=1, unknown_token='<unk>',
                 reserved_tokens=None):
        if not min_freq > 0:
            raise DistGluAssertionError('`min_freq` must be set to a positive value (got %r).'
                                        % (min_freq,))
        if reserved_tokens is not None:
            reserved_set = set(reserved_tokens)
            if unknown_token in reserved_set:
                raise DistGluAssertionError(
                    '`reserved_token` cannot contain `unknown_token` (%r is both).'
                    % (unknown_token,))
            if len(reserved_set) != len(reserved_tokens):
                dups = sorted({repr(t) for t in reserved_tokens
                               if list(reserved_tokens).count(t) > 1})
                raise DistGluAssertionError(
                    '`reserved_tokens` cannot contain duplicate reserved tokens (repeated: %s).'
                    % ', '.join(dups))
        self._index_special_tokens(unknown_token, reserved_tokens)
        if counter is not None:
            self._index_counter_keys(counter, most_freq_count, min_freq)

    def _index_special_tokens(self, unknown_token, reserved_tokens):
        self._unknown_token = unknown_token
        self._idx_to_token = [unknown_token]      # UNKNOWN_IDX is 0
        if reserved_tokens is None:
            self._reserved_tokens = None
        else:
            # a copy of the same sequence type, as MXNet's ``reserved_tokens[:]``
            self._reserved_tokens = reserved_tokens[:]
            self._idx_to_token.extend(reserved_tokens)
        self._token_to_idx = {tok: i for i, tok in enumerate(self._idx_to_token)}

    def _index_counter_keys(self, counter, most_freq_count, min_freq):
        if not isinstance(counter, collections.Counter):
            raise DistGluAssertionError('`counter` must be an instance of collections.Counter '
                                        '(got %s).' % type(counter).__name__)
        special = set(self._idx_to_token)
        # MXNet's cap on the table length: it is compared with ==, so a negative (or
        # non-integer) most_freq_count never reaches it and indexes every key
        cap = len(special) + (len(counter) if most_freq_count is None else most_freq_count)
        # most frequent first; equal counts in the tokens' sorted order
        for token, freq in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            if freq < min_freq or len(self._idx_to_token) == cap:
                break
            if token not in special:
                self._token_to_idx[token] = len(self._idx_to_token)
                self._idx_to_token.append(token)

    def __len__(self):
        return len(self._idx_to_token)

    @property
    def token_to_idx(self):
        """dict: each indexed token to its index."""
        return self._token_to_idx

    @property
    def idx_to_token(self):
        """list: the indexed tokens, position = index."""
        return self._idx_to_token

    @property
    def unknown_token(self):
        """The token that stands for every token not indexed (index 0)."""
        return self._unknown_token

    @property
    def reserved_tokens(self):
        """The reserved tokens (indices 1..len), or None."""
        return self._reserved_tokens

    def to_indices(self, tokens):
        """Index of a token, or list of indices of a list of tokens; a token not indexed
        gives 0 (the unknown token). Anything that is not a list (a tuple too) is taken as
        one token, as in MXNet."""
        if not isinstance(tokens, list):
            return self._token_to_idx.get(tokens, UNKNOWN_IDX)
        get = self._token_to_idx.get
        return [get(tok, UNKNOWN_IDX) for tok in tokens]

    def to_tokens(self, indices):
        """Token of an index, or list of tokens of a list of indices.

        As MXNet, an index must be a Python int (a ``bool`` counts as one; NumPy integers do
        not) no larger than ``len(self) - 1``; negative indices count from the end.
        Otherwise ValueError (TypeError for something that is not a number).
        """
        single = not isinstance(indices, list)
        if single:
            indices = [indices]
        max_idx = len(self._idx_to_token) - 1
        tokens = []
        for idx in indices:
            if not isinstance(idx, int):
                err = DistGluValueError if isinstance(idx, numbers.Real) else DistGluTypeError
                raise err('Token index %r in the provided `indices` is invalid: expected a '
                          'Python int, got %s.' % (idx, type(idx).__name__))
            if idx > max_idx:
                raise DistGluValueError('Token index %d in the provided `indices` is invalid '
                                        '(the largest index is %d).' % (idx, max_idx))
            tokens.append(self._idx_to_token[idx])
        return tokens[0] if single else tokens
