"""Datasets, samplers and the DataLoader (``mxnet.gluon.data``)."""
from .dataset import *  # noqa: F401,F403
from .dataset import Dataset, SimpleDataset, ArrayDataset, RecordFileDataset
from .sampler import *  # noqa: F401,F403
from .sampler import (Sampler, SequentialSampler, RandomSampler, FilterSampler, BatchSampler,
                      IntervalSampler)
from .dataloader import DataLoader, default_batchify_fn, default_mp_batchify_fn
from . import dataset, sampler, dataloader
from . import vision
