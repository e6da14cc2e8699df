"""One peer in full (Enter on the Peers screen): its id, addresses, when it was seen, how
this node learned of it, the guard's score, and every record refused from it, by cause."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from node.store.rows import PeerRow
from tui import text
from tui.source import Snapshot
from tui.views.dialogs import DIALOG_CSS


def peer_lines(peer: PeerRow, snapshot: Snapshot) -> list[tuple[str, str]]:
    guard = snapshot.guard(peer.peer_id)
    causes = snapshot.rejections(peer.peer_id)
    refused = "\n".join(f"{n} {cause}" for cause, n in sorted(causes.items())) or "none"
    score = "-" if guard is None else f"{guard.score}"
    return [
        ("peer id", peer.peer_id),
        ("connected", "yes" if peer.connected else "no"),
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
        ("score", score + (" (banned)" if guard is not None and guard.banned else "")),
        ("refused", refused),
    ]


class PeerDetail(ModalScreen[None]):
    """Escape or Enter closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PeerDetail")

    def __init__(self, peer: PeerRow, snapshot: Snapshot) -> None:
        super().__init__()
        self.peer, self.snapshot = peer, snapshot

    def compose(self) -> ComposeResult:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for label, value in peer_lines(self.peer, self.snapshot):
            grid.add_row(label, value)
        with Vertical():
            yield Label("[b]Peer[/b] (Escape closes)")
            yield Static(grid, id="peer-detail")

    def action_close(self) -> None:
        self.dismiss(None)
