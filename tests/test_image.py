"""distglu.image (``mx.image``) against MXNet 1.9.1's recorded values and NumPy references.

The MX_* constants were recorded with MXNet 1.9.1 (OpenCV 3.4.2) on the images built below.
PNG/JPEG tests need Pillow and skip without it; the rest uses .npy/Netpbm files, which
distglu decodes without any dependency.
"""
import json
import random
import sys

import numpy as np
import pytest

import distglu as mx
from distglu import image
from distglu.base import DistGluError
from distglu.gluon.data.vision import transforms as T

try:
    import PIL.Image  # noqa: F401
    HAVE_PIL = True
except ImportError:
    HAVE_PIL = False
needs_pillow = pytest.mark.skipif(not HAVE_PIL, reason='needs Pillow')

SRC = ((np.arange(6 * 7 * 3) * 37) % 256).reshape(6, 7, 3).astype(np.uint8)
SRC1 = np.ascontiguousarray(SRC[:, :, :1])
# image.imresize(SRC / SRC1, ..., interp) in MXNet 1.9.1, flattened
MX_2_4x5 = [33, 87, 124, 214, 4, 43, 186, 226, 15, 105, 142, 196, 45, 99, 136, 226, 15, 55, 197,
    237, 26, 116, 153, 207, 54, 109, 146, 255, 25, 65, 208, 255, 37, 127, 162, 233, 78, 119, 156,
    68, 38, 76, 220, 79, 47, 137, 186, 110, 94, 131, 168, 9, 50, 87, 232, 20, 59, 149, 203, 75]
MX1_2_9x8 = [0, 63, 182, 201, 76, 176, 104, 61, 161, 0, 68, 188, 206, 82, 181, 109, 67, 166, 5, 76,
    196, 214, 90, 189, 117, 74, 174, 12, 83, 204, 223, 96, 196, 124, 81, 181, 18, 87, 218, 243,
    103, 201, 130, 87, 187, 25, 114, 130, 86, 109, 214, 137, 94, 194, 33, 136, 75, 0, 117, 225,
    144, 102, 202, 38, 138, 95, 16, 123, 230, 150, 107, 207]
MX_3_4x5 = [49, 86, 123, 166, 57, 94, 137, 174, 65, 108, 145, 182, 60, 97, 134, 177, 67, 104, 148,
    185, 75, 118, 155, 192, 70, 107, 144, 187, 78, 115, 158, 195, 86, 129, 166, 203, 81, 118, 155,
    100, 88, 125, 169, 108, 96, 139, 176, 116, 91, 128, 165, 62, 99, 136, 179, 70, 107, 150, 187,
    78]
MX1_3_9x8 = [0, 79, 159, 201, 77, 172, 105, 75, 154, 6, 85, 164, 207, 83, 178, 111, 81, 160, 12,
    91, 170, 213, 89, 184, 117, 87, 166, 18, 97, 177, 219, 95, 190, 123, 93, 172, 27, 106, 186,
    228, 104, 199, 132, 102, 181, 33, 112, 118, 88, 110, 205, 138, 108, 187, 39, 118, 88, 21, 116,
    211, 144, 114, 193, 45, 124, 94, 27, 122, 217, 150, 120, 199]
MX_4_4x5 = [23, 94, 134, 208, 0, 44, 185, 233, 21, 96, 135, 207, 35, 106, 145, 211, 8, 56, 197,
    236, 32, 107, 147, 213, 40, 116, 155, 255, 17, 66, 205, 255, 44, 117, 152, 248, 80, 128, 166,
    59, 37, 77, 225, 84, 49, 130, 192, 119, 102, 140, 177, 0, 51, 89, 240, 22, 59, 142, 214, 81]
MX1_4_9x8 = [0, 54, 195, 191, 76, 175, 112, 51, 165, 2, 59, 203, 200, 82, 180, 117, 57, 170, 9, 69,
    203, 195, 90, 189, 124, 65, 178, 16, 72, 219, 218, 96, 194, 132, 71, 184, 23, 77, 231, 234,
    103, 200, 139, 77, 191, 24, 115, 138, 73, 109, 221, 135, 87, 197, 28, 144, 78, 0, 117, 239,
    136, 96, 205, 34, 143, 105, 9, 123, 242, 144, 101, 211]
MX_SUMS = {
    (0, 17, 13): (80764, 3853047, 86977.4, 4141446.1),
    (0, 53, 47): (928730, 44620283, 944997.22, 45316951.2),
    (0, 60, 20): (446557, 21360718, 462317.3, 22079203.4),
    (0, 20, 15): (112245, 5263103, 114765.21, 5417323.6),
    (0, 10, 10): (38468, 1713291, 37485.06, 1766612.1),
    (1, 17, 13): (82004, 3818620, 84335.55, 3980709.4),
    (1, 53, 47): (936024, 44854647, 951962.04, 45621903.4),
    (1, 60, 20): (452148, 21572261, 458848.48, 21969426.5),
    (1, 20, 15): (113058, 5324534, 114857.96, 5407194.9),
    (1, 10, 10): (37006, 1756827, 39812.76, 1878125.1),
    (2, 17, 13): (81534, 3790472, 84839.23, 4012510.6),
    (2, 53, 47): (937435, 44927098, 953468.4, 45683518.8),
    (2, 60, 20): (452237, 21580755, 458928.56, 21979893.8),
    (2, 20, 15): (112919, 5317210, 114857.96, 5414174.2),
    (2, 10, 10): (36811, 1752623, 40239.47, 1902324.8),
    (3, 17, 13): (83202, 3886563, 84612.03, 3988116.7),
    (3, 53, 47): (937129, 44897753, 953703.91, 45679832.5),
    (3, 60, 20): (451247, 21531544, 459431.82, 21998271.0),
    (3, 20, 15): (113058, 5324534, 114857.96, 5407194.9),
    (3, 10, 10): (37640, 1769777, 38285.99, 1780212.0),
    (4, 17, 13): (81153, 3767379, 85141.34, 4032313.5),
    (4, 53, 47): (937533, 44931551, 953642.89, 45732624.5),
    (4, 60, 20): (452162, 21582758, 459540.2, 22002624.5),
    (4, 20, 15): (112785, 5307380, 114885.11, 5421092.7),
    (4, 10, 10): (36712, 1745202, 40301.71, 1906144.3),
}
MX_HUE_11 = [7, 0, 74, 118, 111, 185, 222, 97, 2, 84, 77, 151, 56, 225, 5, 50, 43, 117, 161, 153,
    228, 16, 9, 82, 127, 119, 194, 231, 106, 11, 93, 86, 160, 65, 234, 14, 59, 52, 125, 170, 163,
    237, 25, 17, 92, 136, 129, 203, 240, 115, 20, 102, 95, 169, 74, 242, 24, 68, 60, 135, 179, 172,
    245, 34, 26, 101, 145, 138, 212, 249, 124, 29, 111, 103, 178, 83, 252, 32, 77, 69, 144, 188,
    181, 255, 43, 36, 110, 154, 147, 220, 9, 1, 76, 120, 113, 187, 224, 99, 4, 86, 79, 153, 58,
    227, 7, 52, 45, 119, 163, 156, 229, 18, 10, 85, 129, 122, 195, 232, 108, 14, 95, 88, 162, 67,
    236, 16]
MX_HUE_075 = [0, 74, 0, 111, 185, 111, 75, 2, 222, 77, 151, 77, 225, 5, 78, 43, 117, 43, 153, 228,
    153, 9, 82, 9, 119, 194, 119, 84, 11, 231, 86, 160, 86, 234, 14, 87, 52, 125, 52, 163, 237,
    163, 17, 92, 17, 129, 203, 129, 93, 20, 240, 95, 169, 95, 242, 24, 96, 60, 135, 60, 172, 245,
    172, 26, 101, 26, 138, 212, 138, 102, 29, 249, 103, 178, 103, 252, 32, 105, 69, 144, 69, 181,
    255, 181, 36, 110, 36, 147, 220, 147, 1, 76, 1, 113, 187, 113, 77, 4, 224, 79, 153, 79, 227, 7,
    80, 45, 119, 45, 156, 229, 156, 10, 85, 10, 122, 195, 122, 86, 14, 232, 88, 162, 88, 236, 16,
    89]
MX_BORDER0 = [[7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7], [7, 7, 7, 0, 111, 222, 77, 188, 43, 154,
    7, 7, 7, 7]]
MX_BORDER1 = [[0, 0, 0, 0, 111, 222, 77, 188, 43, 154, 154, 154, 154, 154], [0, 0, 0, 0, 111, 222,
    77, 188, 43, 154, 154, 154, 154, 154]]
MX_BORDER2 = [[222, 111, 0, 0, 111, 222, 77, 188, 43, 154, 154, 43, 188, 77], [222, 111, 0, 0, 111,
    222, 77, 188, 43, 154, 154, 43, 188, 77]]
MX_BORDER3 = [[233, 88, 199, 45, 156, 11, 122, 233, 88, 199, 45, 156, 11, 122], [188, 43, 154, 0,
    111, 222, 77, 188, 43, 154, 0, 111, 222, 77]]
MX_BORDER4 = [[86, 231, 120, 9, 120, 231, 86, 197, 52, 163, 52, 197, 86, 231], [77, 222, 111, 0,
    111, 222, 77, 188, 43, 154, 43, 188, 77, 222]]
MX_RESIZE_SHORT_4 = [34, 88, 125, 215, 5, 44, 187, 227, 16, 106, 143, 197, 48, 102, 139, 229, 18,
    58, 201, 240, 30, 120, 157, 211, 66, 116, 153, 187, 33, 72, 216, 199, 44, 134, 175, 188, 93,
    130, 167, 1, 49, 86, 231, 12, 58, 148, 202, 69]
MX_ROT30 = [[0.024000000208616257, 1.1399999856948853, 3.0490000247955322, 3.41510009765625,
    3.781100034713745, 1.1663000583648682], [0.738099992275238, 1.3170000314712524,
    1.6829999685287476, 2.0490000247955322, 2.41510009765625, 2.1842000484466553],
    [3.0764999389648438, 1.3493000268936157, 0.31700000166893005, 0.8001999855041504,
    1.0490000247955322, 1.4150999784469604], [4.495299816131592, 5.58489990234375,
    4.427000045776367, 3.6375999450683594, 2.705699920654297, 0.14589999616146088],
    [1.513200044631958, 4.218900203704834, 4.58489990234375, 4.951000213623047, 3.0035998821258545,
    0.03610000014305115]]
MX_ROT30IN = [[1.6470999717712402, 1.9890999794006348, 2.2386999130249023, 2.4883999824523926,
    2.738100051879883, 2.987799882888794], [0.8076000213623047, 1.0572999715805054,
    1.3070000410079956, 1.5565999746322632, 1.8063000440597534, 2.055999994277954],
    [0.883400022983551, 1.4455000162124634, 0.3752000033855438, 0.8690999746322632,
    0.8744999766349792, 1.1241999864578247], [4.693399906158447, 4.434899806976318,
    2.938499927520752, 2.6008999347686768, 0.6266999840736389, 1.3228000402450562],
    [5.012199878692627, 5.261899948120117, 5.511600017547607, 5.247600078582764, 4.498300075531006,
    4.087399959564209]]
MX_ROTOUT = [[0.0, 0.0, 1.2374999523162842, 0.7124999761581421, 0.0, 0.0], [0.0,
    2.4749999046325684, 1.399999976158142, 3.5999999046325684, 1.2625000476837158, 0.0], [0.9375,
    4.117499828338623, 1.399999976158142, 3.5999999046325684, 5.117499828338623, 0.0], [0.0,
    0.07500000298023224, 1.399999976158142, 3.5999999046325684, 4.162499904632568, 0.0], [0.0, 0.0,
    0.5375000238418579, 2.512500047683716, 0.0, 0.0]]

# image.random_crop(x, (5, 4)) rectangles after random.seed(0), x = AUG_SRC; then (20, 15)
MX_RANDOM_CROP_RECTS = [(6, 6, 5, 4), (0, 4, 5, 4), (8, 7, 5, 4), (6, 4, 5, 4), (7, 5, 5, 4)]
MX_RANDOM_CROP_BIG = (0, 2, 13, 9)
# image.random_size_crop(x, (6, 6), (0.2, 0.8), (0.5, 2.0)) rectangles after random.seed(1)
MX_RANDOM_SIZE_CROP_RECTS = [(0, 2, 8, 5), (3, 5, 7, 5), (7, 0, 6, 10), (0, 0, 10, 11),
                             (4, 0, 9, 6)]
# the CreateAugmenter pipeline of test_create_augmenter_pipeline_matches_mxnet: (sum,
# sum of value * flat index) of its outputs
MX_PIPELINE = [(96.941, 11005.92), (77.333, 7731.06), (-44.01, -4209.6)]
AUG_SRC = np.random.RandomState(0).randint(0, 256, (11, 13, 3)).astype(np.uint8)


def nd(a):
    return mx.nd.array(a, dtype=a.dtype)


def flat(y):
    return y.asnumpy().reshape(-1).tolist()


@pytest.fixture
def py_random():
    """Seed Python's and NumPy's global generators for a test, restoring them afterwards."""
    state, np_state = random.getstate(), np.random.get_state()
    yield
    random.setstate(state)
    np.random.set_state(np_state)


def write_ppm(path, img):
    """A binary Netpbm file: P6 for (H, W, 3), P5 for (H, W, 1)."""
    magic = b'P6' if img.shape[2] == 3 else b'P5'
    with open(path, 'wb') as f:
        f.write(b'%s\n%d %d\n255\n' % (magic, img.shape[1], img.shape[0]) + img.tobytes())


# ---------------------------------------------------------------------- resizing

def test_imresize_matches_mxnet_for_every_interpolation():
    x, x1 = nd(SRC), nd(SRC1)
    assert flat(image.imresize(x, 4, 5, interp=2)) == MX_2_4x5
    assert flat(image.imresize(x1, 9, 8, interp=2)) == MX1_2_9x8
    assert flat(image.imresize(x, 4, 5, interp=3)) == MX_3_4x5
    assert flat(image.imresize(x1, 9, 8, interp=3)) == MX1_3_9x8
    assert flat(image.imresize(x, 4, 5, interp=4)) == MX_4_4x5
    assert flat(image.imresize(x1, 9, 8, interp=4)) == MX1_4_9x8
    # the same code as transforms.Resize (whose 0/1 values test_data_transforms checks)
    for interp in range(5):
        np.testing.assert_array_equal(
            image.imresize(x, 4, 5, interp).asnumpy(),
            T.Resize((4, 5), interpolation=interp)(x).asnumpy())
    y = image.imresize(x, 4, 5)  # default bilinear
    assert y.shape == (5, 4, 3) and y.dtype == np.uint8
    np.testing.assert_array_equal(y.asnumpy(), T.Resize((4, 5))(x).asnumpy())


@pytest.mark.parametrize('interp', range(5))
def test_imresize_checksums_against_mxnet(interp):
    img = np.random.RandomState(0).randint(0, 256, (30, 40, 3)).astype(np.uint8)
    imgf = np.random.RandomState(1).rand(30, 40, 3).astype(np.float32) * 255
    for (i, w, h), (s, ws, fs, fws) in MX_SUMS.items():
        if i != interp:
            continue
        y = image.imresize(nd(img), w, h, interp=interp).asnumpy().astype(np.int64)
        yf = image.imresize(nd(imgf), w, h, interp=interp)
        assert y.shape == (h, w, 3) and yf.dtype == np.float32
        weights = np.arange(y.size).reshape(y.shape) % 97
        assert (int(y.sum()), int((y * weights).sum())) == (s, ws)  # uint8: exact
        yf = yf.asnumpy().astype(np.float64)
        assert abs(yf.sum() - fs) < 0.02 and abs((yf * weights).sum() - fws) < 1.0


def test_imresize_against_numpy_area_reference():
    # INTER_AREA shrinking by an integer factor is the block mean
    img = np.random.RandomState(2).rand(12, 18, 3).astype(np.float32)
    y = image.imresize(nd(img), 6, 4, interp=3).asnumpy()
    ref = img.reshape(4, 3, 6, 3, 3).mean(axis=(1, 3))
    np.testing.assert_allclose(y, ref, rtol=1e-5)
    u8 = (img * 255).astype(np.uint8)
    y8 = image.imresize(nd(u8), 6, 4, interp=3).asnumpy()
    ref8 = np.rint(u8.reshape(4, 3, 6, 3, 3).astype(np.float64).mean(axis=(1, 3)))
    np.testing.assert_array_equal(y8, ref8)  # 3x3 blocks: the mean rounded to nearest


def test_imresize_arguments_and_errors():
    x = nd(SRC)
    assert image.imresize(x, w=4, h=5, interp=0).shape == (5, 4, 3)
    assert image.imresize(nd(SRC.astype(np.float32)), 4, 5).dtype == np.float32
    assert image.imresize(nd(np.dstack([SRC, SRC[:, :, :1]])), 4, 5).shape == (5, 4, 4)
    out = mx.nd.zeros((5, 4, 3), dtype='uint8')
    assert image.imresize(x, 4, 5, out=out) is out
    assert flat(out) == flat(image.imresize(x, 4, 5))
    with pytest.raises(DistGluError, match='value 0 for Parameter w should be greater equal to 1'):
        image.imresize(x, 0, 5)
    with pytest.raises(DistGluError, match='value -1 for Parameter h should be greater equal'):
        image.imresize(x, 3, -1)
    with pytest.raises(DistGluError, match=r'expected an image of shape \(H, W, C\), got shape '
                                           r'\(6, 7\)'):
        image.imresize(nd(SRC[:, :, 0]), 4, 5)
    with pytest.raises(DistGluError, match='unknown interpolation method 7'):
        image.imresize(x, 4, 5, interp=7)


def test_resize_short():
    x = nd(SRC)
    y = image.resize_short(x, 4)  # 6x7 -> 4x4 (4 * 7 // 6), bicubic by default
    assert flat(y) == MX_RESIZE_SHORT_4
    assert image.resize_short(nd(np.zeros((7, 6, 3), np.uint8)), 4).shape == (4, 4, 3)
    assert image.resize_short(nd(np.zeros((10, 30, 3), np.uint8)), 5).shape == (5, 15, 3)
    assert image.resize_short(nd(np.zeros((30, 10, 3), np.uint8)), 5).shape == (15, 5, 3)
    # interp=9 picks bicubic to enlarge, area to shrink
    np.testing.assert_array_equal(image.resize_short(x, 12, interp=9).asnumpy(),
                                  image.imresize(x, 14, 12, interp=2).asnumpy())
    np.testing.assert_array_equal(image.resize_short(x, 3, interp=9).asnumpy(),
                                  image.imresize(x, 3, 3, interp=3).asnumpy())
    with pytest.raises(ValueError, match='Unknown interp method 7'):
        image.resize_short(x, 4, interp=7)


# ---------------------------------------------------------------------- crops

def test_fixed_crop_and_center_crop():
    x = nd(SRC)
    y = image.fixed_crop(x, 1, 2, 3, 2)
    assert y.shape == (2, 3, 3) and y.dtype == np.uint8
    np.testing.assert_array_equal(y.asnumpy(), SRC[2:4, 1:4])
    z = image.fixed_crop(x, 1, 2, 3, 2, size=(5, 4), interp=1)
    np.testing.assert_array_equal(z.asnumpy(), image.imresize(y, 5, 4, 1).asnumpy())
    np.testing.assert_array_equal(image.fixed_crop(x, 1, 2, 3, 2, size=(3, 2)).asnumpy(),
                                  y.asnumpy())
    out, rect = image.center_crop(x, (3, 4))
    assert rect == (2, 1, 3, 4)
    np.testing.assert_array_equal(out.asnumpy(), SRC[1:5, 2:5])
    out, rect = image.center_crop(x, (10, 4), interp=1)  # scaled down to (7, 2), resized up
    assert rect == (0, 2, 7, 2) and out.shape == (4, 10, 3) and out.dtype == np.uint8
    np.testing.assert_array_equal(out.asnumpy(),
                                  image.imresize(nd(SRC[2:4]), 10, 4, 1).asnumpy())
    assert image.scale_down((640, 480), (720, 120)) == (640, 106)
    assert image.scale_down((7, 6), (3, 4)) == (3, 4)
    assert image.scale_down((7, 6), (14, 3)) == (7, 1)


def test_random_crops_draw_as_mxnet(py_random):
    x = nd(AUG_SRC)
    random.seed(0)
    for rect in MX_RANDOM_CROP_RECTS:
        out, got = image.random_crop(x, (5, 4))
        assert got == rect and out.shape == (4, 5, 3)
        x0, y0, w, h = rect
        np.testing.assert_array_equal(out.asnumpy(), AUG_SRC[y0:y0 + h, x0:x0 + w])
    out, rect = image.random_crop(x, (20, 15))  # larger than the image: scaled down, resized
    assert rect == MX_RANDOM_CROP_BIG and out.shape == (15, 20, 3)
    random.seed(1)
    for rect in MX_RANDOM_SIZE_CROP_RECTS:
        out, got = image.random_size_crop(x, (6, 6), (0.2, 0.8), (0.5, 2.0))
        assert got == rect and out.shape == (6, 6, 3)
        x0, y0, w, h = rect
        np.testing.assert_array_equal(
            out.asnumpy(), image.imresize(nd(AUG_SRC[y0:y0 + h, x0:x0 + w]), 6, 6, 2).asnumpy())
    # no crop fits: the centre crop
    out, rect = image.random_size_crop(x, (4, 4), (3, 5), (0.75, 1.33), interp=1)
    ref, ref_rect = image.center_crop(x, (4, 4), interp=1)
    assert rect == ref_rect
    np.testing.assert_array_equal(out.asnumpy(), ref.asnumpy())
    with pytest.warns(DeprecationWarning, match='min_area'):
        image.random_size_crop(x, (4, 4), None, (0.75, 1.33), min_area=0.5)
    with pytest.raises(AssertionError, match='unexpected keyword arguments'):
        image.random_size_crop(x, (4, 4), 0.5, (0.75, 1.33), bogus=1)


def test_color_normalize_works_in_place():
    f = nd(SRC.astype(np.float32))
    y = image.color_normalize(f, mx.nd.array([1, 2, 3]), mx.nd.array([2, 4, 8]))
    assert y is f and y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), (SRC - np.array([1, 2, 3])) / np.array([2, 4, 8]),
                               rtol=1e-6)
    g = nd(SRC.astype(np.float32))
    assert image.color_normalize(g, 1.5) is g
    np.testing.assert_allclose(g.asnumpy(), SRC - 1.5)
    with pytest.raises(DistGluError, match='same dtype'):  # MXNet: uint8 vs float32 fails too
        image.color_normalize(nd(SRC), mx.nd.array([1, 2, 3]))


def test_copy_make_border():
    x = nd(SRC)
    expected = [MX_BORDER0, MX_BORDER1, MX_BORDER2, MX_BORDER3, MX_BORDER4]
    modes = [None, 'edge', 'symmetric', 'wrap', 'reflect']
    for t in range(5):
        y = image.copyMakeBorder(x, 1, 2, 3, 4, type=t, value=7)
        assert y.shape == (9, 14, 3) and y.dtype == np.uint8
        assert y.asnumpy()[:2, :, 0].tolist() == expected[t]
        if modes[t]:
            np.testing.assert_array_equal(
                y.asnumpy(), np.pad(SRC, ((1, 2), (3, 4), (0, 0)), mode=modes[t]))
    y = image.copyMakeBorder(x, 1, 0, 0, 1, values=(1, 2, 3))
    assert y.asnumpy()[0].tolist() == [[1, 2, 3]] * 8
    np.testing.assert_array_equal(y.asnumpy()[1:, :7], SRC)
    yf = image.copyMakeBorder(nd(SRC.astype(np.float32)), 1, 0, 0, 1, value=2.5)
    assert yf.dtype == np.float32 and yf.asnumpy()[0, 0].tolist() == [2.5] * 3
    with pytest.raises(DistGluError, match='type must be 0'):
        image.copyMakeBorder(x, 1, 1, 1, 1, type=5)
    with pytest.raises(DistGluError, match='top must be an int >= 0'):
        image.copyMakeBorder(x, -1, 1, 1, 1)


def test_imrotate_matches_mxnet():
    x = (np.arange(2 * 5 * 6) % 7).reshape(2, 5, 6).astype(np.float32)
    y = image.imrotate(mx.nd.array(x), 30)
    assert y.shape == (2, 5, 6) and y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy()[0], MX_ROT30, atol=1e-4)
    np.testing.assert_allclose(image.imrotate(mx.nd.array(x), 30, zoom_in=True).asnumpy()[0],
                               MX_ROT30IN, atol=1e-4)
    np.testing.assert_allclose(image.imrotate(mx.nd.array(x), -45, zoom_out=True).asnumpy()[1],
                               MX_ROTOUT, atol=1e-4)
    batch = image.imrotate(mx.nd.array(np.stack([x, x])), mx.nd.array([30, 0]))
    np.testing.assert_allclose(batch.asnumpy()[0], y.asnumpy(), atol=1e-6)
    np.testing.assert_allclose(batch.asnumpy()[1], x, atol=1e-5)  # 0 degrees: unchanged
    with pytest.raises(TypeError, match='Only `float32` images'):
        image.imrotate(nd(SRC), 10)
    with pytest.raises(ValueError, match='cannot be both True'):
        image.imrotate(mx.nd.array(x), 10, zoom_in=True, zoom_out=True)


# ---------------------------------------------------------------------- decoding

def test_imread_imdecode_native_formats(tmp_path):
    ppm, pgm, npy = tmp_path / 'a.ppm', tmp_path / 'g.pgm', tmp_path / 'a.npy'
    write_ppm(ppm, SRC)
    write_ppm(pgm, SRC1)
    np.save(npy, SRC)
    for path in (ppm, str(npy)):
        y = image.imread(str(path))
        assert y.shape == (6, 7, 3) and y.dtype == np.uint8 and y.context == mx.cpu()
        np.testing.assert_array_equal(y.asnumpy(), SRC)
    np.testing.assert_array_equal(image.imread(str(ppm), to_rgb=False).asnumpy(), SRC[:, :, ::-1])
    np.testing.assert_array_equal(image.imread(str(pgm)).asnumpy(), np.repeat(SRC1, 3, axis=2))
    np.testing.assert_array_equal(image.imread(str(pgm), flag=0).asnumpy(), SRC1)
    gray = image.imread(str(ppm), flag=0).asnumpy()
    r, g, b = (SRC[:, :, k].astype(np.int64) for k in range(3))
    # OpenCV's cvtColor weights, with rounding
    np.testing.assert_array_equal(gray[:, :, 0], (4899 * r + 9617 * g + 1868 * b + 8192) >> 14)
    buf = ppm.read_bytes()
    for src in (buf, bytearray(buf), np.frombuffer(buf, np.uint8),
                mx.nd.array(np.frombuffer(buf, np.uint8), dtype='uint8')):
        np.testing.assert_array_equal(image.imdecode(src).asnumpy(), SRC)
    assert image.imdecode(buf, 0).shape == (6, 7, 1)
    out = mx.nd.zeros((6, 7, 3), dtype='uint8')
    assert image.imdecode(buf, out=out) is out and flat(out) == flat(nd(SRC))


def test_decoding_errors(tmp_path):
    with pytest.raises(ValueError, match='buf must be of type bytes, bytearray or numpy.ndarray'):
        image.imdecode('a string')
    with pytest.raises(DistGluError, match='Input cannot be an empty buffer'):
        image.imdecode(b'')
    with pytest.raises(DistGluError, match='Input needs to be uint8 buffer'):
        image.imdecode(mx.nd.array([1, 2, 3]))
    with pytest.raises(DistGluError, match="Imread: '.*nothere.png' couldn't open file: No such"):
        image.imread(str(tmp_path / 'nothere.png'))
    with pytest.raises(DistGluError, match='value -1 for Parameter flag should be greater equal'):
        image.imread(str(tmp_path / 'x.ppm'), flag=-1)
    if HAVE_PIL:
        with pytest.raises(DistGluError, match='Decoding failed. Invalid image file'):
            image.imdecode(b'not an image')


def test_decoding_without_pillow_names_the_package(monkeypatch):
    monkeypatch.setitem(sys.modules, 'PIL', None)  # "import PIL" now fails
    with pytest.raises(DistGluError, match=r'needs Pillow, which is not installed \(pip install '
                                           r'Pillow\)'):
        image.imdecode(b'\x89PNG\r\n\x1a\n' + b'\0' * 20)


@needs_pillow
def test_png_and_jpeg_with_pillow(tmp_path):
    from PIL import Image
    png = tmp_path / 'a.png'
    Image.fromarray(SRC).save(png)
    np.testing.assert_array_equal(image.imread(str(png)).asnumpy(), SRC)
    np.testing.assert_array_equal(image.imread(str(png), to_rgb=False).asnumpy(), SRC[:, :, ::-1])
    # MXNet 1.9.1's imread(flag=0) of this PNG (libpng's truncating gray weights)
    assert image.imread(str(png), flag=0).asnumpy()[:, :, 0].tolist() == [
        [30, 141, 72, 107, 188, 73, 184], [39, 150, 81, 116, 197, 82, 193],
        [48, 159, 90, 125, 206, 91, 202], [57, 168, 99, 134, 215, 100, 211],
        [66, 177, 32, 143, 74, 109, 190], [75, 186, 41, 152, 83, 118, 199]]
    rgba = tmp_path / 'rgba.png'
    Image.fromarray(np.dstack([SRC, SRC[:, :, :1]])).save(rgba)
    np.testing.assert_array_equal(image.imread(str(rgba)).asnumpy(), SRC)  # alpha dropped
    jpg = tmp_path / 'a.jpg'
    Image.fromarray(SRC).save(jpg, quality=90)
    y = image.imdecode(jpg.read_bytes())
    assert y.shape == (6, 7, 3) and y.dtype == np.uint8
    np.testing.assert_array_equal(y.asnumpy(), np.asarray(Image.open(jpg).convert('RGB')))
    assert np.abs(y.asnumpy().astype(int) - SRC).mean() < 40  # lossy, but the same picture


# ---------------------------------------------------------------------- augmenters

def test_create_augmenter_lists_as_mxnet():
    def names(**kw):
        return [type(a).__name__ for a in image.CreateAugmenter(**kw)]
    assert names(data_shape=(3, 224, 224)) == ['CenterCropAug', 'CastAug']
    assert names(data_shape=(3, 300, 200), resize=256, rand_crop=True, rand_resize=True,
                 rand_mirror=True, mean=True, std=True, brightness=0.125, contrast=0.125,
                 saturation=0.125, hue=0.1, pca_noise=0.05, rand_gray=0.05, inter_method=10) == [
        'ResizeAug', 'RandomSizedCropAug', 'HorizontalFlipAug', 'CastAug', 'ColorJitterAug',
        'HueJitterAug', 'LightingAug', 'RandomGrayAug', 'ColorNormalizeAug']
    augs = image.CreateAugmenter(data_shape=(3, 300, 200), resize=256, rand_crop=True,
                                 rand_resize=True, mean=True, std=True, brightness=0.125,
                                 saturation=0.125, pca_noise=0.05, inter_method=10)
    assert [a.dumps() for a in augs] == [  # MXNet 1.9.1's dumps()
        '["resizeaug", {"size": 256, "interp": 10}]',
        ('["randomsizedcropaug", {"size": [200, 300], "area": 0.08, "ratio": [0.75, '
         '1.3333333333333333], "interp": 10}]'),
        '["castaug", {"type": "float32"}]',
        ['colorjitteraug', ['["brightnessjitteraug", {"brightness": 0.125}]',
                            '["saturationjitteraug", {"saturation": 0.125}]']],
        ('["lightingaug", {"alphastd": 0.05, "eigval": [55.46, 4.794, 1.148], "eigvec": '
         '[[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.814], [-0.5836, -0.6948, 0.4203]]}]'),
        ('["colornormalizeaug", {"mean": [123.68000030517578, 116.27999877929688, '
         '103.52999877929688], "std": [58.39500045776367, 57.119998931884766, 57.375]}]')]
    assert names(data_shape=(3, 32, 32), rand_crop=True, mean=np.array([1., 2, 3]),
                 contrast=0.2) == ['RandomCropAug', 'CastAug', 'ColorJitterAug',
                                   'ColorNormalizeAug']
    aug = image.CreateAugmenter(data_shape=(3, 32, 32), std=True)[-1]
    assert json.loads(aug.dumps())[1]['mean'] is None
    with pytest.raises(AssertionError, match='rand_resize=True needs rand_crop=True'):
        image.CreateAugmenter(data_shape=(3, 32, 32), rand_resize=True)
    with pytest.raises(AssertionError, match='mean must be'):
        image.CreateAugmenter(data_shape=(3, 32, 32), mean=[1, 2, 3])


def test_augmenter_dumps_and_base():
    assert image.ColorJitterAug(0.1, 0, 0.3).dumps() == [
        'colorjitteraug', ['["brightnessjitteraug", {"brightness": 0.1}]',
                           '["saturationjitteraug", {"saturation": 0.3}]']]
    assert image.RandomOrderAug([image.CastAug(), image.HorizontalFlipAug(0.5)]).dumps() == [
        'randomorderaug', ['["castaug", {"type": "float32"}]', '["horizontalflipaug", {"p": 0.5}]']]
    assert image.Augmenter(a=1, b=np.array([1, 2])).dumps() == \
        '["augmenter", {"a": 1, "b": [1, 2]}]'
    assert image.ColorNormalizeAug(mx.nd.array([1, 2, 3]), None).dumps() == \
        '["colornormalizeaug", {"mean": [1.0, 2.0, 3.0], "std": null}]'
    assert image.ForceResizeAug((3, 4)).dumps() == \
        '["forceresizeaug", {"size": [3, 4], "interp": 2}]'
    with pytest.raises(NotImplementedError, match='Must override implementation.'):
        image.Augmenter()(nd(SRC))


def test_augmenters_against_numpy(py_random):
    x = AUG_SRC.astype(np.float32)
    luma = np.array([0.299, 0.587, 0.114])

    def replay(aug, seed):
        random.seed(seed)
        y = aug(mx.nd.array(x)).asnumpy()
        random.seed(seed)
        return y

    y = replay(image.BrightnessJitterAug(0.4), 1)
    np.testing.assert_allclose(y, x * (1 + random.uniform(-0.4, 0.4)), rtol=1e-5)
    y = replay(image.ContrastJitterAug(0.4), 2)
    alpha = 1 + random.uniform(-0.4, 0.4)
    np.testing.assert_allclose(y, x * alpha + (1 - alpha) * (x @ luma).mean(), rtol=1e-4)
    y = replay(image.SaturationJitterAug(0.4), 3)
    alpha = 1 + random.uniform(-0.4, 0.4)
    np.testing.assert_allclose(y, x * alpha + (1 - alpha) * (x @ luma)[:, :, None], rtol=1e-4,
                               atol=1e-3)
    y = replay(image.HueJitterAug(0.4), 4)
    a = random.uniform(-0.4, 0.4)
    u, w = np.cos(a * np.pi), np.sin(a * np.pi)
    yiq = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321], [0.211, -0.523, 0.311]])
    iyiq = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.107, 1.705]])
    t = iyiq @ np.array([[1, 0, 0], [0, u, -w], [0, w, u]]) @ yiq
    np.testing.assert_allclose(y, x @ t.T, rtol=1e-4, atol=1e-3)
    y = replay(image.RandomGrayAug(0.9), 5)
    gray = x @ np.array([0.21, 0.72, 0.07])
    expected = np.repeat(gray[:, :, None], 3, axis=2) if random.random() < 0.9 else x
    np.testing.assert_allclose(y, expected, rtol=1e-5)
    flips = [replay(image.HorizontalFlipAug(0.5), s) for s in range(8)]
    for s, y in enumerate(flips):
        random.seed(s)
        np.testing.assert_array_equal(y, x[:, ::-1] if random.random() < 0.5 else x)
    np.random.seed(6)
    y = image.LightingAug(0.5, np.array([55.46, 4.794, 1.148]), np.eye(3))(mx.nd.array(x))
    np.random.seed(6)
    np.testing.assert_allclose(y.asnumpy(), x + np.array([55.46, 4.794, 1.148]) *
                               np.random.normal(0, 0.5, size=3), rtol=1e-5)
    order = image.RandomOrderAug([image.CastAug('float64'), image.CastAug('float16')])
    random.seed(0)
    last = order(nd(SRC)).dtype
    assert last == np.dtype(order.ts[-1].typ) and len(order.ts) == 2
    assert image.CastAug()(nd(SRC)).dtype == np.float32


def test_create_augmenter_pipeline_matches_mxnet(py_random):
    random.seed(5)
    np.random.seed(5)
    augs = image.CreateAugmenter((3, 8, 8), resize=10, rand_crop=True, rand_resize=True,
                                 rand_mirror=True, mean=True, std=True, brightness=0.3,
                                 contrast=0.3, saturation=0.3, hue=0.2, pca_noise=0.1,
                                 rand_gray=0.3)
    for total, weighted in MX_PIPELINE:
        y = nd(AUG_SRC)
        for aug in augs:
            y = aug(y)
        assert y.shape == (8, 8, 3) and y.dtype == np.float32
        y = y.asnumpy().astype(np.float64)
        assert abs(y.sum() - total) < 0.01
        assert abs((y * np.arange(y.size).reshape(y.shape)).sum() - weighted) < 0.5


# ---------------------------------------------------------------------- ImageIter

@pytest.fixture
def image_dir(tmp_path):
    """Five .ppm images of shapes (6 + i, 7, 3) and a .lst file with two labels each."""
    rs = np.random.RandomState(0)
    imgs = []
    for i in range(5):
        a = rs.randint(0, 256, (6 + i, 7, 3)).astype(np.uint8)
        imgs.append(a)
        write_ppm(tmp_path / ('%d.ppm' % i), a)
    with open(tmp_path / 'list.lst', 'w') as f:
        for i in range(5):
            f.write('%d\t%d.5\t%d\t%d.ppm\n' % (i, i, 10 * i, i))
    return tmp_path, imgs


def epochs(it, n=3):
    runs = []
    for _ in range(n):
        runs.append([(b.label[0].asnumpy().tolist(), b.pad) for b in it])
        it.reset()
    return runs


def test_image_iter_last_batch_handles_as_mxnet(image_dir):
    root, _ = image_dir
    lst = [[float(i), '%d.ppm' % i] for i in range(5)]

    def make(handle):
        return image.ImageIter(2, (3, 4, 4), imglist=lst, path_root=str(root),
                               last_batch_handle=handle)
    # MXNet 1.9.1, same list
    pad = [([0.0, 1.0], 0), ([2.0, 3.0], 0), ([4.0, 0.0], 1)]
    assert epochs(make('pad')) == [pad] * 3
    assert epochs(make('discard')) == [[([0.0, 1.0], 0), ([2.0, 3.0], 0)]] * 3
    assert epochs(make('roll_over')) == [
        [([0.0, 1.0], 0), ([2.0, 3.0], 0)],
        [([4.0, 0.0], 1), ([1.0, 2.0], 0), ([3.0, 4.0], 0)],
        [([0.0, 1.0], 0), ([2.0, 3.0], 0)]]
    it = make('pad')
    list(it)
    with pytest.raises(StopIteration):  # until reset()
        it.next()
    it.hard_reset()
    assert len(list(it)) == 3


def test_image_iter_batches(image_dir):
    root, imgs = image_dir
    it = image.ImageIter(2, (3, 4, 4), path_imglist=str(root / 'list.lst'), path_root=str(root),
                         label_width=2)
    assert it.provide_data == [('data', (2, 3, 4, 4))]
    assert it.provide_label == [('softmax_label', (2, 2))]
    assert [type(a).__name__ for a in it.auglist] == ['CenterCropAug', 'CastAug']
    b = it.next()
    assert b.pad == 0 and b.index is None and len(b.data) == 1 and len(b.label) == 1
    assert str(b) == 'DataBatch: data shapes: [(2, 3, 4, 4)] label shapes: [(2, 2)]'
    data = b.data[0]
    assert data.shape == (2, 3, 4, 4) and data.dtype == np.float32
    assert b.label[0].dtype == np.float32 and b.label[0].asnumpy().tolist() == [[0.5, 0.0],
                                                                                [1.5, 10.0]]
    for k in range(2):  # the centre 4x4 crop, CHW
        y0 = (6 + k - 4) // 2
        np.testing.assert_array_equal(data.asnumpy()[k],
                                      imgs[k][y0:y0 + 4, 1:5].transpose(2, 0, 1))
    # int labels still make float32 batches, as MXNet
    it = image.ImageIter(2, (3, 4, 4), imglist=[[1, '0.ppm'], [2, '1.ppm']],
                         path_root=str(root), dtype='int32')
    assert it.next().label[0].dtype == np.float32
    # lists of labels, and explicit augmenters
    it = image.ImageIter(2, (3, 2, 3), imglist=[[[1, 2], '0.ppm'], [3, 4, '1.ppm']],
                         path_root=str(root), label_width=2,
                         aug_list=[image.ForceResizeAug((3, 2), interp=1), image.CastAug()])
    b = it.next()
    assert b.label[0].asnumpy().tolist() == [[1, 2], [3, 4]]
    np.testing.assert_array_equal(
        b.data[0].asnumpy()[1], image.imresize(nd(imgs[1]), 3, 2).asnumpy().transpose(2, 0, 1))
    # augmentation arguments go to CreateAugmenter
    it = image.ImageIter(1, (3, 4, 4), imglist=[[0, '0.ppm']], path_root=str(root),
                         rand_mirror=True, mean=True)
    assert [type(a).__name__ for a in it.auglist] == ['CenterCropAug', 'HorizontalFlipAug',
                                                      'CastAug', 'ColorNormalizeAug']


def test_image_iter_shuffle_and_parts(image_dir, py_random):
    root, _ = image_dir
    lst = [[float(i), '%d.ppm' % i] for i in range(5)]
    random.seed(3)  # MXNet 1.9.1 shuffles its seq the same way
    it = image.ImageIter(2, (3, 4, 4), imglist=lst, path_root=str(root), shuffle=True)
    assert it.seq == ['1', '3', '4', '5', '2']
    assert [b.label[0].asnumpy().tolist() for b in it] == [[0, 2], [3, 4], [1, 0]]
    it = image.ImageIter(2, (3, 4, 4), imglist=lst, path_root=str(root), num_parts=2,
                         part_index=1)
    assert it.seq == ['3', '4'] and [b.label[0].asnumpy().tolist() for b in it] == [[2, 3]]


def test_image_iter_errors(image_dir):
    root, _ = image_dir
    lst = [[0.0, '0.ppm'], [1.0, '1.ppm']]
    kw = dict(batch_size=2, data_shape=(3, 4, 4), imglist=lst, path_root=str(root))
    for change, err, msg in [
            (dict(data_shape=(1, 4, 4)), ValueError, 'expects inputs to have 3 channels.'),
            (dict(data_shape=(4, 4)), ValueError, 'data_shape should have length 3'),
            (dict(dtype='uint8'), AssertionError, 'uint8 label not supported'),
            (dict(last_batch_handle='bogus'), ValueError, "last_batch_handle must be 'pad'"),
            (dict(imglist=None), AssertionError, 'give the images as path_imglist'),
            (dict(path_imgrec='data.rec'), DistGluError, 'does not read MXNet RecordIO')]:
        args = dict(kw, **change)
        with pytest.raises(err, match=msg):
            image.ImageIter(**args)
    it = image.ImageIter(**dict(kw, imglist=[[[1, 2], '0.ppm']]))
    with pytest.raises(ValueError, match='an image has 2 label.s., label_width is 1'):
        it.next()
    (root / 'bad.ppm').write_bytes(b'P6\n7 6\n255\n' + b'\0' * 10)
    it = image.ImageIter(**dict(kw, imglist=[[0, 'bad.ppm']]))
    with pytest.raises(DistGluError, match='Broken image filename: bad.ppm'):
        it.next()
    it = image.ImageIter(**dict(kw, data_shape=(3, 8, 8), aug_list=[image.CastAug()]))
    with pytest.raises(ValueError, match=r'augmented image has shape \(3, 6, 7\), the batch '
                                         r'expects \(3, 8, 8\)'):
        it.next()


def test_batches_are_mx_io_data_batches(tmp_path):
    (tmp_path / 'a.ppm').write_bytes(b'P6 4 4 255\n' + bytes(range(48)))
    it = image.ImageIter(2, (3, 4, 4), imglist=[[0.0, 'a.ppm'], [1.0, 'a.ppm']],
                         path_root=str(tmp_path))
    assert isinstance(it, mx.io.DataIter)
    b = it.next()
    assert isinstance(b, mx.io.DataBatch)
    assert str(b) == 'DataBatch: data shapes: [(2, 3, 4, 4)] label shapes: [(2,)]'


def test_module_layout():
    assert image.image.ImageIter is image.ImageIter
    for name in ('imread', 'imdecode', 'imresize', 'resize_short', 'fixed_crop', 'random_crop',
                 'center_crop', 'color_normalize', 'random_size_crop', 'scale_down',
                 'copyMakeBorder', 'CreateAugmenter', 'ImageIter', 'Augmenter'):
        assert name in image.__all__ and callable(getattr(image, name))


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_resize_on_gpu_matches_cpu():
    img = np.random.RandomState(0).randint(0, 256, (30, 40, 3)).astype(np.uint8)
    g = mx.nd.array(img, ctx=mx.gpu(0), dtype='uint8')
    for interp in range(5):
        for w, h in ((17, 13), (53, 47), (20, 15)):
            y = image.imresize(g, w, h, interp=interp)
            assert y.context == mx.gpu(0)
            np.testing.assert_array_equal(y.asnumpy(),
                                          image.imresize(nd(img), w, h, interp=interp).asnumpy())
    x = mx.nd.array(img, ctx=mx.gpu(0))
    np.testing.assert_allclose(image.imresize(x, 17, 13, interp=2).asnumpy(),
                               image.imresize(nd(img.astype(np.float32)), 17, 13, 2).asnumpy(),
                               rtol=1e-5, atol=1e-3)
    np.testing.assert_array_equal(image.copyMakeBorder(g, 1, 2, 3, 4, type=2).asnumpy(),
                                  np.pad(img, ((1, 2), (3, 4), (0, 0)), mode='symmetric'))
    f = mx.nd.array((np.arange(2 * 5 * 6) % 7).reshape(2, 5, 6), ctx=mx.gpu(0))
    np.testing.assert_allclose(image.imrotate(f, 30).asnumpy()[0], MX_ROT30, atol=1e-4)


@needs_pillow
def test_png_grey_uses_libpngs_truncated_weights(tmp_path):
    """A random 40x50 PNG read with flag=0: checksums of MXNet 1.9.1's result (libpng's
    weights 9797/19234/3737; rounded weights give 11 pixels one level off)."""
    from PIL import Image
    rgb = np.random.default_rng(0).integers(0, 256, (40, 50, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(tmp_path / 'g.png')
    g = image.imread(str(tmp_path / 'g.png'), flag=0).asnumpy()[:, :, 0].astype(np.int64)
    assert g.shape == (40, 50)
    assert g.sum() == 254758
    assert (g.ravel() * np.arange(g.size)).sum() == 255208014
