"""gluon.model_zoo: the vision networks against MXNet 1.9.1, and the pretrained-file store.

tests/data/mxnet_model_zoo.json.gz was written by tests/data/gen_mxnet_model_zoo.py run
with MXNet 1.9.1: for every model the parameter names (without the model's own prefix),
save_parameters keys and shapes in collect_params() order; for some small configurations
the shapes after a forward, the output values for deterministic parameters, and input
gradients; MXNet's table of pretrained-file SHA-1s; the printed form of two models.
"""
import gzip
import hashlib
import inspect
import json
import os
import re
import sys

import numpy as np
import pytest

import distglu as mx
from distglu import autograd, gluon, nd
from distglu.base import DistGluError
from distglu.gluon.model_zoo import model_store, vision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), 'data'))
from model_zoo_values import make_input, param_values  # noqa: E402

REF = json.loads(gzip.open(os.path.join(os.path.dirname(__file__), 'data',
                                        'mxnet_model_zoo.json.gz')).read())
MODELS = REF['models']
FORWARD_CASES = [k for k, e in MODELS.items() if 'input' in e]
GRAD_CASES = [k for k, e in MODELS.items() if 'grad' in e]
ZOO_NAMES = sorted(REF['sha1'])  # get_model's names are exactly the pretrained names


def build(entry):
    model, kwargs = entry['model'], entry['kwargs']
    if model[0].isupper():
        return getattr(vision, model)(**kwargs)
    return vision.get_model(model, **kwargs)


def param_table(net):
    """[name without the model prefix, save_parameters key, shape] in collect_params order."""
    structural = {p.name: k for k, p in net._collect_params_with_prefix().items()}
    rows = []
    for name, p in net.collect_params().items():
        assert name.startswith(net.prefix), (name, net.prefix)
        rows.append([name[len(net.prefix):], structural.get(name), list(p.shape)])
    return rows


def first_difference(got, want):
    for i, (a, b) in enumerate(zip(got, want)):
        if a != b:
            return 'row %d: distglu %r, MXNet %r' % (i, a, b)
    return 'distglu has %d parameters, MXNet %d' % (len(got), len(want))


# ---------------------------------------------------------------------- structure
@pytest.mark.parametrize('key', sorted(MODELS))
def test_parameter_names_and_shapes_match_mxnet(key):
    entry = MODELS[key]
    net = build(entry)
    got = param_table(net)
    assert got == entry['params'], first_difference(got, entry['params'])
    # the model's own prefix: same name hint (the counter depends on what ran before)
    assert re.sub(r'\d+_$', '', net.prefix) == re.sub(r'\d+_$', '', entry['prefix'])
    assert len(repr(net).split('\n')) == entry['repr_lines']
    assert isinstance(net.features, gluon.HybridBlock)
    assert isinstance(net.output, gluon.HybridBlock)


@pytest.mark.parametrize('name', ['alexnet', 'resnet18_v1'])
def test_print_matches_mxnet(name):
    assert repr(getattr(vision, name)()) == REF['repr'][name]


def test_vision_namespace_matches_mxnet():
    names = sorted(n for n in dir(vision) if not n.startswith('_'))
    assert names == REF['vision_names']
    assert mx.gluon.model_zoo.vision is vision
    assert gluon.model_zoo.model_store is model_store


# ---------------------------------------------------------------------- forward / backward
def _set_reference_params(net, entry):
    x = nd.array(make_input(tuple(entry['input'])), dtype='float32')
    net.initialize()
    net(x)  # deferred shapes
    params = net.collect_params()
    shapes = [list(p.shape) for p in params.values()]
    assert shapes == entry['shapes'], first_difference(shapes, entry['shapes'])
    values = param_values([(n, p.shape) for n, p in params.items()])
    for p, v in zip(params.values(), values):
        p.set_data(nd.array(v, dtype='float32'))
    return x


@pytest.mark.parametrize('key', FORWARD_CASES)
def test_forward_matches_mxnet(key):
    entry = MODELS[key]
    net = build(entry)
    x = _set_reference_params(net, entry)
    y = net(x)  # predict mode: BatchNorm uses its running statistics, Dropout is off
    assert list(y.shape) == entry['output']
    assert y.dtype == np.float32
    want = np.array(entry['values']).reshape(entry['output'])
    scale = np.abs(want).max()
    np.testing.assert_allclose(y.asnumpy(), want, rtol=2e-3, atol=2e-4 * scale)


@pytest.mark.parametrize('key', GRAD_CASES)
def test_input_gradient_matches_mxnet(key):
    entry = MODELS[key]
    net = build(entry)
    x = _set_reference_params(net, entry)
    x.attach_grad()
    with autograd.record(train_mode=entry['grad_train_mode']):
        y = net(x)
        loss = (y * nd.arange(1, y.shape[1] + 1).reshape((1, -1))).sum()
    loss.backward()
    g = x.grad.asnumpy().ravel().astype(np.float64)
    assert x.grad.dtype == np.float32
    abs_sum, abs_max, points = entry['grad'][0], entry['grad'][1], entry['grad'][2:]
    idx = np.linspace(0, g.size - 1, len(points)).astype(np.int64)
    np.testing.assert_allclose(np.abs(g).sum(), abs_sum, rtol=2e-3)
    np.testing.assert_allclose(np.abs(g).max(), abs_max, rtol=2e-3)
    np.testing.assert_allclose(g[idx], points, rtol=2e-3, atol=2e-3 * abs_max)
    # every parameter that takes part got a gradient of its shape
    for name, p in net.collect_params().items():
        if p.grad_req != 'null':
            assert p.grad().shape == p.shape, name


def test_hybridize_and_dropout_in_train_mode():
    net = vision.squeezenet1_1(classes=4)
    net.initialize()
    net.hybridize()
    x = nd.array(make_input((1, 3, 224, 224)), dtype='float32')
    a, b = net(x).asnumpy(), net(x).asnumpy()
    np.testing.assert_array_equal(a, b)  # predict mode: deterministic
    with autograd.record():
        c = net(x)
    assert c.shape == (1, 4)


# ---------------------------------------------------------------------- get_model
def test_get_model_names_and_case():
    net = vision.get_model('ResNet18_V1', classes=3, thumbnail=True)
    assert type(net) is vision.ResNetV1 and net.output._units == 3
    assert type(vision.get_model('squeezenet1.1')) is vision.SqueezeNet
    assert type(vision.get_model('mobilenetv2_0.5')) is vision.MobileNetV2
    assert type(vision.get_model('inceptionv3')) is vision.Inception3
    assert sorted(vision._models) == ZOO_NAMES


def test_get_model_unknown_name():
    with pytest.raises(ValueError) as info:
        vision.get_model('ResNet19_v1')
    assert isinstance(info.value, DistGluError)
    assert str(info.value) == ('Model resnet19_v1 is not supported. Available options are\n\t'
                               + '\n\t'.join(ZOO_NAMES))


def test_constructor_checks():
    with pytest.raises(AssertionError, match=r'Invalid number of layers: 20\. Options are '
                                             r'dict_keys\(\[18, 34, 50, 101, 152\]\)'):
        vision.get_resnet(1, 20)
    with pytest.raises(AssertionError, match=r'Invalid resnet version: 3\. Options are 1 '
                                             r'and 2\.'):
        vision.get_resnet(3, 18)
    with pytest.raises(AssertionError, match='Unsupported SqueezeNet version 1.2'):
        vision.SqueezeNet('1.2')
    with pytest.raises(DistGluError):
        vision.ResNetV1(vision.BasicBlockV1, [2, 2], [64, 64])


def test_default_root_is_mxnet_home_models():
    home = os.getenv('MXNET_HOME', os.path.join(os.path.expanduser('~'), '.mxnet'))
    for fn in (vision.alexnet, vision.get_resnet, vision.get_vgg, vision.get_mobilenet,
               vision.inception_v3, model_store.get_model_file, model_store.purge):
        assert inspect.signature(fn).parameters['root'].default == os.path.join(home, 'models')


# ---------------------------------------------------------------------- model_store
def test_sha1_table_is_mxnets():
    assert model_store._model_sha1 == REF['sha1']
    assert model_store.short_hash('resnet18_v1') == 'a0666292'
    with pytest.raises(ValueError, match='^Pretrained model for foo is not available.$'):
        model_store.short_hash('foo')


def _save_as_pretrained(net, name, root, monkeypatch, legacy=False):
    """Write net's parameters under MXNet's file name for ``name`` in ``root``, with the
    hash table patched to the file's SHA-1."""
    tmp = os.path.join(root, 'tmp.params')
    if legacy:  # MXNet's older format: full names minus the model's prefix
        net.collect_params().save(tmp, strip_prefix=net.prefix)
    else:
        net.save_parameters(tmp)
    sha1 = hashlib.sha1(open(tmp, 'rb').read()).hexdigest()
    monkeypatch.setitem(model_store._model_sha1, name, sha1)
    path = os.path.join(root, '%s-%s.params' % (name, sha1[:8]))
    os.rename(tmp, path)
    return path


@pytest.mark.parametrize('legacy', [False, True])
def test_pretrained_round_trip(tmp_path, monkeypatch, legacy):
    src = vision.resnet18_v1(classes=5, thumbnail=True)
    src.initialize(mx.init.Normal(0.5))
    src(nd.ones((1, 3, 8, 8)))
    path = _save_as_pretrained(src, 'resnet18_v1', str(tmp_path), monkeypatch, legacy)
    assert model_store.get_model_file('resnet18_v1', root=str(tmp_path)) == path

    net = vision.resnet18_v1(pretrained=True, root=str(tmp_path), ctx=mx.cpu(),
                             classes=5, thumbnail=True)
    assert net.prefix != src.prefix  # loading goes by MXNet's names, not by this counter
    want = {k: p.data().asnumpy() for k, p in src._collect_params_with_prefix().items()}
    got = net._collect_params_with_prefix()
    assert sorted(got) == sorted(want)
    for k, v in want.items():
        np.testing.assert_array_equal(got[k].data().asnumpy(), v)
        assert got[k].list_ctx() == [mx.cpu()]
    x = nd.array(make_input((2, 3, 8, 8)), dtype='float32')
    np.testing.assert_allclose(net(x).asnumpy(), src(x).asnumpy(), rtol=1e-6, atol=1e-6)


def test_pretrained_through_get_model_and_tilde_root(tmp_path, monkeypatch):
    monkeypatch.setenv('HOME', str(tmp_path))
    os.makedirs(str(tmp_path / 'zoo'))
    src = vision.mobilenet_v2_0_25(classes=3)
    src.initialize()
    src(nd.ones((1, 3, 32, 32)))
    _save_as_pretrained(src, 'mobilenetv2_0.25', str(tmp_path / 'zoo'), monkeypatch)
    net = vision.get_model('mobilenetv2_0.25', pretrained=True, root='~/zoo', classes=3)
    w = 'features.0.weight'
    np.testing.assert_array_equal(net._collect_params_with_prefix()[w].data().asnumpy(),
                                  src._collect_params_with_prefix()[w].data().asnumpy())


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_pretrained_loads_on_gpu(tmp_path, monkeypatch):
    src = vision.squeezenet1_1(classes=3)
    src.initialize()
    src(nd.ones((1, 3, 224, 224)))
    _save_as_pretrained(src, 'squeezenet1.1', str(tmp_path), monkeypatch)
    net = vision.squeezenet1_1(pretrained=True, root=str(tmp_path), ctx=mx.gpu(0), classes=3)
    for p in net.collect_params().values():
        assert p.list_ctx() == [mx.gpu(0)]
    x = nd.array(make_input((1, 3, 224, 224)), dtype='float32')
    np.testing.assert_allclose(net(x.as_in_context(mx.gpu(0))).asnumpy(), src(x).asnumpy(),
                               rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize('name', ZOO_NAMES)
def test_missing_pretrained_file_says_what_to_do(tmp_path, name):
    fn = '%s-%s.params' % (name, REF['sha1'][name][:8])
    with pytest.raises(FileNotFoundError) as info:
        vision.get_model(name, pretrained=True, root=str(tmp_path))
    msg = str(info.value)
    assert isinstance(info.value, DistGluError)
    assert "'%s'" % fn in msg and "'%s'" % str(tmp_path) in msg
    assert 'never downloads' in msg and 'copy' in msg
    assert 'gluon/models/%s.zip' % fn[:-len('.params')] in msg
    assert os.listdir(str(tmp_path)) == []  # nothing created


def test_pretrained_name_of_each_constructor(tmp_path):
    """The constructors ask for MXNet's file names (mobilenet1.0, mobilenetv2_0.5, ...)."""
    cases = {vision.mobilenet1_0: 'mobilenet1.0', vision.mobilenet0_5: 'mobilenet0.5',
             vision.mobilenet0_75: 'mobilenet0.75', vision.mobilenet_v2_1_0: 'mobilenetv2_1.0',
             vision.vgg16_bn: 'vgg16_bn', vision.vgg16: 'vgg16',
             vision.squeezenet1_0: 'squeezenet1.0', vision.inception_v3: 'inceptionv3',
             vision.densenet169: 'densenet169', vision.resnet50_v2: 'resnet50_v2',
             vision.alexnet: 'alexnet'}
    for fn, name in cases.items():
        with pytest.raises(FileNotFoundError, match=re.escape("'%s-%s.params'" % (
                name, REF['sha1'][name][:8]))):
            fn(pretrained=True, root=str(tmp_path))
    with pytest.raises(ValueError, match='Pretrained model for mobilenet0.30 is not available'):
        vision.get_mobilenet(0.3, pretrained=True, root=str(tmp_path))


def test_bad_hash_names_both_hashes(tmp_path):
    expected = REF['sha1']['alexnet']
    path = tmp_path / ('alexnet-%s.params' % expected[:8])
    path.write_bytes(b'not the weights')
    actual = hashlib.sha1(b'not the weights').hexdigest()
    with pytest.raises(ValueError) as info:
        vision.alexnet(pretrained=True, root=str(tmp_path))
    msg = str(info.value)
    assert isinstance(info.value, DistGluError)
    assert actual in msg and expected in msg and str(path) in msg
    assert path.read_bytes() == b'not the weights'  # left as it was


def test_purge(tmp_path):
    (tmp_path / 'a-12345678.params').write_bytes(b'1')
    (tmp_path / 'b.params').write_bytes(b'2')
    (tmp_path / 'notes.txt').write_bytes(b'3')
    model_store.purge(str(tmp_path))
    assert os.listdir(str(tmp_path)) == ['notes.txt']
    with pytest.raises(FileNotFoundError):
        model_store.purge(str(tmp_path / 'missing'))
