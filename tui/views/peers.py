"""The Peers screen: every peer this node has seen, connected ones first.

Columns: peer, connected, direction (who dialed: ``in``, ``out``, ``both``), last seen,
records in and out, rejections (all causes), rate-limited, ``behind`` (topics this node has
yet to pull from it, and for how long) and ``lag`` (records it has yet to pull from us), then
addresses; ``node/runtime/peer_stats.py`` defines each. ``/`` filters (peer id, address,
direction or rejection cause, any case), ``r`` sorts by the next column (a header click
sorts by that one), Escape leaves the filter box, Enter opens the selected peer
(``peer_detail.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from node.store.rows import PeerRow
from node.wire.status.node import PeerTrafficStatus
from tui import text
from tui.source import Snapshot
from tui.views.peer_detail import PeerDetail, traffic

COLUMNS = (
    "peer",
    "conn",
    "dir",
    "last seen",
    "in",
    "out",
    "refused",
    "rate-ltd",
    "behind",
    "lag",
    "addresses",
)
SHORT_DIRECTION = {"inbound": "in", "outbound": "out", "both": "both", "unknown": "?"}


def _behind(t: PeerTrafficStatus) -> tuple[int, float]:
    return (-t.behind_topics, -t.behind_s)


SORTS: tuple[Callable[[PeerRow, Snapshot], Any], ...] = (
    lambda p, s: p.peer_id,
    lambda p, s: (not p.connected, p.peer_id),
    lambda p, s: (not traffic(s, p.peer_id).direction, traffic(s, p.peer_id).direction),
    lambda p, s: -p.last_seen_ms,
    lambda p, s: -traffic(s, p.peer_id).records_in,
    lambda p, s: -traffic(s, p.peer_id).records_out,
    lambda p, s: -sum(s.rejections(p.peer_id).values()),
    lambda p, s: -s.rejections(p.peer_id).get("rate_limited", 0),
    lambda p, s: _behind(traffic(s, p.peer_id)),
    lambda p, s: -(traffic(s, p.peer_id).their_lag or 0),
    lambda p, s: " ".join(p.addrs),
)
"""The order of each column, most interesting first."""


def refused(snapshot: Snapshot, peer_id: str) -> str:
    causes = snapshot.rejections(peer_id)
    return ", ".join(f"{n} {c}" for c, n in sorted(causes.items())) or "-"


def behind(t: PeerTrafficStatus) -> str:
    """``2t 14s``: topics we have yet to pull from it, waiting that long; ``-`` in sync."""
    return f"{t.behind_topics}t {text.duration(t.behind_s)}" if t.behind_topics else "-"


def visible_peers(snapshot: Snapshot, needle: str = "", sort: int | None = None) -> list[PeerRow]:
    """The peers that match ``needle``, in the store's order or by column ``sort``."""
    needle = needle.strip().lower()
    peers = [
        p
        for p in snapshot.peers
        if not needle
        or needle in p.peer_id.lower()
        or any(needle in a.lower() for a in p.addrs)
        or needle in refused(snapshot, p.peer_id).lower()
        or (needle in traffic(snapshot, p.peer_id).direction)
    ]
    if sort is not None:
        peers.sort(key=lambda p: SORTS[sort](p, snapshot))
    return peers


def peer_row(peer: PeerRow, snapshot: Snapshot) -> tuple[str, ...]:
    t = traffic(snapshot, peer.peer_id)
    causes = snapshot.rejections(peer.peer_id)
    return (
        text.short_peer(peer.peer_id),
        "yes" if peer.connected else "no",
        SHORT_DIRECTION.get(t.direction, "-"),
        text.ago(peer.last_seen_ms, snapshot.now_ms),
        str(t.records_in),
        str(t.records_out),
        str(sum(causes.values())) if causes else "-",
        str(causes.get("rate_limited", 0)) if causes else "-",
        behind(t),
        "-" if t.their_lag is None else str(t.their_lag),
        " ".join(peer.addrs) or "-",
    )


class PeersView(Vertical):
    """A filter box, a count line and the peers table (rows keyed by full peer id)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter"),
        Binding("r", "next_sort", "Sort"),
        Binding("escape", "leave_filter", "Leave the box", show=False),
    ]
    DEFAULT_CSS = """
    PeersView #peers-filter { height: 3; }
    PeersView #peers-count { height: 1; padding: 0 1; }
    PeersView #peers-table { height: 1fr; }
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.sort: int | None = None
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Input(
            placeholder="/ filter: peer id, address, direction, rejection", id="peers-filter"
        )
        yield Static(id="peers-count")
        table: DataTable[str] = DataTable(id="peers-table", cursor_type="row", zebra_stripes=True)
        table.add_columns(*COLUMNS)
        yield table

    def action_filter(self) -> None:
        self.query_one("#peers-filter", Input).focus()

    def action_leave_filter(self) -> None:
        self.query_one("#peers-table", DataTable).focus()

    def action_next_sort(self) -> None:
        self.sort = 0 if self.sort is None else (self.sort + 1) % len(COLUMNS)
        self._redraw()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort = event.column_index
        self._redraw()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.snapshot is None:
            return
        for peer in self.snapshot.peers:
            if peer.peer_id == event.row_key.value:
                self.app.push_screen(PeerDetail(peer, self.snapshot))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._redraw()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_leave_filter()

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self._redraw()

    def _redraw(self) -> None:
        snapshot = self.snapshot
        if snapshot is None:
            return
        needle = self.query_one("#peers-filter", Input).value
        peers = visible_peers(snapshot, needle, self.sort)
        connected = sum(p.connected for p in snapshot.peers)
        seen = len(snapshot.peers)
        count = f"{seen} peer{'' if seen == 1 else 's'} seen, {connected} connected"
        if needle.strip():
            count += f"; {len(peers)} match {needle.strip()!r}"
        if self.sort is not None:
            count += f"; sorted by {COLUMNS[self.sort]}"
        self.query_one("#peers-count", Static).update(count if seen else "no peers seen yet")
        table: DataTable[str] = self.query_one("#peers-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        for peer in peers:
            table.add_row(*peer_row(peer, snapshot), key=peer.peer_id)
        if table.row_count:
            table.move_cursor(row=min(cursor, table.row_count - 1))
