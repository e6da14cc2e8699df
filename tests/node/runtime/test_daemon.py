"""The daemon in-process: services and the history writer are supervised, control rows are
answered."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import trio

from node.config.settings import HistoryConfig, load_config
from node.runtime.daemon import Daemon
from node.store.history import HistoryRow

pytestmark = [pytest.mark.network]


class CrashOnce:
    name = "crashy"
    topics: tuple[str, ...] = ()

    def __init__(self) -> None:
        self.starts = 0

    async def run(self, daemon: Daemon) -> None:
        self.starts += 1
        if self.starts == 1:
            raise RuntimeError("service bug")
        await trio.sleep_forever()

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        return {"echo": args} if command == "crashy_echo" else None


def test_a_crashing_service_is_restarted_and_the_node_keeps_serving(tmp_path: Path) -> None:
    service = CrashOnce()
    config = load_config(None, data_dir=str(tmp_path))
    daemon = Daemon(config, [service])

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(daemon.run)
            with trio.fail_after(10):
                while service.starts < 2:
                    await trio.sleep(0.05)
            control_id = await daemon.db(daemon.store.enqueue_control, "crashy_echo", {"x": 1})
            with trio.fail_after(10):
                while (
                    row := await daemon.db(daemon.store.get_control, control_id)
                ).status != "done":
                    await trio.sleep(0.05)
            assert row.result == {"echo": {"x": 1}}
            bad = await daemon.db(daemon.store.enqueue_control, "no_such_command", {})
            with trio.fail_after(10):
                while (row := await daemon.db(daemon.store.get_control, bad)).status != "failed":
                    await trio.sleep(0.05)
            assert "unknown control command" in (row.result or {}).get("error", "")
            events = await daemon.db(daemon.store.recent_events, 50)
            assert any("crashy crashed" in e.message for e in events)
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_a_crashing_history_writer_is_restarted_and_loses_no_sample(tmp_path: Path) -> None:
    config = load_config(None, data_dir=str(tmp_path))
    daemon = Daemon(dataclasses.replace(config, history=HistoryConfig(write_every=1)))
    real = daemon.store.write_history
    crashed: list[int] = []

    def write_history(rows: list[HistoryRow], before_s: int, delete_max: int) -> int:
        if not crashed:  # the first write: a bug, not a full disk
            crashed.extend(r.ts_s for r in rows)
            raise RuntimeError("history bug")
        return real(rows, before_s, delete_max)

    daemon.store.write_history = write_history  # type: ignore[method-assign]

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(daemon.run)
            writer = daemon.history
            assert writer is not None
            with trio.fail_after(15):
                while writer.written < 3:
                    await trio.sleep(0.05)
            events = await daemon.db(daemon.store.recent_events, 50)
            assert any("history crashed" in e.message for e in events)
            first = min(crashed)
            stored = await daemon.db(daemon.store.read_history, first, first + 100, 1000)
            assert set(crashed) <= {r.ts_s for r in stored}  # the crashed write's rows too
            assert daemon.status_report.snapshot(running=True).history.written >= 3
            nursery.cancel_scope.cancel()

    trio.run(main)
