"""Vision datasets read small files that the tests write in the official formats (gzip IDX for
MNIST/Fashion-MNIST, python pickles for CIFAR), image folders, and the missing-file errors.
Nothing is downloaded."""
import gzip
import os
import pickle
import struct
import sys
import tarfile

import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError
from distglu.gluon.data import DataLoader
from distglu.gluon.data import vision
from distglu.gluon.data.vision import transforms as T


# ---------------------------------------------------------------------- writers (official formats)

def write_idx(path, array, compress=True):
    """IDX: 0x0000, type byte 0x08 (uint8), ndim, big-endian uint32 dims, data."""
    array = np.asarray(array, dtype=np.uint8)
    raw = struct.pack('>BBBB', 0, 0, 0x08, array.ndim) + \
        struct.pack('>%dI' % array.ndim, *array.shape) + array.tobytes()
    with (gzip.open if compress else open)(path, 'wb') as f:
        f.write(raw)


def make_mnist(root, n, prefix, rows=28, cols=28, seed=0, compress=True):
    rs = np.random.RandomState(seed)
    images = rs.randint(0, 256, (n, rows, cols)).astype(np.uint8)
    labels = rs.randint(0, 10, n).astype(np.uint8)
    ext = '.gz' if compress else ''
    write_idx(os.path.join(root, '%s-images-idx3-ubyte%s' % (prefix, ext)), images, compress)
    write_idx(os.path.join(root, '%s-labels-idx1-ubyte%s' % (prefix, ext)), labels, compress)
    return images, labels


def cifar_pickle(obj):
    """Pickled as the official (Python 2) batches: bytes keys, protocol 2, arrays rebuilt by
    numpy.core.multiarray._reconstruct."""
    return pickle.dumps(obj, protocol=2).replace(b'numpy._core.multiarray',
                                                 b'numpy.core.multiarray')


def make_cifar10(folder, n_per_batch=3, seed=0):
    rs = np.random.RandomState(seed)
    os.makedirs(folder, exist_ok=True)
    out = {}
    for name in ['data_batch_%d' % i for i in range(1, 6)] + ['test_batch']:
        data = rs.randint(0, 256, (n_per_batch, 3072)).astype(np.uint8)
        labels = rs.randint(0, 10, n_per_batch).tolist()
        with open(os.path.join(folder, name), 'wb') as f:
            f.write(cifar_pickle({b'batch_label': name.encode(), b'labels': labels,
                                  b'data': data, b'filenames': [b'x.png'] * n_per_batch}))
        out[name] = (data, labels)
    with open(os.path.join(folder, 'batches.meta'), 'wb') as f:
        f.write(cifar_pickle({b'label_names': [b'airplane', b'automobile', b'bird', b'cat',
                                               b'deer', b'dog', b'frog', b'horse', b'ship',
                                               b'truck'], b'num_vis': 3072}))
    return out


def cifar_images(data):
    """Row = 1024 red, 1024 green, 1024 blue values, each plane row-major 32x32 -> HxWxC."""
    return data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)


# ---------------------------------------------------------------------- MNIST

@pytest.mark.parametrize('cls', [vision.MNIST, vision.FashionMNIST])
def test_mnist_reads_idx_files(tmp_path, cls):
    train_x, train_y = make_mnist(str(tmp_path), 5, 'train', seed=1)
    test_x, test_y = make_mnist(str(tmp_path), 3, 't10k', seed=2)
    ds = cls(root=str(tmp_path))
    assert len(ds) == 5
    img, label = ds[3]
    # MXNet 1.9.1: (NDArray 28x28x1 uint8, numpy.int32)
    assert isinstance(img, mx.nd.NDArray) and img.shape == (28, 28, 1)
    assert img.dtype == np.uint8 and type(label) is np.int32
    np.testing.assert_array_equal(img.asnumpy()[:, :, 0], train_x[3])
    assert label == train_y[3]
    test = cls(root=str(tmp_path), train=False)
    assert len(test) == 3
    np.testing.assert_array_equal(test[2][0].asnumpy()[:, :, 0], test_x[2])
    assert [int(test[i][1]) for i in range(3)] == test_y.tolist()


def test_fashion_mnist_signature_and_transform(tmp_path):
    make_mnist(str(tmp_path), 4, 'train', rows=6, cols=5)
    seen = []

    def fn(data, label):
        seen.append(label)
        return data.astype('float32') / 255, label
    ds = vision.FashionMNIST(str(tmp_path), True, fn)  # positional, as MXNet
    ds = vision.FashionMNIST(root=str(tmp_path), train=True, transform=fn)
    x, y = ds[1]
    assert x.shape == (6, 5, 1) and x.dtype == np.float32 and float(x.asnumpy().max()) <= 1
    assert seen and type(seen[-1]) is np.int32


def test_mnist_uncompressed_and_loader(tmp_path):
    images, labels = make_mnist(str(tmp_path), 7, 'train', rows=4, cols=3, compress=False)
    ds = vision.MNIST(root=str(tmp_path)).transform_first(T.ToTensor())
    batches = list(DataLoader(ds, batch_size=3, num_workers=2))
    assert [b[0].shape for b in batches] == [(3, 1, 4, 3), (3, 1, 4, 3), (1, 1, 4, 3)]
    assert batches[0][1].dtype == np.int32
    np.testing.assert_allclose(batches[2][0].asnumpy()[0, 0], images[6] / 255.0, rtol=1e-6)
    assert np.concatenate([b[1].asnumpy() for b in batches]).tolist() == labels.tolist()


def test_mnist_missing_files_error_names_dir_files_and_source(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        vision.MNIST(root=str(tmp_path / 'nowhere'))
    msg = str(info.value)
    assert isinstance(info.value, DistGluError)
    assert str(tmp_path / 'nowhere') in msg
    assert 'train-images-idx3-ubyte.gz' in msg and 'train-labels-idx1-ubyte.gz' in msg
    assert 'yann.lecun.com/exdb/mnist' in msg and 'does not download' in msg
    assert not (tmp_path / 'nowhere').exists()  # nothing created, nothing fetched
    with pytest.raises(FileNotFoundError, match='t10k-images-idx3-ubyte.gz') as info:
        vision.FashionMNIST(root=str(tmp_path), train=False)
    assert 'zalandoresearch/fashion-mnist' in str(info.value)


def test_mnist_default_root(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    with pytest.raises(FileNotFoundError) as info:
        vision.MNIST()
    default = os.path.join(str(tmp_path), '.distglu', 'datasets', 'mnist')
    assert repr(default) in str(info.value)


def test_idx_format_errors(tmp_path):
    root = str(tmp_path)
    make_mnist(root, 2, 'train', rows=3, cols=3)
    with gzip.open(os.path.join(root, 'train-labels-idx1-ubyte.gz'), 'wb') as f:
        f.write(b'\x00\x00\x08\x01\x00\x00\x00\x05\x01\x02')  # says 5 labels, holds 2
    with pytest.raises(DistGluError, match='data bytes for dimensions'):
        vision.MNIST(root=root)
    with gzip.open(os.path.join(root, 'train-labels-idx1-ubyte.gz'), 'wb') as f:
        f.write(b'\x12\x34\x56\x78')
    with pytest.raises(ValueError, match='bad magic number 12345678'):
        vision.MNIST(root=root)
    write_idx(os.path.join(root, 'train-labels-idx1-ubyte.gz'), np.arange(3))
    with pytest.raises(DistGluError, match='2 images .* but 3 labels'):
        vision.MNIST(root=root)


# ---------------------------------------------------------------------- CIFAR

def test_cifar10_reads_python_batches(tmp_path):
    written = make_cifar10(str(tmp_path / 'cifar-10-batches-py'))
    ds = vision.CIFAR10(root=str(tmp_path))
    assert len(ds) == 15
    img, label = ds[4]  # second image of data_batch_2
    assert img.shape == (32, 32, 3) and img.dtype == np.uint8 and type(label) is np.int32
    data, labels = written['data_batch_2']
    np.testing.assert_array_equal(img.asnumpy(), cifar_images(data)[1])
    assert label == labels[1]
    # the channel planes: pixel (0, 1) takes bytes 1, 1025 and 2049 of the row
    assert img.asnumpy()[0, 1].tolist() == [data[1, 1], data[1, 1025], data[1, 2049]]
    assert ds.synsets[:3] == ['airplane', 'automobile', 'bird']
    test = vision.CIFAR10(root=str(tmp_path), train=False)
    assert len(test) == 3
    np.testing.assert_array_equal(test[0][0].asnumpy(),
                                  cifar_images(written['test_batch'][0])[0])


def test_cifar10_from_archive_and_flat_dir(tmp_path):
    src = tmp_path / 'src'
    written = make_cifar10(str(src / 'cifar-10-batches-py'))
    archive_root = tmp_path / 'archive'
    archive_root.mkdir()
    with tarfile.open(str(archive_root / 'cifar-10-python.tar.gz'), 'w:gz') as tar:
        tar.add(str(src / 'cifar-10-batches-py'), arcname='cifar-10-batches-py')
    ds = vision.CIFAR10(root=str(archive_root), train=False)
    np.testing.assert_array_equal(ds[2][0].asnumpy(), cifar_images(written['test_batch'][0])[2])
    assert ds.synsets[-1] == 'truck'
    assert os.listdir(str(archive_root)) == ['cifar-10-python.tar.gz']  # nothing extracted
    flat = vision.CIFAR10(root=str(src / 'cifar-10-batches-py'))  # the files in root itself
    assert len(flat) == 15


def test_cifar100_fine_and_coarse_labels(tmp_path):
    folder = tmp_path / 'cifar-100-python'
    folder.mkdir()
    rs = np.random.RandomState(0)
    for name, n in (('train', 4), ('test', 2)):
        data = rs.randint(0, 256, (n, 3072)).astype(np.uint8)
        (folder / name).write_bytes(cifar_pickle({
            b'data': data, b'fine_labels': list(range(90, 90 + n)),
            b'coarse_labels': list(range(10, 10 + n)), b'filenames': [b'a'] * n}))
    (folder / 'meta').write_bytes(cifar_pickle({
        b'fine_label_names': [b'f%d' % i for i in range(100)],
        b'coarse_label_names': [b'c%d' % i for i in range(20)]}))
    coarse = vision.CIFAR100(root=str(tmp_path))  # fine_label=False by default, as MXNet
    assert [int(coarse[i][1]) for i in range(4)] == [10, 11, 12, 13]
    assert len(coarse.synsets) == 20 and coarse.synsets[10] == 'c10'
    fine = vision.CIFAR100(root=str(tmp_path), fine_label=True, train=False)
    assert [int(fine[i][1]) for i in range(2)] == [90, 91]
    assert len(fine.synsets) == 100
    assert fine[0][0].shape == (32, 32, 3)


def test_cifar_missing_and_malicious_files(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        vision.CIFAR10(root=str(tmp_path))
    msg = str(info.value)
    assert str(tmp_path) in msg and 'cifar-10-batches-py/data_batch_1' in msg
    assert 'data_batch_5' in msg and 'cifar-10-python.tar.gz' in msg
    assert 'www.cs.toronto.edu/~kriz/cifar.html' in msg
    with pytest.raises(FileNotFoundError, match='cifar-100-python/test'):
        vision.CIFAR100(root=str(tmp_path), train=False)

    class Evil(object):
        def __reduce__(self):
            return (os.system, ('echo pwned',))
    folder = tmp_path / 'cifar-10-batches-py'
    folder.mkdir()
    (folder / 'test_batch').write_bytes(pickle.dumps({b'data': Evil(), b'labels': []}))
    with pytest.raises(DistGluError, match='refusing to load'):
        vision.CIFAR10(root=str(tmp_path), train=False)
    (folder / 'test_batch').write_bytes(cifar_pickle({b'data': np.zeros((2, 10), np.uint8),
                                                      b'labels': [0, 1]}))
    with pytest.raises(DistGluError, match=r"'data' must be uint8 of shape \(N, 3072\)"):
        vision.CIFAR10(root=str(tmp_path), train=False)


# ---------------------------------------------------------------------- image folders

def write_ppm(path, img):
    h, w, c = img.shape
    magic = b'P6' if c == 3 else b'P5'
    with open(path, 'wb') as f:
        f.write(magic + b'\n# a comment\n%d %d\n255\n' % (w, h) + img.tobytes())


def test_image_folder_dataset(tmp_path):
    rs = np.random.RandomState(0)
    cat = rs.randint(0, 256, (4, 5, 3)).astype(np.uint8)
    dog = rs.randint(0, 256, (3, 2, 3)).astype(np.uint8)
    gray = rs.randint(0, 256, (2, 3)).astype(np.uint8)
    (tmp_path / 'cat').mkdir()
    (tmp_path / 'dog').mkdir()
    write_ppm(str(tmp_path / 'cat' / 'a.ppm'), cat)
    np.save(str(tmp_path / 'cat' / 'b.npy'), gray)
    (tmp_path / 'dog' / 'c.pgm').write_bytes(b'P2\n3 2\n255\n' +
                                             ' '.join(map(str, gray.ravel())).encode())
    write_ppm(str(tmp_path / 'dog' / 'd.ppm'), dog)
    (tmp_path / 'dog' / 'notes.txt').write_text('not an image')
    (tmp_path / 'README').write_text('not a class')
    with pytest.warns(UserWarning, match='Ignoring'):
        ds = vision.ImageFolderDataset(str(tmp_path))
    assert ds.synsets == ['cat', 'dog']
    assert [(os.path.basename(p), l) for p, l in ds.items] == \
        [('a.ppm', 0), ('b.npy', 0), ('c.pgm', 1), ('d.ppm', 1)]
    assert len(ds) == 4
    img, label = ds[0]
    assert isinstance(img, mx.nd.NDArray) and img.dtype == np.uint8 and label == 0
    np.testing.assert_array_equal(img.asnumpy(), cat)
    np.testing.assert_array_equal(ds[1][0].asnumpy(), np.repeat(gray[:, :, None], 3, 2))
    np.testing.assert_array_equal(ds[2][0].asnumpy(), np.repeat(gray[:, :, None], 3, 2))
    np.testing.assert_array_equal(ds[3][0].asnumpy(), dog)
    with pytest.warns(UserWarning):
        g = vision.ImageFolderDataset(str(tmp_path), flag=0,
                                      transform=lambda x, y: (x.astype('float32'), y))
    x, y = g[0]
    ref = np.clip(np.rint(cat.astype(np.float64) @ [0.299, 0.587, 0.114]), 0, 255)
    assert x.shape == (4, 5, 1) and x.dtype == np.float32
    assert np.abs(x.asnumpy()[:, :, 0] - ref).max() <= 1
    with pytest.raises(FileNotFoundError, match='is not a directory'):
        vision.ImageFolderDataset(str(tmp_path / 'missing'))


def test_image_folder_png_needs_pillow(tmp_path, monkeypatch):
    (tmp_path / 'a').mkdir()
    img = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    try:
        from PIL import Image
        Image.fromarray(img).save(str(tmp_path / 'a' / 'x.png'))
        ds = vision.ImageFolderDataset(str(tmp_path))
        np.testing.assert_array_equal(ds[0][0].asnumpy(), img)
    except ImportError:
        (tmp_path / 'a' / 'x.png').write_bytes(b'\x89PNG\r\n')
        ds = vision.ImageFolderDataset(str(tmp_path))
    monkeypatch.setitem(sys.modules, 'PIL', None)  # as if Pillow were not installed
    with pytest.raises(DistGluError, match='needs Pillow'):
        ds[0]


def test_record_datasets_are_clear_errors():
    with pytest.raises(DistGluError, match='RecordIO'):
        vision.ImageRecordDataset('x.rec')


def test_image_folder_grey_equals_mx_image_imread(tmp_path):
    """flag=0 decodes PNG/JPEG to grey as mx.image.imread (OpenCV's rules) does."""
    PIL = pytest.importorskip('PIL.Image')
    (tmp_path / 'a').mkdir()
    img = np.random.default_rng(0).integers(0, 256, (7, 9, 3), dtype=np.uint8)
    for name in ('x.png', 'y.jpg'):
        PIL.fromarray(img).save(str(tmp_path / 'a' / name))
    ds = mx.gluon.data.vision.ImageFolderDataset(str(tmp_path), flag=0)
    for i in range(2):
        got = ds[i][0].asnumpy()
        assert got.shape == (7, 9, 1) and got.dtype == np.uint8
        np.testing.assert_array_equal(got, mx.image.imread(ds.items[i][0], flag=0).asnumpy())
