"""The SPSA bench's backprop reference: Adam on the same subset and the same batches."""

from __future__ import annotations

import time

import numpy as np
import torch

from bench.finetune.config import SimConfig
from bench.finetune.sim import SimResult, accuracy, pad_stack, peer_batches
from bench.finetune.task import Task
from models.spsa.polarity import TEMPERATURE


def adam_baseline(task: Task, config: SimConfig, learning_rate: float = 1e-3) -> SimResult:
    """Backprop + Adam on the same subset and the same per-round data (all peers' batches)."""
    theta = torch.from_numpy(task.theta0.copy()).requires_grad_(True)
    optimizer = torch.optim.Adam([theta], lr=learning_rate)
    curve = [(0, accuracy(task, task.theta0, task.test[:256]))]
    started = time.perf_counter()
    for r in range(config.rounds):
        batches = [b for mine in peer_batches(task, config, r, config.peers) for b in mine]
        ids_np = pad_stack([b.input_ids for b in batches])  # (P, B, T)
        mask_np = pad_stack([b.attention_mask for b in batches]).astype(np.float32)
        ids = torch.from_numpy(ids_np.reshape(1, -1, ids_np.shape[2]))  # (1, P*B, T)
        mask = torch.from_numpy(mask_np.reshape(1, -1, mask_np.shape[2]))
        labels = torch.from_numpy(np.concatenate([b.labels for b in batches]))
        words = task.encoder.embed_tensor(theta[None], ids, mask)[0]
        p = batches[0]
        prompts = task.encoder.embed_tensor(
            theta[None], torch.from_numpy(p.prompt_ids)[None], torch.from_numpy(p.prompt_mask)[None]
        )[0]
        loss = torch.nn.functional.cross_entropy(TEMPERATURE * words @ prompts.T, labels)
        optimizer.zero_grad()
        loss.backward()  # type: ignore[no-untyped-call]
        optimizer.step()
        if (r + 1) % config.eval_every == 0:
            curve.append((r + 1, accuracy(task, theta.detach().numpy().copy(), task.test[:256])))
    seconds = time.perf_counter() - started
    final = theta.detach().numpy().copy()
    return SimResult(accuracy(task, final, task.test), curve, seconds, config.rounds / seconds)
