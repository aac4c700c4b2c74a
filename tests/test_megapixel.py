"Chapter 6's photo pair (`vqgan-photo-128` + `sundae-photo-128`, trained on this CPU) through `megapix inpaint`, in a fresh process."
import os, subprocess, sys
from pathlib import Path

import numpy as np
from PIL import Image


def megapix(*args):
    return subprocess.run([str(Path(sys.executable).parent / 'megapix'), *args], capture_output=True, text=True,
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})


def test_inpaint_a_colour_photograph(tmp_path):
    from megapix.megapixel import MASKS
    rng = np.random.default_rng(0)
    Image.fromarray((rng.random((6, 8, 3)) * 255).astype(np.uint8)).resize((160, 128), Image.BICUBIC).save(tmp_path / 'photo.png')
    src = np.asarray(Image.open(tmp_path / 'photo.png'))[:, 16:144]   # 160x128: already the model's height, centre-cropped to 128x128
    hole = MASKS['centre'](128, 8, 0).numpy()
    fills = []
    for seed in (0, 1):
        r = megapix('inpaint', '--image', str(tmp_path / 'photo.png'), '--mask', 'centre', '--ckpt-prior', 'sundae-photo-128',
                    '--out', str(tmp_path / f'filled{seed}.png'), '--steps', '10', '--seed', str(seed))
        assert r.returncode == 0, r.stderr
        assert 'centre-cropped' in r.stdout and f'filled {hole.mean():.0%} of the pixels' in r.stdout, r.stdout
        out = np.asarray(Image.open(tmp_path / f'filled{seed}.png'))
        assert out.shape == (128, 128, 3)
        assert np.array_equal(out[~hole], src[~hole]), 'outside the hole the output is the input, exactly (no feather)'
        assert np.abs(out[hole].astype(int) - src[hole]).mean() > 20, 'inside the hole something else is drawn'
        fills.append(out[hole].astype(int))
    assert np.abs(fills[0] - fills[1]).mean() > 5, 'two seeds draw two fills: the hole is sampled, not the input\'s tokens decoded'
    r = megapix('inpaint', '--image', str(tmp_path / 'photo.png'), '--mask', 'nothing.png', '--ckpt-prior', 'sundae-photo-128')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'presets centre' in r.stderr, r.stderr
