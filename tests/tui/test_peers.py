"""The Peers screen's traffic columns (direction, records in/out, rate-limited, sync lag
both ways): what each shows, that each sorts, that direction filters, and the detail."""

from __future__ import annotations

import dataclasses

import msgspec
import pytest
from textual.containers import VerticalScroll
from textual.pilot import Pilot
from textual.widgets import Input

from node.store.rows import EventRow
from tests.tui.conftest import PEER_A, PEER_B
from tests.tui.frozen import PEER_C, FrozenSource, frozen_snapshot
from tests.tui.pilot import drive, no_daemon, static_text, static_text_on, table_rows, wait_for
from tui.app import NodeApp
from tui.source import Snapshot
from tui.views.peer_detail import PeerDetail
from tui.views.peers import COLUMNS

A, B, C = ("…" + p[-12:] for p in (PEER_A, PEER_B, PEER_C))


def snapshot() -> Snapshot:
    """The frozen snapshot with C rate-limited, ahead of us and behind us the most."""
    snap = frozen_snapshot()
    assert snap.status is not None
    guard = msgspec.to_builtins(snap.status.peers)
    guard["peers"][PEER_C] = {"score": -1.0, "rejections": {"rate_limited": 7}}
    traffic = msgspec.to_builtins(snap.status.peer_traffic)
    traffic[PEER_C] = {"direction": "inbound", "records_in": 1, "records_out": 90}
    traffic[PEER_C] |= {"behind_topics": 2, "behind_s": 3.0, "their_lag": 250}
    status = msgspec.convert(
        msgspec.to_builtins(snap.status) | {"peers": guard, "peer_traffic": traffic},
        type(snap.status),
    )
    return Snapshot(snap.now_ms, status, snap.peers, snap.events, snap.finetune, snap.adapt)


async def sort_by(app: NodeApp, pilot: Pilot[None], column: str) -> list[str]:
    while f"sorted by {column}" not in static_text(app, "#peers-count"):
        await pilot.press("r")
    return [r[0] for r in table_rows(app, "#peers-table")]


def test_each_traffic_column_shows_its_counter() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p")
        rows = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in table_rows(app, "#peers-table")}
        assert rows[A]["dir"] == "out" and rows[C]["dir"] == "in" and rows[B]["dir"] == "-"
        assert (rows[A]["in"], rows[A]["out"]) == ("42", "17")
        assert (rows[B]["in"], rows[B]["out"]) == ("5", "0")
        assert rows[C]["rate-ltd"] == "7" and rows[B]["rate-ltd"] == "0"
        assert rows[A]["behind"] == "1t 14s" and rows[B]["behind"] == "-"
        assert rows[C]["behind"] == "2t 3s"
        assert (rows[A]["lag"], rows[C]["lag"], rows[B]["lag"]) == ("3", "250", "-")

    drive(NodeApp(FrozenSource(snapshot=snapshot()), send=no_daemon), scenario)


@pytest.mark.parametrize(
    ("column", "order"),
    [
        ("dir", [C, A, B]),  # inbound, outbound, then not connected
        ("in", [A, B, C]),
        ("out", [C, A, B]),
        ("rate-ltd", [C, A, B]),
        ("behind", [C, A, B]),
        ("lag", [C, A, B]),
    ],
)
def test_each_traffic_column_sorts(column: str, order: list[str]) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p")
        assert await sort_by(app, pilot, column) == order  # ties keep the store's order

    drive(NodeApp(FrozenSource(snapshot=snapshot()), send=no_daemon), scenario)


def test_direction_and_rate_limiting_filter() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p", "slash", *"inbound")
        assert [r[0] for r in table_rows(app, "#peers-table")] == [C]
        assert "1 match 'inbound'" in static_text(app, "#peers-count")
        await pilot.press("ctrl+a", "ctrl+k", *"OUTBOUND", "enter")
        assert [r[0] for r in table_rows(app, "#peers-table")] == [A]
        app.query_one("#peers-filter", Input).value = "rate_limited"  # the rate-ltd column's cause
        await pilot.pause()
        assert [r[0] for r in table_rows(app, "#peers-table")] == [C]

    drive(NodeApp(FrozenSource(snapshot=snapshot()), send=no_daemon), scenario)


def test_the_detail_says_what_it_sent_how_far_behind_and_its_history() -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p", "enter")  # the first row: alpha, connected
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDetail))
        detail = static_text_on(app.screen, "#peer-detail")
        assert "outbound" in detail
        assert "42 new records (40 byteswarm/notes, 2 rank/clicks)" in detail
        assert "17 records (its pulls and samples)" in detail
        assert "1 topic(s) to pull, waiting 14s" in detail
        assert "3 records to pull" in detail
        assert f"connected to …{PEER_A[-12:]}" in detail  # its history: events naming it

    drive(NodeApp(FrozenSource(snapshot=snapshot()), send=no_daemon), scenario)


def test_a_long_detail_scrolls_at_80x24() -> None:
    snap = snapshot()
    why = "bad_signature, protocol_error and a long tail of causes, " * 2
    noisy = [
        EventRow(100 + n, snap.now_ms - n, "warning", "guard", f"{PEER_A} refused: {why}", {})
        for n in range(10)
    ]
    snap = dataclasses.replace(snap, events=noisy + snap.events)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PeerDetail))
        box = app.screen.query_one(VerticalScroll)
        await wait_for(pilot, lambda: box.max_scroll_y > 0)  # five long events: taller than 24
        assert box.region.bottom <= 24
        await pilot.press("down", "down")
        await wait_for(pilot, lambda: box.scroll_y > 0)

    drive(NodeApp(FrozenSource(snapshot=snap), send=no_daemon), scenario, size=(80, 24))
