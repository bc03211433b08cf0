"""Convolution / pooling speed: distglu's nd operators vs torch.nn.functional on CPU.

Each case runs the same layer in both (same shapes, float32, same thread count) and
checks the outputs and gradients agree first. Prints milliseconds for the forward alone
and for forward + backward, and the ratio distglu / PyTorch (lower is better).

    python benchmarks/conv_ops.py [--threads 1] [--repeat 5] [--only conv3x3]
"""
import argparse
import time

import numpy as np


def _cases():
    # name, kind, data shape, params; conv params: (num_filter, kernel, stride, pad, dilate,
    # groups); pool params: (kernel, stride, pad, pool_type); deconv as conv
    return [
        ('conv3x3', 'conv', (16, 64, 28, 28), (64, (3, 3), (1, 1), (1, 1), (1, 1), 1)),
        ('conv3x3_s2', 'conv', (16, 32, 56, 56), (64, (3, 3), (2, 2), (1, 1), (1, 1), 1)),
        ('conv1x1', 'conv', (16, 256, 14, 14), (64, (1, 1), (1, 1), (0, 0), (1, 1), 1)),
        ('conv7x7_stem', 'conv', (8, 3, 112, 112), (64, (7, 7), (2, 2), (3, 3), (1, 1), 1)),
        ('depthwise3x3', 'conv', (16, 64, 28, 28), (64, (3, 3), (1, 1), (1, 1), (1, 1), 64)),
        ('group4_dil2', 'conv', (16, 64, 28, 28), (64, (3, 3), (1, 1), (2, 2), (2, 2), 4)),
        ('conv1d', 'conv', (32, 64, 256), (64, (5,), (1,), (2,), (1,), 1)),
        ('conv3d', 'conv', (4, 16, 16, 16, 16), (32, (3, 3, 3), (1, 1, 1), (1, 1, 1),
                                                (1, 1, 1), 1)),
        ('deconv4x4_s2', 'deconv', (16, 64, 14, 14), (32, (4, 4), (2, 2), (1, 1), (1, 1), 1)),
        ('maxpool3x3_s2', 'pool', (16, 64, 56, 56), ((3, 3), (2, 2), (1, 1), 'max')),
        ('avgpool2x2_s2', 'pool', (16, 64, 56, 56), ((2, 2), (2, 2), (0, 0), 'avg')),
        ('global_avg', 'pool', (16, 512, 7, 7), (None, None, None, 'avg')),
        # the LeNet of benchmarks/train_step.py (issue 4)
        ('lenet_conv1', 'conv', (128, 1, 28, 28), (20, (5, 5), (1, 1), (0, 0), (1, 1), 1)),
        ('lenet_conv2', 'conv', (128, 20, 12, 12), (50, (5, 5), (1, 1), (0, 0), (1, 1), 1)),
        ('lenet_pool1', 'pool', (128, 20, 24, 24), ((2, 2), (2, 2), (0, 0), 'max')),
        ('lenet_pool2', 'pool', (128, 50, 8, 8), ((2, 2), (2, 2), (0, 0), 'max')),
    ]


def _median_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _setup(kind, shape, params, rng, nd, torch):
    """Return (distglu fwd, distglu fwd+bwd, torch fwd, torch fwd+bwd, check)."""
    import torch.nn.functional as tf
    x = rng.standard_normal(shape).astype(np.float32)
    nsp = len(shape) - 2
    if kind in ('conv', 'deconv'):
        nf, k, s, p, d, g = params
        if kind == 'conv':
            w = rng.standard_normal((nf, shape[1] // g) + k).astype(np.float32) * 0.1
        else:
            w = rng.standard_normal((shape[1], nf // g) + k).astype(np.float32) * 0.1
        b = rng.standard_normal(nf).astype(np.float32)
        op = nd.Convolution if kind == 'conv' else nd.Deconvolution
        kw = dict(kernel=k, stride=s, pad=p, dilate=d, num_filter=nf, num_group=g,
                  no_bias=False)
        tfn = {('conv', 1): tf.conv1d, ('conv', 2): tf.conv2d, ('conv', 3): tf.conv3d,
               ('deconv', 1): tf.conv_transpose1d, ('deconv', 2): tf.conv_transpose2d,
               ('deconv', 3): tf.conv_transpose3d}[(kind, nsp)]
        tkw = dict(stride=s, padding=p, dilation=d, groups=g)
        args_np = (x, w, b)

        def dg(xs, ws, bs):
            return op(xs, ws, bs, **kw)

        def pt(xs, ws, bs):
            return tfn(xs, ws, bs, **tkw)
    else:
        k, s, p, pool_type = params
        args_np = (x,)
        if k is None:
            def dg(xs):
                return nd.Pooling(xs, global_pool=True, pool_type=pool_type)

            def pt(xs):
                return tf.adaptive_avg_pool2d(xs, 1)
        else:
            def dg(xs):
                return nd.Pooling(xs, kernel=k, stride=s, pad=p, pool_type=pool_type)

            def pt(xs):
                if pool_type == 'max':
                    return tf.max_pool2d(xs, k, s, p)
                return tf.avg_pool2d(xs, k, s, p, count_include_pad=True)
    from distglu import autograd
    d_args = [nd.array(a) for a in args_np]
    for a in d_args:
        a.attach_grad()
    t_args = [torch.tensor(a, requires_grad=True) for a in args_np]
    out_shape = dg(*d_args).shape
    head = rng.standard_normal(out_shape).astype(np.float32)
    d_head, t_head = nd.array(head), torch.tensor(head)

    def dg_fwd():
        return dg(*d_args)

    def dg_both():
        with autograd.record():
            y = dg(*d_args)
        y.backward(d_head)
        return [y] + [a.grad for a in d_args]

    def pt_fwd():
        with torch.no_grad():
            return pt(*t_args)

    def pt_both():
        for a in t_args:
            a.grad = None
        y = pt(*t_args)
        y.backward(t_head)
        return [y] + [a.grad for a in t_args]

    def check():
        r1 = [v.asnumpy() for v in dg_both()]
        r2 = [v.detach().numpy() for v in pt_both()]
        for u, v in zip(r1, r2):
            scale = max(1.0, float(np.abs(v).max()))
            np.testing.assert_allclose(u, v, rtol=1e-3, atol=1e-3 * scale)
    return dg_fwd, dg_both, pt_fwd, pt_both, check


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--repeat', type=int, default=5, help='timed runs per case (median)')
    ap.add_argument('--only', default=None, help='run the cases whose name contains this')
    args = ap.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    from threadpoolctl import threadpool_limits
    from distglu import nd

    rng = np.random.default_rng(0)
    print('distglu vs torch %s, float32 CPU, %d thread(s); median ms of %d runs'
          % (torch.__version__, args.threads, args.repeat))
    print('%-15s %9s %9s %7s   %9s %9s %7s' % ('case', 'fwd dg', 'fwd pt', 'ratio',
                                              'f+b dg', 'f+b pt', 'ratio'))
    with threadpool_limits(args.threads):
        for name, kind, shape, params in _cases():
            if args.only and args.only not in name:
                continue
            dg_fwd, dg_both, pt_fwd, pt_both, check = _setup(kind, shape, params, rng, nd,
                                                             torch)
            check()
            for f in (dg_fwd, pt_fwd, dg_both, pt_both):   # warm up
                f()
            tf_dg = _median_time(dg_fwd, args.repeat)
            tf_pt = _median_time(pt_fwd, args.repeat)
            tb_dg = _median_time(dg_both, args.repeat)
            tb_pt = _median_time(pt_both, args.repeat)
            print('%-15s %9.2f %9.2f %6.2fx   %9.2f %9.2f %6.2fx'
                  % (name, tf_dg * 1e3, tf_pt * 1e3, tf_dg / tf_pt, tb_dg * 1e3, tb_pt * 1e3,
                     tb_dg / tb_pt))


if __name__ == '__main__':
    main()
