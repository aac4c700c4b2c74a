"""Every `full` preset (the networks a GPU trains) built and stepped on CPU through `megapix train`: 2 optimizer steps at batch 2 on real data, then the same command to step 3, which must resume
and train: step 3 changes most of the weights, and the losses logged are finite and not all the same at steps 1 and 3.

`tools/gpu_check.py` times the same presets on a GPU. What a case changes from its preset is said beside it.
"""
import math, subprocess, sys, time

import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Subset

from megapix.cli import get_chapter
from megapix.core import load_model, read_config
from megapix.data import ImageFolder, fashion_mnist
from megapix.learner import checkpoint_step, read_log
from megapix.vqgan import encode_dataset, load_vqgan

NO_COMPILE = 'compile=false'   # torch.compile of a full UNet takes minutes on a 2-core CPU (ddgan: 229 s for 2 steps); the GPU check compiles


def photos(root):
    "Two FashionMNIST images upscaled to 1024x1024 RGB PNGs: photographs at the megapixel size (no photographs ship with Debian's base)."
    d = root / 'photos'
    if not d.exists():
        d.mkdir()
        x = F.interpolate(fashion_mnist('train')[:2][0], size=1024, mode='bicubic').clamp(-1, 1)
        for i, im in enumerate(((x + 1) * 127.5).round().byte()[:, 0].numpy()): Image.fromarray(im).convert('RGB').save(d / f'{i}.png')
    return d

def fashion_tokens(root):
    "256 FashionMNIST training images encoded by the shipped `vqgan-fashion`: the latent dataset of the fashion SUNDAE (8x8 tokens, v = 256)."
    d = root / 'tokens' / 'fashion-train'
    if not d.exists(): encode_dataset(load_vqgan('vqgan-fashion'), Subset(fashion_mnist('train'), range(256)), d, source='fashion:train[:256]', progress=False)
    return d

def megapixel_vqgan(root):
    "The megapixel VQGAN's run folder after its own case (trained here when that case did not run first)."
    return train_and_resume('vqgan-megapixel', root)

def megapixel_tokens(root):
    "`photos` at 1024x1024 encoded by the megapixel VQGAN: 32x32 tokens, v = 8192, the grid the megapixel prior is built for."
    d = root / 'tokens' / 'photos-train'
    if not d.exists():
        encode_dataset(load_vqgan(megapixel_vqgan(root)), ImageFolder(photos(root), size=1024, train=False), d, batch_size=1, progress=False)
    return d

FULL = {   # test id: chapter, preset, settings beyond batch 2 (given the test's folder, where the data is made)
    'classifier': ('classifier', 'full', lambda root: []),
    'ddpm': ('ddpm', 'full', lambda root: [NO_COMPILE]),
    'ddgan': ('ddgan', 'full', lambda root: [NO_COMPILE]),
    'vqgan-f16-256': ('vqgan', 'f16-256', lambda root: [f'data={photos(root)}']),
    # at 1024x1024 one step takes 140 s and 16 GB here: the same network (no layer depends on image_size) on 256x256 crops
    'vqgan-megapixel': ('vqgan', 'megapixel', lambda root: [f'data={photos(root)}', 'image_size=256']),
    'hourglass': ('hourglass', 'full', lambda root: []),
    'sundae': ('sundae', 'full', lambda root: [f'tokens={fashion_tokens(root)}', 'val_n=0']),   # no held-out split made here
    'megapixel': ('megapixel', 'full', lambda root: [f'tokens={megapixel_tokens(root)}', f'vqgan={megapixel_vqgan(root)}']),
}


def weights(out) -> dict:
    "The parameters (not the buffers, which a forward pass alone can change) of a run's last checkpoint."
    return {k: p.detach().clone() for k, p in load_model(out / 'ckpt' / 'model').named_parameters()}


def train_and_resume(case, root):
    "`megapix train` the case for 2 steps at batch 2, then the same command with `--iters 3`: it must go on from the step-2 checkpoint."
    chapter, preset, settings = FULL[case]
    out = root / case
    if checkpoint_step(out / 'ckpt') == 3: return out
    settings = settings(root)   # the data first: its time is not the network's
    cmd = [sys.executable, '-m', 'megapix.cli', 'train', chapter, '--preset', preset, '--device', 'cpu', '--out', str(out),
           *(a for s in ['batch_size=2', 'ckpt_every=2', 'log_every=1', *settings] for a in ('--set', s))]
    start = time.perf_counter()
    first = subprocess.run(cmd + ['--iters', '2', '--quiet'], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr[-3000:]
    assert checkpoint_step(out / 'ckpt') == 2
    before, at2 = read_log(out), weights(out)
    second = subprocess.run(cmd + ['--iters', '3'], capture_output=True, text=True)
    assert second.returncode == 0, second.stderr[-3000:]
    assert ' 2/3 ' in second.stderr and ' 0/3 ' not in second.stderr, f'the progress bar should start at step 2: {second.stderr[-1000:]}'
    log = read_log(out)
    assert checkpoint_step(out / 'ckpt') == 3 and log[:2] == before, 'the log keeps the first run\'s rows'
    at3 = weights(out)
    moved = sum(v.numel() for k, v in at3.items() if not torch.equal(v, at2[k])) / sum(v.numel() for v in at3.values())
    assert moved > 0.5, f'step 3 changed {moved:.0%} of the saved weights: the optimizer did not step'
    losses = [k for k in log[0] if k.endswith('loss')]
    assert [r['step'] for r in log] == [1, 2, 3] and losses and all(math.isfinite(r[k]) for r in log for k in losses), log
    assert any(log[0][k] != log[-1][k] for k in losses), f'the losses did not move in 3 steps: {log}'

    model, config = load_model(out / 'ckpt' / 'model'), read_config(out / 'ckpt' / 'model')['config']
    full, changed = get_chapter(chapter).presets[preset], {s.split('=')[0] for s in settings}
    for k in set(config) & set(full) - changed: assert config[k] == full[k], f'{k}: the network is not the preset\'s'
    print(f"\n{case}: {type(model).__name__}, {model.num_params() / 1e6:.2f}M parameters ({full.get('precision', 'fp32')}), "
          f"2 steps + resume in {time.perf_counter() - start:.1f} s")
    return out


@pytest.fixture(scope='module')
def root(tmp_path_factory): return tmp_path_factory.mktemp('full')


@pytest.mark.slow
@pytest.mark.parametrize('case', FULL)
def test_full_preset_trains_and_resumes(case, root):
    train_and_resume(case, root)
