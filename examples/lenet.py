"""LeNet, a convolutional network, classifying images, as in Dive into Deep Learning.

Two convolution + max-pooling stages and three dense layers. On 28x28 Fashion-MNIST (when
--data-dir holds its four .gz files) the convolutions are 5x5 as in LeNet-5 (the first padded
by 2); on scikit-learn's bundled 8x8 digits (the default, no download) they are 3x3 padded by 1,
so each pooling halves the image: 8x8 -> 4x4 -> 2x2. ReLU replaces the original sigmoid, which
trains far slower on a small data set,
and SGD has momentum.

    python examples/lenet.py
    python examples/lenet.py --data-dir ~/.mxnet/datasets/fashion-mnist
    mpirun -n 4 python examples/lenet.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from distglu import gluon, init  # noqa: E402
from distglu.gluon import nn  # noqa: E402
from _common import base_parser, save_plot  # noqa: E402
from mlp import parse_and_load, train  # noqa: E402


def lenet(image_size, activation='relu'):
    """LeNet for square single-channel images of side ``image_size``."""
    if image_size >= 28:
        k1, p1, k2, p2 = 5, 2, 5, 0
    else:
        k1, p1, k2, p2 = 3, 1, 3, 1
    net = nn.Sequential()
    net.add(nn.Conv2D(channels=6, kernel_size=k1, padding=p1, activation=activation),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Conv2D(channels=16, kernel_size=k2, padding=p2, activation=activation),
            nn.MaxPool2D(pool_size=2, strides=2),
            nn.Dense(120, activation=activation),
            nn.Dense(84, activation=activation),
            nn.Dense(10))
    return net


def main(argv=None):
    ap = base_parser(__doc__.split('\n\n')[0], epochs=10, batch_size=32, lr=0.05)
    ap.add_argument('--momentum', type=float, default=0.9, help='SGD momentum')
    args, train_iter, test_iter, about = parse_and_load(ap, argv)
    X, _ = next(iter(test_iter))

    net = lenet(X.shape[-1])
    net.initialize(init.Xavier())
    out = X[:1]
    for layer in net:  # the shapes through the network, as the book prints them
        out = layer(out)
        print('%-10s output shape: %s' % (layer.name, out.shape))
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': args.lr, 'momentum': args.momentum})

    history = train(net, train_iter, test_iter, trainer, args.epochs, args.no_progress)
    if args.plot:
        save_plot(args.plot, history, 'LeNet on %s' % about.split(',')[0])
    return history


if __name__ == '__main__':
    main()
