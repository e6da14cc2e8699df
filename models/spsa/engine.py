"""Projected gradients on scratch copies and the exact, order-independent round update.

The update for round r over its accepted records R_r is
``A = Σ q_p · z_p`` (int32, exact) then ``θ ← θ − float32(η · s_r / |R_r|) · A`` in float32,
so replicas that accepted the same set are bit-identical whatever the arrival order.
In ``shared`` mode every peer uses the round's direction z_r and the update uses the median
of the codes, which ignores a minority of peers that send ±127.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from models.spsa.backend import LossBackend
from models.spsa.codes import CODE_MAX, encode
from models.spsa.directions import SHARED, direction

Mode = Literal["independent", "shared"]
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
BatchT = TypeVar("BatchT")


@dataclass(frozen=True)
class Record:
    """One peer's one-byte projected gradient for one round."""

    run_id: str
    round: int
    author: str
    code: int


@dataclass(frozen=True)
class RoundState:
    """Everything besides θ and the records that round r's update depends on."""

    run_id: str
    round: int
    mode: Mode
    learning_rate: float
    scale: float


def direction_peer(mode: Mode, author: str) -> str:
    """Whose direction a record refers to: its author's, or the round's shared one."""
    return SHARED if mode == "shared" else author


def record_direction(state: RoundState, author: str, size: int) -> npt.NDArray[np.int8]:
    return direction(state.run_id, state.round, direction_peer(state.mode, author), size)


def perturbed(
    theta: FloatArray, z: npt.NDArray[np.int8], epsilon: float
) -> tuple[FloatArray, FloatArray]:
    """θ + εz and θ − εz as new float32 arrays; θ itself is never touched."""
    step = np.float32(epsilon) * z.astype(np.float32)  # (D,)
    return theta + step, theta - step


def projected_gradient(
    loss: Callable[[FloatArray], float],
    theta: FloatArray,
    z: npt.NDArray[np.int8],
    epsilon: float,
) -> float:
    """SPSA estimate of the directional derivative ∇L(θ)·z; NaN if either loss is NaN."""
    plus, minus = perturbed(theta, z, epsilon)
    return (loss(plus) - loss(minus)) / (2.0 * epsilon)


def refusal_reason(record: Record, state: RoundState) -> str | None:
    """Why a record cannot take part in ``state``'s round, or None if it can."""
    if record.run_id != state.run_id:
        return f"unknown run {record.run_id!r}"
    if record.round != state.round:
        return f"record for round {record.round}, not {state.round}"
    if isinstance(record.code, bool) or not isinstance(record.code, int):
        return "code is not an integer"
    if not -CODE_MAX <= record.code <= CODE_MAX:
        return f"code {record.code} outside ±{CODE_MAX}"
    if not record.author:
        return "empty author"
    return None


def _checked(records: Iterable[Record], state: RoundState) -> list[Record]:
    checked = list(records)
    for record in checked:
        reason = refusal_reason(record, state)
        if reason is not None:
            raise ValueError(f"record by {record.author!r}: {reason}")
    authors = [r.author for r in checked]
    if len(set(authors)) != len(authors):
        raise ValueError("more than one record from the same author")
    return checked


def accumulate(records: Iterable[Record], state: RoundState, size: int) -> tuple[IntArray, float]:
    """(A, c) with the update θ − float32(c) · A; A is exact int32, independent of order."""
    checked = _checked(records, state)
    total = np.zeros(size, dtype=np.int32)  # (D,)
    if not checked:
        return total, 0.0
    if state.mode == "shared":
        codes = sorted(r.code for r in checked)
        n = len(codes)
        twice_median = codes[(n - 1) // 2] + codes[n // 2]  # integer: no half-code rounding
        total += np.int32(twice_median) * record_direction(state, SHARED, size).astype(np.int32)
        return total, state.learning_rate * state.scale / 2.0
    for record in checked:
        total += np.int32(record.code) * record_direction(state, record.author, size).astype(
            np.int32
        )
    return total, state.learning_rate * state.scale / len(checked)


def apply_update(theta: FloatArray, total: IntArray, coefficient: float) -> FloatArray:
    """θ − float32(c) · A, in float32 (float64 then a cast changes most entries: papers.md)."""
    return theta - np.float32(coefficient) * total.astype(np.float32)


def round_update(theta: FloatArray, records: Iterable[Record], state: RoundState) -> FloatArray:
    """θ after round ``state.round`` with exactly these records (raises on an invalid set)."""
    total, coefficient = accumulate(records, state, theta.size)
    return apply_update(theta, total, coefficient)


def float_round_update(
    theta: FloatArray, grads: Mapping[str, float], state: RoundState
) -> FloatArray:
    """Baseline with fp32 scalars instead of bytes (independent directions, mean over peers)."""
    finite = {a: g for a, g in grads.items() if math.isfinite(g)}
    if not finite:
        return theta.copy()
    total = np.zeros(theta.size, dtype=np.float64)
    for author in sorted(finite):  # fixed order: float sums are order-dependent
        z = direction(state.run_id, state.round, direction_peer(state.mode, author), theta.size)
        total += np.float32(finite[author]) * z.astype(np.float64)
    step = np.float32(state.learning_rate / len(finite)) * total.astype(np.float32)
    return theta - step


def peer_record(
    backend: LossBackend[BatchT],
    theta: FloatArray,
    batch: BatchT,
    state: RoundState,
    author: str,
    epsilon: float,
) -> Record | None:
    """What an honest peer publishes for a round; None (refused) if a loss is not finite."""
    z = record_direction(state, author, theta.size)
    g = projected_gradient(lambda t: backend.loss(t, batch), theta, z, epsilon)
    code = encode(g, state.scale)
    return None if code is None else Record(state.run_id, state.round, author, code)
