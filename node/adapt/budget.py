"""``AdaptBudget``: when the adapt service may work, as the operator set it.

Adaptation costs CPU and memory (a device predicts and uploads a batch every
``batch_interval``; a cloud loads torch, ~750 MB, and learns from every upload), so it does
nothing until ``byteswarm adapt start`` (control command ``AdaptStart``). A start may carry a
budget of samples (a device counts the images it processes, a cloud the images it learns
from) and/or minutes; adaptation stops by itself when either is spent, or at
``byteswarm adapt stop``. The budget lives in the daemon's memory: a restarted node is idle
until started again. Both roles report it in their status under ``budget``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import msgspec

from node.wire.control import AdaptStart, AdaptStop, decode_command
from node.wire.status.services import BudgetStatus

NOT_STARTED = "not started (byteswarm adapt start)"


@dataclass
class AdaptBudget:
    """Whether adaptation runs, and what it may still spend."""

    running: bool = False
    samples: int | None = None
    """Samples this start may process; None: no limit."""
    minutes: float | None = None
    """Minutes this start may run; None: no limit."""
    spent: int = 0
    started_at: float = 0.0
    note: str = NOT_STARTED

    def start(
        self, samples: int | None = None, minutes: float | None = None, now: float | None = None
    ) -> None:
        """Run from now on, within ``samples`` and ``minutes`` (None: no limit); a start
        while running replaces the budget and counts from zero again."""
        if samples is not None and samples < 1:
            raise ValueError("--samples must be at least 1")
        if minutes is not None and not (math.isfinite(minutes) and minutes > 0):
            raise ValueError("--minutes must be a positive number")
        self.running, self.samples, self.minutes, self.spent = True, samples, minutes, 0
        self.started_at = time.time() if now is None else now
        self.note = "running"

    def stop(self, why: str = "stopped by the operator") -> None:
        if self.running:
            self.running, self.note = False, why

    def allows(self, now: float | None = None) -> bool:
        """Whether adaptation may do more work now (it stops itself once a limit is spent)."""
        if not self.running:
            return False
        if self.samples is not None and self.spent >= self.samples:
            self.stop(f"done: the budget of {self.samples} samples is spent")
        elif self.minutes is not None and self._elapsed(now) >= self.minutes * 60:
            self.stop(f"done: the budget of {self.minutes:g} minutes is spent")
        return self.running

    def spend(self, samples: int) -> None:
        self.spent += samples

    def _elapsed(self, now: float | None) -> float:
        return (time.time() if now is None else now) - self.started_at

    def status(self, now: float | None = None) -> BudgetStatus:
        self.allows(now)
        left = None
        if self.running and self.minutes is not None:
            left = max(0.0, self.minutes - self._elapsed(now) / 60)
        return BudgetStatus(
            running=self.running,
            note=self.note,
            samples=self.spent,
            samples_limit=self.samples,
            minutes_limit=self.minutes,
            minutes_left=left,
        )

    def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """``AdaptStart`` (samples and minutes, both optional) or ``AdaptStop``: the budget's
        status after it (as plain data: it is the control row's result); None for any other
        command."""
        if command == AdaptStart.command:
            start = decode_command(AdaptStart, args)
            self.start(start.samples, start.minutes)
        elif command == AdaptStop.command:
            self.stop()
        else:
            return None
        result: dict[str, Any] = msgspec.to_builtins(self.status())
        return result


def describe(budget: BudgetStatus) -> str:
    """One line for ``byteswarm adapt status|start|stop``."""
    if not budget.running:
        return f"adaptation idle: {budget.note or NOT_STARTED}"
    limits = []
    if budget.samples_limit is not None:
        limits.append(f"{budget.samples} of {budget.samples_limit} samples")
    else:
        limits.append(f"{budget.samples} samples")
    if budget.minutes_left is not None and budget.minutes_limit is not None:
        limits.append(f"{budget.minutes_left:.1f} of {budget.minutes_limit:g} min left")
    else:
        limits.append("until byteswarm adapt stop")
    return "adaptation running: " + ", ".join(limits)
