"""Zero and negative values of every numeric option, chapter by chapter, through the CLI: each is either a valid value with its
real meaning (SUNDAE's `--steps 0` is the prior, `--iters 0` writes the untrained weights) or a one-line error naming the range.
A zero must never fall through to a default (issue 24: `megapix sample ddpm --steps 0` sampled 100 steps)."""
import subprocess, sys

import numpy as np
import pytest
import torch
from PIL import Image

from megapix.cli import main


def megapix(capsys, *args):
    "Run `megapix ARGS` in this process: (exit code, stdout, stderr)."
    try: main([str(a) for a in args]); code = 0
    except SystemExit as e: code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def refused(capsys, cases):
    "Each `(args, text)` exits 2 with one line on stderr: `megapix: error: ...` naming the allowed values (`text`)."
    for args, text in cases:
        code, _, err = megapix(capsys, *args)
        assert code == 2, (args, code, err[-500:])
        assert len(err.strip().splitlines()) == 1 and err.startswith('megapix: error: '), (args, err[-500:])
        assert text in err, (args, err)


def png(path): return np.asarray(Image.open(path))


def test_ddpm(capsys, tmp_path):
    out = tmp_path / 'x.png'
    refused(capsys, [(['sample', 'ddpm', '--steps', s, '--n', 2, '--out', out], 'from 1 to the 1000 steps') for s in (0, -1, 5000)]
            + [(['sample', 'ddpm', '--n', n, '--out', out], '--n must be >= 1, got') for n in (0, -3)]
            + [(['eval', 'ddpm', '--steps', s, '--n', 2, '--out', tmp_path / 'e.json'], 'from 1 to the 1000 steps') for s in ('0', '-5', '10,0')]
            + [(['eval', 'ddpm', '--eta', '-1', '--n', 2, '--out', tmp_path / 'e.json'], 'eta must be >= 0'),
               (['eval', 'ddpm', '--steps=', '--n', 2, '--out', tmp_path / 'e.json'], 'expect numbers'),
               (['eval', 'ddpm', '--n', 0], '--n must be >= 1'), (['eval', 'ddpm', '--n', -1], '--n must be >= 1'),
               (['eval', 'ddpm', '--seed', 1, '--n', 2, '--out', tmp_path / 'e.json'], 'megapix eval ddpm has no --seed')]
            + [(['train', 'ddpm', '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for o, t in (
                (['--iters', -1], 'iters must be >= 0'), (['--batch-size', 0], 'batch_size must be >= 1'),
                (['--batch-size', -8], 'batch_size must be >= 1'), (['--ema', -0.5], 'ema must be from 0 to 1'),
                (['--timesteps', 0], 'timesteps must be >= 1'), (['--set', 'log_every=0'], 'log_every must be >= 1'))])
    assert not (tmp_path / 'run').exists(), 'a refused setting must not leave a run folder behind'
    assert not out.exists() and not (tmp_path / 'e.json').exists()
    code, _, err = megapix(capsys, 'sample', 'ddpm', '--ckpt', 'ddpm-small-t10', '--n', 2, '--out', out)   # T = 10: the default fits it
    assert code == 0 and out.exists() and 'sampling 10 steps' in err, err[-500:]


def test_ddpm_steps_zero_as_a_new_user_types_it(tmp_path):
    "The command of issue 24, in a fresh process as the console script runs it."
    r = subprocess.run([sys.executable, '-m', 'megapix.cli', 'sample', 'ddpm', '--steps', '0', '--n', '4', '--out', str(tmp_path / 'x.png')],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and not (tmp_path / 'x.png').exists(), r.stderr[-500:]
    assert r.stderr.strip().splitlines() == ['megapix: error: steps must be an integer from 1 to the 1000 steps the model was trained with, got 0']


def test_ddgan(capsys, tmp_path):
    out = tmp_path / 'x.png'
    refused(capsys, [(['sample', 'ddgan', '--steps', s, '--n', 2, '--out', out], 'samples in exactly 4') for s in (0, -1)]
            + [(['sample', 'ddgan', '--n', n, '--out', out], '--n must be >= 1') for n in (0, -1)]
            + [(['train', 'ddgan', '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for o, t in (
                (['--iters', -1], 'iters must be >= 0'), (['--batch-size', 0], 'batch_size must be >= 1'),
                (['--r1', -0.1], 'r1 must be >= 0'), (['--r1_every', 0], 'r1_every must be >= 1'), (['--drift', -1], 'drift must be >= 0'),
                (['--ema', 1.5], 'ema must be from 0 to 1'), (['--T', 0], 'T must be >= 1'), (['--T', -2], 'T must be >= 1'),
                (['--r1', '0.1,-1'], 'r1 must be >= 0'))])   # a grid is checked whole before its first run
    assert not (tmp_path / 'run').exists() and not out.exists()


def test_sundae(capsys, tmp_path):
    from megapix.sundae import SUNDAE_WEIGHTS, load_prior, to_images
    from megapix.core import save_images
    refused(capsys, [(['sample', 'sundae', '--steps', -1, '--n', 2, '--out', tmp_path / 'x.png'], 'steps and min_steps must be >= 0'),
                     (['sample', 'sundae', '--ckpt', 'sundae-maskgit-fashion', '--steps', 0, '--out', tmp_path / 'x.png'], 'need 1 <= steps <= 64, got 0'),
                     (['sample', 'sundae', '--n', 0], '--n must be >= 1'), (['sample', 'sundae', '--n', -2], '--n must be >= 1')]
            + [(['train', 'sundae', '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for o, t in (
                (['--iters', -1], 'iters must be >= 0'), (['--batch-size', 0], 'batch_size must be >= 1'), (['--T', 0], 'T must be >= 1'),
                (['--clip', -1], 'clip must be >= 0'), (['--ema', -0.1], 'ema must be from 0 to 1'), (['--warmup', -5], 'warmup must be >= 0'))])
    assert not (tmp_path / 'run').exists()
    # steps = 0 returns the prior, as the chapter says: the uniform tokens of the chain's first state, decoded
    code, out, err = megapix(capsys, 'sample', 'sundae', '--steps', 0, '--n', 4, '--seed', 3, '--out', tmp_path / 'prior.png')
    assert code == 0, err[-500:]
    assert '0.0 steps on average (at most 0)' in out
    prior = load_prior(SUNDAE_WEIGHTS)
    z = torch.randint(0, prior.codes, (4, *prior.shape), generator=torch.Generator().manual_seed(3))
    save_images(to_images(prior, z), tmp_path / 'expected.png')
    assert np.array_equal(png(tmp_path / 'prior.png'), png(tmp_path / 'expected.png'))


def test_megapixel(capsys, tmp_path):
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(tmp_path / 'in.png')
    gen, inp = ['generate', '--tiny', '--out', tmp_path / 'g'], ['inpaint', '--tiny', '--image', tmp_path / 'in.png', '--mask', 'centre', '--out', tmp_path / 'i.png']
    refused(capsys, [([*gen, '--size', 64, '--steps', -1], 'steps and min_steps must be >= 0'),
                     ([*gen, '--size', 64, '--n', 0], '--n must be >= 1'), ([*gen, '--size', 64, '--n', -1], '--n must be >= 1'),
                     ([*gen, '--size', 0], 'positive multiple of 32, got 0'), ([*gen, '--size', -64], 'positive multiple of 32, got -64'),
                     ([*gen, '--size', 64, '--batch-size', 0], 'batch_size must be >= 1'), ([*gen, '--size', 64, '--batch-size', -1], 'batch_size must be >= 1'),
                     ([*inp, '--n', 0], '--n must be >= 1'), ([*inp, '--n', -2], '--n must be >= 1'), ([*inp, '--steps', -1], 'must be >= 0'),
                     ([*inp, '--feather', -1], 'feather must be >= 0'),
                     (['sample', 'megapixel', '--ckpt', 'sundae-photo-128', '--steps', -2, '--out', tmp_path / 'm.png'], 'steps and min_steps must be >= 0'),
                     (['train', 'megapixel', '--preset', 'tiny', '--out', tmp_path / 'run', '--iters', -1], 'iters must be >= 0'),
                     (['train', 'megapixel', '--preset', 'tiny', '--out', tmp_path / 'run', '--batch-size', 0], 'batch_size must be >= 1')])
    assert not (tmp_path / 'g').exists() and not (tmp_path / 'i.png').exists() and not (tmp_path / 'run').exists()
    # steps = 0 is the chain's first state, as in the chapter: uniform tokens (seed 0) where the mask is, the image's own tokens elsewhere, decoded
    from megapix.core import save_images
    from megapix.megapixel import MASKS, Pipeline, latent_mask, save_image, tiny_pipeline
    from megapix.vqgan import decode, encode
    uniform = lambda shape, codes: torch.randint(0, codes, shape, generator=torch.Generator().manual_seed(0))
    tiny = tiny_pipeline(64)                                                             # the weights --tiny builds (seeded)
    code, out, err = megapix(capsys, *gen, '--size', 64, '--n', 2, '--steps', 0)
    assert code == 0 and ', 0.0 steps on average' in out, out + err[-500:]
    got = sorted((tmp_path / 'g').glob('*.png'))
    expected = [save_image(x, tmp_path / f'expected-g{i}.png') for i, x in enumerate(decode(tiny.vqgan, uniform((2, 2, 2), 64)).float())]
    assert len(got) == 2 and all(np.array_equal(png(a), png(b)) for a, b in zip(got, expected))
    code, out, err = megapix(capsys, *inp, '--steps', 0, '--feather', 0)               # the hole keeps its uniform tokens; no blend
    assert code == 0, err[-500:]
    x, hole = torch.full((1, 3, 64, 64), 128 / 127.5 - 1), MASKS['centre'](64, 32, 0)
    z = latent_mask(hole, 32)[None]
    z = torch.where(z, uniform(z.shape, 64), encode(tiny.vqgan, x))
    assert np.array_equal(png(tmp_path / 'i.png'), png(save_image(torch.where(hole, decode(tiny.vqgan, z).float(), x)[0], tmp_path / 'expected-i.png')))
    code, _, err = megapix(capsys, 'sample', 'megapixel', '--ckpt', 'sundae-photo-128', '--steps', 0, '--n', 1, '--out', tmp_path / 'm.png')
    assert code == 0, err[-500:]
    photo = Pipeline.load('sundae-photo-128')
    assert np.array_equal(png(tmp_path / 'm.png'), png(save_images(decode(photo.vqgan, uniform((1, 16, 16), 512)).float(), tmp_path / 'expected-m.png')))


def test_toys(capsys, tmp_path):
    refused(capsys, [(['sample', 'toy-gan', '--steps', s, '--out', tmp_path / 'x.png'], '--steps does not apply') for s in (0, -1)]
            + [(['sample', c, '--n', n, '--out', tmp_path / 'x.png'], '--n must be >= 1') for c in ('toy-gan', 'toy-unroll') for n in (0, -1)]
            + [(['sample', 'toy-unroll', '--steps', -1, '--out', tmp_path / 'x.txt'], 'steps must be >= 0')]
            + [(['train', c, '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for c, o, t in (
                ('toy-gan', ['--iters', -1], 'iters must be >= 0'), ('toy-gan', ['--batch-size', 0], 'batch_size must be >= 1'),
                ('toy-gan', ['--ckpt_every', 0], 'ckpt_every must be >= 1'), ('toy-gan', ['--log_every', -1], 'log_every must be >= 1'),
                ('toy-gan', ['--ema', -1], 'ema must be from 0 to 1'), ('toy-gan', ['--r1', -0.1], 'r1 must be >= 0'),
                ('toy-gan', ['--lr', -1e-3], 'lr must be >= 0'), ('toy-unroll', ['--unroll', 0], 'unroll must be >= 1'),
                ('toy-unroll', ['--batch-size', -1], 'batch_size must be >= 1'))])
    assert not (tmp_path / 'run').exists()
    # steps = 0: the uniform tokens the chain starts from
    code, _, err = megapix(capsys, 'sample', 'toy-unroll', '--steps', 0, '--n', 8, '--seed', 5, '--out', tmp_path / 'u.txt')
    assert code == 0, err[-500:]
    got = torch.tensor([[int(v) for v in row.split()] for row in (tmp_path / 'u.txt').read_text().splitlines()])
    assert torch.equal(got, torch.randint(0, 8, (8, 16), generator=torch.Generator().manual_seed(5)))
    # iters = 0 trains nothing and writes the untrained weights; ema, r1 = 0 are no averaging and no penalty
    code, out, err = megapix(capsys, 'train', 'toy-gan', '--preset', 'tiny', '--quiet', '--out', tmp_path / 'zero', '--iters', 0)
    assert code == 0 and 'for 0 iterations' in out and (tmp_path / 'zero' / 'ckpt' / 'ema' / 'config.json').exists(), err[-500:]
    code, out, err = megapix(capsys, 'train', 'toy-gan', '--preset', 'tiny', '--quiet', '--out', tmp_path / 'zeros', '--iters', 3, '--ema', 0, '--r1', 0)
    assert code == 0 and 'for 3 iterations' in out, err[-500:]


def test_classifier(capsys, tmp_path):
    refused(capsys, [(['eval', 'classifier', '--n', n], '--n must be >= 1') for n in (0, -1)]
            + [(['sample', 'classifier', '--steps', 0], 'classifier has no sampler')]
            + [(['train', 'classifier', '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for o, t in (
                (['--iters', -1], 'iters must be >= 0'), (['--batch-size', 0], 'batch_size must be >= 1'),
                (['--batch-size', -32], 'batch_size must be >= 1'), (['--label_smoothing', -0.1], 'label_smoothing must be from 0 to 1'),
                (['--dropout', 1.5], 'dropout must be from 0 to 1'), (['--warmup', -1], 'warmup must be >= 0'))])
    assert not (tmp_path / 'run').exists()
    code, out, err = megapix(capsys, 'train', 'classifier', '--preset', 'tiny', '--quiet', '--out', tmp_path / 'zero', '--iters', 0)
    assert code == 0 and 'for 0 iterations' in out, err[-500:]


def test_vqgan_and_hourglass(capsys, tmp_path):
    refused(capsys, [(['sample', 'vqgan', '--steps', s, '--out', tmp_path / 'x.png'], '--steps does not apply') for s in (0, -1)]
            + [(['sample', 'vqgan', '--n', n, '--out', tmp_path / 'x.png'], '--n must be >= 1') for n in (0, -1)]
            + [(['encode', '--out', tmp_path / 'tok', *o], '--batch-size and --views must be >= 1') for o in (['--batch-size', 0], ['--views', 0], ['--views', -1])]
            + [(['eval', 'vqgan', '--steps', '0'], 'megapix eval vqgan has no --steps'), (['eval', 'hourglass', '--n', 0], '--n must be >= 1')]
            + [(['train', c, '--preset', 'tiny', '--out', tmp_path / 'run', *o], t) for c, o, t in (
                ('vqgan', ['--iters', -1], 'iters must be >= 0'), ('vqgan', ['--batch-size', 0], 'batch_size must be >= 1'),
                ('vqgan', ['--restart_every', -1], 'restart_every must be >= 0'), ('vqgan', ['--disc_weight', -1], 'disc_weight must be >= 0'),
                ('hourglass', ['--iters', -1], 'iters must be >= 0'), ('hourglass', ['--clip', -1], 'clip must be >= 0'))])
    assert not (tmp_path / 'run').exists() and not (tmp_path / 'tok').exists()
