"""distglu._allocator: glibc's malloc keeps step-sized arrays instead of page-faulting
them in again every step (see the module docstring); DISTGLU_MALLOC_TUNING=0 opts out."""
import os
import platform
import subprocess
import sys

import pytest

_GLIBC = sys.platform.startswith('linux') and platform.libc_ver()[0] == 'glibc'

# Three 1 MB arrays alive at once, freed together, 50 times. glibc's default: the first
# free raises the mmap threshold to 1 MB, so they come from the heap, but 3 MB free at
# the top of the heap exceeds the trim threshold (twice that) and goes back to the OS
# every round. Prints distglu's flag and the page faults of the last 40 rounds.
_PROBE = r'''
import resource, numpy as np
import distglu._allocator as a
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for i in range(50):
    if i == 10:
        f0 = faults()
    arrays = [np.ones(1 << 18, dtype=np.float32) for _ in range(3)]
    del arrays
print(a.TUNED, faults() - f0)
'''


def _probe(env_value):
    env = dict(os.environ)
    env.pop('DISTGLU_MALLOC_TUNING', None)
    if env_value is not None:
        env['DISTGLU_MALLOC_TUNING'] = env_value
    out = subprocess.run([sys.executable, '-c', 'import distglu\n' + _PROBE], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0] == 'True', int(out[1])


@pytest.mark.skipif(not _GLIBC, reason='malloc tuning applies to glibc only')
def test_import_tunes_glibc_malloc_so_repeated_arrays_do_not_fault():
    tuned, faults = _probe(None)
    assert tuned
    assert faults < 100           # 40 rounds x 3 MB would be 30,000 pages


@pytest.mark.skipif(not _GLIBC, reason='malloc tuning applies to glibc only')
def test_opt_out_leaves_malloc_alone():
    tuned, faults = _probe('0')
    assert not tuned
    assert faults > 40 * 256      # glibc's default: at least 1 MB faulted in every round


def test_no_tuning_outside_glibc_or_when_opted_out(monkeypatch):
    from distglu import _allocator
    monkeypatch.setenv('DISTGLU_MALLOC_TUNING', '0')
    assert _allocator.tune_malloc() is False
    monkeypatch.setattr(_allocator.sys, 'platform', 'darwin')
    monkeypatch.delenv('DISTGLU_MALLOC_TUNING')
    assert _allocator.tune_malloc() is False
