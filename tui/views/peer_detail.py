"""One peer in full (Enter on the Peers screen): its id, addresses, when it was seen, how
this node learned of it, who dialed whom, what it sent (records by topic) and what we sent
it, how far each side's sync is behind, the guard's score, every record refused from it by
cause, and its history: the newest events that name it."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from node.store.rows import PeerRow
from node.wire.status.node import PeerTrafficStatus
from tui import text
from tui.source import Snapshot
from tui.views.dialogs import DIALOG_CSS

HISTORY_SHOWN = 5
"""Events naming the peer that its detail lists, newest first."""

NO_TRAFFIC = PeerTrafficStatus()


def traffic(snapshot: Snapshot, peer_id: str) -> PeerTrafficStatus:
    """The daemon's per-peer counters for ``peer_id`` (zeros: nothing recorded)."""
    if snapshot.status is None:
        return NO_TRAFFIC
    return snapshot.status.peer_traffic.get(peer_id, NO_TRAFFIC)


def sync_lines(t: PeerTrafficStatus) -> tuple[str, str]:
    """(we are behind it, it is behind us) in words."""
    ours = "in sync"
    if t.behind_topics:
        ours = f"{t.behind_topics} topic(s) to pull, waiting {text.duration(t.behind_s)}"
    theirs = "never pulled from us" if t.their_lag is None else f"{t.their_lag} records to pull"
    return ours, theirs


def history(snapshot: Snapshot, peer_id: str) -> str:
    """The newest events whose message names the peer."""
    named = [e for e in snapshot.events if peer_id in e.message][:HISTORY_SHOWN]
    short = text.short_peer(peer_id)
    lines = (
        text.clip(f"{text.clock(e.ts_ms)} {e.kind}: {e.message.replace(peer_id, short)}", 120)
        for e in named
    )
    return "\n".join(lines) or "none"


def peer_lines(peer: PeerRow, snapshot: Snapshot) -> list[tuple[str, str]]:
    guard = snapshot.guard(peer.peer_id)
    causes = snapshot.rejections(peer.peer_id)
    refused = "\n".join(f"{n} {cause}" for cause, n in sorted(causes.items())) or "none"
    score = "-" if guard is None else f"{guard.score}"
    t = traffic(snapshot, peer.peer_id)
    sent = ", ".join(f"{n} {topic}" for topic, n in sorted(t.sent.items()))
    ours, theirs = sync_lines(t)
    return [
        ("peer id", peer.peer_id),
        ("connected", "yes" if peer.connected else "no"),
        ("direction", t.direction or "-"),
        ("addresses", "\n".join(peer.addrs) or "-"),
        (
            "first seen",
            f"{text.clock(peer.first_seen_ms)} ({text.ago(peer.first_seen_ms, snapshot.now_ms)})",
        ),
        (
            "last seen",
            f"{text.clock(peer.last_seen_ms)} ({text.ago(peer.last_seen_ms, snapshot.now_ms)})",
        ),
        ("learned by", peer.source),
        ("it sent", f"{t.records_in} new records" + (f" ({sent})" if sent else "")),
        ("we sent", f"{t.records_out} records (its pulls and samples)"),
        ("we are behind", ours),
        ("it is behind", theirs),
        ("score", score + (" (banned)" if guard is not None and guard.banned else "")),
        ("refused", refused),
        ("history", history(snapshot, peer.peer_id)),
    ]


class PeerDetail(ModalScreen[None]):
    """Escape or Enter closes it; the arrows scroll it when it is taller than the screen."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="PeerDetail")
        + """
    PeerDetail > VerticalScroll {
        width: 70; max-width: 95%; height: auto; max-height: 95%; border: thick $accent;
        padding: 0 1; background: $surface;
    }
    """
    )

    def __init__(self, peer: PeerRow, snapshot: Snapshot) -> None:
        super().__init__()
        self.peer, self.snapshot = peer, snapshot

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in peer_lines(self.peer, self.snapshot):
            grid.add_row(label, value)
        with VerticalScroll():
            yield Label("[b]Peer[/b] (Escape closes)")
            yield Static(grid, id="peer-detail")

    def action_close(self) -> None:
        self.dismiss(None)
