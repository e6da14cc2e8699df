"""Pure formatting for the screens: no textual, no store (numbers and times: ``node.cli.text``)."""

from __future__ import annotations

from node.cli.text import clock, duration, size

__all__ = ["ago", "clip", "clock", "duration", "short_peer", "size"]


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
