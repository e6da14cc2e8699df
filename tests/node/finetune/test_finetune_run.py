"""Run specs: screening follows the mode unless asked, and a spec that cannot work is refused."""

from __future__ import annotations

import msgspec
import pytest

from models.spsa.replica import RULES_VERSION
from node.finetune.run import RunState
from node.finetune.spec import new_spec, run_config
from node.finetune.task import RunError
from node.wire import RunSpec
from node.wire.control import TrainStart


def spec_of(
    run_id: str,
    model: str,
    mode: str,
    rounds: int,
    round_ms: int,
    start_ms: int,
    learning_rate: float,
    epsilon: float,
    initial_scale: float,
    checkpoint_every: int,
    batch: int,
    **kw: object,
) -> RunSpec:
    """The spec of a ``TrainStart`` with these fields; one probe and no decay unless ``kw``
    says otherwise."""
    command = TrainStart(
        run_id=run_id,
        model=model,
        mode=mode,
        rounds=rounds,
        round_seconds=round_ms / 1000,
        learning_rate=learning_rate,
        epsilon=epsilon,
        initial_scale=initial_scale,
        checkpoint_every=checkpoint_every,
        batch=batch,
        **{"probes": 1, "decay_floor": 1.0, **kw},  # type: ignore[arg-type]
    )
    return new_spec(command, start_ms)


def test_screening_is_on_in_shared_mode_by_default_and_refused_in_independent_mode() -> None:
    args = ("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4)
    shared = spec_of(*args)
    assert shared.screen and run_config(shared).screen is not None
    assert not spec_of(*args, screen=False).screen
    independent = spec_of("r", "tiny", "independent", *args[3:])
    assert not independent.screen and run_config(independent).screen is None
    with pytest.raises(RunError, match="shared mode"):
        spec_of("r", "tiny", "independent", *args[3:], screen=True)


def test_a_run_on_other_replica_rules_is_refused_with_both_versions() -> None:
    spec = spec_of("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4, probes=3)
    assert spec.rules == RULES_VERSION and run_config(spec).probes == 3
    newer = msgspec.structs.replace(spec, rules=RULES_VERSION + 1)
    with pytest.raises(RunError, match=f"rules v{RULES_VERSION + 1}; this node implements"):
        RunState.open(newer, "me", backend="none")
    assert RunState.open(spec, "me", backend="none").replica.config.probes == 3


def test_a_decay_floor_decays_eta_linearly_to_the_last_round() -> None:
    args = ("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4)
    config = run_config(spec_of(*args, decay_floor=0.1))
    assert config.learning_rate_at(0) == 5e-3
    assert config.learning_rate_at(10) == pytest.approx(5e-3 * 0.55)
    assert config.learning_rate_at(20) == pytest.approx(5e-4)
    constant = run_config(spec_of(*args))
    assert constant.learning_rate_at(19) == 5e-3 and constant.digest != config.digest


def test_the_transport_is_validated_and_leaves_the_run_config_digest_alone() -> None:
    args = ("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4)
    gossiped = spec_of(*args)
    pulled = spec_of(*args, grads_by="pull", pull_every=3)
    assert (gossiped.grads_by, pulled.grads_by, pulled.pull_every) == ("gossip", "pull", 3)
    # θ is the same function of the records whatever carried them
    assert run_config(pulled).digest == run_config(gossiped).digest
    with pytest.raises(RunError, match="unknown transport 'push'"):
        spec_of(*args, grads_by="push")
    for bad in (0, 10_001):
        with pytest.raises(RunError, match=f"pull_every must be 1..10000 rounds, not {bad}"):
            spec_of(*args, grads_by="pull", pull_every=bad)


def test_a_bad_parameter_is_named_by_its_field_not_its_wire_index() -> None:
    args = ("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4)
    with pytest.raises(RunError, match=r"^bad run parameters: learning_rate: Expected `float` > 0"):
        spec_of(*args[:6], float("nan"), *args[7:])
    with pytest.raises(RunError, match=r"^bad run parameters: run_id: Expected `str` matching"):
        spec_of("R_BAD", *args[1:])


def test_each_checkpoint_is_scored_once_on_held_out_words() -> None:
    spec = spec_of("r", "tiny", "shared", 20, 1000, 0, 5e-3, 1e-3, 0.05, 5, 4)
    state = RunState.open(spec, "me", backend="torch")
    assert state.score_checkpoints() == 1  # checkpoint 0: the initial weights
    assert state.score_checkpoints() == 0
    start = state.summary().checkpoints["0"]
    assert start.accuracy is not None and 0.0 <= start.accuracy <= 1.0
    assert start.loss is not None and start.loss > 0
    replay_only = RunState.open(spec, "me", backend="none")  # cannot run the model
    assert replay_only.score_checkpoints() == 0
    assert replay_only.summary().checkpoints["0"].accuracy is None
