"""Block and HybridBlock (MXNet 1.x ``mxnet.gluon.block``).

Blocks name themselves and their parameters the way MXNet 1.x does (``dense0_weight``,
``sequential0_dense1_bias``), register child blocks and parameters assigned as
attributes, and run ``forward`` eagerly. ``HybridBlock.hybrid_forward(F, x, **params)``
gets ``F`` = the ``nd`` namespace; hybridize() is accepted and never changes results.

Deferred initialization: a parameter with a 0 in its shape is created at the first
forward. Built-in layers implement ``infer_shape(*inputs)`` to fill in those zeros from
their inputs; a custom HybridBlock with deferred parameters does the same.
"""
import re
import threading
import warnings
from collections import OrderedDict


from .. import autograd
from ..base import DistGluAssertionError, DistGluError, DistGluValueError
from .. import ndarray as nd
from ..ndarray.ndarray import NDArray
from .parameter import (Parameter, ParameterDict, DeferredInitializationError,
                        shape_is_known)
from .parameter_dict import _brief_print_list

__all__ = ['Block', 'HybridBlock', 'SymbolBlock']


class _NameManager:
    """Global per-hint counters for blocks created outside any name_scope."""
    _local = threading.local()

    @classmethod
    def get(cls, hint):
        counter = getattr(cls._local, 'counter', None)
        if counter is None:
            counter = cls._local.counter = {}
        n = counter.get(hint, 0)
        counter[hint] = n + 1
        return '%s%d' % (hint, n)


class _BlockScope:
    """The name scope of a block: gives children prefixes like ``dense0_``."""
    _current = threading.local()

    def __init__(self, block):
        self._block = block
        self._counter = {}
        self._old_scope = None

    @staticmethod
    def create(prefix, params, hint):
        current = getattr(_BlockScope._current, 'value', None)
        if current is None:
            if prefix is None:
                prefix = _NameManager.get(hint) + '_'
            if params is None:
                params = ParameterDict(prefix)
            else:
                params = ParameterDict(params.prefix, params)
            return prefix, params
        if prefix is None:
            count = current._counter.get(hint, 0)
            prefix = '%s%d_' % (hint, count)
            current._counter[hint] = count + 1
        if params is None:
            parent = current._block.params
            params = ParameterDict(parent.prefix + prefix, parent._shared)
        else:
            params = ParameterDict(params.prefix, params)
        return current._block.prefix + prefix, params

    def __enter__(self):
        if self._block._empty_prefix:
            return self
        self._old_scope = getattr(_BlockScope._current, 'value', None)
        _BlockScope._current.value = self
        return self

    def __exit__(self, *exc):
        if self._block._empty_prefix:
            return False
        _BlockScope._current.value = self._old_scope
        return False


def _indent(s, num_spaces):
    lines = s.split('\n')
    if len(lines) == 1:
        return s
    first = lines.pop(0)
    return first + '\n' + '\n'.join((num_spaces * ' ') + line for line in lines)


class HookHandle:
    """What register_forward_hook / register_forward_pre_hook return: ``detach()``
    removes the hook (also on leaving a ``with`` block), ``attach`` re-attaches it."""

    def __init__(self, hooks=None, hook_id=None):
        self._hooks = hooks
        self._id = hook_id
        self._hook = None if hooks is None else hooks.get(hook_id)

    def attach(self, hooks_dict, hook):
        """Add ``hook`` to ``hooks_dict`` (MXNet's signature) and remember where it went."""
        if self._hooks is not None and self._id in self._hooks:
            raise DistGluError("The same handle cannot be attached twice.")
        self._id = max(hooks_dict, default=-1) + 1 if self._id is None else self._id
        hooks_dict[self._id] = hook
        self._hooks = hooks_dict
        self._hook = hook

    def detach(self):
        if self._hooks is not None:
            self._hooks.pop(self._id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()


class Block:
    """Base class of every layer and model (``mxnet.gluon.Block``).

    Subclasses create children/parameters in ``__init__`` (inside ``self.name_scope()``)
    and define ``forward(self, x, *args)``.
    """

    def __init__(self, prefix=None, params=None):
        self._empty_prefix = prefix == ''
        self._prefix, self._params = _BlockScope.create(prefix, params, self._alias())
        self._name = self._prefix[:-1] if self._prefix.endswith('_') else self._prefix
        self._scope = _BlockScope(self)
        self._children = OrderedDict()
        self._reg_params = {}
        self._forward_hooks = OrderedDict()
        self._forward_pre_hooks = OrderedDict()
        self._hook_id = 0

    def __repr__(self):
        s = '{name}(\n{modstr}\n)'
        # the Blocks held in attributes, as MXNet prints them (children registered only
        # through register_child or _children do not show; Sequential lists those)
        modstr = '\n'.join(['  ({key}): {block}'.format(key=key, block=_indent(repr(block), 2))
                            for key, block in self.__dict__.items() if isinstance(block, Block)])
        return s.format(name=self.__class__.__name__, modstr=modstr)

    def __setattr__(self, name, value):
        """Register Blocks and Parameters assigned as attributes."""
        if hasattr(self, name) and name in self.__dict__:
            existing = self.__dict__[name]
            if isinstance(existing, (Parameter, Block)) and not isinstance(value, type(existing)) \
                    and value is not None:
                raise DistGluError("Changing attribute type for {name} from {type1} to {type2} "
                                   "is not allowed.".format(name=name, type1=type(existing),
                                                           type2=type(value)))
        if isinstance(value, Block):
            self.register_child(value, name)
        elif isinstance(value, Parameter):
            if name in self._reg_params and self._reg_params[name] is not value:
                raise DistGluError(
                    "Overriding Parameter attribute %s is not allowed. If you want to share "
                    "parameters between blocks, please set 'params' at Block construction "
                    "instead." % name)
            self._reg_params[name] = value
        object.__setattr__(self, name, value)

    def _alias(self):
        return self.__class__.__name__.lower()

    @property
    def prefix(self):
        """Prefix of this block's names, e.g. ``dense0_``."""
        return self._prefix

    @property
    def name(self):
        """The block's name, e.g. ``dense0``."""
        return self._name

    def name_scope(self):
        """Scope in which children get names prefixed by this block's prefix."""
        return self._scope

    @property
    def params(self):
        """This block's own ParameterDict (children's parameters not included)."""
        return self._params

    def collect_params(self, select=None):
        """A ParameterDict of this block's and all descendants' parameters.

        ``select`` is a regular expression (or ``|``-separated list of them) on names,
        e.g. ``'.*weight|.*bias'``.
        """
        ret = ParameterDict(self._params.prefix)
        if not select:
            ret.update(self.params)
        else:
            pattern = re.compile(select)
            ret.update({name: value for name, value in self.params.items()
                        if pattern.match(name)})
        for cld in self._children.values():
            ret.update(cld.collect_params(select=select))
        return ret

    def _collect_params_with_prefix(self, prefix=''):
        if prefix:
            prefix += '.'
        ret = {prefix + key: val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def register_child(self, block, name=None):
        """Register a child block (done automatically for attributes)."""
        if name is None:
            name = str(len(self._children))
        self._children[name] = block

    def register_forward_pre_hook(self, hook):
        """``hook(block, inputs)`` runs before forward; returns a handle with detach()."""
        self._hook_id += 1
        self._forward_pre_hooks[self._hook_id] = hook
        return HookHandle(self._forward_pre_hooks, self._hook_id)

    def register_forward_hook(self, hook):
        """``hook(block, inputs, output)`` runs after forward; returns a handle."""
        self._hook_id += 1
        self._forward_hooks[self._hook_id] = hook
        return HookHandle(self._forward_hooks, self._hook_id)

    def apply(self, fn):
        """Call ``fn(block)`` on every descendant and then on this block."""
        for cld in self._children.values():
            cld.apply(fn)
        fn(self)
        return self

    def initialize(self, init=None, ctx=None, verbose=False, force_reinit=False):
        """Initialize all parameters (``init`` defaults to ``init.Uniform()``)."""
        self.collect_params().initialize(init, ctx, verbose, force_reinit)

    def hybridize(self, active=True, **kwargs):
        """Accepted for compatibility; distglu always runs imperatively (same results)."""
        for cld in self._children.values():
            cld.hybridize(active, **kwargs)

    def cast(self, dtype):
        """Cast all parameters to ``dtype``."""
        for child in self._children.values():
            child.cast(dtype)
        for p in self._reg_params.values():
            p.cast(dtype)

    def zero_grad(self):
        """Set every parameter's gradient to 0 (for grad_req='add')."""
        self.collect_params().zero_grad()

    def reset_ctx(self, ctx):
        self.collect_params().reset_ctx(ctx)

    # ------------------------------------------------------------------ save / load
    def save_parameters(self, filename, deduplicate=False):
        """Save parameter values, keyed by attribute path (``0.weight``, ``conv.bias``).

        The file is MXNet's NDArray format, written atomically.
        """
        params = self._collect_params_with_prefix()
        if deduplicate:
            reverse = {}
            for k, v in params.items():
                reverse.setdefault(v, k)
            params = {k: v for k, v in params.items() if reverse[v] == k}
        arg_dict = {key: val._reduce() for key, val in params.items()}
        nd.save(filename, arg_dict)

    def save_params(self, filename):
        """MXNet 1.x's older format: parameters keyed by full names minus this prefix."""
        warnings.warn("save_params is deprecated. Please use save_parameters.", stacklevel=2)
        self.collect_params().save(filename, strip_prefix=self.prefix)

    def load_parameters(self, filename, ctx=None, allow_missing=False, ignore_extra=False,
                        cast_dtype=False, dtype_source='current'):
        """Load values written by save_parameters (or by MXNet).

        Missing, extra, mis-shaped or mis-typed parameters are errors naming them, unless
        ``allow_missing`` / ``ignore_extra`` / ``cast_dtype`` say otherwise.
        """
        loaded = nd.load(filename)
        if isinstance(loaded, list):
            raise DistGluError("%r holds an unnamed list of arrays, not saved parameters"
                               % (filename,))
        params = self._collect_params_with_prefix()
        if not loaded and not params:
            return
        if not any('.' in i for i in loaded.keys()):
            # the older save_params format: full names minus the block prefix
            del loaded
            self.collect_params().load(filename, ctx, allow_missing, ignore_extra,
                                       self.prefix, cast_dtype=cast_dtype,
                                       dtype_source=dtype_source)
            return
        if not allow_missing:
            for name in params.keys():
                if name not in loaded:
                    raise DistGluAssertionError(
                        "Parameter '%s' is missing in file '%s', which contains parameters: "
                        "%s. Set allow_missing=True to ignore missing parameters."
                        % (name, filename, _brief_print_list(loaded.keys())))
        for name in loaded:
            if not ignore_extra and name not in params:
                raise DistGluValueError(
                    "Parameter '%s' loaded from file '%s' is not present in ParameterDict, "
                    "which contains parameters %s. Set ignore_extra=True to ignore. "
                    % (name, filename, _brief_print_list(params.keys())))
            if name in params:
                params[name]._load_init(loaded[name], ctx, cast_dtype=cast_dtype,
                                        dtype_source=dtype_source)

    def load_params(self, filename, ctx=None, allow_missing=False, ignore_extra=False):
        warnings.warn("load_params is deprecated. Please use load_parameters.", stacklevel=2)
        self.load_parameters(filename, ctx, allow_missing, ignore_extra)

    def load_dict(self, param_dict, ctx=None, allow_missing=False, ignore_extra=False,
                  cast_dtype=False, dtype_source='current'):
        params = self._collect_params_with_prefix()
        for name in params:
            if not allow_missing and name not in param_dict:
                raise DistGluError("Parameter '%s' is missing in the dict" % name)
        for name, v in param_dict.items():
            if name in params:
                params[name]._load_init(v, ctx, cast_dtype, dtype_source)
            elif not ignore_extra:
                raise DistGluError("Parameter '%s' is not present in the Block" % name)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if self._forward_pre_hooks:
            for hook in list(self._forward_pre_hooks.values()):
                hook(self, args)
        out = self.forward(*args, **kwargs)
        if self._forward_hooks:
            for hook in list(self._forward_hooks.values()):
                hook(self, args, out)
        return out

    def forward(self, *args):
        raise DistGluError("%s must define forward(self, x, ...)" % type(self).__name__)

    def infer_shape(self, *args):
        """Fill in unknown (0) parameter shapes from the inputs; layers override this."""
        unknown = [p.name for p in self._reg_params.values() if not shape_is_known(p.shape)]
        raise DistGluValueError(
            "%s: cannot infer the shapes of %s from the input. Give their full shapes (e.g. "
            "in_units/in_channels), or define infer_shape(self, *inputs) to set them."
            % (type(self).__name__, ', '.join(unknown)))

    def summary(self, *inputs):
        """Print a table of layers, output shapes and parameter counts for ``inputs``."""
        summary = OrderedDict()
        seen = set()
        hooks = []

        def _get_shape_str(args):
            def flatten(args):
                if not isinstance(args, (list, tuple)):
                    return [args], int(0)
                flat = []
                fmts = []
                for i in args:
                    arg, fmt = flatten(i)
                    flat.extend(arg)
                    fmts.append(fmt)
                return flat, fmts

            def regroup(args, fmt):
                if isinstance(fmt, int):
                    if fmt == 0:
                        return args[0], args[1:]
                    return args[:fmt], args[fmt:]
                ret = []
                for i in fmt:
                    res, args = regroup(args, i)
                    ret.append(res)
                return ret, args

            flat_args, fmts = flatten(args)
            flat_arg_shapes = [x.shape if isinstance(x, NDArray) else x for x in flat_args]
            shapes = regroup(flat_arg_shapes, fmts)[0]
            if isinstance(shapes, list):
                shape_str = str(shapes)[1:-1]
            else:
                shape_str = str(shapes)
            return shape_str.replace('L', '')

        def _register_summary_hook(block):
            def _summary_hook(block, _, outputs):
                class_name = block.__class__.__name__
                block_idx = len(summary) - 1
                m_key = '%s-%i' % (class_name, block_idx + 1)
                summary[m_key] = OrderedDict()
                summary[m_key]['output_shape'] = _get_shape_str(outputs)
                params = 0
                summary[m_key]['trainable'] = 0
                summary[m_key]['shared'] = 0
                for p in block._reg_params.values():
                    params += p.data().size
                    summary[m_key]['trainable'] += 0 if p.grad_req == 'null' else p.data().size
                    if p in seen:
                        summary[m_key]['shared'] += p.data().size
                    else:
                        seen.add(p)
                summary[m_key]['n_params'] = params

            from .nn.basic_layers import Sequential, HybridSequential
            if not isinstance(block, (Sequential, HybridSequential)):  # containers: no row
                hooks.append(block.register_forward_hook(_summary_hook))

        summary['Input'] = OrderedDict()
        summary['Input']['output_shape'] = _get_shape_str(inputs)
        summary['Input']['n_params'] = 0
        summary['Input']['trainable'] = 0
        summary['Input']['shared'] = 0
        try:
            self.apply(_register_summary_hook)
            with autograd.pause():
                self(*inputs)
            line_format = '{:>20}  {:>42} {:>15}'
            print('-' * 80)
            print(line_format.format('Layer (type)', 'Output Shape', 'Param #'))
            print('=' * 80)
            total_params = 0
            trainable_params = 0
            shared_params = 0
            for layer in summary:
                print(line_format.format(layer, str(summary[layer]['output_shape']),
                                         summary[layer]['n_params']))
                total_params += summary[layer]['n_params']
                trainable_params += summary[layer]['trainable']
                shared_params += summary[layer]['shared']
            print('=' * 80)
            print('Parameters in forward computation graph, duplicate included')
            print('   Total params: ' + str(total_params))
            print('   Trainable params: ' + str(trainable_params))
            print('   Non-trainable params: ' + str(total_params - trainable_params))
            print('Shared params in forward computation graph: ' + str(shared_params))
            print('Unique parameters in model: ' + str(total_params - shared_params))
            print('-' * 80)
        finally:
            for h in hooks:
                h.detach()


class HybridBlock(Block):
    """A Block whose computation is written as ``hybrid_forward(F, x, *args, **params)``.

    ``F`` is the ``nd`` namespace; the block's parameters arrive as keyword NDArrays on
    the input's context. ``hybridize()`` is accepted and never changes results.
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._active = False
        self._flags = {}

    def hybridize(self, active=True, static_alloc=False, static_shape=False, **kwargs):
        self._active = active
        self._flags = dict(static_alloc=static_alloc, static_shape=static_shape, **kwargs)
        super().hybridize(active, static_alloc=static_alloc, static_shape=static_shape,
                          **kwargs)

    def forward(self, x, *args):
        ctx = x._ctx if isinstance(x, NDArray) else None
        reg = self._reg_params
        if not reg:
            return self.hybrid_forward(nd, x, *args)
        try:
            params = {k: v.data(ctx) for k, v in reg.items()}
        except DeferredInitializationError:
            self._deferred_infer_shape(x, *args)
            for v in reg.values():
                v._finish_deferred_init()
            params = {k: v.data(ctx) for k, v in reg.items()}
        return self.hybrid_forward(nd, x, *args, **params)

    def _deferred_infer_shape(self, *args):
        if any(not shape_is_known(p.shape) for p in self._reg_params.values()):
            self.infer_shape(*args)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise DistGluError("%s must define hybrid_forward(self, F, x, ...)"
                           % type(self).__name__)

    def export(self, path, epoch=0, remove_amp_cast=True):
        raise DistGluError("export: distglu has no symbolic graphs to export; use "
                           "save_parameters() and rebuild the network in Python")

    def infer_type(self, *args):
        """Nothing to infer: parameters take the dtype they were created or cast with."""
        return None

    def optimize_for(self, x, *args, backend=None, **kwargs):
        self.hybridize(True)
        return self(x, *args)


class SymbolBlock(HybridBlock):
    """Not available: distglu has no symbolic graphs."""

    def __init__(self, outputs=None, inputs=None, params=None):
        raise DistGluError("SymbolBlock needs MXNet's symbolic graphs, which distglu does not "
                           "have; define the network with Blocks instead")

    @staticmethod
    def imports(symbol_file, input_names, param_file=None, ctx=None):
        raise DistGluError("SymbolBlock.imports needs MXNet's symbolic graphs, which distglu "
                           "does not have; define the network with Blocks and use "
                           "load_parameters")
