"""Kill a training run mid-way (SIGKILL, as a crash would), resume it, and check it continues exactly."""
import csv, json, subprocess, sys, time
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file


def train_cmd(out, iters=400):
    return [sys.executable, '-m', 'megapix.cli', 'train', 'classifier', '--preset', 'tiny', '--iters', str(iters),
            '--set', 'ckpt_every=10', '--set', 'log_every=10', '--out', str(out), '--quiet', '--device', 'cpu']


def ckpt_step(out):
    try: return torch.load(Path(out) / 'ckpt' / 'state.pt', weights_only=True)['step']
    except Exception: return None


@pytest.mark.slow
def test_killed_run_resumes_where_it_stopped(tmp_path):
    run = tmp_path / 'killed'
    p = subprocess.Popen(train_cmd(run), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while (ckpt_step(run) or 0) < 30 and time.time() < deadline and p.poll() is None: time.sleep(0.05)
    p.kill(); p.wait()
    stopped = ckpt_step(run)
    assert stopped is not None and 30 <= stopped < 400, f'the run was not killed mid-way (checkpoint at {stopped})'

    r = subprocess.run(train_cmd(run), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert ckpt_step(run) == 400
    steps = [int(row['step']) for row in csv.DictReader((run / 'log.csv').open())]
    assert steps == list(range(10, 410, 10)), 'the log should read as one run'

    straight = tmp_path / 'straight'
    assert subprocess.run(train_cmd(straight), capture_output=True, timeout=300).returncode == 0
    a, b = (load_file(d / 'ckpt' / 'model' / 'model.safetensors') for d in (run, straight))
    for k in a: assert torch.equal(a[k], b[k]), f'{k} differs from an uninterrupted run'


def test_corrupt_checkpoint_is_one_line(tmp_path):
    (tmp_path / 'ckpt').mkdir(parents=True)
    (tmp_path / 'ckpt' / 'state.pt').write_bytes(b'\x80not a checkpoint')
    r = subprocess.run(train_cmd(tmp_path, iters=5), capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith('megapix: error: cannot resume') and r.stderr.count('\n') == 1, r.stderr


def test_relay_continues_a_run_on_a_new_machine(tmp_path):
    "`--relay DIR`: a run stopped on one machine continues from the committed relay alone (fresh run folder) with the same command."
    relay = tmp_path / 'relay' / 'classifier'
    def cmd(out, iters): return train_cmd(out, iters) + ['--relay', str(relay)]
    first = subprocess.run(cmd(tmp_path / 'machine1', 30), capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-2000:]
    assert {'log.csv', 'model', 'run.json', 'state.pt'} <= {p.name for p in relay.iterdir()}
    moments = torch.load(relay / 'state.pt', weights_only=True)['opts']['main']['state'][0]['exp_avg']
    assert moments.dtype == torch.bfloat16, 'a relay keeps the optimizer moments in bf16'

    second = subprocess.run(cmd(tmp_path / 'machine2', 60), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    log = list(csv.DictReader((tmp_path / 'machine2' / 'log.csv').open()))
    assert [int(r['step']) for r in log] == list(range(10, 70, 10)), 'the log continues from the relay, not from step 0'
    wall = [float(r['wall_s']) for r in log]
    assert 0 < wall[2] < wall[3] and wall == sorted(wall), f'wall time carries on across the hand-off (step 30 -> 40): {wall}'
    run = json.loads((tmp_path / 'machine2' / 'run.json').read_text())
    assert len(run['resumed']) == 1, 'run.json keeps the first machine\'s launch and adds the second'
    assert ckpt_step(tmp_path / 'machine2') == 60 and torch.load(relay / 'state.pt', weights_only=True)['step'] == 60

    straight = tmp_path / 'straight'   # the same 60 steps on one machine: the hand-off costs only the bf16 rounding of Adam's moments
    assert subprocess.run(train_cmd(straight, 60), capture_output=True, timeout=300).returncode == 0
    a, b = (load_file(d / 'ckpt' / 'model' / 'model.safetensors') for d in (tmp_path / 'machine2', straight))
    floats = [k for k in b if b[k].is_floating_point()]
    rel = (sum((a[k] - b[k]).norm() ** 2 for k in floats) / sum(b[k].norm() ** 2 for k in floats)) ** .5
    assert rel < 0.02, f'the relayed run ends {rel:.3f} (relative) from an uninterrupted one; 30 steps more or less differ by about 0.2'
