"""A finetune run's spec: building and validating a RunSpec, its RunConfig, θ's digest.

Every node derives the same RunConfig from the same spec (``run_config``), so what a run
is and how its replicas step is fixed by the signed announcement alone.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np

from models.spsa.codes import ScaleRule
from models.spsa.replica import RULES_VERSION, RunConfig
from models.spsa.schedule import LearningRateSchedule
from models.spsa.screening import ScreenRule
from node import wire
from node.finetune_task import RunError, initial_theta
from node.wire.finetune import MAX_PULL_EVERY


def theta_digest(theta: np.ndarray) -> bytes:
    return hashlib.sha256(np.ascontiguousarray(theta, dtype="<f4").tobytes()).digest()


def run_config(spec: wire.RunSpec) -> RunConfig:
    return RunConfig(
        run_id=spec.run_id,
        mode=spec.mode,
        learning_rate=spec.learning_rate,
        epsilon=spec.epsilon,
        scale_rule=ScaleRule(initial=spec.initial_scale),
        checkpoint_every=spec.checkpoint_every,
        schedule=(
            LearningRateSchedule(decay_rounds=spec.rounds, floor=spec.decay_floor)
            if spec.decay_floor < 1.0
            else LearningRateSchedule()
        ),
        screen=ScreenRule() if spec.screen else None,
        probes=spec.probes,
    )


def spec_differences(a: wire.RunSpec, b: wire.RunSpec) -> list[str]:
    """Field names on which two specs of the same run id disagree."""
    names = [f for f in a.__struct_fields__ if f not in ("version",)]
    return [n for n in names if getattr(a, n) != getattr(b, n)]


def new_spec(
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
    screen: bool | None = None,
    probes: int = 1,
    decay_floor: float = 1.0,
    grads_by: str = "gossip",
    pull_every: int = 8,
) -> wire.RunSpec:
    """A validated RunSpec; RunError names what is wrong.

    ``screen`` defaults to on in shared mode (it exists for the shared median's attackers).
    ``grads_by``/``pull_every``: the run's transport (gossip, or sync pulls every K rounds).
    """
    if model not in ("tiny", "minilm"):
        raise RunError(f"unknown model {model!r}")
    if mode not in ("independent", "shared"):
        raise RunError(f"unknown mode {mode!r}")
    if screen and mode != "shared":
        raise RunError("screening is for shared mode (one direction per round, median)")
    if grads_by not in ("gossip", "pull"):
        raise RunError(f"unknown transport {grads_by!r} (gossip or pull)")
    if not 1 <= pull_every <= MAX_PULL_EVERY:
        raise RunError(f"pull_every must be 1..{MAX_PULL_EVERY} rounds, not {pull_every}")
    layout, theta0 = initial_theta(model)
    fields: dict[str, Any] = {
        "run_id": run_id,
        "model": model,
        "mode": mode,
        "learning_rate": learning_rate,
        "epsilon": epsilon,
        "initial_scale": initial_scale,
        "rounds": rounds,
        "round_ms": round_ms,
        "start_ms": start_ms,
        "checkpoint_every": checkpoint_every,
        "batch": batch,
        "theta0_sha256": theta_digest(theta0),
        "layout_digest": layout.digest,
        "screen": mode == "shared" if screen is None else screen,
        "probes": probes,
        "decay_floor": decay_floor,
        "rules": RULES_VERSION,
        "grads_by": grads_by,
        "pull_every": pull_every,
    }
    try:  # round trip through the wire decoder: the same checks a receiving peer applies
        spec = wire.RunSpec(wire.WIRE_VERSION, **fields)
        return wire.decode_run_spec(wire.encode(spec))
    except (wire.WireError, TypeError) as exc:
        raise RunError(f"bad run parameters: {_named(str(exc))}") from exc


def _named(message: str) -> str:
    """The decoder's message with its array index (RunSpec travels as an array) replaced
    by the field's name: ``... - at `$[4]``` becomes ``learning_rate: ...``."""
    found = re.search(r" - at `\$\[(\d+)\]`$", message)
    fields = wire.RunSpec.__struct_fields__
    if found is None or int(found[1]) >= len(fields):
        return message
    text = message[: found.start()].removeprefix("RunSpec: ")
    return f"{fields[int(found[1])]}: {text}"
