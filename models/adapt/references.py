"""Reference adapters that need an updatable device model (not the shipped, folded one):
BatchNorm-statistics adaptation and TENT, both continual (never reset between domains)."""

from __future__ import annotations

import copy

import numpy as np
import torch
from numpy.typing import NDArray
from torch import nn

from models.adapt.digits import to_unit
from models.adapt.nets import DeviceCNN


def _batch_stats_mode(model: DeviceCNN) -> None:
    model.train()
    model.drop.eval()  # normalise with batch statistics, but no dropout at test time


class BatchNormAdapter:
    """Normalise each test batch with its own statistics (no learning)."""

    def __init__(self, model: DeviceCNN) -> None:
        self.model = copy.deepcopy(model)
        _batch_stats_mode(self.model)

    def predict(self, images: NDArray[np.uint8]) -> NDArray[np.int64]:
        with torch.no_grad():
            logits = self.model(torch.from_numpy(to_unit(images)))
        return np.asarray(logits.argmax(1).numpy(), np.int64)


class TentAdapter:
    """TENT: batch statistics plus one entropy-minimisation step on the BN affine per batch;
    the prediction is the forward pass the step is computed from."""

    def __init__(self, model: DeviceCNN, lr: float = 1e-3) -> None:
        self.model = copy.deepcopy(model)
        _batch_stats_mode(self.model)
        params = []
        for m in self.model.modules():
            for p in m.parameters(recurse=False):
                p.requires_grad_(isinstance(m, nn.BatchNorm2d))
                if isinstance(m, nn.BatchNorm2d):
                    params.append(p)
        self._opt = torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999))

    def predict(self, images: NDArray[np.uint8]) -> NDArray[np.int64]:
        logits = self.model(torch.from_numpy(to_unit(images)))  # (B, 10)
        log_p = logits.log_softmax(1)
        loss = -(log_p.exp() * log_p).sum(1).mean()
        self._opt.zero_grad()
        loss.backward()
        self._opt.step()
        return np.asarray(logits.detach().argmax(1).numpy(), np.int64)
