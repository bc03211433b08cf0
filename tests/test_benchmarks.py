"""The benchmark scripts run end to end with tiny settings (they need the ``bench`` extra,
PyTorch and threadpoolctl, and skip without it). Only that they run and report is
checked here: speed is measured by running them for real, never asserted in a test."""
import importlib.util
import math
import pathlib
import re
import subprocess
import sys

import pytest

BENCH = pathlib.Path(__file__).resolve().parent.parent / 'benchmarks'

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec('torch') is None or
    importlib.util.find_spec('threadpoolctl') is None,
    reason="the benchmarks need the 'bench' extra (torch, threadpoolctl)")


def _run(script, *args):
    res = subprocess.run([sys.executable, str(BENCH / script)] + list(args),
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    return res.stdout


def _ratio(out, label):
    """The number after ``label`` in the report: present, finite and positive."""
    m = re.search(re.escape(label) + r'\s*=?\s*([0-9.naife+-]+)', out)
    assert m, out
    value = float(m.group(1).rstrip('x'))
    assert math.isfinite(value) and value > 0, out
    return value


def test_train_step_lstm_reports_both_frameworks():
    out = _run('train_step.py', '--model', 'lstm', '--steps', '1', '--rounds', '1',
               '--threads', '1')
    assert 'NumPy BLAS:' in out
    _ratio(out, 'ratio distglu/pytorch')


def test_rnn_op_reports_a_ratio():
    out = _run('rnn_op.py', '--rounds', '1', '--repeat', '1', '--threads', '1',
               '--seq', '3', '--batch', '2', '--hidden', '8', '--input', '4')
    _ratio(out, 'speed ratio (torch time / distglu time):')


def test_conv_ops_checks_and_times_one_case():
    out = _run('conv_ops.py', '--repeat', '1', '--only', 'conv1x1')
    row = [line for line in out.splitlines() if line.startswith('conv1x1')]
    assert len(row) == 1, out
    assert all(math.isfinite(float(v.rstrip('x'))) for v in row[0].split()[1:]), out


def test_op_overhead_runs():
    out = _run('op_overhead.py', '--repeat', '3', '--ops', '12')
    _ratio(out, 'ratio distglu/pytorch')
