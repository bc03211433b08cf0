"""Shared helpers of the examples: progress bars, curves, and the image data sets."""
import argparse
import os
import sys

import numpy as np


def base_parser(description, epochs, batch_size, lr, batch_help='samples per step'):
    ap = argparse.ArgumentParser(description=description,
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument('--epochs', type=int, default=epochs, help='passes over the training set')
    ap.add_argument('--batch-size', type=int, default=batch_size, help=batch_help)
    ap.add_argument('--lr', type=float, default=lr, help='learning rate')
    ap.add_argument('--seed', type=int, default=0, help='random seed')
    ap.add_argument('--plot', metavar='FILE.png', help='save the loss/accuracy curves here')
    ap.add_argument('--no-progress', action='store_true', help='no progress bars')
    return ap


def progress(iterable, desc, total=None, disable=False):
    """A tqdm progress bar on stderr (plain iteration if tqdm is missing)."""
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is in the 'examples' extra; the loop still works without it
        return iterable
    return tqdm(iterable, desc=desc, total=total, leave=False, disable=disable,
                file=sys.stderr, dynamic_ncols=True)


def save_plot(path, curves, title):
    """Save curves {name: [values per epoch]} to a PNG (needs matplotlib)."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("--plot needs matplotlib: pip install 'distglu[examples]'")
    fig, axes = plt.subplots(1, len(curves), figsize=(5 * len(curves), 3.5))
    axes = np.atleast_1d(axes)
    for ax, (name, values) in zip(axes, curves.items()):
        ax.plot(range(1, len(values) + 1), values, marker='o')
        ax.set_xlabel('epoch')
        ax.set_ylabel(name)
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print('saved curves to %s' % path)


def load_images(data_dir, limit=None):
    """(train, test, name): Fashion-MNIST from ``data_dir`` if it holds the official
    files, otherwise scikit-learn's bundled 8x8 digits (no download either way).

    Each split is (images N x H x W x 1 uint8, labels N int32).
    """
    from distglu.gluon.data import vision
    if data_dir and all(os.path.exists(os.path.join(data_dir, f)) for f in
                        ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz',
                         't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')):
        train = vision.FashionMNIST(root=data_dir, train=True)
        test = vision.FashionMNIST(root=data_dir, train=False)
        tr = (train._data.asnumpy(), train._label)
        te = (test._data.asnumpy(), test._label)
        name = 'Fashion-MNIST'
    else:
        try:
            from sklearn.datasets import load_digits
        except ImportError:
            raise SystemExit("no --data-dir with Fashion-MNIST and no scikit-learn for the "
                             "bundled digits: pip install 'distglu[examples]'")
        d = load_digits()
        x = (d.images * (255.0 / 16.0)).astype(np.uint8)[..., None]
        y = d.target.astype(np.int32)
        rng = np.random.default_rng(0)
        perm = rng.permutation(len(y))
        x, y = x[perm], y[perm]
        n_test = len(y) // 5
        tr, te = (x[n_test:], y[n_test:]), (x[:n_test], y[:n_test])
        name = 'scikit-learn digits (8x8)'
    if limit:
        tr = (tr[0][:limit], tr[1][:limit])
        te = (te[0][:max(limit // 4, 1)], te[1][:max(limit // 4, 1)])
    return tr, te, name
