"""What the benches on real daemons read off a process and how they report runs."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from bench.runtime.measure import cpu_seconds, write_report


def test_cpu_seconds_of_this_process_grow_with_work() -> None:
    before = cpu_seconds(os.getpid())
    start = time.process_time()
    while time.process_time() - start < 0.05:  # several clock ticks (/proc counts in 10 ms)
        sum(i * i for i in range(10_000))
    assert cpu_seconds(os.getpid()) > before >= 0


def test_report_summarises_measured_floats_and_names_the_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["gossip.py", "--peers", "3"])
    runs = [
        {"seconds": 30.0, "p50_ms": 2.0, "peers": 3},
        {"seconds": 30.0, "p50_ms": 4.0, "peers": 3},
    ]
    out = tmp_path / "r.json"
    write_report("gossip", "bench.runtime.gossip", runs, {"seconds"}, {"note": "x"}, out)
    report = json.loads(out.read_text())
    assert report["command"] == "python -m bench.runtime.gossip --peers 3"
    assert report["bench"] == "gossip" and report["note"] == "x" and report["runs"] == runs
    # "seconds" was set, not measured; ints are not summarised
    assert report["summary"] == {"p50_ms": {"mean": 3.0, "std": 1.0}}
