"""The runnable examples (examples/*.py): each one runs in a subprocess with tiny settings and
what it prints is checked (learned values, accuracy above chance, perplexity going down, the
save/load round trip); --help works for each, --plot writes a PNG."""
import gzip
import os
import re
import struct
import subprocess
import sys
from importlib.util import find_spec

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, 'examples')
ALL = ['linreg', 'mlp', 'lenet', 'custom_layer', 'rnn_lm']


def run_example(name, *args, timeout=120):
    """Run examples/<name>.py with ``args``; return its stdout (fails the test on a non-zero
    exit, showing stderr)."""
    env = dict(os.environ)
    env['PYTHONPATH'] = ROOT + os.pathsep + env.get('PYTHONPATH', '')
    env.setdefault('OMP_NUM_THREADS', '1')
    env['MPLBACKEND'] = 'Agg'
    proc = subprocess.run([sys.executable, os.path.join(EXAMPLES, name + '.py')] + list(args),
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, ('%s.py %s exited with %d\nstdout:\n%s\nstderr:\n%s'
                                  % (name, ' '.join(args), proc.returncode, proc.stdout,
                                     proc.stderr[-3000:]))
    return proc.stdout


def epoch_lines(out):
    return [line for line in out.splitlines() if re.match(r'epoch \d+, loss:? ', line)]


def final_value(out, label):
    m = re.search(r'^%s: ([-+0-9.eE]+|nan|inf)\s*$' % re.escape(label), out, re.M)
    assert m, 'no %r line in the output:\n%s' % (label, out)
    return float(m.group(1))


def assert_png(path):
    assert os.path.isfile(path), 'no plot written at %s' % path
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n', '%s is not a PNG' % path
    assert os.path.getsize(path) > 1000


needs_digits = pytest.mark.skipif(not find_spec('sklearn'),
                                  reason='the image examples need scikit-learn for the digits')
needs_matplotlib = pytest.mark.skipif(not find_spec('matplotlib'), reason='--plot needs matplotlib')


@pytest.mark.parametrize('name', ALL)
def test_help(name):
    out = run_example(name, '--help')
    assert out.startswith('usage: %s.py' % name)
    for opt in ('--epochs', '--batch-size', '--lr', '--seed', '--plot', '--no-progress'):
        assert opt in out


def test_linreg_learns_the_truth():
    out = run_example('linreg', '--no-progress')
    assert len(epoch_lines(out)) == 3
    m = re.search(r'true w: \[(.*?)\]\s+learned w: \[(.*?)\]', out)
    assert m, out
    true_w = np.array([float(v) for v in m.group(1).split(',')])
    w = np.array([float(v) for v in m.group(2).split(',')])
    m = re.search(r'true b: (\S+)\s+learned b: (\S+)', out)
    assert m, out
    b_true, b = float(m.group(1)), float(m.group(2))
    np.testing.assert_allclose(true_w, [2, -3.4], rtol=1e-6)
    assert np.abs(w - true_w).max() < 0.05, out
    assert abs(b - b_true) < 0.05, out


@needs_digits
@needs_matplotlib
def test_mlp_beats_chance_and_plots(tmp_path):
    png = str(tmp_path / 'mlp.png')
    out = run_example('mlp', '--epochs', '2', '--no-progress', '--plot', png)
    assert 'data: scikit-learn digits (8x8)' in out
    lines = epoch_lines(out)
    assert len(lines) == 2
    assert all(re.search(r'train acc [0-9.]+, test acc [0-9.]+, time [0-9.]+ sec', l)
               for l in lines), lines
    assert final_value(out, 'final test accuracy') > 0.5  # chance: 0.1
    assert_png(png)


@needs_digits
def test_lenet_beats_chance():
    # with the progress bars on (they go to stderr and must not break the loop)
    out = run_example('lenet', '--epochs', '2')
    # the LeNet shapes on 8x8 digits: each pooling halves the image
    assert re.search(r'conv0\s+output shape: \(1, 6, 8, 8\)', out), out
    assert re.search(r'pool1\s+output shape: \(1, 16, 2, 2\)', out), out
    assert len(epoch_lines(out)) == 2
    assert final_value(out, 'final test accuracy') > 0.5


@needs_digits
def test_custom_layer_round_trip():
    out = run_example('custom_layer', '--epochs', '2', '--no-progress')
    # the custom initializer ran on MyDense's weight (64 pixels -> 128 units)
    assert re.search(r'^Init mydense\d+_weight \(64, 128\)', out, re.M), out
    assert 'layers 1 and 2 share their weight: True' in out
    assert 'shared weight still equal after training: True' in out
    assert len(epoch_lines(out)) == 2
    assert final_value(out, 'final test accuracy') > 0.5
    assert final_value(out, 'save/load round trip, max abs output difference') == 0


@needs_matplotlib
def test_rnn_lm_perplexity_drops_and_samples(tmp_path):
    png = str(tmp_path / 'rnn.png')
    out = run_example('rnn_lm', '--epochs', '4', '--no-progress', '--sample-length', '40',
                      '--plot', png)
    assert 'text: the Zen of Python, 856 characters' in out, out
    ppl = [float(p) for p in re.findall(r'^epoch \d+, loss [0-9.]+, perplexity ([0-9.]+), '
                                        r'time [0-9.]+ sec$', out, re.M)]
    assert len(ppl) == 4, out
    assert ppl[0] < 60  # about the vocabulary size (45) at the start
    assert ppl[-1] < ppl[0] * 0.8, ppl
    assert ppl == sorted(ppl, reverse=True), ppl
    assert final_value(out, 'final perplexity') == pytest.approx(ppl[-1], abs=1e-2)
    m = re.search(r"^sample: (['\"])(.*)\1$", out, re.M)
    assert m, out
    sample = m.group(2).encode().decode('unicode_escape')
    assert sample.startswith('Beautiful') and len(sample) == len('Beautiful') + 40
    assert_png(png)


def test_rnn_lm_on_a_text_file(tmp_path):
    path = tmp_path / 'abc.txt'
    path.write_text('abcabcabd' * 40, encoding='utf-8')
    out = run_example('rnn_lm', '--text', str(path), '--epochs', '3', '--no-progress',
                      '--prefix', 'ab', '--sample-length', '10', '--num-hidden', '32')
    assert 'text: abc.txt, 360 characters, 4 distinct' in out
    ppl = [float(p) for p in re.findall(r'perplexity ([0-9.]+)', out)]
    assert ppl[-1] < ppl[0]
    m = re.search(r"^sample: '([abcd]*)'$", out, re.M)
    assert m and m.group(1).startswith('ab') and len(m.group(1)) == 12, out


def _write_idx(path, arr, magic):
    with gzip.open(path, 'wb') as f:
        f.write(struct.pack('>I', magic) + struct.pack('>%dI' % arr.ndim, *arr.shape))
        f.write(arr.astype(np.uint8).tobytes())


def test_image_examples_read_fashion_mnist_files(tmp_path):
    # tiny stand-ins for the official files: class k is a bright 7x7 block at place k
    rng = np.random.default_rng(0)
    for prefix, n in (('train', 160), ('t10k', 40)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 40, size=(n, 28, 28))
        for i, k in enumerate(labels):
            r, c = 7 * (k // 4), 7 * (k % 4)
            images[i, r:r + 7, c:c + 7] = 255
        _write_idx(str(tmp_path / ('%s-images-idx3-ubyte.gz' % prefix)), images, 0x803)
        _write_idx(str(tmp_path / ('%s-labels-idx1-ubyte.gz' % prefix)), labels, 0x801)
    out = run_example('lenet', '--data-dir', str(tmp_path), '--epochs', '1', '--no-progress')
    assert 'data: Fashion-MNIST, 160 training and 40 test images of 28x28' in out, out
    # LeNet-5 on 28x28: 5x5 convolutions, 28 -> 14 -> 10 -> 5
    assert re.search(r'conv0\s+output shape: \(1, 6, 28, 28\)', out), out
    assert re.search(r'pool1\s+output shape: \(1, 16, 5, 5\)', out), out
    out = run_example('mlp', '--data-dir', str(tmp_path), '--epochs', '3', '--no-progress')
    assert final_value(out, 'final test accuracy') > 0.5
