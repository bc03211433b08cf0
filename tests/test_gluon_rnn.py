"""gluon.rnn: recurrent cells and fused layers, checked against NumPy references, against
each other (unrolled cells == fused layers given the same weights) and against values
recorded from MXNet 1.9.1."""
import re

import numpy as np
import pytest

import distglu as mx
from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.gluon import nn, rnn
from distglu.test_utils import check_numeric_gradient


def det(shape, seed):
    """Deterministic values (also used to record the MXNet references below)."""
    n = int(np.prod(shape))
    return (np.sin(np.arange(n) * 0.37 + seed) * 0.5).reshape(shape).astype(np.float32)


def fill(block, start=1):
    """Set every parameter to det(shape, k), k counting from ``start`` over the names
    sorted without the block's prefix (what the MXNet recording did)."""
    items = sorted(block.collect_params().items(), key=lambda kv: kv[0][len(block.prefix):])
    for i, (_, p) in enumerate(items):
        p.set_data(nd.array(det(p.shape, i + start)))
    return start + len(items)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------- values from MXNet 1.9.1
# Recorded with mxnet 1.9.1 (same det()/fill() weights); see each test for the setup.

MX_LSTM_OUT = np.array([
    -0.161464, -0.015243, -0.238138, -0.018604, -0.122671, -0.078129, -0.024319,
    -0.118040, 0.021452, -0.077076, -0.032615, -0.090242, 0.000000, 0.000000, 0.000000,
    0.000000, -0.013332, -0.094117, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000,
    0.000000]).reshape(3, 4, 2)

MX_LSTM_H = np.array([
    -0.024319, -0.118040, -0.032615, -0.090242, -0.013332, -0.094117]).reshape(3, 2)

MX_LSTM_C = np.array([
    -0.099496, -0.417684, -0.079158, -0.254071, -0.041319, -0.270630]).reshape(3, 2)

MX_BIGRU_OUT = np.array([
    0.018583, -0.212753, 0.477523, 0.480451, -0.034055, -0.201573, 0.312548, 0.312250,
    -0.205735, -0.100269, 0.338188, 0.215921, -0.247655, -0.120335, 0.345707, 0.223121,
    -0.183808, -0.264674, 0.168911, 0.072232, -0.139182, -0.264898, 0.345305, 0.317819,
    -0.109611, -0.264323, 0.358582, 0.381154, 0.000000, 0.000000, 0.000000, 0.000000,
    -0.269462, -0.139638, 0.082316, -0.045292, -0.279744, -0.166862, 0.099298,
    -0.048390, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000, 0.000000,
    0.000000]).reshape(4, 3, 4)

MX_BIGRU_S0 = np.array([
    -0.279744, -0.166862, -0.183808, -0.264674, -0.269462, -0.139638]).reshape(3, 2)

MX_BIGRU_S1 = np.array([
    0.477523, 0.480451, 0.312548, 0.312250, 0.338188, 0.215921]).reshape(3, 2)

MX_LAYER_LSTM_OUT = np.array([
    0.095027, 0.154930, 0.089759, 0.020710, 0.088812, 0.172690, 0.098740, 0.022524,
    0.142809, 0.240207, 0.094699, 0.028148, 0.148434, 0.244638, 0.078652, 0.017281,
    0.187098, 0.272613, 0.045777, 0.009099, 0.192907, 0.268964, 0.030909, 0.006371]).reshape(3, 2, 4)

MX_LAYER_LSTM_H = np.array([
    -0.071505, -0.093274, -0.176236, -0.062188, -0.059840, -0.059988, -0.153086,
    -0.152124, 0.187098, 0.272613, 0.192907, 0.268964, 0.089759, 0.020710, 0.098740,
    0.022524]).reshape(4, 2, 2)

MX_LAYER_LSTM_C = np.array([
    -0.172845, -0.265243, -0.337956, -0.149122, -0.153981, -0.172277, -0.362195,
    -0.309341, 0.317211, 0.534345, 0.331823, 0.513911, 0.214036, 0.056473, 0.247111,
    0.063271]).reshape(4, 2, 2)

MX_LAYER_GRU_OUT = np.array([
    0.219176, 0.164734, 0.354637, 0.258933, 0.443390, 0.320147, 0.239727, 0.174538,
    0.372494, 0.263231, 0.450835, 0.311274]).reshape(2, 3, 2)

MX_LAYER_GRU_H = np.array([
    -0.339237, -0.085003, -0.031929, -0.401232, 0.443390, 0.320147, 0.450835, 0.311274]).reshape(2, 2, 2)

MX_LAYER_RNN_OUT = np.array([
    0.381817, 0.354430, -0.173528, 0.046789, -0.120159, -0.069008, 0.403201, -0.052607,
    0.321454, 0.066591, 0.377105, -0.038935, 0.551013, 0.422677, -0.220142, 0.019659,
    0.861760, 0.725300, -0.624703, 0.094726, 0.848466, 0.673724, -0.483269, 0.016265]).reshape(3, 2, 4)


# ----------------------------------------------------------------- names, shapes, printing

def test_layer_parameter_names_and_shapes_as_mxnet():
    layer = rnn.LSTM(8, num_layers=2, bidirectional=True)
    assert re.match(r'lstm\d+_\Z', layer.prefix)
    p = layer.prefix
    got = [(k[len(p):], v.shape) for k, v in layer.collect_params().items()]
    assert got == [('l0_i2h_weight', (32, 0)), ('l0_h2h_weight', (32, 8)),
                   ('l0_i2h_bias', (32,)), ('l0_h2h_bias', (32,)),
                   ('r0_i2h_weight', (32, 0)), ('r0_h2h_weight', (32, 8)),
                   ('r0_i2h_bias', (32,)), ('r0_h2h_bias', (32,)),
                   ('l1_i2h_weight', (32, 16)), ('l1_h2h_weight', (32, 8)),
                   ('l1_i2h_bias', (32,)), ('l1_h2h_bias', (32,)),
                   ('r1_i2h_weight', (32, 16)), ('r1_h2h_weight', (32, 8)),
                   ('r1_i2h_bias', (32,)), ('r1_h2h_bias', (32,))]
    assert repr(layer) == 'LSTM(None -> 8, TNC, num_layers=2, bidirectional)'
    gru = rnn.GRU(8, input_size=3)
    assert re.match(r'gru\d+_\Z', gru.prefix)
    assert [(k[len(gru.prefix):], v.shape) for k, v in gru.collect_params().items()] == [
        ('l0_i2h_weight', (24, 3)), ('l0_h2h_weight', (24, 8)), ('l0_i2h_bias', (24,)),
        ('l0_h2h_bias', (24,))]
    assert repr(rnn.RNN(8, 2, 'tanh', dropout=0.5)) == \
        'RNN(None -> 8, TNC, num_layers=2, dropout=0.5)'
    proj = rnn.LSTM(8, projection_size=4, input_size=5)
    assert [(k[len(proj.prefix):], v.shape) for k, v in proj.collect_params().items()] == [
        ('l0_i2h_weight', (32, 5)), ('l0_h2h_weight', (32, 4)), ('l0_i2h_bias', (32,)),
        ('l0_h2h_bias', (32,)), ('l0_h2r_weight', (4, 8))]
    # LSTM layers and cells share MXNet's 'lstm' name counter
    a, b = rnn.LSTMCell(3), rnn.LSTM(3)
    assert int(b.prefix[4:-1]) == int(a.prefix[4:-1]) + 1


def test_cell_names_shapes_and_printing_as_mxnet():
    c = rnn.LSTMCell(5)
    assert re.match(r'lstm\d+_\Z', c.prefix)
    assert [(k[len(c.prefix):], v.shape) for k, v in c.collect_params().items()] == [
        ('i2h_weight', (20, 0)), ('h2h_weight', (20, 5)), ('i2h_bias', (20,)),
        ('h2h_bias', (20,))]
    assert repr(c) == 'LSTMCell(None -> 20)'
    assert repr(rnn.GRUCell(5, input_size=3)) == 'GRUCell(3 -> 15)'
    assert repr(rnn.RNNCell(4)) == 'RNNCell(None -> 4, tanh)'
    s = rnn.SequentialRNNCell()
    with s.name_scope():
        s.add(rnn.LSTMCell(4))
        s.add(rnn.DropoutCell(0.5))
        s.add(rnn.GRUCell(3))
    assert [k[len(s.prefix):] for k in s.collect_params()] == [
        'lstm0_i2h_weight', 'lstm0_h2h_weight', 'lstm0_i2h_bias', 'lstm0_h2h_bias',
        'gru0_i2h_weight', 'gru0_h2h_weight', 'gru0_i2h_bias', 'gru0_h2h_bias']
    assert repr(s) == ('SequentialRNNCell(\n(0): LSTMCell(None -> 16)\n'
                       '(1): DropoutCell(rate=0.5, axes=())\n(2): GRUCell(None -> 9)\n)')
    assert len(s) == 3 and isinstance(s[2], rnn.GRUCell)
    b = rnn.BidirectionalCell(rnn.LSTMCell(3), rnn.LSTMCell(3))
    assert b.prefix == '' and len(b.collect_params()) == 8
    assert repr(b) == ('BidirectionalCell(forward=LSTMCell(None -> 12), '
                       'backward=LSTMCell(None -> 12))')
    g = rnn.GRUCell(3)
    z = rnn.ZoneoutCell(g, 0.5, 0.5)
    assert z.prefix == g.prefix + 'zoneout'
    assert list(z.collect_params().keys()) == list(g.collect_params().keys())
    assert repr(z) == 'ZoneoutCell(p_out=0.5, p_state=0.5, GRUCell(None -> 9))'
    g2 = rnn.GRUCell(3)
    assert rnn.ResidualCell(g2).prefix == g2.prefix + 'residualcell'
    assert re.match(r'dropout\d+_\Z', rnn.DropoutCell(0.3).prefix)


def test_begin_state_and_state_info_shapes():
    s = rnn.SequentialRNNCell()
    s.add(rnn.LSTMCell(4))
    s.add(rnn.DropoutCell(0.5))
    s.add(rnn.GRUCell(3))
    assert s.state_info(2) == [{'shape': (2, 4), '__layout__': 'NC'},
                               {'shape': (2, 4), '__layout__': 'NC'},
                               {'shape': (2, 3), '__layout__': 'NC'}]
    st = s.begin_state(batch_size=2)
    assert [x.shape for x in st] == [(2, 4), (2, 4), (2, 3)]
    assert all(x.dtype == np.float32 and x.asnumpy().sum() == 0 for x in st)
    st = s.begin_state(batch_size=2, func=nd.ones, dtype='float64')
    assert all(x.dtype == np.float64 and (x.asnumpy() == 1).all() for x in st)
    b = rnn.BidirectionalCell(rnn.GRUCell(3), rnn.LSTMCell(2))
    assert [x.shape for x in b.begin_state(batch_size=5)] == [(5, 3), (5, 2), (5, 2)]
    lstm = rnn.LSTM(6, num_layers=3, bidirectional=True)
    assert lstm.state_info(4) == [
        {'shape': (6, 4, 6), '__layout__': 'LNC', 'dtype': 'float32'},
        {'shape': (6, 4, 6), '__layout__': 'LNC', 'dtype': 'float32'}]
    assert [x.shape for x in lstm.begin_state(4)] == [(6, 4, 6), (6, 4, 6)]
    assert [x.shape for x in rnn.LSTM(6, projection_size=2).begin_state(4)] == [
        (1, 4, 2), (1, 4, 6)]
    assert [x.shape for x in rnn.GRU(5, 2).begin_state(3)] == [(2, 3, 5)]
    assert [x.shape for x in rnn.RNN(5, bidirectional=True).begin_state(3)] == [(2, 3, 5)]
    z = rnn.ZoneoutCell(rnn.LSTMCell(3), 0.1, 0.1)
    assert [x.shape for x in z.begin_state(batch_size=2)] == [(2, 3), (2, 3)]


# ----------------------------------------------------------------- one step vs NumPy

def _step_inputs(n_in, h, gates, seed):
    x = det((4, n_in), seed)
    h0 = det((4, h), seed + 1)
    wi = det((gates * h, n_in), seed + 2)
    wh = det((gates * h, h), seed + 3)
    bi = det((gates * h,), seed + 4)
    bh = det((gates * h,), seed + 5)
    return x, h0, wi, wh, bi, bh


def _set_cell(cell, wi, wh, bi, bh):
    cell.initialize()
    cell.i2h_weight.shape = wi.shape
    cell.i2h_weight._finish_deferred_init()
    for p, v in ((cell.i2h_weight, wi), (cell.h2h_weight, wh), (cell.i2h_bias, bi),
                 (cell.h2h_bias, bh)):
        p.set_data(nd.array(v))


@pytest.mark.parametrize('act', ['tanh', 'relu'])
def test_rnn_cell_step_matches_numpy(act):
    x, h0, wi, wh, bi, bh = _step_inputs(3, 5, 1, 1)
    cell = rnn.RNNCell(5, activation=act, input_size=3)
    _set_cell(cell, wi, wh, bi, bh)
    out, st = cell(nd.array(x), [nd.array(h0)])
    a = x @ wi.T + bi + h0 @ wh.T + bh
    ref = np.tanh(a) if act == 'tanh' else np.maximum(a, 0)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    assert out.dtype == np.float32 and len(st) == 1
    np.testing.assert_array_equal(st[0].asnumpy(), out.asnumpy())


def test_lstm_cell_step_matches_numpy():
    x, h0, wi, wh, bi, bh = _step_inputs(3, 5, 4, 2)
    c0 = det((4, 5), 9)
    cell = rnn.LSTMCell(5)           # input_size deferred to the first step
    cell.initialize()
    cell(nd.array(x), [nd.array(h0), nd.array(c0)])
    assert cell.i2h_weight.shape == (20, 3)
    for p, v in ((cell.i2h_weight, wi), (cell.h2h_weight, wh), (cell.i2h_bias, bi),
                 (cell.h2h_bias, bh)):
        p.set_data(nd.array(v))
    out, (h, c) = cell(nd.array(x), [nd.array(h0), nd.array(c0)])
    a = x @ wi.T + bi + h0 @ wh.T + bh
    i, f, g, o = sigmoid(a[:, :5]), sigmoid(a[:, 5:10]), np.tanh(a[:, 10:15]), \
        sigmoid(a[:, 15:])
    c_ref = f * c0 + i * g
    h_ref = o * np.tanh(c_ref)
    np.testing.assert_allclose(out.asnumpy(), h_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.asnumpy(), h_ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.asnumpy(), c_ref, rtol=1e-5, atol=1e-6)


def test_gru_cell_step_matches_numpy():
    x, h0, wi, wh, bi, bh = _step_inputs(3, 5, 3, 3)
    cell = rnn.GRUCell(5, input_size=3)
    _set_cell(cell, wi, wh, bi, bh)
    out, (h,) = cell(nd.array(x), [nd.array(h0)])
    ai = x @ wi.T + bi
    ah = h0 @ wh.T + bh
    r = sigmoid(ai[:, :5] + ah[:, :5])
    z = sigmoid(ai[:, 5:10] + ah[:, 5:10])
    n = np.tanh(ai[:, 10:] + r * ah[:, 10:])
    ref = (1 - z) * n + z * h0
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(h.asnumpy(), out.asnumpy())


# ----------------------------------------------------------------- MXNet reference values

def test_lstm_cell_valid_length_matches_mxnet():
    # rnn.LSTMCell(2, input_size=3); x = det((3, 4, 3), 10); valid_length [4, 2, 1]
    c = rnn.LSTMCell(2, input_size=3)
    c.initialize()
    fill(c)
    out, (h, cst) = c.unroll(4, nd.array(det((3, 4, 3), 10)), layout='NTC',
                             merge_outputs=True, valid_length=nd.array([4, 2, 1]))
    np.testing.assert_allclose(out.asnumpy(), MX_LSTM_OUT, atol=2e-6)
    np.testing.assert_allclose(h.asnumpy(), MX_LSTM_H, atol=2e-6)
    np.testing.assert_allclose(cst.asnumpy(), MX_LSTM_C, atol=2e-6)


def test_bidirectional_cell_valid_length_matches_mxnet():
    # BidirectionalCell(GRUCell(2, input_size=3) x 2); x = det((4, 3, 3), 20), TNC
    lc, rc = rnn.GRUCell(2, input_size=3), rnn.GRUCell(2, input_size=3)
    b = rnn.BidirectionalCell(lc, rc)
    b.initialize()
    fill(rc, fill(lc, 1))
    x = nd.array(det((4, 3, 3), 20))
    vl = nd.array([4, 2, 3])
    out, states = b.unroll(4, x, layout='TNC', merge_outputs=True, valid_length=vl)
    np.testing.assert_allclose(out.asnumpy(), MX_BIGRU_OUT, atol=2e-6)
    np.testing.assert_allclose(states[0].asnumpy(), MX_BIGRU_S0, atol=2e-6)
    np.testing.assert_allclose(states[1].asnumpy(), MX_BIGRU_S1, atol=2e-6)
    # merge_outputs=None: a merged array with valid_length, a list without (as MXNet)
    out2, _ = b.unroll(4, x, layout='TNC', valid_length=vl)
    assert isinstance(out2, nd.NDArray)
    np.testing.assert_array_equal(out2.asnumpy(), out.asnumpy())
    out3, _ = b.unroll(4, x, layout='TNC')
    assert isinstance(out3, list) and len(out3) == 4 and out3[0].shape == (3, 4)
    # NTC with merge_outputs=None and valid_length (MXNet 1.9.1 fails in concat here)
    out4, _ = b.unroll(4, nd.swapaxes(x, 0, 1), layout='NTC', valid_length=vl)
    np.testing.assert_allclose(out4.asnumpy(), MX_BIGRU_OUT.transpose(1, 0, 2), atol=2e-6)


def test_fused_layers_match_mxnet():
    lstm = rnn.LSTM(2, num_layers=2, bidirectional=True, input_size=3)
    lstm.initialize()
    fill(lstm)
    out, (h, c) = lstm(nd.array(det((3, 2, 3), 30)), lstm.begin_state(2))
    np.testing.assert_allclose(out.asnumpy(), MX_LAYER_LSTM_OUT, atol=2e-6)
    np.testing.assert_allclose(h.asnumpy(), MX_LAYER_LSTM_H, atol=2e-6)
    np.testing.assert_allclose(c.asnumpy(), MX_LAYER_LSTM_C, atol=2e-6)
    gru = rnn.GRU(2, num_layers=2, input_size=3, layout='NTC')
    gru.initialize()
    fill(gru)
    out, (h,) = gru(nd.array(det((2, 3, 3), 40)), gru.begin_state(2))
    np.testing.assert_allclose(out.asnumpy(), MX_LAYER_GRU_OUT, atol=2e-6)
    np.testing.assert_allclose(h.asnumpy(), MX_LAYER_GRU_H, atol=2e-6)
    r = rnn.RNN(2, activation='tanh', bidirectional=True, input_size=3)
    r.initialize()
    fill(r)
    out = r(nd.array(det((3, 2, 3), 50)))
    assert isinstance(out, nd.NDArray) and out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), MX_LAYER_RNN_OUT, atol=2e-6)


# ----------------------------------------------------------------- unrolled == fused

_LAYERS = {'rnn_relu': lambda **kw: rnn.RNN(4, activation='relu', **kw),
           'rnn_tanh': lambda **kw: rnn.RNN(4, activation='tanh', **kw),
           'lstm': lambda **kw: rnn.LSTM(4, **kw),
           'gru': lambda **kw: rnn.GRU(4, **kw)}


def _random_fill(block, rng, scale=0.4):
    for p in block.collect_params().values():
        p.set_data(nd.array(rng.uniform(-scale, scale, size=p.shape).astype(np.float32)))


@pytest.mark.parametrize('mode', ['rnn_relu', 'rnn_tanh', 'lstm', 'gru'])
def test_unrolled_cells_equal_fused_layer(mode, rng):
    """2 layers, bidirectional: the fused layer and a stack of cells sharing its
    parameters (_unfuse) agree on outputs, final states and all gradients."""
    layer = _LAYERS[mode](num_layers=2, bidirectional=True, input_size=3, layout='NTC')
    layer.initialize()
    _random_fill(layer, rng)
    stack = layer._unfuse()
    assert set(stack.collect_params().keys()) == set(layer.collect_params().keys())
    n_states = 2 if mode == 'lstm' else 1
    x = nd.array(rng.standard_normal((3, 5, 3)).astype(np.float32))
    states = [nd.array(rng.standard_normal((4, 3, 4)).astype(np.float32) * 0.5)
              for _ in range(n_states)]
    params = list(layer.collect_params().values())
    for p in params:
        p.grad_req = 'write'
    w_out = nd.array(rng.standard_normal((3, 5, 8)).astype(np.float32))

    def run(fused):
        xv = x.copy()
        xv.attach_grad()
        sv = [s.copy() for s in states]
        for s in sv:
            s.attach_grad()
        with autograd.record():
            if fused:
                out, new = layer(xv, sv)
            else:
                # cell states: per layer, l_cell's then r_cell's
                cs = []
                for k in range(4):
                    cs.extend(s[k] for s in sv)
                out, new_c = stack.unroll(5, xv, begin_state=cs, layout='NTC',
                                          merge_outputs=True)
                new = [nd.stack(*new_c[j::n_states], axis=0) for j in range(n_states)]
            loss = (out * w_out).sum() + sum((s * s).sum() for s in new)
        loss.backward()
        return (out.asnumpy(), [s.asnumpy() for s in new], xv.grad.asnumpy(),
                [s.grad.asnumpy() for s in sv], [p.grad().asnumpy().copy() for p in params])

    f_out, f_states, f_dx, f_ds, f_dp = run(True)
    u_out, u_states, u_dx, u_ds, u_dp = run(False)
    assert f_out.shape == (3, 5, 8)
    np.testing.assert_allclose(f_out, u_out, rtol=1e-5, atol=1e-6)
    for a, b in zip(f_states, u_states):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(f_dx, u_dx, rtol=1e-4, atol=1e-5)
    for a, b in zip(f_ds, u_ds):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    for p, a, b in zip(params, f_dp, u_dp):
        assert np.abs(a).sum() > 0, p.name
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5, err_msg=p.name)


def test_layer_gradients_equal_flat_operator_for_write_add_and_trainer(rng):
    """The layers hand their parameters to the fused operator one by one (no flat copy)
    and its backward writes their gradients in place: every gradient must equal the
    matching slice of nd.RNN's gradient w.r.t. MXNet's flat vector, for grad_req 'write'
    (direct write), 'add' (accumulated) and after a Trainer step has moved the
    gradients into its flat buckets."""
    layer = rnn.LSTM(4, num_layers=2, bidirectional=True, input_size=3)
    layer.initialize()
    _random_fill(layer, rng)
    x = nd.array(rng.standard_normal((5, 2, 3)).astype(np.float32))
    w_out = nd.array(rng.standard_normal((5, 2, 8)).astype(np.float32))
    order = [getattr(layer, n[len(layer.prefix):] if n.startswith(layer.prefix) else n)
             for n in layer._fused_order]
    flat = nd.concat(*[p.data().reshape(-1) for p in order], dim=0)
    flat.attach_grad()
    zeros = nd.zeros((4, 2, 4))
    with autograd.record():
        y = nd.RNN(x, flat, zeros, zeros, state_size=4, num_layers=2, bidirectional=True,
                   mode='lstm')
        (y * w_out).sum().backward()
    g_flat = flat.grad.asnumpy()
    expected, off = [], 0
    for p in order:
        n = int(np.prod(p.shape))
        expected.append(g_flat[off:off + n].reshape(p.shape))
        off += n

    def backward():
        with autograd.record():
            loss = (layer(x) * w_out).sum()
        loss.backward()

    backward()
    for p, e in zip(order, expected):
        np.testing.assert_allclose(p.grad().asnumpy(), e, rtol=1e-5, atol=1e-6, err_msg=p.name)
    layer.collect_params().setattr('grad_req', 'add')
    layer.collect_params().zero_grad()
    backward()
    backward()
    for p, e in zip(order, expected):
        np.testing.assert_allclose(p.grad().asnumpy(), 2 * e, rtol=1e-5, atol=1e-6,
                                   err_msg=p.name)
    layer.collect_params().setattr('grad_req', 'write')
    trainer = gluon.Trainer(layer.collect_params(), 'sgd', {'learning_rate': 0.0})
    backward()
    trainer.step(1)            # lr 0: the weights stay, the gradients move to buckets
    layer.collect_params().zero_grad()
    backward()
    for p, e in zip(order, expected):
        np.testing.assert_allclose(p.grad().asnumpy(), e, rtol=1e-5, atol=1e-6, err_msg=p.name)


def test_hand_built_cells_equal_fused_lstm(rng):
    """Cells built by hand (not via _unfuse), weights copied from the layer."""
    layer = rnn.LSTM(3, num_layers=2, input_size=2)
    layer.initialize()
    _random_fill(layer, rng)
    stack = rnn.SequentialRNNCell()
    with stack.name_scope():
        c0 = rnn.LSTMCell(3, input_size=2)
        c1 = rnn.LSTMCell(3, input_size=3)
        stack.add(c0)
        stack.add(c1)
    stack.initialize()
    for k, cell in enumerate((c0, c1)):
        for name in ('i2h_weight', 'h2h_weight', 'i2h_bias', 'h2h_bias'):
            getattr(cell, name).set_data(getattr(layer, 'l%d_%s' % (k, name)).data())
    x = nd.array(rng.standard_normal((6, 2, 2)).astype(np.float32))   # TNC
    out_f = layer(x)
    out_c, st = stack.unroll(6, x, layout='TNC', merge_outputs=True)
    np.testing.assert_allclose(out_f.asnumpy(), out_c.asnumpy(), rtol=1e-5, atol=1e-6)
    assert [s.shape for s in st] == [(2, 3)] * 4
    # a list of per-step inputs and merge_outputs=False give per-step outputs
    steps = [x[t] for t in range(6)]
    outs, _ = stack.unroll(6, steps, merge_outputs=False)
    assert isinstance(outs, list) and len(outs) == 6
    np.testing.assert_allclose(outs[4].asnumpy(), out_f.asnumpy()[4], rtol=1e-5, atol=1e-6)


def test_sequence_length_layer_equals_cells_with_valid_length(rng):
    layer = rnn.GRU(3, num_layers=2, bidirectional=True, input_size=2,
                    use_sequence_length=True)
    layer.initialize()
    _random_fill(layer, rng)
    x = nd.array(rng.standard_normal((5, 3, 2)).astype(np.float32))
    vl = nd.array([5, 2, 4])
    out, (h,) = layer(x, layer.begin_state(3), vl)
    out_c, st = layer._unfuse().unroll(5, x, layout='TNC', merge_outputs=True,
                                       valid_length=vl)
    np.testing.assert_allclose(out.asnumpy(), out_c.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(h.asnumpy(), nd.stack(*st, axis=0).asnumpy(), rtol=1e-5,
                               atol=1e-6)
    assert (out.asnumpy()[2:, 1] == 0).all()


# ----------------------------------------------------------------- layouts, returns

def test_layer_layout_ntc_equals_tnc_and_returns(rng):
    a = rnn.LSTM(4, num_layers=2, input_size=3)
    b = rnn.LSTM(4, num_layers=2, input_size=3, layout='NTC')
    a.initialize()
    b.initialize()
    _random_fill(a, rng)
    for pa, pb in zip(a.collect_params().values(), b.collect_params().values()):
        pb.set_data(pa.data())
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    ya = a(nd.array(x))
    yb = b(nd.array(x.transpose(1, 0, 2)))
    assert ya.shape == (5, 2, 4) and yb.shape == (2, 5, 4)
    np.testing.assert_allclose(yb.asnumpy(), ya.asnumpy().transpose(1, 0, 2), rtol=1e-6,
                               atol=1e-7)
    res = a(nd.array(x), a.begin_state(2))
    assert isinstance(res, tuple) and len(res) == 2 and isinstance(res[1], list)
    assert [s.shape for s in res[1]] == [(2, 2, 4), (2, 2, 4)]
    # a single state array is accepted for RNN/GRU
    g = rnn.GRU(4, input_size=3)
    g.initialize()
    out, st = g(nd.array(x), nd.zeros((1, 2, 4)))
    assert out.shape == (5, 2, 4) and st[0].shape == (1, 2, 4)


def test_cell_unroll_layouts_and_merge(rng):
    cell = rnn.GRUCell(3, input_size=2)
    cell.initialize()
    _random_fill(cell, rng)
    x = rng.standard_normal((4, 5, 2)).astype(np.float32)       # NTC
    out_n, st_n = cell.unroll(5, nd.array(x), layout='NTC', merge_outputs=True)
    out_t, st_t = cell.unroll(5, nd.array(x.transpose(1, 0, 2)), layout='TNC',
                              merge_outputs=True)
    assert out_n.shape == (4, 5, 3) and out_t.shape == (5, 4, 3)
    np.testing.assert_allclose(out_n.asnumpy(), out_t.asnumpy().transpose(1, 0, 2),
                               rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(st_n[0].asnumpy(), out_n.asnumpy()[:, -1], rtol=1e-6)
    outs, _ = cell.unroll(5, nd.array(x), layout='NTC')
    assert isinstance(outs, list) and len(outs) == 5
    # stepping by hand gives the same outputs
    st = cell.begin_state(batch_size=4)
    for t in range(5):
        o, st = cell(nd.array(x[:, t]), st)
        np.testing.assert_allclose(o.asnumpy(), out_n.asnumpy()[:, t], rtol=1e-6)
    with pytest.raises(DistGluError, match='length=4'):
        cell.unroll(4, nd.array(x), layout='NTC', merge_outputs=False)


def test_residual_and_sequential_valid_length(rng):
    base = rnn.GRUCell(2, input_size=2)
    res = rnn.ResidualCell(base)
    res.initialize()
    _random_fill(res, rng)
    x = nd.array(rng.standard_normal((3, 4, 2)).astype(np.float32))
    vl = nd.array([4, 1, 3])
    out, st = res.unroll(4, x, merge_outputs=True, valid_length=vl)
    base._modified = False
    out_b, st_b = base.unroll(4, x, merge_outputs=True, valid_length=vl)
    base._modified = True
    masked_x = x.asnumpy() * (np.arange(4)[None, :] < vl.asnumpy()[:, None])[..., None]
    np.testing.assert_allclose(out.asnumpy(), out_b.asnumpy() + masked_x, rtol=1e-6)
    np.testing.assert_array_equal(st[0].asnumpy(), st_b[0].asnumpy())
    # the step form adds the input too
    o, _ = res(x[:, 0], res.begin_state(batch_size=3))
    np.testing.assert_allclose(o.asnumpy(), out.asnumpy()[:, 0], rtol=1e-6)
    with pytest.raises(DistGluError, match='modifier cell'):
        base.begin_state(batch_size=3)


# ----------------------------------------------------------------- dropout / zoneout

def test_dropout_only_in_training(rng):
    a = rnn.LSTM(8, num_layers=2, dropout=0.5, input_size=3)
    b = rnn.LSTM(8, num_layers=2, input_size=3)
    a.initialize()
    b.initialize()
    _random_fill(a, rng)
    for pa, pb in zip(a.collect_params().values(), b.collect_params().values()):
        pb.set_data(pa.data())
    x = nd.array(rng.standard_normal((4, 6, 3)).astype(np.float32))
    np.testing.assert_array_equal(a(x).asnumpy(), b(x).asnumpy())
    with autograd.record():
        ya = a(x)
    assert not np.allclose(ya.asnumpy(), b(x).asnumpy())
    # cells: DropoutCell zeros elements only in training; ZoneoutCell is its base outside
    d = rnn.DropoutCell(0.5)
    y = nd.ones((50, 40))
    np.testing.assert_array_equal(d(y, [])[0].asnumpy(), y.asnumpy())
    with autograd.train_mode():
        dy = d(y, [])[0].asnumpy()
        outs, _ = d.unroll(3, nd.ones((4, 3, 50)), merge_outputs=True)
    assert set(np.unique(dy)) == {0.0, 2.0}
    assert outs.shape == (4, 3, 50) and (outs.asnumpy() == 0).any()
    base = rnn.GRUCell(3, input_size=2)
    z = rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    z.initialize()
    xs = nd.array(rng.standard_normal((5, 4, 2)).astype(np.float32))
    oz, _ = z.unroll(4, xs, merge_outputs=True)
    base._modified = False
    ob, _ = base.unroll(4, xs, merge_outputs=True)
    base._modified = True
    np.testing.assert_array_equal(oz.asnumpy(), ob.asnumpy())
    with autograd.train_mode():
        oz_t, _ = z.unroll(4, xs, merge_outputs=True)
    assert not np.allclose(oz_t.asnumpy(), ob.asnumpy())
    # output zoneout alone leaves the base trajectory: a zoned-out unit keeps the previous
    # output (zeros before the first step)
    z.zoneout_states = 0.
    with autograd.train_mode():
        oz_t, _ = z.unroll(4, xs, merge_outputs=True)
    zt, bt = oz_t.asnumpy(), ob.asnumpy()
    prev = np.concatenate([np.zeros_like(zt[:, :1]), zt[:, :-1]], axis=1)
    assert (np.isclose(zt, bt) | np.isclose(zt, prev)).all()
    assert not np.allclose(zt, bt)


# ----------------------------------------------------------------- gradients

@pytest.mark.parametrize('cls,gates', [(rnn.LSTMCell, 4), (rnn.GRUCell, 3),
                                       (rnn.RNNCell, 1)])
def test_numeric_gradient_of_cell_unroll(cls, gates, rng):
    h, n_in, n, t_len = 3, 2, 2, 3
    cell = cls(h, input_size=n_in)
    n_states = len(cell.state_info())

    def fn(x, wi, wh, bi, bh):
        states = [nd.zeros((n, h), dtype=x.dtype)] * n_states
        outs = []
        for t in range(t_len):
            o, states = cell.hybrid_forward(nd, x[:, t], states, i2h_weight=wi,
                                            h2h_weight=wh, i2h_bias=bi, h2h_bias=bh)
            outs.append(o)
        return nd.stack(*outs, axis=1) * nd.array(np.arange(1, t_len + 1)[None, :, None],
                                                  dtype=x.dtype)

    inputs = [rng.standard_normal((n, t_len, n_in)),
              rng.uniform(-0.6, 0.6, (gates * h, n_in)),
              rng.uniform(-0.6, 0.6, (gates * h, h)),
              rng.uniform(-0.3, 0.3, (gates * h,)), rng.uniform(-0.3, 0.3, (gates * h,))]
    check_numeric_gradient(fn, inputs, rtol=1e-5, atol=1e-7)


def test_numeric_gradient_through_unroll_float64(rng):
    """unroll() itself (split, begin states in the input's dtype, SequenceMask/Last)."""
    cell = rnn.LSTMCell(2, input_size=3)
    cell.initialize()
    cell.cast('float64')
    vl = nd.array([3, 1], dtype='float64')

    def fn(x):
        out, (hn, cn) = cell.unroll(3, x, merge_outputs=True, valid_length=vl)
        return out.sum(axis=2) + (hn * cn).sum(axis=1, keepdims=True)

    check_numeric_gradient(fn, [rng.standard_normal((2, 3, 3))], rtol=1e-5, atol=1e-8)


# ----------------------------------------------------------------- deferred init, save/load

def test_deferred_input_size_and_save_load_mxnet_keys(tmp_path, rng):
    layer = rnn.LSTM(3, num_layers=2, bidirectional=True)
    layer.initialize()
    with pytest.raises(gluon.DeferredInitializationError):
        layer.l0_i2h_weight.data()
    x = nd.array(rng.standard_normal((4, 2, 5)).astype(np.float32))
    y = layer(x)
    assert y.shape == (4, 2, 6)
    assert layer.l0_i2h_weight.shape == (12, 5) and layer.r0_i2h_weight.shape == (12, 5)
    assert repr(layer) == 'LSTM(5 -> 3, TNC, num_layers=2, bidirectional)'
    f = str(tmp_path / 'lstm.params')
    layer.save_parameters(f)
    keys = list(nd.load(f).keys())
    assert keys[:5] == ['_unfused.0.l_cell.i2h_weight', '_unfused.0.l_cell.h2h_weight',
                        '_unfused.0.l_cell.i2h_bias', '_unfused.0.l_cell.h2h_bias',
                        '_unfused.0.r_cell.i2h_weight']
    assert len(keys) == 16 and '_unfused.1.r_cell.h2h_bias' in keys
    other = rnn.LSTM(3, num_layers=2, bidirectional=True)
    other.load_parameters(f)
    np.testing.assert_array_equal(other(x).asnumpy(), y.asnumpy())
    g = rnn.GRU(2, num_layers=2, input_size=3)
    g.initialize()
    g.save_parameters(f)
    assert sorted(nd.load(f).keys()) == sorted(
        '_unfused.%d.%s_%s' % (l, m, k) for l in range(2) for m in ('i2h', 'h2h')
        for k in ('weight', 'bias'))


def test_default_initializers():
    layer = rnn.LSTM(3, input_size=2)
    layer.initialize(mx.init.One())
    assert (layer.l0_i2h_weight.data().asnumpy() == 1).all()
    assert (layer.l0_i2h_bias.data().asnumpy() == 0).all()
    assert (layer.l0_h2h_bias.data().asnumpy() == 0).all()
    cell = rnn.GRUCell(3, input_size=2, h2h_bias_initializer='ones')
    cell.initialize(mx.init.One())
    assert (cell.h2h_weight.data().asnumpy() == 1).all()
    assert (cell.i2h_bias.data().asnumpy() == 0).all()
    assert (cell.h2h_bias.data().asnumpy() == 1).all()


# ----------------------------------------------------------------- errors

def test_errors():
    layer = rnn.GRU(4, input_size=3)
    layer.initialize()
    x = nd.ones((5, 2, 3))
    with pytest.raises(ValueError, match=r'Expecting \(1, 2, 4\), got \(1, 3, 4\)'):
        layer(x, nd.zeros((1, 3, 4)))
    with pytest.raises(DistGluError, match='Invalid recurrent state shape'):
        layer(x, nd.zeros((2, 2, 4)))
    with pytest.raises(DistGluError, match='expected inputs with 3 features'):
        layer(nd.ones((5, 2, 4)))
    with pytest.raises(DistGluError, match='Invalid layout'):
        rnn.LSTM(3, layout='CTN')
    with pytest.raises(DistGluError, match="'relu' or 'tanh'"):
        rnn.RNN(3, activation='sigmoid')
    b = rnn.BidirectionalCell(rnn.GRUCell(2), rnn.GRUCell(2))
    with pytest.raises(NotImplementedError, match='cannot be stepped'):
        b(nd.ones((2, 3)), b.begin_state(batch_size=2))
    with pytest.raises(DistGluError, match='zoneout'):
        rnn.ZoneoutCell(b)
    c = rnn.GRUCell(2)
    rnn.ZoneoutCell(c)
    with pytest.raises(DistGluError, match='already modified'):
        rnn.ResidualCell(c)
    with pytest.raises(DistGluError, match='rate must be a number'):
        rnn.DropoutCell('0.5')
    with pytest.raises(DistGluError, match='inputs=None'):
        rnn.GRUCell(2).unroll(3, None)


# ----------------------------------------------------------------- learning

def test_small_lstm_learns_a_periodic_sequence():
    """Predict the next value of sin: the error after a few steps of context falls to a
    small fraction of the signal's variance."""
    mx.random.seed(0)
    np.random.seed(0)
    data_rng = np.random.default_rng(0)

    class Net(gluon.HybridBlock):
        def __init__(self, **kw):
            super().__init__(**kw)
            with self.name_scope():
                self.lstm = rnn.LSTM(16, layout='NTC')
                self.out = nn.Dense(1, flatten=False)

        def hybrid_forward(self, F, x):
            return self.out(self.lstm(x))

    net = Net()
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), 'adam', {'learning_rate': 0.02})
    t_len, batch = 24, 16

    def sample():
        phase = data_rng.uniform(0, 2 * np.pi, size=(batch, 1))
        s = np.sin(0.5 * np.arange(t_len + 1)[None, :] + phase).astype(np.float32)
        return nd.array(s[:, :t_len, None]), nd.array(s[:, 1:, None])

    l2 = gluon.loss.L2Loss()
    x, y = sample()
    first = float(((net(x) - y) ** 2).mean().asscalar())
    for _ in range(200):
        x, y = sample()
        with autograd.record():
            loss = l2(net(x), y)
        loss.backward()
        trainer.step(batch)
    x, y = sample()
    err = (net(x) - y).asnumpy()[:, 4:]
    assert first > 0.1
    assert float((err ** 2).mean()) < 2e-3


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_layer_and_cells_on_gpu_match_cpu(rng):
    layer = rnn.LSTM(4, num_layers=2, bidirectional=True, input_size=3)
    layer.initialize(ctx=[mx.cpu(), mx.gpu(0)])
    _random_fill(layer, rng)
    x = rng.standard_normal((5, 2, 3)).astype(np.float32)
    y_cpu = layer(nd.array(x))
    xg = nd.array(x, ctx=mx.gpu(0))
    with autograd.record():
        y_gpu = layer(xg)
    y_gpu.backward()
    assert y_gpu.context == mx.gpu(0)
    np.testing.assert_allclose(y_gpu.asnumpy(), y_cpu.asnumpy(), rtol=1e-4, atol=1e-5)
    cell = rnn.GRUCell(3, input_size=3)
    cell.initialize(ctx=mx.gpu(0))
    out, st = cell.unroll(5, xg, layout='TNC', merge_outputs=True,
                          valid_length=nd.array([5, 2], ctx=mx.gpu(0)))
    assert out.context == mx.gpu(0) and st[0].shape == (2, 3)
