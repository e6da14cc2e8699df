"""The learning-rate schedule: η_r as a pure function of the round index.

Linear warmup, then linear decay to a floor. Only IEEE-754 ``+ − × ÷`` on Python floats
(float64, correctly rounded everywhere), so every device computes the same η_r bit for bit;
a cosine schedule would go through libm's ``cos``, which is not correctly rounded and may
differ by an ulp between platforms, and one ulp in η_r makes replicas diverge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LearningRateSchedule:
    """η_r = η · factor(r); the default (all zeros, floor 1) is a constant η."""

    warmup_rounds: int = 0
    """factor rises linearly from 1/warmup to 1 over rounds 0..warmup−1."""
    decay_rounds: int = 0
    """factor falls linearly from 1 at ``warmup_rounds`` to ``floor`` at this round (0: never)."""
    floor: float = 1.0
    """factor after ``decay_rounds`` (and its end point); 1.0 means no decay."""

    def __post_init__(self) -> None:
        if self.warmup_rounds < 0 or self.decay_rounds < 0:
            raise ValueError("warmup_rounds and decay_rounds must be >= 0")
        if self.decay_rounds and self.decay_rounds <= self.warmup_rounds:
            raise ValueError("decay_rounds must be after warmup_rounds")
        if not 0.0 <= self.floor <= 1.0:
            raise ValueError("floor must be in [0, 1]")
        if self.floor < 1.0 and not self.decay_rounds:
            raise ValueError("a floor below 1 needs decay_rounds")

    def factor(self, round_index: int) -> float:
        if round_index < 0:
            raise ValueError("round must be >= 0")
        if round_index < self.warmup_rounds:
            return (round_index + 1) / self.warmup_rounds
        if not self.decay_rounds:
            return 1.0
        if round_index >= self.decay_rounds:
            return self.floor
        progress = (round_index - self.warmup_rounds) / (self.decay_rounds - self.warmup_rounds)
        return 1.0 - (1.0 - self.floor) * progress
