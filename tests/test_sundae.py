"The design card's entry point, `from megapix.sundae import sample`, and the `megapix` commands of Chapter 5, in fresh processes."
import os, subprocess, sys
from pathlib import Path

import torch


def megapix(*args, cwd=None):
    return subprocess.run([str(Path(sys.executable).parent / 'megapix'), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})


def test_sample_from_the_shipped_prior():
    from megapix.sundae import SUNDAE_WEIGHTS, load_prior, sample, to_images
    prior = load_prior(SUNDAE_WEIGHTS)
    out = sample(prior, n=8, steps=20, seed=0)
    assert out.tokens.shape == (8, 8, 8) and out.tokens.dtype == torch.long
    assert 0 <= out.tokens.min() and out.tokens.max() < prior.codes
    assert ((1 <= out.steps) & (out.steps <= 20)).all()
    x = to_images(prior, out.tokens)
    assert x.shape == (8, 1, 32, 32) and -1 <= x.min() and x.max() <= 1
    assert torch.equal(sample(prior, n=8, steps=20, seed=0).tokens, out.tokens)


def test_cli_sample_and_errors(tmp_path):
    r = megapix('sample', 'sundae', '--n', '4', '--steps', '5', '--out', str(tmp_path / 's.png'))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / 's.png').exists() and 'steps on average' in r.stdout
    r = megapix('train', 'sundae', '--preset', 'tiny', '--tokens', str(tmp_path / 'nothing'), '--out', str(tmp_path / 'run'))
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'megapix encode' in r.stderr, r.stderr
    r = megapix('train', 'sundae', '--preset', 'tiny', '--objective', 'bert', '--out', str(tmp_path / 'run2'))
    assert r.returncode == 2 and 'objective must be one of' in r.stderr, r.stderr
