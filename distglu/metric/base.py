"""The metric base: ``EvalMetric``, ``CompositeEvalMetric`` and ``CustomMetric``/``np``,
the name registry (``register``, ``alias``, ``create``) and the input helpers the concrete
metrics share (``check_label_shapes``, host/device array access)."""
import json
from collections import OrderedDict

import numpy

from ..base import DistGluValueError, numeric_types, string_types
from ..ndarray.ndarray import NDArray
from ..registry import Registry


class MetricError(DistGluValueError):
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


def _check_average(average):
    if average not in ('macro', 'micro'):
        raise MetricError("average must be 'macro' or 'micro', got %r" % (average,))
    return average


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
