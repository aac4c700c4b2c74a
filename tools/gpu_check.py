"""The GPU check: the megapixel pipeline at 1024x1024 (batch 1 and 8, bf16, eager and compiled: seconds per stage), then every `full`
preset trained through `megapix train` (10 warm-up + 50 timed iterations: images/s, peak memory), and what the trainer saves per step
(`megapix bench vqgan`'s variants: the VQGAN's discriminator off before disc_start, logs read once per log_every instead of every step);
writes megapix/results/gpu-check.json.

Needs only this repository and FashionMNIST's four .gz files (`--data DIR`, default data/, else $MEGAPIX_DATA or Debian's package); no internet.
    python tools/gpu_check.py                                   # on a GPU, under 8 minutes
    python tools/gpu_check.py --quick --device cpu              # a dry run: batch 2, 1 + 2 iterations, 256x256, nothing compiled
"""
import argparse, gc, hashlib, json, os, sys, tempfile, time, traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))   # this repository's megapix, installed or not

import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import Subset

from megapix.cli import get_chapter, main as megapix
from megapix.core import RESULTS, load_model, machine, provenance, read_config, write_results
from megapix.data import ImageFolder, fashion_mnist
from megapix.learner import read_log
from megapix.megapixel import full_size_pipeline
from megapix.vqgan import bench_training, encode_dataset, load_vqgan

DEVICE = 'cuda'   # --device

CASES = {   # name: chapter, preset, settings given the work folder `w` and the image side `size`
    'classifier': ('classifier', 'full', lambda w, size: []),
    'ddpm': ('ddpm', 'full', lambda w, size: []),
    'ddgan': ('ddgan', 'full', lambda w, size: []),
    'vqgan-f16-256': ('vqgan', 'f16-256', lambda w, size: [f'data={w / "photos"}']),
    'vqgan-megapixel': ('vqgan', 'megapixel', lambda w, size: [f'data={w / "photos"}', f'image_size={size}']),
    'hourglass': ('hourglass', 'full', lambda w, size: []),
    'sundae': ('sundae', 'full', lambda w, size: [f'tokens={w / "tokens" / "fashion-train"}']),
    'megapixel': ('megapixel', 'full', lambda w, size: [f'tokens={megapixel_tokens(w, size)}', f'vqgan={w / "vqgan-megapixel"}']),
}


def photos(w, size: int, n: int):
    "`n` FashionMNIST images upscaled to `size`x`size` RGB PNGs: the megapixel VQGANs' data (throughput does not depend on content)."
    (w / 'photos').mkdir()
    x = F.interpolate(fashion_mnist('train')[:n][0], size=size, mode='bicubic').clamp(-1, 1)
    for i, im in enumerate(((x + 1) * 127.5).round().byte()[:, 0].numpy()): Image.fromarray(im).convert('RGB').save(w / 'photos' / f'{i}.png')

def megapixel_tokens(w, size: int):
    "The photos encoded by the megapixel VQGAN that its case just trained: the latent dataset of the megapixel prior."
    d = w / 'tokens' / 'photos-train'
    if not (w / 'vqgan-megapixel').exists(): raise RuntimeError('the megapixel prior encodes with the vqgan-megapixel run: run that case too')
    if not d.exists(): encode_dataset(load_vqgan(w / 'vqgan-megapixel', DEVICE), ImageFolder(w / 'photos', size=size, train=False), d, 8, progress=False)
    return d

def peak_gb():
    return torch.cuda.max_memory_allocated() / 2**30 if DEVICE.startswith('cuda') else None

def train(name, w, size, warmup, iters, quick):
    "`megapix train` the case for `warmup + iters` iterations, logged every step: images/s over the last `iters` from log.csv's wall time."
    chapter, preset, settings = CASES[name]
    full = get_chapter(chapter).presets[preset]
    settings = settings(w, size) + (['batch_size=2'] + ['compile=false'] * ('compile' in full) if quick else [])
    if DEVICE.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    megapix(['train', chapter, '--preset', preset, '--out', str(w / name), '--device', DEVICE, '--quiet', '--iters', str(warmup + iters),
             *(a for s in ['log_every=1', f'ckpt_every={warmup + iters}', *settings] for a in ('--set', s))])
    log, cfg = read_log(w / name), read_config(w / name / 'ckpt' / 'model')['meta']['run']   # the settings it ran with
    seconds = log[-1]['wall_s'] - log[warmup - 1]['wall_s']
    return dict(chapter=chapter, preset=preset, settings=[s.replace(str(w), 'WORK') for s in settings], batch_size=cfg['batch_size'],
                precision=cfg.get('precision', 'fp32'), compiled=cfg.get('compile', False), params=load_model(w / name / 'ckpt' / 'model').num_params(),
                warmup=warmup, iters=iters, seconds=seconds, images_per_s=iters * cfg['batch_size'] / seconds, seconds_warmup=log[warmup - 1]['wall_s'],
                seconds_total=time.perf_counter() - start, peak_memory_gb=peak_gb(), perceptual=cfg.get('perceptual_used'), last_log=log[-1])

def bench_megapixel(size, batches, steps, compiles):
    "What `megapix bench megapixel` times (random-weight full-size pair, `steps` SUNDAE steps without early stop, then decoding), in bf16."
    rows = []
    for compiled in compiles:
        pipe = full_size_pipeline(DEVICE, compile=compiled, precision='bf16')
        params = dict(vqgan_params=pipe.vqgan.num_params(), prior_params=pipe.prior.num_params())
        for b in batches:
            pipe.batch_size = b
            if DEVICE.startswith('cuda'): torch.cuda.reset_peak_memory_stats()
            with torch.no_grad():
                pipe.generate(b, steps=3, size=size, early_stop=False)   # warm-up (and compilation)
                o = pipe.generate(b, steps=steps, size=size, early_stop=False)
            rows.append(dict(size=size, batch=b, steps=steps, precision='bf16', compiled=compiled, seconds_sample=o.seconds_sample,
                             seconds_per_step=o.seconds_sample / steps, seconds_decode=o.seconds_decode,
                             images_per_s=b / (o.seconds_sample + o.seconds_decode), peak_memory_gb=peak_gb()))
            print(f"megapixel {size}x{size}, batch {b}, bf16{', compiled' if compiled else ''}: sampling {o.seconds_sample:.2f} s "
                  f"({steps} steps), decoding {o.seconds_decode:.2f} s", flush=True)
        del pipe; torch._dynamo.reset()
    return dict(**params, rows=rows)

def tidy():
    gc.collect(); torch._dynamo.reset()
    if DEVICE.startswith('cuda'): torch.cuda.empty_cache()

def run(a):
    quick, started = a.quick, provenance('python tools/gpu_check.py ' + ' '.join(sys.argv[1:]))
    size, warmup, iters = (256, 1, 2) if quick else (1024, 10, 50)
    out = Path(a.out or (Path(tempfile.gettempdir()) / 'gpu-check-quick.json' if quick else RESULTS / 'gpu-check.json'))
    src = hashlib.sha256(b''.join(f.read_bytes() for f in sorted((ROOT / 'megapix').glob('*.py')))).hexdigest()[:16]
    res = dict(machine=machine(), device=DEVICE, quick=quick, source_sha256=src, megapixel_bench=None, trainer_bench=None, train={})
    save = lambda: write_results('gpu-check', res, path=out, started=started)
    names = a.only.split(',') if a.only else list(CASES)
    with tempfile.TemporaryDirectory() as tmp:
        w = Path(tmp)
        photos(w, size, 2 if quick else 32)
        encode_dataset(load_vqgan('vqgan-fashion', DEVICE), Subset(fashion_mnist('train'), range(256 if quick else 4096)),
                       w / 'tokens' / 'fashion-train', progress=False)
        if not a.only or 'megapixel-bench' in names:
            try: res['megapixel_bench'] = bench_megapixel(size, (1, 2) if quick else (1, 8), 2 if quick else 100, (False,) if quick else (False, True))
            except Exception as e: res['megapixel_bench'] = dict(error=f'{type(e).__name__}: {e}'); traceback.print_exc()
            save(); tidy()
        if not a.only or 'trainer-bench' in names:   # ms per step with and without the trainer's savings
            try: res['trainer_bench'] = bench_training(DEVICE, *((2, 1) if quick else (32, 16)))
            except Exception as e: res['trainer_bench'] = dict(error=f'{type(e).__name__}: {e}'); traceback.print_exc()
            save(); tidy()
        for name in (n for n in names if n in CASES):
            print(f'--- {name}', flush=True)
            try: res['train'][name] = train(name, w, size, warmup, iters, quick)
            except (Exception, SystemExit) as e: res['train'][name] = dict(error=f'{type(e).__name__}: {e}'); traceback.print_exc()
            print(json.dumps(res['train'][name]), flush=True)
            save(); tidy()
    print(f"\n{'case':16s} {'params':>8s} {'batch':>5s} {'images/s':>9s} {'peak GB':>8s} {'warm-up s':>9s}")
    for name, r in res['train'].items():
        if 'error' in r: print(f"{name:16s} {r['error'][:90]}"); continue
        print(f"{name:16s} {r['params'] / 1e6:7.1f}M {r['batch_size']:5d} {r['images_per_s']:9.1f} {r['peak_memory_gb'] or 0:8.1f} {r['seconds_warmup']:9.1f}")
    for r in res['trainer_bench'] if isinstance(res['trainer_bench'], list) else []:
        print(f"{r['case']:32s} {r['variant']:50s} {r['ms']:8.1f} ms ({r['speedup']:.2f}x)")
    print(f"results -> {out}")

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', help='results file (default megapix/results/gpu-check.json; with --quick a temporary file)')
    p.add_argument('--data', default=os.environ.get('MEGAPIX_DATA', str(ROOT / 'data')),
                   help="a folder with FashionMNIST's .gz files, or above a fashion-mnist/ one (default $MEGAPIX_DATA, else data/, else Debian's)")
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--quick', action='store_true', help='batch 2, 3 iterations, 256x256, nothing compiled: a dry run of every path')
    p.add_argument('--only', help=f"comma-separated cases: megapixel-bench, trainer-bench, {', '.join(CASES)} (default all)")
    a = p.parse_args()
    if a.only and (unknown := set(a.only.split(',')) - {'megapixel-bench', 'trainer-bench', *CASES}): p.error(f"unknown cases: {', '.join(sorted(unknown))}")
    if not (a.quick or a.device.startswith('cuda')): p.error('the full check is sized for a GPU (hours on a CPU): add --quick for a dry run')
    os.environ['MEGAPIX_DATA'], DEVICE = a.data, a.device   # a missing folder falls back to Debian's package (megapix.data.find_fashion_mnist)
    run(a)
