"""The Swarm screen (several data dirs): every node side by side, one row each: its peer
id, role, connected peers, records, services and whether it runs (or the second a replay
shows on its tab). Redrawn from the panes' own snapshots, so it reads no store itself."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui import text
from tui.source import Snapshot, Source

COLUMNS = ("node", "peer id", "role", "peers", "records", "services", "state")
REDRAW_S = 1.0


class NodeLike(Protocol):
    source: Source
    snapshot: Snapshot | None


def swarm_row(name: str, snapshot: Snapshot | None) -> tuple[str, ...]:
    status = snapshot.status if snapshot else None
    if status is None:
        return (name, "-", "-", "-", "-", "-", "no status yet")
    state = "running" if status.running else "stopped"
    peers = len(status.connected_peers)
    point = snapshot.history.last() if snapshot and snapshot.history else None
    if snapshot is not None and snapshot.replay_s is not None:
        state += f"; replay {text.clock(snapshot.replay_s * 1000)}"
        peers = point.sample.peers if point else peers
    return (
        name,
        text.short_peer(status.peer_id or "?"),
        status.role or "?",
        str(peers),
        str(sum(status.records.values())),
        ", ".join(status.services) or "-",
        state,
    )


class SwarmView(Vertical):
    """A count line and one row per node (1-9 opens one, w comes back)."""

    DEFAULT_CSS = """
    SwarmView #swarm-summary { height: auto; padding: 0 1; }
    SwarmView #swarm-table { height: 1fr; }
    """

    def __init__(self, nodes: Sequence[NodeLike], **kw: Any) -> None:
        super().__init__(**kw)
        self.nodes = list(nodes)

    def compose(self) -> ComposeResult:
        yield Static(id="swarm-summary")
        table: DataTable[str] = DataTable(id="swarm-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(REDRAW_S, self.redraw)

    def redraw(self) -> None:
        rows = [swarm_row(n.source.data_dir.name, n.snapshot) for n in self.nodes]
        running = sum(r[-1].startswith("running") for r in rows)
        summary = f"{len(rows)} nodes, {running} running; 1-{len(rows)} opens one, w comes back"
        self.query_one("#swarm-summary", Static).update(summary)
        table: DataTable[str] = self.query_one("#swarm-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for i, row in enumerate(rows, 1):
            table.add_row(*row, key=str(i))
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
