"""Replay: a node's screens as they were at a past second, from the history it retained.

The pane's ``Replayer`` (``tui/replayer.py``) holds the second shown and asks its source,
from a worker, for the history up to then and the events logged by then (``Source.past``);
``past`` makes the snapshot the screens draw, ``Playback`` says which second a playing
replay has reached. The status document, the peers and the services'
sections are only kept as they are now: a past snapshot keeps the peers first seen by
then and the runs the history knew then (at their past round), and the screens take the
rest from the history's point at that second, or show ``-`` where nothing was kept.
"""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass

import msgspec

from node.store.rows import EventRow
from tui import text
from tui.history import History
from tui.source import Snapshot

STEP_S = 10
"""``[`` and ``]`` move by this."""
BIG_STEP_S = 300
"""``{`` and ``}`` move by this."""
SPEEDS = (1, 10, 60, 600)
"""How fast ``P`` plays a replay (seconds of history a second); ``+`` and ``-`` pick one."""
_RELATIVE = re.compile(r"^-(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def past(live: Snapshot, history: History | None, events: list[EventRow], ts_s: int) -> Snapshot:
    """``live`` as it was at ``ts_s`` (see the module's docstring)."""
    at_ms = ts_s * 1000 + 999
    point = history.last() if history else None
    finetune = live.finetune
    if finetune is not None:
        known = point.sample.runs if point else {}
        runs = {
            run_id: msgspec.structs.replace(
                run,
                round=known[run_id].round,
                checkpoints={
                    r: c for r, c in run.checkpoints.items() if int(r) <= known[run_id].round
                },
            )
            for run_id, run in finetune.runs.items()
            if run_id in known
        }
        finetune = msgspec.structs.replace(finetune, runs=runs)
    return dataclasses.replace(
        live,
        now_ms=ts_s * 1000,
        peers=[p for p in live.peers if p.first_seen_ms <= at_ms],
        events=events,
        finetune=finetune,
        history=history,
        replay_s=ts_s,
    )


def clamp(history: History | None, ts_s: int) -> tuple[int | None, str]:
    """The second to show for ``ts_s``: the nearest the history holds (None: it holds
    none), and what to tell the operator about it ("" when ``ts_s`` is held)."""
    if history is None:
        return None, "no history kept yet: nothing to replay"
    clamped = max(history.oldest_s, min(ts_s, history.newest_s))
    if clamped == ts_s:
        return clamped, ""
    kept = f"{text.clock(history.oldest_s * 1000)}-{text.clock(history.newest_s * 1000)}"
    return clamped, f"the history holds {kept}: showing the nearest second"


def banner(ts_s: int, now_ms: int, speed: int = SPEEDS[0], playing: bool = False) -> str:
    """``REPLAY 14:02:10 (-00:12:30) PAUSED 1x`` or ``PLAYING 10x``, and the keys (fits 78
    columns, an 80-column terminal's banner)."""
    behind = max(0, now_ms // 1000 - ts_s)
    offset = f"-{behind // 3600:02d}:{behind % 3600 // 60:02d}:{behind % 60:02d}"
    state = f"PLAYING {speed}x; P pause" if playing else f"PAUSED {speed}x; P play"
    return f"REPLAY {text.clock(ts_s * 1000)} ({offset}) {state}, +/- speed, [ ] step, L live"


@dataclass(frozen=True)
class Playback:
    """A replay playing forward: from second ``from_s`` at clock reading ``at`` (seconds,
    monotonic), ``speed`` seconds of history a second."""

    from_s: float
    at: float
    speed: int

    def position(self, now: float) -> float:
        """The second (with its fraction) the replay has reached at clock reading ``now``."""
        return self.from_s + self.speed * max(0.0, now - self.at)

    def at_speed(self, speed: int, now: float) -> Playback:
        """Go on from where it is at ``now``, at ``speed``."""
        return Playback(self.position(now), now, speed)


def next_speed(speed: int, step: int) -> int:
    """The speed ``step`` places up (``+``) or down (``-``) ``SPEEDS``, held at either end."""
    i = SPEEDS.index(speed) if speed in SPEEDS else 0
    return SPEEDS[max(0, min(len(SPEEDS) - 1, i + step))]


def parse_when(when: str, now_s: int) -> int:
    """The second an operator means: ``-10m``, ``-1h30m``, ``-90s`` (before ``now_s``),
    ``14:02`` or ``14:02:10`` (local time, the latest such time not after ``now_s``), or
    ``2027-01-15 14:02[:10]``. Raises ValueError with a one-line reason."""
    when = when.strip()
    relative = _RELATIVE.match(when)
    if relative and when != "-":
        h, m, s = (int(g or 0) for g in relative.groups())
        return now_s - (3600 * h + 60 * m + s)
    parts = when.split(":")
    if 2 <= len(parts) <= 3 and all(p.isdigit() and len(p) <= 2 for p in parts):
        h, m, s = (int(p) for p in [*parts, "0"][:3])
        if h > 23 or m > 59 or s > 59:
            raise ValueError(f"not a time of day: {when!r}")
        day = time.localtime(now_s)
        t = int(time.mktime((*day[:3], h, m, s, 0, 0, -1)))
        return t if t <= now_s else t - 86400
    for form in _FORMATS:
        try:
            return int(time.mktime(time.strptime(when, form)))
        except ValueError:
            continue
    raise ValueError(f"not a time: {when!r} (try -10m, 14:02:10 or 2027-01-15 14:02)")
