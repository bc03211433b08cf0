"""A multilayer perceptron classifying images, as in the Gluon tutorial / Dive into Deep Learning.

The images are Fashion-MNIST when --data-dir holds its four official .gz files, otherwise
scikit-learn's bundled 8x8 digits (no download either way).

    python examples/mlp.py                   # one process, the digits
    python examples/mlp.py --data-dir ~/.mxnet/datasets/fashion-mnist
    mpirun -n 4 python examples/mlp.py
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import distglu as mx  # noqa: E402
from distglu import nd, autograd, gluon, init  # noqa: E402
from distglu.gluon import nn, loss as gloss, data as gdata  # noqa: E402
from _common import base_parser, progress, save_plot, load_images  # noqa: E402


def load_data(data_dir, batch_size, limit=None):
    """DataLoaders of (N, 1, H, W) float32 images in [0, 1] with int32 labels, and a line
    naming the data."""
    (x_train, y_train), (x_test, y_test), name = load_images(data_dir, limit)
    to_tensor = gdata.vision.transforms.ToTensor()
    train_set = gdata.ArrayDataset(nd.array(x_train, dtype='uint8'), y_train)
    test_set = gdata.ArrayDataset(nd.array(x_test, dtype='uint8'), y_test)
    train_iter = gdata.DataLoader(train_set.transform_first(to_tensor), batch_size, shuffle=True)
    test_iter = gdata.DataLoader(test_set.transform_first(to_tensor), batch_size, shuffle=False)
    about = '%s, %d training and %d test images of %dx%d' % (
        name, len(y_train), len(y_test), x_train.shape[1], x_train.shape[2])
    return train_iter, test_iter, about


def parse_and_load(ap, argv):
    """Add the data options to ``ap``, parse ``argv``, seed the generators and load the
    images; prints the data line. Returns (args, train_iter, test_iter, about)."""
    ap.add_argument('--data-dir', default=None,
                    help='folder with the Fashion-MNIST .gz files (default: the bundled digits)')
    ap.add_argument('--limit', type=int, default=None,
                    help='use only this many training images (and a quarter as many test images)')
    args = ap.parse_args(argv)
    mx.random.seed(args.seed)
    np.random.seed(args.seed)  # the DataLoader shuffles with NumPy's generator, as MXNet
    train_iter, test_iter, about = load_data(args.data_dir, args.batch_size, args.limit)
    print('data:', about)
    return args, train_iter, test_iter, about


def evaluate_accuracy(data_iter, net):
    metric = mx.metric.Accuracy()
    for X, y in data_iter:
        metric.update(y, net(X))
    return metric.get()[1]


def train(net, train_iter, test_iter, trainer, epochs, no_progress=False):
    """The training loop of the tutorials; one summary line per epoch and the final test
    accuracy. Returns the curves."""
    loss = gloss.SoftmaxCrossEntropyLoss()
    history = {'loss': [], 'train acc': [], 'test acc': []}
    for epoch in range(1, epochs + 1):
        start = time.time()
        loss_sum, n = 0.0, 0
        train_acc = mx.metric.Accuracy()
        for X, y in progress(train_iter, 'epoch %d' % epoch, disable=no_progress):
            with autograd.record():
                y_hat = net(X)
                l = loss(y_hat, y)
            l.backward()
            # the samples of this batch (the last one of an epoch may be smaller)
            trainer.step(y.shape[0])
            loss_sum += l.sum().asscalar()
            n += y.shape[0]
            train_acc.update(y, y_hat)
        test_acc = evaluate_accuracy(test_iter, net)
        history['loss'].append(loss_sum / n)
        history['train acc'].append(train_acc.get()[1])
        history['test acc'].append(test_acc)
        print('epoch %d, loss %.4f, train acc %.3f, test acc %.3f, time %.1f sec'
              % (epoch, loss_sum / n, train_acc.get()[1], test_acc, time.time() - start))
    print('final test accuracy: %.4f' % history['test acc'][-1])
    return history


def main(argv=None):
    ap = base_parser(__doc__.split('\n\n')[0], epochs=10, batch_size=64, lr=0.2)
    ap.add_argument('--num-hiddens', type=int, default=256, help='units of the hidden layer')
    args, train_iter, test_iter, about = parse_and_load(ap, argv)

    net = nn.Sequential()
    net.add(nn.Dense(args.num_hiddens, activation='relu'),
            nn.Dense(10))
    net.initialize(init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': args.lr})

    history = train(net, train_iter, test_iter, trainer, args.epochs, args.no_progress)
    if args.plot:
        save_plot(args.plot, history, 'MLP on %s' % about.split(',')[0])
    return history


if __name__ == '__main__':
    main()
