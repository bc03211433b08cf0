"""Online evaluation metrics (``mxnet.metric``).

A metric accumulates ``sum_metric`` and ``num_inst`` over ``update(labels, preds)`` calls;
``get()`` returns ``(name, sum_metric / num_inst)`` (NaN before any update). ``labels`` and
``preds`` are NDArrays, NumPy arrays, or lists of them (one entry per output). Metrics
with global statistics also keep ``global_sum_metric``/``global_num_inst``, which
``reset_local()`` leaves alone (``get_global()``). The numbers follow MXNet 1.9.1,
including its batch-wise ("macro") averaging of F1, MCC and PearsonCorrelation.

Deliberate differences from MXNet 1.9.1, all where MXNet fails or returns nonsense:
``Perplexity`` also takes ``(N, T)`` labels with ``(N, T, C)`` predictions; F1/MCC flatten
``(N, 1)`` labels (MXNet broadcasts them against ``(N,)``); ``TopKAccuracy`` with fewer
classes than ``top_k`` counts every class (MXNet raises from argpartition);
``CompositeEvalMetric.get_metric`` raises on a bad index (MXNet returns the error);
``PearsonCorrelation(average='micro').get_global()`` gives the micro value (MXNet gives 0).
"""
import math
from collections import OrderedDict
import json

import numpy

from .base import DistGluError, numeric_types, string_types
from .context import array_module
from .ndarray.ndarray import NDArray
from .registry import Registry

__all__ = ['EvalMetric', 'CompositeEvalMetric', 'Accuracy', 'TopKAccuracy', 'F1', 'MCC',
           'Perplexity', 'MAE', 'MSE', 'RMSE', 'CrossEntropy', 'NegativeLogLikelihood',
           'PearsonCorrelation', 'PCC', 'Loss', 'Torch', 'Caffe', 'CustomMetric',
           'create', 'register', 'alias', 'check_label_shapes']


class MetricError(DistGluError, ValueError):
    """Bad metric input (MXNet raises ValueError or AssertionError)."""


# --------------------------------------------------------------------------- helpers
def _is_array(x):
    """One array (NDArray, NumPy, CuPy), as opposed to a list of arrays."""
    return isinstance(x, (NDArray, numpy.ndarray)) or (
        hasattr(x, 'shape') and hasattr(x, 'dtype') and not isinstance(x, (list, tuple)))


def _device(x):
    """The raw array of ``x`` (numpy or cupy, no transfer)."""
    if isinstance(x, NDArray):
        return x._data
    if isinstance(x, numpy.ndarray) or hasattr(x, '__cuda_array_interface__'):
        return x
    return numpy.asarray(x)


def _host(x):
    """``x`` as a NumPy array (copied from the GPU if it lives there)."""
    if isinstance(x, NDArray):
        return x.asnumpy()
    if isinstance(x, numpy.ndarray):
        return x
    if hasattr(x, 'get') and hasattr(x, '__cuda_array_interface__'):
        return x.get()
    return numpy.asarray(x)


def _shape_error(label_shape, pred_shape):
    return MetricError("Shape of labels {} does not match shape of predictions {}"
                       .format(label_shape, pred_shape))


def check_label_shapes(labels, preds, wrap=False, shape=False):
    """Check that ``labels`` and ``preds`` agree in length (``shape=False``: ``len``) or
    in shape (``shape=True``); with ``wrap``, a single array becomes a one-element list.

    Raises ``MetricError`` (a ValueError) "Shape of labels ... does not match shape of
    predictions ..." as MXNet does.
    """
    if not shape:
        label_shape, pred_shape = len(labels), len(preds)
    else:
        label_shape, pred_shape = tuple(labels.shape), tuple(preds.shape)
    if label_shape != pred_shape:
        raise _shape_error(label_shape, pred_shape)
    if wrap:
        if _is_array(labels):
            labels = [labels]
        if _is_array(preds):
            preds = [preds]
    return labels, preds


def _regression_pair(label, pred):
    """Host arrays of a label/prediction pair, 1-D ones as columns, checked to broadcast."""
    label = _host(label)
    pred = _host(pred)
    if label.ndim == 1:
        label = label.reshape(label.shape[0], 1)
    if pred.ndim == 1:
        pred = pred.reshape(pred.shape[0], 1)
    try:
        numpy.broadcast_shapes(label.shape, pred.shape)
    except ValueError:
        raise _shape_error(label.shape, pred.shape) from None
    return label, pred


# --------------------------------------------------------------------------- registry
_REGISTRY = Registry('metric', MetricError)


def register(klass, name=None):
    """Register an EvalMetric subclass under ``name`` (default: class name, lower case)."""
    return _REGISTRY.register(klass, EvalMetric, name)


def alias(*aliases):
    """Decorator registering an EvalMetric subclass under extra names."""
    return _REGISTRY.alias(EvalMetric, *aliases)


def _create(metric, *args, **kwargs):
    if isinstance(metric, EvalMetric):
        if args or kwargs:
            raise MetricError("metric is already an instance. Additional arguments are "
                              "invalid")
        return metric
    if isinstance(metric, dict):
        return _create(**metric)
    if not isinstance(metric, string_types):
        raise MetricError("metric must be a name, an EvalMetric, a list or a function, got %r"
                          % (metric,))
    if metric.startswith('['):
        name, kw = json.loads(metric)
        return _create(name, **kw)
    if metric.startswith('{'):
        return _create(**json.loads(metric))
    return _REGISTRY.get(metric)(*args, **kwargs)


def create(metric, *args, **kwargs):
    """A metric from a name (``'acc'``, ``'f1'``, ...), an EvalMetric (returned as is), a
    list of those (a CompositeEvalMetric) or a function ``feval(label, pred)`` (a
    CustomMetric); ``args``/``kwargs`` go to the constructor."""
    if callable(metric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        composite = CompositeEvalMetric()
        for child in metric:
            composite.add(create(child, *args, **kwargs))
        return composite
    return _create(metric, *args, **kwargs)


# --------------------------------------------------------------------------- base class
class EvalMetric(object):
    """Base class of metrics: ``update(labels, preds)``, ``get()``, ``reset()``.

    ``output_names``/``label_names`` choose the entries ``update_dict`` uses (default all).
    """

    def __init__(self, name, output_names=None, label_names=None, **kwargs):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop('has_global_stats', False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self):
        return "EvalMetric: {}".format(dict(self.get_name_value()))

    def get_config(self):
        """The constructor arguments; ``metric.create(**config)`` rebuilds the metric."""
        config = self._kwargs.copy()
        config.update({'metric': self.__class__.__name__, 'name': self.name,
                       'output_names': self.output_names, 'label_names': self.label_names})
        return config

    def update_dict(self, label, pred):
        """Update from name -> array dicts, using ``label_names``/``output_names``."""
        if self.output_names is not None:
            pred = [pred[name] for name in self.output_names]
        else:
            pred = list(pred.values())
        if self.label_names is not None:
            label = [label[name] for name in self.label_names]
        else:
            label = list(label.values())
        self.update(label, pred)

    def update(self, labels, preds):
        """Accumulate a batch: ``labels`` and ``preds`` are arrays or lists of arrays."""
        raise NotImplementedError()

    def reset(self):
        """Clear the local and the global statistics."""
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self):
        """Clear the local statistics only (``get_global()`` keeps counting)."""
        self.num_inst = 0
        self.sum_metric = 0.0

    def get(self):
        """``(name, value)``; the value is NaN before any update."""
        if self.num_inst == 0:
            return (self.name, float('nan'))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self):
        """``(name, value)`` over everything since the last ``reset()``."""
        if self._has_global_stats:
            if self.global_num_inst == 0:
                return (self.name, float('nan'))
            return (self.name, self.global_sum_metric / self.global_num_inst)
        return self.get()

    def get_name_value(self):
        """``[(name, value), ...]``."""
        name, value = self.get()
        if not isinstance(name, list):
            name = [name]
        if not isinstance(value, list):
            value = [value]
        return list(zip(name, value))

    def get_global_name_value(self):
        if self._has_global_stats:
            name, value = self.get_global()
            if not isinstance(name, list):
                name = [name]
            if not isinstance(value, list):
                value = [value]
            return list(zip(name, value))
        return self.get_name_value()

    def _add(self, value, count):
        """Add to the local and global sums (value as a Python float: float64 sums)."""
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count


@register
@alias('composite')
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; ``get()`` returns ``([names], [values])``."""

    def __init__(self, metrics=None, name='composite', output_names=None, label_names=None):
        super(CompositeEvalMetric, self).__init__(name, output_names=output_names,
                                                  label_names=label_names,
                                                  has_global_stats=True)
        if metrics is None:
            metrics = []
        self.metrics = [create(i) for i in metrics]

    def add(self, metric):
        """Add a child metric (an instance, a name or a function)."""
        self.metrics.append(create(metric))

    def get_metric(self, index):
        """The child metric at ``index``."""
        try:
            return self.metrics[index]
        except IndexError:
            raise MetricError("Metric index {} is out of range 0 and {}"
                              .format(index, len(self.metrics))) from None

    def update_dict(self, labels, preds):  # pylint: disable=arguments-differ
        if self.label_names is not None:
            labels = OrderedDict([i for i in labels.items() if i[0] in self.label_names])
        if self.output_names is not None:
            preds = OrderedDict([i for i in preds.items() if i[0] in self.output_names])
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def update(self, labels, preds):
        for metric in self.metrics:
            metric.update(labels, preds)

    def reset(self):
        for metric in getattr(self, 'metrics', ()):
            metric.reset()

    def reset_local(self):
        for metric in getattr(self, 'metrics', ()):
            metric.reset_local()

    def _collect(self, getter):
        names, values = [], []
        for metric in self.metrics:
            name, value = getattr(metric, getter)()
            if isinstance(name, string_types):
                name = [name]
            if isinstance(value, numeric_types):
                value = [value]
            names.extend(name)
            values.extend(value)
        return (names, values)

    def get(self):
        return self._collect('get')

    def get_global(self):
        return self._collect('get_global')

    def get_config(self):
        config = super(CompositeEvalMetric, self).get_config()
        config.update({'metrics': [i.get_config() for i in self.metrics]})
        return config


# --------------------------------------------------------------------------- classification
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
            raise MetricError('Please use Accuracy if top_k is no more than 1 (got top_k=%r)'
                              % (top_k,))
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


def _check_average(average):
    if average not in ('macro', 'micro'):
        raise MetricError("average must be 'macro' or 'micro', got %r" % (average,))
    return average


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


# --------------------------------------------------------------------------- regression
class _BatchMean(EvalMetric):
    """Regression metrics: the average over ``update`` entries of a per-batch value.
    1-D labels/predictions are taken as columns, so (N,) and (N, 1) compare."""

    _default_name = None

    def __init__(self, name=None, output_names=None, label_names=None):
        super(_BatchMean, self).__init__(name or self._default_name,
                                         output_names=output_names, label_names=label_names,
                                         has_global_stats=True)

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _regression_pair(label, pred)
            self._add(float(self._batch_value(label, pred)), 1)


@register
class MAE(_BatchMean):
    """Mean absolute error, averaged over batches."""
    _default_name = 'mae'

    def __init__(self, name='mae', output_names=None, label_names=None):
        super(MAE, self).__init__(name, output_names, label_names)

    @staticmethod
    def _batch_value(label, pred):
        return numpy.abs(label - pred).mean()


@register
class MSE(_BatchMean):
    """Mean squared error, averaged over batches."""
    _default_name = 'mse'

    def __init__(self, name='mse', output_names=None, label_names=None):
        super(MSE, self).__init__(name, output_names, label_names)

    @staticmethod
    def _batch_value(label, pred):
        return ((label - pred) ** 2.0).mean()


@register
class RMSE(_BatchMean):
    """Root mean squared error of each batch, averaged over batches."""
    _default_name = 'rmse'

    def __init__(self, name='rmse', output_names=None, label_names=None):
        super(RMSE, self).__init__(name, output_names, label_names)

    @staticmethod
    def _batch_value(label, pred):
        return numpy.sqrt(((label - pred) ** 2.0).mean())


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
@alias('pearsonr')
class PearsonCorrelation(EvalMetric):
    """Pearson correlation of labels and predictions (same shapes, flattened).

    ``average='macro'`` averages the coefficient of each batch; ``'micro'`` computes one
    coefficient over all batches (Welford's running moments, as MXNet).
    """

    def __init__(self, name='pearsonr', output_names=None, label_names=None,
                 average='macro'):
        self.average = _check_average(average)
        super(PearsonCorrelation, self).__init__(name, output_names=output_names,
                                                 label_names=label_names,
                                                 has_global_stats=True)
        if self.average == 'micro':
            self.reset_micro()

    def reset_micro(self):
        self._sse_p = 0
        self._mean_p = 0
        self._sse_l = 0
        self._mean_l = 0
        self._pred_nums = 0
        self._label_nums = 0
        self._conv = 0

    def reset(self):
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0
        if self.average == 'micro':
            self.reset_micro()

    @staticmethod
    def update_variance(new_values, *aggregate):
        """Welford's update of ``(count, mean, M2)`` with a batch of values."""
        count, mean, m_2 = aggregate
        count += len(new_values)
        delta = new_values - mean
        mean += numpy.sum(delta / count)
        delta_2 = new_values - mean
        m_2 += numpy.sum(delta * delta_2)
        return count, mean, m_2

    def update_cov(self, label, pred):
        self._conv = self._conv + numpy.sum((label - self._mean_l) * (pred - self._mean_p))

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            check_label_shapes(label, pred, False, True)
            label = _host(label).ravel().astype(numpy.float64)
            pred = _host(pred).ravel().astype(numpy.float64)
            if self.average == 'macro':
                self._add(float(numpy.corrcoef(pred, label)[0, 1]), 1)
            else:
                self.global_num_inst += 1
                self.num_inst += 1
                self._label_nums, self._mean_l, self._sse_l = \
                    self.update_variance(label, self._label_nums, self._mean_l, self._sse_l)
                self.update_cov(label, pred)
                self._pred_nums, self._mean_p, self._sse_p = \
                    self.update_variance(pred, self._pred_nums, self._mean_p, self._sse_p)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float('nan'))
        if self.average == 'macro':
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        pearsonr = self._conv / ((n - 1) * numpy.sqrt(self._sse_p / (n - 1)) *
                                 numpy.sqrt(self._sse_l / (n - 1)))
        return (self.name, float(pearsonr))

    def get_global(self):
        if self.average == 'micro':
            # the micro moments are not split into local and global parts
            if self.global_num_inst == 0:
                return (self.name, float('nan'))
            return self.get()
        return super(PearsonCorrelation, self).get_global()


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


# --------------------------------------------------------------------------- others
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


@register
class CustomMetric(EvalMetric):
    """A metric from ``feval(label, pred)`` on NumPy arrays, returning a value (counted as
    one instance) or a ``(sum_metric, num_inst)`` tuple.

    The default name is ``feval.__name__`` (``'custom(<lambda>)'`` for a lambda). With
    ``allow_extra_outputs`` there may be more predictions than labels (the extra ones are
    ignored).
    """

    def __init__(self, feval, name=None, allow_extra_outputs=False, output_names=None,
                 label_names=None):
        if name is None:
            name = feval.__name__
            if name.find('<') != -1:
                name = 'custom(%s)' % name
        super(CustomMetric, self).__init__(name, feval=feval,
                                           allow_extra_outputs=allow_extra_outputs,
                                           output_names=output_names, label_names=label_names,
                                           has_global_stats=True)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels, preds):
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        else:
            labels = [labels] if _is_array(labels) else labels
            preds = [preds] if _is_array(preds) else preds
        for pred, label in zip(preds, labels):
            reval = self._feval(_host(label), _host(pred))
            if isinstance(reval, tuple):
                sum_metric, num_inst = reval
                self._add(sum_metric, num_inst)
            else:
                self._add(reval, 1)

    def get_config(self):
        raise NotImplementedError("CustomMetric cannot be serialized")


def np(numpy_feval, name=None, allow_extra_outputs=False):  # pylint: disable=invalid-name
    """A CustomMetric from ``numpy_feval(label, pred)`` taking NumPy arrays and returning a
    float (MXNet's ``mx.metric.np``)."""
    def feval(label, pred):
        return numpy_feval(label, pred)
    feval.__name__ = numpy_feval.__name__
    return CustomMetric(feval, name, allow_extra_outputs)
