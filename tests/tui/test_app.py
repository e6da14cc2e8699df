"""The app against a store filled by the node's own Store API: what each screen shows,
the keys, and the control rows its actions queue (Pilot, no daemon)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, TabbedContent

from node.config.settings import STORE_FILE
from node.store.rows import ControlRow
from tests.tui.conftest import PEER_A, PEER_B, SELF, FakeDaemon
from tests.tui.pilot import drive, no_daemon, static_text, static_text_on, table_rows, wait_for
from tui.app import NodeApp
from tui.control import ControlSender
from tui.source import StoreReader
from tui.views.peer_detail import PeerDetail


def test_overview_shows_the_status_document_and_the_newest_events(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        info = static_text(app, "#node-info")
        assert SELF in info
        assert "not running" in info  # no daemon holds the lock
        assert f"start it with: byteswarm run --data-dir {reader.data_dir}" in info
        assert "device" in info and "rank, finetune" in info
        assert "/ip4/127.0.0.1/tcp/4001" in info and "/ip4/10.0.0.2/tcp/4001" in info
        assert "1 connected" in info and "1.5 MB, 10 records" in info
        assert "2 bad_signature" in info
        events = table_rows(app, "#recent-events")
        assert [e[3] for e in events] == [
            "refused 2 records from bravo",
            f"connected to {PEER_A}",
            "node started",
        ]
        assert events[0][1] == "warning"

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_peers_screen_lists_peers_connected_first_with_rejections(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p")
        assert app.query_one(TabbedContent).active == "peers"
        assert static_text(app, "#peers-count") == "2 peers seen, 1 connected"
        rows = table_rows(app, "#peers-table")
        assert [r[0] for r in rows] == ["…" + PEER_A[-12:], "…" + PEER_B[-12:]]
        assert [r[1] for r in rows] == ["yes", "no"]
        assert rows[0][6] == "-" and rows[1][6] == "2"  # rejections, all causes
        assert rows[1][10] == "/ip4/10.0.0.4/tcp/4001"

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_a_store_change_shows_within_a_second_or_two(data_dir: Path, reader: StoreReader) -> None:
    from node.store.database import Store

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        with Store.open(data_dir / STORE_FILE) as store:
            store.add_event("node", "something new")
        newest = lambda: table_rows(app, "#recent-events")[0][3]  # noqa: E731
        await wait_for(pilot, lambda: newest() == "something new", 3.0)

    drive(NodeApp(reader, send=no_daemon), scenario)


def rank_answer(row: ControlRow) -> dict[str, Any]:
    if row.command == "search":
        return {
            "results": [
                {"rank": 1, "id": "t1", "title": "Blue Monday", "artist": "New Order"},
                {"rank": 2, "id": "t2", "title": "Blue", "artist": "Joni Mitchell"},
            ],
            "popular": [],
        }
    return {"seq": 5, "query": row.args["query"], "item": row.args["item"]}


def test_search_queues_a_search_row_shows_results_and_enter_queues_a_click(
    data_dir: Path, reader: StoreReader
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s")
        assert app.query_one(TabbedContent).active == "search"
        await pilot.press(*"blue", "enter")  # "s" and "q" typed in the box are text, not keys
        await wait_for(pilot, lambda: len(table_rows(app, "#results")) == 2)
        assert table_rows(app, "#results")[0] == [
            *("1", "t1", "Blue Monday", "New Order"),
            *("-", "-", "-"),  # an answer without a breakdown
        ]
        await pilot.press("down", "enter")  # the second result
        await wait_for(pilot, lambda: "click #5" in static_text(app, "#search-status"))

    with FakeDaemon(data_dir, rank_answer) as daemon:
        drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
    assert [(r.command, r.args) for r in daemon.rows] == [
        ("search", {"query": "blue", "k": 10, "explore": False, "explain": True}),
        ("click", {"query": "blue", "item": "t2", "shown": ["t1", "t2"]}),
    ]


def test_search_with_no_daemon_says_so_and_queues_nothing(
    data_dir: Path, reader: StoreReader
) -> None:
    from node.store.database import Store

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"quiet", "enter")
        await wait_for(pilot, lambda: "no node is running" in static_text(app, "#search-status"))
        assert app.query_one(TabbedContent).active == "search"  # "q" in the box did not quit

    drive(NodeApp(reader, send=ControlSender(data_dir, timeout=2.0)), scenario)
    with Store.open(data_dir / STORE_FILE, readonly=True) as store:
        assert store.db.execute("SELECT count(*) FROM control").fetchone()[0] == 0


def test_q_quits(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_ctrl_c_quits_too(reader: StoreReader) -> None:
    """``demo --tui`` stops its swarm when the app ends: Ctrl-C must end it, not just hint."""

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


def test_every_screen_fits_80x24(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        for key in "pesfdmo":
            await pilot.press(key)
            await pilot.pause()
        assert SELF in static_text(app, "#node-info")

    drive(NodeApp(reader, send=no_daemon), scenario, size=(80, 24))


def test_escape_leaves_the_query_box_so_the_screen_keys_work(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"op")
        assert app.query_one("#query", Input).value == "op"
        assert app.query_one(TabbedContent).active == "search"
        await pilot.press("escape", "o")
        assert app.query_one(TabbedContent).active == "overview"
        await pilot.press("s", "slash")  # "/" back into the box from the results
        assert app.focused is app.query_one("#query", Input)

    drive(NodeApp(reader, send=no_daemon), scenario)


def publish_answer(row: ControlRow) -> dict[str, Any]:
    return {"topic": "byteswarm/notes", "seq": 3}


def test_n_publishes_a_note_through_a_publish_row(data_dir: Path, reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("n")
        await pilot.press(*"hello swarm", "enter")
        await wait_for(pilot, lambda: len(daemon.rows) == 1)
        await pilot.press("n", *"never sent", "escape")  # Escape cancels the dialog
        await pilot.pause(0.3)

    with FakeDaemon(data_dir, publish_answer) as daemon:
        drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
    assert [(r.command, r.args) for r in daemon.rows] == [
        ("publish", {"text": "hello swarm", "value": 0.0, "count": 1, "rate": 0.0}),
    ]


def test_read_only_hides_every_action(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert not app.query("#query")  # no search screen
        await pilot.press("s", "n")
        assert app.query_one(TabbedContent).active == "overview"
        assert len(app.screen_stack) == 1  # no publish dialog
        keys = {b.binding.key for b in app.active_bindings.values() if b.enabled}
        assert {"o", "p", "q"} <= keys and not keys & {"s", "n"}

    drive(NodeApp(reader, send=no_daemon, read_only=True), scenario)


def test_peers_filter_and_sort(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p", "slash", *"10.0.0.4")
        rows = table_rows(app, "#peers-table")
        assert [r[0] for r in rows] == ["…" + PEER_B[-12:]]
        assert "1 match '10.0.0.4'" in static_text(app, "#peers-count")
        await pilot.press("ctrl+a", "ctrl+k", *"BAD_SIG", "enter")  # any case; Enter leaves
        assert [r[0] for r in table_rows(app, "#peers-table")] == ["…" + PEER_B[-12:]]
        app.query_one("#peers-filter", Input).value = ""
        await pilot.pause()
        await pilot.press(*"r" * 7)  # peer, conn, dir, last seen, in, out, refused
        assert "sorted by refused" in static_text(app, "#peers-count")
        assert table_rows(app, "#peers-table")[0][0] == "…" + PEER_B[-12:]
        await pilot.press(*"r" * 5)  # rate-ltd, behind, lag, addresses, then peer id again
        assert [r[0] for r in table_rows(app, "#peers-table")] == [
            "…" + PEER_A[-12:],
            "…" + PEER_B[-12:],
        ]

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_events_screen_lists_the_log_newest_first_and_filters(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("e")
        assert app.query_one(TabbedContent).active == "events"
        assert [r[1] for r in table_rows(app, "#events-table")] == ["warning", "info", "info"]
        await pilot.press("slash", *"PEER")
        rows = table_rows(app, "#events-table")
        assert [r[3] for r in rows] == [f"connected to {PEER_A}"]
        assert "1 match 'PEER'" in static_text(app, "#events-count")
        await pilot.press("escape", "o")  # out of the box, the screen keys work
        assert app.query_one(TabbedContent).active == "overview"

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_enter_on_a_peer_opens_its_detail(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("p", "down", "enter")  # the second peer, bravo
        assert isinstance(app.screen, PeerDetail)
        detail = static_text_on(app.screen, "#peer-detail")
        assert PEER_B in detail and "bootstrap" in detail
        assert "2 bad_signature" in detail and "-4.0" in detail
        assert "5 new records (5 byteswarm/notes)" in detail
        assert "never pulled from us" in detail
        await pilot.press("escape")
        assert not isinstance(app.screen, PeerDetail)

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_a_store_the_node_has_not_written_to_yet(tmp_path: Path) -> None:
    from node.store.database import Store

    Store.open(tmp_path / STORE_FILE).close()
    reader = StoreReader(tmp_path, tmp_path / STORE_FILE)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert "no status yet" in static_text(app, "#node-info")
        assert static_text(app, "#peers-count") == "no peers seen yet"
        assert static_text(app, "#training-summary").startswith("no runs yet")
        assert "no status yet" in static_text(app, "#adapt-info")

    try:
        drive(NodeApp(reader, send=no_daemon), scenario)
    finally:
        reader.close()


def test_a_closed_reader_says_so(reader: StoreReader) -> None:
    import pytest

    from node.store.rows import StoreError

    reader.close()
    with pytest.raises(StoreError, match="closed"):
        reader.read()


def test_ctrl_t_switches_between_the_light_and_the_dark_theme(reader: StoreReader) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        start = app.theme
        await pilot.press("ctrl+t")
        assert app.theme == ("textual-dark" if start == "textual-light" else "textual-light")
        await pilot.press("ctrl+t")
        assert app.theme == (start if start == "textual-light" else "textual-dark")

    drive(NodeApp(reader, send=no_daemon), scenario)


def test_no_match_says_so_and_names_popular_items_apart(
    data_dir: Path, reader: StoreReader
) -> None:
    popular = [{"rank": 1, "id": "t9", "title": "Hit", "artist": "Someone"}]

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("s", *"zzz", "enter")
        await wait_for(pilot, lambda: "no items match" in static_text(app, "#search-status"))
        assert static_text(app, "#search-status") == "no items match 'zzz' (popular: Hit)"
        assert table_rows(app, "#results") == []  # popular items are never shown as results

    with FakeDaemon(data_dir, lambda row: {"results": [], "popular": popular}):
        drive(NodeApp(reader, send=ControlSender(data_dir, timeout=5.0)), scenario)
