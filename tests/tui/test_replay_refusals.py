"""Every action refused while a replay is shown, by the keys, the search, the palette and
the last gate (``NodePane.send_command``); the same key acts once live."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from textual.pilot import Pilot

from node.config.settings import STORE_FILE
from node.store.database import Store
from tests.tui.conftest import FakeDaemon, status_document
from tests.tui.pilot import drive, static_text, wait_for
from tui.app import NodeApp
from tui.control import ControlSender
from tui.replayer import REFUSAL
from tui.source import StoreReader
from tui.views.job_line import JobLine
from tui.views.models import ModelsView


@pytest.fixture
def daemon(data_dir: Path, history_end: int) -> Iterator[FakeDaemon]:
    """A stand-in daemon on ``data_dir`` that answers every row; the node counts as running
    (the status document names the pid holding the lock: this one)."""
    document = status_document(data_dir) | {"pid": os.getpid()}
    with Store.open(data_dir / STORE_FILE) as store:
        store.write_status("node", msgspec.json.encode(document))
    with FakeDaemon(data_dir, lambda row: {"ok": True}, document) as running:
        yield running


def commands(daemon: FakeDaemon) -> list[str]:
    return [row.command for row in daemon.rows]


def heard(app: NodeApp) -> list[str]:
    """Every notification ``app`` shows from now on (they expire from the screen)."""
    said: list[str] = []
    notify = app.notify

    def record(message: str, **kw: Any) -> None:
        said.append(message)
        notify(message, **kw)

    app.notify = record  # type: ignore[method-assign]
    return said


def test_no_action_reaches_the_node_during_a_replay_and_acts_once_live(
    daemon: FakeDaemon, reader: StoreReader, data_dir: Path
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        said = heard(app)
        await wait_for(pilot, lambda: pane.running)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: pane.snapshot is not None and pane.snapshot.replay_s)
        keys = [("f", "t"), ("f", "x"), ("f", "v"), ("f", "E"), ("d", "a"), ("d", "x")]
        keys += [("m", "E"), ("o", "n"), ("o", "K")]
        for screen, key in keys:
            await pilot.press(screen, key)
            assert len(app.screen_stack) == 1, key  # no dialog asks for a run, a note, ...
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: static_text(app, "#search-status") == REFUSAL)
        palette = {a.name: a for a in app.node_actions()}
        palette["Start adapting"].run()
        await pilot.pause(0.5)  # a row would be answered within 0.1 s
        assert commands(daemon) == [] and len(app.screen_stack) == 1
        assert pane.query_one(JobLine).running is None  # no verify or export child
        assert pane.query_one(ModelsView).exporting is None
        assert said == [REFUSAL] * (len(keys) + 2)  # one a key, the search, the palette
        await pilot.press("L", "d", "a")  # the same key live acts
        await wait_for(pilot, lambda: commands(daemon) == ["adapt_start"])
        await pilot.press("f", "t")
        assert len(app.screen_stack) == 2  # asks for the run's id
        assert said.count(REFUSAL) == len(keys) + 2

    drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)


def test_a_command_already_on_its_way_is_refused_if_a_replay_began(
    daemon: FakeDaemon, reader: StoreReader, data_dir: Path
) -> None:
    """The last gate (``NodePane.send_command``): nothing is sent while a replay shows."""
    from node.wire.control import AdaptStart

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        said = heard(app)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: pane.replay_s is not None)
        pane.send_command(AdaptStart(), "adapting")
        await pilot.pause(0.5)
        assert commands(daemon) == [] and said == [REFUSAL]

    drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
