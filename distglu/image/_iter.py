"""``ImageIter``: batches of augmented images read from image files (``mx.image.ImageIter``).

Images are listed in a ``.lst`` file (``index<TAB>label[<TAB>label...]<TAB>relative/path``)
or a Python list (``[label or [labels...], path]``), and read from ``path_root``. Each batch is
a ``DataBatch`` with ``data`` = [float32 NDArray (N, 3, H, W)], ``label`` = [float32 NDArray
(N,) or (N, label_width)] and ``pad``. MXNet RecordIO files (``path_imgrec``) are not read.
"""
import logging
import os
import random

import numpy as np

from ..base import DistGluError, DistGluAssertionError, DistGluValueError, numeric_types
from ..context import cpu
from .. import ndarray as nd
from ..ndarray import NDArray
from ._codec import imdecode
from ._augmenters import CreateAugmenter
from ..io import DataBatch, DataIter

__all__ = ['ImageIter']



_LABEL_DTYPES = ('int32', 'float32', 'int64', 'float64')
_LAST_BATCH = ('pad', 'discard', 'roll_over')


class ImageIter(DataIter):
    """Image data iterator with augmentation (``mx.image.ImageIter``).

    Parameters as MXNet: ``batch_size``; ``data_shape`` (3, H, W); ``label_width``;
    ``path_imglist`` (a ``.lst`` file) or ``imglist`` (a list of ``[label(s), path]``) with
    ``path_root``; ``shuffle`` (Python's ``random.shuffle`` at each reset, as MXNet);
    ``part_index``/``num_parts`` (keep the part_index-th of num_parts equal slices);
    ``aug_list`` (augmenters; default ``CreateAugmenter(data_shape, **kwargs)``);
    ``data_name``/``label_name``; ``dtype`` of the per-image labels (batches hold float32
    labels, as MXNet); ``last_batch_handle``: 'pad' (fill the last batch from the start of
    the list, ``pad`` = the number of fill-ins), 'discard', or 'roll_over' (keep the
    remainder for the next epoch). ``path_imgrec``/``path_imgidx`` (RecordIO) are not supported.
    """

    def __init__(self, batch_size, data_shape, label_width=1,
                 path_imgrec=None, path_imglist=None, path_root=None, path_imgidx=None,
                 shuffle=False, part_index=0, num_parts=1, aug_list=None, imglist=None,
                 data_name='data', label_name='softmax_label', dtype='float32',
                 last_batch_handle='pad', **kwargs):
        super().__init__(batch_size)
        if path_imgrec or path_imgidx:
            raise DistGluError("ImageIter: distglu does not read MXNet RecordIO files "
                               "(path_imgrec=%r); list the image files in a .lst file "
                               "(path_imglist) or a Python list (imglist) with path_root"
                               % (path_imgrec or path_imgidx,))
        if not (path_imglist or isinstance(imglist, list)):
            raise DistGluAssertionError("ImageIter: give the images as path_imglist (a .lst "
                                        "file) or imglist (a list of [label, path])")
        if dtype not in _LABEL_DTYPES:
            raise DistGluAssertionError('%s label not supported' % (dtype,))
        if last_batch_handle not in _LAST_BATCH:
            raise DistGluValueError("ImageIter: last_batch_handle must be 'pad', 'discard' or "
                                    "'roll_over', got %r" % (last_batch_handle,))
        self.imgrec = None
        self.imgidx = None
        if path_imglist:
            logging.info('%s: loading image list %s...', type(self).__name__, path_imglist)
            self.imglist, imgkeys = self._read_lst(path_imglist, dtype)
        else:
            self.imglist, imgkeys = self._read_list(imglist, dtype)
        self.path_root = path_root
        self.check_data_shape(data_shape)
        data_shape = tuple(data_shape)
        self.provide_data = [(data_name, (batch_size,) + data_shape)]
        if label_width > 1:
            self.provide_label = [(label_name, (batch_size, label_width))]
        else:
            self.provide_label = [(label_name, (batch_size,))]
        self.batch_size = batch_size
        self.data_shape = data_shape
        self.label_width = label_width
        self.shuffle = shuffle
        self.seq = imgkeys
        if num_parts > 1:
            if not part_index < num_parts:
                raise DistGluAssertionError("ImageIter: part_index (%d) must be < num_parts (%d)"
                                            % (part_index, num_parts))
            size = len(self.seq) // num_parts
            self.seq = self.seq[part_index * size:(part_index + 1) * size]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq)
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    @staticmethod
    def _label(values, dtype, where):
        try:
            return nd.array(np.asarray(values, dtype=np.float64).reshape(-1), dtype=dtype)
        except (TypeError, ValueError) as err:
            raise DistGluValueError("ImageIter: bad label %r in %s (%s)"
                                    % (values, where, err)) from err

    def _read_lst(self, path, dtype):
        imglist, keys = {}, []
        with open(path) as fin:
            for lineno, line in enumerate(fin, 1):
                parts = line.strip().split('\t')
                if parts == ['']:
                    continue
                if len(parts) < 2:
                    raise DistGluValueError("ImageIter: line %d of %s: expected index<TAB>label"
                                            "(s)<TAB>path, got %r" % (lineno, path, line))
                try:
                    key = int(parts[0])
                except ValueError as err:
                    raise DistGluValueError("ImageIter: line %d of %s: the index %r is not an "
                                            "int" % (lineno, path, parts[0])) from err
                where = 'line %d of %s' % (lineno, path)
                imglist[key] = (self._label(parts[1:-1], dtype, where), parts[-1])
                keys.append(key)
        return imglist, keys

    def _read_list(self, imglist, dtype):
        result, keys = {}, []
        for index, img in enumerate(imglist, 1):
            key = str(index)
            if len(img) > 2:
                label = img[:-1]
            elif isinstance(img[0], numeric_types):
                label = [img[0]]
            else:
                label = img[0]
            result[key] = (self._label(label, dtype, 'imglist[%d]' % (index - 1)), img[-1])
            keys.append(key)
        return result, keys

    # ------------------------------------------------------------------ iteration
    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def reset(self):
        """Back to the start (reshuffled with ``shuffle``); with 'roll_over' the kept
        remainder starts the next epoch."""
        if self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != 'roll_over' or self._cache_data is None:
            self.cur = 0
            self._allow_read = True

    def hard_reset(self):
        """Back to the start, dropping any rolled-over remainder."""
        if self.shuffle:
            random.shuffle(self.seq)
        self.cur = 0
        self._allow_read = True
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None

    def next_sample(self):
        """(label NDArray, encoded image bytes) of the next image; StopIteration at the end."""
        if not self._allow_read:
            raise StopIteration
        if self.cur >= self.num_image:
            if self.last_batch_handle != 'discard':
                self.cur = 0
            raise StopIteration
        idx = self.seq[self.cur]
        self.cur += 1
        label, fname = self.imglist[idx]
        return label, self.read_image(fname)

    def _batchify(self, batch_data, batch_label, start=0):
        """Fill ``batch_data``/``batch_label`` (NumPy) from row ``start``; returns the number
        of rows filled."""
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.imdecode(s)
                try:
                    self.check_valid_image(data)
                except RuntimeError as err:
                    logging.debug('Invalid image, skipping:  %s', str(err))
                    continue
                data = self.augmentation_transform(data)
                datum = self.postprocess_data(data)
                if tuple(datum.shape) != batch_data.shape[1:]:
                    raise DistGluValueError(
                        "ImageIter: an augmented image has shape %s, the batch expects %s "
                        "(data_shape); crop or resize it with the augmenters"
                        % (tuple(datum.shape), batch_data.shape[1:]))
                batch_data[i] = datum.asnumpy()
                lab = label.asnumpy().reshape(-1)
                if lab.size != max(self.label_width, 1):
                    raise DistGluValueError("ImageIter: an image has %d label(s), label_width "
                                            "is %d" % (lab.size, self.label_width))
                batch_label[i] = lab if self.label_width > 1 else lab[0]
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def next(self):
        """The next DataBatch; StopIteration at the end of the epoch."""
        c, h, w = self.data_shape
        if self._cache_data is not None:
            batch_data, batch_label, i = self._cache_data, self._cache_label, self._cache_idx
        else:
            batch_data = np.zeros((self.batch_size, c, h, w), np.float32)
            batch_label = np.zeros(self.provide_label[0][1], np.float32)
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad:
            if self.last_batch_handle == 'discard':
                raise StopIteration
            if self.last_batch_handle == 'roll_over' and self._cache_data is None:
                self._cache_data, self._cache_label, self._cache_idx = batch_data, batch_label, i
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == 'pad':
                self._allow_read = False
            else:
                self._cache_data = self._cache_label = self._cache_idx = None
        data = NDArray._wrap(batch_data, cpu())
        label = NDArray._wrap(batch_label, cpu())
        return DataBatch([data], [label], pad=pad)

    # ------------------------------------------------------------------ hooks (as MXNet)
    def check_data_shape(self, data_shape):
        """``data_shape`` must be (3, H, W)."""
        if not len(data_shape) == 3:
            raise DistGluValueError('data_shape should have length 3, with dimensions CxHxW')
        if not data_shape[0] == 3:
            raise DistGluValueError('This iterator expects inputs to have 3 channels.')

    def check_valid_image(self, data):
        """Raise RuntimeError for an image to skip."""
        if len(data[0].shape) == 0:
            raise RuntimeError('Data shape is wrong')

    def imdecode(self, s):
        """Decode image bytes (``mx.image.imdecode``); a broken image names its file."""
        try:
            return imdecode(s)
        except Exception as err:  # pylint: disable=broad-except
            idx = self.seq[(self.cur % self.num_image) - 1] if self.num_image else None
            fname = self.imglist[idx][1] if idx in self.imglist else idx
            raise DistGluError("Broken image filename: {}, {}".format(fname, err)) from err

    def read_image(self, fname):
        """The bytes of image file ``fname`` under ``path_root``."""
        path = os.path.join(self.path_root, fname) if self.path_root is not None else fname
        with open(path, 'rb') as fin:
            return fin.read()

    def augmentation_transform(self, data):
        """Apply ``self.auglist`` in order."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        """(H, W, C) -> (C, H, W) before the image goes into the batch."""
        return nd.transpose(datum, axes=(2, 0, 1))
