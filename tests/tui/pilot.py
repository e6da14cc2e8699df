"""Driving the app in tests: run a scenario under Pilot, wait for a condition, read what
a Static or a DataTable shows."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, Static

from tui.app import NodeApp

Scenario = Callable[[NodeApp, Pilot[None]], Awaitable[None]]


def drive(app: NodeApp, scenario: Scenario, size: tuple[int, int] = (120, 40)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await wait_for(pilot, lambda: app.snapshot is not None)
            await scenario(app, pilot)

    asyncio.run(main())


async def wait_for(pilot: Pilot[None], done: Callable[[], bool], timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not done():
        assert loop.time() < deadline, "timed out"
        await pilot.pause(0.05)


def static_text(app: NodeApp, selector: str) -> str:
    return static_text_on(app.screen, selector)


def static_text_on(screen: Screen[Any], selector: str) -> str:
    """A Static's text: its string, or a rich renderable printed 200 columns wide."""
    content = screen.query_one(selector, Static).content
    if isinstance(content, str):
        return content
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(content)
    return console.export_text()


def table_rows(app: NodeApp, selector: str) -> list[list[str]]:
    table: DataTable[Any] = app.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def no_daemon(command: Any) -> dict[str, Any]:
    raise AssertionError(f"nothing should be sent: {command}")
