"""Define-by-run automatic differentiation (MXNet 1.x ``mxnet.autograd``).

Every differentiable operator run under ``record()`` appends one :class:`_Node` to the
graph: the backward function (a vector-Jacobian product written next to the forward in
``ndarray/ops``), the nodes of its inputs, and the arrays the backward needs. Variables
(arrays that had ``attach_grad``) carry a :class:`_Leaf` that owns their gradient buffer.

A backward function has the signature ``bwd(xp, g, ins, out, attrs)``:
  * ``xp``  -- numpy/cupy for a plain backward, or the differentiable ``nd`` adapter
    when ``create_graph=True`` (so second-order gradients reuse the same code);
  * ``g``   -- gradient of the output (a list of gradients, None where absent, for
    multi-output nodes);
  * ``ins`` -- the saved inputs, ``out`` the saved output, ``attrs`` static arguments.
It returns one gradient (or None) per recorded input.
"""
import itertools
from operator import attrgetter

import numpy as np

from .base import DistGluError

__all__ = ['record', 'pause', 'train_mode', 'predict_mode', 'is_recording', 'is_training',
           'set_recording', 'set_training', 'mark_variables', 'backward', 'grad', 'Function',
           'get_symbol']

# Global state, read on every operator call: module globals are the cheapest lookup.
_recording = False
_training = False

_seq = itertools.count()

_NOT_IN_GRAPH = ("Cannot differentiate node because it is not in a computational graph. "
                 "You need to set is_recording to true or use autograd.record() to save "
                 "computational graphs for backward. If you want to differentiate the same "
                 "graph twice, you need to pass retain_graph=True to backward.")
_INPLACE_IN_GRAPH = ("Assigning to NDArrays that are already in a computational graph will "
                     "cause undefined behavior when evaluating gradients. Please call backward "
                     "first to clear the graph or do this out side of a record section. Also "
                     "note that you cannot use inplace operations like +=, *=, relu(x, out=x), "
                     "y[idx]=x, etc inside a record section.")


class _Node:
    """One recorded operator application."""
    __slots__ = ('bwd', 'parents', 'ins', 'out', 'attrs', 'nout', 'seq', 'name', '__weakref__')

    def __init__(self, bwd, parents, ins, out, attrs, nout=1, name=None):
        self.bwd = bwd
        self.parents = parents      # tuple of (node, output index) or None, one per input
        self.ins = ins              # saved input NDArrays (what bwd needs)
        self.out = out              # saved raw output array, or None
        self.attrs = attrs
        self.nout = nout
        self.seq = next(_seq)
        self.name = name


class _Leaf:
    """The graph end of a variable: where its gradient is written."""
    __slots__ = ('var', 'grad', 'grad_req', 'fresh', 'seq', '__weakref__')
    # Recording treats an input whose node has ``bwd`` None as a constant: a _Node gets
    # that once a backward without retain_graph has passed (and freed) it, as MXNet
    # treats such outputs; a leaf is always live.
    bwd = True

    def __init__(self, var, grad, grad_req):
        self.var = var
        self.grad = grad            # NDArray buffer (may be a view into a flat gradient bucket)
        self.grad_req = grad_req
        self.fresh = False
        self.seq = -1


def _set(recording=None, training=None):
    global _recording, _training
    prev = (_recording, _training)
    if recording is not None:
        _recording = bool(recording)
    if training is not None:
        _training = bool(training)
    return prev


class _RecordingStateScope:
    """Scope that sets recording/training on entry and restores them on exit."""
    __slots__ = ('_rec', '_train', '_prev')

    def __init__(self, is_record, train_mode):
        self._rec = is_record
        self._train = train_mode
        self._prev = None

    def __enter__(self):
        self._prev = _set(self._rec, self._train)
        return self

    def __exit__(self, *exc):
        _set(*self._prev)
        return False


def record(train_mode=True):
    """Scope in which operators are recorded for ``backward`` (training mode by default)."""
    return _RecordingStateScope(True, train_mode)


def pause(train_mode=False):
    """Scope in which recording is off (predict mode by default)."""
    return _RecordingStateScope(False, train_mode)


def train_mode():
    """Scope in which operators behave as in training (Dropout active, BatchNorm batch stats)."""
    return _RecordingStateScope(None, True)


def predict_mode():
    """Scope in which operators behave as in inference."""
    return _RecordingStateScope(None, False)


def is_recording():
    return _recording


def is_training():
    return _training


def set_recording(is_recording):  # pylint: disable=redefined-outer-name
    """Set recording on or off; returns the previous state."""
    return _set(recording=is_recording)[0]


def set_training(train_mode):  # pylint: disable=redefined-outer-name
    """Set training on or off; returns the previous state."""
    return _set(training=train_mode)[1]


def _as_list(x):
    if x is None:
        return None
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def mark_variables(variables, gradients, grad_reqs='write'):
    """Mark arrays as variables whose gradients are written into ``gradients``."""
    variables = _as_list(variables)
    gradients = _as_list(gradients)
    if isinstance(grad_reqs, str):
        grad_reqs = [grad_reqs] * len(variables)
    if len(gradients) != len(variables) or len(grad_reqs) != len(variables):
        raise DistGluError("mark_variables: expected as many gradients and grad_reqs as "
                           "variables (%d), got %d gradients and %d grad_reqs"
                           % (len(variables), len(gradients), len(grad_reqs)))
    for var, g, req in zip(variables, gradients, grad_reqs):
        _attach(var, g, req)


def _attach(var, grad_buf, grad_req):
    if grad_req not in ('write', 'add', 'null'):
        raise DistGluError("grad_req: expected 'write', 'add' or 'null', got %r" % (grad_req,))
    if grad_req != 'null' and var._data.dtype.kind not in 'fc':
        raise DistGluError("attach_grad: gradients are only defined for floating-point "
                           "arrays, got an array of dtype %s (cast it with astype('float32'))"
                           % var._data.dtype)
    if grad_buf is not None and grad_buf.shape != var.shape:
        raise DistGluError("mark_variables: gradient buffer of shape %s does not match the "
                           "variable's shape %s" % (grad_buf.shape, var.shape))
    var._node = _Leaf(var, grad_buf, grad_req)
    var._oidx = 0


# ---------------------------------------------------------------------------------------
# backward

def _ndarray_cls():
    from .ndarray.ndarray import NDArray
    return NDArray


def _collect(heads):
    """Nodes reachable from the heads in reverse creation order, the leaves reached, and
    how many graph edges end at each leaf."""
    seen = set()
    nodes = []
    leaves = []
    leaf_uses = {}
    stack = [h._node for h in heads]
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        if type(n) is _Leaf:
            leaves.append(n)
            continue
        if n.bwd is None:
            raise DistGluError(_NOT_IN_GRAPH)
        nodes.append(n)
        for p in n.parents:
            if p is not None:
                pn = p[0]
                if type(pn) is _Leaf:
                    leaf_uses[pn] = leaf_uses.get(pn, 0) + 1
                if pn not in seen:
                    stack.append(pn)
    nodes.sort(key=attrgetter('seq'), reverse=True)
    return nodes, leaves, leaf_uses


def _direct_targets(n, leaf_uses):
    """For a backward that can write into buffers (``bwd.grad_out``): per input, the raw
    gradient buffer of a 'write' variable that this node alone feeds, else None."""
    outs = []
    for p in n.parents:
        leaf = None if p is None else p[0]
        if type(leaf) is _Leaf and leaf.grad_req == 'write' and leaf.grad is not None \
                and leaf_uses.get(leaf) == 1:
            outs.append(leaf.grad._data)
        else:
            outs.append(None)
    return outs


def _run_backward(heads, head_grads, retain_graph, create_graph, train_mode,
                  direct_write=False):
    """Propagate gradients from heads; return {leaf: gradient} for every leaf reached.

    With ``direct_write`` (a plain ``backward()``), operators that support it write a
    variable's gradient straight into its buffer (e.g. a Trainer's flat bucket) when
    they are the variable's only use, saving the copy.
    """
    NDArray = _ndarray_cls()
    heads = _as_list(heads)
    head_grads = _as_list(head_grads)
    if head_grads is None:
        head_grads = [None] * len(heads)
    if len(head_grads) != len(heads):
        raise DistGluError("backward: expected one head gradient per head (%d), got %d"
                           % (len(heads), len(head_grads)))
    for h in heads:
        if not isinstance(h, NDArray):
            raise DistGluError("backward: heads must be NDArrays, got %s" % type(h).__name__)
        if h._node is None:
            raise DistGluError(_NOT_IN_GRAPH)

    nodes, leaves, leaf_uses = _collect(heads)
    if direct_write and not any(leaf.grad_req != 'null' for leaf in leaves):
        # a plain backward() that could write no gradient at all (MXNet's error)
        raise DistGluError("There are no inputs in computation graph that require gradients.")
    for h in heads:
        if type(h._node) is _Leaf:  # a head that is a variable is one more use of it
            leaf_uses[h._node] = leaf_uses.get(h._node, 0) + 1
    grads = {}
    for h, hg in zip(heads, head_grads):
        if hg is None:
            g = h._data.dtype.type(1) * _ones_like(h._data)
            g = NDArray._wrap(g, h._ctx) if create_graph else g
        else:
            if hg.shape != h.shape:
                raise DistGluError("backward: head gradient of shape %s does not match the "
                                   "head's shape %s" % (hg.shape, h.shape))
            g = hg if create_graph else hg._data
        _accumulate(grads, h._node, h._oidx, g)

    prev = _set(recording=create_graph, training=train_mode)
    try:
        if create_graph:
            from .ndarray import _ndxp as xp_graph
        for n in nodes:
            gl = grads.pop(n, None)
            if gl is None:
                continue
            if create_graph:
                xp = xp_graph
                ins = n.ins
                out = None if n.out is None else NDArray._wrap_node(n.out, n, 0)
            else:
                xp = None
                ins = tuple([a._data for a in n.ins])
                out = n.out
            g = gl[0] if n.nout == 1 else gl
            if xp is None:
                xp = _xp_of(g)
            if direct_write and getattr(n.bwd, 'grad_out', False):
                in_grads = n.bwd(xp, g, ins, out, n.attrs,
                                 grad_out=_direct_targets(n, leaf_uses))
            else:
                in_grads = n.bwd(xp, g, ins, out, n.attrs)
            for p, ig in zip(n.parents, in_grads):
                if p is not None and ig is not None:
                    _accumulate(grads, p[0], p[1], ig)
            if not retain_graph:
                n.bwd = None
                n.ins = n.out = n.attrs = None
                n.parents = ()
    finally:
        _set(*prev)
    result = {}
    for leaf in leaves:
        gl = grads.get(leaf)
        result[leaf] = None if gl is None else gl[0]
    return result


def _xp_of(g):
    if type(g) is np.ndarray:
        return np
    if isinstance(g, list):
        for x in g:
            if x is not None:
                return _xp_of(x)
    from .context import array_module
    return array_module(g)


def _ones_like(a):
    return _xp_of(a).ones_like(a)


def _accumulate(grads, node, idx, g):
    gl = grads.get(node)
    if gl is None:
        gl = [None] * node.nout if type(node) is _Node else [None]
        grads[node] = gl
    old = gl[idx]
    gl[idx] = g if old is None else old + g


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Compute the gradients of heads w.r.t. the variables they were computed from.

    A non-scalar head backpropagates as if summed (or weighted by ``head_grads``).
    Gradients are written into each variable's ``.grad`` according to its ``grad_req``;
    a variable in the graph that receives no gradient gets zeros.
    """
    leaf_grads = _run_backward(heads, head_grads, retain_graph, False, train_mode,
                               direct_write=True)
    for leaf, g in leaf_grads.items():
        req = leaf.grad_req
        if req == 'null' or leaf.grad is None:
            continue
        buf = leaf.grad._data
        if g is None:
            if req == 'write':
                buf[...] = 0
        elif req == 'write':
            if g is not buf:  # an operator may have written it in place already
                buf[...] = g
        else:
            buf += g
        leaf.fresh = True


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False,
         train_mode=True):
    """Return the gradients of heads w.r.t. ``variables`` as new NDArrays.

    With ``create_graph=True`` the returned gradients are themselves recorded, so they
    can be differentiated again (second-order gradients). A variable the heads do not
    reach gets a zero gradient (MXNet raises here; distglu returns zeros).
    """
    NDArray = _ndarray_cls()
    single = isinstance(variables, NDArray)
    variables = _as_list(variables)
    for v in variables:
        if not isinstance(v, NDArray) or type(v._node) is not _Leaf:
            raise DistGluError("grad: every variable must be an NDArray marked with "
                               "attach_grad() or mark_variables()")
    if retain_graph is None:
        retain_graph = create_graph
    leaf_grads = _run_backward(heads, head_grads, retain_graph, create_graph, train_mode)
    out = []
    for v in variables:
        g = leaf_grads.get(v._node)
        if g is None:
            out.append(NDArray._wrap(_xp_of(v._data).zeros_like(v._data), v._ctx))
        elif create_graph:
            out.append(g)
        else:
            out.append(NDArray._wrap(g, v._ctx))
    return out[0] if single else out


def get_symbol(x):
    raise DistGluError("get_symbol: distglu has no symbolic graphs; use the NDArray directly")


class Function:
    """A custom differentiable function (MXNet's ``autograd.Function``).

    Subclass it, define ``forward(self, *inputs)`` and ``backward(self, *output_grads)``
    working on NDArrays, and call an instance like a function. ``save_for_backward``
    keeps arrays for the backward pass in ``self.saved_tensors``.
    """

    def __init__(self):
        self._used = False
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def forward(self, *inputs):
        raise DistGluError("%s must define forward(self, *inputs)" % type(self).__name__)

    def backward(self, *output_grads):
        raise DistGluError("%s must define backward(self, *output_grads)" % type(self).__name__)

    def __call__(self, *inputs):
        NDArray = _ndarray_cls()
        with pause(train_mode=_training):
            outputs = self.forward(*inputs)
        single = isinstance(outputs, NDArray)
        outs = [outputs] if single else list(outputs)
        nd_inputs = [i for i in inputs if isinstance(i, NDArray)]
        if _recording and any(_entry(i) is not None for i in nd_inputs):
            node = _Node(_function_bwd, tuple(_entry(i) for i in nd_inputs), (), None,
                         (self, [(o.shape, o._data.dtype) for o in outs],
                          [o._ctx for o in outs]),
                         nout=len(outs), name=type(self).__name__)
            for k, o in enumerate(outs):
                o._node = node
                o._oidx = k
        return outputs


def _entry(a):
    n = a._node
    return None if n is None or n.bwd is None else (n, a._oidx)


def _function_bwd(xp, g, ins, out, attrs):
    func, metas, ctxs = attrs
    NDArray = _ndarray_cls()
    gs = [g] if not isinstance(g, list) else g
    wrapped = []
    for gi, (shape, dtype), ctx in zip(gs, metas, ctxs):
        if gi is None:  # an output that received no gradient
            gi = ctx_xp(ctx).zeros(shape, dtype=dtype)
        wrapped.append(gi if isinstance(gi, NDArray) else NDArray._wrap(gi, ctx))
    with pause():
        res = func.backward(*wrapped)
    res = [res] if isinstance(res, NDArray) else list(res)
    if not getattr(xp, 'is_nd', False):
        return tuple(None if r is None else r._data for r in res)
    return tuple(res)


def ctx_xp(ctx):
    from .context import context_xp
    return context_xp(ctx)
