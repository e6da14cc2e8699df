"""A replica of one run: θ as a pure function of the records it holds.

Records may arrive late or out of order; a record for a round already applied marks the
replica stale and ``catch_up`` replays from the last checkpoint before that round (cheap:
integer accumulation plus regenerated directions). Checkpoints every C rounds carry θ, the
scale history and θ's SHA-256, which peers announce and compare.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load as load_tensors
from safetensors.numpy import save as save_tensors

from models.spsa.codes import ScaleRule
from models.spsa.engine import (
    MAX_PROBES,
    FloatArray,
    Mode,
    Record,
    RoundState,
    refusal_reason,
    round_update,
)
from models.spsa.layout import ParamLayout
from models.spsa.schedule import LearningRateSchedule
from models.spsa.screening import RoundCodes, ScreenRule

RULES_VERSION = 2
"""Bump when anything a replica computes from the records changes (ScaleRule or ScreenRule
defaults, the update, the directions): peers on different rules would silently disagree on
θ, so a run names its rules and a node that implements others refuses to join it.
v2: screening strikes and ignores repeaters (``ScreenRule.repeat_after``), and a replica
from a checkpoint keeps scale window + screen window rounds before it (v1 kept the larger
of the two, so a joiner could screen a round the next scale reads differently)."""


def theta_digest(theta: FloatArray) -> bytes:
    """SHA-256 of θ's little-endian float32 bytes: the hash peers announce (and a run's
    spec names for its initial weights)."""
    return hashlib.sha256(np.ascontiguousarray(theta, dtype="<f4").tobytes()).digest()


def theta_sha256(theta: FloatArray) -> str:
    """``theta_digest`` as hex text: how a replica reports its hash."""
    return theta_digest(theta).hex()


@dataclass(frozen=True)
class RunConfig:
    """Everything peers must agree on besides the initial weights and the layout."""

    run_id: str
    """Names the run; keys every direction."""
    mode: Mode
    """``independent`` (each peer its own direction) or ``shared`` (one per round, median)."""
    learning_rate: float
    """η in θ ← θ − η · s_r · (mean or median code) · z."""
    epsilon: float
    """SPSA perturbation size."""
    scale_rule: ScaleRule
    """How s_r follows from earlier rounds."""
    checkpoint_every: int = 10
    """C: a checkpoint (and a hash announcement) every C rounds."""
    schedule: LearningRateSchedule = field(default_factory=LearningRateSchedule)
    """η_r = learning_rate · schedule.factor(r); the default keeps η constant."""
    screen: ScreenRule | None = None
    """Exclude authors that keep saturating (screening.py); None applies every record."""
    probes: int = 1
    """P: projected gradients (codes, directions) per record; a round averages |R| · P."""

    def __post_init__(self) -> None:
        if not 1 <= self.probes <= MAX_PROBES:
            raise ValueError(f"probes must be within 1..{MAX_PROBES}")

    def learning_rate_at(self, round_index: int) -> float:
        return self.learning_rate * self.schedule.factor(round_index)

    @property
    def history_rounds(self) -> int:
        """Rounds of records before a checkpoint that later rounds still depend on: the
        scale of the round after it reads the admitted codes of ``scale_rule.window`` rounds,
        and screening decides each of those from the ``screen.window`` rounds before it."""
        return self.scale_rule.window + (self.screen.window if self.screen else 0)

    @property
    def digest(self) -> str:
        values = asdict(self)
        for spec in fields(self):  # later fields hash only when set: older digests still hold
            default = spec.default if spec.default_factory is MISSING else spec.default_factory()
            if spec.name in _LATER_FIELDS and getattr(self, spec.name) == default:
                del values[spec.name]
        screen = values.get("screen")
        for name in _LATER_SCREEN_FIELDS:  # the same for fields the screen rule gained later
            if screen and screen.get(name) is False:
                del screen[name]
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


_LATER_FIELDS = ("schedule", "screen", "probes")
_LATER_SCREEN_FIELDS = ("scale_skips_ignored",)


@dataclass(frozen=True)
class Checkpoint:
    """θ at the start of ``round`` plus the scales s_0..s_round that produced it."""

    round: int
    theta: FloatArray
    scales: tuple[float, ...]

    @property
    def sha256(self) -> str:
        return theta_sha256(self.theta)

    def to_bytes(self, layout: ParamLayout) -> bytes:
        """safetensors bytes; the scale history rides along as an exact float64 tensor."""
        tensors: dict[str, npt.NDArray[Any]] = {
            "theta": self.theta,
            "scales": np.asarray(self.scales, dtype=np.float64),
        }
        meta = {"round": str(self.round), "layout": layout.digest, "sha256": self.sha256}
        return save_tensors(tensors, metadata=meta)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Checkpoint:
        tensors = load_tensors(blob)
        scales = tuple(float(s) for s in tensors["scales"])
        return cls(round=len(scales) - 1, theta=tensors["theta"].astype(np.float32), scales=scales)


class Replica:
    """Applies rounds of one run in order, keeps the record log and checkpoints."""

    def __init__(self, config: RunConfig, layout: ParamLayout, theta0: FloatArray) -> None:
        if theta0.shape != (layout.size,) or theta0.dtype != np.float32:
            raise ValueError("θ0 must be float32 with the layout's size")
        self.config = config
        self.layout = layout
        self.log: dict[int, dict[str, Record]] = {}
        self._initial = Checkpoint(0, theta0.copy(), (config.scale_rule.initial,))
        self.checkpoints: dict[int, Checkpoint] = {0: self._initial}
        self._restore(self._initial)
        self._stale_from: int | None = None
        self._round_codes: dict[int, RoundCodes] = {}

    def _restore(self, checkpoint: Checkpoint) -> None:
        self.theta = checkpoint.theta.copy()
        self.round = checkpoint.round
        self.scales = list(checkpoint.scales)

    @property
    def sha256(self) -> str:
        return theta_sha256(self.theta)

    def state(self, round_index: int | None = None) -> RoundState:
        r = self.round if round_index is None else round_index
        config = self.config
        return RoundState(
            config.run_id, r, config.mode, config.learning_rate_at(r), self.scales[r], config.probes
        )

    def offer(self, record: Record) -> str | None:
        """Log a record; returns why it was refused, or None if kept."""
        config = self.config
        state = RoundState(config.run_id, record.round, config.mode, 0.0, 1.0, config.probes)
        reason = refusal_reason(record, state)
        if reason is not None:
            return reason
        first = min(self.checkpoints)
        # the rounds just before the first checkpoint still feed later scales and screening
        if record.round < first - self.config.history_rounds:
            return f"round {record.round} is before this replica's first checkpoint window"
        held = self.log.setdefault(record.round, {})
        if record.author in held:
            return "duplicate" if held[record.author] == record else "conflicting duplicate"
        held[record.author] = record
        self._round_codes.pop(record.round, None)
        if record.round < self.round:
            late = max(record.round, first)
            self._stale_from = late if self._stale_from is None else min(self._stale_from, late)
        return None

    def close_round(self) -> None:
        """Apply the current round with the records held for it and move on."""
        self.catch_up()
        self._apply_current()

    def round_codes(self, round_index: int) -> RoundCodes:
        """Who sent a record for this round and whose codes saturate (what screening reads)."""
        if round_index not in self._round_codes:
            codes = {a: rec.codes for a, rec in self.log.get(round_index, {}).items()}
            self._round_codes[round_index] = RoundCodes.of(codes)
        return self._round_codes[round_index]

    def excluded(self, round_index: int) -> frozenset[str]:
        """Authors whose records round ``round_index`` ignores (none without screening)."""
        screen = self.config.screen
        return frozenset() if screen is None else screen.excluded(round_index, self.round_codes)

    def admitted(self, round_index: int) -> list[Record]:
        """The records held for a round that its update (and the scale) use: with screening,
        not those of excluded authors nor the strikes of suspects (screening.py)."""
        held = self.log.get(round_index, {})
        screen = self.config.screen
        if screen is None:
            return list(held.values())
        ignored = screen.ignored(round_index, self.round_codes)
        return [rec for author, rec in held.items() if author not in ignored]

    def _apply_current(self) -> None:
        r = self.round
        self.theta = round_update(self.theta, self.admitted(r), self.state(r))
        self.round = r + 1
        rule = self.config.scale_rule
        first = max(0, self.round - rule.window)
        screen = self.config.screen
        left_out = screen.scale_left_out(r, self.round_codes) if screen else frozenset()
        recent = [(self.scales[k], self._scale_codes(k, left_out)) for k in range(first, r + 1)]
        self.scales.append(rule.next_scale(self.scales[r], recent))
        if self.round % self.config.checkpoint_every == 0:
            self.checkpoints[self.round] = Checkpoint(
                self.round, self.theta.copy(), tuple(self.scales)
            )

    def _scale_codes(self, round_index: int, left_out: frozenset[str]) -> list[int]:
        """A round's codes as the next scale reads them: the admitted records' codes, less
        those of ``left_out`` (ScreenRule.scale_left_out)."""
        admitted = self.admitted(round_index)
        return [code for rec in admitted if rec.author not in left_out for code in rec.codes]

    def catch_up(self) -> None:
        """Replay from the last checkpoint at or before the earliest late record's round."""
        if self._stale_from is None:
            return
        target = self.round
        start = max(k for k in self.checkpoints if k <= self._stale_from)
        self._stale_from = None
        self._restore(self.checkpoints[start])
        while self.round < target:
            self._apply_current()

    def run_to(self, round_index: int) -> None:
        while self.round < round_index:
            self.close_round()

    def checkpoint_hashes(self) -> dict[int, str]:
        self.catch_up()
        return {r: c.sha256 for r, c in sorted(self.checkpoints.items())}

    @classmethod
    def replay(
        cls,
        config: RunConfig,
        layout: ParamLayout,
        theta0: FloatArray,
        records: Iterable[Record],
        rounds: int,
    ) -> Replica:
        """A fresh replica that applies ``rounds`` rounds of a stored log."""
        replica = cls(config, layout, theta0)
        for record in records:
            replica.offer(record)
        replica.run_to(rounds)
        return replica

    @classmethod
    def from_checkpoint(
        cls, config: RunConfig, layout: ParamLayout, checkpoint: Checkpoint
    ) -> Replica:
        """A joining peer: start from a fetched checkpoint (verify its hash first).

        It also needs the records of the ``config.history_rounds`` rounds before the
        checkpoint: they set the scales and the screening of the rounds after it.
        """
        replica = cls(config, layout, checkpoint.theta)
        replica.checkpoints = {checkpoint.round: checkpoint}
        replica._restore(checkpoint)
        return replica
