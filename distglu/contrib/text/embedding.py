"""Token embeddings (``mxnet.contrib.text.embedding``).

A token embedding is a :class:`~distglu.contrib.text.vocab.Vocabulary` whose every index
has a vector: ``idx_to_vec`` is a float32 NDArray of shape ``(len(self), vec_len)``.
``GloVe`` and ``FastText`` read MXNet's pre-trained files, ``CustomEmbedding`` any file of
``token v1 v2 ...`` lines, ``CompositeEmbedding`` concatenates embeddings over a vocabulary.

Unlike MXNet, distglu never downloads: ``GloVe``/``FastText`` read
``embedding_root/<glove|fasttext>/<pretrained_file_name>`` (the unzipped ``.txt``/``.vec``
file, where MXNet keeps it after its download, so a folder MXNet filled works as is) and
raise :class:`EmbeddingFileNotFoundError` naming that path and MXNet's URL when it is not
there. The file's SHA-1 is not checked (MXNet re-downloads on a mismatch; distglu loads
what is there).
"""
import logging
import os
import warnings

import numpy as np

from ...base import DistGluError, DistGluAssertionError, DistGluTypeError, DistGluValueError
from ... import ndarray as nd
from ...ndarray.ndarray import NDArray
from ...context import cpu, array_module
from . import _constants as C
from . import vocab

__all__ = ['register', 'create', 'get_pretrained_file_names', 'GloVe', 'FastText',
           'CustomEmbedding', 'CompositeEmbedding', 'EmbeddingFileNotFoundError']


class EmbeddingFileNotFoundError(DistGluError, FileNotFoundError):
    """A pre-trained embedding file is not where MXNet would have downloaded it (distglu
    never downloads). Also a FileNotFoundError."""


class _EmbeddingKeyError(DistGluError, KeyError):
    """An unknown embedding or pre-trained file name (a KeyError, as in MXNet)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ''


def _data_dir():
    """MXNet's data folder: ``$MXNET_HOME``, else ``~/.mxnet``."""
    return os.getenv('MXNET_HOME', os.path.join(os.path.expanduser('~'), '.mxnet'))


# the default ``embedding_root``, fixed at import time as in MXNet
_default_root = os.path.join(_data_dir(), 'embeddings')

# registered embedding classes by lower-case name, in registration order
_REGISTRY = {}

# rows parsed per float32 block while reading a file (bounds the float64 temporaries)
_ROWS_PER_BLOCK = 4096


# --------------------------------------------------------------------------- registry
def register(embedding_cls):
    """Register a subclass of ``_TokenEmbedding`` under its lower-case class name, so
    that :func:`create` can build it by name (a decorator, as in MXNet)."""
    if not (isinstance(embedding_cls, type) and issubclass(embedding_cls, _TokenEmbedding)):
        raise DistGluAssertionError('Can only register subclass of _TokenEmbedding, got %r'
                                    % (embedding_cls,))
    name = embedding_cls.__name__.lower()
    if name in _REGISTRY:
        old = _REGISTRY[name]
        warnings.warn('New token embedding %s.%s registered with name %s is overriding '
                      'existing token embedding %s.%s'
                      % (embedding_cls.__module__, embedding_cls.__name__, name,
                         old.__module__, old.__name__), UserWarning, stacklevel=2)
    _REGISTRY[name] = embedding_cls
    return embedding_cls


def create(embedding_name, **kwargs):
    """Build the token embedding registered as ``embedding_name`` (case-insensitive) with
    ``kwargs``, e.g. ``create('glove', pretrained_file_name='glove.6B.100d.txt')``.
    An embedding instance is returned as is."""
    if isinstance(embedding_name, _TokenEmbedding):
        if kwargs:
            raise DistGluAssertionError('token embedding is already an instance. Additional '
                                        'arguments are invalid: %s' % ', '.join(kwargs))
        return embedding_name
    if not isinstance(embedding_name, str):
        raise DistGluAssertionError('token embedding must be of string type, got %s'
                                    % type(embedding_name).__name__)
    name = embedding_name.lower()
    if name not in _REGISTRY:
        raise DistGluAssertionError(
            '%s is not registered. Please register with token embedding.register first '
            '(registered: %s)' % (name, ', '.join(_REGISTRY)))
    return _REGISTRY[name](**kwargs)


def get_pretrained_file_names(embedding_name=None):
    """The valid ``pretrained_file_name`` values of embedding ``embedding_name`` (a list),
    or with None a dict from every registered embedding name to that list. Names are
    matched exactly (lower case: ``'glove'``, ``'fasttext'``); an unknown one is a KeyError.
    """
    if embedding_name is not None:
        if embedding_name not in _REGISTRY:
            raise _EmbeddingKeyError(
                'Cannot find `embedding_name` %s. Use `get_pretrained_file_names('
                'embedding_name=None).keys()` to get all the valid embedding names.'
                % embedding_name)
        return list(_REGISTRY[embedding_name].pretrained_file_name_sha1)
    return {name: list(cls.pretrained_file_name_sha1) for name, cls in _REGISTRY.items()}


# --------------------------------------------------------------------------- file reading
def _parse_floats(parts, line_num, path):
    try:
        return np.array(parts, dtype=np.float64)
    except ValueError as err:
        raise DistGluValueError('At line %d of the pre-trained token embedding file %s: %s'
                                % (line_num, path, err)) from None


def _read_vector_file(path, elem_delim, encoding, indexed):
    """Read a ``token<delim>v1<delim>v2...`` file with MXNet's rules.

    ``indexed``: tokens that already have an index (the unknown and reserved tokens). The
    first line of such a token gives its vector; a token seen before is skipped with a
    warning; a line with a single value is a header, skipped with a warning; a line without
    any value, or whose length differs from the earlier lines', is an error.

    Returns ``(new_tokens, new_vecs, vec_len, indexed_vecs)``: the other tokens in file order
    with their float32 vectors (``(len(new_tokens), vec_len)``), and a dict from the
    indexed tokens found to their float64 vectors.
    """
    new_tokens = []
    blocks, rows = [], []
    indexed_vecs = {}
    seen = set()
    vec_len = None
    with open(path, 'r', encoding=encoding) as f:
        for line_num, line in enumerate(f, 1):
            parts = line.rstrip().split(elem_delim)
            if len(parts) < 2:
                raise DistGluAssertionError(
                    'At line %d of the pre-trained text embedding file: the data format of the '
                    'pre-trained token embedding file %s is unexpected: expected a token '
                    'followed by its vector elements separated by %r, got %r.'
                    % (line_num, path, elem_delim, line.rstrip('\r\n')))
            token = parts[0]
            vec = _parse_floats(parts[1:], line_num, path)
            if token in seen:
                warnings.warn('At line %d of the pre-trained token embedding file: the '
                              'embedding vector for token %s has been loaded and a duplicate '
                              'embedding for the same token is seen and skipped.'
                              % (line_num, token), UserWarning, stacklevel=4)
            elif token in indexed:
                indexed_vecs[token] = vec
                seen.add(token)
            elif len(vec) == 1:
                warnings.warn('At line %d of the pre-trained text embedding file: token %s '
                              'with 1-dimensional vector %s is likely a header and is '
                              'skipped.' % (line_num, token, vec.tolist()),
                              UserWarning, stacklevel=4)
            else:
                if vec_len is None:
                    vec_len = len(vec)
                elif len(vec) != vec_len:
                    raise DistGluAssertionError(
                        'At line %d of the pre-trained token embedding file: the dimension of '
                        'token %s is %d but the dimension of previous tokens is %d. '
                        'Dimensions of all the tokens must be the same.'
                        % (line_num, token, len(vec), vec_len))
                rows.append(vec)
                new_tokens.append(token)
                seen.add(token)
                if len(rows) == _ROWS_PER_BLOCK:
                    blocks.append(np.array(rows, dtype=np.float32))
                    rows = []
    if vec_len is None:
        raise DistGluValueError(
            'The pre-trained token embedding file %s holds no token vectors (every line was '
            'empty, a header, a duplicate or an already indexed token such as the unknown '
            'token), so the vector length is unknown.' % path)
    if rows:
        blocks.append(np.array(rows, dtype=np.float32))
    return new_tokens, np.concatenate(blocks), vec_len, indexed_vecs


def _host_array(value, what):
    """``value`` (an NDArray, NumPy array or list) as a NumPy array."""
    if isinstance(value, NDArray):
        return value.asnumpy()
    try:
        return np.asarray(value, dtype=np.float32)
    except (TypeError, ValueError) as err:
        raise DistGluTypeError('%s must be an NDArray or array-like of numbers, got %s'
                               % (what, type(value).__name__)) from err


# --------------------------------------------------------------------------- embeddings
class _TokenEmbedding(vocab.Vocabulary):
    """Base class of token embeddings: a Vocabulary plus ``idx_to_vec``.

    Index 0 (the unknown token) maps to the file's vector of ``unknown_token`` when the file
    has one, else to ``init_unknown_vec(shape=vec_len)``. A token seen again in the file
    keeps its first vector. With a ``vocabulary``, the embedding indexes exactly that
    vocabulary's tokens; those absent from the file get the unknown vector.

    Reserved tokens passed as keyword arguments (``reserved_tokens=[...]``) keep indices
    1..k; each takes its vector from the file when the file has it, else the unknown vector.
    (MXNet 1.9.1 indexes such a token a second time when the file has it, and its
    ``idx_to_vec`` then has fewer rows than tokens; distglu keeps the table aligned.)

    Besides MXNet's API, ``token in embedding`` says whether a token is indexed and
    ``embedding[tokens]`` is ``get_vecs_by_tokens(tokens)`` (as in GluonNLP).
    """

    def __init__(self, **kwargs):
        super(_TokenEmbedding, self).__init__(**kwargs)
        self._vec_len = None
        self._idx_to_vec = None

    # ----------------------------------------------------------- pre-trained files
    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        return pretrained_file_name

    @classmethod
    def _get_pretrained_file_url(cls, pretrained_file_name):
        repo_url = os.environ.get('MXNET_GLUON_REPO', C.APACHE_REPO_URL)
        if not repo_url.endswith('/'):
            repo_url += '/'
        return '{repo}gluon/embeddings/{cls}/{file}'.format(
            repo=repo_url, cls=cls.__name__.lower(),
            file=cls._get_download_file_name(pretrained_file_name))

    @classmethod
    def _get_pretrained_file(cls, embedding_root, pretrained_file_name):
        """Path of ``embedding_root/<class name>/<pretrained_file_name>``; an
        EmbeddingFileNotFoundError saying where to put it when it is not there."""
        embedding_dir = os.path.join(os.path.expanduser(embedding_root), cls.__name__.lower())
        path = os.path.join(embedding_dir, pretrained_file_name)
        if os.path.exists(path):
            return path
        url = cls._get_pretrained_file_url(pretrained_file_name)
        archive = os.path.basename(url)
        hint = ''
        if archive != pretrained_file_name and \
                os.path.isfile(os.path.join(embedding_dir, archive)):
            hint = " The archive '%s' is in that folder: unzip it there." % archive
        raise EmbeddingFileNotFoundError(
            "Pre-trained {name} embedding file '{file}' not found: expected it at '{path}'. "
            "distglu never downloads files; MXNet would download {url} and unzip it into "
            "'{dir}'.{hint} Put the unzipped file '{file}' there (copy it from a machine where "
            "MXNet downloaded it, e.g. ~/.mxnet/embeddings/{sub}/), or pass embedding_root= "
            "the folder that holds '{sub}/{file}'.".format(
                name=cls.__name__, file=pretrained_file_name, path=path, url=url,
                dir=embedding_dir, hint=hint, sub=cls.__name__.lower()))

    @classmethod
    def _check_pretrained_file_names(cls, pretrained_file_name):
        if pretrained_file_name not in cls.pretrained_file_name_sha1:
            name = cls.__name__.lower()
            raise _EmbeddingKeyError(
                'Cannot find pretrained file %s for token embedding %s. Valid pretrained files '
                'for embedding %s: %s' % (pretrained_file_name, name, name,
                                          ', '.join(cls.pretrained_file_name_sha1)))

    def _load_embedding(self, pretrained_file_path, elem_delim, init_unknown_vec,
                        encoding='utf8'):
        """Index the file's tokens after those already indexed and build ``idx_to_vec``."""
        path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(path):
            raise DistGluValueError('`pretrained_file_path` must be a valid path to the '
                                    'pre-trained token embedding file, got %r (no such file).'
                                    % (pretrained_file_path,))
        logging.info('Loading pre-trained token embedding vectors from %s', path)
        n_indexed = len(self._idx_to_token)
        new_tokens, new_vecs, vec_len, indexed_vecs = _read_vector_file(
            path, elem_delim, encoding, self._token_to_idx)

        table = np.empty((n_indexed + len(new_tokens), vec_len), dtype=np.float32)
        table[n_indexed:] = new_vecs
        del new_vecs
        unknown_vec = indexed_vecs.get(self._unknown_token)
        if unknown_vec is None:
            unknown_vec = _host_array(init_unknown_vec(shape=vec_len),
                                      'the result of init_unknown_vec')
        for idx, token in enumerate(self._idx_to_token):
            vec = indexed_vecs.get(token, unknown_vec) if idx else unknown_vec
            vec = np.asarray(vec).reshape(-1)
            if vec.size not in (1, vec_len):     # a single value fills the row, as in MXNet
                raise DistGluAssertionError(
                    'The vector of token %s (from %s) has %d elements but the vectors of the '
                    'pre-trained token embedding file %s have %d.'
                    % (token, 'the file' if token in indexed_vecs else 'init_unknown_vec',
                       vec.size, path, vec_len))
            table[idx] = vec
        for token in new_tokens:
            self._token_to_idx[token] = len(self._idx_to_token)
            self._idx_to_token.append(token)
        self._vec_len = vec_len
        self._idx_to_vec = NDArray._wrap(table, cpu())

    # ----------------------------------------------------------- vocabulary
    def _index_tokens_from_vocabulary(self, vocabulary):
        self._token_to_idx = vocabulary.token_to_idx.copy()
        self._idx_to_token = vocabulary.idx_to_token[:]
        self._unknown_token = vocabulary.unknown_token
        reserved = vocabulary.reserved_tokens
        self._reserved_tokens = reserved[:] if reserved is not None else None

    def _host_vecs_for(self, tokens):
        """NumPy rows for ``tokens``: row 0 is this embedding's unknown vector whatever
        ``tokens[0]`` is (the vocabulary's unknown token), the others looked up."""
        get = self._token_to_idx.get
        idx = [C.UNKNOWN_IDX] + [get(t, C.UNKNOWN_IDX) for t in tokens[1:]]
        return self._idx_to_vec.asnumpy()[np.asarray(idx, dtype=np.intp)]

    def _set_idx_to_vec_by_embeddings(self, token_embeddings, vocab_len, vocab_idx_to_token):
        """Concatenate the vectors of ``token_embeddings`` for ``vocab_idx_to_token``."""
        parts = [emb._host_vecs_for(vocab_idx_to_token) for emb in token_embeddings]
        table = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
        self._vec_len = int(table.shape[1])
        self._idx_to_vec = NDArray._wrap(np.ascontiguousarray(table, dtype=np.float32), cpu())

    def _build_embedding_for_vocabulary(self, vocabulary):
        if vocabulary is not None:
            if not isinstance(vocabulary, vocab.Vocabulary):
                raise DistGluAssertionError(
                    'The argument `vocabulary` must be an instance of '
                    'mxnet.contrib.text.vocab.Vocabulary, got %s.' % type(vocabulary).__name__)
            self._set_idx_to_vec_by_embeddings([self], len(vocabulary), vocabulary.idx_to_token)
            self._index_tokens_from_vocabulary(vocabulary)

    # ----------------------------------------------------------- public API
    @property
    def vec_len(self):
        """int: the length of each token's vector."""
        return self._vec_len

    @property
    def idx_to_vec(self):
        """NDArray (len(self), vec_len), float32: the vector of each index."""
        return self._idx_to_vec

    def get_vecs_by_tokens(self, tokens, lower_case_backup=False):
        """Vectors of ``tokens``: shape ``(vec_len,)`` for one token (anything not a list),
        ``(len(tokens), vec_len)`` for a list. A token not indexed gets the unknown vector;
        with ``lower_case_backup``, a token not indexed as it is is looked up lower-cased.
        Returns a copy (float32 NDArray on idx_to_vec's context)."""
        single = not isinstance(tokens, list)
        if single:
            tokens = [tokens]
        t2i = self._token_to_idx
        if lower_case_backup:
            idx = [t2i[t] if t in t2i else t2i.get(t.lower(), C.UNKNOWN_IDX) for t in tokens]
        else:
            idx = [t2i.get(t, C.UNKNOWN_IDX) for t in tokens]
        table = self._idx_to_vec
        xp = array_module(table._data)
        vecs = table._data[xp.asarray(idx, dtype=np.intp)]
        return NDArray._wrap(vecs[0] if single else vecs, table._ctx)

    def update_token_vectors(self, tokens, new_vectors):
        """Set the vectors of ``tokens`` (a token or a list of tokens) to ``new_vectors``, an
        NDArray of shape ``(len(tokens), vec_len)`` (1-D allowed for a single token). Every
        token must be indexed: to change the unknown vector, name ``unknown_token`` itself."""
        if self._idx_to_vec is None:
            raise DistGluAssertionError('The property `idx_to_vec` has not been properly set.')
        if not isinstance(tokens, list) or len(tokens) == 1:
            if not (isinstance(new_vectors, NDArray) and new_vectors.ndim in (1, 2)):
                raise DistGluAssertionError(
                    '`new_vectors` must be a 1-D or 2-D NDArray if `tokens` is a singleton, '
                    'got %s.' % _describe(new_vectors))
            if not isinstance(tokens, list):
                tokens = [tokens]
            if new_vectors.ndim == 1:
                new_vectors = new_vectors.reshape((1, -1))
        elif not (isinstance(new_vectors, NDArray) and new_vectors.ndim == 2):
            raise DistGluAssertionError(
                '`new_vectors` must be a 2-D NDArray if `tokens` is a list of multiple '
                'strings, got %s.' % _describe(new_vectors))
        if new_vectors.shape != (len(tokens), self._vec_len):
            raise DistGluAssertionError(
                'The length of new_vectors must be equal to the number of tokens and the width '
                'of new_vectors must be equal to the dimension of embeddings of the glossary: '
                'expected shape %s, got %s.' % ((len(tokens), self._vec_len), new_vectors.shape))
        indices = []
        for token in tokens:
            if token not in self._token_to_idx:
                raise DistGluValueError(
                    'Token %s is unknown. To update the embedding vector for an unknown token, '
                    'please specify it explicitly as the `unknown_token` %s in `tokens`. This '
                    'is to avoid unintended updates.'
                    % (token, self._idx_to_token[C.UNKNOWN_IDX]))
            indices.append(self._token_to_idx[token])
        self._idx_to_vec[indices] = new_vectors

    def __contains__(self, token):
        return token in self._token_to_idx

    def __getitem__(self, tokens):
        return self.get_vecs_by_tokens(tokens)


def _describe(value):
    if isinstance(value, NDArray):
        return 'a %d-D NDArray of shape %s' % (value.ndim, value.shape)
    return 'a %s' % type(value).__name__


@register
class GloVe(_TokenEmbedding):
    """The GloVe word embedding (Pennington, Socher, Manning, 2014;
    https://nlp.stanford.edu/projects/glove/), MXNet 1.x ``GloVe``.

    Reads ``embedding_root/glove/<pretrained_file_name>`` (e.g. ``glove.6B.100d.txt``, the
    file MXNet unzips from ``glove.6B.zip``). distglu never downloads: a missing file raises
    EmbeddingFileNotFoundError with the path and MXNet's URL. ``pretrained_file_name`` must
    be one of ``get_pretrained_file_names('glove')`` (KeyError otherwise).

    Parameters
    ----------
    pretrained_file_name : str, default 'glove.840B.300d.txt'
    embedding_root : str, default '$MXNET_HOME/embeddings' (``~/.mxnet/embeddings``)
    init_unknown_vec : callable, default nd.zeros
        Called as ``init_unknown_vec(shape=vec_len)`` for the unknown token's vector when the
        file has none.
    vocabulary : Vocabulary or None
        Index exactly this vocabulary's tokens (None: every token of the file).
    """

    # the .zip archives MXNet downloads, and the files they hold
    pretrained_archive_name_sha1 = C.GLOVE_ARCHIVE_SHA1
    pretrained_file_name_sha1 = C.GLOVE_FILE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        # an archive holds every file of its corpus: 'glove.6B.100d.txt' is in 'glove.6B.zip'
        corpus = pretrained_file_name.split('.')[1]
        for archive in cls.pretrained_archive_name_sha1:
            if archive.split('.')[1] == corpus:
                return archive
        return pretrained_file_name

    def __init__(self, pretrained_file_name='glove.840B.300d.txt', embedding_root=_default_root,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        GloVe._check_pretrained_file_names(pretrained_file_name)
        super(GloVe, self).__init__(**kwargs)
        path = GloVe._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, ' ', init_unknown_vec)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


@register
class FastText(_TokenEmbedding):
    """The fastText word embedding (Bojanowski et al., 2016; https://fasttext.cc/), MXNet
    1.x ``FastText``.

    Reads ``embedding_root/fasttext/<pretrained_file_name>`` (e.g. ``wiki.simple.vec``, the
    file MXNet unzips from ``wiki.simple.zip``; its first line, a header, is skipped with a
    warning). distglu never downloads: a missing file raises EmbeddingFileNotFoundError.
    ``pretrained_file_name`` must be one of ``get_pretrained_file_names('fasttext')``.

    Parameters
    ----------
    pretrained_file_name : str, default 'wiki.simple.vec'
    embedding_root : str, default '$MXNET_HOME/embeddings' (``~/.mxnet/embeddings``)
    init_unknown_vec : callable, default nd.zeros
    vocabulary : Vocabulary or None
    """

    pretrained_archive_name_sha1 = C.FAST_TEXT_ARCHIVE_SHA1
    pretrained_file_name_sha1 = C.FAST_TEXT_FILE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        return os.path.splitext(pretrained_file_name)[0] + '.zip'

    def __init__(self, pretrained_file_name='wiki.simple.vec', embedding_root=_default_root,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        FastText._check_pretrained_file_names(pretrained_file_name)
        super(FastText, self).__init__(**kwargs)
        path = FastText._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, ' ', init_unknown_vec)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


class CustomEmbedding(_TokenEmbedding):
    """Embedding vectors from a user's file (MXNet 1.x ``CustomEmbedding``).

    Each line of ``pretrained_file_path`` is ``token<elem_delim>v1<elem_delim>v2...``
    (trailing whitespace ignored). A line with one value is taken for a header and skipped
    with a warning, as is a repeated token; a line without values or with a different
    number of values is an error (AssertionError), and so is a value that is not a number
    (ValueError naming the line).

    Parameters
    ----------
    pretrained_file_path : str
    elem_delim : str, default ' '
    encoding : str, default 'utf8'
    init_unknown_vec : callable, default nd.zeros
    vocabulary : Vocabulary or None
    """

    def __init__(self, pretrained_file_path, elem_delim=' ', encoding='utf8',
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        super(CustomEmbedding, self).__init__(**kwargs)
        self._load_embedding(pretrained_file_path, elem_delim, init_unknown_vec, encoding)
        if vocabulary is not None:
            self._build_embedding_for_vocabulary(vocabulary)


class CompositeEmbedding(_TokenEmbedding):
    """The tokens of ``vocabulary`` with the vectors of one or several embeddings
    concatenated (MXNet 1.x ``CompositeEmbedding``).

    Row 0 concatenates each embedding's own unknown vector; a token an embedding does not
    index gets that embedding's unknown vector in its columns.

    Parameters
    ----------
    vocabulary : Vocabulary
    token_embeddings : a token embedding or a list of them
    """

    def __init__(self, vocabulary, token_embeddings):
        if not isinstance(vocabulary, vocab.Vocabulary):
            raise DistGluAssertionError(
                'The argument `vocabulary` must be an instance of '
                'mxnet.contrib.text.vocab.Vocabulary, got %s.' % type(vocabulary).__name__)
        if not isinstance(token_embeddings, list):
            token_embeddings = [token_embeddings]
        for embed in token_embeddings:
            if not isinstance(embed, _TokenEmbedding):
                raise DistGluAssertionError(
                    'The argument `token_embeddings` must be an instance or a list of instances '
                    'of token embeddings (GloVe, FastText, CustomEmbedding, ...), got %s.'
                    % type(embed).__name__)
        if not token_embeddings:
            raise DistGluAssertionError('The argument `token_embeddings` is an empty list: '
                                        'give at least one token embedding.')
        self._index_tokens_from_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings(token_embeddings, len(self), self._idx_to_token)
