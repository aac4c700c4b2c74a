"""A long SUNDAE chain shows its progress: `megapix sample sundae --steps 100000` passes `progress=True` to the sampler."""
import torch

from megapix.sundae import Prior, sample


def test_sample_shows_steps_and_samples_still_changing(capsys):
    torch.manual_seed(0)
    m = Prior(codes=16, shape=(4, 4), dim=32, heads=2, depth=(1, (1,), 1)).eval()
    quiet = sample(m, 3, steps=5, seed=1)
    assert capsys.readouterr().err == ''                                  # off by default: notebooks and evaluations stay quiet
    shown = sample(m, 3, steps=5, seed=1, early_stop=False, progress=True)
    err = capsys.readouterr().err
    assert 'at most 5 steps' in err and '5/5' in err and 'changing=3' in err, err
    assert torch.equal(shown.tokens, sample(m, 3, steps=5, seed=1, early_stop=False).tokens)   # the bar draws no random numbers
    assert quiet.tokens.shape == shown.tokens.shape


def test_cli_sampler_shows_progress(capsys):
    from megapix.sundae import SUNDAE_WEIGHTS, sample_cli
    sample_cli(SUNDAE_WEIGHTS, n=2, steps=3, early_stop=False)
    assert 'sampling 2 grids, at most 3 steps' in capsys.readouterr().err
