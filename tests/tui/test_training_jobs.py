"""The Training screen's verify and write-θ jobs: their argv and how an outcome reads."""

from __future__ import annotations

import json
from pathlib import Path

from tui.jobs import theta_command, theta_path, verify_command
from tui.views.training import verify_outcome


def report(checkpoints: dict[str, dict[str, list[str]]]) -> list[str]:
    doc = {"records": 12, "round": 11, "checkpoints": checkpoints, "ok": True}
    return json.dumps(doc, indent=2).splitlines()


def test_the_jobs_run_the_cli_on_the_panes_data_dir() -> None:
    data = Path("/srv/node-a")
    assert verify_command(data, "r1")[-5:] == ["--data-dir", "/srv/node-a", "--run", "r1", "--json"]
    assert verify_command(data, "r1")[3:5] == ["train", "verify"]
    out = theta_path(data, "r1")
    assert out == data / "exports" / "theta" / "r1.safetensors"
    assert theta_command(data, "r1")[3:5] == ["train", "export"]
    assert theta_command(data, "r1")[-2:] == ["--out", str(out)]


def test_verify_outcome_says_match_differ_or_nothing_yet() -> None:
    agree = {"10": {"sha256": "ab", "agree": ["me", "p1"], "disagree": []}}
    differ = {"10": {"sha256": "ab", "agree": ["me"], "disagree": ["p1"]}}
    none = {"0": {"sha256": "ab", "agree": [], "disagree": []}}
    assert "verified: 1 checkpoint(s) match" in verify_outcome("r1", 0, report(agree))
    assert "checkpoint(s) 10 differ" in verify_outcome("r1", 1, report(differ))
    assert "nothing to check" in verify_outcome("r1", 1, report(none))
    assert "12 records replayed to round 11" in verify_outcome("r1", 0, report(agree))


def test_verify_outcome_of_a_failed_command_is_its_last_line() -> None:
    said = verify_outcome("r1", 2, ["Error: no run 'r1' in /srv/node-a"])
    assert said == "verifying r1 failed: Error: no run 'r1' in /srv/node-a"
    assert verify_outcome("r1", -1, []) == "verifying r1 failed: exit -1"
