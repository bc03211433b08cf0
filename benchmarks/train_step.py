"""Training-step speed: distglu vs PyTorch eager on the CPU, same model, same threads.

Models (select with --model):
  mlp    784-1024-1024-10 MLP, batch 256, SGD momentum 0.9 (issue 3)
  lenet  conv20x5x5-maxpool-conv50x5x5-maxpool-dense500-dense10, batch 128 (issue 4)
  lstm   2-layer LSTM, hidden 256, 35 steps, batch 32 (issue 4)

For each, both frameworks run the same number of steps with the same thread count, each in
a fresh process of its own, alternating for --rounds rounds (best round counts); the script
prints steps/s for both and the ratio distglu/PyTorch (higher is better; 1.0 = parity).
For the MLP it also times the step's matrix products alone in NumPy (the BLAS floor)
and prints how close distglu gets to it.

    python benchmarks/train_step.py --model mlp --steps 30 --threads 2
"""
import argparse
import os
import time

import numpy as np


def time_steps(step, steps, warmup=3):
    for _ in range(warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - t0) / steps


# ------------------------------------------------------------------------------- models

def distglu_model(name, mx):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    with net.name_scope():
        if name == 'mlp':
            net.add(nn.Dense(1024, activation='relu'), nn.Dense(1024, activation='relu'),
                    nn.Dense(10))
        elif name == 'lenet':
            net.add(nn.Conv2D(20, 5, activation='relu'), nn.MaxPool2D(2, 2),
                    nn.Conv2D(50, 5, activation='relu'), nn.MaxPool2D(2, 2),
                    nn.Dense(500, activation='relu'), nn.Dense(10))
    if name == 'lstm':
        net = LSTMNet(mx)
    net.initialize(mx.init.Xavier())
    return net


class LSTMNet:
    def __new__(cls, mx):
        class _Net(mx.gluon.Block):
            def __init__(self):
                super().__init__()
                with self.name_scope():
                    self.lstm = mx.gluon.rnn.LSTM(256, num_layers=2, input_size=256)
                    self.out = mx.gluon.nn.Dense(256, flatten=False, in_units=256)

            def forward(self, x):
                return self.out(self.lstm(x))
        return _Net()


def torch_model(name, torch):
    nn = torch.nn
    if name == 'mlp':
        return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(),
                             nn.Linear(1024, 10))
    if name == 'lenet':
        return nn.Sequential(nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2, 2),
                             nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2, 2), nn.Flatten(),
                             nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, 10))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(256, 256, num_layers=2)
            self.out = nn.Linear(256, 256)

        def forward(self, x):
            return self.out(self.lstm(x)[0])
    return Net()


def make_data(name, rng):
    if name == 'mlp':
        return rng.standard_normal((256, 784), dtype=np.float32), rng.integers(0, 10, 256)
    if name == 'lenet':
        return rng.standard_normal((128, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 128)
    return (rng.standard_normal((35, 32, 256), dtype=np.float32),
            rng.standard_normal((35, 32, 256), dtype=np.float32))


def distglu_step_fn(name, mx, x_np, y_np):
    from distglu import nd, autograd, gluon
    net = distglu_model(name, mx)
    x = nd.array(x_np)
    y = nd.array(y_np)
    loss_fn = gluon.loss.L2Loss() if name == 'lstm' else gluon.loss.SoftmaxCrossEntropyLoss()
    net(x)  # deferred init
    trainer = gluon.Trainer(net.collect_params(), 'sgd',
                            {'learning_rate': 0.01, 'momentum': 0.9})
    bs = x.shape[1] if name == 'lstm' else x.shape[0]

    def step():
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(bs)
        return loss
    return step


def torch_step_fn(name, torch, x_np, y_np):
    net = torch_model(name, torch)
    x = torch.from_numpy(x_np)
    if name == 'lstm':
        y = torch.from_numpy(y_np)
        loss_fn = torch.nn.MSELoss()
    else:
        y = torch.from_numpy(y_np.astype(np.int64))
        loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

    def step():
        opt.zero_grad(set_to_none=False)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def gemm_floor_fn(x_np):
    """The MLP step's matrix products alone: 3 forward, 3 weight-gradient, 2 data-gradient."""
    rng = np.random.default_rng(1)
    w = [rng.standard_normal(s, dtype=np.float32) * 0.01
         for s in ((1024, 784), (1024, 1024), (10, 1024))]
    h1 = np.empty((256, 1024), np.float32)
    h2 = np.empty((256, 1024), np.float32)
    o = np.empty((256, 10), np.float32)
    gw = [np.empty_like(a) for a in w]
    gh2 = np.empty((256, 1024), np.float32)
    gh1 = np.empty((256, 1024), np.float32)

    def step():
        np.dot(x_np, w[0].T, out=h1)
        np.dot(h1, w[1].T, out=h2)
        np.dot(h2, w[2].T, out=o)
        np.dot(o.T, h2, out=gw[2])
        np.dot(o, w[2], out=gh2)
        np.dot(gh2.T, h1, out=gw[1])
        np.dot(gh2, w[1], out=gh1)
        np.dot(gh1.T, x_np, out=gw[0])
    return step


def _worker(args):
    """Time one framework on one model in this process and print seconds per step."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    x_np, y_np = make_data(args.model, rng)
    with threadpool_limits(args.threads):
        if args.worker == 'distglu':
            import distglu as mx
            mx.random.seed(0)
            step = distglu_step_fn(args.model, mx, x_np, y_np)
        elif args.worker == 'pytorch':
            import torch
            torch.set_num_threads(args.threads)
            torch.manual_seed(0)
            step = torch_step_fn(args.model, torch, x_np, y_np)
        else:
            step = gemm_floor_fn(x_np)
        print(time_steps(step, args.steps))


def _blas_note():
    """Which kernels NumPy's BLAS runs: distglu's matrix products go through it, while
    PyTorch brings its own, so a forced older kernel set slows distglu alone."""
    from threadpoolctl import threadpool_info
    blas = ['%s (%s kernels)' % (i.get('internal_api'), i.get('architecture', '?'))
            for i in threadpool_info() if i.get('user_api') == 'blas']
    note = 'NumPy BLAS: %s' % (', '.join(blas) or 'none found')
    forced = {k: os.environ[k] for k in ('OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE')
              if k in os.environ}
    if forced:
        note += ('\nnote: the environment sets %s, which makes OpenBLAS use kernels '
                 'chosen for another CPU; run this command under `env -u OPENBLAS_CORETYPE '
                 '-u OPENBLAS_L2_SIZE` to measure with the kernels it picks for this one'
                 % ' '.join('%s=%s' % kv for kv in sorted(forced.items())))
    return note


def _run_worker(kind, model, args):
    import subprocess
    import sys
    cmd = [sys.executable, os.path.abspath(__file__), '--worker', kind, '--model', model,
           '--steps', str(args.steps), '--threads', str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--model', choices=['mlp', 'lenet', 'lstm', 'all'], default='mlp')
    ap.add_argument('--steps', type=int, default=30)
    ap.add_argument('--threads', type=int, default=os.cpu_count())
    ap.add_argument('--rounds', type=int, default=3, help='alternating timing rounds (best)')
    ap.add_argument('--worker', choices=['distglu', 'pytorch', 'floor'], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return _worker(args)

    print(_blas_note())
    # Each framework runs in its own process (alternating, best of --rounds): in one
    # process, one runtime's spinning worker threads would slow the other's down.
    models = ['mlp', 'lenet', 'lstm'] if args.model == 'all' else [args.model]
    for name in models:
        t_dg, t_pt, t_floor = [], [], []
        for _ in range(args.rounds):
            t_dg.append(_run_worker('distglu', name, args))
            t_pt.append(_run_worker('pytorch', name, args))
            if name == 'mlp':
                t_floor.append(_run_worker('floor', name, args))
        t_dg, t_pt = min(t_dg), min(t_pt)
        print('%-6s threads=%d  distglu %7.2f steps/s   pytorch %7.2f steps/s   '
              'ratio distglu/pytorch = %.2fx' % (name, args.threads, 1 / t_dg, 1 / t_pt,
                                                 t_pt / t_dg))
        if t_floor:
            t_floor = min(t_floor)
            print('       GEMM floor %7.2f steps/s: distglu runs at %.0f%% of the floor '
                  '(%.2f ms of %.2f ms per step are outside the matrix products)'
                  % (1 / t_floor, 100 * t_floor / t_dg, (t_dg - t_floor) * 1e3, t_dg * 1e3))


if __name__ == '__main__':
    main()
