"""Recurrent layers on the fused operator (MXNet 1.x ``mxnet.gluon.rnn.rnn_layer``).

``RNN``, ``LSTM`` and ``GRU`` run a whole (stacked, optionally bidirectional) sequence
in one ``nd.RNN`` call. Their parameters are MXNet's: ``{l|r}{layer}_{i2h|h2h}_{weight|
bias}`` (and ``_h2r_weight`` for a projected LSTM), named under the layer's prefix
(``lstm0_l0_i2h_weight``); the layer hands them to the fused operator as they are, in
the order of MXNet's flat parameter vector (no concatenated copy is made).
``save_parameters`` writes MXNet's keys (``_unfused.0.l_cell.i2h_weight``), so files move
between MXNet and distglu.
"""
import re

from ...base import DistGluError, DistGluValueError
from ... import ndarray as nd
from ...ndarray.ndarray import NDArray
from ...ndarray.ops.rnn_op import _rnn_unpacked
from ..block import HybridBlock
from . import rnn_cell

__all__ = ['RNN', 'LSTM', 'GRU']


# --------------------------------------------------------------------------- the layers

class _RNNLayer(HybridBlock):
    """A fused recurrent layer: shared machinery of RNN, LSTM and GRU."""

    def __init__(self, hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                 i2h_weight_initializer, h2h_weight_initializer, i2h_bias_initializer,
                 h2h_bias_initializer, mode, projection_size, h2r_weight_initializer,
                 lstm_state_clip_min, lstm_state_clip_max, lstm_state_clip_nan, dtype,
                 use_sequence_length=False, **kwargs):
        super().__init__(**kwargs)
        if layout not in ('TNC', 'NTC'):
            raise DistGluError("Invalid layout %s; must be one of ['TNC' or 'NTC']" % layout)
        if int(num_layers) < 1 or int(hidden_size) < 1:
            raise DistGluError("hidden_size and num_layers must be positive, got %r and %r"
                               % (hidden_size, num_layers))
        if not 0 <= dropout < 1:
            raise DistGluError("dropout must be in [0, 1), got %r" % (dropout,))
        self._hidden_size = hidden_size
        self._projection_size = projection_size if projection_size else None
        self._num_layers = num_layers
        self._mode = mode
        self._layout = layout
        self._dropout = dropout
        self._dir = 2 if bidirectional else 1
        self._input_size = input_size
        self._i2h_weight_initializer = i2h_weight_initializer
        self._h2h_weight_initializer = h2h_weight_initializer
        self._i2h_bias_initializer = i2h_bias_initializer
        self._h2h_bias_initializer = h2h_bias_initializer
        self._h2r_weight_initializer = h2r_weight_initializer
        self._lstm_state_clip_min = lstm_state_clip_min
        self._lstm_state_clip_max = lstm_state_clip_max
        self._lstm_state_clip_nan = lstm_state_clip_nan
        self._dtype = dtype
        self._use_sequence_length = use_sequence_length
        self.skip_states = None
        self._gates = {'rnn_relu': 1, 'rnn_tanh': 1, 'lstm': 4, 'gru': 3}[mode]

        ng, ni, nh = self._gates, input_size, hidden_size
        npj = self._projection_size
        nr = npj or nh
        dirs = ['l', 'r'][:self._dir]
        for i in range(num_layers):
            for j in dirs:
                self._register_param('%s%d_i2h_weight' % (j, i), (ng * nh, ni),
                                     i2h_weight_initializer, dtype)
                self._register_param('%s%d_h2h_weight' % (j, i), (ng * nh, nr),
                                     h2h_weight_initializer, dtype)
                self._register_param('%s%d_i2h_bias' % (j, i), (ng * nh,),
                                     i2h_bias_initializer, dtype)
                self._register_param('%s%d_h2h_bias' % (j, i), (ng * nh,),
                                     h2h_bias_initializer, dtype)
                if npj:
                    self._register_param('%s%d_h2r_weight' % (j, i), (npj, nh),
                                         h2r_weight_initializer, dtype)
            ni = nr * self._dir
        # the fused operator's order: all weights (per layer, direction: i2h, h2h, h2r),
        # then all biases (i2h, h2h)
        gw = ['i2h', 'h2h'] + (['h2r'] if npj else [])
        self._fused_order = (
            ['%s%d_%s_weight' % (d, l, g) for l in range(num_layers) for d in dirs
             for g in gw] +
            ['%s%d_%s_bias' % (d, l, g) for l in range(num_layers) for d in dirs
             for g in ('i2h', 'h2h')])

    def _register_param(self, name, shape, init, dtype):
        p = self.params.get(name, shape=shape, init=init, allow_deferred_init=True,
                            dtype=dtype)
        setattr(self, name, p)
        return p

    def __repr__(self):
        s = '{name}({mapping}, {layout}'
        if self._num_layers != 1:
            s += ', num_layers={num_layers}'
        if self._dropout != 0:
            s += ', dropout={dropout}'
        if self._dir == 2:
            s += ', bidirectional'
        s += ')'
        shape = self.l0_i2h_weight.shape
        mapping = '{0} -> {1}'.format(shape[1] if shape[1] else None, shape[0] // self._gates)
        return s.format(name=self.__class__.__name__, mapping=mapping, layout=self._layout,
                        num_layers=self._num_layers, dropout=self._dropout)

    def _collect_params_with_prefix(self, prefix=''):
        # MXNet's save_parameters keys: _unfused.<layer>[.<l|r>_cell].<i2h|h2h>_<kind>
        if prefix:
            prefix += '.'
        pattern = re.compile(r'(l|r)(\d+)_(i2h|h2h|h2r)_(weight|bias)\Z')
        bidirectional = self._dir == 2

        def convert_key(key):
            m = pattern.match(key)
            d, l, g, t = m.group(1), m.group(2), m.group(3), m.group(4)
            if bidirectional:
                return '_unfused.{}.{}_cell.{}_{}'.format(l, d, g, t)
            return '_unfused.{}.{}_{}'.format(l, g, t)

        ret = {prefix + convert_key(key): val for key, val in self._reg_params.items()}
        for name, child in self._children.items():
            ret.update(child._collect_params_with_prefix(prefix + name))
        return ret

    def state_info(self, batch_size=0):
        raise NotImplementedError

    def _unfuse(self):
        """The layer as a stack of cells sharing its parameters (HybridSequentialRNNCell
        of (Bidirectional) cells with DropoutCells between layers)."""
        if self._projection_size:
            raise DistGluError("_unfuse does not support projection layer yet!")
        if self._lstm_state_clip_min or self._lstm_state_clip_max:
            raise DistGluError("_unfuse does not support state clipping yet!")
        hs = self._hidden_size

        def get_cell(**kwargs):
            if self._mode == 'rnn_relu':
                return rnn_cell.RNNCell(hs, activation='relu', **kwargs)
            if self._mode == 'rnn_tanh':
                return rnn_cell.RNNCell(hs, activation='tanh', **kwargs)
            if self._mode == 'lstm':
                return rnn_cell.LSTMCell(hs, **kwargs)
            return rnn_cell.GRUCell(hs, **kwargs)

        stack = rnn_cell.HybridSequentialRNNCell(prefix=self.prefix, params=self.params)
        with stack.name_scope():
            ni = self._input_size
            for i in range(self._num_layers):
                kwargs = {'input_size': ni,
                          'i2h_weight_initializer': self._i2h_weight_initializer,
                          'h2h_weight_initializer': self._h2h_weight_initializer,
                          'i2h_bias_initializer': self._i2h_bias_initializer,
                          'h2h_bias_initializer': self._h2h_bias_initializer}
                if self._dir == 2:
                    stack.add(rnn_cell.BidirectionalCell(get_cell(prefix='l%d_' % i, **kwargs),
                                                         get_cell(prefix='r%d_' % i, **kwargs)))
                else:
                    stack.add(get_cell(prefix='l%d_' % i, **kwargs))
                if self._dropout > 0 and i != self._num_layers - 1:
                    stack.add(rnn_cell.DropoutCell(self._dropout))
                ni = self._hidden_size * self._dir
        return stack

    def cast(self, dtype):
        super().cast(dtype)
        self._dtype = dtype

    def begin_state(self, batch_size=0, func=nd.zeros, **kwargs):
        """Initial states, ``func(name=..., shape=(num_layers * directions, batch_size,
        H), dtype=..., **kwargs)`` for each of ``state_info(batch_size)``."""
        states = []
        for i, info in enumerate(self.state_info(batch_size)):
            info = dict(info) if info is not None else {}
            info.update(kwargs)
            states.append(func(name='%sh0_%d' % (self.prefix, i), **info))
        return states

    def infer_shape(self, x, *args):
        if x.ndim != 3:
            raise DistGluError("%s: input must be 3-D (layout %s), got shape %s"
                               % (type(self).__name__, self._layout, x.shape))
        ni = x.shape[2]
        for d in ['l', 'r'][:self._dir]:
            getattr(self, '%s0_i2h_weight' % d).shape = (self._gates * self._hidden_size, ni)

    def __call__(self, inputs, states=None, sequence_length=None, **kwargs):
        self.skip_states = states is None
        if states is None:
            if not isinstance(inputs, NDArray):
                raise DistGluError("%s: inputs must be an NDArray, got %s"
                                   % (type(self).__name__, type(inputs).__name__))
            if inputs.ndim != 3:
                raise DistGluError("%s: input must be 3-D (layout %s), got shape %s"
                                   % (type(self).__name__, self._layout, inputs.shape))
            batch_size = inputs.shape[self._layout.find('N')]
            states = self.begin_state(batch_size, ctx=inputs.context, dtype=inputs.dtype)
        if isinstance(states, NDArray):
            states = [states]
        if self._use_sequence_length:
            return super().__call__(inputs, states, sequence_length, **kwargs)
        return super().__call__(inputs, states, **kwargs)

    def hybrid_forward(self, F, inputs, states, sequence_length=None, **kwargs):
        if inputs.ndim != 3:
            raise DistGluError("%s: input must be 3-D (layout %s), got shape %s"
                               % (type(self).__name__, self._layout, inputs.shape))
        batch_size = inputs.shape[self._layout.find('N')]
        info = self.state_info(batch_size)
        if len(states) != len(info):
            raise DistGluValueError("%s expects %d recurrent state(s), got %d"
                                    % (type(self).__name__, len(info), len(states)))
        for state, inf in zip(states, info):
            if state.shape != inf['shape']:
                raise DistGluValueError("Invalid recurrent state shape. Expecting %s, got %s."
                                        % (str(inf['shape']), str(state.shape)))
        ni = kwargs['l0_i2h_weight'].shape[1]
        if inputs.shape[2] != ni:
            raise DistGluError("%s: expected inputs with %d features (layout %s), got shape "
                               "%s" % (type(self).__name__, ni, self._layout, inputs.shape))
        out = self._forward_kernel(F, inputs, states, sequence_length, **kwargs)
        return out[0] if self.skip_states else out

    def _forward_kernel(self, F, inputs, states, sequence_length, **kwargs):
        if self._layout == 'NTC':
            inputs = F.swapaxes(inputs, dim1=0, dim2=1)
        is_lstm = self._mode == 'lstm'
        clip = {}
        if is_lstm:
            clip = dict(lstm_state_clip_min=self._lstm_state_clip_min,
                        lstm_state_clip_max=self._lstm_state_clip_max,
                        lstm_state_clip_nan=self._lstm_state_clip_nan)
        # the fused operator on the parameters as they are (no flat copy of them)
        rnn = _rnn_unpacked(inputs, [kwargs[n] for n in self._fused_order], states[0],
                            states[1] if is_lstm else None,
                            sequence_length if self._use_sequence_length else None,
                            use_sequence_length=self._use_sequence_length,
                            state_size=self._hidden_size,
                            projection_size=self._projection_size,
                            num_layers=self._num_layers, bidirectional=self._dir == 2,
                            p=self._dropout, state_outputs=True, mode=self._mode, **clip)
        outputs, new_states = rnn[0], list(rnn[1:])
        if self._layout == 'NTC':
            outputs = F.swapaxes(outputs, dim1=0, dim2=1)
        return outputs, new_states


class RNN(_RNNLayer):
    r"""Multi-layer Elman RNN: ``h_t = activation(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)``
    with ``activation`` 'relu' (default) or 'tanh'.

    Inputs: data (T, N, C) for layout 'TNC' (default) or (N, T, C) for 'NTC'; optional
    states: ``[h0]`` (or h0 alone) of shape (num_layers * D, N, hidden_size), D = 2 when
    bidirectional. Returns out (T, N, D * hidden_size) (layout as the input), and, when
    states were given, ``(out, [h_n])``. ``dropout`` applies between layers in training.
    """

    def __init__(self, hidden_size, num_layers=1, activation='relu', layout='TNC',
                 dropout=0, bidirectional=False, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros',
                 h2h_bias_initializer='zeros', input_size=0, dtype='float32', **kwargs):
        if activation not in ('relu', 'tanh'):
            raise DistGluError("RNN: activation must be 'relu' or 'tanh', got %r"
                               % (activation,))
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, 'rnn_' + activation,
                         None, None, None, None, False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        return [{'shape': (self._num_layers * self._dir, batch_size, self._hidden_size),
                 '__layout__': 'LNC', 'dtype': self._dtype}]


class LSTM(_RNNLayer):
    r"""Multi-layer LSTM (gates i, f, g, o as LSTMCell).

    Inputs: data (T, N, C) for layout 'TNC' (default) or (N, T, C) for 'NTC'; optional
    states ``[h0, c0]``, each (num_layers * D, N, hidden_size) (h0 has projection_size
    features when given). Returns out (T, N, D * hidden_size) and, when states were given,
    ``(out, [h_n, c_n])``. ``projection_size`` adds the LSTMP projection ``h2r_weight``
    (projection_size, hidden_size); ``state_clip_min/max/nan`` clip the cell state.
    """

    def __init__(self, hidden_size, num_layers=1, layout='TNC', dropout=0,
                 bidirectional=False, input_size=0, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros',
                 h2h_bias_initializer='zeros', projection_size=None,
                 h2r_weight_initializer=None, state_clip_min=None, state_clip_max=None,
                 state_clip_nan=False, dtype='float32', **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, 'lstm', projection_size,
                         h2r_weight_initializer, state_clip_min, state_clip_max,
                         state_clip_nan, dtype, **kwargs)

    def state_info(self, batch_size=0):
        ld = self._num_layers * self._dir
        hr = self._projection_size or self._hidden_size
        return [{'shape': (ld, batch_size, hr), '__layout__': 'LNC', 'dtype': self._dtype},
                {'shape': (ld, batch_size, self._hidden_size), '__layout__': 'LNC',
                 'dtype': self._dtype}]


class GRU(_RNNLayer):
    r"""Multi-layer GRU (cuDNN's variant, gates r, z, n as GRUCell).

    Inputs: data (T, N, C) for layout 'TNC' (default) or (N, T, C) for 'NTC'; optional
    states ``[h0]`` (or h0 alone) of shape (num_layers * D, N, hidden_size). Returns out
    (T, N, D * hidden_size) and, when states were given, ``(out, [h_n])``.
    """

    def __init__(self, hidden_size, num_layers=1, layout='TNC', dropout=0,
                 bidirectional=False, input_size=0, i2h_weight_initializer=None,
                 h2h_weight_initializer=None, i2h_bias_initializer='zeros',
                 h2h_bias_initializer='zeros', dtype='float32', **kwargs):
        super().__init__(hidden_size, num_layers, layout, dropout, bidirectional, input_size,
                         i2h_weight_initializer, h2h_weight_initializer,
                         i2h_bias_initializer, h2h_bias_initializer, 'gru', None, None, None,
                         None, False, dtype, **kwargs)

    def state_info(self, batch_size=0):
        return [{'shape': (self._num_layers * self._dir, batch_size, self._hidden_size),
                 '__layout__': 'LNC', 'dtype': self._dtype}]
