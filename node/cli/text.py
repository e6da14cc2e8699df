"""Numbers and times as an operator reads them: one place for the CLI and the TUI."""

from __future__ import annotations

import time


def duration(seconds: float) -> str:
    """``42s``, ``3m 05s``, ``2h 07m``."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


def size(n: float) -> str:
    """Bytes in decimal units: ``512 B``, ``1.5 MB``."""
    for unit in ("B", "KB", "MB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"


def clock(ts_ms: int) -> str:
    """Local wall-clock time of day."""
    return time.strftime("%H:%M:%S", time.localtime(ts_ms / 1000))
