"""The bench's simulated peers (bench/spsa_sim.py) on the tiny model: the baselines are fair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

import bench.spsa_sim as sim
from models.spsa.bert import TINY, Weights
from models.spsa.directions import direction
from models.spsa.engine import FloatArray, RoundState, float_round_update
from models.spsa.layout import ParamLayout
from models.spsa.polarity import WordTokenizer
from models.spsa.replica import theta_sha256
from models.spsa.torch_backend import TorchEncoder

WORDS = [("good", 1), ("awful", 0), ("happy", 1), ("tragedy", 0), ("nice", 1), ("hate", 0)]


def test_fp32_baseline_draws_fresh_directions_every_round(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # regression: the fp32 baseline once reused round 0's directions in every round, so it
    # searched a 2-dimensional subspace here (4-dimensional in the bench) and lagged far behind
    layout, weights = tiny
    theta0 = layout.flatten(weights)
    task = sim.Task(TorchEncoder(TINY, layout, weights), layout, theta0, tokenizer, WORDS, WORDS)
    seen: list[tuple[int, FloatArray]] = []

    def spy(
        theta: FloatArray, grads: Mapping[str, Sequence[float]], state: RoundState
    ) -> FloatArray:
        out = float_round_update(theta, grads, state)
        seen.append((state.round, out))
        return out

    monkeypatch.setattr(sim, "float_round_update", spy)
    config = sim.SimConfig("fp32", peers=2, rounds=4, batch=2, learning_rate=1.0, eval_every=10)
    result = sim.simulate(task, config)
    assert [r for r, _ in seen] == [0, 1, 2, 3]
    final = seen[-1][1]
    assert result.final_sha256 == theta_sha256(final)
    delta = final.astype(np.float64) - theta0
    round0 = np.stack([direction("bench-0", 0, f"peer{p}", delta.size) for p in range(2)], axis=1)
    coefficients, *_ = np.linalg.lstsq(round0.astype(np.float64), delta, rcond=None)
    outside = np.linalg.norm(delta - round0 @ coefficients) / np.linalg.norm(delta)
    assert outside > 0.3


def _tiny_task(tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer) -> sim.Task:
    layout, weights = tiny
    encoder = TorchEncoder(TINY, layout, weights)
    return sim.Task(encoder, layout, layout.flatten(weights), tokenizer, WORDS * 4, WORDS)


def test_attack_codes_follow_their_definitions() -> None:
    rng = np.random.default_rng(0)
    # 3 honest (probe medians 5 and -2), 2 Byzantine; two probes a record
    codes: list[tuple[int, ...] | None] = [(5, -2), (9, -7), (-3, 4), (40, 1), (-60, -2)]

    def attack(method: str, mode: str, kind: str) -> list[tuple[int, ...] | None]:
        config = sim.SimConfig(method, peers=5, byzantine=2, attack=kind, probes=2)
        return sim.attack_codes(config, mode, codes, 0, rng)

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


def test_screened_run_excludes_saturating_peers_and_no_honest_one(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer
) -> None:
    config = sim.SimConfig(
        "shared",
        peers=6,
        byzantine=2,
        rounds=30,
        batch=2,
        attack="same",
        screen=True,
        eval_every=99,
    )
    result = sim.simulate(_tiny_task(tiny, tokenizer), config)
    assert result.honest_ever_excluded == []
    assert 0.3 < result.byzantine_excluded_share < 0.7  # out after ~10 of 30 rounds


def test_fp32_baseline_follows_the_schedule(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    rates: list[float] = []

    def spy(
        theta: FloatArray, grads: Mapping[str, Sequence[float]], state: RoundState
    ) -> FloatArray:
        rates.append(state.learning_rate)
        return float_round_update(theta, grads, state)

    monkeypatch.setattr(sim, "float_round_update", spy)
    config = sim.SimConfig(
        "fp32", peers=2, rounds=4, batch=2, learning_rate=1.0, decay_rounds=4, decay_floor=0.0
    )
    sim.simulate(_tiny_task(tiny, tokenizer), config)
    assert rates == [1.0, 0.75, 0.5, 0.25]
