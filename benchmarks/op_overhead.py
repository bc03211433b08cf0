"""Per-operator overhead: a loop of small recorded operators plus backward.

distglu and PyTorch's eager CPU autograd run the same chain of elementwise operators
on a small array (where per-operator Python overhead dominates), in the same process
with the same thread count. Prints microseconds per recorded operator (forward +
backward) for both and the ratio distglu / PyTorch (lower is better; 1.0 = parity).

    python benchmarks/op_overhead.py [--size 16] [--ops 60] [--repeat 30]
"""
import argparse
import time

import numpy as np


def chain_distglu(nd, autograd, x, n_ops):
    with autograd.record():
        y = x
        for i in range(n_ops // 6):
            y = y * 1.01
            y = y + x
            y = nd.tanh(y)
            y = y - 0.5
            y = nd.relu(y)
            y = nd.sigmoid(y)
    y.backward()
    return x.grad


def chain_torch(torch, x, n_ops, ones):
    y = x
    for i in range(n_ops // 6):
        y = y * 1.01
        y = y + x
        y = torch.tanh(y)
        y = y - 0.5
        y = torch.relu(y)
        y = torch.sigmoid(y)
    y.backward(ones)
    g = x.grad
    x.grad = None
    return g


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--size', type=int, default=16, help='side of the square input array')
    ap.add_argument('--ops', type=int, default=60, help='recorded operators per iteration')
    ap.add_argument('--repeat', type=int, default=200, help='timed iterations (median)')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits
    from distglu import nd, autograd

    data = np.random.default_rng(0).uniform(-1, 1, (args.size, args.size)).astype(np.float32)
    x = nd.array(data)
    x.attach_grad()
    tx = torch.tensor(data, requires_grad=True)
    ones = torch.ones(args.size, args.size)
    n = (args.ops // 6) * 6

    g1 = chain_distglu(nd, autograd, x, n).asnumpy()
    g2 = chain_torch(torch, tx, n, ones).numpy()
    np.testing.assert_allclose(g1, g2, rtol=1e-4, atol=1e-5)  # same computation

    with threadpool_limits(args.threads):
        for _ in range(20):  # warm up both
            chain_distglu(nd, autograd, x, n)
            chain_torch(torch, tx, n, ones)
        # interleave the two so machine noise hits both alike
        dg, pt = [], []
        per_round = max(1, args.repeat // 5)
        for _ in range(5):
            dg.append(best_of(lambda: chain_distglu(nd, autograd, x, n), per_round))
            pt.append(best_of(lambda: chain_torch(torch, tx, n, ones), per_round))
        t_dg, t_pt = min(dg), min(pt)
    us_dg = t_dg / n * 1e6
    us_pt = t_pt / n * 1e6
    print('per recorded op (forward + backward), %dx%d float32, %d ops, %d thread(s):'
          % (args.size, args.size, n, args.threads))
    print('  distglu  %7.2f us' % us_dg)
    print('  pytorch  %7.2f us  (torch %s)' % (us_pt, torch.__version__))
    print('  ratio distglu/pytorch = %.2fx  (<= 1.0 means distglu is as fast or faster)'
          % (us_dg / us_pt))


if __name__ == '__main__':
    main()
