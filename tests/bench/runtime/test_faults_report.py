"""bench/runtime/faults_report.py: runs become mean ± std per case, and one table row each."""

from __future__ import annotations

from typing import Any

from bench.runtime.faults_report import summarise, table


def _run(run: int, cpu: float, acks: list[float], penalised: float | None) -> dict[str, Any]:
    return {
        "case": "junk_frames",
        "run": run,
        "crashed": False,
        "cpu_pct": cpu,
        "cpu_pct_second_half": cpu,
        "rss_mb_peak": 100.0,
        "ack_ms_p50": acks[0],
        "ack_ms_p99": acks[-1],
        "acks_ms": acks,
        "acks": len(acks),
        "ack_failures": 0,
        "delivery_ms_p50": 300.0,
        "delivery_ms_p99": 800.0,
        "honest_published": 20,
        "honest_delivered": 20,
        "penalised_after_s": penalised,
        "banned_after_s": None,
        "attacker_rows_stored": 0,
        "attacker_kb_stored": 0.0,
    }


def test_runs_are_summarised_with_sample_std_and_counted_outcomes() -> None:
    runs = [_run(0, 10.0, [5.0, 50.0], 1.0), _run(1, 14.0, [7.0, 300.0], None)]
    entry = summarise(runs)["junk_frames"]
    assert entry["cpu_pct"] == {"mean": 12.0, "std": 2.83, "n": 2}
    assert entry["penalised_after_s"] == {"mean": 1.0, "std": 0.0, "n": 1}
    assert entry["penalised_runs"] == 1 and entry["banned_runs"] == 0
    assert entry["ack_ms_pooled"]["max"] == 300.0 and entry["ack_ms_pooled"]["n"] == 4
    assert entry["honest"] == "40/40"
    row = table(summarise(runs)).splitlines()[-1]
    assert row.startswith("| junk frames, every protocol | 0/2 | 12.0 ± 2.8 %")
    assert "1.0 ± 0.0 s (1/2)" in row
