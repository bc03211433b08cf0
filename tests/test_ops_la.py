"""nd.linalg: values vs NumPy and MXNet 1.9.1 (batching, transposes, triangles, offsets,
signs), gradients (numeric float64 checks, recorded MXNet values), second-order gradients,
out=, namespaces and error messages."""
import numpy as np
import pytest

import distglu
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient

la = nd.linalg

MX_LINALG = ['det', 'extractdiag', 'extracttrian', 'gelqf', 'gemm', 'gemm2', 'inverse',
             'makediag', 'maketrian', 'potrf', 'potri', 'slogdet', 'sumlogdiag', 'syevd',
             'syrk', 'trmm', 'trsm']


@pytest.fixture
def rng():
    return np.random.RandomState(1234)


def _a(x, dtype='float64'):
    return nd.array(x, dtype=dtype)


def _spd(rng, n, batch=()):
    m = rng.randn(*batch, n, n)
    return m @ np.swapaxes(m, -1, -2) + n * np.eye(n)


def _sym(x):
    """Symmetric part, so numeric checks perturb A like the symmetric-A gradients assume."""
    return (x + nd.swapaxes(x, -1, -2)) * 0.5


def _grads(f, inputs, head_grads):
    xs = [_a(x) for x in inputs]
    for x in xs:
        x.attach_grad()
    with autograd.record():
        y = f(*xs)
    ys = y if isinstance(y, list) else [y]
    autograd.backward(ys, [_a(h) for h in head_grads])
    return [o.asnumpy() for o in ys], [x.grad.asnumpy() for x in xs]


# ------------------------------------------------------------------ namespaces

def test_namespace_and_aliases():
    public = sorted(n for n in dir(la) if not n.startswith('_'))
    assert public == MX_LINALG
    import distglu.ndarray.linalg as mod
    assert mod is la and mod.gemm2 is la.gemm2
    for n in MX_LINALG:
        if n != 'syevd':   # MXNet 1.9 has no nd.linalg_syevd
            assert getattr(nd, 'linalg_' + n) is getattr(la, n)
    assert not hasattr(nd, 'linalg_syevd')
    assert not hasattr(nd, 'gemm2') and not hasattr(nd, 'potrf')


# ------------------------------------------------------------------ products

def test_gemm_gemm2_docstring_examples():
    a = _a([[1., 1.], [1., 1.]], 'float32')
    b = _a([[1., 1.], [1., 1.], [1., 1.]], 'float32')
    c = _a(np.ones((2, 3)), 'float32')
    r = la.gemm(a, b, c, transpose_b=True, alpha=2.0, beta=10.0)
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.asnumpy(), np.full((2, 3), 14.0))
    np.testing.assert_allclose(la.gemm2(a, b, transpose_b=True, alpha=2.0).asnumpy(),
                               np.full((2, 3), 4.0))
    # batch, with MXNet's recorded gradients
    out, grads = _grads(lambda x, y, z: la.gemm(x, y, z, transpose_b=True, alpha=2., beta=10.),
                        [[[[1., 1.]], [[0.1, 0.1]]], [[[1., 1.]], [[0.1, 0.1]]],
                         [[[10.]], [[0.01]]]], [[[[1.]], [[2.]]]])
    np.testing.assert_allclose(out[0].ravel(), [104.0, 0.14])
    np.testing.assert_allclose(grads[0], [[[2., 2.]], [[0.4, 0.4]]])
    np.testing.assert_allclose(grads[1], [[[2., 2.]], [[0.4, 0.4]]])
    np.testing.assert_allclose(grads[2], [[[10.]], [[20.]]])


@pytest.mark.parametrize('ta', [False, True])
@pytest.mark.parametrize('tb', [False, True])
def test_gemm_values_and_grads(rng, ta, tb):
    def op(x, t):
        return np.swapaxes(x, -1, -2) if t else x
    a = rng.randn(2, 4, 3) if ta else rng.randn(2, 3, 4)
    b = rng.randn(2, 5, 4) if tb else rng.randn(2, 4, 5)
    c = rng.randn(2, 3, 5)
    ref = 0.7 * op(a, ta) @ op(b, tb) - 1.5 * c
    r = la.gemm(_a(a, 'float32'), _a(b, 'float32'), _a(c, 'float32'), transpose_a=ta,
                transpose_b=tb, alpha=0.7, beta=-1.5)
    assert r.dtype == np.float32 and r.shape == (2, 3, 5)
    np.testing.assert_allclose(r.asnumpy(), ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(la.gemm2(_a(a), _a(b), transpose_a=ta, transpose_b=tb,
                                        alpha=0.7).asnumpy(), 0.7 * op(a, ta) @ op(b, tb))
    check_numeric_gradient(lambda x, y, z: la.gemm(x, y, z, transpose_a=ta, transpose_b=tb,
                                                    alpha=0.7, beta=-1.5), [a, b, c])


def test_gemm_row_axis_recorded():
    # rows along axis 0, columns along the last axis (MXNet 1.9.1 values)
    x = np.arange(24.).reshape(2, 3, 4)
    r = la.gemm2(_a(x), _a(x), transpose_b=True, axis=0)
    assert r.shape == (2, 3, 2)
    np.testing.assert_allclose(r.asnumpy(), [[[14., 86.], [126., 390.], [366., 822.]],
                                             [[86., 734.], [390., 1230.], [822., 1854.]]])
    r = la.gemm(_a(x), _a(x), nd.ones((2, 3, 2), dtype='float64'), transpose_b=True, axis=0,
                alpha=0.5, beta=2)
    np.testing.assert_allclose(r.asnumpy(), [[[9., 45.], [65., 197.], [185., 413.]],
                                             [[45., 369.], [197., 617.], [413., 929.]]])
    assert la.gemm2(nd.ones((2, 3, 4, 5)), nd.ones((2, 3, 4, 6)), axis=1,
                    transpose_a=True).shape == (2, 5, 4, 6)
    assert la.gemm2(nd.ones((2, 3)), nd.ones((3, 2)), axis=0).shape == (2, 2)


def test_gemm_row_axis_grads(rng):
    a, b, c = rng.randn(3, 2, 4), rng.randn(5, 2, 4), rng.randn(3, 2, 5)
    check_numeric_gradient(lambda x, y, z: la.gemm(x, y, z, axis=0, transpose_b=True,
                                                    alpha=1.5, beta=0.5), [a, b, c])
    a, b = rng.randn(2, 3, 4, 5), rng.randn(2, 3, 4, 6)
    check_numeric_gradient(lambda x, y: la.gemm2(x, y, axis=-3, transpose_a=True), [a, b])


def test_syrk(rng):
    a = _a([[1., 2., 3.], [4., 5., 6.]], 'float32')
    np.testing.assert_allclose(la.syrk(a).asnumpy(), [[14., 32.], [32., 77.]])
    np.testing.assert_allclose(la.syrk(a, transpose=True).asnumpy(),
                               [[17., 22., 27.], [22., 29., 36.], [27., 36., 45.]])
    np.testing.assert_allclose(la.syrk(_a([[[1., 1.]], [[0.1, 0.1]]]), alpha=2.).asnumpy()
                               .ravel(), [4., 0.04])
    out, grads = _grads(lambda x: la.syrk(x, alpha=2.), [[[1., 2., 3.], [4., 5., 6.]]],
                        [[[1., -1.], [2., 0.5]]])
    np.testing.assert_allclose(grads[0], [[12., 18., 24.], [10., 14., 18.]])   # MXNet
    for tr in (False, True):
        check_numeric_gradient(lambda x: la.syrk(x, transpose=tr, alpha=0.6),
                               [rng.randn(2, 3, 4)])


# ------------------------------------------------------------------ triangular

def test_trmm_trsm_read_one_triangle():
    # the other triangle of A is ignored (MXNet 1.9.1 values)
    a = _a([[1., 2., 3.], [4., 5., 6.], [7., 8., 10.]], 'float32')
    ones = nd.ones((3, 2))
    np.testing.assert_allclose(la.trmm(a, ones).asnumpy(), [[1., 1.], [9., 9.], [25., 25.]])
    np.testing.assert_allclose(la.trmm(a, ones, lower=False).asnumpy(),
                               [[6., 6.], [11., 11.], [10., 10.]])
    np.testing.assert_allclose(la.trsm(a, ones).asnumpy(),
                               [[1., 1.], [-0.6, -0.6], [-0.12, -0.12]], rtol=1e-6)
    np.testing.assert_allclose(
        la.trsm(a, nd.ones((2, 3)), transpose=True, rightside=True, lower=False,
                alpha=2).asnumpy(), [[1.08, 0.16, 0.2], [1.08, 0.16, 0.2]], rtol=1e-6)


@pytest.mark.parametrize('tr', [False, True])
@pytest.mark.parametrize('rs', [False, True])
@pytest.mark.parametrize('lo', [False, True])
def test_trmm_trsm_vs_numpy_and_grads(rng, tr, rs, lo):
    a = rng.randn(2, 3, 3) + 4 * np.eye(3)
    b = rng.randn(2, 4, 3) if rs else rng.randn(2, 3, 4)
    t = np.tril(a) if lo else np.triu(a)
    op = np.swapaxes(t, -1, -2) if tr else t
    kw = dict(transpose=tr, rightside=rs, lower=lo, alpha=0.8)
    ref_mm = 0.8 * (b @ op if rs else op @ b)
    y = la.trmm(_a(a, 'float32'), _a(b, 'float32'), **kw)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref_mm, rtol=1e-5, atol=1e-5)
    x = la.trsm(_a(a), _a(b), **kw).asnumpy()
    np.testing.assert_allclose(x @ op if rs else op @ x, 0.8 * b, rtol=1e-10, atol=1e-12)
    check_numeric_gradient(lambda p, q: la.trmm(p, q, **kw), [a, b])
    check_numeric_gradient(lambda p, q: la.trsm(p, q, **kw), [a, b], rtol=1e-5, atol=1e-7)


def test_trmm_trsm_recorded_grads():
    a, b, hg = [[2., 1.], [7., 4.]], [[1., 2.], [3., 4.]], [[1., -1.], [2., 0.5]]
    out, g = _grads(lambda p, q: la.trsm(p, q, transpose=True, lower=False, alpha=2.), [a, b],
                    [hg])
    np.testing.assert_allclose(out[0], [[1., 2.], [1.25, 1.5]])
    np.testing.assert_allclose(g[0], [[0.875, -0.75], [0.0, -0.8125]])
    np.testing.assert_allclose(g[1], [[0.5, -1.125], [1.0, 0.25]])
    out, g = _grads(lambda p, q: la.trmm(p, q, rightside=True, alpha=2.), [a, b], [hg])
    np.testing.assert_allclose(out[0], [[32., 16.], [68., 32.]])
    np.testing.assert_allclose(g[0], [[14., 0.], [20., 0.]])
    np.testing.assert_allclose(g[1], [[4., 6.], [8., 32.]])


# ------------------------------------------------------------------ Cholesky

def test_potrf_potri(rng):
    a = _a([[4.0, 1.0], [1.0, 4.25]], 'float32')
    np.testing.assert_allclose(la.potrf(a).asnumpy(), [[2., 0.], [0.5, 2.]])
    # the upper triangle is not read (MXNet 1.9.1)
    np.testing.assert_allclose(la.potrf(_a([[4., 100.], [1., 4.25]])).asnumpy(),
                               [[2., 0.], [0.5, 2.]])
    s = _spd(rng, 4, (2, 3))
    lf = la.potrf(_a(s, 'float32'))
    assert lf.dtype == np.float32 and lf.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(lf.asnumpy(), np.linalg.cholesky(s), rtol=1e-4, atol=1e-5)
    c = la.potri(_a(np.linalg.cholesky(s)))
    np.testing.assert_allclose(c.asnumpy(), np.linalg.inv(s), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(la.potri(_a([[2., 7.], [0.5, 2.]])).asnumpy(),
                               [[0.265625, -0.0625], [-0.0625, 0.25]])


def test_potrf_potri_grads(rng):
    # MXNet's potrf gradient is symmetric: recorded with mxnet 1.9.1
    _, g = _grads(la.potrf, [[[4., 1.], [1., 4.25]]], [[[1., 2.], [3., 4.]]])
    np.testing.assert_allclose(g[0], [[0.125, 0.5], [0.5, 1.0]])
    _, g = _grads(la.potri, [[[2., 9.], [0.5, 2.]]], [[[1., 2.], [3., 4.]]])
    np.testing.assert_allclose(g[0], [[-0.109375, 0.0], [-0.5625, -0.703125]])
    check_numeric_gradient(lambda x: la.potrf(_sym(x)), [_spd(rng, 3, (2,))])
    lf = np.linalg.cholesky(_spd(rng, 3, (2,))) + np.triu(rng.randn(3, 3), 1)
    check_numeric_gradient(la.potri, [lf], rtol=1e-5, atol=1e-8)


# ------------------------------------------------------------------ diagonals and triangles

def test_extract_make_recorded():
    b = nd.arange(16).reshape((4, 4))
    cases = {0: ([0., 4, 5, 8, 9, 10, 12, 13, 14, 15], [0., 1, 5, 2, 6, 10, 3, 7, 11, 15],
                 [0., 5, 10, 15]),
             1: ([1., 2, 6, 3, 7, 11], [1., 2, 6, 3, 7, 11], [1., 6, 11]),
             -1: ([4., 8, 9, 12, 13, 14], [4., 8, 9, 12, 13, 14], [4., 9, 14]),
             2: ([2., 3, 7], [2., 3, 7], [2., 7])}
    for k, (low, up, dg) in cases.items():
        np.testing.assert_array_equal(la.extracttrian(b, offset=k).asnumpy(), low)
        np.testing.assert_array_equal(la.extracttrian(b, offset=k, lower=False).asnumpy(), up)
        np.testing.assert_array_equal(la.extractdiag(b, offset=k).asnumpy(), dg)
    np.testing.assert_array_equal(la.makediag(nd.array([1., 2.]), offset=-1).asnumpy(),
                                  [[0, 0, 0], [1, 0, 0], [0, 2, 0]])
    np.testing.assert_array_equal(la.makediag(nd.array([[1., 2.], [3., 4.]])).asnumpy(),
                                  [[[1, 0], [0, 2]], [[3, 0], [0, 4]]])
    v = nd.array([1., 2., 3., 4., 5., 6.])
    np.testing.assert_array_equal(la.maketrian(v).asnumpy(), [[1, 0, 0], [2, 3, 0], [4, 5, 6]])
    np.testing.assert_array_equal(la.maketrian(v, lower=False).asnumpy(),
                                  [[1, 2, 4], [0, 3, 5], [0, 0, 6]])
    for lower in (True, False):   # lower matters only at offset 0
        np.testing.assert_array_equal(la.maketrian(v, offset=1, lower=lower).asnumpy(),
                                      [[0, 1, 2, 4], [0, 0, 3, 5], [0, 0, 0, 6], [0, 0, 0, 0]])
        np.testing.assert_array_equal(la.maketrian(v, offset=-2, lower=lower).asnumpy(),
                                      [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [1, 0, 0, 0, 0],
                                       [2, 3, 0, 0, 0], [4, 5, 6, 0, 0]])


def test_extract_make_roundtrip_and_grads(rng):
    a = rng.randn(2, 3, 5, 5)
    for k in (-2, 0, 1):
        for lower in (True, False):
            t = la.extracttrian(_a(a), offset=k, lower=lower)
            m = la.maketrian(t, offset=k, lower=lower).asnumpy()
            mask = (np.tril(np.ones((5, 5)), k) if (k < 0 or (k == 0 and lower))
                    else np.triu(np.ones((5, 5)), k))
            np.testing.assert_array_equal(m, a * mask)
        d = la.extractdiag(_a(a), offset=k)
        np.testing.assert_array_equal(d.asnumpy(), np.diagonal(a, k, -2, -1))
        np.testing.assert_array_equal(la.makediag(d, offset=k).asnumpy(),
                                      a * np.eye(5, k=k))
    check_numeric_gradient(lambda x: la.extracttrian(x, offset=1) ** 2, [rng.randn(2, 4, 4)])
    check_numeric_gradient(lambda x: la.maketrian(x, offset=-1, lower=False) ** 2,
                           [rng.randn(2, 6)])
    check_numeric_gradient(lambda x: la.extractdiag(x, offset=-1) ** 2, [rng.randn(3, 3)])
    check_numeric_gradient(lambda x: la.makediag(x, offset=2) ** 2, [rng.randn(2, 3)])


def test_sumlogdiag(rng):
    r = la.sumlogdiag(_a([[1.0, 1.0], [1.0, 7.0]], 'float32'))
    assert r.shape == (1,) and r.dtype == np.float32
    np.testing.assert_allclose(r.asnumpy(), [np.log(7.)], rtol=1e-6)
    r = la.sumlogdiag(_a([[[1.0, 1.0], [1.0, 7.0]], [[3.0, 0], [0, 17.0]]]))
    np.testing.assert_allclose(r.asnumpy(), [1.9459101, 3.9318256], rtol=1e-6)
    s = _spd(rng, 3, (2,))
    check_numeric_gradient(la.sumlogdiag, [s])
    check_numeric_gradient(la.sumlogdiag, [s[0]])


# ------------------------------------------------------------------ inverse, det, slogdet

def test_inverse_det_slogdet_values(rng):
    a = rng.randn(2, 3, 4, 4)
    inv = la.inverse(_a(a, 'float32'))
    assert inv.dtype == np.float32 and inv.shape == a.shape
    np.testing.assert_allclose(inv.asnumpy(), np.linalg.inv(a), rtol=1e-3, atol=1e-4)
    d = la.det(_a(a))
    assert d.shape == (2, 3)
    np.testing.assert_allclose(d.asnumpy(), np.linalg.det(a))
    d1 = la.det(_a([[1., 4.], [2., 3.]], 'float32'))
    assert d1.shape == (1,) and d1.dtype == np.float32
    np.testing.assert_allclose(d1.asnumpy(), [-5.], rtol=1e-6)
    s, lad = la.slogdet(_a([[[2., 3.], [1., 4.]], [[1., 2.], [2., 4.]], [[1., 2.], [4., 3.]]]))
    np.testing.assert_allclose(s.asnumpy(), [1., 0., -1.])
    np.testing.assert_allclose(lad.asnumpy(), [np.log(5.), -np.inf, np.log(5.)])
    s, lad = la.slogdet(_a([[2., 3.], [1., 4.]]))
    assert s.shape == lad.shape == (1,)


def test_inverse_det_slogdet_grads(rng):
    a = rng.randn(2, 3, 3) + 2 * np.eye(3)
    check_numeric_gradient(la.inverse, [a], rtol=1e-5, atol=1e-8)
    check_numeric_gradient(la.det, [a], rtol=1e-5, atol=1e-8)
    check_numeric_gradient(la.det, [a[0]], rtol=1e-5, atol=1e-8)
    check_numeric_gradient(lambda x: la.slogdet(x)[1], [a * np.array([1., -1.])[:, None, None]],
                           rtol=1e-5, atol=1e-8)
    # MXNet 1.9.1: no gradient for a singular matrix, none through the sign
    _, g = _grads(la.det, [[[1., 2.], [2., 4.]]], [[1.]])
    np.testing.assert_array_equal(g[0], np.zeros((2, 2)))
    _, g = _grads(la.slogdet, [[[1., 2.], [2., 4.]]], [[1.], [1.]])
    np.testing.assert_array_equal(g[0], np.zeros((2, 2)))
    out, g = _grads(la.slogdet, [[[2., 3.], [1., -4.]]], [[1.], [2.]])
    np.testing.assert_allclose(out[0], [-1.])
    np.testing.assert_allclose(out[1], [2.3978952727983707])
    np.testing.assert_allclose(g[0], [[0.7272727272727273, 0.18181818181818177],
                                      [0.5454545454545455, -0.36363636363636365]])
    # a batch with one singular matrix: the others still get their gradient
    b = np.stack([[[1., 2.], [2., 4.]], [[2., 3.], [1., -4.]]])
    _, g = _grads(la.det, [b], [[1., 1.]])
    np.testing.assert_array_equal(g[0][0], 0)
    np.testing.assert_allclose(g[0][1], np.linalg.det(b[1]) * np.linalg.inv(b[1]).T)


# ------------------------------------------------------------------ factorizations

def test_gelqf(rng):
    q, lf = la.gelqf(_a([[1., 2., 3.], [4., 5., 6.]]))
    np.testing.assert_allclose(q.asnumpy(), [[-0.26726124, -0.53452248, -0.80178373],
                                             [0.87287156, 0.21821789, -0.43643578]], rtol=1e-7)
    np.testing.assert_allclose(lf.asnumpy(), [[-3.74165739, 0.], [-8.55235974, 1.96396101]],
                               rtol=1e-7)
    a = rng.randn(2, 3, 5)
    q, lf = la.gelqf(_a(a, 'float32'))
    assert q.dtype == lf.dtype == np.float32 and q.shape == (2, 3, 5) and lf.shape == (2, 3, 3)
    q, lf = q.asnumpy(), lf.asnumpy()
    np.testing.assert_allclose(lf @ q, a, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(q @ np.swapaxes(q, 1, 2), np.broadcast_to(np.eye(3), (2, 3, 3)),
                               atol=1e-5)
    np.testing.assert_array_equal(np.triu(lf, 1), 0)
    # recorded with mxnet 1.9.1
    _, g = _grads(la.gelqf, [[[1., 2., 3.], [4., 5., 6.]]],
                  [[[1., 0., 2.], [0., 1., -1.]], [[1., 2.], [3., 4.]]])
    np.testing.assert_allclose(g[0], [[-9.111655893018757, -3.754259590865908, 4.292839229325542],
                                      [2.4351149794299483, -0.22152081331326157,
                                       -4.405681837708416]], rtol=1e-9)
    check_numeric_gradient(lambda x: la.gelqf(x)[0] * 2 + 3, [rng.randn(2, 3, 4)])
    check_numeric_gradient(lambda x: la.gelqf(x)[1], [rng.randn(3, 5)])


def test_syevd(rng):
    u, lam = la.syevd(_a([[[1., 2.], [2., 4.]], [[1., 2.], [2., 5.]]]))
    np.testing.assert_allclose(u.asnumpy(), [[[0.89442719, -0.4472136], [0.4472136, 0.89442719]],
                                             [[0.92387953, -0.38268343],
                                              [0.38268343, 0.92387953]]], rtol=1e-7)
    np.testing.assert_allclose(lam.asnumpy(), [[0., 5.], [0.17157288, 5.82842712]], atol=1e-8)
    s = _spd(rng, 4, (3,))
    u, lam = la.syevd(_a(s, 'float32'))
    assert u.dtype == lam.dtype == np.float32 and lam.shape == (3, 4)
    u, lam = u.asnumpy(), lam.asnumpy()
    np.testing.assert_allclose(u @ s, lam[..., None] * u, rtol=1e-4, atol=1e-3)
    assert (np.diff(lam, axis=-1) > 0).all()
    # MXNet's sign convention: each eigenvector's largest-magnitude entry is positive
    big = np.take_along_axis(u, np.abs(u).argmax(-1)[..., None], -1)
    assert (big > 0).all()
    _, g = _grads(la.syevd, [[[1., 2.], [2., 4.]]], [[[1., 2.], [3., 4.]], [0.5, -1.]])
    np.testing.assert_allclose(g[0], [[0.09266873708001008, -0.6804984471899924],
                                      [-0.6804984471899924, -0.59266873708001]], rtol=1e-9)
    w = rng.randn(4, 4)
    check_numeric_gradient(lambda x: la.syevd(_sym(x))[0] * _a(w) + 0, [s[0]], rtol=1e-5,
                           atol=1e-8)
    check_numeric_gradient(lambda x: la.syevd(_sym(x))[1], [s])


# ------------------------------------------------------------------ second order

def _first_grad(f, xs_np, heads):
    x = _a(xs_np)
    x.attach_grad()
    with autograd.record():
        ys = f(x)
        ys = ys if isinstance(ys, list) else [ys]
        s = sum(nd.sum(y * _a(h)) for y, h in zip(ys, heads))
    s.backward()
    return x.grad.asnumpy()


def _check_second_order(f, x0, rng, eps=1e-5):
    ys = f(_a(x0))
    ys = ys if isinstance(ys, list) else [ys]
    heads = [rng.randn(*y.shape) for y in ys]
    w = rng.randn(*x0.shape)
    x = _a(x0)
    x.attach_grad()
    with autograd.record():
        ys = f(x)
        ys = ys if isinstance(ys, list) else [ys]
        s = sum(nd.sum(y * _a(h)) for y, h in zip(ys, heads))
        g = autograd.grad(s, [x], create_graph=True)[0]
        z = nd.sum(g * _a(w))
    z.backward()
    num = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        xp, xm = x0.copy(), x0.copy()
        xp[i] += eps
        xm[i] -= eps
        num[i] = ((_first_grad(f, xp, heads) - _first_grad(f, xm, heads)) * w).sum() / (2 * eps)
    np.testing.assert_allclose(x.grad.asnumpy(), num, rtol=1e-6, atol=1e-7)


def test_second_order(rng):
    a = rng.randn(2, 2, 2) + 2 * np.eye(2)
    _check_second_order(lambda x: la.gemm(x, x * x, x, transpose_a=True, alpha=0.5, beta=2.),
                        a, rng)
    _check_second_order(lambda x: la.trsm(x, x * x, rightside=True, lower=False, alpha=0.7),
                        a, rng)
    _check_second_order(lambda x: la.trmm(x, x * x, transpose=True), a, rng)
    _check_second_order(lambda x: la.syrk(x, transpose=True) * x, a, rng)
    _check_second_order(lambda x: la.potrf(_sym(x)), _spd(rng, 2, (2,)), rng)
    _check_second_order(la.potri, a, rng)
    _check_second_order(la.det, a, rng)
    _check_second_order(lambda x: la.slogdet(x), a, rng)
    _check_second_order(la.inverse, a, rng)
    _check_second_order(la.sumlogdiag, _spd(rng, 2, (2,)), rng)
    _check_second_order(la.gelqf, rng.randn(2, 3), rng)
    _check_second_order(lambda x: la.syevd(_sym(x)), _spd(rng, 3), rng)
    _check_second_order(lambda x: la.maketrian(la.extracttrian(x, offset=-1) ** 2, offset=1),
                        a, rng)


# ------------------------------------------------------------------ out=, errors

def test_out():
    a = _a([[1., 2.], [3., 4.]], 'float32')
    o = nd.zeros((2, 2))
    r = la.gemm2(a, a, out=o)
    assert r is o
    np.testing.assert_allclose(o.asnumpy(), [[7., 10.], [15., 22.]])
    u, lam = nd.zeros((2, 2)), nd.zeros((2,))
    res = la.syevd(_a([[2., 0.], [0., 1.]], 'float32'), out=[u, lam])
    assert res[0] is u and res[1] is lam
    np.testing.assert_allclose(lam.asnumpy(), [1., 2.])
    with pytest.raises(DistGluError, match='list of 2'):
        la.syevd(a, out=u)


@pytest.mark.parametrize('call, match', [
    (lambda: la.gemm2(nd.ones((2, 3)), nd.ones((2, 3))), 'incompatible matrix dimensions'),
    (lambda: la.gemm2(nd.ones((2, 2, 3)), nd.ones((3, 3, 2))), 'same shape except'),
    (lambda: la.gemm2(nd.ones((3,)), nd.ones((3,))), 'at least 2 dimensions'),
    (lambda: la.gemm2(nd.ones((2, 2)), nd.ones((2, 2, 2))), 'same number of dimensions'),
    (lambda: la.gemm2(nd.ones((2, 3, 3)), nd.ones((2, 3, 3)), axis=-1), 'not the last axis'),
    (lambda: la.gemm(nd.ones((2, 3)), nd.ones((3, 2)), nd.ones((3, 3))), r'C must .*\(2, 2\)'),
    (lambda: la.gemm2(nd.ones((2, 2), dtype='int32'), nd.ones((2, 2), dtype='int32')),
     'float32 and float64 only'),
    (lambda: la.inverse(nd.ones((2, 2), dtype='float16')), 'float32 and float64 only'),
    (lambda: la.gemm2(nd.ones((2, 2)), nd.ones((2, 2), dtype='float64')), 'same dtype'),
    (lambda: la.gemm2(nd.ones((2, 2)), [[1, 2], [3, 4]]), 'expected an NDArray for B'),
    (lambda: la.inverse(nd.ones((2, 3))), 'square matrices'),
    (lambda: la.inverse(nd.array([[1., 2.], [2., 4.]])), 'singular'),
    (lambda: la.potrf(nd.array([[1., 2.], [2., 1.]])), 'not symmetric positive definite'),
    (lambda: la.trmm(nd.ones((3, 3)), nd.ones((2, 3))), 'incompatible matrix dimensions'),
    (lambda: la.trsm(nd.ones((3, 3)), nd.ones((3, 2)), rightside=True), 'has 2 columns'),
    (lambda: la.trsm(nd.array([[1., 0.], [1., 0.]]), nd.ones((2, 2))), 'singular'),
    (lambda: la.trsm(nd.ones((2, 3, 3)), nd.ones((3, 3, 2))), 'leading'),
    (lambda: la.extractdiag(nd.ones((3, 3)), offset=3), 'offset 3 is out of range'),
    (lambda: la.extracttrian(nd.ones((3, 4))), 'square matrices'),
    (lambda: la.maketrian(nd.ones((4,))), 'm\\*\\(m\\+1\\)/2 entries'),
    (lambda: la.gelqf(nd.ones((3, 2))), 'at least as many columns as rows'),
    (lambda: la.syrk(nd.ones((3,))), 'at least 2 dimensions'),
])
def test_errors(call, match):
    with pytest.raises(DistGluError, match=match):
        call()


@pytest.mark.skipif(distglu.num_gpus() == 0, reason='needs a GPU')
def test_gpu_matches_cpu(rng):
    ctx = distglu.gpu(0)
    s = _spd(rng, 3, (2,))
    a = rng.randn(2, 3, 3) + 3 * np.eye(3)
    for f in (la.potrf, la.inverse, la.det, lambda x: la.syevd(x)[0], lambda x: la.gelqf(x)[1],
              lambda x: la.trsm(x, x, lower=False), la.potri,
              lambda x: la.maketrian(la.extracttrian(x, offset=1), offset=1)):
        for m in (s, a):
            try:
                cpu = f(_a(m)).asnumpy()
            except DistGluError:
                continue
            gpu = f(nd.array(m, ctx=ctx, dtype='float64')).asnumpy()
            np.testing.assert_allclose(gpu, cpu, rtol=1e-8, atol=1e-10)
