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

This module holds the cell base classes, the sequence helpers and the gated cells (RNN,
LSTM, GRU); the container and modifier cells live in ``cell_wrappers`` and are
re-exported here.
"""
import numpy as np

from ...base import DistGluError
from ... import ndarray as nd
from ...ndarray.ndarray import NDArray
from ..block import Block, HybridBlock
from ..nn import LeakyReLU

__all__ = ['RecurrentCell', 'HybridRecurrentCell', 'RNNCell', 'LSTMCell', 'GRUCell',
           'SequentialRNNCell', 'HybridSequentialRNNCell', 'DropoutCell', 'ModifierCell',
           'ZoneoutCell', 'ResidualCell', 'BidirectionalCell']

_MODIFIED_MSG = ("After applying modifier cells (e.g. ZoneoutCell) the base cell cannot be "
                 "called directly. Call the modifier cell instead.")


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


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


# the container and modifier cells (they subclass the cells above, so they come last)
from .cell_wrappers import (SequentialRNNCell, HybridSequentialRNNCell,  # noqa: E402
                            DropoutCell, ModifierCell, ZoneoutCell, ResidualCell,
                            BidirectionalCell)
