"""Linear regression, as in the Gluon tutorial: learn y = 2*x1 - 3.4*x2 + 4.2 from noisy data.

    python examples/linreg.py            # one process
    mpirun -n 4 python examples/linreg.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import distglu as mx  # noqa: E402
from distglu import nd, autograd, gluon  # noqa: E402
from _common import base_parser, progress, save_plot  # noqa: E402


def main(argv=None):
    ap = base_parser(__doc__.split('\n\n')[0], epochs=3, batch_size=10, lr=0.03)
    ap.add_argument('--samples', type=int, default=1000, help='number of examples')
    args = ap.parse_args(argv)
    mx.random.seed(args.seed)
    np.random.seed(args.seed)  # the DataLoader shuffles with NumPy's generator, as MXNet's

    true_w = nd.array([2, -3.4])
    true_b = 4.2
    features = nd.random.normal(scale=1, shape=(args.samples, 2))
    labels = nd.dot(features, true_w) + true_b
    labels += nd.random.normal(scale=0.01, shape=labels.shape)

    dataset = gluon.data.ArrayDataset(features, labels)
    data_iter = gluon.data.DataLoader(dataset, args.batch_size, shuffle=True)

    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(1))
    net.initialize(mx.init.Normal(sigma=0.01))
    loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': args.lr})

    history = []
    for epoch in range(1, args.epochs + 1):
        for X, y in progress(data_iter, 'epoch %d' % epoch, disable=args.no_progress):
            with autograd.record():
                l = loss(net(X), y)
            l.backward()
            trainer.step(args.batch_size)
        l = loss(net(features), labels).mean().asscalar()
        history.append(l)
        print('epoch %d, loss: %f' % (epoch, l))

    w = net[0].weight.data()
    b = net[0].bias.data()
    print('true w: [%s]  learned w: [%s]' % (
        ', '.join('%.4f' % v for v in true_w.asnumpy()),
        ', '.join('%.4f' % v for v in w.asnumpy().reshape(-1))))
    print('true b: %.4f  learned b: %.4f' % (true_b, b.asscalar()))
    if args.plot:
        save_plot(args.plot, {'loss': history}, 'linear regression')
    return w.asnumpy().reshape(-1), b.asscalar()


if __name__ == '__main__':
    main()
