"""bench/network/mesh.py: the summary against the goals (pure), and one --quick run on
namespaced hosts (slow: about 4 minutes on 2 shared cores)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bench.network.netns import unavailable_reason
from bench.network.report import summarize


def run(**values: Any) -> dict[str, Any]:
    base = {
        "mesh_degree_low_s": 8.0, "mesh_full_s": 9.0, "dead_peer_s": 12.0,
        "converge_after_heal_s": 1.0, "acked_missing_at_end": 0,
    }  # fmt: skip
    return base | values


def test_a_timeout_is_counted_never_averaged_and_fails_the_goal() -> None:
    summary = summarize([run(), run(dead_peer_s=None), run(dead_peer_s=14.0)])
    dead = summary["dead_peer_s"]
    assert (dead["n"], dead["timeouts"], dead["mean"]) == (2, 1, 13.0)
    assert not dead["met"]
    assert summary["mesh_full_s"]["met"] and summary["mesh_full_s"]["std"] == 0.0


def test_a_goal_is_met_on_the_mean_and_lost_records_are_summed() -> None:
    summary = summarize([run(converge_after_heal_s=4.0), run(converge_after_heal_s=7.0)])
    assert not summary["converge_after_heal_s"]["met"]  # mean 5.5 > 5
    lost = summarize([run(acked_missing_at_end=2), run(acked_missing_at_end=1)])
    assert lost["acked_missing_at_end"] == 3 and not lost["no_acked_record_lost"]


@pytest.mark.slow
@pytest.mark.network
@pytest.mark.integration
def test_mesh_quick_writes_both_conditions(quick_report: Callable[..., dict[str, Any]]) -> None:
    reason = unavailable_reason()
    if reason:
        pytest.skip(f"no network namespaces: {reason}")
    report = quick_report("bench.network.mesh", timeout=900)
    assert list(report["summary"]) == ["clean", "delay 50 ms + 5 % loss"]
    for condition, runs in report["runs"].items():
        assert len(runs) == 1
        assert runs[0]["acked_notes"] == 10
        assert not runs[0]["leaked_across_partition"]
        assert (runs[0]["link_fault_stalls"] > 0) == (condition != "clean")
