"""Convolution, Deconvolution, Pooling, UpSampling: loop references, MXNet values, grads."""
import itertools

import numpy as np
import pytest

import distglu
from distglu import nd, autograd
from distglu.base import DistGluError
from distglu.ndarray.ops import conv as conv_module
from distglu.test_utils import check_numeric_gradient


@pytest.fixture(params=['auto', 'wide', 'narrow'])
def row_mode(request, monkeypatch):
    """Run a test with the automatic choice, and with wide rows forced on and off."""
    if request.param == 'wide':
        monkeypatch.setattr(conv_module, '_WIDE_BUDGET', 1e9)
    elif request.param == 'narrow':
        monkeypatch.setattr(conv_module, '_WIDE_BUDGET', -1.0)
    return request.param


# ----------------------------------------------------------------------------- references
# Plain loops over output positions and kernel offsets (slow, obviously right).

def ref_conv(x, w, b, stride, dilate, pad, groups):
    nsp = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    n, c = x.shape[:2]
    f = w.shape[0]
    k = w.shape[2:]
    o = [(xp.shape[2 + i] - dilate[i] * (k[i] - 1) - 1) // stride[i] + 1 for i in range(nsp)]
    y = np.zeros((n, f) + tuple(o))
    cg, fg = c // groups, f // groups
    for fi in range(f):
        g = fi // fg
        for oi in np.ndindex(*o):
            for ki in np.ndindex(*k):
                idx = tuple(oi[i] * stride[i] + ki[i] * dilate[i] for i in range(nsp))
                patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + idx]   # (N, Cg)
                y[(slice(None), fi) + oi] += patch @ w[(fi, slice(None)) + ki]
    if b is not None:
        y += b.reshape((1, f) + (1,) * nsp)
    return y


def ref_deconv(x, w, b, stride, dilate, pad, adj, groups):
    nsp = x.ndim - 2
    n, c = x.shape[:2]
    fg = w.shape[1]
    f = fg * groups
    cg = c // groups
    k = w.shape[2:]
    i_sp = x.shape[2:]
    full = [stride[i] * (i_sp[i] - 1) + dilate[i] * (k[i] - 1) + 1 for i in range(nsp)]
    o = [full[i] - 2 * pad[i] + adj[i] for i in range(nsp)]
    big = [max(full[i], pad[i] + o[i]) for i in range(nsp)]
    y = np.zeros((n, f) + tuple(big))
    for ci in range(c):
        g = ci // cg
        for ii in np.ndindex(*i_sp):
            for ki in np.ndindex(*k):
                idx = tuple(ii[i] * stride[i] + ki[i] * dilate[i] for i in range(nsp))
                for fo in range(fg):
                    y[(slice(None), g * fg + fo) + idx] += x[(slice(None), ci) + ii] * \
                        w[(ci, fo) + ki]
    y = y[(slice(None), slice(None)) + tuple(slice(pad[i], pad[i] + o[i]) for i in range(nsp))]
    if b is not None:
        y = y + b.reshape((1, f) + (1,) * nsp)
    return y


def ref_pool(x, kernel, stride, pad, pool_type, convention='valid', count_include_pad=True,
             p_value=None):
    nsp = x.ndim - 2
    s_in = x.shape[2:]
    o = []
    for i in range(nsp):
        span = s_in[i] + 2 * pad[i] - kernel[i]
        o.append(span // stride[i] + 1 if convention == 'valid'
                 else int(np.ceil(span / stride[i])) + 1)
    y = np.zeros(x.shape[:2] + tuple(o))
    for oi in np.ndindex(*o):
        start = [oi[i] * stride[i] - pad[i] for i in range(nsp)]
        end = [min(start[i] + kernel[i], s_in[i] + pad[i]) for i in range(nsp)]
        pad_count = np.prod([end[i] - start[i] for i in range(nsp)])
        lo = [max(start[i], 0) for i in range(nsp)]
        hi = [min(end[i], s_in[i]) for i in range(nsp)]
        win = x[(slice(None), slice(None)) + tuple(slice(lo[i], hi[i]) for i in range(nsp))]
        win = win.reshape(x.shape[:2] + (-1,))
        if pool_type == 'max':
            v = win.max(axis=2)
        elif pool_type == 'sum':
            v = win.sum(axis=2)
        elif pool_type == 'avg':
            v = win.sum(axis=2) / (pad_count if count_include_pad else win.shape[2])
        else:
            s = (win ** p_value).sum(axis=2)
            v = np.cbrt(s) if p_value == 3 else s ** (1.0 / p_value)
        y[(slice(None), slice(None)) + oi] = v
    return y


def pat(shape, m, off, div):
    """The deterministic inputs the MXNet reference values were computed from."""
    return (np.arange(int(np.prod(shape))) % m - off).reshape(shape) / div


# ----------------------------------------------------------------------------- Convolution

CONV_CASES = [
    # (x shape, num_filter, kernel, stride, dilate, pad, groups)
    ((2, 3, 7), 4, (3,), (1,), (1,), (0,), 1),
    ((2, 4, 9), 6, (2,), (2,), (3,), (1,), 2),
    ((2, 3, 6, 7), 4, (3, 3), (1, 1), (1, 1), (1, 1), 1),
    ((1, 2, 7, 8), 3, (3, 2), (2, 3), (1, 1), (0, 1), 1),
    ((2, 4, 9, 8), 4, (3, 3), (2, 1), (2, 2), (2, 1), 2),
    ((2, 4, 5, 5), 8, (3, 3), (1, 1), (1, 1), (1, 1), 4),     # depthwise, multiplier 2
    ((2, 3, 5, 6), 5, (1, 1), (1, 1), (1, 1), (0, 0), 1),     # 1x1
    ((1, 2, 5, 6, 5), 4, (2, 3, 2), (1, 2, 2), (2, 1, 1), (1, 0, 1), 2),
    ((2, 2, 4, 4, 4), 2, (3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1), 1),
    ((2, 3, 6, 12), 2, (3, 3), (1, 1), (1, 2), (1, 2), 1),    # wide rows chosen
    ((1, 2, 3, 5, 12), 2, (1, 2, 3), (2, 1, 1), (1, 1, 1), (0, 1, 1), 1),
]


@pytest.mark.parametrize("xs,nf,k,s,d,p,g", CONV_CASES)
def test_convolution_matches_loops(rng, row_mode, xs, nf, k, s, d, p, g):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((nf, xs[1] // g) + k).astype(np.float32)
    b = rng.standard_normal(nf).astype(np.float32)
    y = nd.Convolution(nd.array(x), nd.array(w), nd.array(b), kernel=k, stride=s, dilate=d,
                       pad=p, num_filter=nf, num_group=g)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref_conv(x, w, b, s, d, p, g), rtol=1e-4,
                               atol=1e-4)
    y2 = nd.Convolution(data=nd.array(x), weight=nd.array(w), kernel=k, stride=s, dilate=d,
                        pad=p, num_filter=nf, num_group=g, no_bias=True)
    np.testing.assert_allclose(y2.asnumpy(), ref_conv(x, w, None, s, d, p, g), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_strided_views_stay_inside_their_buffers(rng, row_mode, monkeypatch, case):
    """Every as_strided window (wide rows read past the last row) lies in its buffer."""
    from numpy.lib.array_utils import byte_bounds
    real = conv_module._as_strided
    seen = []

    def checked(xp, a, shape, strides):
        v = real(xp, a, shape, strides)
        lo, hi = byte_bounds(a)
        vlo, vhi = byte_bounds(v)
        assert lo <= vlo and vhi <= hi, (shape, strides)
        seen.append(shape)
        return v
    monkeypatch.setattr(conv_module, '_as_strided', checked)
    xs, nf, k, s, d, p, g = CONV_CASES[case]
    x = nd.array(rng.standard_normal(xs))
    w = nd.array(rng.standard_normal((nf, xs[1] // g) + k))
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        y = nd.Convolution(x, w, kernel=k, stride=s, dilate=d, pad=p, num_filter=nf,
                           num_group=g, no_bias=True)
    y.backward()
    assert len(seen) >= 2


def test_convolution_defaults_and_float64(rng):
    x = rng.standard_normal((1, 2, 5, 5))
    w = rng.standard_normal((3, 2, 3, 3))
    b = np.zeros(3)
    y = nd.Convolution(nd.array(x, dtype='float64'), nd.array(w, dtype='float64'),
                       nd.array(b, dtype='float64'), kernel=(3, 3), num_filter=3)
    assert y.dtype == np.float64 and y.shape == (1, 3, 3, 3)
    np.testing.assert_allclose(y.asnumpy(), ref_conv(x, w, b, (1, 1), (1, 1), (0, 0), 1),
                               rtol=1e-12)
    # an int kernel is a 1-tuple, as MXNet
    y1 = nd.Convolution(nd.ones((1, 1, 5)), nd.ones((1, 1, 3)), kernel=3, num_filter=1,
                        no_bias=True)
    assert y1.asnumpy().tolist() == [[[3.0, 3.0, 3.0]]]


@pytest.mark.parametrize("case", [0, 4, 7, 9])
def test_convolution_gradients(rng, row_mode, case):
    xs, nf, k, s, d, p, g = CONV_CASES[case]
    x = rng.standard_normal(xs)
    w = rng.standard_normal((nf, xs[1] // g) + k)
    b = rng.standard_normal(nf)

    def fn(x_, w_, b_):
        return nd.Convolution(x_, w_, b_, kernel=k, stride=s, dilate=d, pad=p, num_filter=nf,
                              num_group=g)
    check_numeric_gradient(fn, [x, w, b], rtol=1e-5, atol=1e-7,
                           out_grad=rng.standard_normal(fn(*[nd.array(a) for a in
                                                             (x, w, b)]).shape))


def test_wide_rows_choice():
    geo = conv_module._Geometry((3, 3), (1, 1), (1, 1), (1, 1), 1, (28, 28), (28, 28), False)
    assert conv_module._Plan(geo, 16).wide              # few filters: copies dominate
    assert not conv_module._Plan(geo, 256).wide         # many filters: the GEMM dominates
    assert conv_module._Plan(geo, 16).o_ext == (28, 30)
    assert conv_module._Plan(geo, 16).tail == 2
    geo2 = conv_module._Geometry((3, 3), (2, 2), (1, 1), (1, 1), 1, (28, 28), (14, 14), False)
    assert not conv_module._Plan(geo2, 1).wide          # strided rows cannot merge


def test_convolution_gradient_dtypes_and_no_data_grad(rng):
    x = nd.array(rng.standard_normal((2, 3, 6, 6)))
    w = nd.array(rng.standard_normal((4, 3, 3, 3)))
    b = nd.array(rng.standard_normal(4))
    w.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = nd.Convolution(x, w, b, kernel=(3, 3), stride=(2, 2), pad=(1, 1), num_filter=4)
    y.backward()
    assert w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    np.testing.assert_allclose(b.grad.asnumpy(), np.full(4, 2 * 3 * 3, np.float32))
    # weight gradient of a summed output: sum over windows of the input
    xn = x.asnumpy().astype(np.float64)
    xpad = np.pad(xn, [(0, 0), (0, 0), (1, 1), (1, 1)])
    want = np.zeros((3, 3, 3))
    for i, j in itertools.product(range(3), range(3)):
        want[:, i, j] = xpad[:, :, i:i + 5:2, j:j + 5:2].sum(axis=(0, 2, 3))
    np.testing.assert_allclose(w.grad.asnumpy(), np.broadcast_to(want, (4, 3, 3, 3)),
                               rtol=1e-5, atol=1e-5)


def test_convolution_channel_last_layout(rng):
    x = rng.standard_normal((2, 3, 6, 5))
    b = rng.standard_normal(4)
    kw = dict(kernel=(3, 2), stride=(2, 1), pad=(1, 0), num_filter=4, num_group=1)
    w3 = rng.standard_normal((4, 3, 3, 2))
    want = ref_conv(x, w3, b, (2, 1), (1, 1), (1, 0), 1)
    xl = nd.array(x.transpose(0, 2, 3, 1))
    wl = nd.array(w3.transpose(0, 2, 3, 1))
    xl.attach_grad()
    wl.attach_grad()
    with autograd.record():
        y = nd.Convolution(xl, wl, nd.array(b), layout='NHWC', **kw)
    assert y.shape == (2, 3, 4, 4)
    np.testing.assert_allclose(y.asnumpy(), want.transpose(0, 2, 3, 1), rtol=1e-4, atol=1e-4)
    y.backward()
    xc = nd.array(x)
    wc = nd.array(w3)
    xc.attach_grad()
    wc.attach_grad()
    with autograd.record():
        yc = nd.Convolution(xc, wc, nd.array(b), **kw)
    yc.backward()
    np.testing.assert_allclose(xl.grad.asnumpy(), xc.grad.asnumpy().transpose(0, 2, 3, 1),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(wl.grad.asnumpy(), wc.grad.asnumpy().transpose(0, 2, 3, 1),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op,layout,xs,ws,kw", [
    ('Deconvolution', 'NHWC', (1, 4, 4, 5), (4, 2, 3, 2),
     dict(kernel=(3, 2), stride=(2, 1), pad=(1, 0), adj=(1, 0), num_filter=4, num_group=2)),
    ('Convolution', 'NWC', (2, 4, 7), (6, 2, 3), dict(kernel=(3,), stride=(2,), num_filter=6,
                                                       num_group=2, no_bias=True)),
    ('Convolution', 'NDHWC', (1, 2, 4, 5, 4), (3, 2, 2, 3, 2),
     dict(kernel=(2, 3, 2), pad=(1, 1, 0), num_filter=3, no_bias=True)),
])
def test_channel_last_matches_channel_first(rng, op, layout, xs, ws, kw):
    fn = getattr(nd, op)
    nsp = len(xs) - 2
    to_cl = (0,) + tuple(range(2, nsp + 2)) + (1,)
    x = rng.standard_normal(xs)
    w = rng.standard_normal(ws)
    res = []
    head = None
    for lay, tr in ((None, lambda a: a), (layout, lambda a: a.transpose(to_cl))):
        xv, wv = nd.array(tr(x)), nd.array(tr(w))
        xv.attach_grad()
        wv.attach_grad()
        with autograd.record():
            y = fn(xv, wv, layout=lay, **kw)
        if head is None:
            head = rng.standard_normal(y.shape)
        y.backward(nd.array(tr(head)))
        res.append((y.asnumpy(), xv.grad.asnumpy(), wv.grad.asnumpy()))
    (y0, gx0, gw0), (y1, gx1, gw1) = res
    np.testing.assert_allclose(y1, y0.transpose(to_cl), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gx1, gx0.transpose(to_cl), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(gw1, gw0.transpose(to_cl), rtol=1e-5, atol=1e-5)


def test_convolution_second_order(rng):
    """d/dw of ||d<conv(x, w), r>/dx||^2 via create_graph, against finite differences."""
    x0 = rng.standard_normal((1, 2, 5, 4))
    w0 = rng.standard_normal((4, 1, 2, 3))
    r = nd.array(rng.standard_normal((1, 4, 2, 4)), dtype='float64')
    kw = dict(kernel=(2, 3), stride=(2, 1), pad=(0, 1), num_filter=4, num_group=2,
              no_bias=True)

    def f(wv):
        x = nd.array(x0, dtype='float64')
        x.attach_grad()
        with autograd.record():
            y = nd.Convolution(x, nd.array(wv, dtype='float64'), **kw)
            h = (y * r).sum()
        gx = autograd.grad(h, [x])[0]
        return float((gx * gx).sum().asnumpy()[0])

    x = nd.array(x0, dtype='float64')
    w = nd.array(w0, dtype='float64')
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        y = nd.Convolution(x, w, **kw)
        h = (y * r).sum()
        gx = autograd.grad(h, [x], create_graph=True)[0]
        loss = (gx * gx).sum()
    loss.backward()
    num = np.zeros_like(w0)
    eps = 1e-6
    for i in np.ndindex(*w0.shape):
        wp, wm = w0.copy(), w0.copy()
        wp[i] += eps
        wm[i] -= eps
        num[i] = (f(wp) - f(wm)) / (2 * eps)
    np.testing.assert_allclose(w.grad.asnumpy(), num, rtol=1e-5, atol=1e-7)


def test_convolution_errors():
    x = nd.ones((2, 3, 5, 5))
    w = nd.ones((4, 3, 3, 3))
    b = nd.zeros(4)
    with pytest.raises(DistGluError, match=r"weight has shape \(4, 2, 3, 3\), expected "
                                           r"\(4, 3, 3, 3\)"):
        nd.Convolution(x, nd.ones((4, 2, 3, 3)), b, kernel=(3, 3), num_filter=4)
    with pytest.raises(DistGluError, match=r"expected \(5, 3, 3, 3\)"):
        nd.Convolution(x, w, nd.zeros(5), kernel=(3, 3), num_filter=5)
    with pytest.raises(DistGluError, match=r"weight has shape \(3, 3, 3, 3\), expected "
                                           r"\(3, 1, 3, 3\)"):
        nd.Convolution(x, nd.ones((3, 3, 3, 3)), nd.zeros(3), kernel=(3, 3), num_filter=3,
                       num_group=3)
    with pytest.raises(DistGluError, match=r"num_group=3 must divide .* num_filter \(4\)"):
        nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4, num_group=3)
    with pytest.raises(DistGluError, match=r"2-D kernel needs 4-D input .*got shape "
                                           r"\(2, 3, 25\)"):
        nd.Convolution(x.reshape((2, 3, 25)), w, b, kernel=(3, 3), num_filter=4)
    with pytest.raises(DistGluError, match="no_bias=False needs a bias"):
        nd.Convolution(x, w, kernel=(3, 3), num_filter=4)
    with pytest.raises(DistGluError, match="no_bias=True but a bias was given"):
        nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4, no_bias=True)
    with pytest.raises(DistGluError, match=r"bias has shape \(5,\), expected \(4,\)"):
        nd.Convolution(x, w, nd.zeros(5), kernel=(3, 3), num_filter=4)
    with pytest.raises(DistGluError, match="exceeds the padded input"):
        nd.Convolution(x, nd.ones((4, 3, 7, 7)), b, kernel=(7, 7), num_filter=4)
    with pytest.raises(DistGluError, match="stride must have as many values as kernel"):
        nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4, stride=(2,))
    with pytest.raises(DistGluError, match="num_filter argument is required"):
        nd.Convolution(x, w, b, kernel=(3, 3))
    with pytest.raises(DistGluError, match="kernel argument is required"):
        nd.Convolution(x, w, b, num_filter=4)
    with pytest.raises(DistGluError, match="dtype float32, got float64"):
        nd.Convolution(x, nd.ones((4, 3, 3, 3), dtype='float64'), b, kernel=(3, 3),
                       num_filter=4)
    with pytest.raises(DistGluError, match="layout 'NCW' does not fit"):
        nd.Convolution(x, w, b, kernel=(3, 3), num_filter=4, layout='NCW')


def test_convolution_context_checked_on_every_call():
    x = nd.ones((1, 2, 4, 4))
    b = nd.zeros(3)
    kw = dict(kernel=(3, 3), num_filter=3)
    y0 = nd.Convolution(x, nd.ones((3, 2, 3, 3)), b, **kw)       # caches this geometry
    # host contexts mix, as in MXNet (the result is on the data's context); host and GPU
    # contexts are refused by the same check (tests/test_ops_arith.py)
    y1 = nd.Convolution(x, nd.ones((3, 2, 3, 3), ctx=distglu.cpu(1)), b, **kw)
    y2 = nd.Convolution(x, nd.ones((3, 2, 3, 3)), nd.zeros(3, ctx=distglu.cpu(1)), **kw)
    for y in (y1, y2):
        assert y.context == distglu.cpu(0)
        np.testing.assert_array_equal(y.asnumpy(), y0.asnumpy())
    # list arguments are accepted (not cached)
    y = nd.Convolution(x, nd.ones((3, 2, 3, 3)), b, kernel=[3, 3], pad=[1, 1], num_filter=3)
    assert y.shape == (1, 3, 4, 4)


def test_convolution_out_argument(rng):
    x = nd.array(rng.standard_normal((1, 1, 4, 4)))
    w = nd.array(rng.standard_normal((2, 1, 2, 2)))
    o = nd.zeros((1, 2, 3, 3))
    r = nd.Convolution(x, w, kernel=(2, 2), num_filter=2, no_bias=True, out=o)
    assert r is o
    np.testing.assert_allclose(o.asnumpy(), ref_conv(x.asnumpy(), w.asnumpy(), None, (1, 1),
                                                     (1, 1), (0, 0), 1), rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- Deconvolution

DECONV_CASES = [
    # (x shape, num_filter, kernel, stride, dilate, pad, adj, groups)
    ((2, 3, 5), 2, (3,), (2,), (1,), (1,), (1,), 1),
    ((1, 4, 4), 6, (2,), (3,), (2,), (0,), (2,), 2),
    ((2, 2, 3, 4), 3, (3, 3), (2, 2), (1, 1), (1, 1), (1, 0), 1),
    ((1, 4, 3, 3), 4, (2, 3), (1, 2), (2, 1), (1, 0), (0, 1), 2),
    ((1, 3, 3, 2), 3, (3, 3), (2, 3), (1, 1), (0, 2), (1, 2), 3),
    ((1, 2, 2, 3, 2), 2, (2, 2, 3), (2, 1, 2), (1, 1, 1), (0, 1, 1), (1, 0, 0), 1),
    ((1, 3, 4, 9), 2, (2, 3), (1, 1), (1, 2), (1, 2), (0, 0), 1),
]


@pytest.mark.parametrize("xs,nf,k,s,d,p,a,g", DECONV_CASES)
def test_deconvolution_matches_loops(rng, row_mode, xs, nf, k, s, d, p, a, g):
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((xs[1], nf // g) + k).astype(np.float32)
    b = rng.standard_normal(nf).astype(np.float32)
    y = nd.Deconvolution(nd.array(x), nd.array(w), nd.array(b), kernel=k, stride=s, dilate=d,
                         pad=p, adj=a, num_filter=nf, num_group=g, no_bias=False)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), ref_deconv(x, w, b, s, d, p, a, g), rtol=1e-4,
                               atol=1e-4)


@pytest.mark.parametrize("case", [0, 3, 5, 6])
def test_deconvolution_gradients(rng, row_mode, case):
    xs, nf, k, s, d, p, a, g = DECONV_CASES[case]
    x = rng.standard_normal(xs)
    w = rng.standard_normal((xs[1], nf // g) + k)
    b = rng.standard_normal(nf)

    def fn(x_, w_, b_):
        return nd.Deconvolution(x_, w_, b_, kernel=k, stride=s, dilate=d, pad=p, adj=a,
                                num_filter=nf, num_group=g, no_bias=False)
    shape = fn(*[nd.array(v) for v in (x, w, b)]).shape
    check_numeric_gradient(fn, [x, w, b], rtol=1e-5, atol=1e-7,
                           out_grad=rng.standard_normal(shape))


# Values printed by MXNet 1.9.1 (native CPU operator) for the pat() inputs.
MX_DECONV_ADJ = np.array([[
    [[-0.666667, -0.166667, -0.583333, 0.75, 0.083333, 0.5, 0.166667],
     [0.166667, -0.666667, 0.333333, -1.333333, -0.666667, 0.916667, 0.083333],
     [0.25, 0., 0.333333, -0.25, 0.416667, -1.083333, -0.666667],
     [0.25, 0.75, -0.166667, -0.5, 0., 0., 0.166667],
     [-0.583333, 0.75, 0.083333, 0.5, 0.166667, 0.25, 0.25],
     [0.5, -0.833333, -0.5, 0.25, -0.333333, 0.166667, -0.166667]],
    [[-0.583333, -0.166667, -0.666667, -1.083333, 0.416667, -0.25, 0.333333],
     [0.25, 0.833333, 0.083333, 0.916667, -0.666667, -1.333333, 0.333333],
     [0.25, 0.25, 0.166667, 0.5, 0.083333, 0.75, -0.583333],
     [0.166667, 0., 0., -0.5, -0.166667, 0.75, 0.25],
     [-0.666667, -1.083333, 0.416667, -0.25, 0.333333, 0., 0.25],
     [0.416667, 0.666667, -0.166667, -0.5, -0.166667, -0.5, -0.166667]],
    [[0.333333, -0.166667, 0.5, -0.833333, -0.5, 0.25, -0.333333],
     [0.75, -0.166667, 0.666667, 0.25, 0.583333, -1.083333, -0.666667],
     [-0.166667, 0.083333, 0., 0., 0.166667, 0.5, 0.333333],
     [-0.75, 0.916667, -0.25, 0.75, -0.333333, -0.583333, 0.75],
     [0.5, -0.833333, -0.5, 0.25, -0.333333, 0.166667, -0.166667],
     [0.333333, 0.5, 0.166667, 0., 0., 0.083333, -0.166667]]]])

MX_DECONV_GROUP_DILATE = np.array([[
    [[0.583333, 0.583333, 0.166667, 0.333333, -0.25],
     [-0.666667, -1.416667, 0.166667, 0.416667, 0.583333],
     [-0.166667, -0.416667, -0.083333, -0.25, 0.],
     [0.083333, 0.5, 0.166667, 0.25, -0.166667]],
    [[0.166667, 0.583333, 0.583333, 0.416667, 0.166667],
     [-0.666667, 0.083333, -0.25, 0.333333, 0.166667],
     [-0.166667, -0.75, -0.416667, 0., 0.166667],
     [0.333333, 0.25, 0.083333, -0.25, -0.166667]]]])

MX_DECONV_TARGET = np.array([[[
    [-0.333333, 0.666667, -0.083333, 0.75, -0.416667, -0.333333, -0.166667, -0.333333],
    [-0.083333, -0.833333, -0.416667, 0.083333, -0.166667, 1., 0.083333, -0.166667],
    [0.083333, -0.166667, 0.333333, -0.083333, 0.583333, -0.583333, -0.333333, 0.833333],
    [-0.25, -0.666667, 0.583333, -0.333333, 0.25, 0., -0.083333, -0.166667],
    [-0.083333, 0.75, -0.416667, -0.333333, -0.166667, -0.25, 0.083333, -0.333333],
    [-0.25, 0.416667, 0.25, 0.25, 0.166667, 0.083333, 0.083333, 0.083333]]]])

MX_DECONV_1D_ADJ = np.array([
    [[0.25, 0.083333, 0.166667, 0.166667, 0.166667, -0.083333, 0.083333, 0.25, 0.25, 0.,
      -0.25, 0.],
     [-0.666667, 0.416667, 0.166667, -0.666667, 0.166667, 0.416667, -0.666667, -0.083333,
      -0.5, 0.5, 0.25, 0.]],
    [[0.166667, 0.166667, -0.083333, 0.083333, 0.25, 0.25, 0., -0.25, 0., -0.083333,
      -0.166667, 0.],
     [-0.666667, 0.166667, 0.416667, -0.666667, -0.083333, -0.5, 0.5, 0.25, -0.25, 0.5, 0.,
      0.]]])

MX_DECONV_3D = np.array([[
    [[[0.166667, -0.166667, 0., -0.166667]], [[0.083333, 0.166667, 0.166667, 0.]],
     [[-0.5, -0.166667, 0.5, 0.416667]], [[0.416667, -0.5, -0.666667, 0.5]]],
    [[[0.416667, 0.083333, 0.333333, 0.166667]], [[-0.5, 0.416667, -0.333333, 0.333333]],
     [[0.083333, 0.416667, -0.583333, -0.666667]], [[0.166667, 0.083333, 0.333333, -0.583333]]]
]])

MX_DECONV_BIAS_ADJ = np.array([[
    [[0.25, 0.25, -0.416667, -0.833333, -0.5, -0.75, -0.5],
     [-1.083333, -1.166667, -0.166667, -0.5, -0.416667, -0.416667, -0.5],
     [-0.333333, -0.416667, -0.5, -0.416667, -0.666667, -0.416667, -0.5]],
    [[-0.5, 0.75, -0.333333, 0.083333, -0.166667, 0., 0.],
     [0.75, -0.583333, -0.166667, 0.333333, 0.083333, 0.083333, 0.],
     [-0.166667, 0.166667, -0.083333, 0., 0., -0.166667, 0.]]]])

MX_DECONV = [
    ((1, 2, 3, 4), (2, 3, 3, 3), None,
     dict(kernel=(3, 3), num_filter=3, stride=(2, 2), adj=(1, 0), pad=(1, 1)), MX_DECONV_ADJ),
    ((1, 4, 2, 3), (4, 1, 2, 3), None,
     dict(kernel=(2, 3), num_filter=2, num_group=2, stride=(2, 1), dilate=(1, 2), pad=(0, 1)),
     MX_DECONV_GROUP_DILATE),
    ((1, 2, 3, 4), (2, 1, 3, 3), None,
     dict(kernel=(3, 3), num_filter=1, stride=(2, 2), target_shape=(6, 8)), MX_DECONV_TARGET),
    ((2, 2, 4), (2, 2, 3), None,
     dict(kernel=(3,), num_filter=2, stride=(3,), adj=(2,), pad=(1,)), MX_DECONV_1D_ADJ),
    ((1, 1, 2, 2, 2), (1, 2, 2, 2, 2), None,
     dict(kernel=(2, 2, 2), num_filter=2, stride=(2, 1, 2), pad=(0, 1, 0)), MX_DECONV_3D),
    ((1, 2, 2, 3), (2, 2, 2, 2), (2,),
     dict(kernel=(2, 2), num_filter=2, stride=(1, 2), no_bias=False, adj=(0, 1)),
     MX_DECONV_BIAS_ADJ),
]


@pytest.mark.parametrize("xs,ws,bs,kw,want", MX_DECONV)
def test_deconvolution_matches_mxnet(xs, ws, bs, kw, want):
    args = [nd.array(pat(xs, 7, 3, 4.)), nd.array(pat(ws, 5, 2, 3.))]
    if bs is not None:
        args.append(nd.array(pat(bs, 3, 1, 2.)))
    y = nd.Deconvolution(*args, **kw)
    assert y.shape == want.shape
    np.testing.assert_allclose(y.asnumpy(), want, atol=2e-6)


@pytest.mark.parametrize("kw,shape", [
    (dict(), (1, 3, 5, 6)),
    (dict(stride=(2, 2)), (1, 3, 7, 9)),
    (dict(stride=(2, 3), pad=(1, 1)), (1, 3, 5, 10)),
    (dict(stride=(2, 2), adj=(1, 1)), (1, 3, 8, 10)),
    (dict(stride=(2, 2), target_shape=(7, 8)), (1, 3, 7, 8)),
    (dict(stride=(2, 2), target_shape=(3, 3)), (1, 3, 3, 3)),
    (dict(stride=(2, 2), target_shape=(6, 8), pad=(5, 5), adj=(1, 1)), (1, 3, 6, 8)),
    (dict(stride=(2, 2), pad=(1, 1), adj=(1, 0), dilate=(2, 1)), (1, 3, 8, 7)),
])
def test_deconvolution_output_shapes_as_mxnet(kw, shape):
    y = nd.Deconvolution(nd.ones((1, 2, 3, 4)), nd.ones((2, 3, 3, 3)), kernel=(3, 3),
                         num_filter=3, **kw)
    assert y.shape == shape


def test_deconvolution_is_conv_data_gradient(rng):
    """<conv(x, w), g> == <x, deconv(g, w)> for the same geometry."""
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 2, 3, 2))
    kw = dict(kernel=(3, 2), stride=(2, 2), dilate=(1, 2), pad=(1, 1), num_group=2)
    y = nd.Convolution(nd.array(x), nd.array(w), num_filter=6, no_bias=True, **kw).asnumpy()
    g = rng.standard_normal(y.shape)
    adj = tuple((7 + 2 - 3) % 2 for _ in range(1)) + ((6 + 2 - 3) % 2,)
    dx = nd.Deconvolution(nd.array(g), nd.array(w), num_filter=4, adj=adj, **kw).asnumpy()
    assert dx.shape == x.shape
    np.testing.assert_allclose((y * g).sum(), (x * dx).sum(), rtol=1e-4)


def test_deconvolution_errors():
    x = nd.ones((1, 2, 3, 4))
    w = nd.ones((2, 3, 3, 3))
    with pytest.raises(DistGluError, match=r"weight has shape \(3, 2, 3, 3\), expected "
                                           r"\(2, 3, 3, 3\)"):
        nd.Deconvolution(x, nd.ones((3, 2, 3, 3)), kernel=(3, 3), num_filter=3)
    with pytest.raises(DistGluError, match="target_shape .* too big"):
        nd.Deconvolution(x, w, kernel=(3, 3), num_filter=3, stride=(2, 2),
                         target_shape=(8, 10))
    with pytest.raises(DistGluError, match="adj .* must be smaller than stride"):
        nd.Deconvolution(x, w, kernel=(3, 3), num_filter=3, stride=(2, 2), adj=(2, 2))
    with pytest.raises(DistGluError, match="no_bias=True but a bias was given"):
        nd.Deconvolution(x, w, nd.ones(3), kernel=(3, 3), num_filter=3)
    with pytest.raises(DistGluError, match=r"2-D kernel needs 4-D input"):
        nd.Deconvolution(nd.ones((1, 2, 3)), w, kernel=(3, 3), num_filter=3)


# ----------------------------------------------------------------------------- Pooling

POOL_CASES = [
    # (x shape, kernel, stride, pad)
    ((2, 3, 9), (3,), (2,), (1,)),
    ((2, 2, 7, 6), (3, 3), (2, 2), (1, 1)),
    ((1, 3, 6, 7), (2, 3), (2, 1), (0, 1)),
    ((1, 2, 8, 8), (2, 2), (2, 2), (0, 0)),
    ((1, 2, 5, 6, 7), (2, 3, 2), (2, 2, 3), (0, 1, 0)),
]


@pytest.mark.parametrize("xs,k,s,p", POOL_CASES)
@pytest.mark.parametrize("pool_type", ['max', 'avg', 'sum'])
@pytest.mark.parametrize("convention", ['valid', 'full'])
def test_pooling_matches_loops(rng, xs, k, s, p, pool_type, convention):
    x = rng.standard_normal(xs).astype(np.float32)
    for cip in ([True, False] if pool_type == 'avg' else [None]):
        y = nd.Pooling(nd.array(x), kernel=k, stride=s, pad=p, pool_type=pool_type,
                       pooling_convention=convention, count_include_pad=cip)
        assert y.dtype == np.float32
        want = ref_pool(x, k, s, p, pool_type, convention, cip is not False)
        np.testing.assert_allclose(y.asnumpy(), want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("p_value", [1, 2, 3])
def test_pooling_lp_matches_loops(rng, p_value):
    x = rng.uniform(0.2, 2, (2, 3, 6, 5)).astype(np.float32)
    y = nd.Pooling(nd.array(x), kernel=(2, 3), stride=(2, 1), pad=(0, 1), pool_type='lp',
                   p_value=p_value)
    np.testing.assert_allclose(y.asnumpy(), ref_pool(x, (2, 3), (2, 1), (0, 1), 'lp',
                                                     p_value=p_value), rtol=1e-5)


def test_pooling_default_stride_is_one():
    y = nd.Pooling(nd.ones((1, 1, 5, 5)), kernel=(2, 2))
    assert y.shape == (1, 1, 4, 4)


# MXNet 1.9.1 values: x = (arange(36) % 7 - 3).reshape(1, 1, 6, 6), kernel 3, stride 2, pad 1
MX_POOL_6X6 = {
    ('valid', 'max'): [[3, 0, 2], [3, 3, 1], [2, 3, 3]],
    ('valid', 'avg', True): [[-0.555556, -1., 0.333333], [0.888889, -0.666667, -1.],
                             [0.333333, 1.222222, -0.666667]],
    ('valid', 'avg', False): [[-1.25, -1.5, 0.5], [1.333333, -0.666667, -1.],
                              [0.5, 1.222222, -0.666667]],
    ('valid', 'sum'): [[-5, -9, 3], [8, -6, -9], [3, 11, -6]],
    ('full', 'max'): [[3, 0, 2, 2], [3, 3, 1, 1], [2, 3, 3, -1], [0, 2, 3, -3]],
    ('full', 'avg', True): [[-0.555556, -1., 0.333333, 0.5], [0.888889, -0.666667, -1., 0.],
                            [0.333333, 1.222222, -0.666667, -1.],
                            [-0.166667, 0.5, 0.333333, -0.75]],
    ('full', 'avg', False): [[-1.25, -1.5, 0.5, 1.5], [1.333333, -0.666667, -1., 0.],
                             [0.5, 1.222222, -0.666667, -2.], [-0.5, 1., 0.666667, -3.]],
    ('full', 'sum'): [[-5, -9, 3, 3], [8, -6, -9, 0], [3, 11, -6, -6], [-1, 3, 2, -3]],
}


@pytest.mark.parametrize("key", sorted(MX_POOL_6X6, key=str))
def test_pooling_matches_mxnet(key):
    x = nd.array((np.arange(36) % 7 - 3.0).reshape(1, 1, 6, 6))
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pooling_convention=key[0],
              pool_type=key[1])
    if len(key) == 3:
        kw['count_include_pad'] = key[2]
    y = nd.Pooling(x, **kw)
    np.testing.assert_allclose(y.asnumpy()[0, 0], np.array(MX_POOL_6X6[key]), atol=2e-6)
    if key[1] == 'avg' and key[2]:
        # count_include_pad defaults to True
        kw.pop('count_include_pad')
        np.testing.assert_allclose(nd.Pooling(x, **kw).asnumpy(), y.asnumpy())


def test_pooling_1d_full_and_lp_match_mxnet():
    x = nd.array(np.arange(1, 8, dtype=np.float32).reshape(1, 1, 7))
    kw = dict(kernel=(3,), stride=(3,), pooling_convention='full')
    assert nd.Pooling(x, pool_type='max', **kw).asnumpy().tolist() == [[[3, 6, 7]]]
    assert nd.Pooling(x, pool_type='avg', **kw).asnumpy().tolist() == [[[2, 5, 7]]]
    assert nd.Pooling(x, pool_type='sum', **kw).asnumpy().tolist() == [[[6, 15, 7]]]
    np.testing.assert_allclose(nd.Pooling(x, pool_type='lp', p_value=2, **kw).asnumpy(),
                               [[[3.741657, 8.774964, 7.]]], rtol=1e-6)
    # full convention with the kernel as large as input + pad
    y = nd.Pooling(nd.array(np.arange(5.).reshape(1, 1, 5)), kernel=(7,), pad=(1,),
                   pooling_convention='full')
    assert y.asnumpy().tolist() == [[[4.0]]]


def test_pooling_gradients_match_mxnet():
    # max: ties go to the first maximum in row-major window order
    x = nd.array([[[[1, 2, 2], [2, 0, 1], [2, 2, 2]]]])
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), pool_type='max')
    y.backward()
    assert x.grad.asnumpy()[0, 0].tolist() == [[0, 2, 0], [1, 0, 0], [0, 1, 0]]
    xv = np.array([[[-1., 2, -3, 0.5, 1.5, -2, 4]]])
    want = {1: [1, 1, 3, 2, 5, 3, 3],
            2: [-0.267261, 0.534522, -2.571087, 0.294884, 1.83865, -1.271997, 2.543995],
            3: [0.135721, 0.542883, 3.415441, 0.060943, 0.991996, 0.788458, 3.153834]}
    wanty = {1: [-2., -1., 3.5], 2: [3.741657, 3.391165, 4.71699],
             3: [-2.714418, -2.864327, 3.901227]}
    for p in (1, 2, 3):
        x = nd.array(xv)
        x.attach_grad()
        with autograd.record():
            y = nd.Pooling(x, kernel=(3,), stride=(2,), pool_type='lp', p_value=p)
        y.backward(nd.array([[[1, 2, 3]]]))
        np.testing.assert_allclose(y.asnumpy()[0, 0], wanty[p], rtol=1e-5)
        np.testing.assert_allclose(x.grad.asnumpy()[0, 0], want[p], rtol=1e-5, atol=1e-6)
    for cip, wy, wg in [(True, [0.333333, -0.166667, 0., 0.666667],
                         [0.333333, 1., 0.666667, 1.666667, 1., 2.333333, 1.333333]),
                        (False, [0.5, -0.166667, 0., 1.],
                         [0.5, 1.166667, 0.666667, 1.666667, 1., 3., 2.])]:
        x = nd.array(xv)
        x.attach_grad()
        with autograd.record():
            y = nd.Pooling(x, kernel=(3,), stride=(2,), pool_type='avg', pad=(1,),
                           pooling_convention='full', count_include_pad=cip)
        y.backward(nd.array([[[1, 2, 3, 4]]]))
        np.testing.assert_allclose(y.asnumpy()[0, 0], wy, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(x.grad.asnumpy()[0, 0], wg, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("pool_type", ['max', 'avg', 'sum', 'lp'])
@pytest.mark.parametrize("case", [0, 1, 4])
def test_pooling_numeric_gradients(rng, pool_type, case):
    xs, k, s, p = POOL_CASES[case]
    # distinct values keep max pooling away from ties; lp needs positive inputs for p=2
    x = rng.permutation(np.prod(xs)).reshape(xs) / np.prod(xs) + 0.5
    kw = dict(kernel=k, stride=s, pad=p, pool_type=pool_type, pooling_convention='full')
    if pool_type == 'lp':
        kw['p_value'] = 2
    if pool_type == 'avg':
        kw['count_include_pad'] = False

    def fn(x_):
        return nd.Pooling(x_, **kw)
    shape = fn(nd.array(x)).shape
    check_numeric_gradient(fn, [x], rtol=1e-5, atol=1e-7, out_grad=rng.standard_normal(shape))


@pytest.mark.parametrize("pool_type", ['max', 'avg', 'sum', 'lp'])
@pytest.mark.parametrize("xs", [(2, 3, 5), (2, 3, 4, 5), (1, 2, 3, 4, 2)])
def test_global_pooling(rng, pool_type, xs):
    x = rng.permutation(np.prod(xs)).reshape(xs) / np.prod(xs) + 0.5
    axes = tuple(range(2, len(xs)))
    ref = {'max': lambda a: a.max(axis=axes, keepdims=True),
           'avg': lambda a: a.mean(axis=axes, keepdims=True),
           'sum': lambda a: a.sum(axis=axes, keepdims=True),
           'lp': lambda a: np.sqrt((a * a).sum(axis=axes, keepdims=True))}[pool_type]
    # kernel, stride and pad are ignored
    y = nd.Pooling(nd.array(x), kernel=(1,) * len(axes), stride=(2,) * len(axes),
                   pad=(1,) * len(axes), global_pool=True, pool_type=pool_type, p_value=2)
    np.testing.assert_allclose(y.asnumpy(), ref(x), rtol=1e-5)
    check_numeric_gradient(lambda a: nd.Pooling(a, global_pool=True, pool_type=pool_type,
                                                p_value=2),
                           [x], rtol=1e-5, atol=1e-7, out_grad=rng.standard_normal(y.shape))


@pytest.mark.parametrize("pool_type", ['max', 'avg', 'lp'])
def test_pooling_channel_last(rng, pool_type):
    x = rng.uniform(0.1, 2, (2, 5, 6, 3)).astype(np.float32)
    kw = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type=pool_type, p_value=2)
    xl = nd.array(x)
    xl.attach_grad()
    with autograd.record():
        y = nd.Pooling(xl, layout='NHWC', **kw)
    want = ref_pool(x.transpose(0, 3, 1, 2), (3, 3), (2, 2), (1, 1), pool_type, p_value=2)
    np.testing.assert_allclose(y.asnumpy(), want.transpose(0, 2, 3, 1), rtol=1e-5)
    y.backward()
    xc = nd.array(x.transpose(0, 3, 1, 2))
    xc.attach_grad()
    with autograd.record():
        yc = nd.Pooling(xc, **kw)
    yc.backward()
    np.testing.assert_allclose(xl.grad.asnumpy(), xc.grad.asnumpy().transpose(0, 2, 3, 1))


def test_pooling_errors():
    x = nd.ones((1, 1, 5))
    with pytest.raises(DistGluError, match="kernel argument is required"):
        nd.Pooling(x)
    with pytest.raises(DistGluError, match=r"kernel \(7,\) exceeds the padded input"):
        nd.Pooling(x, kernel=(7,))
    with pytest.raises(DistGluError, match=r"2-D kernel needs 4-D input .*got shape "
                                           r"\(1, 1, 5\)"):
        nd.Pooling(x, kernel=(3, 3))
    with pytest.raises(DistGluError, match="needs p_value"):
        nd.Pooling(x, kernel=(3,), pool_type='lp')
    with pytest.raises(DistGluError, match="p_value must be 1, 2 or 3"):
        nd.Pooling(x, kernel=(3,), pool_type='lp', p_value=4)
    with pytest.raises(DistGluError, match="pool_type must be one of"):
        nd.Pooling(x, kernel=(3,), pool_type='median')
    with pytest.raises(DistGluError, match="pooling_convention must be"):
        nd.Pooling(x, kernel=(3,), pooling_convention='same')
    x2 = nd.ones((1, 1, 4, 4))
    x2.attach_grad()
    with autograd.record():
        y = nd.Pooling(x2, kernel=(2, 2)).sum()
        with pytest.raises(DistGluError, match="second-order gradients"):
            autograd.grad(y, [x2], create_graph=True)


# ----------------------------------------------------------------------------- UpSampling

def test_upsampling_nearest_matches_mxnet():
    a = nd.array(np.arange(12.).reshape(1, 2, 2, 3))
    y = nd.UpSampling(a, scale=2, sample_type='nearest')
    assert y.shape == (1, 2, 4, 6)
    np.testing.assert_array_equal(y.asnumpy(),
                                  np.repeat(np.repeat(a.asnumpy(), 2, axis=2), 2, axis=3))
    b = nd.array(np.arange(24.).reshape(1, 1, 4, 6))
    a.attach_grad()
    b.attach_grad()
    with autograd.record():
        y = nd.UpSampling(a, b, scale=2, sample_type='nearest', num_args=2)
    assert y.shape == (1, 3, 4, 6)
    np.testing.assert_array_equal(y.asnumpy()[0, 2], b.asnumpy()[0, 0])
    y.backward(nd.array(np.arange(72.).reshape(y.shape)))
    # MXNet 1.9.1's gradients
    assert a.grad.asnumpy().tolist() == [[[[14, 22, 30], [62, 70, 78]],
                                          [[110, 118, 126], [158, 166, 174]]]]
    np.testing.assert_array_equal(b.grad.asnumpy(), np.arange(48., 72.).reshape(1, 1, 4, 6))
    c = nd.array(np.arange(48.).reshape(1, 2, 4, 6))
    y = nd.UpSampling(a, c, scale=2, sample_type='nearest', multi_input_mode='sum')
    assert y.asnumpy()[0, 1, :2].tolist() == [[30, 31, 33, 34, 36, 37], [36, 37, 39, 40, 42, 43]]
    y = nd.UpSampling(c, a, scale=2, sample_type='nearest')
    assert y.shape == (1, 4, 8, 12)
    np.testing.assert_array_equal(
        y.asnumpy()[0, 2:], np.repeat(np.repeat(a.asnumpy()[0], 4, axis=1), 4, axis=2))


def test_upsampling_gradients(rng):
    a = rng.standard_normal((2, 2, 2, 3))
    c = rng.standard_normal((2, 2, 4, 6))
    for mode in ('concat', 'sum'):
        check_numeric_gradient(
            lambda p, q: nd.UpSampling(p, q, scale=2, sample_type='nearest',
                                       multi_input_mode=mode),
            [a, c], rtol=1e-6, atol=1e-8,
            out_grad=rng.standard_normal((2, 4 if mode == 'concat' else 2, 4, 6)))


def test_upsampling_bilinear_matches_mxnet(rng):
    a = nd.array(np.arange(6.).reshape(1, 1, 2, 3))
    w = nd.array(np.arange(16.).reshape(1, 1, 4, 4) / 10.)
    y = nd.UpSampling(a, w, scale=2, sample_type='bilinear', num_filter=1)
    np.testing.assert_allclose(y.asnumpy()[0, 0], [[0., 0.4, 0.5, 1.4, 1.7, 1.2],
                                                   [0.3, 1.4, 2.2, 3.4, 4.6, 3.],
                                                   [1.5, 4.6, 5.4, 8.2, 9.4, 5.8],
                                                   [2.7, 6.2, 6.9, 8., 8.9, 5.]], rtol=1e-5)
    x = nd.array(rng.standard_normal((1, 2, 2, 3)))
    y = nd.UpSampling(x, nd.array(rng.standard_normal((2, 1, 5, 5))), scale=3,
                      sample_type='bilinear', num_filter=2)
    assert y.shape == (1, 2, 6, 9)
    check_numeric_gradient(lambda p, q: nd.UpSampling(p, q, scale=3, sample_type='bilinear',
                                                      num_filter=2),
                           [rng.standard_normal((1, 2, 2, 3)),
                            rng.standard_normal((2, 1, 5, 5))], rtol=1e-5, atol=1e-7)


def test_upsampling_errors():
    a = nd.ones((1, 2, 2, 3))
    with pytest.raises(DistGluError, match=r"input 1 of spatial size \(3, 5\) does not divide"):
        nd.UpSampling(a, nd.ones((1, 1, 3, 5)), scale=2, sample_type='nearest')
    with pytest.raises(DistGluError, match="should be 4-D"):
        nd.UpSampling(nd.ones((1, 2, 3)), scale=2, sample_type='nearest')
    with pytest.raises(DistGluError, match="equal channels"):
        nd.UpSampling(a, nd.ones((1, 1, 4, 6)), scale=2, sample_type='nearest',
                      multi_input_mode='sum')
    with pytest.raises(DistGluError, match=r"expected \(2, 1, 4, 4\)"):
        nd.UpSampling(a, nd.ones((2, 1, 3, 3)), scale=2, sample_type='bilinear', num_filter=2)
    with pytest.raises(DistGluError, match="num_filter equal to the input channels"):
        nd.UpSampling(a, nd.ones((2, 1, 4, 4)), scale=2, sample_type='bilinear', num_filter=4)
    with pytest.raises(DistGluError, match="scale argument is required"):
        nd.UpSampling(a, sample_type='nearest')


@pytest.mark.parametrize("fn,shapes", [
    (lambda x: nd.Pooling(x, kernel=(3, 3), stride=(2, 2), pad=(1, 1)), [(2, 3, 7, 7)]),
    (lambda x: nd.Pooling(x, kernel=(3,), pool_type='avg', pad=(1,), count_include_pad=False,
                          pooling_convention='full', stride=(2,)), [(2, 3, 8)]),
    (lambda x: nd.Pooling(x, kernel=(2, 2), pool_type='lp', p_value=3), [(1, 2, 4, 4)]),
    (lambda x: nd.Pooling(x, global_pool=True, pool_type='avg'), [(2, 3, 4, 4)]),
    (lambda x, w: nd.Deconvolution(x, w, kernel=(3, 3), stride=(2, 2), num_filter=4,
                                   num_group=2), [(1, 2, 3, 3), (2, 2, 3, 3)]),
    (lambda x, w: nd.Convolution(x, w, kernel=(3, 3), num_filter=4, num_group=4,
                                 no_bias=True), [(1, 4, 5, 5), (4, 1, 3, 3)]),
    (lambda x, y: nd.UpSampling(x, y, scale=2, sample_type='nearest'),
     [(1, 2, 2, 2), (1, 1, 4, 4)]),
])
def test_float32_stays_float32(rng, fn, shapes):
    args = [nd.array(rng.uniform(0.5, 1.5, s)) for s in shapes]
    for a in args:
        a.attach_grad()
    with autograd.record():
        y = fn(*args)
    grads = autograd.grad(y, args)      # the gradients as computed, not cast into .grad
    assert y.dtype == np.float32 and y.asnumpy().dtype == np.float32
    assert [g.dtype for g in grads] == [np.float32] * len(args)


# ----------------------------------------------------------------------------- GPU

@pytest.mark.skipif(distglu.num_gpus() == 0, reason="needs a GPU")
def test_conv_pool_on_gpu(rng):
    ctx = distglu.gpu(0)
    x = rng.standard_normal((2, 4, 7, 6)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    kw = dict(kernel=(3, 3), stride=(2, 1), pad=(1, 1), dilate=(1, 2), num_filter=6,
              num_group=2)
    grads = []
    for c in (distglu.cpu(), ctx):
        xs, ws, bs = (nd.array(v, ctx=c) for v in (x, w, b))
        for v in (xs, ws, bs):
            v.attach_grad()
        with autograd.record():
            y = nd.Convolution(xs, ws, bs, **kw)
            z = nd.Pooling(y, kernel=(2, 2), pool_type='max', pooling_convention='full')
            u = nd.Deconvolution(z, nd.array(w[:, :1], ctx=c), kernel=(3, 3), stride=(2, 2),
                                 num_filter=2, num_group=2)
        u.backward()
        grads.append([u.asnumpy()] + [v.grad.asnumpy() for v in (xs, ws, bs)])
    for a, b_ in zip(*grads):
        np.testing.assert_allclose(a, b_, rtol=1e-4, atol=1e-4)


# ----------------------------------------------------------------------------- lowerings
# Convolution lowers through channel-last columns ('cl'), per-sample channel-first columns
# ('nb') or whole-batch channel-first columns ('cf', the one grouped convolutions use);
# each must give the same values and gradients, with wide rows on and off.

LOWERINGS = ['cl', 'nb', 'cf']


@pytest.fixture(params=[(low, rows) for low in LOWERINGS for rows in ('wide', 'narrow')],
                ids=lambda p: '%s-%s' % p)
def lowering(request, monkeypatch):
    """Force one lowering (grouped convolutions always take 'cf') and the row mode."""
    low, rows = request.param
    real = conv_module._lowering

    def forced(geo, c, *rest):
        real(geo, c, *rest)     # the real choice still runs (it must not fail)
        return low if geo.groups == 1 else 'cf'
    monkeypatch.setattr(conv_module, '_lowering', forced)
    monkeypatch.setattr(conv_module, '_WIDE_BUDGET', 1e9 if rows == 'wide' else -1.0)
    if rows == 'wide':      # per-sample columns take wide rows whenever allowed
        monkeypatch.setattr(conv_module, '_plan_nb', lambda geo, c, f: conv_module._Plan(geo, f))
    return low


def _conv_grads(x, w, b, head, **kw):
    xs, ws, bs = nd.array(x), nd.array(w), nd.array(b)
    for v in (xs, ws, bs):
        v.attach_grad()
    with autograd.record():
        y = nd.Convolution(xs, ws, bs, **kw)
    y.backward(nd.array(head))
    return y.asnumpy(), xs.grad.asnumpy(), ws.grad.asnumpy(), bs.grad.asnumpy()


def _ref_conv_grads(x, w, head, s, d, p, g):
    """Gradients of sum(conv(x, w) * head): one product per kernel offset and group."""
    nsp = x.ndim - 2
    xpad = np.pad(x, [(0, 0), (0, 0)] + [(q, q) for q in p])
    gx = np.zeros(xpad.shape)
    gw = np.zeros(w.shape)
    o = head.shape[2:]
    cg, fg = x.shape[1] // g, w.shape[0] // g
    for k in np.ndindex(*w.shape[2:]):
        win = (slice(None), slice(None)) + tuple(
            slice(k[i] * d[i], k[i] * d[i] + (o[i] - 1) * s[i] + 1, s[i]) for i in range(nsp))
        for j in range(g):
            cs, fs = slice(j * cg, (j + 1) * cg), slice(j * fg, (j + 1) * fg)
            hj = head[:, fs].reshape(len(x), fg, -1)
            xj = xpad[win][:, cs]
            gw[(fs, slice(None)) + k] = np.einsum('nfo,nco->fc', hj, xj.reshape(len(x), cg, -1))
            gx[win][:, cs] += np.einsum('nfo,fc->nco', hj,
                                        w[(fs, slice(None)) + k]).reshape(xj.shape)
    crop = (slice(None), slice(None)) + tuple(slice(q, q + n) for q, n in zip(p, x.shape[2:]))
    return gx[crop], gw


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_lowerings_match_loops(rng, lowering, case):
    xs, nf, k, s, d, p, g = CONV_CASES[case]
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal((nf, xs[1] // g) + k).astype(np.float32)
    b = rng.standard_normal(nf).astype(np.float32)
    want = ref_conv(x, w, b, s, d, p, g)
    head = rng.standard_normal(want.shape).astype(np.float32)
    y, gx, gw, gb = _conv_grads(x, w, b, head, kernel=k, stride=s, dilate=d, pad=p,
                                num_filter=nf, num_group=g)
    assert y.dtype == gx.dtype == gw.dtype == gb.dtype == np.float32
    np.testing.assert_allclose(y, want, rtol=1e-4, atol=1e-4)
    rgx, rgw = _ref_conv_grads(x.astype(np.float64), w.astype(np.float64), head, s, d, p, g)
    np.testing.assert_allclose(gx, rgx, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gw, rgw, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(gb, head.sum(axis=(0,) + tuple(range(2, head.ndim))),
                               rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", [0, 2, 3, 6, 8, 9])
def test_lowerings_numeric_gradients(rng, lowering, case):
    xs, nf, k, s, d, p, g = CONV_CASES[case]
    x = rng.standard_normal(xs)
    w = rng.standard_normal((nf, xs[1] // g) + k)
    b = rng.standard_normal(nf)

    def fn(x_, w_, b_):
        return nd.Convolution(x_, w_, b_, kernel=k, stride=s, dilate=d, pad=p, num_filter=nf,
                              num_group=g)
    check_numeric_gradient(fn, [x, w, b], rtol=1e-5, atol=1e-7,
                           out_grad=rng.standard_normal(fn(*[nd.array(a) for a in
                                                             (x, w, b)]).shape))


@pytest.mark.parametrize("case", range(len(DECONV_CASES)))
def test_lowerings_deconvolution(rng, lowering, case):
    xs, nf, k, s, d, p, a, g = DECONV_CASES[case]
    x = rng.standard_normal(xs)
    w = rng.standard_normal((xs[1], nf // g) + k)
    b = rng.standard_normal(nf)
    y = nd.Deconvolution(nd.array(x), nd.array(w), nd.array(b), kernel=k, stride=s, dilate=d,
                         pad=p, adj=a, num_filter=nf, num_group=g, no_bias=False)
    np.testing.assert_allclose(y.asnumpy(), ref_deconv(x, w, b, s, d, p, a, g), rtol=1e-4,
                               atol=1e-4)
    if case in (0, 2, 6):
        def fn(x_, w_):
            return nd.Deconvolution(x_, w_, kernel=k, stride=s, dilate=d, pad=p, adj=a,
                                    num_filter=nf, num_group=g)
        check_numeric_gradient(fn, [x, w], rtol=1e-5, atol=1e-7,
                               out_grad=rng.standard_normal(y.shape))


@pytest.mark.parametrize("case", range(len(CONV_CASES)))
def test_lowerings_strided_views_stay_inside_their_buffers(rng, lowering, monkeypatch, case):
    test_strided_views_stay_inside_their_buffers(rng, lowering, monkeypatch, case)


@pytest.mark.parametrize("layout,xs,ws,kw", [
    ('NHWC', (2, 6, 5, 8), (4, 3, 2, 8), dict(kernel=(3, 2), stride=(2, 1), pad=(1, 0),
                                              num_filter=4)),
    ('NWC', (2, 9, 6), (5, 3, 6), dict(kernel=(3,), dilate=(2,), num_filter=5, no_bias=True)),
    ('NDHWC', (1, 4, 5, 4, 3), (3, 2, 3, 2, 3), dict(kernel=(2, 3, 2), pad=(1, 1, 0),
                                                     num_filter=3, no_bias=True)),
])
def test_lowerings_channel_last_layout(rng, lowering, layout, xs, ws, kw):
    nsp = len(xs) - 2
    to_cf = (0, nsp + 1) + tuple(range(1, nsp + 1))
    x = rng.standard_normal(xs).astype(np.float32)
    w = rng.standard_normal(ws).astype(np.float32)
    b = rng.standard_normal(kw['num_filter']).astype(np.float32)
    args = [nd.array(x), nd.array(w)] + ([] if kw.get('no_bias') else [nd.array(b)])
    for v in args:
        v.attach_grad()
    with autograd.record():
        y = nd.Convolution(*args, layout=layout, **kw)
    head = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(nd.array(head))
    to_cl = (0,) + tuple(range(2, nsp + 2)) + (1,)
    want = ref_conv(x.transpose(to_cf), w.transpose(to_cf),
                    None if kw.get('no_bias') else b, kw.get('stride', (1,) * nsp),
                    kw.get('dilate', (1,) * nsp), kw.get('pad', (0,) * nsp), 1)
    assert y.asnumpy().flags.c_contiguous and args[0].grad.asnumpy().dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), want.transpose(to_cl), rtol=1e-4, atol=1e-4)
    rgx, rgw = _ref_conv_grads(x.transpose(to_cf).astype(np.float64),
                               w.transpose(to_cf).astype(np.float64), head.transpose(to_cf),
                               kw.get('stride', (1,) * nsp), kw.get('dilate', (1,) * nsp),
                               kw.get('pad', (0,) * nsp), 1)
    np.testing.assert_allclose(args[0].grad.asnumpy(), rgx.transpose(to_cl), rtol=1e-4,
                               atol=1e-4)
    np.testing.assert_allclose(args[1].grad.asnumpy(), rgw.transpose(to_cl), rtol=1e-4,
                               atol=1e-4)


def test_lowerings_second_order(rng, lowering):
    """create_graph through an ungrouped convolution, against finite differences."""
    x0 = rng.standard_normal((2, 3, 5, 4))
    w0 = rng.standard_normal((2, 3, 2, 3))
    r = nd.array(rng.standard_normal((2, 2, 2, 4)), dtype='float64')
    kw = dict(kernel=(2, 3), stride=(2, 1), pad=(0, 1), num_filter=2, no_bias=True)

    def grads(wv, create_graph):
        x = nd.array(x0, dtype='float64')
        w = nd.array(wv, dtype='float64')
        x.attach_grad()
        w.attach_grad()
        with autograd.record():
            h = (nd.Convolution(x, w, **kw) * r).sum()
            gx = autograd.grad(h, [x], create_graph=create_graph)[0]
            loss = (gx * gx).sum()
        return loss, w

    loss, w = grads(w0, True)
    loss.backward()
    num = np.zeros_like(w0)
    eps = 1e-6
    for i in np.ndindex(*w0.shape):
        wp, wm = w0.copy(), w0.copy()
        wp[i] += eps
        wm[i] -= eps
        num[i] = (float(grads(wp, False)[0].asnumpy()[0])
                  - float(grads(wm, False)[0].asnumpy()[0])) / (2 * eps)
    np.testing.assert_allclose(w.grad.asnumpy(), num, rtol=1e-5, atol=1e-7)


def test_lowering_choice():
    def geo(c_sp, o_sp, k=(5, 5), s=(1, 1), d=(1, 1), groups=1):
        return conv_module._Geometry(k, s, d, (0, 0), groups, c_sp, o_sp, False)
    lenet1 = geo((28, 28), (24, 24))
    lenet2 = geo((12, 12), (8, 8))
    assert conv_module._lowering(lenet1, 1) == 'nb'        # 5-element window rows
    assert conv_module._lowering(lenet2, 20) == 'cl'       # 100-element window rows
    assert conv_module._lowering(geo((12, 12), (8, 8), d=(1, 2)), 20) == 'nb'  # rows of C
    assert conv_module._lowering(lenet2, 64) == 'cl'
    assert conv_module._lowering(lenet2, 20, True) == 'cl'          # rows of 8
    wide_rows = geo((28, 28), (28, 28), k=(3, 3))
    assert conv_module._lowering(wide_rows, 64) == 'cl'
    assert conv_module._lowering(wide_rows, 64, True) == 'nb'      # rows of 28
    assert conv_module._lowering(geo((12, 12), (8, 8), groups=2), 20) == 'cf'
    # 1x1, stride 1, no padding: the input is its own (per-sample) columns
    assert conv_module._lowering(geo((7, 7), (7, 7), k=(1, 1)), 512) == 'nb'
    assert conv_module._lowering(geo((7, 7), (4, 4), k=(1, 1), s=(2, 2)), 512) == 'cl'
    assert not conv_module._Plan(geo((7, 7), (7, 7), k=(1, 1)), 1).wide
    # per-sample columns: wide rows only where the rows are short and the filters few
    assert not conv_module._plan_nb(lenet1, 1, 20).wide
    assert conv_module._plan_nb(geo((6, 6), (2, 2), k=(5, 5)), 1, 2).wide


# ----------------------------------------------------------------------------- max pooling
# The gradient goes to the first maximum of each window in row-major window order; the
# disjoint windows (stride >= kernel) take a path of their own.

def ref_max_pool_grad(x, g, kernel, stride, pad, convention='valid'):
    nsp = x.ndim - 2
    s_in = x.shape[2:]
    dx = np.zeros(x.shape)
    o = g.shape[2:]
    for oi in np.ndindex(*o):
        start = [oi[i] * stride[i] - pad[i] for i in range(nsp)]
        best = None
        for ki in np.ndindex(*kernel):
            pos = tuple(start[i] + ki[i] for i in range(nsp))
            if any(p < 0 or p >= s_in[i] for i, p in enumerate(pos)):
                continue
            v = x[(slice(None), slice(None)) + pos]
            if best is None:
                best, arg = v.copy(), np.array(np.broadcast_to(np.array(pos), v.shape + (nsp,)))
            else:
                better = v > best
                best = np.where(better, v, best)
                arg[better] = pos
        if best is None:        # a window wholly in the padding: its gradient is dropped
            continue
        for n, c in np.ndindex(*x.shape[:2]):
            dx[(n, c) + tuple(arg[n, c])] += g[(n, c) + oi]
    return dx


@pytest.mark.parametrize("xs,k,s,p,convention", [
    ((2, 3, 8, 8), (2, 2), (2, 2), (0, 0), 'valid'),      # windows tile the input
    ((2, 2, 9, 7), (2, 2), (2, 2), (0, 0), 'valid'),      # the last row/column is left out
    ((1, 3, 8, 7), (2, 2), (2, 2), (1, 0), 'full'),       # windows reach past the padding
    ((2, 2, 10, 9), (2, 3), (3, 3), (0, 1), 'valid'),     # gaps between windows
    ((1, 2, 7, 6), (3, 3), (2, 2), (1, 1), 'valid'),      # overlapping windows
    ((2, 2, 9), (3,), (3,), (0,), 'valid'),
    ((1, 2, 4, 6, 4), (2, 3, 2), (2, 3, 2), (0, 0, 0), 'valid'),
])
def test_max_pooling_gradient_goes_to_first_maximum(rng, xs, k, s, p, convention):
    # few distinct values: many ties, as after a ReLU
    x = np.maximum(rng.integers(-3, 3, xs), 0).astype(np.float32)
    xv = nd.array(x)
    xv.attach_grad()
    with autograd.record():
        y = nd.Pooling(xv, kernel=k, stride=s, pad=p, pool_type='max',
                       pooling_convention=convention)
    head = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(nd.array(head))
    assert xv.grad.dtype == np.float32
    np.testing.assert_allclose(xv.grad.asnumpy(),
                               ref_max_pool_grad(x, head, k, s, p, convention), rtol=1e-6)
    np.testing.assert_allclose(y.asnumpy(), ref_pool(x, k, s, p, 'max', convention))


def test_max_pooling_nan_windows_get_no_gradient():
    x = np.array([[[[1, np.nan, 2, 0], [0, 3, 5, 5]]]], dtype=np.float32)
    xv = nd.array(x)
    xv.attach_grad()
    with autograd.record():
        y = nd.Pooling(xv, kernel=(2, 2), stride=(2, 2), pool_type='max')
    y.backward(nd.array([[[[10, 20]]]]))
    assert np.isnan(y.asnumpy()[0, 0, 0, 0]) and y.asnumpy()[0, 0, 0, 1] == 5
    assert xv.grad.asnumpy()[0, 0].tolist() == [[0, 0, 0, 0], [0, 0, 20, 0]]


@pytest.mark.parametrize("k,s,p", [((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1))])
def test_max_pooling_gradient_without_recorded_indices(rng, k, s, p):
    """The backward finds the first maxima itself when the forward kept none."""
    from distglu.ndarray.ops import pool as pool_module
    x = np.maximum(rng.integers(-2, 3, (2, 3, 7, 6)), 0).astype(np.float32)
    xv = nd.array(x)
    xv.attach_grad()
    with autograd.record():
        y = nd.Pooling(xv, kernel=k, stride=s, pad=p, pool_type='max')
    head = rng.standard_normal(y.shape).astype(np.float32)
    y.backward(nd.array(head))
    spec = pool_module._pool_spec(xv, k, 'max', False, 'valid', s, p, None, None, None)
    dx = pool_module._pool_grad(np, head, x, y.asnumpy(), spec)
    np.testing.assert_array_equal(dx, xv.grad.asnumpy())
    np.testing.assert_allclose(dx, ref_max_pool_grad(x, head, k, s, p), rtol=1e-6)


# ----------------------------------------------------------------------------- GPU

@pytest.mark.skipif(distglu.num_gpus() == 0, reason="needs a GPU")
@pytest.mark.parametrize("low", LOWERINGS)
def test_lowerings_on_gpu(rng, monkeypatch, low):
    monkeypatch.setattr(conv_module, '_lowering', lambda geo, c, *rest: low if geo.groups == 1
                        else 'cf')
    x = rng.standard_normal((3, 8, 9, 7)).astype(np.float32)
    w = rng.standard_normal((6, 8, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    kw = dict(kernel=(3, 3), pad=(1, 0), num_filter=6)
    res = []
    for c in (distglu.cpu(), distglu.gpu(0)):
        xs, ws, bs = (nd.array(v, ctx=c) for v in (x, w, b))
        for v in (xs, ws, bs):
            v.attach_grad()
        with autograd.record():
            y = nd.Convolution(xs, ws, bs, **kw)
            z = nd.Pooling(y, kernel=(2, 2), stride=(2, 2), pool_type='max')
            u = nd.Deconvolution(z, nd.array(w[:, :4], ctx=c), kernel=(3, 3), stride=(2, 2),
                                 num_filter=4)
        u.backward()
        res.append([u.asnumpy()] + [v.grad.asnumpy() for v in (xs, ws, bs)])
    for a, b_ in zip(*res):
        np.testing.assert_allclose(a, b_, rtol=1e-4, atol=1e-4)
