"""The Overview screen: the node at a glance, sparklines of its last ten minutes (messages
and bytes a second in and out, peers, store size, from the history) and its newest events.
In a replay (``tui/replay.py``) the numbers the history keeps are the past second's."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.widgets import DataTable, Sparkline, Static

from tui import text
from tui.history import RECENT_S, History, Point
from tui.source import Snapshot
from tui.views.events import event_cells

OVERVIEW_EVENTS = 30
"""The newest events the overview shows (the Events screen has the rest)."""


def node_lines(snapshot: Snapshot) -> list[tuple[str, str]]:
    """(label, value) rows describing the node, from its status document (in a replay,
    what the history kept at that second)."""
    data = snapshot.status
    if data is None:
        return [("node", "no status yet: has the node run in this data dir?")]
    point = snapshot.history.last() if snapshot.history else None
    if snapshot.replay_s is not None and point is not None:
        return past_lines(snapshot, point)
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


def past_lines(snapshot: Snapshot, point: Point) -> list[tuple[str, str]]:
    """The node at a replayed second: what the history row holds, the rest as now."""
    assert snapshot.status is not None and snapshot.history is not None
    data, sample = snapshot.status, point.sample
    rejected = sum(p.row.rejections for p in snapshot.history.recent)
    return [
        ("node", f"as it was at {text.clock(point.ts_s * 1000)} (replay; L goes back to live)"),
        ("peer id", data.peer_id or "?"),
        ("role", data.role or "?"),
        ("listen", "\n".join(data.listen_addrs) or "-"),
        ("services", ", ".join(data.services) or "-"),
        ("peers", f"{sample.peers} connected"),
        ("store", text.size(float(sample.store_bytes))),
        ("rejected", f"{rejected} in the {RECENT_S // 60} min before"),
    ]


SPARKS: tuple[tuple[str, str], ...] = (
    ("msgs-in", "msg/s in"),
    ("msgs-out", "msg/s out"),
    ("bytes-in", "B/s in"),
    ("bytes-out", "B/s out"),
    ("peers", "peers"),
    ("store", "store"),
)
"""Each sparkline's id and label, two to a row."""


def spark_series(history: History) -> dict[str, tuple[list[float], str]]:
    """Each sparkline's values over the recent window and its newest value, formatted."""
    points = history.recent
    values = {
        "msgs-in": [p.per_s(p.row.records_in) for p in points],
        "msgs-out": [p.per_s(p.row.records_out) for p in points],
        "bytes-in": [p.per_s(p.row.bytes_in) for p in points],
        "bytes-out": [p.per_s(p.row.bytes_out) for p in points],
        "peers": [p.row.peers for p in points],
        "store": [float(p.row.store_bytes) for p in points],
    }
    out = {}
    for key, vs in values.items():
        last = vs[-1] if vs else 0.0
        if key.startswith("bytes"):
            shown = text.size(last) + "/s"
        elif key == "store":
            shown = text.size(last)
        else:
            shown = f"{last:.1f}" if key.startswith("msgs") else f"{last:.0f}"
        out[key] = (vs, shown)
    return out


def spark_note(history: History | None) -> str:
    if history is None:
        return "history: none written yet (a running node keeps one row a second)"
    end, oldest = text.clock(history.end_s * 1000), text.clock(history.oldest_s * 1000)
    return f"last {RECENT_S // 60} min to {end} (history kept from {oldest}; [ steps back)"


class OverviewView(Vertical):
    """The node's status lines above its event log (newest first)."""

    DEFAULT_CSS = """
    OverviewView #node-info { height: auto; padding: 0 1; }
    OverviewView #spark-note { height: 1; padding: 0 1; color: $text-muted; }
    OverviewView #sparks { grid-size: 2; grid-columns: 1fr 1fr; height: 3; padding: 0 1; }
    OverviewView .spark { height: 1; }
    OverviewView .spark-label { width: 10; }
    OverviewView .spark Sparkline { width: 1fr; }
    OverviewView .spark-value { width: 10; text-align: right; padding-right: 1; }
    OverviewView #recent-events { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="node-info")
        yield Static(id="spark-note")
        with Grid(id="sparks"):
            for key, label in SPARKS:
                with Horizontal(classes="spark"):
                    yield Static(label, classes="spark-label")
                    yield Sparkline([], id=f"spark-{key}")
                    yield Static("-", id=f"value-{key}", classes="spark-value")
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
        self.query_one("#spark-note", Static).update(spark_note(snapshot.history))
        history = snapshot.history
        drawn = spark_series(history) if history else {}
        for key, _ in SPARKS:
            values, shown = drawn.get(key, ([], "-"))
            self.query_one(f"#spark-{key}", Sparkline).data = values
            self.query_one(f"#value-{key}", Static).update(shown)
        table: DataTable[Any] = self.query_one("#recent-events", DataTable)
        cursor = table.cursor_row
        table.clear()
        for event in snapshot.events[:OVERVIEW_EVENTS]:
            table.add_row(*event_cells(event, self.app.size.width))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
