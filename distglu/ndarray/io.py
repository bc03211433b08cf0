"""``nd.save`` / ``nd.load`` in MXNet 1.x's binary NDArray-list format.

Files are interchangeable with MXNet's ``.params`` / ``nd.save`` files. Layout (all
little-endian): ``u64 0x112`` (list magic), ``u64 0`` (reserved), ``u64 n``, then ``n``
arrays, each ``u32 0xF993FAC9`` (array magic), ``i32 0`` (dense storage), ``u32 ndim``,
``ndim x i64`` dims, ``i32 dev_type``, ``i32 dev_id``, ``i32 type_flag``, and the raw
C-order data; then ``u64 m`` names, each ``u64 length`` + UTF-8 bytes (``m`` is 0 for a
list, ``n`` for a dict). Writes go to a temporary file in the same directory, which is
fsynced and renamed over the target, so a crash never leaves a half-written file.
"""
import os
import struct
import tempfile

import numpy as np

from ..base import DistGluError, DistGluTypeError
from ..context import Context
from .ndarray import NDArray, array

__all__ = ['save', 'load', 'load_frombuffer']

_LIST_MAGIC = 0x112
_ARRAY_MAGIC_V2 = 0xF993FAC9
_ARRAY_MAGIC_V3 = 0xF993FACA  # MXNet's numpy-shape variant: same layout
_TYPE_FLAGS = {np.dtype(np.float32): 0, np.dtype(np.float64): 1, np.dtype(np.float16): 2,
               np.dtype(np.uint8): 3, np.dtype(np.int32): 4, np.dtype(np.int8): 5,
               np.dtype(np.int64): 6, np.dtype(np.bool_): 7}
_FLAG_TYPES = {v: k for k, v in _TYPE_FLAGS.items()}


def _encode(arr):
    data = np.asarray(arr.asnumpy(), order='C')
    flag = _TYPE_FLAGS.get(data.dtype)
    if flag is None:
        raise DistGluError("save: cannot save arrays of dtype %s" % data.dtype)
    ctx = arr.context
    parts = [struct.pack('<Iii', _ARRAY_MAGIC_V2, 0, data.ndim),
             struct.pack('<%dq' % data.ndim, *data.shape),
             struct.pack('<iii', ctx.device_typeid, ctx.device_id, flag),
             data.astype(data.dtype.newbyteorder('<'), copy=False).tobytes()]
    return b''.join(parts)


def save(fname, data):
    """Save an NDArray, a list of NDArrays or a dict of str -> NDArray to ``fname``."""
    if isinstance(data, NDArray):
        data = [data]
    if isinstance(data, dict):
        names = list(data.keys())
        arrays = list(data.values())
        for k in names:
            if not isinstance(k, str):
                raise DistGluError("save: dict keys must be strings, got %r" % (k,))
    elif isinstance(data, (list, tuple)):
        names = []
        arrays = list(data)
    else:
        raise DistGluTypeError("save: expected an NDArray, a list of NDArrays or a dict of "
                               "str -> NDArray, got %s" % type(data).__name__)
    for a in arrays:
        if not isinstance(a, NDArray):
            raise DistGluTypeError("save: every value must be an NDArray, got %s"
                                   % type(a).__name__)
    chunks = [struct.pack('<QQQ', _LIST_MAGIC, 0, len(arrays))]
    chunks.extend(_encode(a) for a in arrays)
    chunks.append(struct.pack('<Q', len(names)))
    for k in names:
        b = k.encode('utf-8')
        chunks.append(struct.pack('<Q', len(b)))
        chunks.append(b)
    atomic_write(fname, b''.join(chunks))


def atomic_write(fname, payload):
    """Write bytes to ``fname`` through a temporary file and an atomic rename."""
    fname = os.fspath(fname)
    directory = os.path.dirname(os.path.abspath(fname))
    if not os.path.isdir(directory):
        raise DistGluError("save: directory %r does not exist" % directory)
    fd, tmp = tempfile.mkstemp(prefix='.' + os.path.basename(fname) + '.', suffix='.tmp',
                               dir=directory)
    try:
        # mkstemp creates 0600; give the file the mode open() would (0666 minus umask)
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, 'wb') as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fname)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _current_umask():
    """The process umask, read without changing it where Linux allows."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except OSError:  # not Linux: fall back to setting and restoring it
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


class _Reader:
    def __init__(self, buf, fname):
        self.buf = buf
        self.pos = 0
        self.fname = fname

    def take(self, fmt):
        size = struct.calcsize(fmt)
        if self.pos + size > len(self.buf):
            raise DistGluError("load: %r is truncated (expected %d more bytes at offset %d, "
                               "file has %d)" % (self.fname, size, self.pos, len(self.buf)))
        vals = struct.unpack_from(fmt, self.buf, self.pos)
        self.pos += size
        return vals

    def raw(self, n):
        if self.pos + n > len(self.buf):
            raise DistGluError("load: %r is truncated (expected %d bytes of array data at "
                               "offset %d, file has %d)" % (self.fname, n, self.pos,
                                                            len(self.buf)))
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return b


def load(fname, ctx=None):
    """Load what :func:`save` (or MXNet's ``nd.save``) wrote: a list or a dict."""
    fname = os.fspath(fname)
    if not os.path.exists(fname):
        raise DistGluError("load: file %r does not exist" % fname)
    with open(fname, 'rb') as f:
        buf = f.read()
    return _load_bytes(buf, fname, ctx)


def load_frombuffer(buf):
    """Load arrays from the bytes of a file :func:`save` wrote (MXNet's
    ``nd.load_frombuffer``): a list or a dict of NDArrays on cpu(0)."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise DistGluTypeError("load_frombuffer: expected bytes, got %s" % type(buf).__name__)
    return _load_bytes(bytes(buf), 'the buffer', None)


def _load_bytes(buf, fname, ctx):
    r = _Reader(buf, fname)
    if len(buf) < 8 or struct.unpack_from('<Q', buf, 0)[0] != _LIST_MAGIC:
        raise DistGluError("load: %r is not an NDArray file saved by distglu or MXNet "
                           "(its header does not start with the magic number 0x112)" % fname)
    _, _, n = r.take('<QQQ')
    arrays = []
    for i in range(n):
        magic, stype = r.take('<Ii')
        if magic not in (_ARRAY_MAGIC_V2, _ARRAY_MAGIC_V3):
            raise DistGluError("load: %r: array %d has an unknown magic number 0x%X (the file "
                               "is corrupt or from an unsupported MXNet version)"
                               % (fname, i, magic))
        if stype != 0:
            raise DistGluError("load: %r: array %d uses sparse storage (type %d), which "
                               "distglu does not support" % (fname, i, stype))
        ndim, = r.take('<I')
        shape = r.take('<%dq' % ndim) if ndim else ()
        dev_type, dev_id, flag = r.take('<iii')
        dt = _FLAG_TYPES.get(flag)
        if dt is None:
            raise DistGluError("load: %r: array %d has an unknown dtype flag %d"
                               % (fname, i, flag))
        count = int(np.prod(shape)) if shape else 1
        data = np.frombuffer(r.raw(count * dt.itemsize), dtype=dt.newbyteorder('<'))
        data = data.reshape(shape).astype(dt)
        arrays.append(array(data, ctx=ctx if ctx is not None else Context('cpu', 0), dtype=dt))
    m, = r.take('<Q')
    names = []
    for _ in range(m):
        ln, = r.take('<Q')
        names.append(r.raw(ln).decode('utf-8'))
    if r.pos != len(buf):
        raise DistGluError("load: %r has %d unexpected trailing bytes (corrupt file?)"
                           % (fname, len(buf) - r.pos))
    if m == 0:
        return arrays
    if m != n:
        raise DistGluError("load: %r is corrupt: %d arrays but %d names" % (fname, n, m))
    return dict(zip(names, arrays))
