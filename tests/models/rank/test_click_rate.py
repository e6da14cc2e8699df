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
