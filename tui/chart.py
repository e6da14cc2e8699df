"""A compact text chart (textual has no plot widget here): a title with the newest value,
rows of block-character bars (eight levels a cell) with the range on the left, and the
first and last times under it. A rich renderable, so it fills the width (and, where the
widget's height is fixed, the height) of whatever Static shows it, and a snapshot test
sees exactly what an operator sees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

BLOCKS = " ▁▂▃▄▅▆▇█"
"""A cell's fill, in eighths."""
AXIS = 8
"""Columns of the range labels on the left (and the space after them)."""


def fit(values: Sequence[float | None], width: int) -> list[float | None]:
    """``values`` in at most ``width`` columns: each column the mean of the known values
    it covers (None where none is known)."""
    n = len(values)
    if n <= width:
        return list(values)
    out: list[float | None] = []
    for c in range(width):
        known = [v for v in values[c * n // width : (c + 1) * n // width] if v is not None]
        out.append(sum(known) / len(known) if known else None)
    return out


def bars(values: Sequence[float | None], height: int) -> list[str]:
    """``height`` lines of block characters, top first; the smallest known value still
    shows one eighth, a constant series half the height."""
    known = [v for v in values if v is not None]
    lo, hi = (min(known), max(known)) if known else (0.0, 0.0)
    steps = height * 8
    levels = []
    for v in values:
        if v is None:
            levels.append(0)
        elif hi == lo:
            levels.append(steps // 2)
        else:
            levels.append(1 + round((v - lo) / (hi - lo) * (steps - 1)))
    lines = []
    for row in range(height - 1, -1, -1):  # the top row first
        lines.append("".join(BLOCKS[max(0, min(8, lvl - row * 8))] for lvl in levels))
    return lines


@dataclass
class Chart:
    """``values`` oldest first, ``label`` formats a value, ``start``/``end`` name the
    first and last point (clock times); ``note`` replaces the bars when nothing is known.
    ``height`` None: as many bar rows as the widget showing it has, less the title and the
    times (3 where its height is not fixed)."""

    title: str
    values: Sequence[float | None]
    label: Callable[[float], str] = lambda v: f"{v:g}"
    start: str = ""
    end: str = ""
    height: int | None = None
    style: str = ""
    note: str = "nothing recorded yet"

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(AXIS + 4, options.max_width)
        known = [v for v in self.values if v is not None]
        head = Text(self.title, style="bold")
        if known:
            head.append(f"  {self.label(known[-1])}")
        head.truncate(width)
        yield head
        if not known:
            yield Text(self.note, style="dim")
            return
        plot = width - AXIS
        columns = fit(self.values, plot)
        top, bottom = self.label(max(known)), self.label(min(known))
        height = self.height or max(1, (options.height or 5) - 2)
        for i, line in enumerate(bars(columns, height)):
            axis = top if i == 0 else bottom if i == height - 1 else ""
            row = Text(axis[: AXIS - 1].rjust(AXIS - 1) + " ", style="dim")
            row.append(line, style=self.style)
            yield row
        span = len(columns)
        gap = max(1, span - len(self.start) - len(self.end))
        times = " " * AXIS + (self.start + " " * gap + self.end if span > 12 else self.end)
        yield Text(times[:width], style="dim")
