"""What the SPSA bench's Byzantine peers send (bench/finetune/attacks.py)."""

from __future__ import annotations

import numpy as np

from bench.finetune.attacks import attack_codes
from bench.finetune.config import SimConfig


def test_attack_codes_follow_their_definitions() -> None:
    rng = np.random.default_rng(0)
    # 3 honest (probe medians 5 and -2), 2 Byzantine; two probes a record
    codes: list[tuple[int, ...] | None] = [(5, -2), (9, -7), (-3, 4), (40, 1), (-60, -2)]

    def attack(method: str, mode: str, kind: str) -> list[tuple[int, ...] | None]:
        config = SimConfig(method, peers=5, byzantine=2, attack=kind, probes=2)
        return attack_codes(config, mode, codes, 0, rng)

    assert attack("shared", "shared", "opposing") == [(-127, 127), (-127, 127)]
    # independent: each attacker's own codes flipped
    assert attack("independent", "independent", "opposing") == [(-127, -127), (127, 127)]
    assert attack("sign", "independent", "same") == [(1, 1), (1, 1)]
    randoms = [
        c
        for _ in range(10)
        for codes_ in attack("shared", "shared", "random")
        for c in codes_ or ()
    ]
    assert {abs(c) for c in randoms} == {127} and len(set(randoms)) == 2
