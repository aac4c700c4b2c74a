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
    small = (rng.random((6, 8, 3)) * 255).astype(np.uint8)
    Image.fromarray(small).resize((160, 128), Image.BICUBIC).save(tmp_path / 'photo.png')   # 160x128: resized to 160x128, cropped to 128x128
    r = megapix('inpaint', '--image', str(tmp_path / 'photo.png'), '--mask', 'centre', '--ckpt-prior', 'sundae-photo-128',
                '--out', str(tmp_path / 'filled.png'), '--steps', '10')
    assert r.returncode == 0, r.stderr
    assert 'centre-cropped' in r.stdout and 'filled' in r.stdout, r.stdout
    out = np.asarray(Image.open(tmp_path / 'filled.png'))
    assert out.shape == (128, 128, 3)
    hole = MASKS['centre'](128, 8, 0).numpy()
    src = np.asarray(Image.fromarray(small).resize((160, 128), Image.BICUBIC)).astype(int)
    # outside the hole the output is the input (up to the bicubic crop's rounding); inside, something else was drawn
    known = np.abs(out[~hole].astype(int) - src[:, 16:144][~hole])
    assert known.mean() < 3, known.mean()
    assert np.abs(out[hole].astype(int) - src[:, 16:144][hole]).mean() > known.mean()
    r = megapix('inpaint', '--image', str(tmp_path / 'photo.png'), '--mask', 'nothing.png', '--ckpt-prior', 'sundae-photo-128')
    assert r.returncode == 2 and r.stderr.count('\n') == 1 and 'presets centre' in r.stderr, r.stderr
