"""Pure formatting for the screens: no textual, no store."""

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


def ago(ts_ms: int, now_ms: int) -> str:
    """How long before ``now_ms``: ``just now``, ``12s ago``."""
    seconds = max(0, now_ms - ts_ms) / 1000
    return "just now" if seconds < 1 else f"{duration(seconds)} ago"


def short_peer(peer_id: str, keep: int = 12) -> str:
    """A peer id cut to its last ``keep`` characters (where ids differ), with an ellipsis."""
    return peer_id if len(peer_id) <= keep + 1 else "…" + peer_id[-keep:]


def clip(line: str, width: int) -> str:
    """``line`` cut to ``width`` characters, an ellipsis marking the cut."""
    return line if len(line) <= width else line[: max(0, width - 1)] + "…"
