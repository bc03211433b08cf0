"""Vision datasets read from their official files (``mxnet.gluon.data.vision.datasets``).

distglu never downloads: the files must already be in ``root`` (default
``~/.distglu/datasets/<name>``, or ``$DISTGLU_HOME/datasets/<name>``). When they are missing,
the error names the directory, the files expected and where they are published.

Samples are ``(image, label)``: the image an HxWxC uint8 NDArray (MNIST 28x28x1, CIFAR 32x32x3),
the label a ``numpy.int32`` scalar, as in MXNet 1.x. ``transform(image, label)`` is applied to
each sample when given.
"""
import gzip
import io
import os
import pickle
import struct
import tarfile
import warnings

import numpy as np

from ....context import cpu
from ....ndarray import NDArray
from .. import dataset
from .._errors import DatasetFileError, DatasetFormatError, DataValueError
from . import _imageio

__all__ = ['MNIST', 'FashionMNIST', 'CIFAR10', 'CIFAR100', 'ImageFolderDataset',
           'ImageRecordDataset']


def _data_home():
    return os.environ.get('DISTGLU_HOME', os.path.join('~', '.distglu'))


def _default_root(name):
    return os.path.join(_data_home(), 'datasets', name)


class _DownloadedDataset(dataset.Dataset):
    """Base of the datasets kept as one image array and one label array in memory."""

    def __init__(self, root, transform):
        super().__init__()
        if transform is not None and not callable(transform):
            raise DataValueError("%s: transform must be callable (it gets data and label), "
                                 "got %r" % (type(self).__name__, transform))
        self._transform = transform
        self._root = os.path.expanduser(root)
        self._data = None
        self._label = None
        self._get_data()

    def __getitem__(self, idx):
        img = NDArray._wrap(self._data._data[idx], self._data._ctx)
        label = self._label[idx]
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self._label)

    def _get_data(self):
        raise NotImplementedError

    def _missing(self, files, source, note=''):
        return DatasetFileError(
            "%s: %s files not found in directory %r: expected %s%s. They are published at "
            "%s. distglu does not download data sets: put the files in that directory, or "
            "pass root= the directory that holds them."
            % (type(self).__name__, 'training' if self._train else 'test', self._root,
               ', '.join(files), note, source))


# ---------------------------------------------------------------------- IDX (MNIST)

_IDX_DTYPES = {0x08: np.dtype('u1'), 0x09: np.dtype('i1'), 0x0B: np.dtype('>i2'),
               0x0C: np.dtype('>i4'), 0x0D: np.dtype('>f4'), 0x0E: np.dtype('>f8')}


def read_idx(path):
    """Read an IDX file (gzip-compressed if the name ends in .gz) into a NumPy array.

    IDX: two zero bytes, a type byte (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
    0x0D float32, 0x0E float64), the number of dimensions, the dimensions as big-endian
    uint32, then the data, big-endian, row-major. MNIST images have magic 0x00000803, labels
    0x00000801.
    """
    opener = gzip.open if path.endswith('.gz') else open
    try:
        with opener(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError) as err:  # e.g. a truncated or non-gzip file
        raise DatasetFormatError("IDX file %r cannot be read: %s" % (path, err)) from err
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DatasetFormatError("IDX file %r: bad magic number %s (expected 0x0000TTNN with "
                                 "type TT in 08 09 0B 0C 0D 0E)" % (path, raw[:4].hex() or 'none'))
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DatasetFormatError("IDX file %r: truncated header" % (path,))
    dims = struct.unpack('>%dI' % ndim, raw[4:header])
    need = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != need:
        raise DatasetFormatError("IDX file %r: %d data bytes for dimensions %s of %s, expected %d"
                                 % (path, len(raw) - header, dims, dtype, need))
    arr = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return arr.astype(dtype.newbyteorder('='), copy=False)


class MNIST(_DownloadedDataset):
    """MNIST handwritten digits (``mxnet.gluon.data.vision.MNIST``).

    Reads the official gzip IDX files from ``root``: ``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz`` (``train=True``) or ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``; uncompressed copies (without ``.gz``) work too.
    Each sample is ``(NDArray 28x28x1 uint8, numpy.int32 label)``.

    Parameters
    ----------
    root : str, default ``~/.distglu/datasets/mnist``
    train : bool, default True
    transform : callable ``(data, label) -> sample``, default None
    """
    _files = {True: ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
              False: ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz')}
    _source = 'http://yann.lecun.com/exdb/mnist/'

    def __init__(self, root=_default_root('mnist'), train=True, transform=None):
        self._train = bool(train)
        super().__init__(root, transform)

    def _find(self, name):
        for candidate in (name, name[:-3]):
            path = os.path.join(self._root, candidate)
            if os.path.isfile(path):
                return path
        return None

    def _get_data(self):
        names = self._files[self._train]
        paths = [self._find(n) for n in names]
        if None in paths:
            raise self._missing(names, self._source, ' (gzip IDX files; uncompressed copies '
                                'without .gz work too)')
        images, labels = read_idx(paths[0]), read_idx(paths[1])
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DatasetFormatError("%s: %r must hold uint8 images of shape (N, rows, cols) "
                                     "(magic 0x00000803), got %s of shape %s"
                                     % (type(self).__name__, paths[0], images.dtype,
                                        images.shape))
        if labels.ndim != 1:
            raise DatasetFormatError("%s: %r must hold a 1-D array of labels (magic 0x00000801),"
                                     " got shape %s" % (type(self).__name__, paths[1],
                                                        labels.shape))
        if len(images) != len(labels):
            raise DatasetFormatError("%s: %d images in %r but %d labels in %r"
                                     % (type(self).__name__, len(images), paths[0],
                                        len(labels), paths[1]))
        self._data = NDArray._wrap(np.ascontiguousarray(images[:, :, :, None]), cpu())
        self._label = labels.astype(np.int32)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's article images), a drop-in for MNIST
    (``mxnet.gluon.data.vision.FashionMNIST``): same IDX file names and sample format.

    Parameters
    ----------
    root : str, default ``~/.distglu/datasets/fashion-mnist``
    train : bool, default True
    transform : callable ``(data, label) -> sample``, default None
    """
    _source = ('https://github.com/zalandoresearch/fashion-mnist (files under '
               'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/)')

    def __init__(self, root=_default_root('fashion-mnist'), train=True, transform=None):
        super().__init__(root, train, transform)


# ---------------------------------------------------------------------- CIFAR

class _CifarUnpickler(pickle.Unpickler):
    """Unpickles the CIFAR python batches, allowing only the classes they contain (NumPy
    arrays and dtypes) so that a file cannot run code."""
    _allowed = {('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
                ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode'),
                ('numpy.core.multiarray', 'scalar'), ('numpy._core.multiarray', 'scalar'),
                ('numpy.core.numeric', '_frombuffer'), ('numpy._core.numeric', '_frombuffer')}

    def find_class(self, module, name):
        if (module, name) not in self._allowed:
            raise pickle.UnpicklingError("CIFAR batch files hold only lists, dicts, strings and "
                                         "NumPy arrays; refusing to load %s.%s" % (module, name))
        return super().find_class(module, name)


def _load_cifar_pickle(fileobj, where):
    try:
        obj = _CifarUnpickler(fileobj, encoding='bytes').load()
    except Exception as err:
        raise DatasetFormatError("CIFAR batch %s is not a CIFAR python pickle: %s"
                                 % (where, err)) from err
    if not isinstance(obj, dict):
        raise DatasetFormatError("CIFAR batch %s: expected a dict, got %s"
                                 % (where, type(obj).__name__))
    return {(k.decode('latin1') if isinstance(k, bytes) else k): v for k, v in obj.items()}


class CIFAR10(_DownloadedDataset):
    """CIFAR-10 (``mxnet.gluon.data.vision.CIFAR10``) from the official python batches.

    Looks in ``root/cifar-10-batches-py/`` (as extracted from ``cifar-10-python.tar.gz``), then
    in ``root`` itself, for ``data_batch_1`` ... ``data_batch_5`` (``train=True``) or
    ``test_batch``; if neither holds them, reads them from ``root/cifar-10-python.tar.gz``
    (not extracted to disk). Each sample is ``(NDArray 32x32x3 uint8, numpy.int32 label)``.
    ``synsets`` holds the class names when ``batches.meta`` is present.

    Parameters
    ----------
    root : str, default ``~/.distglu/datasets/cifar10``
    train : bool, default True
    transform : callable ``(data, label) -> sample``, default None
    """
    _subdir = 'cifar-10-batches-py'
    _archive = 'cifar-10-python.tar.gz'
    _train_files = ['data_batch_%d' % i for i in range(1, 6)]
    _test_files = ['test_batch']
    _meta = ('batches.meta', 'label_names')
    _source = 'https://www.cs.toronto.edu/~kriz/cifar.html (cifar-10-python.tar.gz)'

    def __init__(self, root=_default_root('cifar10'), train=True, transform=None):
        self._train = bool(train)
        self.synsets = None
        super().__init__(root, transform)

    def _label_key(self):
        return 'labels'

    def _read_files(self, names):
        """{name: bytes-like file object} for the batch files, or None if not found."""
        for folder in (os.path.join(self._root, self._subdir), self._root):
            if all(os.path.isfile(os.path.join(folder, n)) for n in names):
                return {n: os.path.join(folder, n) for n in names}, folder
        archive = os.path.join(self._root, self._archive)
        if os.path.isfile(archive):
            try:
                with tarfile.open(archive, 'r:*') as tar:
                    members = {os.path.basename(m.name): m for m in tar.getmembers()
                               if m.isfile()}
                    if all(n in members for n in names):
                        return ({n: io.BytesIO(tar.extractfile(members[n]).read())
                                 for n in names}, archive)
            except tarfile.TarError as err:
                raise DatasetFormatError("%s: cannot read archive %r: %s"
                                         % (type(self).__name__, archive, err)) from err
        return None, None

    def _get_data(self):
        names = self._train_files if self._train else self._test_files
        files, where = self._read_files(names)
        if files is None:
            raise self._missing(['%s/%s' % (self._subdir, n) for n in names], self._source,
                                ' (the python version, as extracted from %s; that archive '
                                'itself in the directory works too)' % self._archive)
        images, labels = [], []
        for n in names:
            src = files[n]
            if isinstance(src, str):
                with open(src, 'rb') as f:
                    batch = _load_cifar_pickle(f, repr(src))
            else:
                batch = _load_cifar_pickle(src, '%s in %r' % (n, where))
            x, y = self._parse_batch(batch, n)
            images.append(x)
            labels.append(y)
        data = np.concatenate(images)
        self._data = NDArray._wrap(
            np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)), cpu())
        self._label = np.concatenate(labels).astype(np.int32)
        self._read_meta(where)

    def _parse_batch(self, batch, name):
        key = self._label_key()
        if 'data' not in batch or key not in batch:
            raise DatasetFormatError("%s: batch %r must have the keys 'data' and %r, has %s"
                                     % (type(self).__name__, name, key, sorted(batch)))
        x = np.asarray(batch['data'])
        y = np.asarray(batch[key])
        if x.dtype != np.uint8 or x.ndim != 2 or x.shape[1] != 3072:
            raise DatasetFormatError("%s: batch %r: 'data' must be uint8 of shape (N, 3072), got "
                                     "%s of shape %s" % (type(self).__name__, name, x.dtype,
                                                         x.shape))
        if y.shape != (x.shape[0],):
            raise DatasetFormatError("%s: batch %r: %d images but %s labels"
                                     % (type(self).__name__, name, x.shape[0], y.shape))
        return x, y

    def _read_meta(self, where):
        meta_name, key = self._meta
        try:
            if where.endswith(self._archive):
                with tarfile.open(where, 'r:*') as tar:
                    member = next((m for m in tar.getmembers()
                                   if os.path.basename(m.name) == meta_name), None)
                    if member is None:
                        return
                    meta = _load_cifar_pickle(io.BytesIO(tar.extractfile(member).read()),
                                              meta_name)
            else:
                path = os.path.join(where, meta_name)
                if not os.path.isfile(path):
                    return
                with open(path, 'rb') as f:
                    meta = _load_cifar_pickle(f, repr(path))
            names = meta.get(key)
            if names is not None:
                self.synsets = [n.decode('utf-8') if isinstance(n, bytes) else str(n)
                                for n in names]
        except (DatasetFormatError, tarfile.TarError, OSError) as err:
            warnings.warn("%s: ignoring unreadable %s: %s" % (type(self).__name__, meta_name, err))


class CIFAR100(CIFAR10):
    """CIFAR-100 (``mxnet.gluon.data.vision.CIFAR100``) from the official python files
    ``train`` / ``test`` in ``root/cifar-100-python/`` (or ``root``, or the archive
    ``root/cifar-100-python.tar.gz``).

    ``fine_label=False`` (MXNet's default) gives the 20 coarse super-class labels,
    ``fine_label=True`` the 100 fine labels; ``synsets`` holds the matching names
    (``coarse_label_names`` / ``fine_label_names`` from ``meta``) when present.

    Parameters
    ----------
    root : str, default ``~/.distglu/datasets/cifar100``
    fine_label : bool, default False
    train : bool, default True
    transform : callable ``(data, label) -> sample``, default None
    """
    _subdir = 'cifar-100-python'
    _archive = 'cifar-100-python.tar.gz'
    _train_files = ['train']
    _test_files = ['test']
    _source = 'https://www.cs.toronto.edu/~kriz/cifar.html (cifar-100-python.tar.gz)'

    def __init__(self, root=_default_root('cifar100'), fine_label=False, train=True,
                 transform=None):
        self._fine_label = bool(fine_label)
        self._meta = ('meta', 'fine_label_names' if self._fine_label else 'coarse_label_names')
        super().__init__(root, train, transform)

    def _label_key(self):
        return 'fine_labels' if self._fine_label else 'coarse_labels'


# ---------------------------------------------------------------------- image folders

class ImageFolderDataset(dataset.Dataset):
    """Images in one sub-folder per class (``mxnet.gluon.data.vision.ImageFolderDataset``)::

        root/car/0001.png
        root/bus/0002.ppm

    Sub-folders sorted by name give the labels 0, 1, ... (``synsets[i]`` is the name of label
    ``i``); ``items`` lists ``(filename, label)``. Each sample is ``(NDArray HxWxC uint8, int)``
    with C=3 (RGB) for ``flag=1`` and C=1 (gray) for ``flag=0``.

    Decoders: ``.npy`` arrays (HxW or HxWxC, their dtype kept) and Netpbm ``.ppm/.pgm/.pnm``
    always; ``.png/.jpg/.jpeg/.bmp`` need Pillow (reading one without it raises an error
    that says so). Other files are skipped with a warning, as MXNet does.

    Parameters
    ----------
    root : str
    flag : {0, 1}, default 1
    transform : callable ``(data, label) -> sample``, default None
    """

    def __init__(self, root, flag=1, transform=None):
        self._root = os.path.expanduser(root)
        if flag not in (0, 1):
            raise DataValueError("ImageFolderDataset: flag must be 0 (gray) or 1 (color), got %r"
                                 % (flag,))
        self._flag = flag
        self._transform = transform
        self._exts = list(_imageio.BUILTIN_EXTS + _imageio.PILLOW_EXTS)
        if not os.path.isdir(self._root):
            raise DatasetFileError("ImageFolderDataset: root %r is not a directory (expected one "
                                   "sub-folder of images per class)" % (self._root,))
        self._list_images(self._root)

    def _list_images(self, root):
        self.synsets = []
        self.items = []
        for folder in sorted(os.listdir(root)):
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn('Ignoring %s, which is not a directory.' % path, stacklevel=3)
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for filename in sorted(os.listdir(path)):
                filename = os.path.join(path, filename)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn('Ignoring %s of type %s. Only support %s'
                                  % (filename, ext, ', '.join(self._exts)))
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx):
        path, label = self.items[idx]
        img = NDArray._wrap(_imageio.imread_numpy(path, self._flag), cpu())
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self.items)


class ImageRecordDataset(dataset.RecordFileDataset):
    """Not supported: distglu does not read MXNet RecordIO files (see ``RecordFileDataset``)."""

    def __init__(self, filename, flag=1, transform=None):
        super().__init__(filename)
