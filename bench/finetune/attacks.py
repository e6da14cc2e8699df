"""What the SPSA bench's Byzantine peers send (bench/finetune/sim.py calls it each round)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from models.spsa.codes import CODE_MAX

if TYPE_CHECKING:
    from bench.finetune.config import SimConfig


def attackers_compute(config: SimConfig, mode: str, round_index: int) -> bool:
    """Whether the Byzantine peers need their real projected gradients this round."""
    if not config.byzantine:
        return False
    return round_index < config.attack_from or (
        config.attack == "opposing" and mode == "independent"
    )


def attack_codes(
    config: SimConfig,
    mode: str,
    codes: list[tuple[int, ...] | None],
    round_index: int,
    rng: np.random.Generator,
) -> list[tuple[int, ...] | None]:
    """What the Byzantine peers (the last ``config.byzantine``) send this round, every probe.

    ``random``: each its own random ±max; ``same``: all +max every round (coordinated);
    ``opposing``: all −sign(honest median)·max in ``shared`` mode (omniscient), and in
    ``independent`` mode each −sign of its own true code (gradient ascent at full size).
    """
    top = 1 if config.method == "sign" else CODE_MAX
    honest = config.peers - config.byzantine
    probes = range(config.probes)
    if config.attack == "random":
        return [
            tuple(int(rng.choice([-1, 1])) * top for _ in probes) for _ in range(config.byzantine)
        ]
    if config.attack == "same":
        return [(top,) * config.probes] * config.byzantine
    if mode == "shared":
        honest_codes = [c for c in codes[:honest] if c is not None]
        medians = [np.median([c[j] for c in honest_codes]) if honest_codes else 0 for j in probes]
        return [tuple((-1 if m >= 0 else 1) * top for m in medians)] * config.byzantine
    return [
        tuple((-1 if (c[j] if c else 0) >= 0 else 1) * top for j in probes) for c in codes[honest:]
    ]
