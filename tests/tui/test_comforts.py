"""Operator comforts: the help screen, the command palette, notifications, confirmations
before anything destructive, read-only hiding every action."""

from __future__ import annotations

from typing import Any

import pytest
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from tests.tui.frozen import FrozenSource
from tests.tui.pilot import drive, no_daemon, static_text_on, wait_for
from tui.app import NodeApp
from tui.views.dialogs import ConfirmDialog
from tui.views.help import HelpScreen

WRITING = {"Publish a note", "Start a training run", "Stop the selected training run"}
WRITING |= {"Start adapting", "Stop adapting", "Export a model", "Stop the node"}


def help_text(app: NodeApp) -> str:
    return static_text_on(app.screen, "#help-keys")


def test_question_mark_opens_the_keys_and_closes_them(reader: Any) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = help_text(app)
        for line in ("o ", "Overview", "Stop run", "Training", "Export", "Models", "ctrl+p"):
            assert line in keys, line
        await pilot.press("question_mark")
        assert not isinstance(app.screen, HelpScreen)

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_read_only_help_lists_no_key_that_writes(reader: Any) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("question_mark")
        keys = help_text(app)
        assert "Overview" in keys and "Filter" in keys
        for action in ("Note", "Start run", "Stop run", "Export", "Stop adapting", "Search"):
            assert action not in keys, action

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


def palette_names(app: NodeApp) -> set[str]:
    return {a.name for a in app.node_actions()}


def test_the_palette_lists_every_node_action_and_runs_one(reader: Any) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert WRITING - {"Stop the node"} <= palette_names(app)
        assert "Start the node" in palette_names(app)  # none runs on the fixture store
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"show train")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.query_one(TabbedContent).active == "training")

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_read_only_hides_every_action_from_the_palette_and_the_keys(reader: Any) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        names = palette_names(app)
        assert "Show Overview" in names and "Quit" in names
        assert not names & (WRITING | {"Start the node", "Show Search"})
        await pilot.press("R", "K", "n", "s")
        assert len(app.screen_stack) == 1 and app.query_one(TabbedContent).active == "overview"
        keys = {b.binding.key for b in app.active_bindings.values() if b.enabled}
        assert not keys & {"R", "K", "n", "s"}

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


def test_stopping_the_node_asks_first_then_runs_byteswarm_stop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr("tui.jobs.run_lines", lambda cmd, on_line: ran.append(cmd) or 0)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert "Stop the node" in palette_names(app)  # the frozen node runs
        await pilot.press("K")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await pilot.pause(0.2)
        assert ran == []
        await pilot.press("K", "y")
        await wait_for(pilot, lambda: len(ran) == 1)

    drive(NodeApp(FrozenSource(), send=no_daemon), scenario)
    assert ran[0][1:] == ["-m", "node", "stop", "--data-dir", "/srv/byteswarm/node-a"]


def test_a_failed_command_is_a_notification(reader: Any) -> None:
    from tui.control import CommandFailed

    def refuse(command: Any) -> dict[str, Any]:
        raise CommandFailed("no node is running in /x (start it with: byteswarm run)")

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("n", *"hello", "enter")
        await wait_for(
            pilot, lambda: any("no node is running" in n.message for n in app._notifications)
        )

    drive(NodeApp(reader, send=refuse), scenario)


def test_every_screen_is_reachable_by_keyboard_alone(reader: Any) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        for key, tab in zip(
            "pesfdmo",
            ["peers", "events", "search", "training", "adaptation", "models", "overview"],
            strict=True,
        ):
            await pilot.press(key)
            assert app.query_one(TabbedContent).active == tab
            if tab == "search":
                assert isinstance(app.focused, Input)
                await pilot.press("escape")

    drive(NodeApp(reader, send=no_daemon), scenario)
