"""Run by torchrun in tests/test_distributed.py: train a small deterministic model data-parallel and save each rank's weights."""
import sys
import torch
import torch.nn.functional as F
from torch import nn
from safetensors.torch import save_file
from megapix.core import Configured
from megapix.data import shapes
from megapix.learner import Phase, Trainer


class Net(Configured):
    "No batch norm and no dropout: the loss of a batch is the mean of per-item losses, so data parallelism is exact."
    def __init__(self, width=8):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(1, width, 3, 2, 1), nn.SiLU(), nn.Conv2d(width, width, 3, 2, 1), nn.SiLU(),
                                 nn.Flatten(), nn.Linear(width * 64, 10))
    def forward(self, x): return self.net(x)


def run(batch_size, iters=8):
    torch.manual_seed(0)
    net = Net()
    phase = Phase('main', net, lambda b: F.cross_entropy(net(b[0]), b[1]), lr=1e-2)
    return Trainer(net, shapes(512), phase, batch_size=batch_size, iters=iters, device='cpu', progress=False).fit()


if __name__ == '__main__':
    out = sys.argv[1]
    t = run(batch_size=16)
    save_file({k: v.contiguous() for k, v in t.model.state_dict().items()}, f'{out}/rank{t.rank}.safetensors')
