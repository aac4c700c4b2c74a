"""The training loop never waits for the device between log rows: a step of `fit` reads no tensor on the host; the log row every `log_every` steps reads them all at once."""
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from megapix.core import Configured
from megapix.data import shapes
from megapix.learner import Callback, EMA, Phase, Trainer

READS = {'item', 'tolist', 'numpy', '__bool__', '__float__', '__int__', '__index__', '__format__', '__array__'}
HOST_SIDE = ('torch/optim/', 'learner.py:StepBatches')   # Adam's step counters and the batch indices live on the host by design


class CountReads(TorchFunctionMode):
    "Count the reads of a tensor's value on the host (what waits for a GPU), by the step of `fit` they happen in."
    def __init__(self): super().__init__(); self.step, self.reads = 0, {}
    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, '__name__', '') in READS and not self.host_side(): self.reads[self.step] = self.reads.get(self.step, 0) + 1
        return func(*args, **(kwargs or {}))
    @staticmethod
    def host_side():
        import sys
        f = sys._getframe(2)
        while f and f.f_code.co_filename.endswith('overrides.py'): f = f.f_back
        where = f'{f.f_code.co_filename}:{f.f_code.co_qualname}'
        return any(h in where for h in HOST_SIDE)


class StepOf(Callback):
    "Tell the counter the step that just ended, before any other callback runs."
    order = -100
    def __init__(self, counter): self.counter = counter
    def after_step(self, t): self.counter.step = t.step


class Pair(Configured):
    def __init__(self):
        super().__init__()
        self.G = nn.Sequential(nn.Flatten(), nn.Linear(1024, 16), nn.ReLU(), nn.Linear(16, 10))
        self.D = nn.Linear(10, 1)
    def forward(self, x): return self.G(x)


def train(counter, out=None, iters=40, log_every=10, ckpt_every=20):
    torch.manual_seed(0); m = Pair()
    def loss_g(b):
        logits = m(b[0])
        return {'loss': F.cross_entropy(logits, b[1]), 'acc': (logits.argmax(1) == b[1]).float().mean()}
    def loss_d(b): return m.D(m(b[0]).detach()).pow(2).mean()
    phases = [Phase('G', m.G, loss_g, clip=1.0), Phase('D', m.D, loss_d, weight_decay=0.1, on=lambda s: s >= 5)]
    t = Trainer(m, shapes(256), phases, batch_size=16, iters=iters, log_every=log_every, ckpt_every=ckpt_every, out=out,
                cbs=[EMA(decay=0.9), StepOf(counter)], progress=False, device='cpu')
    with counter: return t.fit()


def test_a_step_reads_nothing_on_the_host_and_a_log_row_once(tmp_path):
    counter = CountReads()
    t = train(counter, out=tmp_path)
    assert t.step == 40 and len(t.history) == 4
    assert counter.reads == {10: 1, 20: 1, 30: 1, 40: 1}, counter.reads   # one read at each log row, none in between


def test_the_counter_sees_a_loop_that_reads_every_step():
    "The same run with a callback that reads each step's losses, as a loop checking `isfinite` in Python would: the test would catch it."
    class Eager(Callback):
        def after_step(self, t): bool(torch.isfinite(t.logs['loss']))
    counter = CountReads()
    torch.manual_seed(0); m = Pair()
    t = Trainer(m, shapes(256), Phase('G', m.G, lambda b: F.cross_entropy(m(b[0]), b[1])), batch_size=16, iters=12, log_every=10,
                cbs=[Eager(), StepOf(counter)], progress=False, device='cpu')
    with counter: t.fit()
    assert all(counter.reads.get(s, 0) >= 1 for s in range(1, 13)), counter.reads
