"""Playing a replay (``P``, ``+``/``-``) on a fake clock (``tui/replayer.py``); the actions
refused while a replay is shown: ``test_replay_refusals.py``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from textual.pilot import Pilot

from node.store.rows import EventRow
from node.wire.control import Command
from tests.tui.frozen import NOW_MS, FrozenSource
from tests.tui.pilot import drive, static_text, static_text_on, wait_for
from tui import replay, replayer
from tui.app import NodeApp
from tui.history import History

NEWEST_S = NOW_MS // 1000
"""The newest second of the frozen history."""
TEN_MIN_BACK = ("left_curly_bracket",) * 2


class FakeClock:
    """What ``time.monotonic`` says, moved by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def fast_ticks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(replayer, "TICK_S", 0.02)


def playing_app(source: FrozenSource | None = None) -> tuple[NodeApp, FakeClock]:
    app = NodeApp(source or FrozenSource(), send=no_send, read_only=True)
    return app, FakeClock()


def no_send(command: Command) -> dict[str, Any]:
    raise AssertionError(f"nothing should be sent: {command}")


async def replaying(app: NodeApp, pilot: Pilot[None], clock: FakeClock, ts_s: int) -> None:
    """Wait until ``ts_s`` is the second shown and drawn (its clock: ``clock``)."""
    pane = app.pane
    pane.replayer.clock = clock
    await wait_for(pilot, lambda: pane.snapshot is not None and pane.snapshot.replay_s == ts_s)


def banner(app: NodeApp) -> str:
    return static_text(app, "#replay-banner")


def test_p_plays_forward_on_the_clock_and_pauses() -> None:
    app, clock = playing_app()
    start = NEWEST_S - 600

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        await pilot.press("P")  # live: P does nothing
        assert pane.replay_s is None and pane.replayer.playback is None
        await pilot.press(*TEN_MIN_BACK)
        await replaying(app, pilot, clock, start)
        assert "PAUSED 1x; P play" in banner(app)
        await pilot.press("P")
        assert "PLAYING 1x; P pause" in banner(app)
        clock.now += 30
        await replaying(app, pilot, clock, start + 30)  # drawn, not only asked for
        await pilot.press("plus")  # 10x from where it is
        assert "PLAYING 10x" in banner(app)
        clock.now += 6
        await replaying(app, pilot, clock, start + 90)
        await pilot.press("P")
        assert "PAUSED 10x" in banner(app) and pane.replayer.playback is None
        clock.now += 100
        await pilot.pause(0.3)
        assert pane.replay_s == start + 90  # paused: the clock moves, the replay not

    drive(app, scenario)


def test_a_step_key_or_g_pauses_the_playback() -> None:
    app, clock = playing_app()
    start = NEWEST_S - 600

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        await pilot.press(*TEN_MIN_BACK)
        await replaying(app, pilot, clock, start)
        await pilot.press("P")
        clock.now += 20
        await replaying(app, pilot, clock, start + 20)
        await pilot.press("right_square_bracket")
        await replaying(app, pilot, clock, start + 30)
        assert pane.replayer.playback is None and "PAUSED" in banner(app)
        clock.now += 50
        await pilot.pause(0.3)
        assert pane.replay_s == start + 30
        await pilot.press("P", "g")  # the dialog opens on a paused replay
        assert pane.replayer.playback is None
        await pilot.press("escape")

    drive(app, scenario)


def test_a_screen_over_the_pane_holds_the_playback_and_closing_it_plays_on() -> None:
    app, clock = playing_app()
    start = NEWEST_S - 600

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        main = app.screen
        await pilot.press(*TEN_MIN_BACK)
        await replaying(app, pilot, clock, start)
        await pilot.press("P")
        shown = start
        for opener in ("question_mark", "ctrl+p"):  # the keys, the palette
            clock.now += 20
            shown += 20
            await replaying(app, pilot, clock, shown)
            await pilot.press(opener)
            assert app.screen is not main
            clock.now += 100
            await pilot.pause(0.3)
            assert pane.replay_s == shown  # held: the clock moves, the replay not
            assert "PAUSED 1x" in static_text_on(main, "#replay-banner")
            await pilot.press("escape")
            assert app.screen is main and "PLAYING 1x" in banner(app)
            clock.now += 10  # on from the second shown, not from where the clock got to
            shown += 10
            await replaying(app, pilot, clock, shown)
        # pausing from the palette pauses: closing it does not play on
        await pilot.press("ctrl+p", *"pause the replay")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is main and pane.replayer.playback is None)
        clock.now += 100
        await pilot.pause(0.3)
        assert pane.replay_s == shown and "PAUSED 1x" in banner(app)

    drive(app, scenario)


def test_reaching_the_newest_second_goes_back_to_live() -> None:
    app, clock = playing_app()

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        await pilot.press(*TEN_MIN_BACK)
        await replaying(app, pilot, clock, NEWEST_S - 600)
        await pilot.press("plus", "plus", "plus", "plus")  # 600x, and once more: the top
        assert "600x" in banner(app)
        assert any("speeds: 1x, 10x, 60x, 600x" in n.message for n in app._notifications)
        await pilot.press("P")
        clock.now += 2  # 20 minutes of history: past the newest second
        await wait_for(pilot, lambda: pane.replay_s is None)
        assert pane.snapshot is pane.live and pane.replayer.playback is None
        assert not app.query_one("#replay-banner").has_class("shown")
        assert any("reached the newest second" in n.message for n in app._notifications)

    drive(app, scenario)


@dataclass
class SlowPast(FrozenSource):
    """Reads a past second only when the test lets it; remembers which it was asked for."""

    asked: list[int] = field(default_factory=list)
    go: threading.Event = field(default_factory=threading.Event)

    def past(self, ts_s: int) -> tuple[History | None, list[EventRow]]:
        self.asked.append(ts_s)
        assert self.go.wait(10)
        return super().past(ts_s)


def test_a_slow_draw_skips_seconds_instead_of_queueing_them() -> None:
    source = SlowPast()
    source.go.set()
    app, clock = playing_app(source)
    start = NEWEST_S - 600

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press(*TEN_MIN_BACK)
        await replaying(app, pilot, clock, start)
        source.go.clear()
        source.asked.clear()
        await pilot.press("P")
        clock.now += 5
        await wait_for(pilot, lambda: source.asked == [start + 5])
        for _ in range(4):  # the clock runs on while that second is read
            clock.now += 5
            await pilot.pause(0.1)
        assert source.asked == [start + 5]  # no second asked for before it is drawn
        source.go.set()
        await replaying(app, pilot, clock, start + 25)  # straight to where the clock is
        assert source.asked == [start + 5, start + 25]

    drive(app, scenario)


def test_the_banner_states_fit_an_80_column_terminal() -> None:
    for playing in (False, True):
        line = replay.banner(NEWEST_S - 3599, NOW_MS, 600, playing)
        assert len(line) <= 78 and "(-00:59:59)" in line
    assert replay.next_speed(1, 1) == 10 and replay.next_speed(600, 1) == 600
    assert replay.next_speed(1, -1) == 1 and replay.next_speed(60, -1) == 10
    playback = replay.Playback(100.0, 5.0, 10)
    assert playback.position(7.5) == 125.0 and playback.position(4.0) == 100.0
    faster = playback.at_speed(60, 7.5)
    assert faster.position(7.5) == 125.0 and faster.position(8.5) == 185.0


def test_help_and_palette_offer_play() -> None:
    app, clock = playing_app()

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        names = lambda: {a.name for a in app.node_actions()}  # noqa: E731
        assert not names() & {"Play the replay", "Pause the replay"}  # live: nothing to play
        await pilot.press("question_mark")
        keys = static_text_on(app.screen, "#help-keys")
        for line in ("P  ", "Play/pause", "+  ", "Play faster", "-  ", "Play slower"):
            assert line in keys, line
        await pilot.press("escape", *TEN_MIN_BACK)
        await replaying(app, pilot, clock, NEWEST_S - 600)
        play = {a.name: a for a in app.node_actions()}["Play the replay"]
        play.run()
        assert app.pane.replayer.playback is not None and "Pause the replay" in names()

    drive(app, scenario)
