"""The U-Net's pieces compute what they computed when the shipped weights were trained.

Every shipped network built from `megapix.unet` (the DDPMs, the DDGAN generators, the VQGANs' encoders and decoders) and a
tiny DDGAN discriminator and latent U-Net (random weights, stored beside the outputs) are run on fixed seeded inputs, in fp32
and in bf16 autocast, and compared with outputs recorded by the code that trained them (tests/data/unet-outputs.safetensors):
fp32 within float tolerance; bf16 within twice the distance of the recorded bf16 from fp32 (two roundings, each as far off as
bf16 was before, can differ by that much).

Record the reference again (only when the computation is meant to change): `python tests/test_unet_outputs.py --record`.
"""
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file, save_file

from megapix.core import WEIGHTS, autocast, file_sha256, load_model
from megapix.ddgan import Discriminator
from megapix.unet import UNet

REF = Path(__file__).parent / 'data' / 'unet-outputs.safetensors'
DDPMS, GENERATORS, VQGANS = ('ddpm-fashion', 'ddpm-fashion-dim16', 'ddpm-small-t10'), \
    ('ddgan-ns-t1', 'ddgan-ns-t2', 'ddgan-ns-t4', 'ddgan-hellinger-t4', 'ddgan-rkl-t4', 'ddgan-tv-t4'), ('vqgan-fashion', 'vqgan-photo-128')
TINY = {'disc': lambda: Discriminator(dim=8, mults=(1, 2, 2)),
        'unet': lambda: UNet(channels=2, dim=8, mults=(1, 2), res_blocks=2, attn_levels=(0, 1), dropout=0.5, z_dim=4, heads=2, out_channels=3)}


def _inputs(seed: int, *shapes):
    g = torch.Generator().manual_seed(seed)
    return [torch.randn(s, generator=g) for s in shapes]


def _cases(states: dict):
    "name -> (model, a function that runs it on fixed inputs); `states` holds the tiny models' weights."
    for name in DDPMS:
        m = load_model(name); T = m.timesteps
        x, = _inputs(0, (4, 1, 32, 32))
        yield name, m, lambda m=m, x=x, T=T: m(x, torch.tensor([0, T // 3, 2 * T // 3, T - 1]))
    for name in GENERATORS:
        m = load_model(name)
        x, z = _inputs(1, (4, 1, 32, 32), (4, m.z_dim))
        yield name, m, lambda m=m, x=x, z=z: m(x, torch.arange(4) % m.timesteps, z)
    for name in VQGANS:
        m = load_model(name); f, c = m.f, m.channels
        x, z = _inputs(2, (2, c, 4 * f, 4 * f), (2, m.decoder.net[0].in_channels, 3, 5))
        yield f'{name}.encoder', m, lambda m=m, x=x: m.encoder(x)
        yield f'{name}.decoder', m, lambda m=m, z=z: m.decoder(z)
    for name, make in TINY.items():
        m = make(); m.load_state_dict({k[len(name) + 1:]: v for k, v in states.items() if k.startswith(name + '.')})
        if name == 'disc':
            a, b = _inputs(3, (4, 1, 16, 16), (4, 1, 16, 16))
            yield f'tiny-{name}', m, lambda m=m, a=a, b=b: m(a, b, torch.tensor([0, 1, 2, 3]))
        else:
            x, z = _inputs(4, (3, 2, 16, 16), (3, 4))
            yield f'tiny-{name}', m, lambda m=m, x=x, z=z: m(x, torch.tensor([0., 2.5, 999.]), z)


def _run(model, f, precision):
    model.eval()
    with torch.no_grad(), autocast('cpu', precision): return f().float()


def record():
    "Write the reference: the tiny models' random weights (every parameter non-zero, so nothing is trivially skipped) and every output."
    torch.manual_seed(0); states = {}
    for name, make in TINY.items():
        m = make()
        for p in m.parameters(): torch.nn.init.normal_(p, 0, 0.3)
        states.update({f'{name}.{k}': v.contiguous() for k, v in m.state_dict().items()})
    out, meta = dict(states), {}
    for name, model, f in _cases(states):
        for prec in ('fp32', 'bf16'): out[f'out.{name}.{prec}'] = _run(model, f, prec).contiguous()
        w = name.split('.')[0]
        if not w.startswith('tiny'): meta[w] = file_sha256(WEIGHTS / w / 'model.safetensors')
    REF.parent.mkdir(exist_ok=True); save_file(out, str(REF), metadata=meta)
    print(f"wrote {REF} ({REF.stat().st_size:,} bytes, {len(out)} tensors)")


@pytest.fixture(scope='module')
def ref():
    from safetensors import safe_open
    with safe_open(str(REF), 'pt') as f: meta = f.metadata()
    return load_file(str(REF)), meta


def test_outputs_as_recorded(ref):
    tensors, meta = ref
    states = {k: v for k, v in tensors.items() if not k.startswith('out.')}
    checked, reshipped = [], []
    for name, model, f in _cases(states):
        w = name.split('.')[0]
        if w in meta and file_sha256(WEIGHTS / w / 'model.safetensors') != meta[w]: reshipped.append(w); continue  # new weights, new outputs
        fp32, bf16 = tensors[f'out.{name}.fp32'], tensors[f'out.{name}.bf16']
        new32, new16 = _run(model, f, 'fp32'), _run(model, f, 'bf16')
        torch.testing.assert_close(new32, fp32, rtol=1e-4, atol=1e-4 * fp32.abs().max().item(), msg=lambda m: f'{name} fp32: {m}')
        err16, bound = (new16 - bf16).abs().max().item(), 2 * (bf16 - fp32).abs().max().item() + 1e-3 * fp32.abs().max().item()
        assert err16 <= bound, f'{name} bf16: moved {err16:.3g} from its recording, more than twice bf16\'s distance from fp32 ({bound:.3g})'
        checked.append(name)
    assert len(checked) >= len(DDPMS) + 2 * len(VQGANS) + len(TINY), (checked, reshipped)


def test_reference_catches_a_changed_computation(ref):
    "The tolerance is tight enough to see a plausible slip in a rewrite: attention over one head instead of four."
    from megapix.unet import Attention
    tensors, _ = ref
    name, model, f = next(c for c in _cases({}) if c[0] == 'ddpm-fashion-dim16')
    for m in model.modules():
        if isinstance(m, Attention): m.heads = 1
    assert not torch.allclose(_run(model, f, 'fp32'), tensors[f'out.{name}.fp32'], rtol=1e-4, atol=1e-4)


if __name__ == '__main__' and '--record' in sys.argv: record()
