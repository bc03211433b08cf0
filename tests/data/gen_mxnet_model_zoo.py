"""Record MXNet 1.9.1's model-zoo parameter names, shapes and outputs for
tests/test_model_zoo.py.

Run with the reference install (never by the tests), MKL-DNN off (with it, MXNet 1.9.1
fails some of the backward passes below with "could not construct a sub-memory"):
    MXNET_MKLDNN_ENABLED=0 /work/mxref/bin/python tests/data/gen_mxnet_model_zoo.py \
        tests/data/mxnet_model_zoo.json.gz

For every case it records, in collect_params() order, each parameter's name without the
model's prefix, the key save_parameters() writes for it, and its shape before the first
forward (0 = deferred). For the cases with an input shape it also records the shapes after
the first forward, the output shape and the output values for the deterministic parameters
of param_values() and input of make_input() (the test builds the same ones with NumPy),
and for the cases in GRAD a summary of the input gradient.
"""
import gzip
import json
import os
import sys

import numpy as np
import mxnet as mx
from mxnet.gluon.model_zoo import vision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_zoo_values import make_input, param_values  # noqa: E402

# key -> (get_model name or vision class name, constructor kwargs, input shape or None)
CASES = {name: (name, {}, None) for name in [
    'alexnet', 'densenet121', 'densenet161', 'densenet169', 'densenet201', 'inceptionv3',
    'mobilenet1.0', 'mobilenet0.75', 'mobilenet0.5', 'mobilenet0.25',
    'mobilenetv2_1.0', 'mobilenetv2_0.75', 'mobilenetv2_0.5', 'mobilenetv2_0.25',
    'resnet18_v1', 'resnet34_v1', 'resnet50_v1', 'resnet101_v1', 'resnet152_v1',
    'resnet18_v2', 'resnet34_v2', 'resnet50_v2', 'resnet101_v2', 'resnet152_v2',
    'squeezenet1.0', 'squeezenet1.1',
    'vgg11', 'vgg13', 'vgg16', 'vgg19', 'vgg11_bn', 'vgg13_bn', 'vgg16_bn', 'vgg19_bn']}
# forwards: small inputs and few classes keep the distglu test fast
CASES.update({
    'alexnet/c10': ('alexnet', {'classes': 10}, (1, 3, 64, 64)),
    'resnet18_v1/c10': ('resnet18_v1', {'classes': 10}, (1, 3, 32, 32)),
    'resnet18_v1/thumb': ('resnet18_v1', {'classes': 10, 'thumbnail': True}, (2, 3, 16, 16)),
    'resnet18_v2/c10': ('resnet18_v2', {'classes': 10}, (1, 3, 32, 32)),
    'resnet50_v1/c10': ('resnet50_v1', {'classes': 10}, (1, 3, 32, 32)),
    'resnet50_v2/thumb': ('resnet50_v2', {'classes': 10, 'thumbnail': True}, (1, 3, 16, 16)),
    'vgg11/c10': ('vgg11', {'classes': 10}, (1, 3, 32, 32)),
    'vgg11_bn/c10': ('vgg11_bn', {'classes': 10}, (1, 3, 32, 32)),
    'squeezenet1.0/c10': ('squeezenet1.0', {'classes': 10}, (1, 3, 224, 224)),
    'squeezenet1.1/c10': ('squeezenet1.1', {'classes': 10}, (1, 3, 224, 224)),
    'mobilenet0.25/c10': ('mobilenet0.25', {'classes': 10}, (1, 3, 32, 32)),
    'mobilenetv2_0.25/c10': ('mobilenetv2_0.25', {'classes': 10}, (1, 3, 32, 32)),
    'mobilenetv2_1.25': ('MobileNetV2', {'multiplier': 1.25, 'classes': 10}, None),
    'densenet121/c10': ('densenet121', {'classes': 10}, (1, 3, 224, 224)),
    'inceptionv3/c10': ('inceptionv3', {'classes': 10}, (1, 3, 299, 299)),
    'mobilenetv2_0.25/grad': ('mobilenetv2_0.25', {'classes': 10}, (2, 3, 64, 64)),
    'resnet18_v2/grad': ('resnet18_v2', {'classes': 10}, (2, 3, 64, 64)),
    'densenet_tiny/grad': ('DenseNet', {'num_init_features': 8, 'growth_rate': 4,
                                        'block_config': [2, 1, 1, 2], 'bn_size': 2,
                                        'classes': 10}, (2, 3, 224, 224)),
    'densenet_tiny': ('DenseNet', {'num_init_features': 8, 'growth_rate': 4,
                                   'block_config': [2, 1, 1, 2], 'bn_size': 2,
                                   'dropout': 0.1, 'classes': 10}, (1, 3, 224, 224)),
})


def build(model, kwargs):
    if model[0].isupper():
        return getattr(vision, model)(**kwargs)
    return vision.get_model(model, **kwargs)


# cases whose input gradient is recorded too -> train_mode of the recording. MXNet's
# BatchNorm backward is wrong in predict mode (garbage / NaN input gradients), so the
# networks with BatchNorm are differentiated in train mode (batch statistics, batch 2,
# no dropout); SqueezeNet (no BatchNorm, a Dropout) in predict mode.
GRAD = {'mobilenetv2_0.25/grad': True, 'resnet18_v2/grad': True, 'densenet_tiny/grad': True,
        'squeezenet1.1/c10': False}
GRAD_POINTS = 16


def input_grad(net, x, train_mode):
    """d sum(net(x) * c)/dx (c = 1, 2, ..., classes per row): the sum of its absolute
    values, its largest absolute value and its values at GRAD_POINTS evenly spaced flat
    indices."""
    x = x.copy()
    x.attach_grad()
    with mx.autograd.record(train_mode=train_mode):
        y = net(x)
        c = mx.nd.arange(1, y.shape[1] + 1).reshape((1, -1))
        loss = (y * c).sum()
    loss.backward()
    g = x.grad.asnumpy().ravel().astype(np.float64)
    idx = np.linspace(0, g.size - 1, GRAD_POINTS).astype(np.int64)
    return [float('%.6g' % v) for v in [np.abs(g).sum(), np.abs(g).max()] + list(g[idx])]


def record(key, model, kwargs, in_shape):
    net = build(model, kwargs)
    prefix = net.prefix
    params = net.collect_params()
    structural = {p.name: k for k, p in net._collect_params_with_prefix().items()}
    entry = {'prefix': prefix, 'repr_lines': len(repr(net).split('\n')),
             'params': [[n[len(prefix):], structural[n], list(p.shape)]
                        for n, p in params.items()]}
    if in_shape is not None:
        net.initialize()
        x = mx.nd.array(make_input(in_shape))
        net(x)  # infers the deferred shapes
        values = param_values([(n, p.shape) for n, p in params.items()])
        for p, v in zip(params.values(), values):
            p.set_data(mx.nd.array(v))
        out = net(x).asnumpy()  # predict mode: BN uses running stats, no dropout
        entry['input'] = list(in_shape)
        entry['output'] = list(out.shape)
        entry['values'] = [float('%.6g' % v) for v in out.ravel()]
        entry['shapes'] = [list(p.shape) for p in params.values()]
        if key in GRAD:
            entry['grad'] = input_grad(net, x, GRAD[key])
            entry['grad_train_mode'] = GRAD[key]
    return entry


def main(path):
    out = {'mxnet': mx.__version__, 'models': {}}
    for key, (model, kwargs, in_shape) in CASES.items():
        out['models'][key] = dict(model=model, kwargs=kwargs,
                                  **record(key, model, kwargs, in_shape))
        print(key, len(out['models'][key]['params']), file=sys.stderr)
    from mxnet.gluon.model_zoo import model_store
    out['sha1'] = dict(model_store._model_sha1)
    out['vision_names'] = sorted(n for n in dir(vision) if not n.startswith('_'))
    # the two printed forms the test compares line by line
    out['repr'] = {'alexnet': repr(vision.alexnet()), 'resnet18_v1': repr(vision.resnet18_v1())}
    # gzip: ~60 KB instead of ~800 KB of very repetitive names (mtime=0: reproducible)
    with open(path, 'wb') as f:
        with gzip.GzipFile(fileobj=f, mode='wb', mtime=0) as gz:
            gz.write(json.dumps(out, separators=(',', ':'), sort_keys=True).encode())


if __name__ == '__main__':
    main(sys.argv[1])
