"""The bench's simulated peers (bench/finetune/sim.py) on the tiny model: the baselines are fair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pytest

import bench.finetune.sim as sim
from bench.finetune.config import SimConfig
from bench.finetune.task import Task
from bench.finetune.views import PeerViews, pulls_at
from models.spsa.bert import TINY, Weights
from models.spsa.codes import ScaleRule
from models.spsa.directions import direction
from models.spsa.engine import FloatArray, Record, RoundState, float_round_update
from models.spsa.layout import ParamLayout
from models.spsa.polarity import WordTokenizer
from models.spsa.replica import Replica, RunConfig, theta_sha256
from models.spsa.torch_backend import TorchEncoder

WORDS = [("good", 1), ("awful", 0), ("happy", 1), ("tragedy", 0), ("nice", 1), ("hate", 0)]


def test_fp32_baseline_draws_fresh_directions_every_round(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # regression: the fp32 baseline once reused round 0's directions in every round, so it
    # searched a 2-dimensional subspace here (4-dimensional in the bench) and lagged far behind
    layout, weights = tiny
    theta0 = layout.flatten(weights)
    task = Task(TorchEncoder(TINY, layout, weights), layout, theta0, tokenizer, WORDS, WORDS)
    seen: list[tuple[int, FloatArray]] = []

    def spy(
        theta: FloatArray, grads: Mapping[str, Sequence[float]], state: RoundState
    ) -> FloatArray:
        out = float_round_update(theta, grads, state)
        seen.append((state.round, out))
        return out

    monkeypatch.setattr(sim, "float_round_update", spy)
    config = SimConfig("fp32", peers=2, rounds=4, batch=2, learning_rate=1.0, eval_every=10)
    result = sim.simulate(task, config)
    assert [r for r, _ in seen] == [0, 1, 2, 3]
    final = seen[-1][1]
    assert result.final_sha256 == theta_sha256(final)
    delta = final.astype(np.float64) - theta0
    round0 = np.stack([direction("bench-0", 0, f"peer{p}", delta.size) for p in range(2)], axis=1)
    coefficients, *_ = np.linalg.lstsq(round0.astype(np.float64), delta, rcond=None)
    outside = np.linalg.norm(delta - round0 @ coefficients) / np.linalg.norm(delta)
    assert outside > 0.3


def _tiny_task(tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer) -> Task:
    layout, weights = tiny
    encoder = TorchEncoder(TINY, layout, weights)
    return Task(encoder, layout, layout.flatten(weights), tokenizer, WORDS * 4, WORDS)


def test_screened_run_excludes_saturating_peers_and_no_honest_one(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer
) -> None:
    config = SimConfig(
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
    # round 0 admits them (nothing vouches yet); from round 1 on they are repeaters
    assert result.byzantine_admitted_share == pytest.approx(1 / 30)
    unscreened = sim.simulate(_tiny_task(tiny, tokenizer), replace(config, screen=False))
    assert unscreened.byzantine_admitted_share == 1.0


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
    config = SimConfig(
        "fp32", peers=2, rounds=4, batch=2, learning_rate=1.0, decay_rounds=4, decay_floor=0.0
    )
    sim.simulate(_tiny_task(tiny, tokenizer), config)
    assert rates == [1.0, 0.75, 0.5, 0.25]


def test_pull_every_one_is_the_synchronous_run(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer
) -> None:
    task = _tiny_task(tiny, tokenizer)
    config = SimConfig("independent", peers=3, rounds=6, batch=2, probes=2, eval_every=99)
    before = sim.simulate(task, config)  # the field left at its default
    synchronous = sim.simulate(task, replace(config, pull_every=1))
    stale = sim.simulate(task, replace(config, pull_every=4))
    assert synchronous.final_sha256 == before.final_sha256
    assert synchronous.accuracy == before.accuracy
    assert stale.final_sha256 != before.final_sha256  # the views are really used


def test_stale_views_equal_the_shared_replica_only_at_pull_rounds(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, list[bool]]] = []
    view_scales: list[list[float]] = []
    quantised_with: list[float] = []

    class Spy(PeerViews):
        def begin_round(self) -> None:
            super().begin_round()
            shared = self.shared
            same = [
                np.array_equal(self.theta(a), shared.theta)
                and self.state(a).scale == shared.state().scale
                for a in self.authors
            ]
            seen.append((shared.round, same))
            view_scales.append(self.scales())

    def codes_spy(method: str, grads: list[float], scale: float) -> tuple[int, ...] | None:
        quantised_with.append(scale)
        return original_codes(method, grads, scale)

    original_codes = sim._codes
    monkeypatch.setattr(sim, "PeerViews", Spy)
    monkeypatch.setattr(sim, "_codes", codes_spy)
    config = SimConfig("independent", peers=3, rounds=9, batch=2, pull_every=4, eval_every=99)
    sim.simulate(_tiny_task(tiny, tokenizer), config)
    assert [r for r, _ in seen] == list(range(9))
    for r, same in seen:
        assert all(same) if r % 4 == 0 else not any(same), r
    # each peer quantises with its own view's scale
    assert quantised_with == [s for scales in view_scales for s in scales]
    assert len(set(quantised_with[3 * 3 : 3 * 4])) == 3  # round 3: three views, three scales


@pytest.mark.parametrize("pull_every", [1, 3, 8])
def test_views_are_what_a_pulling_node_sees_and_all_end_on_one_theta(
    tiny: tuple[ParamLayout, Weights], pull_every: int
) -> None:
    layout, weights = tiny
    theta0 = layout.flatten(weights)
    run = RunConfig("views", "independent", 0.5, 1e-3, ScaleRule(0.05), 5, probes=2)
    authors = ["a", "b", "c"]
    rng = np.random.default_rng(pull_every)
    rounds = 20
    records = {
        (r, a): Record("views", r, a, tuple(int(c) for c in rng.integers(-127, 128, 2)))
        for r in range(rounds)
        for a in authors
    }
    shared = Replica(run, layout, theta0)
    views = PeerViews(shared, authors, pull_every)
    # a node as the daemon runs it: its own record at once, the others' at each pull
    nodes = {a: Replica(run, layout, theta0) for a in authors}
    for r in range(rounds + 1):
        views.begin_round()
        for me, node in nodes.items():
            if pulls_at(r, pull_every) or r == rounds:
                for (k, author), record in records.items():
                    if k < r and author != me:
                        node.offer(record)
            node.catch_up()
            if r < rounds:
                assert np.array_equal(node.theta, views.theta(me)), (r, me)
                assert node.state().scale == views.state(me).scale, (r, me)
        if r == rounds:
            break
        mine = {a: records[r, a] for a in authors}
        for a, node in nodes.items():
            node.offer(mine[a])
            node.close_round()
            shared.offer(mine[a])
        shared.close_round()
        views.close_round(mine)
    replayed = Replica.replay(run, layout, theta0, records.values(), rounds)
    assert {theta_sha256(n.theta) for n in nodes.values()} == {replayed.sha256, shared.sha256}
    assert replayed.sha256 == shared.sha256
    if pull_every > 1:
        assert views.max_divergence() > 0  # they end stale: only a pull brings them back


def test_stale_views_refuse_byzantine_screened_and_fp32_runs(
    tiny: tuple[ParamLayout, Weights], tokenizer: WordTokenizer
) -> None:
    task = _tiny_task(tiny, tokenizer)
    for config in (
        SimConfig("fp32", pull_every=8),
        SimConfig("shared", byzantine=1, pull_every=8),
        SimConfig("shared", screen=True, pull_every=8),
        SimConfig("independent", pull_every=0),
    ):
        with pytest.raises(ValueError, match="pull_every"):
            sim.simulate(task, config)
