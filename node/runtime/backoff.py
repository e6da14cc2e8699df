"""A delay that doubles while nothing happens and drops back when something does."""

from __future__ import annotations


class Backoff:
    """``delay`` starts at ``base``, doubles on each ``lengthen()`` up to ``cap``, and
    returns to ``base`` on ``reset()``."""

    def __init__(self, base: float, cap: float) -> None:
        if not 0 < base <= cap:
            raise ValueError(f"need 0 < base <= cap, got base={base}, cap={cap}")
        self.base = base
        self.cap = cap
        self.delay = base

    def lengthen(self) -> None:
        self.delay = min(self.delay * 2, self.cap)

    def reset(self) -> None:
        self.delay = self.base
