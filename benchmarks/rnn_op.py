"""Fused ``nd.RNN`` (2-layer LSTM) forward+backward against ``torch.nn.LSTM`` on CPU.

Configuration of the issue's target: LSTM, 2 layers, hidden 256, input 256, 35 steps,
batch 32, layout TNC; both frameworks compute the gradients of the input, the weights
and the initial states, with the same number of threads. Reports median times and the
speed ratio (torch time / distglu time; >= 0.8 is the target).

    python benchmarks/rnn_op.py [--threads N] [--repeat R] [--mode lstm|gru|rnn_tanh]

OpenBLAS builds that do not know the CPU fall back to older kernels (a Zen 5 is taken
for a Haswell: AVX2 instead of AVX-512, about half the GEMM speed); the report prints
the kernel OpenBLAS chose. ``OPENBLAS_CORETYPE=SkylakeX`` (set before Python starts)
selects the AVX-512 kernels on such CPUs.
"""
import argparse
import os
import statistics
import time

import numpy as np


def _bench_pair(fa, fb, repeat, warmup=3):
    """Median and min times of fa and fb, run alternately so load changes hit both."""
    for _ in range(warmup):
        fa()
        fb()
    ta, tb = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fa()
        t1 = time.perf_counter()
        fb()
        t2 = time.perf_counter()
        ta.append(t1 - t0)
        tb.append(t2 - t1)
    return (statistics.median(ta), min(ta)), (statistics.median(tb), min(tb))


def _keep_freed_memory():
    """Ask glibc to keep freed blocks instead of returning them to the OS: fresh pages
    cost a page fault each on first touch (expensive in VMs). Affects both frameworks."""
    import ctypes
    libc = ctypes.CDLL("libc.so.6")
    m_trim_threshold, m_mmap_threshold = -1, -3
    libc.mallopt(m_mmap_threshold, 1 << 30)
    libc.mallopt(m_trim_threshold, 1 << 30)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--repeat', type=int, default=20)
    ap.add_argument('--mode', default='lstm', choices=['lstm', 'gru', 'rnn_tanh'])
    ap.add_argument('--seq', type=int, default=35)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--input', type=int, default=256)
    ap.add_argument('--layers', type=int, default=2)
    ap.add_argument('--keep-freed-memory', action='store_true',
                    help="glibc mallopt: reuse freed memory (no page faults on reuse)")
    args = ap.parse_args()
    if args.keep_freed_memory:
        _keep_freed_memory()

    import torch
    from threadpoolctl import threadpool_limits, threadpool_info
    from distglu import nd, autograd
    from distglu.ndarray.ops.rnn_op import _rnn_param_size

    torch.set_num_threads(args.threads)
    t_len, n, n_in, h, nl = args.seq, args.batch, args.input, args.hidden, args.layers
    rs = np.random.RandomState(0)
    x_np = rs.uniform(-1, 1, (t_len, n, n_in)).astype(np.float32)

    # torch
    cls = {'lstm': torch.nn.LSTM, 'gru': torch.nn.GRU, 'rnn_tanh': torch.nn.RNN}[args.mode]
    tnet = cls(n_in, h, nl)
    tx = torch.from_numpy(x_np).requires_grad_()
    th0 = torch.zeros(nl, n, h, requires_grad=True)
    tc0 = torch.zeros(nl, n, h, requires_grad=True)

    def torch_step():
        for p in tnet.parameters():
            p.grad = None
        tx.grad = None
        if args.mode == 'lstm':
            y, _ = tnet(tx, (th0, tc0))
        else:
            y, _ = tnet(tx, th0)
        y.backward(torch.ones_like(y))

    # distglu
    size = _rnn_param_size(args.mode, n_in, h, nl, False)
    x = nd.array(x_np)
    params = nd.array(rs.uniform(-0.06, 0.06, size).astype(np.float32))
    h0 = nd.zeros((nl, n, h))
    c0 = nd.zeros((nl, n, h))
    for a in (x, params, h0, c0):
        a.attach_grad()
    states = [h0, c0] if args.mode == 'lstm' else [h0]

    def distglu_step():
        with autograd.record():
            y = nd.RNN(x, params, *states, state_size=h, num_layers=nl, mode=args.mode)
        y.backward(nd.ones(y.shape))

    with threadpool_limits(args.threads):
        blas = [(i.get('internal_api'), i.get('architecture'), i.get('num_threads'))
                for i in threadpool_info() if i.get('user_api') == 'blas']
        (t_med, t_min), (d_med, d_min) = _bench_pair(torch_step, distglu_step, args.repeat)
    print("%s, %d layers, hidden %d, input %d, %d steps, batch %d, %d threads%s"
          % (args.mode, nl, h, n_in, t_len, n, args.threads,
             ', glibc keeps freed memory' if args.keep_freed_memory else ''))
    print("numpy BLAS: %s" % (blas,))
    print("torch.nn  forward+backward: median %7.2f ms  (min %7.2f)" % (t_med * 1e3,
                                                                    t_min * 1e3))
    print("nd.RNN    forward+backward: median %7.2f ms  (min %7.2f)" % (d_med * 1e3,
                                                                    d_min * 1e3))
    print("speed ratio (torch time / distglu time): %.2f" % (t_med / d_med))


if __name__ == '__main__':
    main()
