"""The pure parts of drawing the history: the text chart, the series, reading a time."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from node.store.history import HistoryRow
from node.wire.status.history import HistorySample, RunPoint, encode_sample
from tui import replay
from tui.chart import Chart, bars, fit
from tui.history import History, Point, bytes_per_round, decode


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def render(chart: Chart, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True)
    console.print(chart)
    return console.export_text().splitlines()


def test_bars_scale_from_the_smallest_to_the_largest_and_leave_gaps() -> None:
    assert bars([0.0, None, 1.0], 1) == ["▁ █"]
    assert bars([0.0, 5.0, 10.0], 2) == [" ▁█", "▁██"]
    assert bars([3.0, 3.0], 1) == ["▄▄"]  # a constant series: half the height


def test_fit_averages_columns_and_keeps_short_series() -> None:
    assert fit([1.0, 2.0], 5) == [1.0, 2.0]
    assert fit([1.0, 3.0, None, None, 5.0, 7.0], 3) == [2.0, None, 6.0]


def test_a_chart_fills_its_width_with_range_title_and_times() -> None:
    lines = render(Chart("round", [1.0, 2.0, 3.0], start="07:00:00", end="08:00:00"), 40)
    assert lines[0] == "round  3"
    assert lines[1].startswith("      3 ") and lines[3].startswith("      1 ")
    assert all(len(line) <= 40 for line in lines)
    assert "08:00:00" in lines[4]
    assert render(Chart("accuracy", [None, None], note="not evaluated yet"), 40)[1] == (
        "not evaluated yet"
    )


def point(ts_s: int, run_round: int | None, nbytes: int) -> Point:
    sample = HistorySample(ts_s=ts_s)
    if run_round is not None:
        sample.runs = {"r": RunPoint(round=run_round)}
    row = HistoryRow(ts_s, 1, 0, 0, nbytes, 0, 0, 0.0, 0, 0, encode_sample(sample))
    return Point(row, sample)


def test_bytes_per_round_spreads_what_was_sent_since_the_last_round() -> None:
    points = [point(1, None, 50), point(2, 1, 100), point(3, 1, 300), point(4, 3, 100)]
    assert bytes_per_round(points, "r") == [None, None, None, 200.0]  # (300 + 100) / 2


def test_a_sample_that_breaks_its_type_is_left_out() -> None:
    good = point(1, 1, 0).row
    bad = HistoryRow(2, 1, 0, 0, 0, 0, 0, 0.0, 0, 0, b"\x92\xa1x")
    assert [p.ts_s for p in decode([good, bad])] == [1]


def test_parse_when_reads_relative_clock_and_dated_times(utc: None) -> None:
    now = 1_800_000_000  # 2027-01-15 08:00:00 UTC
    assert replay.parse_when("-10m", now) == now - 600
    assert replay.parse_when("-1h30m", now) == now - 5400
    assert replay.parse_when("-90s", now) == now - 90
    assert replay.parse_when("07:59:30", now) == now - 30
    assert replay.parse_when("09:00", now) == now + 3600 - 86400  # yesterday's
    assert replay.parse_when("2027-01-15 07:00", now) == now - 3600
    for bad in ("noon", "-", "25:00", "-10x", ""):
        with pytest.raises(ValueError):
            replay.parse_when(bad, now)


def test_clamp_keeps_the_replay_inside_the_history(utc: None) -> None:
    history = History(100, 200, 200, (), ())
    assert replay.clamp(history, 150) == (150, "")
    second, why = replay.clamp(history, 50)
    assert second == 100 and "holds" in why
    assert replay.clamp(None, 150)[0] is None
    assert replay.banner(1_800_000_000 - 750, 1_800_000_000_000).startswith(
        "REPLAY 07:47:30 (-00:12:30)"
    )
