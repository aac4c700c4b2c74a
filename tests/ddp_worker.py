"""Run by torchrun in tests/test_distributed.py: train a small deterministic model data-parallel and save each rank's weights."""
import json, sys
from pathlib import Path
import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file
from megapix.core import Configured
from megapix.data import shapes
from megapix.learner import Phase, Trainer


class Net(Configured):
    "No batch norm and no dropout: the loss of a batch is the mean of per-item losses, so data parallelism is exact. `unused` gets no gradient."
    def __init__(self, width=8):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, width, 3, 2, 1), nn.SiLU(), nn.Conv2d(width, width, 3, 2, 1), nn.SiLU(),
                                 nn.Flatten(), nn.Linear(width * 64, 10))
        self.unused = nn.Parameter(torch.ones(3))   # one process: no gradient, so AdamW (with weight decay) leaves it alone
    def forward(self, x): return self.net(x)


def run(batch_size, iters=8):
    torch.manual_seed(0)
    net = Net()
    phase = Phase('main', net, lambda b: F.cross_entropy(net(b[0]), b[1]), lr=1e-2, weight_decay=0.1)
    return Trainer(net, shapes(512), phase, batch_size=batch_size, iters=iters, device='cpu', progress=False).fit()


if __name__ == '__main__':
    out = sys.argv[1]
    reduce, reductions = dist.all_reduce, []
    def counted(t, *a, **kw): reductions.append(t.numel()); return reduce(t, *a, **kw)
    dist.all_reduce = counted
    t = run(batch_size=16)
    grads = [p.grad for p in t.model.parameters() if p.grad is not None]   # the last step's: views of its one reduced buffer
    facts = dict(closed=not dist.is_initialized(), reductions=len(reductions), sizes=sorted(set(reductions)),
                 one_buffer=len({g.untyped_storage().data_ptr() for g in grads}) == 1, trained=sum(g.numel() for g in grads))
    Path(out, f'rank{t.rank}.json').write_text(json.dumps(facts))
    save_file({k: v.contiguous() for k, v in t.model.state_dict().items()}, f'{out}/rank{t.rank}.safetensors')
