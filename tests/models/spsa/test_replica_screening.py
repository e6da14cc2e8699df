"""Screening inside a replica: honest peers never excluded, saturating attackers excluded
for good, late turners bounded, order-independent repairs, joiners from a checkpoint
screening like a full replica, the v3 scale forgetting round-0 attackers."""

from __future__ import annotations

import random

import numpy as np
import pytest

from models.spsa.codes import CODE_MAX, ScaleRule
from models.spsa.engine import Record
from models.spsa.layout import ParamLayout
from models.spsa.replica import Replica, RunConfig
from models.spsa.screening import ScreenRule
from tests.models.spsa.swarm_peers import BYZANTINE, HONEST, RULE, V3

LAYOUT = ParamLayout("t1", (("w", (40,)),))
THETA0 = np.linspace(-1, 1, LAYOUT.size, dtype=np.float32)


def _config(mode: str = "shared", screen: ScreenRule | None = RULE) -> RunConfig:
    return RunConfig("run-b", mode, 1e-2, 1e-3, ScaleRule(initial=0.01), 10, screen=screen)  # type: ignore[arg-type]


def _honest_codes(rounds: int, seed: int = 0) -> list[Record]:
    """Shared-mode-like codes: a common part plus per-peer noise; ~3 % saturate (bench: 2–6 %)."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(rounds):
        common = rng.normal(0, 23)
        for author in HONEST:
            code = int(np.clip(np.rint(common + rng.normal(0, 50)), -CODE_MAX, CODE_MAX))
            out.append(Record("run-b", r, author, (code,)))
    return out


def _attack(kind: str, honest: list[Record], start: int = 0) -> list[Record]:
    out = []
    for r in sorted({h.round for h in honest if h.round >= start}):
        median = np.median([h.codes[0] for h in honest if h.round == r])
        for i, author in enumerate(BYZANTINE):
            sign = {"same": 1, "opposing": -1 if median >= 0 else 1}.get(kind, (-1) ** (r + i))
            out.append(Record("run-b", r, author, (sign * CODE_MAX,)))
    return out


def test_honest_peers_are_never_excluded_on_a_clean_run() -> None:
    log = _honest_codes(300)
    replica = Replica.replay(_config(), LAYOUT, THETA0, log, 300)
    saturated = sum(abs(r.codes[0]) == CODE_MAX for r in log) / len(log)
    assert 0.02 < saturated < 0.06  # the rate the default rule was sized for
    assert all(replica.excluded(r) == frozenset() for r in range(301))
    ignored = sum(len(HONEST) - len(replica.admitted(r)) for r in range(300))
    assert 0 < ignored < 0.01 * len(log)  # a suspect's saturated code, now and then


@pytest.mark.parametrize("kind", ["random", "same", "opposing"])
@pytest.mark.parametrize("mode", ["shared", "independent"])
def test_saturating_attackers_are_excluded_and_stay_out(kind: str, mode: str) -> None:
    honest = _honest_codes(120)
    replica = Replica.replay(_config(mode), LAYOUT, THETA0, honest + _attack(kind, honest), 120)
    first = next(r for r in range(121) if replica.excluded(r) == set(BYZANTINE))
    assert first <= 2 * RULE.strikes  # some rounds judge nobody (honest saturation ties)
    assert all(replica.excluded(r) == set(BYZANTINE) for r in range(first, 121))
    # repeaters: from round 1 on their codes are ignored, long before the exclusion
    moved = [r for r in range(120) if set(BYZANTINE) & {x.author for x in replica.admitted(r)}]
    assert moved == [0]
    rule = replica.config.scale_rule
    window = range(120 - rule.window, 120)
    honest_only = [
        (replica.scales[k], [h.codes[0] for h in honest if h.round == k]) for k in window
    ]
    # excluded codes no longer feed the scale
    assert replica.scales[120] == rule.next_scale(replica.scales[119], honest_only)


def test_an_attacker_that_turns_late_gets_a_bounded_number_of_rounds() -> None:
    honest = _honest_codes(200)
    sleeper = [r for r in _attack("opposing", honest, start=120) if r.author == "b0"]
    replica = Replica.replay(_config(), LAYOUT, THETA0, honest + sleeper, 200)
    assert all("b0" not in replica.excluded(r) for r in range(121))
    admitted_attacks = [r for r in range(120, 200) if "b0" not in replica.excluded(r)]
    assert len(admitted_attacks) <= RULE.strikes + 2
    assert all("b0" in replica.excluded(r) for r in range(admitted_attacks[-1] + 1, 201))
    moved = [r for r in range(120, 200) if any(x.author == "b0" for x in replica.admitted(r))]
    assert len(moved) <= RULE.suspect_after + 2  # ignored as a suspect long before exclusion


@pytest.mark.parametrize("rule", [RULE, V3], ids=["v2", "v3"])
def test_screening_is_order_independent_and_repairs_late_records_bit_identically(
    rule: ScreenRule,
) -> None:
    log = _honest_codes(60, seed=4)
    log += _attack("random", log)
    reference = Replica.replay(_config(screen=rule), LAYOUT, THETA0, log, 60)
    shuffled = log.copy()
    random.Random(1).shuffle(shuffled)
    late, early = shuffled[: len(log) // 10], shuffled[len(log) // 10 :]
    replica = Replica(_config(screen=rule), LAYOUT, THETA0)
    for record in early:
        replica.offer(record)
    replica.run_to(60)
    for record in late:
        assert replica.offer(record) is None
    replica.catch_up()
    assert replica.theta.tobytes() == reference.theta.tobytes()
    assert replica.checkpoint_hashes() == reference.checkpoint_hashes()
    assert [replica.excluded(r) for r in range(61)] == [reference.excluded(r) for r in range(61)]


@pytest.mark.parametrize("rule", [RULE, V3], ids=["v2", "v3"])
def test_a_joiner_from_a_checkpoint_screens_like_a_full_replica(rule: ScreenRule) -> None:
    log = _honest_codes(70, seed=5)
    log += _attack("same", log)
    config = _config(screen=rule)
    full = Replica.replay(config, LAYOUT, THETA0, log, 70)
    checkpoint = Replica.replay(config, LAYOUT, THETA0, log, 50).checkpoints[50]
    joiner = Replica.from_checkpoint(config, LAYOUT, checkpoint)
    history = 50 - config.history_rounds
    assert joiner.offer(next(r for r in log if r.round == history - 1)) is not None
    for record in log:
        if record.round >= history:
            assert joiner.offer(record) is None
    joiner.run_to(70)
    assert joiner.excluded(60) == full.excluded(60) == set(BYZANTINE)
    assert joiner.sha256 == full.sha256 and joiner.scales == full.scales


def test_a_joiner_holds_the_screening_window_of_every_round_the_next_scale_reads() -> None:
    """Strikes 47 rounds before a checkpoint decide whether a code 7 rounds before it feeds
    the scale of the round after it: the joiner needs scale window + screen window rounds."""
    log = [r for r in _honest_codes(60, seed=6) if r.author != "h00"]
    loud = {*range(3, 12), 43}  # 9 strikes, then a saturated code: a suspect's, ignored
    log += [Record("run-b", r, "h00", (CODE_MAX if r in loud else 1,)) for r in range(60)]
    full = Replica.replay(_config(), LAYOUT, THETA0, log, 60)
    assert "h00" not in {rec.author for rec in full.admitted(43)}
    assert _config().history_rounds == 48
    joiner = Replica.from_checkpoint(_config(), LAYOUT, full.checkpoints[50])
    for record in log:
        if record.round >= 50 - _config().history_rounds:
            assert joiner.offer(record) is None
    joiner.run_to(60)
    assert joiner.scales == full.scales
    assert joiner.sha256 == full.sha256


def test_rules_v3_scale_forgets_round_0_attackers_once_they_are_ignored() -> None:
    honest = _honest_codes(20, seed=8)
    log = honest + _attack("same", honest)
    v2 = Replica.replay(_config(screen=RULE), LAYOUT, THETA0, log, 20)
    v3 = Replica.replay(_config(screen=V3), LAYOUT, THETA0, log, 20)
    rule = v3.config.scale_rule
    assert v2.scales[:2] == v3.scales[:2]  # s_1 still reads round 0's attackers: not yet told
    for r in range(2, 20):
        window = range(max(0, r - rule.window), r)
        honest_only = [(v3.scales[k], [h.codes[0] for h in honest if h.round == k]) for k in window]
        assert v3.scales[r] == rule.next_scale(v3.scales[r - 1], honest_only)
    # v2 reads round 0's attackers until round 0 leaves the window, and never after
    assert all(v2.scales[r] > v3.scales[r] for r in range(2, rule.window + 1))
    assert v2.scales[rule.window + 1 :] != v3.scales[rule.window + 1 :]
