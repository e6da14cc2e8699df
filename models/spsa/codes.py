"""The one-byte code of a projected gradient and the scale that gives a byte its meaning.

``q = clip(round(g / s_r), −127, 127)``; s_r is a pure function of earlier rounds' accepted
codes (the median of the reconstructed |g| over a window, divided by 32, as measured in
papers.md), so every replica holding the same log uses the same scale.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

CODE_MAX = 127


def encode(g: float, scale: float) -> int | None:
    """One-byte code of g, or None when g is not finite (such a record is refused)."""
    if not math.isfinite(g) or not (math.isfinite(scale) and scale > 0):
        return None
    return int(np.clip(np.rint(g / scale), -CODE_MAX, CODE_MAX))


def encode_sign(g: float) -> int | None:
    """Sign-only code (the signSGD-like baseline): −1, 0 or +1."""
    if not math.isfinite(g):
        return None
    return int(np.sign(g))


@dataclass(frozen=True)
class ScaleRule:
    """How s_r follows from the codes of the rounds before r."""

    initial: float
    """s_0: the scale before any round has been seen."""
    window: int = 8
    """How many earlier rounds' codes feed the median."""
    divisor: float = 32.0
    """A median |g| lands on this code, leaving ×4 headroom before clipping at 127."""
    adaptive: bool = True
    """False keeps s_r = initial for ever (the sign-only baseline)."""

    def next_scale(self, previous: float, recent: Sequence[tuple[float, Sequence[int]]]) -> float:
        """s_r from s_{r−1} and (scale, codes) of up to ``window`` latest closed rounds.

        Falls back to the previous scale when the window holds no non-zero code, so the
        scale never collapses to zero.
        """
        if not self.adaptive:
            return self.initial
        magnitudes = [abs(code) * scale for scale, codes in recent for code in codes]
        if not magnitudes:
            return previous
        median = float(np.median(np.asarray(magnitudes, dtype=np.float64)))
        return median / self.divisor if median > 0 else previous
