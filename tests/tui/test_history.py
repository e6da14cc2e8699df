"""Drawing the history: the Overview's sparklines, the Training and Adapt curves, and the
replay, against a real store holding half an hour of history (``conftest.fill_history``)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Sparkline

from node.config.settings import STORE_FILE
from node.store.database import Store
from tests.tui.conftest import HISTORY_S
from tests.tui.frozen import FrozenSource
from tests.tui.pilot import drive, no_daemon, static_text, table_rows, wait_for
from tui import history as hist
from tui.app import NodeApp
from tui.source import StoreReader


def open_app(data_dir: Path, *, read_only: bool = False) -> NodeApp:
    return NodeApp(StoreReader(data_dir, data_dir / STORE_FILE), no_daemon, read_only=read_only)


def test_overview_sparklines_draw_the_last_ten_minutes(data_dir: Path, history_end: int) -> None:
    with Store.open(data_dir / STORE_FILE, readonly=True) as store:
        rows = store.read_history(history_end - hist.RECENT_S + 1, history_end, hist.POINTS)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: bool(app.query_one("#spark-peers", Sparkline).data))
        peers = list(app.query_one("#spark-peers", Sparkline).data or [])
        assert peers == [r.peers for r in rows] and peers[-1] == 1
        msgs = list(app.query_one("#spark-msgs-in", Sparkline).data or [])
        assert msgs == [r.records_in / r.seconds for r in rows] and max(msgs) > 0
        store = list(app.query_one("#spark-store", Sparkline).data or [])
        assert store == sorted(store) and store[-1] == rows[-1].store_bytes
        assert static_text(app, "#value-store") == "1.5 MB"
        assert "last 10 min to" in static_text(app, "#spark-note")

    drive(open_app(data_dir), scenario)


def test_training_curves_show_round_accuracy_loss_and_bytes(
    data_dir: Path, history_end: int
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("f")
        await wait_for(pilot, lambda: "words-1" in static_text(app, "#training-chart-0"))
        rounds = static_text(app, "#training-chart-0")
        assert "words-1 round  23" in rounds and "█" in rounds
        accuracy = static_text(app, "#training-chart-1")
        assert "81.2%" in accuracy and "70.0%" in accuracy  # newest and first evaluated
        loss = static_text(app, "#training-chart-2")  # under the accuracy
        assert "loss  0.412" in loss and "0.583" in loss and "█" in loss
        assert "bytes/round" in static_text(app, "#training-chart-3")

    drive(open_app(data_dir), scenario)


def test_adapt_curves_show_accuracy_uncertainty_uploads_and_prompts(
    data_dir: Path, history_end: int
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("d")
        await wait_for(pilot, lambda: "v4" in static_text(app, "#adapt-chart-4"))
        assert "50.0%" in static_text(app, "#adapt-chart-0")  # the oldest accuracy
        assert "0.600" in static_text(app, "#adapt-chart-1")  # the oldest uncertainty
        assert "uploads  12" in static_text(app, "#adapt-chart-2")
        assert "75.6 KB" in static_text(app, "#adapt-chart-3")
        assert "v0" in static_text(app, "#adapt-chart-4")

    drive(open_app(data_dir), scenario)


def test_replay_shows_an_earlier_state_and_l_returns_to_live(
    data_dir: Path, history_end: int
) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        assert "1 connected" in static_text(app, "#node-info")
        await pilot.press(*["left_curly_bracket"] * 4)  # 20 minutes back
        await wait_for(pilot, lambda: pane.snapshot is not None and pane.snapshot.replay_s)
        assert pane.replay_s == history_end - 1200
        info = static_text(app, "#node-info")
        assert "4 connected" in info and "1 connected" not in info  # four peers back then
        assert "REPLAY" in static_text(app, "#replay-banner")
        assert "(-00:2" in static_text(app, "#replay-banner")
        await pilot.press("f")
        await pilot.pause(0.1)
        assert table_rows(app, "#runs")[0][2] == "3/100"  # the run's round then
        assert "words-1 round  3" in static_text(app, "#training-chart-0")
        await pilot.press("e")
        await pilot.pause(0.1)
        assert table_rows(app, "#events-table") == []  # every event was logged later
        await pilot.press("right_square_bracket")
        await wait_for(pilot, lambda: pane.snapshot is not None and pane.snapshot.replay_s)
        assert pane.replay_s == history_end - 1190
        await pilot.press("L")
        await pilot.pause(0.1)
        assert pane.replay_s is None and pane.snapshot is pane.live
        assert len(table_rows(app, "#events-table")) == 3
        await pilot.press("o")
        assert "1 connected" in static_text(app, "#node-info")
        assert not app.query_one("#replay-banner").has_class("shown")

    drive(open_app(data_dir, read_only=True), scenario)


def test_g_replays_a_time_and_refuses_one_it_cannot_read(data_dir: Path, history_end: int) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        pane = app.pane
        assert "Back to live" not in {a.name for a in app.node_actions()}
        before_s = (pane.live.now_ms if pane.live else 0) // 1000
        await pilot.press("g", *"-10m", "enter")
        await wait_for(pilot, lambda: pane.replay_s is not None)
        assert {"Replay a time", "Back to live"} <= {a.name for a in app.node_actions()}
        after_s = (pane.live.now_ms if pane.live else 0) // 1000
        # ten minutes before the node's "now" when g was answered (polls move it meanwhile)
        assert pane.replay_s is not None and before_s - 600 <= pane.replay_s <= after_s - 600
        await pilot.press("g", *"-2h", "enter")  # before the history: its oldest second
        await wait_for(pilot, lambda: pane.replay_s == history_end - HISTORY_S + 1)
        await pilot.press("g", *"noon", "enter")
        await wait_for(pilot, lambda: any("not a time" in n.message for n in app._notifications))
        assert pane.replay_s == history_end - HISTORY_S + 1

    drive(open_app(data_dir), scenario)


def test_no_history_says_so_instead_of_replaying(data_dir: Path) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        assert "none written yet" in static_text(app, "#spark-note")
        await pilot.press("left_square_bracket")
        await wait_for(pilot, lambda: any("no history" in n.message for n in app._notifications))
        assert app.pane.replay_s is None

    drive(open_app(data_dir), scenario)


def test_replay_is_per_node_tab() -> None:
    a, b = FrozenSource(Path("/srv/swarm/node0")), FrozenSource(Path("/srv/swarm/node1"))

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await wait_for(pilot, lambda: all(p.snapshot for p in app.panes))
        await pilot.press("2", *["left_curly_bracket"] * 4)  # 20 min back
        first, second = app.panes
        await wait_for(pilot, lambda: second.snapshot is not None and second.snapshot.replay_s)
        assert first.replay_s is None and first.snapshot is first.live
        await pilot.press("w")
        await pilot.pause(1.2)  # the swarm redraws once a second
        states = [row[-1] for row in table_rows(app, "#swarm-table")]
        assert states[0] == "running" and states[1].startswith("running; replay ")
        assert table_rows(app, "#swarm-table")[1][3] == "4"  # its peers then

    drive(NodeApp(a, send=no_daemon, others=[b]), scenario)


def test_a_live_view_reads_the_whole_window_second_then_every_30_s(
    data_dir: Path, history_end: int
) -> None:
    from node.runtime.history import as_row
    from node.wire.status.history import HistorySample

    with Store.open(data_dir / STORE_FILE) as store:
        first = hist.refresh(store, None)
        assert first is not None and first.span_pending and first.span == ()
        assert first.recent[-1].ts_s == history_end  # the sparklines need no wait
        second = hist.refresh(store, first)
        assert second is not None and not second.span_pending
        assert second.span[-1].ts_s == history_end and second.span[0].ts_s < history_end - 1700
        store.write_history([as_row(HistorySample(ts_s=history_end + 10))], 0, 0)
        third = hist.refresh(store, second)
        assert third is not None and third.span is second.span  # not re-read for 10 s
        assert third.recent[-1].ts_s == history_end + 10
        store.write_history([as_row(HistorySample(ts_s=history_end + 30))], 0, 0)
        fourth = hist.refresh(store, third)
        assert fourth is not None and fourth.span[-1].ts_s == history_end + 30
