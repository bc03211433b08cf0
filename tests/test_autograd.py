"""autograd: recording scopes, backward semantics, grad, second order, Function, errors."""
import numpy as np
import pytest

from distglu import nd, autograd
from distglu.base import DistGluError

NOT_IN_GRAPH = 'Cannot differentiate node because it is not in a computational graph'
INPLACE = 'Assigning to NDArrays that are already in a computational graph'


def test_scopes_and_flags():
    assert not autograd.is_recording() and not autograd.is_training()
    with autograd.record():
        assert autograd.is_recording() and autograd.is_training()
        with autograd.pause():
            assert not autograd.is_recording() and not autograd.is_training()
        with autograd.predict_mode():
            assert autograd.is_recording() and not autograd.is_training()
    with autograd.record(train_mode=False):
        assert autograd.is_recording() and not autograd.is_training()
    with autograd.train_mode():
        assert autograd.is_training() and not autograd.is_recording()
    assert autograd.set_recording(True) is False
    assert autograd.set_recording(False) is True
    assert autograd.set_training(True) is False
    assert autograd.set_training(False) is True


def test_nonscalar_head_is_summed_and_head_grads_scale():
    x = nd.array([1., 2., 3.])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 4, 6])
    with autograd.record():
        y = x * x
    y.backward(nd.array([1., 0.5, 2.]))
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 2, 12])


def test_variable_used_twice_accumulates():
    x = nd.array([2.])
    x.attach_grad()
    with autograd.record():
        y = x * x + x * 3 + nd.exp(x) * x
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2 * 2 + 3 + np.exp(2) * 3], rtol=1e-6)


def test_grad_req_add_and_write():
    x = nd.array([1., 2.])
    x.attach_grad(grad_req='add')
    for _ in range(3):
        with autograd.record():
            y = x * 2
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [6, 6])
    x.attach_grad(grad_req='write')
    for _ in range(3):
        with autograd.record():
            y = x * 2
        y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 2])


def test_grad_req_null_leaves_grad_alone():
    x = nd.array([1., 2.])
    x.attach_grad(grad_req='null')
    w = nd.array([1., 1.])
    w.attach_grad()
    with autograd.record():
        y = x * w
    y.backward()
    np.testing.assert_allclose(w.grad.asnumpy(), [1, 2])


def test_blocked_variable_gets_zero_and_unreached_is_untouched():
    # recorded values from MXNet 1.9.1
    a = nd.ones(3)
    a.attach_grad()
    b = nd.ones(3)
    b.attach_grad()
    b.grad[:] = 5
    z = nd.ones(3)
    z.attach_grad()
    z.grad[:] = 5
    with autograd.record():
        y = a * 2 + nd.stop_gradient(b)
    y.backward()
    assert a.grad.asnumpy().tolist() == [2, 2, 2]
    assert b.grad.asnumpy().tolist() == [0, 0, 0]
    assert z.grad.asnumpy().tolist() == [5, 5, 5]


def test_backward_errors_match_mxnet():
    x = nd.array([1., 2.])
    with pytest.raises(DistGluError, match=NOT_IN_GRAPH):
        x.backward()
    x.attach_grad()
    y = x * 2  # not recorded
    with pytest.raises(DistGluError, match=NOT_IN_GRAPH):
        y.backward()
    with autograd.record():
        y = x * 2
    y.backward()
    with pytest.raises(DistGluError, match='retain_graph=True'):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        y = nd.sin(x) * x
    y.backward(retain_graph=True)
    g1 = x.grad.asnumpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), g1)


def test_inplace_in_record_raises_mxnet_message():
    x = nd.ones(3)
    x.attach_grad()
    with autograd.record():
        with pytest.raises(DistGluError, match=INPLACE):
            x += 1
        y = x * 2
        with pytest.raises(DistGluError, match=INPLACE):
            y *= 2
        with pytest.raises(DistGluError, match=INPLACE):
            nd.relu(x, out=y)
    # allowed outside record
    x += 1
    assert x.asnumpy().tolist() == [2, 2, 2]


def test_inplace_on_fresh_array_in_record_joins_graph():
    x = nd.array([1., 2.])
    x.attach_grad()
    acc = nd.zeros(2)
    with autograd.record():
        acc += x * 3
        loss = acc * 2
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [6, 6])


def test_autograd_backward_function_multiple_heads():
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        a = x * 2
        b = x * x
    autograd.backward([a, b], [nd.ones(2), nd.array([1., 10.])])
    np.testing.assert_allclose(x.grad.asnumpy(), [2 + 2, 2 + 40])


def test_grad_returns_new_arrays_and_zero_for_unreached():
    a = nd.array([1., 2.])
    a.attach_grad()
    b = nd.array([3., 4.])
    b.attach_grad()
    with autograd.record():
        y = a * a
    ga, gb = autograd.grad(y, [a, b])
    np.testing.assert_allclose(ga.asnumpy(), [2, 4])
    np.testing.assert_allclose(gb.asnumpy(), [0, 0])
    assert a.grad.asnumpy().tolist() == [0, 0]  # .grad untouched
    with autograd.record():
        y = a * a
    g = autograd.grad(y, a)
    assert isinstance(g, nd.NDArray)


def test_second_order_gradients():
    x = nd.array([1., 2., 0.5])
    x.attach_grad()
    with autograd.record():
        y = x * x * x + nd.sin(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
    np.testing.assert_allclose(g.asnumpy(), 3 * x.asnumpy() ** 2 + np.cos(x.asnumpy()),
                               rtol=1e-6)
    g.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 6 * x.asnumpy() - np.sin(x.asnumpy()),
                               rtol=1e-5)


@pytest.mark.parametrize('fn,d2', [
    (nd.exp, np.exp), (nd.log, lambda v: -1 / v ** 2), (nd.tanh, lambda v: -2 * np.tanh(v) *
                                                         (1 - np.tanh(v) ** 2)),
    (nd.sigmoid, lambda v: (1 / (1 + np.exp(-v))) * (1 - 1 / (1 + np.exp(-v))) *
     (1 - 2 / (1 + np.exp(-v)))),
    (nd.sqrt, lambda v: -0.25 * v ** -1.5), (nd.reciprocal, lambda v: 2 / v ** 3),
    (nd.cos, lambda v: -np.cos(v))])
def test_second_order_unary(fn, d2):
    v = np.array([0.5, 1.5, 2.0])
    x = nd.array(v, dtype='float64')
    x.attach_grad()
    with autograd.record():
        y = fn(x)
        g = autograd.grad(y, [x], create_graph=True)[0]
    g.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), d2(v), rtol=1e-6)


def test_detach_and_stop_gradient():
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        y = x.detach() * x
        z = nd.BlockGrad(x) * x
        s = y + z
    s.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 4])


def test_mark_variables():
    x = nd.array([1., 2.])
    gx = nd.zeros(2)
    autograd.mark_variables([x], [gx])
    with autograd.record():
        y = x * 3
    y.backward()
    np.testing.assert_allclose(gx.asnumpy(), [3, 3])
    assert x.grad is gx
    with pytest.raises(DistGluError, match='as many'):
        autograd.mark_variables([x], [gx, gx])


def test_integer_arrays_cannot_have_gradients():
    x = nd.array([1, 2], dtype='int32')
    with pytest.raises(DistGluError, match='floating-point'):
        x.attach_grad()


def test_custom_function():
    class Sigmoid(autograd.Function):
        def forward(self, x):
            y = 1 / (1 + nd.exp(-x))
            self.save_for_backward(y)
            return y

        def backward(self, dy):
            y, = self.saved_tensors
            return dy * y * (1 - y)

    x = nd.array([-1., 0., 2.])
    x.attach_grad()
    with autograd.record():
        y = Sigmoid()(x) * 2
    y.backward()
    s = 1 / (1 + np.exp(-x.asnumpy()))
    np.testing.assert_allclose(x.grad.asnumpy(), 2 * s * (1 - s), rtol=1e-6)


def test_custom_function_two_outputs():
    class SplitScale(autograd.Function):
        def forward(self, x, w):
            return x * 2, x * w

        def backward(self, da, db):
            return da * 2 + db * 3, db * 0 + 7

    x = nd.array([1., 2.])
    w = nd.array([3., 3.])
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        a, b = SplitScale()(x, w)
        loss = a + b
    loss.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [5, 5])
    np.testing.assert_allclose(w.grad.asnumpy(), [7, 7])


def test_train_mode_argument_of_backward():
    seen = []

    class Probe(autograd.Function):
        def forward(self, x):
            return x * 1

        def backward(self, dy):
            seen.append(autograd.is_training())
            return dy

    x = nd.array([1.])
    x.attach_grad()
    with autograd.record():
        y = Probe()(x)
    y.backward(train_mode=False)
    assert seen == [False]


def test_backward_on_a_variable_itself_gives_ones():
    # MXNet 1.9.1: x.attach_grad(); x.backward() -> x.grad is ones
    x = nd.ones(3)
    x.attach_grad()
    x.backward()
    assert x.grad.asnumpy().tolist() == [1, 1, 1]


def test_custom_function_unused_output_gets_zero_gradient():
    class Two(autograd.Function):
        def forward(self, x):
            return x * 2, x * 3

        def backward(self, da, db):
            assert db.asnumpy().tolist() == [0, 0] and db.dtype == np.float64
            return da * 2 + db * 3

    x = nd.array([1., 2.], dtype='float64')
    x.attach_grad()
    with autograd.record():
        a, b = Two()(x)
        s = a * 1
    s.backward()
    assert x.grad.asnumpy().tolist() == [2, 2]


def test_output_of_a_freed_graph_is_a_constant_in_the_next_graph():
    """After backward() (no retain_graph) frees a graph, its outputs take part in new
    graphs as constants, as in MXNet: D2L's RNN loops carry the state this way."""
    x = nd.array([1., 2.])
    x.attach_grad()
    with autograd.record():
        y = x * x
    y.backward()
    with autograd.record():
        z = (y * x).sum()            # y is [1, 4] here, with no path back to x
    z.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [1., 4.])
    # the recurrent form: the state from the last step feeds the next step's graph
    w = nd.array([[0.5]])
    w.attach_grad()
    h = nd.zeros((1, 1))
    grads = []
    for _ in range(3):
        with autograd.record():
            h = nd.tanh(nd.dot(h, w) + 1)
            loss = h.sum()
        loss.backward()
        grads.append(float(w.grad.asscalar()))
    h_prev = np.tanh(np.tanh(1.0) * 0.5 + 1)      # the state entering step 3
    np.testing.assert_allclose(grads[2], (1 - np.tanh(h_prev * 0.5 + 1) ** 2) * h_prev,
                               rtol=1e-5)
    # the freed head itself cannot be differentiated again, and in-place writes into
    # a freed output are allowed under record()
    with pytest.raises(DistGluError, match='not in a computational graph'):
        loss.backward()
    with autograd.record():
        y[:] = 3
        q = (y * x).sum()
    q.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [3., 3.])
    # a custom Function treats it as a constant too: a graph of constants only is none
    class Twice(autograd.Function):
        def forward(self, a):
            return a * 2

        def backward(self, dy):
            return dy * 2
    with autograd.record():
        c = Twice()(y)
    assert c._node is None


def test_backward_without_any_gradient_to_compute_is_an_error():
    """MXNet: 'There are no inputs in computation graph that require gradients.'"""
    x = nd.ones(2)
    x.attach_grad(grad_req='null')
    with autograd.record():
        y = x * 2
    with pytest.raises(DistGluError, match='no inputs in computation graph that require'):
        y.backward()
    with pytest.raises(DistGluError, match='no inputs in computation graph that require'):
        x.backward()
