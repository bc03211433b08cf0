"""Loss metrics: ``CrossEntropy``, ``NegativeLogLikelihood`` and ``Perplexity`` (from
predicted class probabilities) and ``Loss`` (with its aliases ``Torch``, ``Caffe``: the
mean of given loss values)."""
import math

import numpy

from ..context import array_module
from .base import (EvalMetric, MetricError, _device, _host, _is_array, check_label_shapes,
                   register, alias)


@register
class Perplexity(EvalMetric):
    """``exp(-mean(log p(label)))`` over all labels except ``ignore_label`` (None: none
    ignored). ``axis`` is the class axis of the predictions; labels outside ``[0, C)``
    are clipped (as MXNet's ``pick``), probabilities floored at 1e-10. Computed in the
    predictions' dtype on their device."""

    def __init__(self, ignore_label, axis=-1, name='perplexity', output_names=None,
                 label_names=None):
        super(Perplexity, self).__init__(name, ignore_label=ignore_label,
                                         output_names=output_names, label_names=label_names,
                                         has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        loss = 0.
        num = 0
        for label, pred in zip(labels, preds):
            pred = _device(pred)
            xp = array_module(pred)
            label = _host(label) if xp is numpy else xp.asarray(_device(label))
            if pred.ndim == 0 or label.size * pred.shape[self.axis] != pred.size:
                raise MetricError("shape mismatch: %s vs. %s" % (label.shape, pred.shape))
            probs = xp.moveaxis(pred, self.axis, -1).reshape(-1, pred.shape[self.axis])
            label = label.reshape(-1)
            idx = xp.clip(label.astype(numpy.int64), 0, probs.shape[1] - 1)
            p = xp.take_along_axis(probs, idx[:, None], axis=1)[:, 0]
            if self.ignore_label is not None:
                ignore = label == self.ignore_label
                num -= int(xp.count_nonzero(ignore))
                p = xp.where(ignore, p.dtype.type(1), p)
            loss -= float(xp.log(xp.maximum(p.dtype.type(1e-10), p)).sum(dtype=numpy.float64))
            num += p.size
        self._add(loss, num)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self):
        if self.global_num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))


def _label_probs(label, pred, what):
    """``pred[i, label[i]]`` for (N, C) predictions and N integer labels (host arrays)."""
    label = _host(label).ravel()
    pred = _host(pred)
    if pred.ndim != 2 or label.shape[0] != pred.shape[0]:
        raise MetricError("%s: expected predictions of shape (N, num_classes) and N labels, "
                          "got labels %s and predictions %s"
                          % (what, label.shape, pred.shape))
    idx = label.astype(numpy.int64)
    if idx.size and (idx.max() >= pred.shape[1] or idx.min() < -pred.shape[1]):
        raise MetricError("%s: labels must be class indices below %d, got %s"
                          % (what, pred.shape[1], idx.max()))
    return pred[numpy.arange(label.shape[0], dtype=numpy.int64), idx]


@register
@alias('ce')
class CrossEntropy(EvalMetric):
    """Mean of ``-log(p[label] + eps)`` over samples (predictions are probabilities)."""

    def __init__(self, eps=1e-12, name='cross-entropy', output_names=None, label_names=None):
        super(CrossEntropy, self).__init__(name, eps=eps, output_names=output_names,
                                           label_names=label_names, has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            prob = _label_probs(label, pred, 'CrossEntropy')
            self._add(float((-numpy.log(prob + self.eps)).sum()), prob.shape[0])


@register
@alias('nll_loss')
class NegativeLogLikelihood(EvalMetric):
    """Mean negative log-likelihood ``-log(p[label] + eps)`` over samples."""

    def __init__(self, eps=1e-12, name='nll-loss', output_names=None, label_names=None):
        super(NegativeLogLikelihood, self).__init__(name, eps=eps, output_names=output_names,
                                                    label_names=label_names,
                                                    has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            prob = _label_probs(label, pred, 'NegativeLogLikelihood')
            self._add(float((-numpy.log(prob + self.eps)).sum()), prob.shape[0])


@register
class Loss(EvalMetric):
    """Mean of the given loss values (``preds``; labels are ignored)."""

    def __init__(self, name='loss', output_names=None, label_names=None):
        super(Loss, self).__init__(name, output_names=output_names, label_names=label_names,
                                   has_global_stats=True)

    def update(self, _, preds):
        if _is_array(preds):
            preds = [preds]
        for pred in preds:
            raw = _device(pred)
            self._add(float(raw.sum(dtype=numpy.float64)), int(raw.size))


@register
class Torch(Loss):
    """Loss under the name 'torch' (MXNet's dummy metric for torch criterions)."""

    def __init__(self, name='torch', output_names=None, label_names=None):
        super(Torch, self).__init__(name, output_names=output_names, label_names=label_names)


@register
class Caffe(Loss):
    """Loss under the name 'caffe' (MXNet's dummy metric for caffe criterions)."""

    def __init__(self, name='caffe', output_names=None, label_names=None):
        super(Caffe, self).__init__(name, output_names=output_names, label_names=label_names)
