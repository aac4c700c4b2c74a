"""A real 2-process data-parallel run on CPU (gloo), through torchrun."""
import json, subprocess, sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).parent))
from ddp_worker import run

TORCHRUN = [sys.executable, '-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2']


@pytest.mark.slow
def test_two_ranks_end_equal_and_match_one_process_with_the_global_batch(tmp_path):
    r = subprocess.run([*TORCHRUN, str(Path(__file__).parent / 'ddp_worker.py'), str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = load_file(tmp_path / 'rank0.safetensors'), load_file(tmp_path / 'rank1.safetensors')
    for k in w0: assert torch.equal(w0[k], w1[k]), f'ranks differ in {k}'
    single = run(batch_size=32).model.state_dict()   # one process, the same global batches
    start = run(batch_size=32, iters=0).model.state_dict()
    for k in w0:
        assert torch.equal(w0[k], start[k]) == (k == 'unused'), f'{k} did not train' if k != 'unused' else 'a parameter without gradient moved'
        torch.testing.assert_close(w0[k], single[k], rtol=1e-4, atol=1e-5)
    for rank in (0, 1):
        facts = json.loads((tmp_path / f'rank{rank}.json').read_text())
        assert facts['closed'], 'fit leaves the process group open'
        trained = sum(v.numel() for k, v in w0.items() if k != 'unused')
        assert facts == {**facts, 'reductions': 8, 'sizes': [trained], 'one_buffer': True, 'trained': trained}, facts   # one flat all-reduce a step


@pytest.mark.slow
def test_cli_trains_under_torchrun(tmp_path):
    r = subprocess.run([*TORCHRUN, '-m', 'megapix.cli', 'train', 'toy-gan', '--preset', 'tiny', '--iters', '6',
                        '--device', 'cpu', '--out', str(tmp_path), '--quiet'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('trained toy-gan') == 1            # only rank 0 reports
    state = torch.load(tmp_path / 'ckpt' / 'state.pt', weights_only=True)
    assert state['step'] == 6 and (tmp_path / 'ckpt' / 'ema' / 'model.safetensors').exists()


@pytest.mark.slow
def test_encode_under_torchrun_writes_the_same_tokens_as_one_process(tmp_path):
    "`megapix encode` data-parallel: 2 ranks share the chunks of one latent dataset; the files equal a 1-process run's."
    args = ['encode', '--data', 'fashion', '--split', 'test', '--device', 'cpu']
    r = subprocess.run([*TORCHRUN, '-m', 'megapix.cli', *args, '--out', str(tmp_path / 'two')], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.count('10000 images ->') == 1                   # only rank 0 reports
    r = subprocess.run([sys.executable, '-m', 'megapix.cli', *args, '--out', str(tmp_path / 'one')], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    for f in ('tokens.npy', 'labels.npy', 'done.npy'):
        assert (tmp_path / 'two' / f).read_bytes() == (tmp_path / 'one' / f).read_bytes(), f
