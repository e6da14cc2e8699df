"""Device-side prompt validation: a pure accept/reject check that never raises.

Shape, dtype (fp16 byte count), hash, finiteness, a norm bound around the neutral prompt,
a strictly newer version, and a signer hook for the node. The last good prompt is kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from models.adapt.payload import PromptPayload, decode_prompt
from models.adapt.prompts import PromptFamily

SignerCheck = Callable[[PromptPayload], bool]


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str


@dataclass
class PromptValidator:
    family: PromptFamily
    norm_bound: float
    """Largest allowed L2 distance from the neutral prompt."""
    signer_check: SignerCheck | None = None
    """The node plugs the signature check in here; None accepts any signer."""
    current: NDArray[np.float32] = field(init=False)
    version: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        self.current = self.family.neutral()

    def check(self, payload: PromptPayload) -> tuple[Verdict, NDArray[np.float32] | None]:
        """Judge without changing state."""
        if payload.family != self.family.name:
            return Verdict(False, f"family {payload.family!r} is not {self.family.name!r}"), None
        if len(payload.data) != 2 * self.family.size:
            return Verdict(False, f"{len(payload.data)} bytes, want {2 * self.family.size}"), None
        if hashlib.sha256(payload.data).hexdigest() != payload.sha256:
            return Verdict(False, "sha256 mismatch"), None
        if payload.version <= self.version:
            return Verdict(False, f"version {payload.version} <= {self.version}"), None
        flat = decode_prompt(payload)
        if not np.all(np.isfinite(flat)):
            return Verdict(False, "non-finite values"), None
        norm = float(np.linalg.norm(flat - self.family.neutral()))
        if norm > self.norm_bound:
            return Verdict(False, f"norm {norm:.3g} > bound {self.norm_bound:.3g}"), None
        if self.signer_check is not None and not self.signer_check(payload):
            return Verdict(False, "signer rejected"), None
        return Verdict(True, "ok"), flat

    def offer(self, payload: PromptPayload) -> Verdict:
        """Apply the prompt if it passes; otherwise keep the last good one."""
        try:
            verdict, flat = self.check(payload)
        except Exception as exc:  # untrusted input must never crash the device
            return Verdict(False, f"malformed: {exc}")
        if flat is not None:
            self.current, self.version = flat, payload.version
        return verdict
