"""Classification metrics: ``Accuracy``, ``TopKAccuracy``, the binary ``F1`` and ``MCC``
and the multiclass ``PCC``."""
import math

import numpy

from ..context import array_module
from ..registry import _as_assertion
from .base import (EvalMetric, MetricError, _check_average, _device, _host, _shape_error,
                   check_label_shapes, register, alias)


@register
@alias('acc')
class Accuracy(EvalMetric):
    """Fraction of correct predictions.

    A prediction whose shape differs from its label's is reduced by ``argmax`` over
    ``axis`` (class scores); otherwise it holds class indices. Both are cast to int32.
    """

    def __init__(self, axis=1, name='accuracy', output_names=None, label_names=None):
        super(Accuracy, self).__init__(name, axis=axis, output_names=output_names,
                                       label_names=label_names, has_global_stats=True)
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _device(pred)
            label = _device(label)
            if pred.shape != label.shape:
                pred = array_module(pred).argmax(pred, axis=self.axis)
            pred = _host(pred).astype(numpy.int32).ravel()
            label = _host(label).astype(numpy.int32).ravel()
            if pred.size != label.size:
                raise _shape_error(label.size, pred.size)
            self._add(int((pred == label).sum()), int(pred.size))


@register
@alias('top_k_accuracy', 'top_k_acc')
class TopKAccuracy(EvalMetric):
    """Fraction of samples whose label is among the ``top_k`` highest scores
    (``top_k`` must be at least 2; use Accuracy for 1). The name gets ``_<top_k>``."""

    def __init__(self, top_k=1, name='top_k_accuracy', output_names=None, label_names=None):
        super(TopKAccuracy, self).__init__(name, top_k=top_k, output_names=output_names,
                                           label_names=label_names, has_global_stats=True)
        self.top_k = top_k
        if not self.top_k > 1:
            raise _as_assertion(MetricError)('Please use Accuracy if top_k is no more than 1 '
                                             '(got top_k=%r)' % (top_k,))
        self.name += '_%d' % self.top_k

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _host(pred).astype(numpy.float32)
            if pred.ndim > 2:
                raise MetricError('Predictions should be no more than 2 dims, got shape %s'
                                  % (pred.shape,))
            label = _host(label).astype(numpy.int32).ravel()
            top_k = min(pred.shape[-1], self.top_k)
            pred_idx = numpy.argpartition(pred, -top_k)
            check_label_shapes(label, pred_idx)
            num_samples = pred_idx.shape[0]
            if pred_idx.ndim == 1:
                correct = int((pred_idx == label).sum())
            else:
                num_classes = pred_idx.shape[1]
                correct = int((pred_idx[:, num_classes - top_k:] == label[:, None]).sum())
            self._add(correct, num_samples)


class _BinaryClassificationMetrics(object):
    """True/false positive/negative counts (local and global) of a binary classifier."""

    def __init__(self, owner='F1'):
        self._owner = owner
        self.reset_stats()

    def update_binary_stats(self, label, pred):
        """Count one batch: ``pred`` (N, 2) scores, ``label`` (N,) of 0/1."""
        pred = _host(pred)
        label = _host(label).astype(numpy.int32)
        check_label_shapes(label, pred)
        if pred.ndim != 2:
            raise MetricError("%s expects predictions of shape (batch, 2), got %s"
                              % (self._owner, pred.shape))
        label = label.ravel()
        if label.size != pred.shape[0]:
            raise _shape_error(label.shape, pred.shape)
        if len(numpy.unique(label)) > 2:
            raise MetricError("%s currently only supports binary classification."
                              % self._owner)
        pred_true = numpy.argmax(pred, axis=1) == 1
        label_true = label == 1
        tp = int(numpy.count_nonzero(pred_true & label_true))
        fp = int(numpy.count_nonzero(pred_true & ~label_true))
        fn = int(numpy.count_nonzero(~pred_true & label_true))
        tn = int(numpy.count_nonzero(~pred_true & ~label_true))
        self.true_positives += tp
        self.global_true_positives += tp
        self.false_positives += fp
        self.global_false_positives += fp
        self.false_negatives += fn
        self.global_false_negatives += fn
        self.true_negatives += tn
        self.global_true_negatives += tn

    @staticmethod
    def _ratio(num, den):
        return float(num) / den if den > 0 else 0.

    @property
    def precision(self):
        return self._ratio(self.true_positives, self.true_positives + self.false_positives)

    @property
    def global_precision(self):
        return self._ratio(self.global_true_positives,
                           self.global_true_positives + self.global_false_positives)

    @property
    def recall(self):
        return self._ratio(self.true_positives, self.true_positives + self.false_negatives)

    @property
    def global_recall(self):
        return self._ratio(self.global_true_positives,
                           self.global_true_positives + self.global_false_negatives)

    @staticmethod
    def _f(p, r):
        return 2 * p * r / (p + r) if p + r > 0 else 0.

    @property
    def fscore(self):
        return self._f(self.precision, self.recall)

    @property
    def global_fscore(self):
        return self._f(self.global_precision, self.global_recall)

    def matthewscc(self, use_global=False):
        """Matthews correlation coefficient; zero factors of the denominator count as 1."""
        if use_global:
            if not self.global_total_examples:
                return 0.
            tp, fp = float(self.global_true_positives), float(self.global_false_positives)
            fn, tn = float(self.global_false_negatives), float(self.global_true_negatives)
        else:
            if not self.total_examples:
                return 0.
            tp, fp = float(self.true_positives), float(self.false_positives)
            fn, tn = float(self.false_negatives), float(self.true_negatives)
        denom = 1.
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.:
                denom *= t
        return (tp * tn - fp * fn) / math.sqrt(denom)

    @property
    def total_examples(self):
        return self.false_negatives + self.false_positives + \
            self.true_negatives + self.true_positives

    @property
    def global_total_examples(self):
        return self.global_false_negatives + self.global_false_positives + \
            self.global_true_negatives + self.global_true_positives

    def local_reset_stats(self):
        self.false_positives = 0
        self.false_negatives = 0
        self.true_positives = 0
        self.true_negatives = 0

    def reset_stats(self):
        self.local_reset_stats()
        self.global_false_positives = 0
        self.global_false_negatives = 0
        self.global_true_positives = 0
        self.global_true_negatives = 0


@register
class F1(EvalMetric):
    """F1 score of a binary classifier (predictions (N, 2) scores, labels 0/1).

    ``average='macro'`` (default) averages the F1 of each ``update`` call (as MXNet);
    ``'micro'`` computes one F1 from the counts of all calls.
    """

    def __init__(self, name='f1', output_names=None, label_names=None, average='macro'):
        self.average = _check_average(average)
        self.metrics = _BinaryClassificationMetrics('F1')
        EvalMetric.__init__(self, name=name, output_names=output_names,
                            label_names=label_names, has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self.metrics.update_binary_stats(label, pred)
        m = self.metrics
        if self.average == 'macro':
            self.sum_metric += m.fscore
            self.global_sum_metric += m.global_fscore
            self.num_inst += 1
            self.global_num_inst += 1
            m.reset_stats()
        else:
            self.sum_metric = m.fscore * m.total_examples
            self.global_sum_metric = m.global_fscore * m.global_total_examples
            self.num_inst = m.total_examples
            self.global_num_inst = m.global_total_examples

    def reset(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        self.metrics.reset_stats()

    def reset_local(self):
        self.sum_metric = 0.
        self.num_inst = 0
        self.metrics.local_reset_stats()


@register
class MCC(EvalMetric):
    """Matthews correlation coefficient of a binary classifier (F1's inputs and averaging)."""

    def __init__(self, name='mcc', output_names=None, label_names=None, average='macro'):
        self._average = _check_average(average)
        self._metrics = _BinaryClassificationMetrics('MCC')
        EvalMetric.__init__(self, name=name, output_names=output_names,
                            label_names=label_names, has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self._metrics.update_binary_stats(label, pred)
        m = self._metrics
        if self._average == 'macro':
            self.sum_metric += m.matthewscc()
            self.global_sum_metric += m.matthewscc(use_global=True)
            self.num_inst += 1
            self.global_num_inst += 1
            m.reset_stats()
        else:
            self.sum_metric = m.matthewscc() * m.total_examples
            self.global_sum_metric = m.matthewscc(use_global=True) * m.global_total_examples
            self.num_inst = m.total_examples
            self.global_num_inst = m.global_total_examples

    def reset(self):
        self.sum_metric = 0.
        self.num_inst = 0.
        self.global_sum_metric = 0.
        self.global_num_inst = 0.
        self._metrics.reset_stats()

    def reset_local(self):
        self.sum_metric = 0.
        self.num_inst = 0.
        self._metrics.local_reset_stats()


@register
class PCC(EvalMetric):
    """Multiclass Matthews correlation (Pearson on the K x K confusion matrix, which grows
    with the largest class index seen)."""

    def __init__(self, name='pcc', output_names=None, label_names=None,
                 has_global_stats=True):
        self.k = 2
        super(PCC, self).__init__(name=name, output_names=output_names,
                                  label_names=label_names, has_global_stats=has_global_stats)

    def _grow(self, inc):
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), 'constant', constant_values=0)
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), 'constant', constant_values=0)
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat):
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = numpy.sum(x * (n - x))
        cov_yy = numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float('nan')
        i = cmat.diagonal()
        cov_xy = numpy.sum(i * n - x * y)
        return cov_xy / (cov_xx * cov_yy) ** 0.5

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label = _host(label).astype(numpy.int32)
            pred = _host(pred)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=1)
            else:
                pred = pred.astype(numpy.int32)
            label = label.ravel()
            pred = pred.ravel()
            if label.size != pred.size:
                raise _shape_error(label.size, pred.size)
            n = max(pred.max(), label.max())
            if n >= self.k:
                self._grow(int(n) + 1 - self.k)
            bcm = numpy.zeros((self.k, self.k))
            numpy.add.at(bcm, (pred, label), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self):
        return self._calc_mcc(self.lcm) * self.num_inst

    @property
    def global_sum_metric(self):
        return self._calc_mcc(self.gcm) * self.global_num_inst

    def reset(self):
        self.global_num_inst = 0.
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0.
        self.lcm = numpy.zeros((self.k, self.k))
