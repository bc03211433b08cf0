"""``mx.image.image``: the functions, augmenters and iterator of ``mx.image`` in one module,
as MXNet lays them out (``mx.image.image.ImageIter`` is ``mx.image.ImageIter``)."""
from ._codec import imread, imdecode
from ._functional import (imresize, resize_short, fixed_crop, random_crop, center_crop,
                          color_normalize, random_size_crop, scale_down, copyMakeBorder,
                          imrotate, random_rotate)
from ._augmenters import (Augmenter, SequentialAug, ResizeAug, ForceResizeAug, RandomCropAug,
                          RandomSizedCropAug, CenterCropAug, RandomOrderAug,
                          BrightnessJitterAug, ContrastJitterAug, SaturationJitterAug,
                          HueJitterAug, ColorJitterAug, LightingAug, ColorNormalizeAug,
                          RandomGrayAug, HorizontalFlipAug, CastAug, CreateAugmenter)
from ._iter import ImageIter

__all__ = ['imread', 'imdecode', 'imresize', 'resize_short', 'fixed_crop', 'random_crop',
           'center_crop', 'color_normalize', 'random_size_crop', 'scale_down', 'copyMakeBorder',
           'imrotate', 'random_rotate', 'Augmenter', 'SequentialAug', 'ResizeAug',
           'ForceResizeAug', 'RandomCropAug', 'RandomSizedCropAug', 'CenterCropAug',
           'RandomOrderAug', 'BrightnessJitterAug', 'ContrastJitterAug', 'SaturationJitterAug',
           'HueJitterAug', 'ColorJitterAug', 'LightingAug', 'ColorNormalizeAug', 'RandomGrayAug',
           'HorizontalFlipAug', 'CastAug', 'CreateAugmenter', 'ImageIter']
