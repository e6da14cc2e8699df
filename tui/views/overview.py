"""The Overview screen: the node at a glance and its newest events."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui import text
from tui.source import Snapshot
from tui.views.events import event_cells

OVERVIEW_EVENTS = 30
"""The newest events the overview shows (the Events screen has the rest)."""


def node_lines(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(label, value) rows describing the node, from its status document."""
    data = snapshot.status
    if data is None:
        return [("node", "no status yet: has the node run in this data dir?")]
    if data.running:
        state = f"running (pid {data.pid}, up {text.duration(data.uptime_s)})"
    else:
        state = (
            f"not running (last status {text.duration(data.age_s)} ago);"
            f" start it with: byteswarm run --data-dir {data.data_dir or '…'}"
        )
    store = "-" if data.store_bytes is None else text.size(float(data.store_bytes))
    rejections = data.peers.rejections
    return [
        ("node", state),
        ("peer id", data.peer_id or "?"),
        ("role", data.role or "?"),
        ("listen", "\n".join(data.listen_addrs) or "-"),
        ("services", ", ".join(data.services) or "-"),
        ("peers", f"{len(data.connected_peers)} connected"),
        ("store", f"{store}, {sum(data.records.values())} records"),
        ("rejected", ", ".join(f"{n} {c}" for c, n in sorted(rejections.items())) or "none"),
    ]


class OverviewView(Vertical):
    """The node's status lines above its event log (newest first)."""

    DEFAULT_CSS = """
    OverviewView #node-info { height: auto; padding: 0 1; margin-bottom: 1; }
    OverviewView #recent-events { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="node-info")
        table: DataTable[Any] = DataTable(id="recent-events", cursor_type="row", zebra_stripes=True)
        table.add_columns("time", "level", "kind", "message")
        yield table

    def show(self, snapshot: Snapshot) -> None:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")  # a long address folds in its column
        for label, value in node_lines(snapshot):
            grid.add_row(label, value)
        self.query_one("#node-info", Static).update(grid)
        table: DataTable[Any] = self.query_one("#recent-events", DataTable)
        cursor = table.cursor_row
        table.clear()
        for event in snapshot.events[:OVERVIEW_EVENTS]:
            table.add_row(*event_cells(event, self.app.size.width))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
