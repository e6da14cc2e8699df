"""No daemon running: the app says so plainly and offers to start one in the background
(``byteswarm run`` on the same data dir, detached) or to go on watching the store."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from node.cli.common import node_pid
from node.config.settings import STORE_FILE
from tests.tui.pilot import drive, no_daemon, static_text, wait_for
from tui import jobs
from tui.app import NodeApp
from tui.source import StoreReader


def test_no_daemon_says_so_and_r_starts_one_detached(
    data_dir: Path, reader: StoreReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[tuple[list[str], Path]] = []

    def fake_start(command: list[str], log: Path) -> int:
        started.append((command, log))
        return 4321

    monkeypatch.setattr("tui.jobs.start_detached", fake_start)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        banner = static_text(app, "#no-daemon")
        assert f"No node is running in {data_dir}. R starts one in the background" in banner
        assert "Start the node" in {a.name for a in app.node_actions()}
        await pilot.press("R")
        await wait_for(pilot, lambda: "pid 4321" in static_text(app, "#no-daemon"))
        await pilot.press("R")  # once is enough
        await pilot.pause(0.2)

    drive(NodeApp(reader, send=no_daemon), scenario)
    assert started == [
        (
            [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)],
            data_dir / jobs.DAEMON_LOG,
        )
    ]


def test_read_only_says_so_and_offers_no_start(data_dir: Path, reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        banner = static_text(app, "#no-daemon")
        assert "watching its store read-only" in banner
        assert f"byteswarm run --data-dir {data_dir}" in banner
        await pilot.press("R")
        await pilot.pause(0.2)
        assert "Starting" not in static_text(app, "#no-daemon")

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


@pytest.mark.integration
def test_r_really_starts_a_node_and_k_stops_it(tmp_path: Path) -> None:
    from node.store.database import Store

    Store.open(tmp_path / STORE_FILE).close()
    reader = StoreReader(tmp_path, tmp_path / STORE_FILE)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("R")
        await wait_for(pilot, lambda: app.pane.running, 90.0)
        assert not app.query_one("#no-daemon").has_class("shown")
        await pilot.press("K", "y")
        await wait_for(pilot, lambda: node_pid(tmp_path) is None, 60.0)

    try:
        drive(NodeApp(reader), scenario)
    finally:
        reader.close()
        pid = node_pid(tmp_path)
        if pid:  # the test failed half way: do not leave a daemon behind
            import os
            import signal

            os.kill(pid, signal.SIGTERM)
            time.sleep(2)
    log = (tmp_path / jobs.DAEMON_LOG).read_text()
    assert log, "the daemon wrote nothing"
