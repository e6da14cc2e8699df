"""The app against a real daemon the test starts: a search + click from the Search screen
reaches the node and changes its ranking; a training run started from the Training
screen moves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from node.cli.common import node_pid
from node.config.settings import STORE_FILE
from tests.tui.pilot import drive, static_text, table_rows, wait_for
from tui.app import NodeApp
from tui.jobs import theta_path
from tui.source import StoreReader

ITEMS = [
    {"id": "t1", "title": "Blue Monday", "artist": "New Order", "tags": ["synth"]},
    {"id": "t2", "title": "Blue", "artist": "Joni Mitchell", "tags": ["folk"]},
    {"id": "t3", "title": "Blue in Green", "artist": "Miles Davis", "tags": ["jazz"]},
]


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Path]:
    """A data dir with a three-item catalogue and ``byteswarm run`` on it."""
    items = tmp_path / "items.jsonl"
    items.write_text("".join(json.dumps(item) + "\n" for item in ITEMS))
    data_dir = tmp_path / "node"
    node = [sys.executable, "-m", "node"]
    subprocess.run([*node, "items", "import", str(items), "--data-dir", str(data_dir)], check=True)
    run = subprocess.Popen(
        [*node, "run", "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield data_dir
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(30)


def run_row(app: NodeApp, run_id: str) -> list[str]:
    return next((r for r in table_rows(app, "#runs") if r[0] == run_id), [])


@pytest.mark.integration
def test_search_click_and_a_training_run_reach_a_real_daemon(daemon: Path) -> None:
    reader = StoreReader(daemon, daemon / STORE_FILE)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: app.pane.running, 60.0)
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: len(table_rows(app, "#results")) == 3, 30.0)
        before = [r[1] for r in table_rows(app, "#results")]
        assert before[0] != "t3"
        await pilot.press(*["down"] * before.index("t3"), "enter")  # a click on t3
        await wait_for(pilot, lambda: "-> t3" in str(app.query_one("#search-status").render()))
        await pilot.press("slash", "enter")  # the same query again
        await wait_for(pilot, lambda: table_rows(app, "#results")[0][1] == "t3", 30.0)
        own, peers = (float(x) for x in table_rows(app, "#results")[0][4:6])
        assert own > 0 and peers == 0  # our click, explained by the daemon's ranker
        assert "clicks" in static_text(app, "#why") and "t3" in static_text(app, "#why")

        await pilot.press("escape", "f", "t", *"tui-run", "enter")
        await wait_for(pilot, lambda: bool(run_row(app, "tui-run")), 30.0)
        start = int(run_row(app, "tui-run")[2].split("/")[0])
        await wait_for(pilot, lambda: int(run_row(app, "tui-run")[2].split("/")[0]) > start, 60.0)

        # train verify in a child process, once the first checkpoint (round 10) is announced
        await wait_for(pilot, lambda: int(run_row(app, "tui-run")[2].split("/")[0]) > 10, 90.0)
        await pilot.press("v")
        try:
            await wait_for(pilot, lambda: "verified" in static_text(app, "#training-job"), 120.0)
        except AssertionError:
            raise AssertionError(static_text(app, "#training-job")) from None
        await pilot.press("E")  # the run's θ, replayed and verified, as safetensors
        await wait_for(pilot, lambda: "written" in static_text(app, "#training-job"), 120.0)
        assert theta_path(daemon, "tui-run").stat().st_size > 0

    try:
        drive(NodeApp(reader), scenario)
    finally:
        reader.close()
    assert node_pid(daemon) is not None  # the app did not stop the node
