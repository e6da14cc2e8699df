"""The Search screen's breakdown: score columns, the highlighted row's explanation, the
trusted peers, and an answer that breaks its type refused with one line."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot

from node.wire.control import Command, Search
from tests.tui.frozen import PEER_A, FrozenSource, search_answer
from tests.tui.pilot import drive, static_text, table_rows, wait_for
from tui.app import NodeApp


def test_results_show_own_peers_and_bm25_and_the_highlighted_row_says_why() -> None:
    sent: list[Command] = []

    def send(command: Command) -> dict[str, Any]:
        sent.append(command)
        return search_answer(command)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: len(table_rows(app, "#results")) == 3)
        rows = table_rows(app, "#results")
        assert rows[0] == ["1", "t1", "Blue Monday", "New Order", "1.00", "0.75", "1.21"]
        assert rows[2][0] == "3*"  # explored
        why = static_text(app, "#why")
        assert "clicks 1.75 = own 1.00 + peers 0.75" in why
        assert "bm25 1.21 (text match)" in why
        assert f"…{PEER_A[-6:]} 0.50 (w 0.75)" in why
        await pilot.press("down")
        await wait_for(pilot, lambda: "#2 t2" in static_text(app, "#why"))
        assert "own 0.00 + peers 0.50" in static_text(app, "#why")
        await pilot.press("down")
        await wait_for(pilot, lambda: "#3 t9" in static_text(app, "#why"))
        assert "explored: served at #7" in static_text(app, "#why")
        trusted = static_text(app, "#trusted")
        assert f"…{PEER_A[-6:]} w 1.00: 4/9 items, 3 terms" in trusted
        assert "1/12 items, 1 term" in trusted

    drive(NodeApp(FrozenSource(), send=send), scenario)
    assert sent == [Search(query="blue", explain=True)]


def test_no_trusted_peer_says_so() -> None:
    def send(command: Command) -> dict[str, Any]:
        return search_answer(command) | {"trusted": []}

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: len(table_rows(app, "#results")) == 3)
        assert "none yet: no peer clicked" in static_text(app, "#trusted")

    drive(NodeApp(FrozenSource(), send=send), scenario)


def test_an_answer_that_breaks_its_type_is_an_error_line_not_a_table() -> None:
    def send(command: Command) -> dict[str, Any]:
        answer = search_answer(command)
        answer["results"][1]["score"]["peers"] = float("nan")
        return answer

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: "search answer" in static_text(app, "#search-status"))
        assert "peers" in static_text(app, "#search-status")
        assert table_rows(app, "#results") == []

    drive(NodeApp(FrozenSource(), send=send), scenario)


def test_the_breakdown_reads_at_80x24() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"blue", "enter")
        await wait_for(pilot, lambda: len(table_rows(app, "#results")) == 3)
        assert app.query_one("#why").region.height >= 5
        assert app.query_one("#results").region.height >= 4  # the header and three rows
        assert "clicks 1.75 = own 1.00 + peers 0.75" in static_text(app, "#why")

    drive(NodeApp(FrozenSource(), send=search_answer), scenario, size=(80, 24))
