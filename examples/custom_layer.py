"""Custom layers, a custom initializer, shared parameters, save and load, as the Gluon tutorials
show them, put together in a classifier trained on real images.

- ``MyDense``: a Block that creates its own parameters with ``self.params.get``.
- ``CenteredLayer``: a Block without parameters (subtracts the mean).
- ``LeCunUniform``: an ``init.Initializer`` subclass (``_init_weight``), given to one parameter.
- Shared parameters: two ``nn.Dense`` layers, the second made with ``params=shared.params``.
- ``save_parameters`` / ``load_parameters`` into a fresh copy of the network, which must
  give the same outputs.

The images are Fashion-MNIST when --data-dir holds it, otherwise scikit-learn's digits.

    python examples/custom_layer.py
    mpirun -n 4 python examples/custom_layer.py
"""
import math
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from distglu import nd, gluon, init  # noqa: E402
from distglu.gluon import nn  # noqa: E402
from _common import base_parser, save_plot  # noqa: E402
from mlp import parse_and_load, train  # noqa: E402


class LeCunUniform(init.Initializer):
    """Uniform in [-s, s] with s = sqrt(3 / fan_in): unit output variance for unit inputs."""

    def __init__(self, scale=1.0):
        super(LeCunUniform, self).__init__(scale=scale)
        self.scale = scale

    def _init_weight(self, name, data):
        fan_in = data.shape[0] if len(data.shape) == 2 else int(data.size // data.shape[0])
        bound = self.scale * math.sqrt(3.0 / fan_in)
        print('Init', name, data.shape, 'uniform in +-%.3f' % bound)
        data[:] = nd.random.uniform(low=-bound, high=bound, shape=data.shape)


class MyDense(nn.Block):
    """relu(x W + b) with W of shape (in_units, units): a layer with its own parameters."""

    def __init__(self, units, in_units, **kwargs):
        super(MyDense, self).__init__(**kwargs)
        with self.name_scope():
            self.weight = self.params.get('weight', shape=(in_units, units), init=LeCunUniform())
            self.bias = self.params.get('bias', shape=(units,))

    def forward(self, x):
        x = x.reshape((0, -1))  # (N, C, H, W) -> (N, C*H*W); 0 keeps the batch axis
        return nd.relu(nd.dot(x, self.weight.data()) + self.bias.data())


class CenteredLayer(nn.Block):
    """x - mean(x): a layer without parameters."""

    def forward(self, x):
        return x - x.mean()


def build_net(in_units, num_hiddens):
    shared = nn.Dense(num_hiddens, activation='relu')
    net = nn.Sequential()
    net.add(MyDense(num_hiddens, in_units),
            shared,
            nn.Dense(num_hiddens, activation='relu', params=shared.params),
            CenteredLayer(),
            nn.Dense(10))
    return net


def main(argv=None):
    ap = base_parser(__doc__.split('\n\n')[0], epochs=10, batch_size=64, lr=0.1)
    ap.add_argument('--num-hiddens', type=int, default=128, help='units of the hidden layers')
    ap.add_argument('--params-file', default=None,
                    help='where to save the parameters (default: a temporary folder)')
    args, train_iter, test_iter, about = parse_and_load(ap, argv)
    X, _ = next(iter(test_iter))
    in_units = int(X[0].size)

    net = build_net(in_units, args.num_hiddens)
    # Xavier for every parameter that has no initializer of its own (MyDense's weight has one)
    net.initialize(init.Xavier())
    print(net)
    print('layers 1 and 2 share their weight:', net[1].weight is net[2].weight)
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': args.lr})

    history = train(net, train_iter, test_iter, trainer, args.epochs, args.no_progress)
    same = (net[1].weight.data() == net[2].weight.data()).min().asscalar()
    print('shared weight still equal after training:', bool(same))

    tmpdir = None
    path = args.params_file
    if path is None:
        tmpdir = tempfile.mkdtemp(prefix='distglu_custom_layer_')
        path = os.path.join(tmpdir, 'net.params')
    try:
        net.save_parameters(path)
        clone = build_net(in_units, args.num_hiddens)
        clone.load_parameters(path)
        diff = nd.abs(clone(X) - net(X)).max().asscalar()
    finally:
        if tmpdir is not None:
            shutil.rmtree(tmpdir, ignore_errors=True)
    print('save/load round trip, max abs output difference: %g' % diff)
    if args.plot:
        save_plot(args.plot, history, 'custom layers on %s' % about.split(',')[0])
    return history, diff


if __name__ == '__main__':
    main()
