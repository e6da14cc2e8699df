from __future__ import annotations

import random

import numpy as np

from models.spsa.codes import CODE_MAX, ScaleRule
from models.spsa.engine import Record
from models.spsa.layout import ParamLayout
from models.spsa.replica import Checkpoint, Replica, RunConfig
from models.spsa.screening import ScreenRule

LAYOUT = ParamLayout("t1", (("w", (64,)), ("b", (36,))))
THETA0 = np.linspace(-1, 1, LAYOUT.size, dtype=np.float32)


def _config(mode: str = "independent") -> RunConfig:
    return RunConfig("run-r", mode, 1e-2, 1e-3, ScaleRule(initial=0.01, window=3), 5)  # type: ignore[arg-type]


def _log(rounds: int, peers: int = 4) -> list[Record]:
    rng = np.random.default_rng(1)
    return [
        Record("run-r", r, f"p{p}", (int(rng.integers(-60, 61)),))
        for r in range(rounds)
        for p in range(peers)
    ]


def test_replay_of_a_stored_log_reproduces_the_hashes() -> None:
    log = _log(20)
    live = Replica(_config(), LAYOUT, THETA0)
    for r in range(20):
        for record in log:
            if record.round == r:
                assert live.offer(record) is None
        live.close_round()
    replayed = Replica.replay(_config(), LAYOUT, THETA0, reversed(log), rounds=20)
    assert replayed.checkpoint_hashes() == live.checkpoint_hashes()
    assert list(live.checkpoint_hashes()) == [0, 5, 10, 15, 20]
    assert replayed.sha256 == live.sha256 != Replica(_config(), LAYOUT, THETA0).sha256
    assert len(set(live.scales)) > 1  # the scale adapts from the log


def test_late_records_are_repaired_to_the_same_bytes() -> None:
    log = _log(20)
    random.Random(0).shuffle(log)
    held_back = log[: len(log) // 10]
    replica = Replica(_config("shared"), LAYOUT, THETA0)
    for record in log[len(log) // 10 :]:
        replica.offer(record)
    replica.run_to(20)
    diverged = replica.sha256
    for record in held_back:
        replica.offer(record)
    replica.catch_up()
    reference = Replica.replay(_config("shared"), LAYOUT, THETA0, _log(20), rounds=20)
    assert replica.sha256 == reference.sha256 != diverged
    assert replica.theta.tobytes() == reference.theta.tobytes()


def test_duplicate_forged_and_malformed_records_change_nothing() -> None:
    log = _log(6)
    reference = Replica.replay(_config(), LAYOUT, THETA0, log, rounds=6)
    replica = Replica(_config(), LAYOUT, THETA0)
    for record in log:
        replica.offer(record)
    assert replica.offer(log[0]) == "duplicate"
    assert (
        replica.offer(Record("run-r", 0, "p0", (log[0].codes[0] + 1,))) == "conflicting duplicate"
    )
    assert replica.offer(Record("other-run", 0, "p9", (5,))) is not None
    assert replica.offer(Record("run-r", 1, "p9", (300,))) is not None
    assert replica.offer(Record("run-r", 1, "p9", (True,))) is not None
    replica.run_to(6)
    assert replica.sha256 == reference.sha256


def test_checkpoint_bytes_round_trip_and_a_joiner_continues_identically() -> None:
    log = _log(12)
    full = Replica.replay(_config(), LAYOUT, THETA0, log, rounds=12)
    donor = Replica.replay(_config(), LAYOUT, THETA0, log, rounds=10)
    checkpoint = Checkpoint.from_bytes(donor.checkpoints[10].to_bytes(LAYOUT))
    assert checkpoint.sha256 == donor.checkpoints[10].sha256 and checkpoint.round == 10
    joiner = Replica.from_checkpoint(_config(), LAYOUT, checkpoint)
    assert joiner.offer(Record("run-r", 3, "p0", (1,))) is not None  # before its checkpoint
    for record in log:
        if record.round >= 10 - 3:  # the scale window before the checkpoint rides along
            assert joiner.offer(record) is None
    joiner.run_to(12)
    assert joiner.sha256 == full.sha256


def _suspect_log() -> list[Record]:
    """6 peers; p0 saturates in rounds 15–23 (a repeater from 16) and again in 53, a suspect
    there, so rules v3 drops its codes of rounds 51–53 from the scale of round 54, after
    checkpoint 50: a joiner must judge round 53 as a full replica does."""
    log = [r for r in _log(60, peers=6) if r.author != "p0"]
    loud = {*range(15, 24), 53}
    log += [Record("run-r", r, "p0", (CODE_MAX if r in loud else 40,)) for r in range(60)]
    return log


def test_rules_v3_replicas_agree_under_shuffled_order_and_from_a_checkpoint() -> None:
    v3 = RunConfig(  # the scale window of 3 rounds keeps the check near the suspect's round
        "run-r", "shared", 1e-2, 1e-3, ScaleRule(0.01, window=3), 10,
        screen=ScreenRule(scale_skips_ignored=True),
    )  # fmt: skip
    v2 = RunConfig(
        "run-r", "shared", 1e-2, 1e-3, ScaleRule(0.01, window=3), 10, screen=ScreenRule()
    )
    log = _suspect_log()
    full = Replica.replay(v3, LAYOUT, THETA0, log, rounds=60)
    assert v3.screen is not None and v3.screen.scale_left_out(53, full.round_codes) == {"p0"}
    assert full.scales != Replica.replay(v2, LAYOUT, THETA0, log, 60).scales
    shuffled = log.copy()
    random.Random(2).shuffle(shuffled)
    replica = Replica(v3, LAYOUT, THETA0)
    for record in shuffled[: len(log) // 2]:
        replica.offer(record)
    replica.run_to(60)
    for record in shuffled[len(log) // 2 :]:
        assert replica.offer(record) is None
    assert replica.checkpoint_hashes() == full.checkpoint_hashes()
    assert replica.theta.tobytes() == full.theta.tobytes() and replica.scales == full.scales
    checkpoint = Checkpoint.from_bytes(full.checkpoints[50].to_bytes(LAYOUT))
    joiner = Replica.from_checkpoint(v3, LAYOUT, checkpoint)
    for record in shuffled:
        if record.round >= 50 - v3.history_rounds:
            assert joiner.offer(record) is None
    joiner.run_to(60)
    assert joiner.scales == full.scales and joiner.sha256 == full.sha256
