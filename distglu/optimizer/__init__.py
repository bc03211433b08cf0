"""Optimizers and learning-rate schedulers (``mxnet.optimizer``, ``mxnet.lr_scheduler``).

``mx.optimizer.create('adam', learning_rate=1e-3)`` builds one by its registered name
(the lower-cased class name, case-insensitive as MXNet).
"""
from . import optimizer
from .optimizer import Optimizer, Updater, create, get_updater, register
from .sgd import SGD, NAG, Signum, DCASGD, SGLD, ccSGD, Test
from .adam import Adam, AdamW, Adamax, Nadam, LAMB, FTML
from .adaptive import RMSProp, AdaGrad, GroupAdaGrad, AdaDelta, Ftrl
from .lars import LARS, LBSGD
from . import lr_scheduler

__all__ = ['Optimizer', 'Updater', 'create', 'get_updater', 'register', 'lr_scheduler',
           'SGD', 'NAG', 'Signum', 'DCASGD', 'SGLD', 'ccSGD', 'Test',
           'Adam', 'AdamW', 'Adamax', 'Nadam', 'LAMB', 'FTML',
           'RMSProp', 'AdaGrad', 'GroupAdaGrad', 'AdaDelta', 'Ftrl', 'LARS', 'LBSGD']
