"""The adapt budget: no adaptation work until started, then within samples and minutes."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from node.adapt.budget import AdaptBudget, describe
from node.cli.swarm import run_cli
from node.wire.control import AdaptStart, AdaptStop
from node.wire.status.services import BudgetStatus


def test_nothing_runs_until_started_and_a_sample_budget_stops_it() -> None:
    budget = AdaptBudget()
    assert not budget.allows() and "byteswarm adapt start" in describe(budget.status())
    budget.start(samples=100, now=0.0)
    assert budget.allows(now=1.0)
    budget.spend(50)
    assert budget.allows(now=2.0) and budget.status(now=2.0).samples == 50
    budget.spend(50)
    assert not budget.allows(now=3.0)
    status = budget.status(now=3.0)
    assert (status.running, status.samples) == (False, 100)
    assert "budget of 100 samples is spent" in describe(status)


def test_a_minute_budget_stops_it_and_status_shows_the_time_left() -> None:
    budget = AdaptBudget()
    budget.start(minutes=2, now=1000.0)
    assert budget.status(now=1030.0).minutes_left == pytest.approx(1.5)
    assert "1.5 of 2 min left" in describe(budget.status(now=1030.0))
    assert budget.allows(now=1119.0) and not budget.allows(now=1120.0)
    assert "2 minutes is spent" in budget.note


def test_control_rows_start_replace_and_stop_the_budget() -> None:
    budget = AdaptBudget()
    assert budget.on_control("search", {}) is None
    started = budget.on_control(AdaptStart.command, {"samples": None, "minutes": None})
    assert started is not None and started["running"] and started["samples_limit"] is None
    budget.spend(10)
    again = budget.on_control(AdaptStart.command, {"samples": 5})
    assert again is not None and (again["samples"], again["samples_limit"]) == (0, 5)
    stopped = budget.on_control(AdaptStop.command, {})
    assert stopped is not None and not stopped["running"]
    # the control row's result is plain data: the CLI reads it back as the struct
    assert describe(msgspec.convert(stopped, BudgetStatus)) == (
        "adaptation idle: stopped by the operator"
    )
    with pytest.raises(ValueError, match="--samples"):
        budget.on_control(AdaptStart.command, {"samples": 0})
    with pytest.raises(ValueError, match="minutes"):
        budget.on_control(AdaptStart.command, {"minutes": float("nan")})


def test_adapt_start_without_a_running_node_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_cli("adapt", "start", "--samples", "10", "--data-dir", str(tmp_path), timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "byteswarm run" in result.stderr
    assert "Traceback" not in result.stderr
