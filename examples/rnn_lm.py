"""A character-level LSTM language model, as in the Gluon word language model example and
Dive into Deep Learning: embedding -> LSTM -> dense over the characters, trained with
truncated backpropagation through time and gradient clipping; prints the perplexity per epoch
and samples text at the end.

The text is --text FILE, or by default the Zen of Python (the ``this`` module), which ships
with every Python.

    python examples/rnn_lm.py
    python examples/rnn_lm.py --text some_book.txt --epochs 20
    mpirun -n 4 python examples/rnn_lm.py
"""
import codecs
import contextlib
import io
import math
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import distglu as mx  # noqa: E402
from distglu import nd, autograd, gluon, init  # noqa: E402
from distglu.gluon import nn, rnn, loss as gloss, data as gdata  # noqa: E402
from _common import base_parser, progress, save_plot  # noqa: E402


def zen_of_python():
    """The text of ``import this`` (the module prints it on import, and stores it in rot13)."""
    with contextlib.redirect_stdout(io.StringIO()):
        import this
    return codecs.decode(this.s, 'rot13')


def bptt_dataset(indices, batch_size, num_steps):
    """(inputs, targets) windows of ``num_steps`` characters, ordered so that a DataLoader
    without shuffling yields batches in which row ``r`` continues row ``r`` of the batch
    before: the text is cut into ``batch_size`` streams read side by side (the states carried
    from one batch to the next then belong to the same stream)."""
    stream_len = (len(indices) - 1) // batch_size
    num_windows = stream_len // num_steps
    if num_windows == 0:
        raise SystemExit('the text (%d characters) is too short for %d streams of %d steps'
                         % (len(indices), batch_size, num_steps))
    idx = np.asarray(indices, dtype=np.float32)
    x = idx[:batch_size * stream_len].reshape(batch_size, stream_len)
    y = idx[1:batch_size * stream_len + 1].reshape(batch_size, stream_len)
    x = x[:, :num_windows * num_steps].reshape(batch_size, num_windows, num_steps)
    y = y[:, :num_windows * num_steps].reshape(batch_size, num_windows, num_steps)
    # window order: all streams' first window, then all streams' second window, ...
    x = x.transpose(1, 0, 2).reshape(-1, num_steps)
    y = y.transpose(1, 0, 2).reshape(-1, num_steps)
    return gdata.ArrayDataset(nd.array(x), nd.array(y))


class RNNModel(nn.Block):
    """Embedding -> LSTM -> Dense, on (T, N) batches of character indices."""

    def __init__(self, vocab_size, num_embed, num_hidden, num_layers, dropout=0.0, **kwargs):
        super(RNNModel, self).__init__(**kwargs)
        self.num_hidden = num_hidden
        with self.name_scope():
            self.drop = nn.Dropout(dropout)
            self.encoder = nn.Embedding(vocab_size, num_embed,
                                        weight_initializer=init.Uniform(0.1))
            self.rnn = rnn.LSTM(num_hidden, num_layers, dropout=dropout, input_size=num_embed)
            self.decoder = nn.Dense(vocab_size, in_units=num_hidden)

    def forward(self, inputs, hidden):
        emb = self.drop(self.encoder(inputs))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output.reshape((-1, self.num_hidden)))
        return decoded, hidden

    def begin_state(self, *args, **kwargs):
        return self.rnn.begin_state(*args, **kwargs)


def detach(hidden):
    """Cut the graph behind the carried states (truncated BPTT)."""
    return [h.detach() for h in hidden]


def sample(model, prefix, length, vocab, char_to_idx, temperature, rng):
    """``prefix`` followed by ``length`` characters drawn from the model, one at a time."""
    hidden = model.begin_state(batch_size=1, func=nd.zeros)
    out = None
    for ch in prefix:  # warm the state up on the prefix
        out, hidden = model(nd.array([[char_to_idx[ch]]]), hidden)
    text = list(prefix)
    for _ in range(length):
        logits = out.asnumpy().ravel().astype(np.float64) / temperature
        p = np.exp(logits - logits.max())
        p /= p.sum()
        idx = int(rng.choice(len(vocab), p=p))
        text.append(vocab[idx])
        out, hidden = model(nd.array([[idx]]), hidden)
    return ''.join(text)


def main(argv=None):
    ap = base_parser(__doc__.split('\n\n')[0], epochs=50, batch_size=4, lr=0.01,
                     batch_help='parallel text streams per step')
    ap.add_argument('--text', default=None, help='a UTF-8 text file (default: the Zen of Python)')
    ap.add_argument('--num-steps', type=int, default=32, help='BPTT length (characters)')
    ap.add_argument('--num-embed', type=int, default=32, help='embedding size')
    ap.add_argument('--num-hidden', type=int, default=128, help='LSTM units')
    ap.add_argument('--num-layers', type=int, default=1, help='LSTM layers')
    ap.add_argument('--dropout', type=float, default=0.0, help='dropout rate')
    ap.add_argument('--clip', type=float, default=1.0, help='gradient norm limit (per character of a batch)')
    ap.add_argument('--sample-length', type=int, default=200, help='characters to sample')
    ap.add_argument('--temperature', type=float, default=0.5, help='sampling temperature')
    ap.add_argument('--prefix', default='Beautiful', help='text to start the sample with')
    args = ap.parse_args(argv)
    mx.random.seed(args.seed)

    if args.text:
        with open(args.text, encoding='utf-8') as f:
            text = f.read()
        name = os.path.basename(args.text)
    else:
        text = zen_of_python()
        name = 'the Zen of Python'
    vocab = sorted(set(text))
    char_to_idx = {ch: i for i, ch in enumerate(vocab)}
    corpus = [char_to_idx[ch] for ch in text]
    print('text: %s, %d characters, %d distinct' % (name, len(text), len(vocab)))

    train_set = bptt_dataset(corpus, args.batch_size, args.num_steps)
    train_iter = gdata.DataLoader(train_set, args.batch_size, shuffle=False, last_batch='discard')

    model = RNNModel(len(vocab), args.num_embed, args.num_hidden, args.num_layers, args.dropout)
    model.initialize(init.Xavier())
    trainer = gluon.Trainer(model.collect_params(), 'adam', {'learning_rate': args.lr})
    loss = gloss.SoftmaxCrossEntropyLoss()

    history = {'loss': [], 'perplexity': []}
    for epoch in range(1, args.epochs + 1):
        start = time.time()
        loss_sum, n = 0.0, 0
        hidden = model.begin_state(batch_size=args.batch_size, func=nd.zeros)
        for X, Y in progress(train_iter, 'epoch %d' % epoch, disable=args.no_progress):
            hidden = detach(hidden)
            # (N, T) batches -> (T, N): the LSTM's layout; targets flattened in the same order
            data, target = X.T, Y.T.reshape((-1,))
            with autograd.record():
                output, hidden = model(data, hidden)
                l = loss(output, target)
            l.backward()
            grads = [p.grad() for p in model.collect_params().values()]
            # the loss is summed over the T*N characters of the batch: clip per character
            gluon.utils.clip_global_norm(grads, args.clip * data.shape[0] * data.shape[1])
            trainer.step(data.shape[0] * data.shape[1])
            loss_sum += l.sum().asscalar()
            n += l.size
        mean_loss = loss_sum / n
        history['loss'].append(mean_loss)
        history['perplexity'].append(math.exp(mean_loss))
        print('epoch %d, loss %.4f, perplexity %.2f, time %.1f sec'
              % (epoch, mean_loss, math.exp(mean_loss), time.time() - start))

    prefix = ''.join(ch for ch in args.prefix if ch in char_to_idx) or text[0]
    rng = np.random.default_rng(args.seed)
    print('sample:', repr(sample(model, prefix, args.sample_length, vocab, char_to_idx,
                                 args.temperature, rng)))
    print('final perplexity: %.4f' % history['perplexity'][-1])
    if args.plot:
        save_plot(args.plot, history, 'character LSTM on %s' % name)
    return history


if __name__ == '__main__':
    main()
