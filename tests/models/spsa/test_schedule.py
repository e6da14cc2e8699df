from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import asdict, replace

import numpy as np
import pytest

from models.spsa.codes import ScaleRule
from models.spsa.engine import Record, round_update
from models.spsa.layout import ParamLayout
from models.spsa.replica import Replica, RunConfig
from models.spsa.schedule import LearningRateSchedule
from models.spsa.screening import ScreenRule

LAYOUT = ParamLayout("t1", (("w", (50,)),))
THETA0 = np.linspace(-1, 1, LAYOUT.size, dtype=np.float32)
BASE = RunConfig("run-s", "independent", 1e-2, 1e-3, ScaleRule(initial=0.01, window=3), 5)


def test_default_schedule_is_constant() -> None:
    assert {LearningRateSchedule().factor(r) for r in range(1000)} == {1.0}
    assert {BASE.learning_rate_at(r) for r in (0, 7, 500)} == {1e-2}


def test_warmup_then_linear_decay_to_the_floor() -> None:
    schedule = LearningRateSchedule(warmup_rounds=4, decay_rounds=14, floor=0.5)
    got = [schedule.factor(r) for r in range(16)]
    assert got[:4] == [0.25, 0.5, 0.75, 1.0]
    assert got[4] == 1.0 and got[9] == 0.75 and got[14:] == [0.5, 0.5]
    assert all(a >= b for a, b in itertools.pairwise(got[3:]))


@pytest.mark.parametrize(
    "kwargs",
    [{"warmup_rounds": -1}, {"decay_rounds": 3, "warmup_rounds": 3}, {"floor": 0.5}],
)
def test_inconsistent_schedules_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        LearningRateSchedule(**kwargs)  # type: ignore[arg-type]


def test_replica_applies_eta_of_the_round_and_replays_bit_identically() -> None:
    config = replace(BASE, schedule=LearningRateSchedule(decay_rounds=6, floor=0.0))
    rng = np.random.default_rng(2)
    log = [
        Record("run-s", r, f"p{p}", (int(rng.integers(-50, 51)),))
        for r in range(8)
        for p in range(3)
    ]
    live = Replica(config, LAYOUT, THETA0)
    for record in log:
        live.offer(record)
    live.run_to(3)
    state = live.state()
    assert state.learning_rate == 1e-2 * 0.5
    expected = round_update(live.theta, [x for x in log if x.round == 3], state)
    live.run_to(4)
    assert live.theta.tobytes() == expected.tobytes()
    live.run_to(8)  # η is 0 from round 6 on: θ stops moving
    assert Replica.replay(config, LAYOUT, THETA0, reversed(log), 6).sha256 == live.sha256
    assert Replica.replay(BASE, LAYOUT, THETA0, log, 8).sha256 != live.sha256


def test_old_configs_keep_their_digest_and_new_fields_change_it() -> None:
    old = {k: v for k, v in asdict(BASE).items() if k not in ("schedule", "screen", "probes")}
    assert BASE.digest == hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()
    scheduled = replace(BASE, schedule=LearningRateSchedule(decay_rounds=10, floor=0.0))
    screened = replace(BASE, screen=ScreenRule())
    probed = replace(BASE, probes=4)
    assert len({BASE.digest, scheduled.digest, screened.digest, probed.digest}) == 4
    # rules v3's switch hashes only when on: screened runs keep their session 4 digest
    before_v3 = asdict(screened)
    del before_v3["screen"]["scale_skips_ignored"]
    del before_v3["schedule"], before_v3["probes"]
    assert (
        screened.digest
        == hashlib.sha256(json.dumps(before_v3, sort_keys=True).encode()).hexdigest()
    )
    v3 = replace(BASE, screen=ScreenRule(scale_skips_ignored=True))
    assert v3.digest != screened.digest
