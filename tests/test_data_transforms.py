"""gluon.data.vision.transforms against NumPy references and MXNet 1.9.1's outputs."""
import warnings

import numpy as np
import pytest

import distglu as mx
from distglu.base import DistGluError
from distglu.gluon.data import ArrayDataset, DataLoader, SimpleDataset
from distglu.gluon.data.vision import transforms as T

# A 6x7x3 uint8 image whose MXNet 1.9.1 transforms are recorded below.
SRC = ((np.arange(6 * 7 * 3) * 37) % 256).reshape(6, 7, 3).astype(np.uint8)
SRC1 = np.ascontiguousarray(SRC[:, :, :1])

# MXNet 1.9.1 (OpenCV) outputs, flattened
MX_BILINEAR_4x5 = [42, 80, 116, 205, 18, 55, 175, 212, 25, 113, 150, 187, 53, 90, 127, 216, 28,
                   66, 186, 223, 36, 124, 161, 198, 64, 101, 138, 226, 39, 76, 197, 234, 47, 135,
                   172, 209, 75, 112, 149, 80, 50, 87, 207, 87, 57, 146, 183, 107, 86, 123, 160,
                   24, 61, 98, 218, 31, 68, 156, 193, 70]
MX_BILINEAR1_9x8 = [0, 74, 160, 190, 77, 163, 107, 80, 154, 6, 79, 166, 195, 83, 169, 113, 86,
                    160, 12, 86, 173, 202, 89, 176, 120, 92, 166, 19, 93, 179, 209, 96, 182, 126,
                    99, 173, 26, 100, 186, 215, 103, 189, 133, 106, 180, 33, 106, 122, 98, 110,
                    196, 140, 113, 187, 39, 113, 86, 30, 116, 203, 147, 119, 193, 45, 119, 91,
                    35, 122, 208, 152, 125, 199]
MX_NEAREST_4x5 = [0, 37, 74, 111, 148, 185, 77, 114, 151, 43, 80, 117, 9, 46, 83, 120, 157, 194,
                  86, 123, 160, 52, 89, 126, 18, 55, 92, 129, 166, 203, 95, 132, 169, 61, 98,
                  135, 27, 64, 101, 138, 175, 212, 104, 141, 178, 70, 107, 144, 36, 73, 110, 147,
                  184, 221, 113, 150, 187, 79, 116, 153]
MX_NEAREST1_9x8 = [0, 0, 111, 222, 77, 77, 188, 43, 154, 0, 0, 111, 222, 77, 77, 188, 43, 154,
                   9, 9, 120, 231, 86, 86, 197, 52, 163, 18, 18, 129, 240, 95, 95, 206, 61, 172,
                   27, 27, 138, 249, 104, 104, 215, 70, 181, 27, 27, 138, 249, 104, 104, 215, 70,
                   181, 36, 36, 147, 2, 113, 113, 224, 79, 190, 45, 45, 156, 11, 122, 122, 233,
                   88, 199]
MX_CENTERCROP1_9x8 = [0, 55, 129, 203, 149, 95, 169, 115, 43, 6, 61, 135, 209, 155, 101, 175,
                      121, 49, 12, 68, 142, 216, 162, 108, 182, 128, 55, 19, 75, 149, 223, 169,
                      115, 189, 135, 62, 26, 81, 155, 229, 175, 121, 195, 141, 69, 33, 88, 135,
                      103, 102, 128, 202, 148, 76, 39, 95, 126, 29, 61, 135, 209, 155, 82, 45,
                      100, 132, 35, 66, 140, 214, 160, 88]
MX_CENTERCROP_3x4 = [231, 12, 49, 86, 123, 160, 197, 234, 15, 240, 21, 58, 95, 132, 169, 206,
                     243, 24, 249, 30, 67, 104, 141, 178, 215, 252, 33, 2, 39, 76, 113, 150, 187,
                     224, 5, 42]
MX_KEEP_RATIO_4 = [44, 81, 118, 206, 19, 56, 176, 213, 26, 115, 152, 189, 57, 94, 131, 219, 32,
                   69, 190, 227, 40, 128, 165, 202, 71, 108, 145, 177, 46, 83, 203, 184, 53, 142,
                   179, 176, 84, 121, 158, 22, 59, 96, 217, 30, 67, 155, 192, 69]

LUMA = np.array([0.299, 0.587, 0.114])
EIG = np.array([[55.46 * -0.5675, 4.794 * 0.7192, 1.148 * 0.4009],
                [55.46 * -0.5808, 4.794 * -0.0045, 1.148 * -0.8140],
                [55.46 * -0.5836, 4.794 * -0.6948, 1.148 * 0.4203]])


def nd(a):
    return mx.nd.array(a, dtype=a.dtype)


def ref_bilinear(img, out_w, out_h):
    """Textbook bilinear with half-pixel centres and clamped borders (float64 loops)."""
    h, w = img.shape[:2]
    out = np.zeros((out_h, out_w, img.shape[2]))
    for oy in range(out_h):
        sy = min(max((oy + 0.5) * h / out_h - 0.5, 0.0), h - 1)
        y0 = int(np.floor(sy))
        y1, fy = min(y0 + 1, h - 1), sy - y0
        for ox in range(out_w):
            sx = min(max((ox + 0.5) * w / out_w - 0.5, 0.0), w - 1)
            x0 = int(np.floor(sx))
            x1, fx = min(x0 + 1, w - 1), sx - x0
            top = img[y0, x0] * (1 - fx) + img[y0, x1] * fx
            bottom = img[y1, x0] * (1 - fx) + img[y1, x1] * fx
            out[oy, ox] = top * (1 - fy) + bottom * fy
    return out


def ref_nearest(img, out_w, out_h):
    h, w = img.shape[:2]
    ys = [min(int(np.floor(oy * h / out_h)), h - 1) for oy in range(out_h)]
    xs = [min(int(np.floor(ox * w / out_w)), w - 1) for ox in range(out_w)]
    return img[ys][:, xs]


def to_uint8(y):
    return np.clip(y, 0, 255).astype(np.uint8)  # clip then truncate, as MXNet


# ---------------------------------------------------------------------- deterministic

def test_to_tensor():
    y = T.ToTensor()(nd(SRC))
    assert y.shape == (3, 6, 7) and y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), SRC.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    batch = T.ToTensor()(nd(np.stack([SRC, SRC[::-1]])))
    assert batch.shape == (2, 3, 6, 7)
    np.testing.assert_allclose(batch.asnumpy()[1], SRC[::-1].transpose(2, 0, 1) / 255.0,
                               rtol=1e-6)
    f = T.ToTensor()(nd(SRC.astype(np.float64)))  # any input type -> float32 / 255
    assert f.dtype == np.float32
    with pytest.raises(DistGluError, match=r'expected an image of shape \(H, W, C\)'):
        T.ToTensor()(nd(SRC[:, :, 0]))


def test_normalize():
    t = np.random.RandomState(0).rand(3, 5, 4).astype(np.float32)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.6, 0.7)
    y = T.Normalize(mean, std)(nd(t))
    assert y.dtype == np.float32
    ref = (t - np.array(mean)[:, None, None]) / np.array(std)[:, None, None]
    np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(T.Normalize(0.5, 0.25)(nd(t)).asnumpy(), (t - 0.5) / 0.25,
                               rtol=1e-5, atol=1e-6)
    b = T.Normalize(mean, std)(nd(np.stack([t, t])))
    assert b.shape == (2, 3, 5, 4)
    np.testing.assert_allclose(b.asnumpy()[1], ref, rtol=1e-5, atol=1e-6)
    assert T.Normalize(0.1, 0.5)(nd(t.astype(np.float64))).dtype == np.float64
    with pytest.raises(DistGluError, match='mean must have either 1 or 3 elements'):
        T.Normalize((0.1, 0.2), (0.5, 0.6))(nd(t))
    with pytest.raises(DistGluError, match=r'Input tensor must have shape \(channels, height, '
                       r'width\), or \(N, channels, height, width\), but got \[5,4\]'):
        T.Normalize(0.1, 0.5)(nd(t[0]))
    # MXNet's messages: the channel axis must have 1 or 3 elements
    with pytest.raises(DistGluError, match=r'^The first dimension of input tensor must be the '
                       r'channel dimension with either 1 or 3 elements, but got input with '
                       r'shape \[32,48,3\]$'):
        T.Normalize()(nd(np.zeros((32, 48, 3), np.float32)))
    with pytest.raises(DistGluError, match=r'^The second dimension of input tensor must be the '
                       r'channel dimension with either 1 or 3 elements, but got input with '
                       r'shape \[2,32,48,3\]$'):
        T.Normalize()(nd(np.zeros((2, 32, 48, 3), np.float32)))
    with pytest.raises(DistGluError, match=r'^Invalid std for input with shape \[3,5,4\]\. std '
                       r'must have either 1 or 3 elements, but got \[0\.5,0\.25\]$'):
        T.Normalize(0.1, (0.5, 0.25))(nd(t))
    one = T.Normalize(0.5, 2.0)(nd(t[:1]))  # 1 channel is fine
    np.testing.assert_allclose(one.asnumpy(), (t[:1] - 0.5) / 2.0, rtol=1e-6)


def test_cast():
    assert T.Cast()(nd(SRC)).dtype == np.float32
    y = T.Cast('float16')(nd(SRC))
    assert y.dtype == np.float16
    np.testing.assert_array_equal(y.asnumpy(), SRC.astype(np.float16))


def test_resize_matches_mxnet_exactly():
    y = T.Resize((4, 5))(nd(SRC))  # size is (width, height)
    assert y.shape == (5, 4, 3) and y.dtype == np.uint8
    assert y.asnumpy().reshape(-1).tolist() == MX_BILINEAR_4x5
    assert T.Resize((9, 8))(nd(SRC1)).asnumpy().reshape(-1).tolist() == MX_BILINEAR1_9x8
    assert T.Resize((4, 5), interpolation=0)(nd(SRC)).asnumpy().reshape(-1).tolist() == \
        MX_NEAREST_4x5
    assert T.Resize((9, 8), interpolation=0)(nd(SRC1)).asnumpy().reshape(-1).tolist() == \
        MX_NEAREST1_9x8
    keep = T.Resize(4, keep_ratio=True)(nd(SRC))
    assert keep.shape == (4, 4, 3) and keep.asnumpy().reshape(-1).tolist() == MX_KEEP_RATIO_4


def test_resize_against_numpy_reference():
    img = np.random.RandomState(1).rand(13, 17, 3).astype(np.float32) * 255
    for w, h in ((7, 5), (23, 19), (4, 30), (17, 13), (1, 1)):
        y = T.Resize((w, h))(nd(img))
        assert y.shape == (h, w, 3) and y.dtype == np.float32
        np.testing.assert_allclose(y.asnumpy(), ref_bilinear(img.astype(np.float64), w, h),
                                   rtol=0, atol=2e-3)
        np.testing.assert_array_equal(T.Resize((w, h), interpolation=0)(nd(img)).asnumpy(),
                                      ref_nearest(img, w, h))
    u8 = np.random.RandomState(2).randint(0, 256, (9, 11, 3)).astype(np.uint8)
    y = T.Resize((15, 4))(nd(u8)).asnumpy().astype(np.float64)
    assert np.abs(y - ref_bilinear(u8.astype(np.float64), 15, 4)).max() <= 1.0
    # batches (N, H, W, C) resize each image
    b = T.Resize((5, 3))(nd(np.stack([img, img[::-1]])))
    assert b.shape == (2, 3, 5, 3)
    np.testing.assert_allclose(b.asnumpy()[1], ref_bilinear(img[::-1].astype(np.float64), 5, 3),
                               atol=2e-3)


def test_resize_keep_ratio_shapes_like_mxnet():
    # MXNet 1.9.1: the shorter edge becomes size, the longer one is truncated
    for (h, w), size, expected in [((5, 7), 4, (4, 5)), ((7, 5), 6, (8, 6)),
                                   ((3, 100), 50, (50, 1666)), ((10, 10), 6, (6, 6))]:
        img = nd(np.zeros((h, w, 3), np.uint8))
        assert T.Resize(size, keep_ratio=True)(img).shape[:2] == expected
        assert T.Resize(size)(img).shape[:2] == (size, size)
    # a (width, height) pair ignores keep_ratio
    assert T.Resize((4, 6), keep_ratio=True)(nd(np.zeros((10, 10, 3), np.uint8))).shape == \
        (6, 4, 3)


def test_resize_interpolation_codes():
    # every OpenCV code 0..4 is implemented (exact values are in tests/test_image.py)
    for interp in range(5):
        y = T.Resize((4, 5), interpolation=interp)(nd(SRC))
        assert y.shape == (5, 4, 3) and y.dtype == np.uint8
    assert T.Resize((4, 5), interpolation=2)(nd(SRC)).asnumpy().reshape(-1).tolist() != \
        MX_BILINEAR_4x5
    T._warned_interp.discard(5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter('always')
        t = T.Resize((4, 5), interpolation=5)
    assert any('interpolation=5 (INTER_LINEAR_EXACT) is not implemented' in str(x.message)
               for x in w)
    assert t(nd(SRC)).asnumpy().reshape(-1).tolist() == MX_BILINEAR_4x5
    for bad in (6, 9, 42, 'linear'):
        with pytest.raises(DistGluError, match='interpolation must be an OpenCV code'):
            T.Resize(4, interpolation=bad)
    # the crops also take MXNet's 9 (bicubic to enlarge, area to shrink) and 10 (random)
    np.testing.assert_array_equal(T.CenterCrop((9, 8), interpolation=9)(nd(SRC)).asnumpy(),
                                  T.CenterCrop((9, 8), interpolation=2)(nd(SRC)).asnumpy())
    np.testing.assert_array_equal(T.CenterCrop((3, 2), interpolation=9)(nd(SRC)).asnumpy(),
                                  T.CenterCrop((3, 2), interpolation=3)(nd(SRC)).asnumpy())
    assert T.RandomResizedCrop(5, interpolation=10)(nd(SRC)).shape == (5, 5, 3)
    with pytest.raises(DistGluError, match='interpolation must be an OpenCV code'):
        T.CenterCrop(3, interpolation=7)
    with pytest.raises(DistGluError, match='size must be'):
        T.Resize((1, 2, 3))


def test_center_crop():
    y = T.CenterCrop((3, 4))(nd(SRC))
    assert y.shape == (4, 3, 3)
    np.testing.assert_array_equal(y.asnumpy(), SRC[1:5, 2:5])  # a pure crop
    assert y.asnumpy().reshape(-1).tolist() == MX_CENTERCROP_3x4
    np.testing.assert_array_equal(T.CenterCrop(3)(nd(SRC)).asnumpy(), SRC[1:4, 2:5])
    # larger than the image: the largest centred crop of that aspect ratio, resized up
    up = T.CenterCrop((9, 8))(nd(SRC1))
    assert up.shape == (8, 9, 1)
    assert up.asnumpy().reshape(-1).tolist() == MX_CENTERCROP1_9x8


# ---------------------------------------------------------------------- random
# Each random transform is replayed: reseed, draw the same numbers from the generator the
# transform uses, and compute the result with NumPy.

def test_random_resized_crop():
    img = np.random.RandomState(3).randint(0, 256, (20, 30, 3)).astype(np.uint8)
    t = T.RandomResizedCrop((8, 6), scale=(0.1, 0.5), ratio=(0.5, 2.0))
    for seed in range(5):
        mx.random.seed(seed)
        y = t(nd(img))
        mx.random.seed(seed)
        x0, y0, w, h = t._crop_box(20, 30)
        assert 0 < w <= 30 and 0 < h <= 20 and 0.05 * 600 <= w * h <= 0.55 * 600
        ref = T.Resize((8, 6))(nd(np.ascontiguousarray(img[y0:y0 + h, x0:x0 + w])))
        assert y.shape == (6, 8, 3)
        np.testing.assert_array_equal(y.asnumpy(), ref.asnumpy())
    # when no crop fits (scale above 1) it falls back to the centre crop
    big = T.RandomResizedCrop(4, scale=(2.0, 3.0))
    np.testing.assert_array_equal(big(nd(img)).asnumpy(), T.CenterCrop(4)(nd(img)).asnumpy())


@pytest.mark.parametrize('cls, flip', [(T.RandomFlipLeftRight, lambda a: a[:, ::-1]),
                                       (T.RandomFlipTopBottom, lambda a: a[::-1])])
def test_random_flips(cls, flip):
    t = cls()
    mx.random.seed(5)
    outs = [t(nd(SRC)).asnumpy() for _ in range(40)]
    mx.random.seed(5)
    rng = T._rng()
    for out in outs:
        expected = flip(SRC) if rng.random() < 0.5 else SRC
        np.testing.assert_array_equal(out, expected)
    flipped = sum(not np.array_equal(o, SRC) for o in outs)
    assert 5 < flipped < 35


def _replay(t, img, seed):
    mx.random.seed(seed)
    y = t(nd(img))
    mx.random.seed(seed)
    return y, T._rng()


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_random_brightness(dtype):
    img = SRC.astype(dtype)
    y, rng = _replay(T.RandomBrightness(0.5), img, 1)
    alpha = rng.uniform(0.5, 1.5)
    ref = img.astype(np.float64) * alpha
    assert y.dtype == dtype
    if dtype == np.uint8:
        assert np.abs(y.asnumpy().astype(int) - to_uint8(ref)).max() <= 1
    else:
        np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5)


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_random_contrast(dtype):
    img = SRC.astype(dtype)
    y, rng = _replay(T.RandomContrast(0.6), img, 2)
    alpha = rng.uniform(0.4, 1.6)
    gray_mean = (img.astype(np.float64) @ LUMA).mean()
    ref = img * alpha + (1 - alpha) * gray_mean
    if dtype == np.uint8:
        assert np.abs(y.asnumpy().astype(int) - to_uint8(ref)).max() <= 1
    else:
        np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-4)


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_random_saturation(dtype):
    img = SRC.astype(dtype)
    y, rng = _replay(T.RandomSaturation(0.7), img, 3)
    alpha = rng.uniform(0.3, 1.7)
    gray = (img.astype(np.float64) @ LUMA)[:, :, None]
    ref = img * alpha + (1 - alpha) * gray
    if dtype == np.uint8:
        assert np.abs(y.asnumpy().astype(int) - to_uint8(ref)).max() <= 1
    else:
        np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-4)


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_random_lighting(dtype):
    img = SRC.astype(dtype)
    y, rng = _replay(T.RandomLighting(0.8), img, 4)
    a = rng.normal(0.0, 0.8, size=3)
    ref = img + EIG @ a
    if dtype == np.uint8:
        assert np.abs(y.asnumpy().astype(int) - to_uint8(ref)).max() <= 1
    else:
        np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-5, atol=1e-4)


def test_random_factor_ranges():
    # factor ~ U(max(0, 1 - b), 1 + b): brightness 2 gives factors in [0, 3]
    img = nd(np.full((2, 2, 3), 10, np.float32))
    factors = [T.RandomBrightness(2.0)(img).asnumpy()[0, 0, 0] / 10 for _ in range(200)]
    assert min(factors) >= 0 and max(factors) <= 3 and max(factors) > 2
    with pytest.raises(DistGluError, match='expected a number >= 0'):
        T.RandomContrast(-1)


# ---------------------------------------------------------------------- composition

def test_compose_and_transform_first_in_a_loader():
    rs = np.random.RandomState(0)
    images = rs.randint(0, 256, (10, 12, 9, 3)).astype(np.uint8)
    labels = np.arange(10, dtype=np.int32)
    mean, std = (0.5, 0.4, 0.3), (0.2, 0.25, 0.3)
    tf = T.Compose([T.Resize((6, 8)), T.ToTensor(), T.Normalize(mean, std)])
    assert isinstance(tf, mx.gluon.nn.Sequential) and len(tf) == 1  # one HybridSequential
    assert isinstance(tf[0], mx.gluon.nn.HybridSequential) and len(tf[0]) == 3
    assert isinstance(tf[0][1], T.ToTensor) and isinstance(tf[0][1], mx.gluon.HybridBlock)
    ds = ArrayDataset(mx.nd.array(images, dtype='uint8'), labels).transform_first(tf)
    x, y = ds[2]
    assert x.shape == (3, 8, 6) and x.dtype == np.float32 and y == 2
    resized = T.Resize((6, 8))(nd(images[2])).asnumpy()
    ref = (resized.transpose(2, 0, 1) / 255.0 - np.array(mean)[:, None, None]) / \
        np.array(std)[:, None, None]
    np.testing.assert_allclose(x.asnumpy(), ref, rtol=1e-5, atol=1e-5)
    plain = [(a.asnumpy(), b.asnumpy()) for a, b in DataLoader(ds, batch_size=4)]
    loader = DataLoader(ds, batch_size=4, num_workers=2)
    workers = [(a.asnumpy(), b.asnumpy()) for a, b in loader]
    assert len(plain) == len(workers) == 3
    for (a, b), (c, d) in zip(plain, workers):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
        assert b.dtype == np.int32
    # a transform returning a tuple passes it on; plain callables are allowed
    pair = T.Compose([lambda x, y: (x * 2, y + 1), lambda x, y: (x + 1, y)])
    assert pair(3, 4) == (7, 5)


def test_transforms_keep_the_context_and_accept_numpy():
    y = T.ToTensor()(SRC)
    assert isinstance(y, mx.nd.NDArray) and y.context == mx.cpu()
    with pytest.raises(DistGluError, match='expected an NDArray image'):
        T.ToTensor()([1, 2, 3])
    assert SimpleDataset([nd(SRC)]).transform(T.Cast('float64'))[0].dtype == np.float64


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_transforms_on_gpu_match_cpu():
    tf = T.Compose([T.Resize((4, 5)), T.CenterCrop(3), T.ToTensor(),
                    T.Normalize((0.5, 0.4, 0.3), (0.2, 0.2, 0.2))])
    x = mx.nd.array(SRC, ctx=mx.gpu(0), dtype='uint8')
    y = tf(x)
    assert y.context == mx.gpu(0)
    np.testing.assert_allclose(y.asnumpy(), tf(nd(SRC)).asnumpy(), rtol=1e-5, atol=1e-6)
    for t in (T.RandomBrightness(0.3), T.RandomSaturation(0.3), T.RandomLighting(0.1),
              T.RandomFlipLeftRight()):
        mx.random.seed(1)
        g = t(x)
        mx.random.seed(1)
        assert np.abs(g.asnumpy().astype(int) - t(nd(SRC)).asnumpy().astype(int)).max() <= 1


# ---------------------------------------------------------------------- hue and color jitter
# MXNet 1.9.1's nd.image.random_hue(HUE_SRC, min_factor=a, max_factor=a), flattened
HUE_SRC = SRC.reshape(-1)[:60].reshape(4, 5, 3)
MX_HUE = {
    1.0: [0, 36, 74, 111, 147, 185, 222, 2, 39, 77, 113, 151, 187, 225, 5, 43, 79, 117, 153, 190,
          228, 9, 45, 82, 119, 156, 194, 231, 11, 48, 86, 122, 160, 196, 234, 14, 52, 88, 125,
          163, 199, 237, 17, 54, 92, 129, 165, 203, 240, 20, 57, 95, 131, 169, 205, 242, 24, 60,
          97, 135],
    1.1: [7, 0, 74, 118, 111, 185, 222, 97, 2, 84, 77, 151, 56, 225, 5, 50, 43, 117, 161, 153,
          228, 16, 9, 82, 127, 119, 194, 231, 106, 11, 93, 86, 160, 65, 234, 14, 59, 52, 125, 170,
          163, 237, 25, 17, 92, 136, 129, 203, 240, 115, 20, 102, 95, 169, 74, 242, 24, 68, 60,
          135],
    0.75: [0, 74, 0, 111, 185, 111, 75, 2, 222, 77, 151, 77, 225, 5, 78, 43, 117, 43, 153, 228,
           153, 9, 82, 9, 119, 194, 119, 84, 11, 231, 86, 160, 86, 234, 14, 87, 52, 125, 52, 163,
           237, 163, 17, 92, 17, 129, 203, 129, 93, 20, 240, 95, 169, 95, 242, 24, 96, 60, 135,
           60]}
# the same on HUE_SRC as float32, alpha 1.1, first 30 values (rounded to 4 places)
MX_HUE_F11 = [7.4, 0.0, 74.0, 118.4, 111.0, 185.0, 222.0, 97.4002, 3.0, 84.4, 77.0, 151.0,
              56.5998, 225.0, 6.0, 50.4, 43.0, 117.0, 161.4, 154.0, 228.0, 16.4, 9.0, 83.0,
              127.4, 120.0, 194.0, 231.0, 106.4002, 12.0]


def test_hue_matches_mxnet():
    for alpha, expected in MX_HUE.items():
        y = T._adjust_hue(HUE_SRC.astype(np.float32), alpha)
        assert T._cast_back(y, np.uint8).reshape(-1).tolist() == expected
    yf = T._adjust_hue(HUE_SRC.astype(np.float32), 1.1)
    assert yf.dtype == np.float32
    np.testing.assert_allclose(yf.reshape(-1)[:30], MX_HUE_F11, atol=1e-4)
    # RandomHue(0) draws alpha = 1: MXNet's HLS round trip, truncated to uint8
    y = T.RandomHue(0)(nd(HUE_SRC))
    assert y.dtype == np.uint8 and y.asnumpy().reshape(-1).tolist() == MX_HUE[1.0]
    np.testing.assert_array_equal(T.RandomHue(0.5)(nd(SRC1)).asnumpy(), SRC1)  # gray: unchanged


def test_random_hue_draws_its_factor():
    for seed in range(3):
        y, rng = _replay(T.RandomHue(0.4), HUE_SRC, seed)
        alpha = rng.uniform(0.6, 1.4)
        ref = T._cast_back(T._adjust_hue(HUE_SRC.astype(np.float32), np.float32(alpha)),
                           np.uint8)
        np.testing.assert_array_equal(y.asnumpy(), ref)
    with pytest.raises(DistGluError, match='expected a number >= 0'):
        T.RandomHue(-0.1)
    with pytest.raises(DistGluError, match='channel axis with 1 or 3 elements'):
        T.RandomHue(0.1)(nd(np.zeros((4, 4, 2), np.uint8)))


@pytest.mark.parametrize('dtype', [np.uint8, np.float32])
def test_random_color_jitter_replay(dtype):
    img = SRC.astype(dtype)
    amounts = (0.3, 0.4, 0.5, 0.1)
    for seed in range(4):
        y, rng = _replay(T.RandomColorJitter(*amounts), img, seed)
        ref = img.astype(np.float64)
        for step in rng.permutation(4):
            delta = rng.uniform(-amounts[step], amounts[step])
            if step == 0:
                ref = ref * (1 + delta)
            elif step == 1:
                ref = ref * (1 + delta) - delta * (ref @ LUMA).mean()
            elif step == 2:
                ref = ref * (1 + delta) - delta * (ref @ LUMA)[:, :, None]
            else:
                ref = T._adjust_hue(ref.astype(np.float32), np.float32(delta))
            if dtype == np.uint8:  # MXNet saturates to uint8 after every step
                ref = np.clip(ref, 0, 255).astype(np.uint8).astype(np.float64)
        assert y.dtype == dtype and y.shape == img.shape
        if dtype == np.uint8:
            assert np.abs(y.asnumpy().astype(int) - ref).max() <= 1
        else:
            np.testing.assert_allclose(y.asnumpy(), ref, rtol=1e-4, atol=1e-3)
    # only nonzero amounts draw a factor; all zero: a copy
    y = T.RandomColorJitter()(nd(SRC))
    np.testing.assert_array_equal(y.asnumpy(), SRC)
    with pytest.raises(DistGluError, match='contrast must be a number >= 0'):
        T.RandomColorJitter(contrast=-1)


# ---------------------------------------------------------------------- printing and Compose

def test_transforms_print_as_mxnet():
    for t in (T.Resize(4), T.CenterCrop(3), T.ToTensor(), T.Normalize(0.1, 0.2), T.Cast(),
              T.RandomResizedCrop(5), T.RandomFlipLeftRight(), T.RandomFlipTopBottom(),
              T.RandomBrightness(0.3), T.RandomContrast(0.2), T.RandomSaturation(0.1),
              T.RandomHue(0.1), T.RandomColorJitter(0.1, 0.2, 0.3, 0.4), T.RandomLighting(0.1)):
        assert repr(t) == '%s(\n\n)' % type(t).__name__
    # MXNet 1.9.1's print(Compose([Resize(4), CenterCrop(3), ToTensor(), Normalize(0.1, 0.2)]))
    c = T.Compose([T.Resize(4), T.CenterCrop(3), T.ToTensor(), T.Normalize(0.1, 0.2)])
    assert repr(c) == ('Compose(\n  (0): Resize(\n  \n  )\n  (1): CenterCrop(\n  \n  )\n'
                       '  (2): HybridSequential(\n    (0): ToTensor(\n    \n    )\n'
                       '    (1): Normalize(\n    \n    )\n  )\n)')
    assert repr(T.Compose([])) == 'Compose(\n\n)'
    assert repr(T.Compose([T.ToTensor()])) == 'Compose(\n  (0): ToTensor(\n  \n  )\n)'


def test_compose_groups_hybrid_blocks_as_mxnet():
    # CenterCrop and RandomResizedCrop are Blocks in MXNet; the others HybridBlocks
    assert not isinstance(T.CenterCrop(3), mx.gluon.HybridBlock)
    assert not isinstance(T.RandomResizedCrop(3), mx.gluon.HybridBlock)
    assert isinstance(T.Resize(3), mx.gluon.HybridBlock)
    c = T.Compose([T.Resize(6), T.CenterCrop(4), T.ToTensor(), T.Normalize(0.1, 0.2)])
    assert [type(t).__name__ for t in c] == ['Resize', 'CenterCrop', 'HybridSequential']
    assert [type(t).__name__ for t in c[2]] == ['ToTensor', 'Normalize']
    c = T.Compose([T.ToTensor(), T.RandomFlipLeftRight(), T.Cast(), T.CenterCrop(2),
                   T.Resize(3)])
    assert [type(t).__name__ for t in c] == ['HybridSequential', 'CenterCrop', 'Resize']
    assert len(c[0]) == 3 and len(c) == 3
    assert [type(t).__name__ for t in c[1:]] == ['CenterCrop', 'Resize']
    lst = [T.ToTensor()]
    T.Compose(lst)
    assert len(lst) == 1  # MXNet appends None to the caller's list; distglu leaves it alone
    # a composed pipeline equals the transforms applied one by one
    c = T.Compose([T.Resize(6), T.CenterCrop(4), T.ToTensor(), T.Normalize(0.1, 0.2)])
    ref = T.Normalize(0.1, 0.2)(T.ToTensor()(T.CenterCrop(4)(T.Resize(6)(nd(SRC)))))
    np.testing.assert_array_equal(c(nd(SRC)).asnumpy(), ref.asnumpy())
    with pytest.raises(DistGluError, match='every transform must be callable'):
        T.Compose([T.ToTensor(), 3])


def test_resize_and_crops_match_image_functions():
    # transforms resize with distglu.image's OpenCV-exact code, for every interpolation
    from distglu import image
    x = nd(SRC)
    for interp in range(5):
        np.testing.assert_array_equal(T.Resize((9, 4), interpolation=interp)(x).asnumpy(),
                                      image.imresize(x, 9, 4, interp=interp).asnumpy())
        np.testing.assert_array_equal(
            T.CenterCrop((9, 8), interpolation=interp)(x).asnumpy(),
            image.center_crop(x, (9, 8), interp=interp)[0].asnumpy())


def test_crop_resize_rotate_random_rotation_and_random_apply_match_mxnet():
    """Values recorded from MXNet 1.9.1 with the same inputs and seeds."""
    import random
    img = mx.nd.array(np.arange(2 * 6 * 8 * 3).reshape(2, 6, 8, 3) % 251, dtype='uint8')
    crop = T.CropResize(1, 2, 4, 3)(img[0]).asnumpy()
    assert crop.shape == (3, 4, 3) and crop[0, 0].tolist() == [51, 52, 53]
    assert crop[2, 3].tolist() == [108, 109, 110]
    small = T.CropResize(1, 2, 4, 3, size=(2, 2), interpolation=0)(img)
    assert small.shape == (2, 2, 2, 3)
    assert small.asnumpy()[1].tolist() == [[[195, 196, 197], [201, 202, 203]],
                                           [[219, 220, 221], [225, 226, 227]]]
    with pytest.raises(ValueError, match='does not fit'):
        T.CropResize(6, 0, 4, 3)(img[0])
    x = mx.nd.array(np.arange(3 * 5 * 5).reshape(3, 5, 5) / 10.0)
    r = T.Rotate(90)(x).asnumpy()
    np.testing.assert_allclose(r[0, 0], [0.4, 0.9, 1.4, 1.9, 2.4], rtol=1e-6)
    np.testing.assert_allclose(r[0, 4], [0.0, 0.5, 1.0, 1.5, 2.0], atol=1e-6)
    z = T.Rotate(30, zoom_in=True)(x).asnumpy()[0]
    np.testing.assert_allclose(z[0], [0.1464, 0.3928, 0.6392, 0.8856, 1.1321], atol=1e-4)
    np.testing.assert_allclose(z[4], [1.2679, 1.5144, 1.7608, 2.0072, 2.2536], atol=1e-4)
    np.random.seed(0)
    rr = T.RandomRotation((-30, 30))(x).asnumpy()[1]
    np.testing.assert_allclose(rr[0], [1.5392, 2.1896, 2.77, 2.9792, 1.9008], atol=1e-4)
    np.testing.assert_allclose(rr[4], [2.5664, 4.4208, 4.63, 3.9311, 2.928], atol=1e-4)
    with pytest.raises(TypeError, match='only supports float32'):
        T.Rotate(10)(img[0])
    with pytest.raises(ValueError, match='must be an ordered tuple'):
        T.RandomRotation((30, -30))
    random.seed(1)
    ra = T.RandomApply(T.Compose([T.Cast('float32')]), p=0.5)
    assert [ra(img[0]).dtype.__name__ for _ in range(6)] == \
        ['float32', 'uint8', 'uint8', 'float32', 'float32', 'float32']
    assert repr(T.RandomApply(T.Cast('float32'))) == \
        'RandomApply(\n  (transforms): Cast(\n  \n  )\n)'
    with pytest.raises(TypeError, match='must be a HybridBlock'):
        T.HybridRandomApply(lambda v: v)
