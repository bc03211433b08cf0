"""Container and modifier cells (MXNet 1.x ``mxnet.gluon.rnn.rnn_cell``): stacks
(``SequentialRNNCell``, ``HybridSequentialRNNCell``, ``BidirectionalCell``) and cells that
modify another cell or its input (``DropoutCell``, ``ModifierCell``, ``ZoneoutCell``,
``ResidualCell``). They follow MXNet's unroll semantics, including ``valid_length`` and
``merge_outputs=None`` (see rnn_cell.py). rnn_cell re-exports every name, so
``gluon.rnn.rnn_cell.ZoneoutCell`` and ``gluon.rnn.ZoneoutCell`` still work.
"""
from ...base import DistGluError, numeric_types
from ... import ndarray as nd
from ...ndarray.ndarray import NDArray
from ..block import _indent
from .rnn_cell import (RecurrentCell, HybridRecurrentCell, _MODIFIED_MSG, _format_sequence,
                       _get_begin_state, _valid_length_nd, _mask_sequence_variable_length,
                       _reverse_sequences)

__all__ = ['SequentialRNNCell', 'HybridSequentialRNNCell', 'DropoutCell', 'ModifierCell',
           'ZoneoutCell', 'ResidualCell', 'BidirectionalCell']


class _CellContainer:
    """The states of a cell made of child cells (stacks, BidirectionalCell): the
    children's states concatenated in order."""

    def state_info(self, batch_size=0):
        return sum([c.state_info(batch_size) for c in self._children.values()], [])

    def begin_state(self, **kwargs):
        """The child cells' begin states, concatenated in order."""
        if self._modified:
            raise DistGluError(_MODIFIED_MSG)
        return sum([c.begin_state(**kwargs) for c in self._children.values()], [])


class _SequentialCellMixin(_CellContainer):
    """Stacking shared by SequentialRNNCell and HybridSequentialRNNCell."""

    def __repr__(self):
        return '{name}(\n{modstr}\n)'.format(
            name=self.__class__.__name__,
            modstr='\n'.join(['({i}): {m}'.format(i=i, m=_indent(repr(m), 2))
                              for i, m in self._children.items()]))

    def add(self, cell):
        """Append a cell to the stack."""
        self.register_child(cell)

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


class BidirectionalCell(_CellContainer, HybridRecurrentCell):
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
