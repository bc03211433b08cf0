"""ParameterDict (MXNet 1.x ``mxnet.gluon.ParameterDict``): the ordered, prefixed name ->
Parameter dict a Block keeps, with get-or-create, bulk initialization and save/load.

``Parameter`` and ``Constant`` are imported where they are used: ``parameter`` re-exports
ParameterDict, so a module-level import here would be a cycle."""
from collections import OrderedDict

import numpy as np

from ..base import DistGluAssertionError, DistGluError, DistGluValueError
from .. import ndarray as nd
from ..ndarray.ndarray import NDArray

__all__ = ['ParameterDict']


class ParameterDict:
    """An ordered dict of Parameters keyed by their prefixed names (``dense0_weight``)."""

    def __init__(self, prefix='', shared=None):
        self._prefix = prefix
        self._params = OrderedDict()
        self._shared = shared

    def __repr__(self):
        s = '{name}(\n{content}\n)'
        name = self._prefix + ' ' if self._prefix else ''
        return s.format(name=name, content='\n'.join(
            ['  ' + repr(v).replace('\n', '\n  ') for v in self.values()]))

    def __getitem__(self, key):
        return self._params[key]

    def __iter__(self):
        return iter(self._params)

    def __len__(self):
        return len(self._params)

    def __contains__(self, key):
        return key in self._params

    def items(self):
        return self._params.items()

    def keys(self):
        return self._params.keys()

    def values(self):
        return self._params.values()

    @property
    def prefix(self):
        return self._prefix

    def _get_impl(self, name):
        if name in self._params:
            return self._params[name]
        if self._shared is not None and name in self._shared._params:
            self._params[name] = self._shared._params[name]
            return self._shared._params[name]
        return None

    def get(self, name, **kwargs):
        """Return the Parameter ``prefix + name``, creating it with ``kwargs`` if needed.

        An existing parameter must agree with the given attributes (an unknown 0 in a
        stored shape is filled from the given shape).
        """
        from .parameter import Parameter
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            param = Parameter(name, **kwargs)
            self._params[name] = param
        else:
            for k, v in kwargs.items():
                if hasattr(param, k) and getattr(param, k) is not None:
                    existing = getattr(param, k)
                    if k == 'shape' and len(v) == len(existing):
                        inferred = []
                        matched = True
                        for dim1, dim2 in zip(v, existing):
                            if dim1 != dim2 and dim1 * dim2 != 0:
                                matched = False
                                break
                            inferred.append(max(dim1, dim2))
                        if matched:
                            param._shape = tuple(inferred)
                            continue
                    elif k == 'dtype' and np.dtype(v) == np.dtype(existing):
                        continue
                    if v != existing and v is not None:
                        raise DistGluAssertionError(
                            "Cannot retrieve Parameter '%s' because desired attribute does "
                            "not match with stored for attribute '%s': desired '%s' vs "
                            "stored '%s'." % (name, k, str(v), str(getattr(param, k))))
                else:
                    setattr(param, k, v)
        return param

    def get_constant(self, name, value=None):
        """Return the Constant ``prefix + name``, creating it from ``value`` if needed."""
        from .parameter import Constant
        name = self._prefix + name
        param = self._get_impl(name)
        if param is None:
            if value is None:
                raise DistGluError("No constant named '%s'. Please specify value if you want "
                                   "to create a new constant." % name)
            param = Constant(name, value)
            self._params[name] = param
        elif value is not None:
            if not isinstance(param, Constant):
                raise DistGluError("Parameter '%s' already exists but it is not a constant."
                                   % name)
            if isinstance(value, NDArray):
                value = value.asnumpy()
            if param.shape != np.shape(value) or \
                    not np.array_equal(param.value.asnumpy(), np.asarray(value)):
                raise DistGluError("Constant '%s' already exists but its value doesn't match "
                                   "new value" % name)
        return param

    def update(self, other):
        """Add the parameters of ``other`` (same name must mean the same Parameter)."""
        for k, v in other.items():
            if k in self._params:
                if self._params[k] is not v:
                    raise DistGluError("Cannot update self with other because they have "
                                       "different Parameters with the same name '%s'" % k)
            else:
                self._params[k] = v

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialize every parameter; ``init`` is the default for those without their own."""
        from .. import initializer
        if init is None:
            init = initializer.Uniform()
        if verbose and hasattr(init, 'set_verbosity'):
            init.set_verbosity(verbose=verbose)
        for v in self.values():
            v.initialize(None, ctx, init, force_reinit=force_reinit)

    def zero_grad(self):
        for p in self.values():
            p.zero_grad()

    def reset_ctx(self, ctx):
        for p in self.values():
            p.reset_ctx(ctx)

    def list_ctx(self):
        s = []
        for p in self.values():
            for c in p.list_ctx():
                if c not in s:
                    s.append(c)
        return s

    def setattr(self, name, value):
        """Set an attribute (e.g. ``grad_req``, ``lr_mult``) on every parameter."""
        for p in self.values():
            setattr(p, name, value)

    def save(self, filename, strip_prefix=''):
        """Save the parameters' values (names without ``strip_prefix``)."""
        arg_dict = {}
        for param in self.values():
            weight = param._reduce()
            if not param.name.startswith(strip_prefix):
                raise DistGluValueError(
                    "Prefix '%s' is to be striped before saving, but Parameter's name '%s' "
                    "does not start with '%s'. this may be due to your Block shares "
                    "parameters from other Blocks or you forgot to use 'with name_scope()' "
                    "when creating child blocks. For more info on naming, please see "
                    "https://mxnet.apache.org/api/python/docs/tutorials/packages/gluon/"
                    "blocks/naming.html" % (strip_prefix, param.name, strip_prefix))
            arg_dict[param.name[len(strip_prefix):]] = weight
        nd.save(filename, arg_dict)

    def load(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
             restore_prefix='', cast_dtype=False, dtype_source='current'):
        """Load values saved by :meth:`save` (names get ``restore_prefix`` prepended)."""
        if restore_prefix:
            for name in self.keys():
                if not name.startswith(restore_prefix):
                    raise DistGluAssertionError(
                        "restore_prefix is '%s' but Parameters name '%s' does not start with "
                        "'%s'" % (restore_prefix, name, restore_prefix))
        ndarray_load = nd.load(filename)
        self.load_dict(ndarray_load, ctx, allow_missing, ignore_extra, restore_prefix,
                       filename, cast_dtype, dtype_source)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  restore_prefix='', filename=None, cast_dtype=False, dtype_source='current'):
        if isinstance(param_dict, list):
            raise DistGluError("%s holds an unnamed list of arrays, not parameters"
                               % (filename or 'the input'))
        lprefix = len(restore_prefix)
        loaded = [(k[4:] if k.startswith('arg:') or k.startswith('aux:') else k, v)
                  for k, v in param_dict.items()]
        arg_dict = {restore_prefix + k: v for k, v in loaded}
        error_str = "file: %s" % filename if filename else "param_dict"
        if not allow_missing:
            for name in self.keys():
                if name not in arg_dict:
                    raise DistGluAssertionError(
                        "Parameter '%s' is missing in %s, which contains parameters: %s. "
                        "Please make sure source and target networks have the same prefix."
                        "For more info on naming, please see "
                        "https://mxnet.apache.org/api/python/docs/tutorials/packages/gluon/"
                        "blocks/naming.html" % (name[lprefix:], error_str,
                                                _brief_print_list(arg_dict.keys())))
        for name in arg_dict:
            if name not in self._params:
                if not ignore_extra:
                    raise DistGluAssertionError(
                        "Parameter '%s' loaded from %s is not present in ParameterDict, "
                        "choices are: %s. Set ignore_extra to True to ignore. Please make "
                        "sure source and target networks have the same prefix."
                        % (name[lprefix:], error_str, _brief_print_list(self._params.keys())))
                continue
            self[name]._load_init(arg_dict[name], ctx, cast_dtype=cast_dtype,
                                  dtype_source=dtype_source)


def _brief_print_list(lst, limit=7):
    lst = list(lst)
    if len(lst) > limit:
        return _brief_print_list(lst[:limit // 2], limit) + ', ..., ' + \
            _brief_print_list(lst[-limit // 2:], limit)
    return ', '.join(["'%s'" % str(i) for i in lst])
