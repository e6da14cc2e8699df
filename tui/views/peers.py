"""The Peers screen: every peer this node has seen, connected ones first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui import text
from tui.source import Snapshot

COLUMNS = ("peer", "connected", "last seen", "rejections", "addresses")


def peer_rows(snapshot: Snapshot) -> list[tuple[str, ...]]:
    """One row per peer, in the store's order (connected first, then most recent)."""
    rows: list[tuple[str, ...]] = []
    for peer in snapshot.peers:
        causes = snapshot.rejections(peer.peer_id)
        refused = ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) or "-"
        rows.append(
            (
                text.short_peer(peer.peer_id),
                "yes" if peer.connected else "no",
                text.ago(peer.last_seen_ms, snapshot.now_ms),
                refused,
                " ".join(peer.addrs) or "-",
            )
        )
    return rows


class PeersView(Vertical):
    """A count line and the peers table (rows keyed by full peer id)."""

    DEFAULT_CSS = """
    PeersView #peers-count { height: 1; padding: 0 1; }
    PeersView #peers-table { height: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="peers-count")
        table: DataTable[str] = DataTable(id="peers-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table

    def show(self, snapshot: Snapshot) -> None:
        connected = sum(p.connected for p in snapshot.peers)
        seen = len(snapshot.peers)
        count = f"{seen} peer{'' if seen == 1 else 's'} seen, {connected} connected"
        if not snapshot.peers:
            count = "no peers seen yet"
        self.query_one("#peers-count", Static).update(count)
        table: DataTable[str] = self.query_one("#peers-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for peer, row in zip(snapshot.peers, peer_rows(snapshot), strict=True):
            table.add_row(*row, key=peer.peer_id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
