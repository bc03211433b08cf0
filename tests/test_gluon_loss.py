"""gluon.loss: values and gradients against MXNet 1.9.1 (recorded), numeric checks, errors.

tests/data/mxnet_losses.json was written by tests/data/gen_mxnet_losses.py run with
MXNet 1.9.1 (not a dependency of this project).
"""
import json
import os

import numpy as np
import pytest

from distglu import nd, autograd, gluon
from distglu.base import DistGluError
from distglu.test_utils import check_numeric_gradient

L = gluon.loss
REF = json.load(open(os.path.join(os.path.dirname(__file__), 'data', 'mxnet_losses.json')))
I = {k: np.array(v) for k, v in REF['inputs'].items()}
pred, lab_reg, lab_bin, lab_cls = I['pred'], I['lab_reg'], I['lab_bin'], I['lab_cls']
prob, sw, pos, neg = I['prob'], I['sw'], I['pos'], I['neg']
lab_sign = lab_bin * 2 - 1
sig = 1 / (1 + np.exp(-pred))

CASES = {
    'L2': (lambda: L.L2Loss(), [pred, lab_reg]),
    'L2w': (lambda: L.L2Loss(weight=0.7), [pred, lab_reg, sw]),
    'L1': (lambda: L.L1Loss(), [pred, lab_reg]),
    'SBCE': (lambda: L.SigmoidBinaryCrossEntropyLoss(), [pred, lab_bin]),
    'SBCE_sig': (lambda: L.SigmoidBinaryCrossEntropyLoss(from_sigmoid=True), [sig, lab_bin]),
    'SCE': (lambda: L.SoftmaxCrossEntropyLoss(), [pred, lab_cls]),
    'SCE_dense': (lambda: L.SoftmaxCrossEntropyLoss(sparse_label=False), [pred, prob]),
    'SCE_logits': (lambda: L.SoftmaxCrossEntropyLoss(from_logits=True), [np.log(prob), lab_cls]),
    'SCE_axis0': (lambda: L.SoftmaxCrossEntropyLoss(axis=0, batch_axis=1),
                  [pred, np.array([0, 2, 1, 1.])]),
    'KL': (lambda: L.KLDivLoss(), [np.log(prob), prob[::-1].copy()]),
    'KL_nolog': (lambda: L.KLDivLoss(from_logits=False), [pred, prob]),
    'Huber': (lambda: L.HuberLoss(rho=0.5), [pred, lab_reg]),
    'Hinge': (lambda: L.HingeLoss(), [pred, lab_sign]),
    'SqHinge': (lambda: L.SquaredHingeLoss(margin=0.5), [pred, lab_sign]),
    'Logistic': (lambda: L.LogisticLoss(), [pred, lab_sign]),
    'Logistic_bin': (lambda: L.LogisticLoss(label_format='binary'), [pred, lab_bin]),
    'Triplet': (lambda: L.TripletLoss(margin=0.3), [pred, pos, neg]),
    'Poisson': (lambda: L.PoissonNLLLoss(), [pred, np.abs(lab_reg).round()]),
    'Poisson_nologit': (lambda: L.PoissonNLLLoss(from_logits=False, compute_full=True),
                        [np.abs(pred) + 0.1, np.abs(lab_reg).round() + 1]),
    'Cosine': (lambda: L.CosineEmbeddingLoss(margin=0.1), [pred, pos, np.array([1, -1, 1.])]),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_matches_mxnet(name):
    make, args = CASES[name]
    fn = make()
    a = [nd.array(v) for v in args]
    a[0].attach_grad()
    with autograd.record():
        y = fn(*a)
    y.backward()
    ref = REF[name]
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.asnumpy(), np.array(ref['loss']), rtol=2e-5, atol=1e-6)
    if ref['grad'] is not None:
        np.testing.assert_allclose(a[0].grad.asnumpy(), np.array(ref['grad']), rtol=2e-4,
                                   atol=1e-6)


@pytest.mark.parametrize('name', ['L2', 'L1', 'SBCE', 'SCE', 'SCE_dense', 'KL_nolog', 'Huber',
                                  'Logistic', 'Triplet', 'Cosine', 'Poisson'])
def test_numeric_gradient(name):
    make, args = CASES[name]
    fn = make()
    rest = [nd.array(v, dtype='float64') for v in args[1:]]
    check_numeric_gradient(lambda p: fn(p, *rest), [args[0]], rtol=1e-4, atol=1e-6)


def test_per_sample_shapes_and_repr():
    x = nd.ones((5, 3, 2))
    assert L.L2Loss()(x, x).shape == (5,)
    assert L.SoftmaxCrossEntropyLoss()(x, nd.zeros((5, 3))).shape == (5,)
    assert L.L1Loss(batch_axis=1)(x, x).shape == (3,)
    assert repr(L.L2Loss()) == 'L2Loss(batch_axis=0, w=1.0)'


def test_label_shape_errors():
    with pytest.raises(DistGluError, match='does not match prediction'):
        L.L2Loss()(nd.ones((4, 3)), nd.ones((5,)))
    with pytest.raises(DistGluError, match='one class index per sample'):
        L.SoftmaxCrossEntropyLoss()(nd.ones((4, 3)), nd.ones((4, 2)))
    with pytest.raises(DistGluError, match='label_format'):
        L.LogisticLoss(label_format='bad')


def test_ctc_matches_mxnet():
    rs = np.random.RandomState(0)
    # same draws as the recording script: np.random.seed(0); np.random.randn(2, 6, 5)
    x = nd.array(rs.randn(2, 6, 5))
    lab = nd.array([[1, 2, 2], [3, 0, -1]])
    x.attach_grad()
    with autograd.record():
        y = L.CTCLoss()(x, lab)
    y.backward()
    np.testing.assert_allclose(y.asnumpy(), [7.04135799407959, 6.727441787719727], rtol=1e-5)
    np.testing.assert_allclose(
        x.grad.asnumpy()[0, :2],
        [[0.2256486564874649, -0.20403602719306946, 0.10289046913385391, 0.36351478099823,
          -0.48801764845848083],
         [0.0603925921022892, -0.32307735085487366, 0.06316843628883362, 0.14473803341388702,
          0.05477896332740784]], rtol=1e-4, atol=1e-6)
    with autograd.record():
        y = L.CTCLoss()(x, lab, nd.array([6, 4]), nd.array([3, 1]))
    y.backward()
    np.testing.assert_allclose(y.asnumpy(), [7.04135799407959, 5.036346435546875], rtol=1e-5)
    g1 = x.grad.asnumpy()[1]
    np.testing.assert_allclose(g1[0], [0.3007, 0.37591, 0.10599, -0.05756, -0.72504], atol=2e-5)
    assert np.all(g1[4:] == 0)


def test_ctc_numeric_gradient_and_errors():
    rs = np.random.RandomState(1)
    data = rs.randn(5, 2, 4)  # TNC
    lab = nd.array([[1, 2], [2, -1]], dtype='float64')
    check_numeric_gradient(lambda d: L.CTCLoss(layout='TNC')(d, lab), [data], rtol=1e-5,
                           atol=1e-7)
    with pytest.raises(DistGluError, match='no valid alignment'):
        L.CTCLoss(layout='TNC')(nd.array(rs.randn(2, 1, 4)), nd.array([[1, 1, 1]]))
    with pytest.raises(DistGluError, match='layouts'):
        L.CTCLoss(layout='CTN')


def test_sdml_loss_matches_mxnet():
    """Values recorded from MXNet 1.9.1 (whose SDMLLoss no longer multiplies by the batch
    size, PR 18423)."""
    p = nd.array([[0.19525401294231415, 0.8607574701309204, 0.41105350852012634],
                  [0.1795327365398407, -0.30538079142570496, 0.5835764408111572],
                  [-0.24965114891529083, 1.5670920610427856, 1.8546510934829712],
                  [-0.4662339389324188, 1.1669001579284668, 0.11557967960834503]])
    t = nd.array([[0.13608911633491516, 0.8511932492256165, -0.8579278588294983],
                  [-0.8257414102554321, -0.9595631957054138, 0.665239691734314],
                  [0.5563135147094727, 0.7400242686271667, 0.9572367072105408],
                  [0.5983171463012695, -0.07704127579927444, 0.5610583424568176]])
    p.attach_grad()
    with autograd.record():
        loss = gluon.loss.SDMLLoss(smoothing_parameter=0.3)(p, t)
    loss.backward()
    np.testing.assert_allclose(
        loss.asnumpy(), [0.9627712965011597, 0.8489782810211182, 0.5981260538101196,
                         1.109918236732483], rtol=1e-5)
    np.testing.assert_allclose(
        p.grad.asnumpy(),
        [[0.7130793929100037, -0.11997184157371521, 1.8415080308914185],
         [1.545893669128418, 0.9306901097297668, 0.17747771739959717],
         [0.34742507338523865, 0.3932930529117584, 0.45073604583740234],
         [-0.1854003667831421, 1.3252999782562256, -1.0939245223999023]], rtol=1e-4,
        atol=1e-6)
