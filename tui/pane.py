"""``NodePane``: one node's screens, the worker that polls its store, and the commands and
jobs sent to it. The app holds one pane per data dir (``tui.app``).

Every 0.5 s a worker thread reads the store (a ``Source``) and hands the snapshot back
to the UI thread, which redraws the screens; the UI thread never waits on SQLite, on the
daemon or on a child process. In a replay (``replay_s`` set: ``[``/``]``, ``{``/``}``, ``g``,
``P`` plays it) the screens show a past second, read by the pane's ``Replayer``
(``tui/replayer.py``), the live snapshots keep coming (for the banner and ``L``) without
being drawn, and every action is refused until the operator goes live.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static, TabbedContent, TabPane

from node.store.rows import StoreError
from node.wire.control import Command, Publish
from node.wire.status.codec import StatusError
from tui import jobs
from tui.control import CommandFailed, Sender
from tui.replayer import Replayer, refused
from tui.source import Snapshot, Source
from tui.views.adaptation import AdaptView
from tui.views.dialogs import AskDialog, ConfirmDialog
from tui.views.events import EventsView
from tui.views.models import ModelsView
from tui.views.overview import OverviewView
from tui.views.peers import PeersView
from tui.views.search import SearchView
from tui.views.training import TrainingView

MAX_NOTE = 1000
"""The longest note ``byteswarm publish`` takes (characters)."""
POLL_S = 0.5
"""How often a pane looks at its store (a change shows within this plus the read and the
redraw: 1 s left the slowest redraw at 1.0-1.3 s in bench/tui/paint.py)."""

SCREENS = {
    "overview": ("o", "Overview", "#recent-events"),
    "peers": ("p", "Peers", "#peers-table"),
    "events": ("e", "Events", "#events-table"),
    "search": ("s", "Search", "#query"),
    "training": ("f", "Training", "#runs"),
    "adaptation": ("d", "Adapt", "AdaptView"),
    "models": ("m", "Models", "#models-table"),
}
"""Each screen's id: its key, its tab title, and what has the focus when it is shown."""


class NodePane(Vertical):
    """The tabs of one node. ``read_only`` leaves out Search and every action."""

    DEFAULT_CSS = """
    NodePane { height: 1fr; }
    NodePane > TabbedContent { height: 1fr; }
    NodePane #no-daemon { height: auto; padding: 0 1; background: $warning 20%; display: none; }
    NodePane #no-daemon.shown { display: block; }
    """

    def __init__(self, source: Source, send: Sender, *, read_only: bool, **kw: Any) -> None:
        super().__init__(**kw)
        self.source, self.send, self.read_only = source, send, read_only
        self.snapshot: Snapshot | None = None
        """What the screens show: the newest live snapshot, or a replayed second's."""
        self.live: Snapshot | None = None
        self.replayer = Replayer(source, lambda: self.live, self.draw, id="replay-banner")
        self.started: int | None = None
        """The pid of a daemon this pane started (until the node reports running)."""

    def compose(self) -> ComposeResult:
        yield self.replayer
        yield Static(id="no-daemon")
        with TabbedContent(initial="overview"):
            for tab, (key, title, _) in SCREENS.items():
                if tab == "search" and self.read_only:
                    continue
                with TabPane(f"[b]{key}[/b] {title}", id=tab):
                    yield self._view(tab)

    def _view(self, tab: str) -> Widget:
        if tab == "overview":
            return OverviewView()
        if tab == "peers":
            return PeersView()
        if tab == "events":
            return EventsView()
        if tab == "search":
            return SearchView(self.send)
        if tab == "training":
            return TrainingView(self.source.data_dir, read_only=self.read_only)
        if tab == "adaptation":
            return AdaptView(read_only=self.read_only)
        return ModelsView(self.source.data_dir, read_only=self.read_only)

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(POLL_S, self.poll)

    @property
    def replay_s(self) -> int | None:
        """The past second shown (None: live)."""
        return self.replayer.replay_s

    @property
    def running(self) -> bool:
        """Whether the last look found a daemon running in this data dir."""
        status = self.live.status if self.live else None
        return bool(status and status.running)

    def show_tab(self, tab: str) -> None:
        if tab == "search" and self.read_only:
            return
        # Focus left in the pane being hidden would pull its tab back: focus the new one's.
        self.app.set_focus(None)
        self.query_one(TabbedContent).active = tab
        self.query_one(SCREENS[tab][2]).focus()

    @work(thread=True, exclusive=True, group="store")
    def poll(self) -> None:
        try:
            snapshot = self.source.read()
        # busy, damaged, a status section that breaks its type: say so, look again later
        except (StoreError, StatusError, sqlite3.Error) as exc:
            if self.app.is_running:
                self.app.call_from_thread(self.notify, f"store: {exc}", severity="error")
            return
        if self.app.is_running:  # not a read that ends after the operator quit
            self.app.call_from_thread(self.show, snapshot)

    def show(self, snapshot: Snapshot) -> None:
        """A live snapshot: drawn unless a replay is showing."""
        self.live = snapshot
        self._banner()
        if self.replay_s is None:
            self.draw(snapshot)
        else:
            self.replayer.redraw_banner()

    def draw(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.query_one(OverviewView).show(snapshot)
        self.query_one(PeersView).show(snapshot)
        self.query_one(EventsView).show(snapshot)
        self.query_one(TrainingView).show(snapshot)
        self.query_one(AdaptView).show(snapshot)

    @work(thread=True, group="commands")
    def send_command(self, command: Command, done: str) -> None:
        """Send ``command`` to the daemon; notify ``done`` (and its result) or the error.
        Refused while a replay is shown (the keys that get here check first)."""
        if self.app.call_from_thread(refused, self):
            return
        try:
            result = self.send(command)
        except CommandFailed as exc:
            self.app.call_from_thread(self.app.notify, str(exc), severity="error")
            return
        detail = ", ".join(
            f"{k} {v}" for k, v in sorted(result.items()) if not isinstance(v, dict | list)
        )
        self.app.call_from_thread(self.app.notify, f"{done} ({detail})" if detail else done)

    def publish(self) -> None:
        if refused(self):
            return

        def publish(text: str | None) -> None:
            if text:
                self.send_command(Publish(text=text), "published the note")

        ask = AskDialog("Publish a signed note on byteswarm/notes", "note text", MAX_NOTE)
        self.app.push_screen(ask, publish)

    def stop_node(self) -> None:
        """Ask, then stop the daemon as ``byteswarm stop`` does (SIGTERM, wait)."""
        if refused(self):
            return
        where = self.source.data_dir

        def stop(yes: bool | None) -> None:
            if yes:
                self.run_job(jobs.stop_command(where), f"stopped the node in {where}")

        self.app.push_screen(ConfirmDialog(f"Stop the node in {where}?"), stop)

    def _banner(self) -> None:
        """Say plainly when no daemon runs here, and what the operator can do about it."""
        banner = self.query_one("#no-daemon", Static)
        where = self.source.data_dir
        banner.set_class(not self.running, "shown")
        if self.running:
            self.started = None
        elif self.started is not None:
            log = where / jobs.DAEMON_LOG
            banner.update(f"Starting the node (pid {self.started}); its output goes to {log}")
        elif self.read_only:
            banner.update(
                f"No node is running in {where}: watching its store read-only"
                f" (start one with: byteswarm run --data-dir {where})"
            )
        else:
            banner.update(
                f"No node is running in {where}. R starts one in the background"
                " (byteswarm run); or just watch: what you see is the store as it was left."
            )
        self.app.refresh_bindings()

    def start_node(self) -> None:
        """Start ``byteswarm run`` on this data dir, detached (it outlives the app)."""
        if self.running or self.started is not None or refused(self):
            return
        command = jobs.daemon_command(self.source.data_dir)
        try:
            self.started = jobs.start_detached(command, self.source.data_dir / jobs.DAEMON_LOG)
        except OSError as exc:
            self.app.notify(f"could not start the node: {exc}", severity="error")
            return
        self.app.notify(f"starting the node in {self.source.data_dir} (pid {self.started})")
        self._banner()

    @work(thread=True, group="jobs")
    def run_job(self, command: list[str], done: str) -> None:
        """Run a CLI command to the end; notify ``done`` or its last line as an error."""
        lines: list[str] = []
        try:
            code = jobs.run_lines(command, lines.append)
        except OSError as exc:
            code, lines = -1, [str(exc)]
        if not self.app.is_running:
            return
        if code == 0:
            self.app.call_from_thread(self.app.notify, done)
        else:
            why = lines[-1] if lines else f"exit {code}"
            self.app.call_from_thread(self.app.notify, why, severity="error")
