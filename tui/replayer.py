"""``Replayer``: one node pane's replay (``tui/replay.py``): the second shown, playing it
forward on a timer, the worker that reads a past second, and the banner that says so.

``[``/``]`` (10 s), ``{``/``}`` (5 min) and ``g`` (a time) move the replay and pause it.
``P`` plays it forward from the second shown at 1x, 10x, 60x or 600x (``+``/``-``): every
``TICK_S`` a timer asks the clock which second the playback has reached and shows it, but
only once the last second asked for is drawn (a step takes ~0.4 s on a 100k-record store,
bench/tui/paint.py): a slow draw skips seconds, it never queues them. A playback that
reaches the newest second the history holds ends the replay: the screens go back to live
(a replay at "now" would only keep refusing actions). ``L`` goes back to live at any time.
A screen pushed over the pane's (help, the palette, a dialog) holds a playing replay on the
second shown (the banner says PAUSED); closing it plays on from there.

While a replay is shown nothing acts on the node: every key or palette entry that sends a
command or starts a job asks ``refused`` first, which tells the operator to go live.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from textual import work
from textual.dom import DOMNode
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import get_current_worker

from node.store.rows import StoreError
from tui import replay
from tui.replay import SPEEDS, Playback
from tui.source import Snapshot, Source
from tui.views.dialogs import AskDialog

TICK_S = 0.25
"""How often a playing replay looks at the clock (a second at 1x is 4 ticks)."""
REFUSAL = "replay: press L for live before acting"
"""What a key that acts on the node says while a replay is shown."""


class Replayer(Static):
    """The replay banner of one pane, and the replay it describes. ``live()`` is the pane's
    newest live snapshot, ``draw`` draws a snapshot on the pane's screens."""

    DEFAULT_CSS = """
    Replayer { height: auto; padding: 0 1; display: none; }
    Replayer { background: $accent 30%; text-style: bold; }
    Replayer.shown { display: block; }
    """

    def __init__(
        self,
        source: Source,
        live: Callable[[], Snapshot | None],
        draw: Callable[[Snapshot], None],
        **kw: Any,
    ) -> None:
        super().__init__(**kw)
        self.source, self.live, self.draw = source, live, draw
        self.replay_s: int | None = None
        """The past second shown (None: live)."""
        self.speed = SPEEDS[0]
        """How fast ``P`` plays (kept while paused)."""
        self.playback: Playback | None = None
        """Where the playing replay started (None: paused, or live)."""
        self.reading: int | None = None
        """The second a worker is reading (None: the last one asked for is drawn)."""
        self.clock: Callable[[], float] = time.monotonic
        self.held = False
        """A playing replay held while another screen covers the pane's (``playback``
        stays set: closing the screen plays on)."""
        self._timer: Timer | None = None

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed, immediate=True)

    def _screen_changed(self, screen: Screen[Any]) -> None:
        """Hold the playback while ``screen`` is not the pane's; play on from the second
        shown when it is again."""
        covered = screen is not self.screen
        if covered and self.playback is not None and not self.held:
            self.held = True
            self._stop_timer()
        elif not covered and self.held:
            self.held = False
            if self.playback is not None and self.replay_s is not None:
                self.playback = Playback(float(self.replay_s), self.clock(), self.speed)
                self._timer = self.set_interval(TICK_S, self.tick)
        self.redraw_banner()

    def step(self, seconds: int) -> None:
        """Pause, and move ``seconds`` (back if negative; from live, from the newest second
        kept)."""
        self.pause()
        live = self.live()
        history = live.history if live else None
        start = history.newest_s if history and self.replay_s is None else self.replay_s
        self.show_second((start or 0) + seconds)

    def show_second(self, ts_s: int) -> None:
        """Show ``ts_s`` (the nearest second the history holds)."""
        live = self.live()
        clamped, why = replay.clamp(live.history if live else None, ts_s)
        if why:
            self.app.notify(why, severity="warning" if clamped is None else "information")
        if clamped is None:
            return
        self.replay_s = clamped
        self.redraw_banner()
        self.app.refresh_bindings()
        self.reading = clamped
        self.load_past(clamped)

    def go_live(self) -> None:
        self.pause()
        self.replay_s = None
        self.redraw_banner()
        self.app.refresh_bindings()
        live = self.live()
        if live is not None:
            self.draw(live)

    def jump(self) -> None:
        """Pause, ask for a time (``-10m``, ``14:02:10``, a date and time) and show it."""
        self.pause()
        live = self.live()
        now_s = (live.now_ms if live else 0) // 1000

        def go(when: str | None) -> None:
            if not when:
                return
            try:
                self.show_second(replay.parse_when(when, now_s))
            except ValueError as exc:
                self.app.notify(str(exc), severity="error")

        ask = AskDialog("Replay from a time", "-10m, 14:02:10 or 2027-01-15 14:02", 32)
        self.app.push_screen(ask, go)

    def toggle_play(self) -> None:
        """Play from the second shown, or pause where the playback is."""
        if self.replay_s is None:
            return
        if self.playback is not None:
            self.pause()
        else:
            self.playback = Playback(float(self.replay_s), self.clock(), self.speed)
            self._timer = self.set_interval(TICK_S, self.tick)
        self.redraw_banner()

    def change_speed(self, step: int) -> None:
        """The next speed up (``step`` 1) or down (-1); a playback goes on from where it is."""
        speed = replay.next_speed(self.speed, step)
        if speed == self.speed:
            self.app.notify("replay speeds: " + ", ".join(f"{s}x" for s in SPEEDS))
            return
        self.speed = speed
        if self.playback is not None:
            self.playback = self.playback.at_speed(speed, self.clock())
        self.redraw_banner()

    def pause(self) -> None:
        self.playback = None
        self.held = False
        self._stop_timer()
        self.redraw_banner()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def tick(self) -> None:
        """Show the second the playback has reached, unless the last one is still being
        drawn; at the newest second kept, go live."""
        live = self.live()
        if self.playback is None or self.held or self.replay_s is None or live is None:
            return
        if self.reading is not None:
            return  # the last second is not drawn yet: skip this frame
        reached = int(self.playback.position(self.clock()))
        history = live.history
        if history is None or reached >= history.newest_s:
            self.go_live()
            self.app.notify("the replay reached the newest second kept: live")
        elif reached > self.replay_s:  # (not before the oldest second the history still holds)
            self.show_second(max(reached, history.oldest_s))

    def redraw_banner(self) -> None:
        self.set_class(self.replay_s is not None, "shown")
        live = self.live()
        if self.replay_s is not None and live is not None:
            playing = self.playback is not None and not self.held
            self.update(replay.banner(self.replay_s, live.now_ms, self.speed, playing))

    @work(thread=True, exclusive=True, group="replay")
    def load_past(self, ts_s: int) -> None:
        try:
            history, events = self.source.past(ts_s)
        except (StoreError, sqlite3.Error) as exc:
            if self.app.is_running:
                self.app.call_from_thread(self._failed, ts_s, f"store: {exc}")
            return
        if self.app.is_running and not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._show_past, ts_s, history, events)

    def _failed(self, ts_s: int, message: str) -> None:
        if self.reading == ts_s:
            self.reading = None
            self.pause()
        self.app.notify(message, severity="error")

    def _show_past(self, ts_s: int, history: Any, events: Any) -> None:
        if self.reading == ts_s:
            self.reading = None
        live = self.live()
        if self.replay_s != ts_s or live is None:
            return  # the operator moved on (or went live) while it was read
        self.draw(replay.past(live, history, events, ts_s))


def refused(widget: DOMNode) -> bool:
    """Whether the node pane ``widget`` sits in shows a replay; if so the operator is told
    to go live first, and the caller must not act."""
    for node in widget.ancestors_with_self:
        replayer = getattr(node, "replayer", None)
        if isinstance(replayer, Replayer):
            if replayer.replay_s is None:
                return False
            widget.app.notify(REFUSAL, severity="warning")
            return True
    return False
