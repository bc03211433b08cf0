"""distglu.metric (mxnet.metric): values against hand computations and MXNet 1.9.1."""
import math
from collections import OrderedDict

import numpy as np
import pytest

import distglu as mx
from distglu import metric
from distglu.base import DistGluError


def A(x):
    return mx.nd.array(np.asarray(x, dtype=np.float32))


# --------------------------------------------------------------------------- MXNet-recorded
def _cases():
    """The inputs of the MXNet 1.9.1 recording (RandomState draws are stable)."""
    rs = np.random.RandomState(7)
    c = {}
    c['cls_pred'] = [rs.rand(6, 2).astype(np.float32) for _ in range(3)]
    c['cls_lab'] = [rs.randint(0, 2, 6).astype(np.float32) for _ in range(3)]
    c['mc_pred'] = [rs.rand(8, 5).astype(np.float32) for _ in range(2)]
    c['mc_lab'] = [rs.randint(0, 5, 8).astype(np.float32) for _ in range(2)]
    c['reg_pred'] = [rs.randn(5).astype(np.float32) for _ in range(3)]
    c['reg_lab'] = [rs.randn(5).astype(np.float32) for _ in range(3)]
    prob = [rs.rand(7, 4).astype(np.float32) for _ in range(2)]
    c['prob'] = [p / p.sum(1, keepdims=True) for p in prob]
    c['prob_lab'] = [np.array([0, 1, 2, 3, 0, -1, 2], np.float32),
                     np.array([3, 3, 1, -1, -1, 0, 2], np.float32)]
    c['mc_prob'] = [p / p.sum(1, keepdims=True) for p in c['mc_pred']]
    return c


C = _cases()


def _feed(m, labs, preds):
    for lab, pred in zip(labs, preds):
        m.update([A(lab)], [A(pred)])
    return m


# name, metric factory, (labels key, preds key), value recorded with mxnet 1.9.1
RECORDED = [
    ('accuracy', lambda: metric.Accuracy(), ('mc_lab', 'mc_pred'), 0.25),
    ('top_k_accuracy_2', lambda: metric.TopKAccuracy(top_k=2), ('mc_lab', 'mc_pred'), 0.375),
    ('top_k_accuracy_3', lambda: metric.TopKAccuracy(top_k=3), ('mc_lab', 'mc_pred'), 0.625),
    ('f1', lambda: metric.F1(), ('cls_lab', 'cls_pred'), 0.6944444444444443),
    ('f1', lambda: metric.F1(average='micro'), ('cls_lab', 'cls_pred'), 0.6923076923076924),
    ('mcc', lambda: metric.MCC(), ('cls_lab', 'cls_pred'), -0.12748517734455864),
    ('mcc', lambda: metric.MCC(average='micro'), ('cls_lab', 'cls_pred'), -0.0944911182523068),
    ('mae', lambda: metric.MAE(), ('reg_lab', 'reg_pred'), 1.0633487304051716),
    ('mse', lambda: metric.MSE(), ('reg_lab', 'reg_pred'), 1.7380513747533162),
    ('rmse', lambda: metric.RMSE(), ('reg_lab', 'reg_pred'), 1.284089187781016),
    ('nll-loss', lambda: metric.NegativeLogLikelihood(), ('mc_lab', 'mc_prob'),
     1.8380464315414429),
    ('cross-entropy', lambda: metric.CrossEntropy(), ('mc_lab', 'mc_prob'), 1.8380464315414429),
    ('perplexity', lambda: metric.Perplexity(ignore_label=-1), ('prob_lab', 'prob'),
     3.9418422160850963),
    ('perplexity', lambda: metric.Perplexity(ignore_label=None), ('prob_lab', 'prob'),
     3.725828685578292),
    ('perplexity', lambda: metric.Perplexity(ignore_label=3), ('prob_lab', 'prob'),
     3.4692914047220302),
    ('pearsonr', lambda: metric.PearsonCorrelation(), ('reg_lab', 'reg_pred'),
     -0.12926277362903119),
    ('pearsonr', lambda: metric.PearsonCorrelation(average='micro'), ('reg_lab', 'reg_pred'),
     -0.14529089605923032),
    ('pcc', lambda: metric.PCC(), ('mc_lab', 'mc_pred'), 0.03143473067309657),
    ('pcc', lambda: metric.PCC(), ('cls_lab', 'cls_pred'), -0.09449111825230679),
    ('loss', lambda: metric.Loss(), ('reg_lab', 'reg_pred'), 0.13262637853622436),
]


@pytest.mark.parametrize('name,factory,keys,expected', RECORDED,
                         ids=['%s-%d' % (r[0], i) for i, r in enumerate(RECORDED)])
def test_matches_mxnet_recorded_values(name, factory, keys, expected):
    m = _feed(factory(), C[keys[0]], C[keys[1]])
    got_name, got = m.get()
    assert got_name == name
    # float32 logs/sums may differ from MXNet's kernels in the last bit
    assert got == pytest.approx(expected, rel=2e-7, abs=1e-12)
    assert m.get_global()[1] == pytest.approx(expected, rel=2e-7, abs=1e-12)


def test_f1_macro_averages_per_update_call():
    # mxnet 1.9.1: two labels/preds in one update count as one batch
    m = metric.F1()
    m.update([A(x) for x in C['cls_lab'][:2]], [A(x) for x in C['cls_pred'][:2]])
    m.update([A(C['cls_lab'][2])], [A(C['cls_pred'][2])])
    assert m.get()[1] == pytest.approx(0.6862745098039216, rel=1e-12)
    assert m.num_inst == 2


def test_reset_local_keeps_global():
    # recorded with mxnet 1.9.1
    for avg, glob in (('macro', 0.6944444444444443), ('micro', 0.6923076923076924)):
        m = metric.F1(average=avg)
        m.update([A(C['cls_lab'][0])], [A(C['cls_pred'][0])])
        m.update([A(C['cls_lab'][1])], [A(C['cls_pred'][1])])
        m.reset_local()
        m.update([A(C['cls_lab'][2])], [A(C['cls_pred'][2])])
        assert m.get()[1] == pytest.approx(0.6666666666666665, rel=1e-12)
        assert m.get_global()[1] == pytest.approx(glob, rel=1e-12)
    m = metric.Accuracy()
    m.update([A(C['mc_lab'][0])], [A(C['mc_pred'][0])])
    m.reset_local()
    m.update([A(C['mc_lab'][1])], [A(C['mc_pred'][1])])
    assert (m.num_inst, m.global_num_inst) == (8, 16)
    assert m.get_global_name_value() == [('accuracy', 0.25)]


# --------------------------------------------------------------------------- hand-computed
PRED3 = [[0.3, 0.7], [0, 1.], [0.4, 0.6]]
LAB3 = [0, 1, 1]


def test_accuracy_by_hand():
    m = metric.Accuracy()
    m.update([A(LAB3)], [A(PRED3)])
    assert m.get() == ('accuracy', pytest.approx(2 / 3))
    assert (m.sum_metric, m.num_inst) == (2, 3)
    # class indices as predictions (same shape as labels): cast to int32, compared
    m.update([A([[1, 2], [0, 1]])], [A([[1.2, 2.9], [0.1, 1.0]])])
    assert (m.sum_metric, m.num_inst) == (6, 7)


def test_accuracy_axis():
    m = metric.Accuracy(axis=0)
    pred = np.array([[0.1, 0.9, 0.3], [0.8, 0.05, 0.6]], np.float32)  # classes on axis 0
    m.update([A([1, 0, 1])], [A(pred)])
    assert m.get()[1] == pytest.approx(1.0)
    m2 = metric.Accuracy(axis=-1)
    m2.update([A([1, 0])], [A(pred)])   # argmax over the last axis: [1, 0]
    assert m2.get()[1] == 1.0
    # recorded with mxnet 1.9.1
    m3 = metric.Accuracy(axis=0)
    m3.update([A([0, 2, 1])], [A(C['mc_pred'][0][:, :3])])
    assert m3.get()[1] == 0.0


def test_topk_by_hand():
    m = metric.TopKAccuracy(top_k=2)
    assert m.name == 'top_k_accuracy_2'
    m.update([A([2, 0, 1])], [A([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.2, 0.7, 0.1]])])
    assert m.get()[1] == pytest.approx(2 / 3)   # mxnet 1.9.1: 0.6666666666666666
    # more requested than there are classes: every label is in the top k
    m = metric.TopKAccuracy(top_k=5)
    m.update([A([0, 1])], [A([[0.1, 0.9], [0.6, 0.4]])])
    assert m.get()[1] == 1.0
    with pytest.raises(ValueError, match='Please use Accuracy if top_k is no more than 1'):
        metric.TopKAccuracy()
    with pytest.raises(DistGluError, match='no more than 2 dims'):
        metric.TopKAccuracy(top_k=2).update([A([0])], [A(np.zeros((1, 2, 3)))])


def test_f1_and_mcc_by_hand():
    # MXNet docstring examples
    m = metric.F1()
    m.update([A(LAB3)], [A(PRED3)])
    assert m.get() == ('f1', pytest.approx(0.8))
    fp, tn, fn, tp = 1000, 1, 1, 10000
    preds = [A([[.3, .7]] * fp + [[.7, .3]] * tn + [[.7, .3]] * fn + [[.3, .7]] * tp)]
    labels = [A([0.] * (fp + tn) + [1.] * (fn + tp))]
    f1, mcc = metric.F1(), metric.MCC()
    f1.update(labels, preds)
    mcc.update(labels, preds)
    p, r = tp / (tp + fp), tp / (tp + fn)
    assert f1.get()[1] == pytest.approx(2 * p * r / (p + r), rel=1e-12)
    assert f1.get()[1] == pytest.approx(0.9523356030665205, rel=1e-12)   # mxnet 1.9.1
    expect = (tp * tn - fp * fn) / math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    assert mcc.get()[1] == pytest.approx(expect, rel=1e-12)
    assert mcc.get()[1] == pytest.approx(0.01917751877733392, rel=1e-12)  # mxnet 1.9.1


def test_mcc_macro_vs_micro_and_degenerate():
    # recorded with mxnet 1.9.1
    m1, m2 = metric.MCC(), metric.MCC(average='micro')
    for b in range(2):
        pp = [A([[.3, .7], [.8, .2], [.4, .6], [.9, .1]][b:] + [[.6, .4]])]
        ll = [A([1, 0, 0, 1][b:] + [1])]
        m1.update(ll, pp)
        m2.update(ll, pp)
    assert m1.get()[1] == pytest.approx(-0.37200846792814624, rel=1e-12)
    assert m2.get()[1] == pytest.approx(-0.31622776601683794, rel=1e-12)
    # all negatives predicted negative: F1 0, MCC 0 (zero factors of the denominator -> 1)
    f = metric.F1()
    f.update([A([0, 0])], [A([[.9, .1], [.8, .2]])])
    assert f.get()[1] == 0.0
    m = metric.MCC()
    m.update([A([0, 0])], [A([[.9, .1], [.8, .2]])])
    assert m.get()[1] == 0.0


def test_f1_column_labels_and_errors():
    a, b = metric.F1(), metric.F1()
    a.update([A(LAB3)], [A(PRED3)])
    b.update([A(np.array(LAB3).reshape(3, 1))], [A(PRED3)])
    assert a.get() == b.get()
    with pytest.raises(ValueError, match='F1 currently only supports binary classification'):
        metric.F1().update([A([0, 1, 2])], [A(np.eye(3)[:, :2])])
    with pytest.raises(ValueError, match='MCC currently only supports binary'):
        metric.MCC().update([A([0, 1, 2])], [A(np.eye(3)[:, :2])])
    with pytest.raises(DistGluError, match="average must be 'macro' or 'micro'"):
        metric.F1(average='weighted')


def test_regression_by_hand():
    # MXNet docstring: ('mae', 0.5) ('mse', 0.375) ('rmse', 0.6123724579811096)
    p = [A(np.array([3, -0.5, 2, 7]).reshape(4, 1))]
    l = [A(np.array([2.5, 0.0, 2, 8]).reshape(4, 1))]
    for m, v in ((metric.MAE(), 0.5), (metric.MSE(), 0.375),
                 (metric.RMSE(), math.sqrt(0.375))):
        m.update(l, p)
        assert m.get()[1] == pytest.approx(v, rel=1e-7)
    # batch-wise averaging: each update is one instance
    m = metric.MAE()
    m.update([A([1, 1])], [A([2, 2])])          # 1.0
    m.update([A([1, 1, 1, 1])], [A([1, 1, 1, 4])])   # 0.75
    assert m.get()[1] == pytest.approx((1.0 + 0.75) / 2) and m.num_inst == 2
    # (N,) labels against (N, 1) predictions compare as columns
    m = metric.MSE()
    m.update([A([1, 2, 3])], [A([[1], [2], [5]])])
    assert m.get()[1] == pytest.approx(4 / 3)
    # (N,) vs (N, 2) broadcasts as in MXNet (mxnet 1.9.1: 1.6666666269302368)
    m = metric.MSE()
    m.update([A([1, 2, 3])], [A([[1, 2], [2, 2], [3, 0]])])
    assert m.get()[1] == pytest.approx(1.6666666269302368, rel=1e-7)


def test_cross_entropy_nll_perplexity_by_hand():
    ce_val = -(math.log(0.3) + math.log(1.0 + 1e-12) + math.log(0.6)) / 3
    for m in (metric.CrossEntropy(), metric.NegativeLogLikelihood()):
        m.update([A(LAB3)], [A(PRED3)])
        assert m.get()[1] == pytest.approx(ce_val, rel=1e-6)
        assert m.get()[1] == pytest.approx(0.5715994834899902, rel=1e-7)  # mxnet 1.9.1
    assert metric.CrossEntropy().name == 'cross-entropy'
    assert metric.NegativeLogLikelihood().name == 'nll-loss'
    m = metric.Perplexity(ignore_label=None)
    m.update([A(LAB3)], [A(PRED3)])
    assert m.get() == ('perplexity', pytest.approx(math.exp(ce_val), rel=1e-6))
    assert m.get()[1] == pytest.approx(1.7710976285155853, rel=1e-7)   # mxnet 1.9.1


def test_perplexity_ignore_and_clip():
    # mxnet 1.9.1: ignored labels do not count; ('perplexity', 1.7710976285155853), 3 inst
    m = metric.Perplexity(-1)
    m.update([A([0, 1, 1, -1])], [A(PRED3 + [[0.5, 0.5]])])
    assert m.num_inst == 3
    assert m.get()[1] == pytest.approx(1.7710976285155853, rel=1e-7)
    # mxnet 1.9.1: out-of-range labels are clipped (pick's mode='clip'): 5 -> 1
    m = metric.Perplexity(None)
    m.update([A([0, 5])], [A([[0.3, 0.7], [0.2, 0.8]])])
    assert m.get()[1] == pytest.approx(2.0412414915140324, rel=1e-7)
    # zero probability is floored at 1e-10
    m = metric.Perplexity(None)
    m.update([A([0])], [A([[0.0, 1.0]])])
    assert m.get()[1] == pytest.approx(1e10, rel=1e-5)


def test_perplexity_sequence_shapes_and_axis():
    probs = C['prob'][0][:6].reshape(2, 3, 4)
    lab = np.array([[0, 1, 2], [3, 0, 1]], np.float32)
    a = metric.Perplexity(None)
    a.update([A(lab)], [A(probs)])
    b = metric.Perplexity(None)
    b.update([A(lab.ravel())], [A(probs.reshape(6, 4))])
    assert a.get()[1] == pytest.approx(b.get()[1], rel=1e-12)
    c = metric.Perplexity(None, axis=0)
    c.update([A(lab.ravel())], [A(probs.reshape(6, 4).T.copy())])   # classes on axis 0
    assert c.get()[1] == pytest.approx(b.get()[1], rel=1e-6)
    ref = np.exp(-np.mean(np.log(probs.reshape(6, 4)[np.arange(6), lab.ravel().astype(int)])))
    assert b.get()[1] == pytest.approx(ref, rel=1e-6)


def test_pearson_by_hand():
    x = np.array([1., 2., 3., 4.], np.float32)
    y = np.array([2., 4., 5., 9.], np.float32)
    m = metric.PearsonCorrelation()
    m.update([A(x)], [A(y)])
    assert m.get()[1] == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-12)
    assert metric.create('pearsonr').name == 'pearsonr'
    # micro over two batches equals the correlation of everything
    mi = metric.PearsonCorrelation(average='micro')
    mi.update([A(x[:2])], [A(y[:2])])
    mi.update([A(x[2:])], [A(y[2:])])
    assert mi.get()[1] == pytest.approx(np.corrcoef(x, y)[0, 1], rel=1e-12)
    assert mi.get_global()[1] == mi.get()[1]
    with pytest.raises(ValueError, match=r'Shape of labels \(4,\) does not match shape of '
                                         r'predictions \(4, 1\)'):
        metric.PearsonCorrelation().update([A(x)], [A(y.reshape(4, 1))])


def test_pcc_multiclass_by_hand():
    lab = np.array([0, 1, 2, 2, 1], np.float32)
    pred = np.array([0, 2, 2, 2, 1], np.float32)
    m = metric.PCC()
    m.update([A(lab)], [A(pred)])      # same shapes: predictions are class indices
    cm = np.zeros((3, 3))
    for p, l in zip(pred.astype(int), lab.astype(int)):
        cm[p, l] += 1
    n, x, y = cm.sum(), cm.sum(1), cm.sum(0)
    expect = np.sum(np.diag(cm) * n - x * y) / math.sqrt(np.sum(x * (n - x)) * np.sum(y * (n - y)))
    assert m.get()[1] == pytest.approx(expect, rel=1e-12)
    assert m.k == 3


def test_loss_metric():
    m = metric.Loss()
    m.update(None, [A([1, 2, 3]), A([[4, 5]])])
    assert m.get() == ('loss', 3.0) and m.num_inst == 5
    m.update(None, A([6.0]))
    assert m.get()[1] == pytest.approx(21 / 6)
    assert metric.create('torch').name == 'torch' and metric.create('caffe').name == 'caffe'


# --------------------------------------------------------------------------- input forms
def test_numpy_and_single_array_inputs():
    ref = metric.Accuracy()
    ref.update([A(LAB3)], [A(PRED3)])
    for labels, preds in ((A(LAB3), A(PRED3)),
                          (np.array(LAB3), np.array(PRED3, np.float32)),
                          ([np.array(LAB3)], [np.array(PRED3)]),
                          ((A(LAB3),), (A(PRED3),))):
        m = metric.Accuracy()
        m.update(labels, preds)
        assert m.get() == ref.get()
    for cls in (metric.MAE, metric.MSE, metric.RMSE, metric.CrossEntropy, metric.F1,
                lambda: metric.Perplexity(None)):
        a, b = cls(), cls()
        a.update([A(LAB3)], [A(PRED3)] if cls not in (metric.MAE, metric.MSE, metric.RMSE)
                 else [A([0.5, 1, 2])])
        b.update(np.array(LAB3, np.float32),
                 np.array(PRED3, np.float32) if cls not in (metric.MAE, metric.MSE, metric.RMSE)
                 else np.array([0.5, 1, 2], np.float32))
        assert a.get() == b.get()


def test_nan_before_update_and_reset():
    for m in (metric.Accuracy(), metric.F1(), metric.MAE(), metric.Perplexity(None),
              metric.PearsonCorrelation(average='micro'), metric.Loss()):
        assert math.isnan(m.get()[1]) and math.isnan(m.get_global()[1])
    m = metric.Accuracy()
    m.update([A(LAB3)], [A(PRED3)])
    assert m.get()[1] == pytest.approx(2 / 3)
    m.reset()
    assert math.isnan(m.get()[1]) and m.num_inst == 0 and m.sum_metric == 0.0
    assert math.isnan(m.get_global()[1])
    m.update([A([1])], [A([[0.2, 0.8]])])
    assert m.get()[1] == 1.0
    f = metric.F1(average='micro')
    f.update([A(LAB3)], [A(PRED3)])
    f.reset()
    assert math.isnan(f.get()[1])
    f.update([A([0, 0])], [A([[.9, .1], [.8, .2]])])
    assert f.get()[1] == 0.0


def test_name_value_and_str():
    m = metric.Accuracy(name='acc1')
    m.update([A(LAB3)], [A(PRED3)])
    assert m.get_name_value() == [('acc1', pytest.approx(2 / 3))]
    assert str(m).startswith("EvalMetric: {'acc1': 0.666")


def test_update_dict_uses_names():
    m = metric.Accuracy(output_names=['out2'], label_names=['lab2'])
    labels = OrderedDict([('lab1', A([0, 0, 0])), ('lab2', A(LAB3))])
    preds = OrderedDict([('out1', A(np.zeros((3, 2)))), ('out2', A(PRED3))])
    m.update_dict(labels, preds)
    assert m.get()[1] == pytest.approx(2 / 3)
    m2 = metric.Accuracy()
    m2.update_dict(OrderedDict([('l', A(LAB3))]), OrderedDict([('p', A(PRED3))]))
    assert m2.get()[1] == pytest.approx(2 / 3)


# --------------------------------------------------------------------------- create / composite
def test_create_by_name():
    names = {'acc': metric.Accuracy, 'accuracy': metric.Accuracy, 'ce': metric.CrossEntropy,
             'crossentropy': metric.CrossEntropy, 'f1': metric.F1, 'mcc': metric.MCC,
             'mae': metric.MAE, 'mse': metric.MSE, 'rmse': metric.RMSE,
             'nll_loss': metric.NegativeLogLikelihood,
             'negativeloglikelihood': metric.NegativeLogLikelihood,
             'pearsonr': metric.PearsonCorrelation, 'pearsoncorrelation': metric.PearsonCorrelation,
             'pcc': metric.PCC, 'loss': metric.Loss, 'composite': metric.CompositeEvalMetric,
             'compositeevalmetric': metric.CompositeEvalMetric, 'ACC': metric.Accuracy}
    for name, klass in names.items():
        assert type(metric.create(name)) is klass, name
    assert type(metric.create('top_k_accuracy', top_k=3)) is metric.TopKAccuracy
    assert metric.create('top_k_acc', 5).top_k == 5
    assert metric.create('perplexity', -1).ignore_label == -1
    assert metric.create('acc', axis=0).axis == 0
    m = metric.Accuracy()
    assert metric.create(m) is m
    with pytest.raises(ValueError, match='foo is not registered'):
        metric.create('foo')
    with pytest.raises(DistGluError, match='already an instance'):
        metric.create(m, 1)


def test_get_config_round_trip():
    m = metric.Accuracy(axis=0, name='a0')
    cfg = m.get_config()
    assert cfg == {'axis': 0, 'metric': 'Accuracy', 'name': 'a0', 'output_names': None,
                   'label_names': None}
    m2 = metric.create(cfg)
    assert type(m2) is metric.Accuracy and m2.axis == 0 and m2.name == 'a0'
    m3 = metric.create(**cfg)
    assert m3.name == 'a0'
    comp = metric.create(['acc', 'mse'])
    assert comp.get_config()['metrics'][1] == {'metric': 'MSE', 'name': 'mse',
                                                'output_names': None, 'label_names': None}
    with pytest.raises(NotImplementedError):
        metric.CustomMetric(lambda l, p: 0.0).get_config()


def test_composite():
    comp = metric.create(['acc', 'f1', metric.MSE()])
    assert isinstance(comp, metric.CompositeEvalMetric)
    assert comp.get()[0] == ['accuracy', 'f1', 'mse']   # mxnet 1.9.1
    comp2 = metric.CompositeEvalMetric()
    comp2.add(metric.Accuracy())
    comp2.add('f1')
    comp2.update(labels=[A(LAB3)], preds=[A(PRED3)])
    names, values = comp2.get()
    assert names == ['accuracy', 'f1'] and values == [pytest.approx(2 / 3), pytest.approx(0.8)]
    assert comp2.get_name_value() == [('accuracy', pytest.approx(2 / 3)),
                                      ('f1', pytest.approx(0.8))]
    assert comp2.get_global() == comp2.get()
    assert isinstance(comp2.get_metric(1), metric.F1)
    with pytest.raises(ValueError, match='Metric index 5 is out of range 0 and 2'):
        comp2.get_metric(5)
    comp2.reset_local()
    assert math.isnan(comp2.get()[1][0]) and comp2.get_global()[1][0] == pytest.approx(2 / 3)
    comp2.reset()
    assert all(math.isnan(v) for v in comp2.get()[1])
    # nested composite values flatten
    outer = metric.CompositeEvalMetric([comp2, 'mae'])
    assert outer.get()[0] == ['accuracy', 'f1', 'mae']


def test_composite_update_dict_filters_names():
    comp = metric.CompositeEvalMetric([metric.Accuracy(), metric.Accuracy(name='b')],
                                      output_names=['p'], label_names=['l'])
    comp.update_dict(OrderedDict([('l', A(LAB3)), ('x', A([5, 5, 5]))]),
                     OrderedDict([('p', A(PRED3)), ('q', A(np.zeros((3, 2))))]))
    assert comp.get()[1] == [pytest.approx(2 / 3)] * 2


def test_custom_metric_and_np():
    def my_mae(label, pred):
        assert isinstance(label, np.ndarray) and isinstance(pred, np.ndarray)
        return float(np.abs(label - pred).mean())
    m = metric.create(my_mae)
    assert isinstance(m, metric.CustomMetric) and m.name == 'my_mae'
    m.update([A([1, 2])], [A([2, 4])])
    m.update([A([1, 1])], [A([1, 1])])
    assert m.get()[1] == pytest.approx(0.75)
    lam = metric.create(lambda l, p: 1.0)
    assert lam.name == 'custom(<lambda>)'
    # a (sum, count) tuple; recorded with mxnet 1.9.1: ('mine', 0.25)
    t = metric.CustomMetric(lambda l, p: (float((l == p.argmax(1)).sum()), l.size), name='mine')
    _feed(t, C['mc_lab'], C['mc_pred'])
    assert t.get() == ('mine', 0.25)
    # recorded with mxnet 1.9.1: ('custom(<lambda>)', 11.5)
    c = _feed(metric.create(lambda l, p: float(np.abs(l - p.argmax(1)).sum())),
              C['mc_lab'], C['mc_pred'])
    assert c.get()[1] == 11.5
    npm = metric.np(my_mae)
    assert isinstance(npm, metric.CustomMetric) and npm.name == 'my_mae'
    npm.update([A([0, 0])], [A([1, 3])])
    assert npm.get()[1] == 2.0
    # extra outputs allowed: the unmatched predictions are ignored
    ex = metric.CustomMetric(my_mae, allow_extra_outputs=True)
    ex.update([A([1, 1])], [A([2, 2]), A([100, 100])])
    assert ex.get()[1] == 1.0
    with pytest.raises(ValueError, match='Shape of labels 1 does not match shape of predictions 2'):
        metric.CustomMetric(my_mae).update([A([1, 1])], [A([2, 2]), A([100, 100])])


def test_register_custom_metric():
    @metric.register
    @metric.alias('always_half')
    class HalfMetric(metric.EvalMetric):
        def __init__(self, name='half', **kw):
            super(HalfMetric, self).__init__(name, **kw)

        def update(self, labels, preds):
            self.sum_metric += 0.5
            self.num_inst += 1
    m = metric.create('always_half')
    m.update(None, None)
    assert m.get() == ('half', 0.5)
    assert type(metric.create('halfmetric')) is HalfMetric
    with pytest.raises(DistGluError, match='subclasses of EvalMetric'):
        metric.register(int)


# --------------------------------------------------------------------------- errors
def test_shape_mismatch_errors():
    # messages recorded with mxnet 1.9.1
    with pytest.raises(ValueError, match=r'^Shape of labels 3 does not match shape of '
                                         r'predictions 2$'):
        metric.Accuracy().update([A(LAB3)], [A(PRED3[:2])])
    with pytest.raises(ValueError, match='Shape of labels 3 does not match shape of predictions 2'):
        metric.Accuracy().update(A(LAB3), A(PRED3[:2]))
    with pytest.raises(ValueError, match='Shape of labels 3 does not match shape of predictions 1'):
        metric.Accuracy().update(A([LAB3]), A([[0.3, 0.7]]))
    with pytest.raises(DistGluError,
                       match='Shape of labels 2 does not match shape of predictions 1'):
        metric.Accuracy().update([A(LAB3), A(LAB3)], [A(PRED3)])
    with pytest.raises(DistGluError, match=r'Shape of labels \(4, 1\) does not match shape of '
                                           r'predictions \(3, 1\)'):
        metric.MSE().update([A([1, 2, 3, 4])], [A([1, 2, 3])])
    with pytest.raises(DistGluError, match='CrossEntropy: expected predictions of shape'):
        metric.CrossEntropy().update([A([0, 1])], [A([0.5, 0.5])])
    with pytest.raises(DistGluError, match='labels must be class indices below 2'):
        metric.NegativeLogLikelihood().update([A([0, 2])], [A([[0.5, 0.5], [0.5, 0.5]])])
    with pytest.raises(DistGluError, match=r'shape mismatch: \(4,\) vs\. \(3, 4\)'):
        metric.Perplexity(None).update([A([0, 1, 2, 3])], [A(np.ones((3, 4)))])
    with pytest.raises(DistGluError,
                       match='Shape of labels 2 does not match shape of predictions 3'):
        metric.F1().update([A([0, 1])], [A(PRED3)])


def test_check_label_shapes():
    labels, preds = metric.check_label_shapes(A(LAB3), A(PRED3), wrap=True)
    assert isinstance(labels, list) and len(labels) == 1 and labels[0].shape == (3,)
    assert isinstance(preds, list) and preds[0].shape == (3, 2)
    same = [A(LAB3)]
    assert metric.check_label_shapes(same, [A(PRED3)])[0] is same
    metric.check_label_shapes(A(LAB3), A(LAB3), shape=True)
    with pytest.raises(ValueError, match=r'Shape of labels \(3,\) does not match shape of '
                                         r'predictions \(3, 2\)'):
        metric.check_label_shapes(A(LAB3), A(PRED3), shape=True)


@pytest.mark.skipif(mx.num_gpus() == 0, reason='needs a GPU')
def test_metrics_on_gpu_arrays():
    ctx = mx.gpu(0)
    for factory, labs, preds in ((metric.Accuracy, 'mc_lab', 'mc_pred'),
                                 (lambda: metric.Perplexity(-1), 'prob_lab', 'prob'),
                                 (metric.F1, 'cls_lab', 'cls_pred'),
                                 (metric.MSE, 'reg_lab', 'reg_pred'),
                                 (metric.Loss, 'reg_lab', 'reg_pred'),
                                 (lambda: metric.TopKAccuracy(top_k=2), 'mc_lab', 'mc_pred')):
        cpu = _feed(factory(), C[labs], C[preds])
        gpu = factory()
        for lab, pred in zip(C[labs], C[preds]):
            gpu.update([mx.nd.array(lab, ctx=ctx)], [mx.nd.array(pred, ctx=ctx)])
        assert gpu.get()[1] == pytest.approx(cpu.get()[1], rel=1e-6)
