"""``NodeApp``: the operator app on one node's store, and ``run_app`` that starts it.

Every second a worker thread reads the store (``StoreReader``) and hands the snapshot
back to the UI thread, which redraws the screens; the UI thread never waits on SQLite.
Screens are tabs, switched with the key each tab's title shows; the footer shows the
rest (``?`` all of them); ``q`` quits.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from node.store.rows import StoreError
from node.wire.control import Command, Publish
from tui.control import CommandFailed, ControlSender, Sender
from tui.source import Snapshot, Source, StoreReader
from tui.views.adaptation import AdaptView
from tui.views.dialogs import AskDialog
from tui.views.events import EventsView
from tui.views.models import ModelsView
from tui.views.overview import OverviewView
from tui.views.peers import PeersView
from tui.views.search import SearchView
from tui.views.training import TrainingView

MAX_NOTE = 1000
"""The longest note ``byteswarm publish`` takes (characters)."""
POLL_S = 1.0
"""How often the app looks at the store."""


FOCUS_IN = {
    "overview": "#recent-events",
    "peers": "#peers-table",
    "events": "#events-table",
    "training": "#runs",
    "adaptation": "AdaptView",
    "search": "#query",
    "models": "#models-table",
}
"""What has the focus when a screen is shown."""


class NodeApp(App[None]):
    """Overview, Peers and Search of the node whose store ``reader`` reads."""

    TITLE = "byteswarm"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "show_tab('overview')", "Overview", show=False),
        Binding("p", "show_tab('peers')", "Peers", show=False),
        Binding("e", "show_tab('events')", "Events", show=False),
        Binding("s", "show_tab('search')", "Search", show=False),
        Binding("f", "show_tab('training')", "Training", show=False),
        Binding("d", "show_tab('adaptation')", "Adaptation", show=False),
        Binding("m", "show_tab('models')", "Models", show=False),
        Binding("n", "publish", "Note"),
        Binding("question_mark", "toggle_keys", "Keys"),
        Binding("ctrl+t", "toggle_light", "Light/dark", show=False),
        Binding("q", "quit", "Quit"),
    ]
    ACTIONS = frozenset({"publish"})
    """What ``read_only`` hides: every binding that writes a control row."""

    def __init__(
        self, reader: Source, send: Sender | None = None, *, read_only: bool = False
    ) -> None:
        super().__init__()
        self.reader = reader
        self.send = send or ControlSender(reader.data_dir)
        self.read_only = read_only
        self.snapshot: Snapshot | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(initial="overview"):
            with TabPane("[b]o[/b] Overview", id="overview"):
                yield OverviewView()
            with TabPane("[b]p[/b] Peers", id="peers"):
                yield PeersView()
            with TabPane("[b]e[/b] Events", id="events"):
                yield EventsView()
            if not self.read_only:
                with TabPane("[b]s[/b] Search", id="search"):
                    yield SearchView(self.send)
            with TabPane("[b]f[/b] Training", id="training"):
                yield TrainingView(read_only=self.read_only)
            with TabPane("[b]d[/b] Adapt", id="adaptation"):
                yield AdaptView(read_only=self.read_only)
            with TabPane("[b]m[/b] Models", id="models"):
                yield ModelsView(self.reader.data_dir, read_only=self.read_only)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = str(self.reader.data_dir) + (" (read-only)" if self.read_only else "")
        self.poll()
        self.set_interval(POLL_S, self.poll)

    @property
    def tabs_screen(self) -> Screen[object]:
        """The screen with the tabs, under any dialog (a poll may land while one is open)."""
        return self.screen_stack[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("show_tab", "publish") and len(self.screen_stack) > 1:
            return False  # a dialog is open: it has the keys
        writes = action in self.ACTIONS or parameters == ("search",)
        return not (self.read_only and writes)  # False: neither shown in the footer nor run

    def action_toggle_light(self) -> None:
        self.theme = "textual-dark" if self.theme == "textual-light" else "textual-light"

    def action_toggle_keys(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def action_publish(self) -> None:
        def publish(text: str | None) -> None:
            if text:
                self.send_command(Publish(text=text), "published the note")

        ask = AskDialog("Publish a signed note on byteswarm/notes", "note text", MAX_NOTE)
        self.push_screen(ask, publish)

    @work(thread=True, group="commands")
    def send_command(self, command: Command, done: str) -> None:
        """Send ``command`` to the daemon; notify ``done`` (and its result) or the error."""
        try:
            result = self.send(command)
        except CommandFailed as exc:
            self.call_from_thread(self.notify, str(exc), severity="error")
            return
        detail = ", ".join(
            f"{k} {v}" for k, v in sorted(result.items()) if not isinstance(v, dict | list)
        )
        self.call_from_thread(self.notify, f"{done} ({detail})" if detail else done)

    def action_show_tab(self, tab: str) -> None:
        # Focus left in the pane being hidden would pull its tab back: focus the new one's.
        self.set_focus(None)
        self.tabs_screen.query_one(TabbedContent).active = tab
        self.tabs_screen.query_one(FOCUS_IN[tab]).focus()

    @work(thread=True, exclusive=True, group="store")
    def poll(self) -> None:
        try:
            snapshot = self.reader.read()
        except (StoreError, sqlite3.Error) as exc:  # busy, damaged: say so, look again later
            if self.is_running:
                self.call_from_thread(self.notify, f"store: {exc}", severity="error")
            return
        if self.is_running:  # not a read that ends after the operator quit
            self.call_from_thread(self.show, snapshot)

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        tabs = self.tabs_screen
        tabs.query_one(OverviewView).show(snapshot)
        tabs.query_one(PeersView).show(snapshot)
        tabs.query_one(EventsView).show(snapshot)
        tabs.query_one(TrainingView).show(snapshot)
        tabs.query_one(AdaptView).show(snapshot)


def run_app(data_dir: Path, store_path: Path, *, read_only: bool = False) -> None:
    """Open the store read-only and run the app until the operator quits."""
    reader = StoreReader(data_dir, store_path)
    try:
        NodeApp(reader, read_only=read_only).run()
    finally:
        reader.close()
