"""The service screens (Training, Adapt) against the fixture store: what they show and
the typed control rows their actions queue (start, and stop after a confirmation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import TabbedContent

from node.store.rows import ControlRow
from tests.tui.conftest import PEER_A, FakeDaemon
from tests.tui.pilot import drive, no_daemon, static_text, table_rows, wait_for
from tui.app import NodeApp
from tui.control import ControlSender
from tui.source import StoreReader
from tui.views.dialogs import ConfirmDialog


def test_training_screen_shows_runs_and_checkpoints(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("f")
        assert app.query_one(TabbedContent).active == "training"
        assert static_text(app, "#training-summary").startswith(
            "2 run(s); forward passes on onnxruntime"
        )
        rows = table_rows(app, "#runs")
        assert rows[0] == [
            "words-1",
            "training",
            "23/100",
            "shared/tiny",
            "57",
            "1",
            "1/2 @20",
            "81.2 %",
        ]
        assert rows[1][:2] == ["big-2", "not joined"]
        failed = static_text(app, "#training-failed")
        assert "big-2 not joined: model 'big' is not on this device" in failed

    drive(NodeApp(reader, send=no_daemon), scenario)


def train_answer(row: ControlRow) -> dict[str, Any]:
    return {"run_id": row.args["run_id"]}


def test_training_start_and_stop_queue_typed_rows_stop_asks_first(
    data_dir: Path, reader: StoreReader
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("f", "t", *"words-2", "enter")
        await wait_for(pilot, lambda: len(daemon.rows) == 1)
        await pilot.press("x", "o", "q")  # screen keys do nothing while the dialog is open
        await pilot.pause(1.2)  # and a poll lands under it
        assert app.is_running and isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")  # declined: nothing sent
        await pilot.pause(0.3)
        assert len(daemon.rows) == 1
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: len(daemon.rows) == 2)

    with FakeDaemon(data_dir, train_answer) as daemon:
        drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
    (start, start_args), (stop, stop_args) = [(r.command, r.args) for r in daemon.rows]
    assert (start, start_args["run_id"], start_args["rounds"]) == ("train_start", "words-2", 100)
    assert (stop, stop_args) == ("train_stop", {"run_id": "words-1"})


def test_read_only_training_has_no_start_or_stop(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("f", "t", "x")
        assert len(app.screen_stack) == 1
        assert "t starts" not in static_text(app, "#training-summary")

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


def test_adaptation_screen_and_its_actions(data_dir: Path, reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("d")
        assert app.query_one(TabbedContent).active == "adaptation"
        info = static_text(app, "#adapt-info")
        assert "75.0 % (recent 80.0 %)" in info and "v4: 4 accepted, 1 rejected" in info
        assert "running, 640/1000 samples" in info and PEER_A in info
        await pilot.press("a")
        await wait_for(pilot, lambda: len(daemon.rows) == 1)
        await pilot.press("x", "y")
        await wait_for(pilot, lambda: len(daemon.rows) == 2)

    with FakeDaemon(data_dir, lambda row: {"running": row.command == "adapt_start"}) as daemon:
        drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
    assert [(r.command, r.args) for r in daemon.rows] == [
        ("adapt_start", {"samples": None, "minutes": None}),
        ("adapt_stop", {}),
    ]
