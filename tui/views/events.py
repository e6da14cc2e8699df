"""The Events screen: the node's event log, newest first, coloured by severity; ``/``
filters by level, kind or message (any case)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from node.store.rows import EventRow
from tui import text
from tui.source import Snapshot

LEVEL_STYLE = {"warning": "yellow", "error": "bold red", "critical": "bold red"}
OTHER_COLUMNS = 36
"""Columns the time, level and kind take (with padding): the message gets the rest."""


def matching_events(events: list[EventRow], needle: str) -> list[EventRow]:
    """The events whose level, kind or message contains ``needle`` (any case)."""
    needle = needle.strip().lower()
    return [e for e in events if not needle or needle in f"{e.level} {e.kind} {e.message}".lower()]


def event_cells(event: EventRow, width: int = 200) -> tuple[str | Text, ...]:
    """One event's row in a ``width``-column terminal (the message clipped to fit)."""
    level = Text(event.level, style=LEVEL_STYLE.get(event.level, ""))
    message = text.clip(event.message, max(24, width - OTHER_COLUMNS))
    return (text.clock(event.ts_ms), level, event.kind, message)


class EventsView(Vertical):
    """A filter box, a count line and the event table."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("escape", "leave_filter", "Leave the box", show=False),
    ]
    DEFAULT_CSS = """
    EventsView #events-filter { height: 3; }
    EventsView #events-count { height: 1; padding: 0 1; }
    EventsView #events-table { height: 1fr; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="/ filter: level, kind, message", id="events-filter")
        yield Static(id="events-count")
        table: DataTable[Any] = DataTable(id="events-table", cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "level", "kind", "message")
        yield table

    def action_filter(self) -> None:
        self.query_one("#events-filter", Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#events-table", DataTable).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_leave_filter()

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._redraw()

    def _redraw(self) -> None:
        if self.snapshot is None:
            return
        needle = self.query_one("#events-filter", Input).value
        events = matching_events(self.snapshot.events, needle)
        count = f"{len(self.snapshot.events)} newest events"
        if needle.strip():
            count += f"; {len(events)} match {needle.strip()!r}"
        self.query_one("#events-count", Static).update(count)
        table: DataTable[Any] = self.query_one("#events-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for event in events:
            table.add_row(*event_cells(event, self.app.size.width))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
