"""The node's retained history as the screens draw it: two windows of the ``history``
table (``node/store/history.py``), downsampled in SQL, each point's sample decoded, and
the series the sparklines and curves plot.

``recent`` is the last ``RECENT_S`` seconds before the end (the Overview's sparklines),
``span`` everything retained up to the end (the Training and Adapt curves). The end is
the newest second written, or the second a replay shows (``tui/replay.py``).

Reading the whole window scans every retained row (48 h: ~0.15-0.3 s on a loaded
machine), so a live view (``refresh``) reads it on its second look, not its first (the
first paint does not wait for it), then again only when ``SPAN_EVERY_S`` more seconds are
kept; the recent window (600 rows) is read whenever the newest second moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec

from node.store.history import HistoryRow
from node.wire.status.history import HistorySample, decode_sample

RECENT_S = 600
"""The sparklines' window: the last ten minutes."""
POINTS = 120
"""Points a window is downsampled to (wider than an 80-column sparkline)."""
SPAN_EVERY_S = 30
"""A live view re-reads the whole window when this many more seconds are kept."""


@dataclass(frozen=True)
class Point:
    """One bucket: its summed/averaged columns and its last second's sample."""

    row: HistoryRow
    sample: HistorySample

    @property
    def ts_s(self) -> int:
        return self.row.ts_s

    def per_s(self, count: int) -> float:
        """``count`` over the bucket, per second the node ran in it."""
        return count / max(1, self.row.seconds)


@dataclass(frozen=True)
class History:
    """What the history holds from ``oldest_s`` to ``newest_s``, drawn up to ``end_s``."""

    oldest_s: int
    newest_s: int
    end_s: int
    recent: tuple[Point, ...]
    span: tuple[Point, ...]
    span_pending: bool = False
    """The whole window is not read yet (a live view's first look)."""

    def last(self) -> Point | None:
        """The point at (or the newest before) ``end_s``."""
        points = self.recent or self.span
        return points[-1] if points else None


class HistoryReads(Protocol):
    """The two reads of ``node.store.history.HistoryTables`` this module needs."""

    def read_history(self, t0_s: int, t1_s: int, points: int) -> list[HistoryRow]: ...

    def history_bounds(self) -> tuple[int, int] | None: ...


def load(store: HistoryReads, until_s: int | None = None) -> History | None:
    """The history up to ``until_s`` (clamped to what is retained; None: the newest
    second); None while the table is empty."""
    bounds = store.history_bounds()
    if bounds is None:
        return None
    oldest, newest = bounds
    end = newest if until_s is None else max(oldest, min(until_s, newest))
    recent = decode(store.read_history(end - RECENT_S + 1, end, POINTS))
    span = decode(store.read_history(oldest, end, POINTS))
    return History(oldest, newest, end, recent, span)


def refresh(store: HistoryReads, previous: History | None) -> History | None:
    """The live history after ``previous`` (see the module's docstring)."""
    bounds = store.history_bounds()
    if bounds is None:
        return None
    oldest, newest = bounds
    recent = decode(store.read_history(newest - RECENT_S + 1, newest, POINTS))
    if previous is None:
        return History(oldest, newest, newest, recent, (), span_pending=True)
    span = previous.span
    read_to = span[-1].ts_s if span else None
    if previous.span_pending or read_to is None or newest - read_to >= SPAN_EVERY_S:
        span = decode(store.read_history(oldest, newest, POINTS))
    return History(oldest, newest, newest, recent, span)


def decode(rows: Sequence[HistoryRow]) -> tuple[Point, ...]:
    """The rows with their samples decoded. A sample that breaks its type is left out (the
    chart has a gap) rather than refusing the whole window: one bad second in 48 h must
    not hide the rest, and the status document still goes through the strict reader."""
    points = []
    for row in rows:
        try:
            points.append(Point(row, decode_sample(row.sample)))
        except (msgspec.ValidationError, msgspec.DecodeError):
            continue
    return tuple(points)


def run_ids(points: Sequence[Point]) -> list[str]:
    """The finetune runs the points mention, in order of first appearance."""
    seen: dict[str, None] = {}
    for p in points:
        seen.update(dict.fromkeys(p.sample.runs))
    return list(seen)


def bytes_per_round(points: Sequence[Point], run_id: str) -> list[float | None]:
    """Bytes in and out (every topic: the row keeps per-topic bytes only for its last
    second) since ``run_id`` last advanced, over the rounds it advanced, at each point it
    did; None elsewhere."""
    out: list[float | None] = []
    before: int | None = None
    spent = 0
    for p in points:
        run = p.sample.runs.get(run_id)
        if run is None:
            out.append(None)
            continue
        spent += p.row.bytes_in + p.row.bytes_out
        advanced = 0 if before is None else run.round - before
        out.append(spent / advanced if advanced > 0 else None)
        if advanced or before is None:
            spent = 0
        before = run.round
    return out
