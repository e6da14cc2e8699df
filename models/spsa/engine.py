"""Projected gradients on scratch copies and the exact, order-independent round update.

Each record carries P codes (``probes``), one byte per projected gradient, each along its
own direction z_{p,j}. The update for round r over its accepted records R_r is
``A = Σ_p Σ_j q_{p,j} · z_{p,j}`` (int32, exact) then
``θ ← θ − float32(η · s_r / (|R_r| · P)) · A`` in float32, so replicas that accepted the same
set are bit-identical whatever the arrival order. In ``shared`` mode every peer uses the
round's P directions and the update uses the median code of each, which ignores a minority
of peers that send ±127. More probes per round average more directions: the SPSA estimate's
variance (about d times the gradient's squared norm for one direction) falls as 1/(|R|·P).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from models.spsa.backend import LossBackend
from models.spsa.codes import CODE_MAX, encode
from models.spsa.directions import SHARED, direction

Mode = Literal["independent", "shared"]
MAX_PROBES = 64
"""Most codes a record carries (the wire's limit too)."""
FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
BatchT = TypeVar("BatchT")


@dataclass(frozen=True)
class Record:
    """One peer's projected gradients for one round: one byte per probe."""

    run_id: str
    round: int
    author: str
    codes: tuple[int, ...]


@dataclass(frozen=True)
class RoundState:
    """Everything besides θ and the records that round r's update depends on."""

    run_id: str
    round: int
    mode: Mode
    learning_rate: float
    scale: float
    probes: int = 1


def direction_peer(mode: Mode, author: str) -> str:
    """Whose direction a record refers to: its author's, or the round's shared one."""
    return SHARED if mode == "shared" else author


def record_direction(
    state: RoundState, author: str, size: int, probe: int = 0
) -> npt.NDArray[np.int8]:
    return direction(state.run_id, state.round, direction_peer(state.mode, author), size, probe)


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
    if not isinstance(record.codes, tuple) or len(record.codes) != state.probes:
        return f"{len(record.codes)} codes, not {state.probes}"
    for code in record.codes:
        if isinstance(code, bool) or not isinstance(code, int):
            return "a code is not an integer"
        if not -CODE_MAX <= code <= CODE_MAX:
            return f"code {code} outside ±{CODE_MAX}"
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
        for probe in range(state.probes):
            codes = sorted(r.codes[probe] for r in checked)
            n = len(codes)
            twice_median = codes[(n - 1) // 2] + codes[n // 2]  # integer: no half-code rounding
            if twice_median:
                z = record_direction(state, SHARED, size, probe)
                total += np.int32(twice_median) * z.astype(np.int32)
        return total, state.learning_rate * state.scale / (2.0 * state.probes)
    for record in checked:
        for probe, code in enumerate(record.codes):
            if code:
                z = record_direction(state, record.author, size, probe)
                total += np.int32(code) * z.astype(np.int32)
    return total, state.learning_rate * state.scale / (len(checked) * state.probes)


def apply_update(theta: FloatArray, total: IntArray, coefficient: float) -> FloatArray:
    """θ − float32(c) · A, in float32 (float64 then a cast changes most entries: papers.md)."""
    return theta - np.float32(coefficient) * total.astype(np.float32)


def round_update(theta: FloatArray, records: Iterable[Record], state: RoundState) -> FloatArray:
    """θ after round ``state.round`` with exactly these records (raises on an invalid set)."""
    total, coefficient = accumulate(records, state, theta.size)
    return apply_update(theta, total, coefficient)


def float_round_update(
    theta: FloatArray, grads: Mapping[str, Sequence[float]], state: RoundState
) -> FloatArray:
    """Baseline with fp32 scalars instead of bytes (independent directions, mean over every
    finite (peer, probe) value)."""
    total = np.zeros(theta.size, dtype=np.float64)
    count = 0
    for author in sorted(grads):  # fixed order: float sums are order-dependent
        for probe, g in enumerate(grads[author]):
            if not math.isfinite(g):
                continue
            peer = direction_peer(state.mode, author)
            z = direction(state.run_id, state.round, peer, theta.size, probe)
            total += np.float32(g) * z.astype(np.float64)
            count += 1
    if not count:
        return theta.copy()
    step = np.float32(state.learning_rate / count) * total.astype(np.float32)
    return theta - step


def _loss_on(backend: LossBackend[BatchT], batch: BatchT) -> Callable[[FloatArray], float]:
    return lambda theta: backend.loss(theta, batch)


def peer_record(
    backend: LossBackend[BatchT],
    theta: FloatArray,
    batches: Sequence[BatchT],
    state: RoundState,
    author: str,
    epsilon: float,
) -> Record | None:
    """What an honest peer publishes for a round, probe j on ``batches[j]``; None (refused)
    if a loss is not finite."""
    if len(batches) != state.probes:
        raise ValueError(f"{len(batches)} batches for {state.probes} probes")
    codes: list[int] = []
    for probe, batch in enumerate(batches):
        z = record_direction(state, author, theta.size, probe)
        g = projected_gradient(_loss_on(backend, batch), theta, z, epsilon)
        code = encode(g, state.scale)
        if code is None:
            return None
        codes.append(code)
    return Record(state.run_id, state.round, author, tuple(codes))
