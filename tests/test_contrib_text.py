"""mx.contrib.text: utils, Vocabulary, token embeddings. Expected values were recorded from
MXNet 1.9.1 (mxnet.contrib.text) on the same inputs."""
import collections
import os
import warnings

import numpy as np
import pytest

from distglu import nd
from distglu.base import DistGluError
from distglu.contrib import text
from distglu import contrib

E = text.embedding

# MXNet 1.9.1 reference input for the Vocabulary ordering tests
COUNTER = collections.Counter(['a', 'b', 'b', 'c', 'c', 'c', 'd', 'd', 'e', 'e', '<unk>', '<unk>',
                               '<unk>', '<pad>', 'Z', 'Z'])

# lines: a duplicate 'the', a header-like line, the unknown token, a float with exponent
GLOVE_LINES = ('the 0.1 0.2 0.3\nHello 1 2 3\nhello 4 5 6\n<unk> 9 9 9\nthe 7 7 7\nheader 3\n'
               'world -1 -2.5 1e-3\n')
A_LINES = 'the 0.1 0.2 0.3\nHello 1 2 3\nhello 4 5 6\n<pad> 7 8 9\nworld -1 -2.5 1e-3\n'
B_LINES = 'world 10 20\n<unk> 30 40\nthe 50 60\nzzz 1 1\n'


def _write(path, content, encoding='utf8'):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding=encoding)
    return str(path)


def _load_quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return E.CustomEmbedding(*args, **kwargs)


def _assert_vecs(arr, expected):
    assert isinstance(arr, nd.NDArray)
    assert arr.dtype == np.float32
    np.testing.assert_allclose(arr.asnumpy(), np.array(expected, dtype=np.float32), rtol=0,
                               atol=0)


# --------------------------------------------------------------------------- package
def test_contrib_holds_text_only():
    assert contrib.text is text
    for name in ('nd', 'symbol', 'autograd', 'onnx'):
        assert not hasattr(contrib, name)
    with pytest.raises(AttributeError, match="contrib operators .* not implemented"):
        contrib.nd  # noqa: B018


# --------------------------------------------------------------------------- utils
def test_count_tokens_from_str():
    c = text.utils.count_tokens_from_str(' Life is great ! \n life is good . \n', ' ', '\n',
                                         True)
    assert isinstance(c, collections.Counter)
    assert c == collections.Counter({'life': 2, 'is': 2, 'great': 1, '!': 1, 'good': 1,
                                     '.': 1})
    c2 = text.utils.count_tokens_from_str('*Life*is*great*!*\n*life*is*good*.*\n', '\\*', '\n')
    assert c2 == collections.Counter({'is': 2, 'Life': 1, 'great': 1, '!': 1, 'life': 1,
                                      'good': 1, '.': 1})
    start = collections.Counter({'a': 5})
    c3 = text.utils.count_tokens_from_str('a b\nb c', counter_to_update=start)
    assert c3 is start and c3 == collections.Counter({'a': 6, 'b': 2, 'c': 1})


# --------------------------------------------------------------------------- Vocabulary
@pytest.mark.parametrize('kwargs, expected', [
    ({}, ['<unk>', 'c', 'Z', 'b', 'd', 'e', '<pad>', 'a']),
    ({'most_freq_count': 2}, ['<unk>', 'c', 'Z']),
    ({'min_freq': 2}, ['<unk>', 'c', 'Z', 'b', 'd', 'e']),
    ({'min_freq': 3}, ['<unk>', 'c']),
    ({'reserved_tokens': ['<pad>', '<bos>']},
     ['<unk>', '<pad>', '<bos>', 'c', 'Z', 'b', 'd', 'e', 'a']),
    ({'reserved_tokens': ['<pad>'], 'most_freq_count': 3}, ['<unk>', '<pad>', 'c', 'Z', 'b']),
    ({'unknown_token': '<UNK>'}, ['<UNK>', '<unk>', 'c', 'Z', 'b', 'd', 'e', '<pad>', 'a']),
    ({'unknown_token': '<UNK>', 'most_freq_count': 0}, ['<UNK>']),
])
def test_vocabulary_ordering(kwargs, expected):
    v = text.vocab.Vocabulary(COUNTER, **kwargs)
    assert v.idx_to_token == expected
    assert len(v) == len(expected)
    assert v.token_to_idx == {t: i for i, t in enumerate(expected)}
    assert v.unknown_token == kwargs.get('unknown_token', '<unk>')
    assert v.reserved_tokens == kwargs.get('reserved_tokens')


def test_vocabulary_misc():
    reserved = ['<pad>']
    v = text.vocab.Vocabulary(COUNTER, reserved_tokens=reserved)
    assert v.reserved_tokens == reserved and v.reserved_tokens is not reserved
    assert text.vocab.Vocabulary(COUNTER, reserved_tokens=('<pad>', '<s>')).reserved_tokens \
        == ('<pad>', '<s>')
    empty = text.vocab.Vocabulary()
    assert empty.idx_to_token == ['<unk>'] and empty.token_to_idx == {'<unk>': 0}
    assert empty.reserved_tokens is None
    ints = text.vocab.Vocabulary(collections.Counter({1: 3, 2: 3, 3: 5}), unknown_token=0)
    assert ints.idx_to_token == [0, 3, 1, 2]


def test_vocabulary_to_indices_to_tokens():
    v = text.vocab.Vocabulary(COUNTER, reserved_tokens=['<pad>'])
    assert v.to_indices('c') == 2
    assert v.to_indices(['c', 'zz', 'a']) == [2, 0, 7]
    assert v.to_indices(('c', 'a')) == 0          # not a list: one (unknown) token
    assert v.to_indices([]) == []
    assert v.to_tokens(1) == '<pad>'
    assert v.to_tokens([0, 2]) == ['<unk>', 'c']
    assert v.to_tokens(-1) == 'a'
    assert v.to_tokens(True) == '<pad>'
    assert v.to_tokens([]) == []
    for bad in (100, [1, 100], 1.5, np.int64(1)):
        with pytest.raises(ValueError, match='in the provided `indices` is invalid'):
            v.to_tokens(bad)
    for bad in ('a', None):
        with pytest.raises(TypeError, match='in the provided `indices` is invalid'):
            v.to_tokens(bad)


@pytest.mark.parametrize('kwargs, match', [
    ({'min_freq': 0}, '`min_freq` must be set to a positive value'),
    ({'reserved_tokens': ['<unk>']}, '`reserved_token` cannot contain `unknown_token`'),
    ({'reserved_tokens': ['a', 'a']}, 'cannot contain duplicate reserved tokens'),
    ({'counter': {'a': 1}}, '`counter` must be an instance of collections.Counter'),
])
def test_vocabulary_errors(kwargs, match):
    with pytest.raises(AssertionError, match=match) as info:
        text.vocab.Vocabulary(**kwargs)
    assert isinstance(info.value, DistGluError)


# --------------------------------------------------------------------------- CustomEmbedding
def test_custom_embedding_load(tmp_path):
    path = _write(tmp_path / 'emb.txt', GLOVE_LINES)
    with pytest.warns(UserWarning) as record:
        e = E.CustomEmbedding(path)
    messages = [str(w.message) for w in record]
    assert any('At line 5' in m and 'duplicate' in m and 'the' in m for m in messages)
    assert any('At line 6' in m and 'header' in m for m in messages)
    assert e.idx_to_token == ['<unk>', 'the', 'Hello', 'hello', 'world']
    assert e.token_to_idx == {'<unk>': 0, 'the': 1, 'Hello': 2, 'hello': 3, 'world': 4}
    assert e.vec_len == 3 and len(e) == 5 and e.unknown_token == '<unk>'
    assert e.reserved_tokens is None
    # the unknown vector comes from the file's <unk> line; the first 'the' wins
    _assert_vecs(e.idx_to_vec, [[9, 9, 9], [0.1, 0.2, 0.3], [1, 2, 3], [4, 5, 6],
                                [-1, -2.5, 1e-3]])
    assert e.to_indices(['world', 'x']) == [4, 0] and e.to_tokens([1, 2]) == ['the', 'Hello']


def test_get_vecs_by_tokens(tmp_path):
    e = _load_quiet(_write(tmp_path / 'emb.txt', GLOVE_LINES))
    one = e.get_vecs_by_tokens('hello')
    assert one.shape == (3,)
    _assert_vecs(one, [4, 5, 6])
    _assert_vecs(e.get_vecs_by_tokens(['HELLO', 'Hello', 'nope'], lower_case_backup=True),
                 [[4, 5, 6], [1, 2, 3], [9, 9, 9]])
    _assert_vecs(e.get_vecs_by_tokens(['HELLO', 'World']), [[9, 9, 9], [9, 9, 9]])
    # a copy: changing the result leaves the table alone
    got = e.get_vecs_by_tokens(['the'])
    got[:] = 0
    _assert_vecs(e.idx_to_vec[1], [0.1, 0.2, 0.3])
    # distglu extension: membership and indexing
    assert 'hello' in e and 'HELLO' not in e
    _assert_vecs(e['world'], [-1, -2.5, 1e-3])


def test_update_token_vectors(tmp_path):
    e = _load_quiet(_write(tmp_path / 'emb.txt', GLOVE_LINES))
    e.update_token_vectors('the', nd.array([5, 5, 5]))
    e.update_token_vectors(['world', '<unk>'], nd.array([[1, 1, 1], [2, 2, 2]]))
    e.update_token_vectors(['Hello'], nd.array([[3, 3, 3]]))
    _assert_vecs(e.idx_to_vec, [[2, 2, 2], [5, 5, 5], [3, 3, 3], [4, 5, 6], [1, 1, 1]])
    with pytest.raises(ValueError, match='Token zzz is unknown.*`unknown_token` <unk>'):
        e.update_token_vectors('zzz', nd.array([1, 1, 1]))
    with pytest.raises(AssertionError, match='must be a 2-D NDArray if `tokens` is a list'):
        e.update_token_vectors(['the', 'Hello'], nd.array([1, 1, 1]))
    with pytest.raises(AssertionError, match='width of new_vectors'):
        e.update_token_vectors('the', nd.array([1, 1]))
    with pytest.raises(AssertionError, match='must be a 1-D or 2-D NDArray'):
        e.update_token_vectors('the', [1, 1, 1])
    # a repeated token: the last row wins, as in MXNet
    e.update_token_vectors(['the', 'the'], nd.array([[1, 1, 1], [2, 2, 2]]))
    _assert_vecs(e.idx_to_vec[1], [2, 2, 2])


def test_custom_embedding_delim_encoding_and_init(tmp_path):
    path = _write(tmp_path / 'e.txt', 'caf\xe9,1,2\nb,3,4   \n', encoding='latin-1')
    calls = []

    def init(shape):
        calls.append(shape)
        return nd.ones(shape) * -1
    e = E.CustomEmbedding(path, elem_delim=',', encoding='latin-1', init_unknown_vec=init)
    assert calls == [2]
    assert e.idx_to_token == ['<unk>', 'caf\xe9', 'b']
    _assert_vecs(e.idx_to_vec, [[-1, -1], [1, 2], [3, 4]])


def test_custom_embedding_header_line(tmp_path):
    path = _write(tmp_path / 'e.vec', '2 3\na 1 2 3\nb 3 4 5   \n')
    with pytest.warns(UserWarning, match='At line 1 .*token 2 with 1-dimensional vector '
                                         r'\[3.0\] is likely a header'):
        e = E.CustomEmbedding(path, init_unknown_vec=nd.ones)
    _assert_vecs(e.idx_to_vec, [[1, 1, 1], [1, 2, 3], [3, 4, 5]])


@pytest.mark.parametrize('content, err, match', [
    ('a,1,2\nb,3,4\n\nc,5\n', AssertionError, 'At line 3 .*data format .* is unexpected'),
    ('a,1,2\nb,3,4\nc,5,6,7\n', AssertionError,
     'At line 3 .*dimension of token c is 3 but the dimension of previous tokens is 2'),
    ('a,1,2\nb,3,x\n', ValueError, "At line 2 .*could not convert string to float: 'x'"),
    ('2,3\n', ValueError, 'holds no token vectors'),
    ('<unk>,1,2,3\na,1,1\n', AssertionError, 'token <unk> .* has 3 elements'),
])
def test_custom_embedding_malformed(tmp_path, content, err, match):
    path = _write(tmp_path / 'e.txt', content)
    with pytest.raises(err, match=match):
        _load_quiet(path, elem_delim=',')


def test_custom_embedding_missing_path(tmp_path):
    with pytest.raises(ValueError, match='`pretrained_file_path` must be a valid path'):
        E.CustomEmbedding(str(tmp_path / 'nope.txt'))


def test_reserved_tokens_stay_aligned(tmp_path):
    # distglu's choice (MXNet 1.9.1 indexes '<pad>' twice and misaligns idx_to_vec)
    e = _load_quiet(_write(tmp_path / 'a.txt', A_LINES), reserved_tokens=['<pad>', '<s>'])
    assert e.idx_to_token == ['<unk>', '<pad>', '<s>', 'the', 'Hello', 'hello', 'world']
    assert e.token_to_idx['<pad>'] == 1
    _assert_vecs(e.idx_to_vec, [[0, 0, 0], [7, 8, 9], [0, 0, 0], [0.1, 0.2, 0.3], [1, 2, 3],
                                [4, 5, 6], [-1, -2.5, 1e-3]])


# ----------------------------------------------------------------- vocabulary / composite
def _vocab():
    counter = collections.Counter(['world', 'world', 'Hello', 'hello', 'nope', 'the', 'the',
                                   'the', '<pad>'])
    return text.vocab.Vocabulary(counter, reserved_tokens=['<pad>', '<bos>'],
                                 unknown_token='<UNK>')


def test_embedding_with_vocabulary(tmp_path):
    v = _vocab()
    assert v.idx_to_token == ['<UNK>', '<pad>', '<bos>', 'the', 'world', 'Hello', 'hello', 'nope']
    calls = []

    def init(shape):
        calls.append(shape)
        return nd.ones(shape) * -1
    e = E.CustomEmbedding(_write(tmp_path / 'a.txt', A_LINES), init_unknown_vec=init,
                          vocabulary=v)
    assert calls == [3]
    assert e.idx_to_token == v.idx_to_token and e.idx_to_token is not v.idx_to_token
    assert e.token_to_idx == v.token_to_idx and e.unknown_token == '<UNK>'
    assert e.reserved_tokens == ['<pad>', '<bos>'] and e.vec_len == 3 and len(e) == 8
    _assert_vecs(e.idx_to_vec, [[-1, -1, -1], [7, 8, 9], [-1, -1, -1], [0.1, 0.2, 0.3],
                                [-1, -2.5, 1e-3], [1, 2, 3], [4, 5, 6], [-1, -1, -1]])
    _assert_vecs(e.get_vecs_by_tokens(['HELLO', 'the', 'xx'], lower_case_backup=True),
                 [[4, 5, 6], [0.1, 0.2, 0.3], [-1, -1, -1]])
    assert e.to_indices(['HELLO', 'xx']) == [0, 0]
    with pytest.raises(AssertionError, match='`vocabulary` must be an instance'):
        E.CustomEmbedding(str(tmp_path / 'a.txt'), vocabulary=collections.Counter())


def test_composite_embedding(tmp_path):
    v = _vocab()
    a = E.CustomEmbedding(_write(tmp_path / 'a.txt', A_LINES), init_unknown_vec=nd.ones)
    b = E.CustomEmbedding(_write(tmp_path / 'b.txt', B_LINES))
    _assert_vecs(b.idx_to_vec, [[30, 40], [10, 20], [50, 60], [1, 1]])
    c = E.CompositeEmbedding(v, [a, b])
    assert c.idx_to_token == v.idx_to_token and c.vec_len == 5
    assert c.unknown_token == '<UNK>' and c.reserved_tokens == ['<pad>', '<bos>']
    _assert_vecs(c.idx_to_vec, [[1, 1, 1, 30, 40], [7, 8, 9, 30, 40], [1, 1, 1, 30, 40],
                                [0.1, 0.2, 0.3, 50, 60], [-1, -2.5, 1e-3, 10, 20],
                                [1, 2, 3, 30, 40], [4, 5, 6, 30, 40], [1, 1, 1, 30, 40]])
    single = E.CompositeEmbedding(v, b)
    _assert_vecs(single.idx_to_vec,
                 [[30, 40]] * 3 + [[50, 60], [10, 20]] + [[30, 40]] * 3)
    with pytest.raises(AssertionError, match='`vocabulary` must be an instance'):
        E.CompositeEmbedding(collections.Counter(), b)
    with pytest.raises(AssertionError, match='`token_embeddings` must be an instance'):
        E.CompositeEmbedding(v, [b, 3])


# --------------------------------------------------------------------------- GloVe / FastText
def test_glove_and_fasttext_from_local_files(tmp_path):
    _write(tmp_path / 'glove' / 'glove.6B.50d.txt', GLOVE_LINES)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        g = E.create('GloVe', pretrained_file_name='glove.6B.50d.txt',
                     embedding_root=str(tmp_path))
    assert type(g) is E.GloVe
    assert g.idx_to_token == ['<unk>', 'the', 'Hello', 'hello', 'world']
    _assert_vecs(g.get_vecs_by_tokens(['WORLD', 'the']), [[9, 9, 9], [0.1, 0.2, 0.3]])
    _assert_vecs(g.get_vecs_by_tokens(['WORLD'], lower_case_backup=True), [[-1, -2.5, 1e-3]])

    _write(tmp_path / 'fasttext' / 'wiki.simple.vec', '2 2\nx 1 2\ny 3 4\n')
    with pytest.warns(UserWarning, match='likely a header'):
        f = E.FastText(embedding_root=str(tmp_path), vocabulary=text.vocab.Vocabulary(
            collections.Counter(['y', 'q'])))
    assert f.idx_to_token == ['<unk>', 'q', 'y']
    _assert_vecs(f.idx_to_vec, [[0, 0], [0, 0], [3, 4]])


def test_pretrained_file_missing(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        E.create('glove', pretrained_file_name='glove.6B.100d.txt', embedding_root=str(tmp_path))
    msg = str(info.value)
    assert isinstance(info.value, E.EmbeddingFileNotFoundError)
    assert isinstance(info.value, DistGluError)
    assert os.path.join(str(tmp_path), 'glove', 'glove.6B.100d.txt') in msg
    assert 'never downloads' in msg
    assert 'gluon/embeddings/glove/glove.6B.zip' in msg
    # an archive in the folder is pointed out
    _write(tmp_path / 'fasttext' / 'wiki.en.zip', 'not really a zip')
    with pytest.raises(FileNotFoundError, match=r"archive 'wiki.en.zip' is in that folder"):
        E.FastText(pretrained_file_name='wiki.en.vec', embedding_root=str(tmp_path))


def test_pretrained_file_names_and_create_errors():
    names = E.get_pretrained_file_names()
    assert list(names) == ['glove', 'fasttext']
    assert names['glove'] == E.get_pretrained_file_names('glove') == [
        'glove.42B.300d.txt', 'glove.6B.50d.txt', 'glove.6B.100d.txt', 'glove.6B.200d.txt',
        'glove.6B.300d.txt', 'glove.840B.300d.txt', 'glove.twitter.27B.25d.txt',
        'glove.twitter.27B.50d.txt', 'glove.twitter.27B.100d.txt', 'glove.twitter.27B.200d.txt']
    ft = E.get_pretrained_file_names('fasttext')
    assert len(ft) == 327 and ft[:3] == ['crawl-300d-2M.vec', 'wiki.aa.vec', 'wiki.ab.vec']
    assert 'wiki.simple.vec' in ft and 'wiki.en.vec' in ft
    with pytest.raises(KeyError, match='Cannot find `embedding_name` GloVe'):
        E.get_pretrained_file_names('GloVe')
    with pytest.raises(KeyError, match='Cannot find pretrained file glove.6B.5d.txt for token '
                                       'embedding glove'):
        E.GloVe(pretrained_file_name='glove.6B.5d.txt')
    with pytest.raises(AssertionError, match='nope is not registered'):
        E.create('nope')
    assert E.GloVe.__init__.__defaults__[0] == 'glove.840B.300d.txt'
    assert E.FastText.__init__.__defaults__[0] == 'wiki.simple.vec'
    assert E.GloVe.__init__.__defaults__[1].endswith(os.path.join('', 'embeddings'))


def test_register_and_create(monkeypatch):
    monkeypatch.setattr(E, '_REGISTRY', dict(E._REGISTRY))

    @E.register
    class MyEmbed(E._TokenEmbedding):
        pretrained_file_name_sha1 = {'x.txt': 'abc'}

        def __init__(self, pretrained_file_name='x.txt', **kwargs):
            super().__init__(**kwargs)
            self.file_name = pretrained_file_name
    m = E.create('MYEMBED', unknown_token='?')
    assert type(m) is MyEmbed and m.idx_to_token == ['?'] and m.file_name == 'x.txt'
    assert E.create(m) is m
    assert E.get_pretrained_file_names('myembed') == ['x.txt']
    with pytest.raises(AssertionError, match='Can only register subclass of _TokenEmbedding'):
        E.register(int)
