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
from .base import (MetricError, EvalMetric, CompositeEvalMetric, CustomMetric, np,
                   check_label_shapes, create, register, alias)
from .base import (_REGISTRY, _create, _is_array, _device, _host, _shape_error,
                   _check_average)
from .classification import (Accuracy, TopKAccuracy, F1, MCC, PCC,
                             _BinaryClassificationMetrics)
from .regression import MAE, MSE, RMSE, PearsonCorrelation, _BatchMean, _regression_pair
from .loss import (CrossEntropy, NegativeLogLikelihood, Perplexity, Loss, Torch, Caffe,
                   _label_probs)

__all__ = ['EvalMetric', 'CompositeEvalMetric', 'Accuracy', 'TopKAccuracy', 'F1', 'MCC',
           'Perplexity', 'MAE', 'MSE', 'RMSE', 'CrossEntropy', 'NegativeLogLikelihood',
           'PearsonCorrelation', 'PCC', 'Loss', 'Torch', 'Caffe', 'CustomMetric',
           'create', 'register', 'alias', 'check_label_shapes']
