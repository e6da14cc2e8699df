from __future__ import annotations

from dataclasses import replace

import pytest

from models.rank.click_rate import MIN_HALF_LIFE_S, ClickRate, drifted
from models.rank.config import BYTESWARM, BYTESWARM_V2


def test_no_rate_before_two_rows_at_different_times() -> None:
    rate = ClickRate()
    assert rate.rows_per_second() is None
    rate.observe([5.0, 5.0])
    assert rate.rows_per_second() is None
    assert rate.config_for(BYTESWARM_V2) == BYTESWARM_V2


def test_a_row_counted_half_life_is_rows_over_the_rate() -> None:
    rate = ClickRate()
    rate.observe(float(t) * 4 for t in range(11))  # 10 gaps over 40 s: 0.25 rows a second
    assert rate.rows_per_second() == pytest.approx(0.25)
    half_life_rows = BYTESWARM_V2.half_life_rows
    assert half_life_rows is not None
    assert rate.config_for(BYTESWARM_V2).half_life_s == pytest.approx(half_life_rows * 4)


def test_a_burst_cannot_shorten_the_half_life_below_the_floor() -> None:
    rate = ClickRate()
    rate.observe([0.0] * 999 + [1.0])  # 999 rows a second
    assert rate.config_for(BYTESWARM_V2).half_life_s == MIN_HALF_LIFE_S


def test_a_half_life_in_seconds_is_left_alone() -> None:
    rate = ClickRate()
    rate.observe([0.0, 1.0, 2.0])
    assert rate.config_for(BYTESWARM) == BYTESWARM


def test_only_a_drift_beyond_a_quarter_rebuilds() -> None:
    base = replace(BYTESWARM_V2, half_life_s=1_000.0)
    assert not drifted(base, replace(base, half_life_s=1_240.0))
    assert not drifted(base, replace(base, half_life_s=810.0))
    assert drifted(base, replace(base, half_life_s=1_260.0))
    assert drifted(base, replace(base, half_life_s=790.0))
    assert not drifted(replace(base, half_life_s=None), base)


def test_a_click_dated_decades_back_does_not_stretch_the_half_life() -> None:
    honest = [float(t) for t in range(5_000)]  # one row a second
    clean, attacked = ClickRate(), ClickRate()
    clean.observe(honest)
    attacked.observe([-1e9] * 10 + honest)  # the bench's backdated attack: 10 sybils, a row each
    half_life = attacked.config_for(BYTESWARM_V2).half_life_s
    assert half_life == pytest.approx(clean.config_for(BYTESWARM_V2).half_life_s, rel=0.01)
    assert half_life == pytest.approx(BYTESWARM_V2.half_life_rows or 0.0, rel=0.01)


def test_backdated_rows_move_the_rate_only_once_they_are_a_quarter_of_the_rows() -> None:
    rate = ClickRate()
    rate.observe([float(t) for t in range(1_000)])
    rate.observe([-1e9] * 200)  # a sixth of the rows
    assert rate.rows_per_second() == pytest.approx(1.0, rel=0.3)
    rate.observe([-1e9] * 400)  # now over a quarter: the rate collapses
    assert (rate.rows_per_second() or 0.0) < 1e-6


def test_a_flood_dated_five_minutes_ahead_leaves_the_half_life_where_it_was() -> None:
    rate = ClickRate()
    rate.observe([float(t) for t in range(5_000)])
    before = rate.config_for(BYTESWARM_V2)
    rate.observe([5_300.0] * 2_048)  # the future cap of node.rank.records.click_row
    assert not drifted(before, rate.config_for(BYTESWARM_V2))


def test_rows_arriving_out_of_order_give_the_same_rate() -> None:
    times = [float(t) for t in range(3_000)]
    forward, shuffled = ClickRate(), ClickRate()
    forward.observe(times)
    shuffled.observe(times[1::2] + times[::2])
    assert forward.rows_per_second() == pytest.approx(shuffled.rows_per_second())
