"""Regression metrics: ``MAE``, ``MSE``, ``RMSE`` (batch means) and ``PearsonCorrelation``."""
import numpy

from .base import (EvalMetric, _check_average, _host, _shape_error, check_label_shapes,
                   register, alias)


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
