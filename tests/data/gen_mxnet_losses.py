import json, sys
import numpy as np
from mxnet import nd, autograd, gluon
L = gluon.loss
rs = np.random.RandomState(42)
pred = rs.randn(3, 4).round(3)
lab_reg = rs.randn(3, 4).round(3)
lab_bin = (rs.rand(3, 4) > 0.5).astype('float64')
lab_sign = lab_bin * 2 - 1
lab_cls = np.array([0, 3, 1.])
prob = rs.rand(3, 4).round(3); prob /= prob.sum(1, keepdims=True)
sw = np.array([[0.5], [1.0], [2.0]])
pos = rs.randn(3, 4).round(3); neg = rs.randn(3, 4).round(3)
sig = 1 / (1 + np.exp(-pred))
cases = {
 'L2': (L.L2Loss(), [pred, lab_reg]), 'L2w': (L.L2Loss(weight=0.7), [pred, lab_reg, sw]),
 'L1': (L.L1Loss(), [pred, lab_reg]),
 'SBCE': (L.SigmoidBinaryCrossEntropyLoss(), [pred, lab_bin]),
 'SBCE_sig': (L.SigmoidBinaryCrossEntropyLoss(from_sigmoid=True), [sig, lab_bin]),
 'SCE': (L.SoftmaxCrossEntropyLoss(), [pred, lab_cls]),
 'SCE_dense': (L.SoftmaxCrossEntropyLoss(sparse_label=False), [pred, prob]),
 'SCE_logits': (L.SoftmaxCrossEntropyLoss(from_logits=True), [np.log(prob), lab_cls]),
 'SCE_axis0': (L.SoftmaxCrossEntropyLoss(axis=0, batch_axis=1), [pred, np.array([0, 2, 1, 1.])]),
 'KL': (L.KLDivLoss(), [np.log(prob), prob[::-1].copy()]),
 'KL_nolog': (L.KLDivLoss(from_logits=False), [pred, prob]),
 'Huber': (L.HuberLoss(rho=0.5), [pred, lab_reg]),
 'Hinge': (L.HingeLoss(), [pred, lab_sign]),
 'SqHinge': (L.SquaredHingeLoss(margin=0.5), [pred, lab_sign]),
 'Logistic': (L.LogisticLoss(), [pred, lab_sign]),
 'Logistic_bin': (L.LogisticLoss(label_format='binary'), [pred, lab_bin]),
 'Triplet': (L.TripletLoss(margin=0.3), [pred, pos, neg]),
 'Poisson': (L.PoissonNLLLoss(), [pred, np.abs(lab_reg).round()]),
 'Poisson_nologit': (L.PoissonNLLLoss(from_logits=False, compute_full=True), [np.abs(pred) + 0.1, np.abs(lab_reg).round() + 1]),
 'Cosine': (L.CosineEmbeddingLoss(margin=0.1), [pred, pos, np.array([1, -1, 1.])]),
}
out = {'inputs': {'pred': pred.tolist(), 'lab_reg': lab_reg.tolist(), 'lab_bin': lab_bin.tolist(), 'lab_cls': lab_cls.tolist(), 'prob': prob.tolist(), 'sw': sw.tolist(), 'pos': pos.tolist(), 'neg': neg.tolist()}}
for k, (fn, args) in cases.items():
    a = [nd.array(v) for v in args]
    if k == 'Poisson_nologit':  # MXNet's compute_full cannot run under record()
        out[k] = {'loss': fn(*a).asnumpy().tolist(), 'grad': None}
        continue
    a[0].attach_grad()
    with autograd.record():
        y = fn(*a)
    y.backward()
    out[k] = {'loss': y.asnumpy().tolist(), 'grad': a[0].grad.asnumpy().tolist()}
json.dump(out, open(sys.argv[1], 'w'))
