"""The TUI bench's store filler and one child run on a small store (the real run is
``python -m bench.tui.paint``)."""

from __future__ import annotations

from pathlib import Path

from bench.tui.fill import HISTORY_END_S, fill
from bench.tui.paint import child
from node.store.database import Store
from node.wire.status.codec import decode_node
from node.wire.status.history import decode_sample


def test_fill_is_seeded_and_complete(tmp_path: Path) -> None:
    path = fill(tmp_path / "a", records=300, peers=7, events=20, seed=3)
    with Store.open(path, readonly=True) as store:
        assert store.count_records() == 300
        assert len(store.list_peers()) == 7
        assert len(store.recent_events(100)) == 20
        status = store.read_status("node")
        assert status is not None and sum(decode_node(status[1]).records.values()) == 300
        first = {p.peer_id for p in store.list_peers()}
    again = fill(tmp_path / "b", records=300, peers=7, events=20, seed=3)
    with Store.open(again, readonly=True) as store:
        assert {p.peer_id for p in store.list_peers()} == first


def test_fill_writes_hours_of_history_one_row_a_second(tmp_path: Path) -> None:
    path = fill(tmp_path, records=10, peers=2, events=1, seed=0, history_hours=0.5)
    with Store.open(path, readonly=True) as store:
        assert store.history_bounds() == (HISTORY_END_S - 1799, HISTORY_END_S)
        (row,) = store.read_history(HISTORY_END_S, HISTORY_END_S, 1)
        sample = decode_sample(row.sample)
        assert sample.runs["bench-1"].round > 0 and len(sample.topics) == 4


def test_a_child_run_measures_paint_redraw_replay_play_and_rss(tmp_path: Path) -> None:
    fill(tmp_path, records=200, peers=3, events=10, seed=0, history_hours=0.2)
    out = child(tmp_path, changes=2, play_s=1.0)
    assert 0 < out["first_paint_s"] < 30
    assert 0 < out["redraw_s"] <= out["redraw_max_s"] < 10
    assert 0 < out["replay_s"] < 10 and 0 < out["history_load_s"] < 10
    assert out["play_frames_per_s"] > 0 and 0 < out["play_history_s_per_s"] <= 700
    assert 20 < out["rss_mb"] <= out["rss_peak_mb"]
