"""Simulated peers for the SPSA bench: same data, same subset, one process.

Honest peers' forwards for a round run as one batched torch forward (each row its own
θ ± εz; only biases and LayerNorm weights differ, so the matrices are shared). Byte modes
go through the real ``Replica``; the fp32 baseline through ``float_round_update``. With
``pull_every`` K > 1 each peer computes its codes on its own stale view of θ (the daemon's
pull transport, bench/finetune/views.py) while the shared replica applies every record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from bench.finetune.attacks import attack_codes, attackers_compute
from bench.finetune.config import SimConfig
from bench.finetune.task import Task, Words
from bench.finetune.views import PeerViews
from models.spsa.codes import CODE_MAX, ScaleRule, encode, encode_sign
from models.spsa.engine import Record, RoundState, float_round_update, perturbed, record_direction
from models.spsa.polarity import (
    LABEL_PROMPTS,
    TEMPERATURE,
    PolarityBatch,
    PolarityLoss,
    cross_entropy,
    make_batch,
    polarity_logits,
    shard,
)
from models.spsa.replica import Replica, RunConfig, theta_sha256
from models.spsa.screening import ScreenRule


@dataclass
class SimResult:
    accuracy: float
    curve: list[tuple[int, float]] = field(default_factory=list)
    seconds: float = 0.0
    rounds_per_second: float = 0.0
    final_sha256: str = ""
    honest_ever_excluded: list[str] = field(default_factory=list)
    byzantine_excluded_share: float = 0.0
    """Share of (Byzantine peer, round) pairs in which screening excluded the peer."""
    honest_saturated_share: float = 0.0
    """Share of honest codes at ±127 (what screening must tolerate)."""
    byzantine_admitted_share: float = 0.0
    """Share of the Byzantine peers' records that moved θ (neither ignored nor excluded)."""


def accuracy(task: Task, theta: np.ndarray, words: Words, chunk: int = 128) -> float:
    ordered = sorted(words, key=lambda w: len(w[0]))  # similar lengths: little padding
    loss = PolarityLoss(task.encoder)
    correct = 0
    for start in range(0, len(ordered), chunk):
        part = ordered[start : start + chunk]
        correct += round(loss.accuracy(theta, make_batch(task.tokenizer, part)) * len(part))
    return correct / len(words)


def pad_stack(arrays: list[np.ndarray]) -> np.ndarray:
    length = max(a.shape[1] for a in arrays)
    return np.stack([np.pad(a, ((0, 0), (0, length - a.shape[1]))) for a in arrays])


def batched_losses(task: Task, thetas: np.ndarray, batches: list[PolarityBatch]) -> np.ndarray:
    """Loss of θ_k on batch_k for every k, in one forward for words and one for prompts."""
    ids = pad_stack([b.input_ids for b in batches])  # (K, B, T)
    mask = pad_stack([b.attention_mask for b in batches]).astype(np.float32)
    words = task.encoder.embed_many(thetas, ids, mask)  # (K, B, H)
    p_ids = np.stack([b.prompt_ids for b in batches])
    p_mask = np.stack([b.prompt_mask for b in batches])
    prompts = task.encoder.embed_many(thetas, p_ids, p_mask)  # (K, 2, H)
    return np.array(
        [
            cross_entropy(polarity_logits(words[k], prompts[k], TEMPERATURE), batches[k].labels)
            for k in range(len(batches))
        ]
    )


def peer_batches(
    task: Task, config: SimConfig, round_index: int, honest: int
) -> list[list[PolarityBatch]]:
    """Each of the first ``honest`` peers' batches for a round, one per probe."""
    order = np.random.default_rng(config.seed).permutation(len(task.train))
    shuffled = [task.train[i] for i in order]
    out = []
    for p in range(honest):
        mine = shard(shuffled, config.peers, p)
        rng = np.random.default_rng([config.seed, p, round_index])
        batches = []
        for _ in range(config.probes):
            pick = rng.choice(len(mine), size=config.batch, replace=False)
            batches.append(make_batch(task.tokenizer, [mine[i] for i in pick]))
        out.append(batches)
    return out


def projected_gradients(
    task: Task,
    theta: np.ndarray,
    state: RoundState,
    authors: list[str],
    batches: list[list[PolarityBatch]],
    eps: float,
    thetas: list[np.ndarray] | None = None,
) -> list[list[float]]:
    """Each author's projected gradient per probe (probe j on its j-th batch), at ``theta``
    or, given ``thetas``, each author at its own θ."""
    plus, minus, flat = [], [], []
    at = thetas if thetas is not None else [theta] * len(authors)
    for author, mine, own in zip(authors, batches, at, strict=True):
        for probe, batch in enumerate(mine):
            a, b = perturbed(own, record_direction(state, author, own.size, probe), eps)
            plus.append(a)
            minus.append(b)
            flat.append(batch)
    losses = batched_losses(task, np.stack(plus + minus), flat + flat)
    n = len(flat)
    grads = [float((losses[k] - losses[n + k]) / (2 * eps)) for k in range(n)]
    out, start = [], 0
    for mine in batches:
        out.append(grads[start : start + len(mine)])
        start += len(mine)
    return out


def simulate(task: Task, config: SimConfig) -> SimResult:
    _check_pull_every(config)
    honest = config.peers - config.byzantine
    authors = [f"peer{p}" for p in range(config.peers)]
    mode = "shared" if config.method == "shared" else "independent"
    sign_only = config.method == "sign"
    rule = ScaleRule(
        config.sign_scale if sign_only else config.initial_scale, adaptive=not sign_only
    )
    run = RunConfig(
        f"bench-{config.seed}",
        mode,  # type: ignore[arg-type]
        config.learning_rate,
        config.epsilon,
        rule,
        50,
        config.schedule,
        ScreenRule() if config.screen else None,
        config.probes,
    )
    replica = Replica(run, task.layout, task.theta0)
    views = PeerViews(replica, authors, config.pull_every) if config.pull_every > 1 else None
    theta = task.theta0.copy()  # the fp32 baseline's θ
    attack_rng = np.random.default_rng([config.seed, 999])
    curve = [(0, accuracy(task, task.theta0, task.test[:256]))]
    honest_excluded: set[str] = set()
    byzantine_excluded_rounds = byzantine_admitted = byzantine_sent = 0
    saturated = [0, 0]  # honest codes at ±127, honest codes
    started = time.perf_counter()
    for r in range(config.rounds):
        # the fp32 baseline never closes a replica round: key its directions by r itself
        if config.method == "fp32":
            state = replace(replica.state(0), round=r, learning_rate=run.learning_rate_at(r))
        else:
            state = replica.state()
        current = theta if config.method == "fp32" else replica.theta
        computed = config.peers if attackers_compute(config, mode, r) else honest
        if views is not None:
            views.begin_round()
        grads = projected_gradients(
            task,
            current,
            state,
            authors[:computed],
            peer_batches(task, config, r, computed),
            config.epsilon,
            views.thetas() if views is not None else None,
        )
        if config.method == "fp32":
            theta = float_round_update(theta, dict(zip(authors, grads, strict=False)), state)
        else:
            scales = views.scales() if views is not None else [state.scale] * len(grads)
            codes = [_codes(config.method, mine, s) for mine, s in zip(grads, scales, strict=True)]
            honest_codes = [c for mine in codes[:honest] if mine is not None for c in mine]
            saturated[0] += sum(abs(c) >= CODE_MAX for c in honest_codes)
            saturated[1] += len(honest_codes)
            if r >= config.attack_from:
                codes[honest:] = attack_codes(config, mode, codes, r, attack_rng)
            records = {
                author: Record(run.run_id, r, author, mine)
                for author, mine in zip(authors, codes, strict=False)
                if mine is not None
            }
            for record in records.values():
                replica.offer(record)
            replica.close_round()
            if views is not None:
                views.close_round(records)
            excluded = replica.excluded(r)
            honest_excluded |= excluded & set(authors[:honest])
            byzantine_excluded_rounds += len(excluded - set(authors[:honest]))
            moved = {rec.author for rec in replica.admitted(r)}
            byzantine_admitted += len(moved - set(authors[:honest]))
            byzantine_sent += sum(1 for a in records if a not in authors[:honest])
        if (r + 1) % config.eval_every == 0:
            now = theta if config.method == "fp32" else replica.theta
            curve.append((r + 1, accuracy(task, now, task.test[:256])))
    seconds = time.perf_counter() - started
    final = theta if config.method == "fp32" else replica.theta
    return SimResult(
        accuracy(task, final, task.test),
        curve,
        seconds,
        config.rounds / seconds,
        theta_sha256(final),
        sorted(honest_excluded),
        byzantine_excluded_rounds / max(1, config.byzantine * config.rounds),
        saturated[0] / max(1, saturated[1]),
        byzantine_admitted / max(1, byzantine_sent),
    )


def _check_pull_every(config: SimConfig) -> None:
    if config.pull_every < 1:
        raise ValueError("pull_every must be at least 1")
    if config.pull_every > 1 and (config.method == "fp32" or config.byzantine or config.screen):
        raise ValueError(
            "pull_every > 1 (stale views) supports the byte methods without Byzantine peers "
            "or screening"
        )


def _codes(method: str, grads: list[float], scale: float) -> tuple[int, ...] | None:
    """A peer's codes for its probes; None (no record) if any projected gradient is not finite."""
    codes = [encode_sign(g) if method == "sign" else encode(g, scale) for g in grads]
    return None if any(c is None for c in codes) else tuple(c for c in codes if c is not None)


__all__ = ["LABEL_PROMPTS", "attack_codes"]
