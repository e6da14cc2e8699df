"""Screenshots of every screen at 80x24 and 120x40 in the dark and the light theme, from a
frozen snapshot (``frozen.py``): no clocks, no store. Update after a deliberate change
with ``pytest tests/tui/test_snapshots.py --snapshot-update`` and look at the report."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from textual.pilot import Pilot

from tests.tui.frozen import DATA_DIR, FrozenSource, frozen_snapshot, search_answer
from tests.tui.test_models import write_export
from tests.tui.test_swarm import two_nodes
from tui.app import NodeApp
from tui.views.models import ModelsView
from tui.views.swarm import SwarmView

SCREENS = {
    "overview": (),
    "peers": ("p",),
    "events": ("e",),
    "search": ("s", *"blue", "enter"),
    "training": ("f",),
    "adaptation": ("d",),
    "models": ("m",),
}
"""Each screen and the keys that get there."""
BACK_16_MIN = ("left_curly_bracket",) * 3 + ("left_square_bracket",) * 6
REPLAYS = {
    "overview": BACK_16_MIN,
    "training": ("f", *BACK_16_MIN),
    "adaptation": ("d", *BACK_16_MIN),
    "events": ("e", "g", *"-4m", "enter"),
}
"""Screens in a replay (the frozen history, ``conftest.history_sample``): 16 minutes back
four peers were connected and run words-1 was at round 7; 4 minutes back three events
had been logged."""
SIZES = [(80, 24), (120, 40)]
THEMES = ["textual-dark", "textual-light"]


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Clock columns in UTC whatever the machine's zone."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def settle(pilot: Pilot[Any], keys: tuple[str, ...]) -> None:
    app = pilot.app
    assert isinstance(app, NodeApp)
    while not all(p.snapshot for p in app.panes) or app.query_one(ModelsView).artifacts is None:
        await pilot.pause(0.02)
    app.sub_title = str(DATA_DIR)  # not the tmp dir the exports are in
    await pilot.press(*keys)
    if "enter" in keys:  # the search answer comes back from a worker
        await app.workers.wait_for_complete()
    pane = app.pane
    while pane.replay_s is not None and (pane.snapshot and pane.snapshot.replay_s) is None:
        await pilot.pause(0.02)  # a replayed second is read in a worker
    await pilot.pause(0.1)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(SCREENS))
def test_screen(
    snap_compare: Any, screen: str, size: tuple[int, int], theme: str, tmp_path: Path
) -> None:
    write_export(tmp_path / "exports" / "device", int8=True)
    write_export(tmp_path / "models" / "polarity", "polarity", 2_000_000)
    app = NodeApp(FrozenSource(data_dir=tmp_path), send=search_answer)
    app.theme = theme

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot, SCREENS[screen])

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("screen", list(REPLAYS))
def test_replay(snap_compare: Any, screen: str, size: tuple[int, int], theme: str) -> None:
    app = NodeApp(FrozenSource(), send=search_answer, read_only=True)
    app.theme = theme

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot, REPLAYS[screen])

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_replay_playing(snap_compare: Any, size: tuple[int, int], theme: str) -> None:
    """The Training screen 16 minutes back, playing at 10x on a clock that stands still."""
    app = NodeApp(FrozenSource(), send=search_answer, read_only=True)
    app.theme = theme

    async def before(pilot: Pilot[Any]) -> None:
        app.pane.replayer.clock = lambda: 0.0
        await settle(pilot, ("f", *BACK_16_MIN, "plus", "P"))

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_swarm(snap_compare: Any, size: tuple[int, int], theme: str) -> None:
    app = two_nodes()
    app.theme = theme

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot, ())
        app.query_one(SwarmView).redraw()
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=size, run_before=before)


@pytest.mark.parametrize("theme", THEMES)
def test_no_daemon_banner(snap_compare: Any, theme: str) -> None:
    snapshot = frozen_snapshot()
    assert snapshot.status is not None
    stopped = dataclasses.replace(
        snapshot, status=msgspec.structs.replace(snapshot.status, running=False)
    )
    app = NodeApp(FrozenSource(snapshot=stopped), send=search_answer)
    app.theme = theme

    async def before(pilot: Pilot[Any]) -> None:
        await settle(pilot, ())

    assert snap_compare(app, terminal_size=(80, 24), run_before=before)
