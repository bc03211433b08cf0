"""Recurrent cells (MXNet 1.x ``mxnet.gluon.rnn.rnn_cell``).

A cell computes one time step: ``output, new_states = cell(x_t, states)`` with ``x_t``
of shape (batch, input_size) and ``states`` the list ``begin_state()`` makes.
``unroll(length, inputs, ...)`` runs it over a sequence, given as one (N, T, C) / (T, N,
C) NDArray (``layout``) or a list of per-step (N, C) arrays.

Parameters and names are MXNet's: ``i2h_weight`` (G*H, input_size), ``h2h_weight`` (G*H,
H), ``i2h_bias``, ``h2h_bias`` (G*H,), with gate blocks LSTM i, f, g(c), o and GRU r, z,
n; prefixes ``rnn0_``, ``lstm0_``, ``gru0_``; ``input_size=0`` is inferred at the first
step. Modifier cells (Dropout, Zoneout, Residual) and stacks (Sequential, Bidirectional)
follow MXNet's unroll semantics, including ``valid_length`` (outputs past a sequence's
length are zeros, the returned states are those at its last valid step) and
``merge_outputs=None`` (a merged array when valid_length is given or the cell returns
one, else a list).
"""
import numpy as np

from ...base import DistGluError, numeric_types
from ... import ndarray as nd
from ...ndarray.ndarray import NDArray
from ..block import Block, HybridBlock, _indent
from ..nn import LeakyReLU

__all__ = ['RecurrentCell', 'HybridRecurrentCell', 'RNNCell', 'LSTMCell', 'GRUCell',
           'SequentialRNNCell', 'HybridSequentialRNNCell', 'DropoutCell', 'ModifierCell',
           'ZoneoutCell', 'ResidualCell', 'BidirectionalCell']

_MODIFIED_MSG = ("After applying modifier cells (e.g. ZoneoutCell) the base cell cannot be "
                 "called directly. Call the modifier cell instead.")


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _cells_state_info(cells, batch_size):
    return sum([c.state_info(batch_size) for c in cells], [])


def _cells_begin_state(cells, **kwargs):
    return sum([c.begin_state(**kwargs) for c in cells], [])


def _check_layout(layout):
    if not isinstance(layout, str) or layout.find('T') < 0 or layout.find('N') < 0:
        raise DistGluError("unroll: layout must name the time (T) and batch (N) axes, e.g. "
                           "'NTC' or 'TNC'; got %r" % (layout,))


def _format_sequence(length, inputs, layout, merge, in_layout=None):
    """Bring ``inputs`` to a list of (N, C) steps (merge False), one array with time on
    ``layout``'s T axis (merge True), or leave it as it is (merge None).

    Returns (inputs, time axis, F, batch size)."""
    if inputs is None:
        raise DistGluError("unroll(inputs=None) has been deprecated. Please create input "
                           "variables outside unroll.")
    _check_layout(layout)
    axis = layout.find('T')
    batch_axis = layout.find('N')
    batch_size = 0
    in_axis = in_layout.find('T') if in_layout is not None else axis
    if isinstance(inputs, NDArray):
        batch_size = inputs.shape[batch_axis]
        if merge is False:
            steps = inputs.shape[in_axis]
            if length is not None and length != steps:
                raise DistGluError("unroll: length=%d but the inputs hold %d time steps on "
                                   "axis %d (layout %r)" % (length, steps, in_axis, layout))
            inputs = _as_list(nd.split(inputs, axis=in_axis, num_outputs=steps,
                                       squeeze_axis=1))
    else:
        if not isinstance(inputs, (list, tuple)) or not inputs or \
                not all(isinstance(i, NDArray) for i in inputs):
            raise DistGluError("unroll: inputs must be an NDArray or a non-empty list of "
                               "NDArrays (one per time step), got %s"
                               % type(inputs).__name__)
        if length is not None and len(inputs) != length:
            raise DistGluError("unroll: length=%d but %d input steps were given"
                               % (length, len(inputs)))
        batch_size = inputs[0].shape[0]
        if merge is True:
            inputs = nd.stack(*inputs, axis=axis)
            in_axis = axis
    if isinstance(inputs, NDArray) and axis != in_axis:
        inputs = nd.swapaxes(inputs, dim1=axis, dim2=in_axis)
    return inputs, axis, nd, batch_size


def _get_begin_state(cell, begin_state, inputs, batch_size):
    """Zero states on the inputs' context. Unlike MXNet (always float32), the states take
    the inputs' dtype when it is not float32, so float64/float16 unrolls work."""
    if begin_state is None:
        first = inputs if isinstance(inputs, NDArray) else inputs[0]
        kwargs = {} if first.dtype == np.float32 else {'dtype': first.dtype}
        with first.context:
            begin_state = cell.begin_state(func=nd.zeros, batch_size=batch_size, **kwargs)
    return begin_state


def _valid_length_nd(valid_length, like):
    """valid_length as an NDArray on the context of ``like`` (an array or a list)."""
    if isinstance(valid_length, NDArray):
        return valid_length
    if not isinstance(like, NDArray):
        like = like[0]
    return nd.array(valid_length, ctx=like.context)


def _mask_sequence_variable_length(data, length, valid_length, time_axis, merge):
    """Zero the steps at and past each sequence's valid length."""
    if not isinstance(data, NDArray):
        data = nd.stack(*data, axis=time_axis)
    outputs = nd.SequenceMask(data, sequence_length=valid_length, use_sequence_length=True,
                              axis=time_axis)
    if not merge:
        outputs = _as_list(nd.split(outputs, num_outputs=length, axis=time_axis,
                                    squeeze_axis=True))
    return outputs


def _reverse_sequences(sequences, unroll_step, valid_length=None):
    """Reverse a list of steps in time; with valid_length, each sequence's first
    valid_length steps only (the padding stays at the end)."""
    if valid_length is None:
        return list(reversed(sequences))
    rev = nd.SequenceReverse(nd.stack(*sequences, axis=0), sequence_length=valid_length,
                             use_sequence_length=True)
    return _as_list(nd.split(rev, axis=0, num_outputs=unroll_step, squeeze_axis=True))


class RecurrentCell(Block):
    """Abstract base class of recurrent cells (``mxnet.gluon.rnn.RecurrentCell``).

    Subclasses define ``state_info(batch_size)`` and ``forward(inputs, states)`` (or
    ``hybrid_forward`` for a HybridRecurrentCell) returning ``(output, new_states)``.
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self._modified = False
        self.reset()

    def reset(self):
        """Reset the step counters before reusing the cell for another sequence."""
        self._init_counter = -1
        self._counter = -1
        for cell in self._children.values():
            cell.reset()

    def state_info(self, batch_size=0):
        """A list with one dict per state: ``{'shape': ..., '__layout__': ...}``."""
        raise NotImplementedError()

    def begin_state(self, batch_size=0, func=nd.zeros, **kwargs):
        """The initial states: ``func(name=..., shape=..., **kwargs)`` for each state of
        ``state_info(batch_size)`` (``func`` = nd.zeros, nd.ones, nd.random.uniform ...;
        kwargs such as ``ctx``, ``dtype`` are passed on)."""
        if self._modified:
            raise DistGluError(_MODIFIED_MSG)
        states = []
        for info in self.state_info(batch_size):
            self._init_counter += 1
            info = dict(info) if info is not None else {}
            info.update(kwargs)
            states.append(func(name='%sbegin_state_%d' % (self._prefix, self._init_counter),
                               **info))
        return states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        """Run the cell over ``length`` time steps.

        inputs: an NDArray (N, T, ...) for layout 'NTC' or (T, N, ...) for 'TNC', or a list
        of ``length`` arrays (N, ...). begin_state: the initial states (zeros on the
        inputs' context by default). merge_outputs: True gives one array in ``layout``,
        False a list of per-step arrays, None whichever is at hand. valid_length: (N,)
        lengths; outputs at and past them are zeros and the returned states are those at
        each sequence's last valid step.

        Returns ``(outputs, states)``.
        """
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        begin_state = _get_begin_state(self, begin_state, inputs, batch_size)
        states = begin_state
        outputs = []
        all_states = []
        for i in range(length):
            output, states = self(inputs[i], states)
            outputs.append(output)
            if valid_length is not None:
                all_states.append(states)
        if valid_length is not None:
            valid_length = _valid_length_nd(valid_length, outputs[0])
            states = [F.SequenceLast(F.stack(*ele_list, axis=0), sequence_length=valid_length,
                                     use_sequence_length=True, axis=0)
                      for ele_list in zip(*all_states)]
            outputs = _mask_sequence_variable_length(outputs, length, valid_length, axis,
                                                     True)
        outputs, _, _, _ = _format_sequence(length, outputs, layout, merge_outputs)
        return outputs, states

    def _get_activation(self, F, inputs, activation, **kwargs):
        """Apply ``activation``: a name ('tanh', 'relu', 'sigmoid', 'softsign' or any
        Activation act_type), a LeakyReLU block, or a callable."""
        if isinstance(activation, str):
            func = _ACTIVATIONS.get(activation)
            if func is not None:
                return func(inputs)
            return F.Activation(inputs, act_type=activation)
        if isinstance(activation, LeakyReLU):
            return F.LeakyReLU(inputs, act_type='leaky', slope=activation._alpha)
        return activation(inputs, **kwargs)

    def forward(self, inputs, states):
        """One time step: returns ``(output, new_states)``."""
        self._counter += 1
        return super().forward(inputs, states)


_ACTIVATIONS = {'tanh': nd.tanh, 'relu': nd.relu, 'sigmoid': nd.sigmoid,
                'softsign': nd.softsign}


class HybridRecurrentCell(RecurrentCell, HybridBlock):
    """A recurrent cell written as ``hybrid_forward(F, inputs, states, **params)``."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


class _GatedCell(HybridRecurrentCell):
    """The parameters, shapes and printing shared by RNNCell, LSTMCell and GRUCell."""
    _num_gates = 1

    def __init__(self, hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                 i2h_bias_initializer, h2h_bias_initializer, input_size, prefix, params):
        super().__init__(prefix=prefix, params=params)
        self._hidden_size = hidden_size
        self._input_size = input_size
        gh = self._num_gates * hidden_size
        self.i2h_weight = self.params.get('i2h_weight', shape=(gh, input_size),
                                          init=i2h_weight_initializer,
                                          allow_deferred_init=True)
        self.h2h_weight = self.params.get('h2h_weight', shape=(gh, hidden_size),
                                          init=h2h_weight_initializer,
                                          allow_deferred_init=True)
        self.i2h_bias = self.params.get('i2h_bias', shape=(gh,), init=i2h_bias_initializer,
                                        allow_deferred_init=True)
        self.h2h_bias = self.params.get('h2h_bias', shape=(gh,), init=h2h_bias_initializer,
                                        allow_deferred_init=True)

    def infer_shape(self, x, *args):
        # FullyConnected flattens the step input: (batch, ...) -> (batch, prod(...))
        self.i2h_weight.shape = (self._num_gates * self._hidden_size,
                                 int(np.prod(x.shape[1:])))

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def _mapping(self):
        shape = self.i2h_weight.shape
        return '{0} -> {1}'.format(shape[1] if shape[1] else None, shape[0])

    def __repr__(self):
        return '{name}({mapping})'.format(name=self.__class__.__name__,
                                          mapping=self._mapping())


class RNNCell(_GatedCell):
    r"""Elman RNN cell: ``h' = activation(W_ih x + b_ih + W_hh h + b_hh)``.

    ``activation``: 'tanh' (default), 'relu', any Activation act_type, a LeakyReLU block
    or a callable. Parameters i2h_weight (H, input_size), h2h_weight (H, H), i2h_bias,
    h2h_bias (H,). States: ``[h]`` of shape (batch, H); the output is h'.
    """

    def __init__(self, hidden_size, activation='tanh', i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros',
                 h2h_bias_initializer='zeros', input_size=0, prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)
        self._activation = activation

    def _alias(self):
        return 'rnn'

    def __repr__(self):
        return '{name}({mapping}, {act})'.format(name=self.__class__.__name__,
                                                 mapping=self._mapping(),
                                                 act=self._activation)

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        h = self._hidden_size
        i2h = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=h)
        h2h = F.FullyConnected(states[0], h2h_weight, h2h_bias, num_hidden=h)
        output = self._get_activation(F, i2h + h2h, self._activation)
        return output, [output]


class LSTMCell(_GatedCell):
    r"""Long short-term memory cell (MXNet's gate order i, f, g, o)::

        i, f, g, o = split(W_ih x + b_ih + W_hh h + b_hh, 4)
        c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
        h' = sigmoid(o) * tanh(c')

    (``recurrent_activation`` replaces sigmoid, ``activation`` tanh.) Parameters
    i2h_weight (4H, input_size), h2h_weight (4H, H), i2h_bias, h2h_bias (4H,). States:
    ``[h, c]``, each (batch, H); the output is h'.
    """
    _num_gates = 4

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', input_size=0,
                 prefix=None, params=None, activation='tanh', recurrent_activation='sigmoid'):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)
        self._activation = activation
        self._recurrent_activation = recurrent_activation

    def state_info(self, batch_size=0):
        return [{'shape': (batch_size, self._hidden_size), '__layout__': 'NC'},
                {'shape': (batch_size, self._hidden_size), '__layout__': 'NC'}]

    def _alias(self):
        return 'lstm'

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        nh = 4 * self._hidden_size
        gates = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=nh)
        gates = gates + F.FullyConnected(states[0], h2h_weight, h2h_bias, num_hidden=nh)
        g_i, g_f, g_c, g_o = F.split(gates, num_outputs=4, axis=1)
        ract, act = self._recurrent_activation, self._activation
        in_gate = self._get_activation(F, g_i, ract)
        forget_gate = self._get_activation(F, g_f, ract)
        in_transform = self._get_activation(F, g_c, act)
        out_gate = self._get_activation(F, g_o, ract)
        next_c = forget_gate * states[1] + in_gate * in_transform
        next_h = out_gate * self._get_activation(F, next_c, act)
        return next_h, [next_h, next_c]


class GRUCell(_GatedCell):
    r"""Gated recurrent unit cell, cuDNN's variant (the reset gate multiplies the
    projected state)::

        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
        z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
        h' = (1 - z) * n + z * h

    Parameters i2h_weight (3H, input_size), h2h_weight (3H, H), i2h_bias, h2h_bias (3H,),
    gate blocks r, z, n. States: ``[h]`` (batch, H); the output is h'.
    """
    _num_gates = 3

    def __init__(self, hidden_size, i2h_weight_initializer=None, h2h_weight_initializer=None,
                 i2h_bias_initializer='zeros', h2h_bias_initializer='zeros', input_size=0,
                 prefix=None, params=None):
        super().__init__(hidden_size, i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, input_size, prefix,
                         params)

    def _alias(self):
        return 'gru'

    def hybrid_forward(self, F, inputs, states, i2h_weight, h2h_weight, i2h_bias, h2h_bias):
        nh = 3 * self._hidden_size
        prev_h = states[0]
        i2h = F.FullyConnected(inputs, i2h_weight, i2h_bias, num_hidden=nh)
        h2h = F.FullyConnected(prev_h, h2h_weight, h2h_bias, num_hidden=nh)
        i2h_r, i2h_z, i2h_n = F.split(i2h, num_outputs=3, axis=1)
        h2h_r, h2h_z, h2h_n = F.split(h2h, num_outputs=3, axis=1)
        reset_gate = F.sigmoid(i2h_r + h2h_r)
        update_gate = F.sigmoid(i2h_z + h2h_z)
        new_mem = F.tanh(i2h_n + reset_gate * h2h_n)
        # (1 - z) * n + z * h, with one multiply fewer
        next_h = new_mem + update_gate * (prev_h - new_mem)
        return next_h, [next_h]


class _SequentialCellMixin:
    """Stacking shared by SequentialRNNCell and HybridSequentialRNNCell."""

    def __repr__(self):
        return '{name}(\n{modstr}\n)'.format(
            name=self.__class__.__name__,
            modstr='\n'.join(['({i}): {m}'.format(i=i, m=_indent(repr(m), 2))
                              for i, m in self._children.items()]))

    def add(self, cell):
        """Append a cell to the stack."""
        self.register_child(cell)

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        """The stacked cells' begin states, concatenated in order."""
        if self._modified:
            raise DistGluError(_MODIFIED_MSG)
        return _cells_begin_state(self._children.values(), **kwargs)

    def __call__(self, inputs, states):
        self._counter += 1
        next_states = []
        p = 0
        for cell in self._children.values():
            if isinstance(cell, BidirectionalCell):
                raise DistGluError("%s: a BidirectionalCell cannot be stepped; use unroll()"
                                   % type(self).__name__)
            n = len(cell.state_info())
            inputs, state = cell(inputs, states[p:p + n])
            p += n
            next_states.extend(state)
        return inputs, next_states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, _, batch_size = _format_sequence(length, inputs, layout, None)
        num_cells = len(self._children)
        begin_state = _get_begin_state(self, begin_state, inputs, batch_size)
        p = 0
        next_states = []
        for i, cell in enumerate(self._children.values()):
            n = len(cell.state_info())
            states = begin_state[p:p + n]
            p += n
            inputs, states = cell.unroll(length, inputs=inputs, begin_state=states,
                                         layout=layout,
                                         merge_outputs=None if i < num_cells - 1
                                         else merge_outputs,
                                         valid_length=valid_length)
            next_states.extend(states)
        return inputs, next_states

    def __getitem__(self, i):
        return self._children[str(i)]

    def __len__(self):
        return len(self._children)


class SequentialRNNCell(_SequentialCellMixin, RecurrentCell):
    """A stack of cells: each step feeds one cell's output to the next; the states are the
    cells' states concatenated. ``add(cell)``, ``stack[i]``, ``len(stack)``."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)


class HybridSequentialRNNCell(_SequentialCellMixin, HybridRecurrentCell):
    """SequentialRNNCell for hybrid cells."""

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, inputs, states):
        return self.__call__(inputs, states)


class DropoutCell(HybridRecurrentCell):
    """Dropout on the input (training mode only); no states. ``axes`` share the mask."""

    def __init__(self, rate, axes=(), prefix=None, params=None):
        super().__init__(prefix, params)
        if not isinstance(rate, numeric_types):
            raise DistGluError("DropoutCell: rate must be a number, got %r" % (rate,))
        self._rate = rate
        self._axes = axes

    def __repr__(self):
        return '{name}(rate={rate}, axes={axes})'.format(name=self.__class__.__name__,
                                                         rate=self._rate, axes=self._axes)

    def state_info(self, batch_size=0):
        return []

    def _alias(self):
        return 'dropout'

    def hybrid_forward(self, F, inputs, states):
        if self._rate > 0:
            inputs = F.Dropout(inputs, p=self._rate, axes=self._axes)
        return inputs, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, _, F, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if isinstance(inputs, NDArray):
            # one dropout call over the whole sequence
            return self.hybrid_forward(F, inputs, begin_state if begin_state else [])
        return super().unroll(length, inputs, begin_state=begin_state, layout=layout,
                              merge_outputs=merge_outputs, valid_length=None)


class ModifierCell(HybridRecurrentCell):
    """Base class of cells that wrap a base cell (Zoneout, Residual). The modifier shares
    the base cell's parameters; the base cell must no longer be called directly."""

    def __init__(self, base_cell):
        if base_cell._modified:
            raise DistGluError("Cell %s is already modified. One cell cannot be modified "
                               "twice" % base_cell.name)
        base_cell._modified = True
        super().__init__(prefix=base_cell.prefix + self._alias(), params=None)
        self.base_cell = base_cell

    @property
    def params(self):
        return self.base_cell.params

    def state_info(self, batch_size=0):
        return self.base_cell.state_info(batch_size)

    def begin_state(self, func=nd.zeros, **kwargs):
        if self._modified:
            raise DistGluError(_MODIFIED_MSG)
        self.base_cell._modified = False
        try:
            begin = self.base_cell.begin_state(func=func, **kwargs)
        finally:
            self.base_cell._modified = True
        return begin

    def hybrid_forward(self, F, inputs, states):
        raise NotImplementedError

    def __repr__(self):
        return '{name}({base_cell})'.format(name=self.__class__.__name__,
                                            base_cell=self.base_cell)


def _contains_bidirectional(cell):
    return isinstance(cell, BidirectionalCell) or (
        isinstance(cell, _SequentialCellMixin) and
        any(_contains_bidirectional(c) for c in cell._children.values()))


class ZoneoutCell(ModifierCell):
    """Zoneout (Krueger et al. 2016) on a base cell: in training, each output unit keeps
    its previous value with probability ``zoneout_outputs`` and each state unit with
    probability ``zoneout_states``; in prediction it is the base cell."""

    def __init__(self, base_cell, zoneout_outputs=0., zoneout_states=0.):
        if _contains_bidirectional(base_cell):
            raise DistGluError("BidirectionalCell doesn't support zoneout since it doesn't "
                               "support step. Please add ZoneoutCell to the cells underneath "
                               "instead.")
        super().__init__(base_cell)
        self.zoneout_outputs = zoneout_outputs
        self.zoneout_states = zoneout_states
        self._prev_output = None

    def __repr__(self):
        return '{name}(p_out={po}, p_state={ps}, {base})'.format(
            name=self.__class__.__name__, po=self.zoneout_outputs, ps=self.zoneout_states,
            base=self.base_cell)

    def _alias(self):
        return 'zoneout'

    def reset(self):
        super().reset()
        self._prev_output = None

    def hybrid_forward(self, F, inputs, states):
        p_outputs, p_states = self.zoneout_outputs, self.zoneout_states
        next_output, next_states = self.base_cell(inputs, states)

        def keep_new(p, like):
            # nonzero where the new value is kept (all ones outside training)
            return F.Dropout(F.ones_like(like), p=p)

        prev_output = self._prev_output
        if prev_output is None:
            prev_output = F.zeros_like(next_output)
        output = (F.where(keep_new(p_outputs, next_output), next_output, prev_output)
                  if p_outputs != 0. else next_output)
        new_states = ([F.where(keep_new(p_states, new_s), new_s, old_s)
                       for new_s, old_s in zip(next_states, states)]
                      if p_states != 0. else next_states)
        self._prev_output = output
        return output, new_states


class ResidualCell(ModifierCell):
    """Adds the input to the base cell's output (Wu et al. 2016); the input and output
    sizes must match."""

    def __init__(self, base_cell):
        super().__init__(base_cell)

    def hybrid_forward(self, F, inputs, states):
        output, states = self.base_cell(inputs, states)
        return output + inputs, states

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        self.base_cell._modified = False
        try:
            outputs, states = self.base_cell.unroll(length, inputs=inputs,
                                                    begin_state=begin_state, layout=layout,
                                                    merge_outputs=merge_outputs,
                                                    valid_length=valid_length)
        finally:
            self.base_cell._modified = True
        if merge_outputs is None:
            merge_outputs = isinstance(outputs, NDArray)
        inputs, axis, _, _ = _format_sequence(length, inputs, layout, merge_outputs)
        if valid_length is not None:
            # the padded steps of the output are zeros; so must the added inputs be
            valid_length = _valid_length_nd(valid_length, outputs)
            inputs = _mask_sequence_variable_length(inputs, length, valid_length, axis,
                                                    merge_outputs)
        if merge_outputs:
            return outputs + inputs, states
        return [o + i for o, i in zip(outputs, inputs)], states


class BidirectionalCell(HybridRecurrentCell):
    """Runs ``l_cell`` forward and ``r_cell`` backward in time and concatenates their
    outputs (forward first) on the feature axis. Only ``unroll`` is possible. States:
    l_cell's then r_cell's. With valid_length, r_cell reads each sequence's valid steps
    reversed, and its returned states are those after the first step."""

    def __init__(self, l_cell, r_cell, output_prefix='bi_'):
        super().__init__(prefix='', params=None)
        self.register_child(l_cell, 'l_cell')
        self.register_child(r_cell, 'r_cell')
        self._output_prefix = output_prefix

    def __call__(self, inputs, states):
        raise NotImplementedError("Bidirectional cannot be stepped. Please use unroll")

    def __repr__(self):
        return '{name}(forward={l_cell}, backward={r_cell})'.format(
            name=self.__class__.__name__, l_cell=self._children['l_cell'],
            r_cell=self._children['r_cell'])

    def state_info(self, batch_size=0):
        return _cells_state_info(self._children.values(), batch_size)

    def begin_state(self, **kwargs):
        if self._modified:
            raise DistGluError(_MODIFIED_MSG)
        return _cells_begin_state(self._children.values(), **kwargs)

    def unroll(self, length, inputs, begin_state=None, layout='NTC', merge_outputs=None,
               valid_length=None):
        self.reset()
        inputs, axis, F, batch_size = _format_sequence(length, inputs, layout, False)
        if valid_length is not None:
            valid_length = _valid_length_nd(valid_length, inputs[0])
        reversed_inputs = _reverse_sequences(inputs, length, valid_length)
        begin_state = _get_begin_state(self, begin_state, inputs, batch_size)
        l_cell, r_cell = self._children.values()
        n_l = len(l_cell.state_info(batch_size))
        l_outputs, l_states = l_cell.unroll(length, inputs=inputs,
                                            begin_state=begin_state[:n_l], layout=layout,
                                            merge_outputs=merge_outputs,
                                            valid_length=valid_length)
        r_outputs, r_states = r_cell.unroll(length, inputs=reversed_inputs,
                                            begin_state=begin_state[n_l:], layout=layout,
                                            merge_outputs=False, valid_length=valid_length)
        reversed_r_outputs = _reverse_sequences(r_outputs, length, valid_length)
        if merge_outputs is None:
            merge_outputs = isinstance(l_outputs, NDArray)
            l_outputs, _, _, _ = _format_sequence(None, l_outputs, layout, merge_outputs)
            reversed_r_outputs, _, _, _ = _format_sequence(None, reversed_r_outputs, layout,
                                                           merge_outputs)
        if merge_outputs:
            if not isinstance(reversed_r_outputs, NDArray):
                reversed_r_outputs = F.stack(*reversed_r_outputs, axis=axis)
            outputs = F.concat(l_outputs, reversed_r_outputs, dim=2)
        else:
            outputs = [F.concat(l_o, r_o, dim=1)
                       for l_o, r_o in zip(l_outputs, reversed_r_outputs)]
        if valid_length is not None:
            outputs = _mask_sequence_variable_length(outputs, length, valid_length, axis,
                                                     merge_outputs)
        return outputs, l_states + r_states
