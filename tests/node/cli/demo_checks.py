"""Checks shared by the demo tests: run ``byteswarm demo --quick`` and judge its output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def run_quick_demo(
    python: list[str], out: Path, seed: int, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``byteswarm demo --quick`` with ``python`` (a command prefix); (result, report)."""
    result = subprocess.run(
        [*python, "demo", "--quick", "--out", str(out), "--seed", str(seed), "--json"],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
    )
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result, report


def check_quick_report(
    result: subprocess.CompletedProcess[str], report: dict[str, Any], out: Path
) -> None:
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    for name in ("report.md", "report.json", "rank_ndcg.png", "finetune_rounds.png"):
        assert (out / name).is_file(), name
    assert (out / "models" / "theta.safetensors").is_file()
    assert (out / "models" / "polarity" / "polarity.onnx").is_file()
    assert all(code == 0 for code in report["exit_codes"].values()), report["exit_codes"]
    stages = report["stages"]
    assert {n: s["status"] for n, s in stages.items()} == dict.fromkeys(
        ("mesh", "rank", "finetune", "adapt", "export"), "ok"
    )
    assert stages["finetune"]["same_theta_everywhere"] and stages["finetune"]["verified_everywhere"]
    assert set(stages["finetune"]["backends"].values()) == {"onnxruntime"}
    assert not any(stages["finetune"]["torch_loaded"].values())  # devices train without torch
    assert stages["adapt"]["prompts_accepted"] >= 1
    assert len(stages["adapt"]["domains"]) >= 2  # each device starts on its own domain
    # The adapted device model: a device's accepted prompt baked in, checked in onnxruntime.
    adapted = [m for n, m in stages["export"]["models"].items() if n.startswith("device_adapted")]
    assert adapted, stages["export"]["models"]
    for m in adapted:
        assert (out / m["file"]).is_file() and m["prompt_version"] >= 1
        assert m["parity_max_abs"] < 1e-4 and m["vs_device_max_abs"] < 1e-4
    assert "device_adapted" in (out / "report.md").read_text()
    lines = result.stderr.strip().splitlines()
    assert str(out) in lines[-2] and "report.md" in lines[-1]
    assert not leftover_processes(out)


def leftover_processes(out: Path) -> list[str]:
    """Command lines of processes still running that mention ``out``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if str(out) in cmdline:
            found.append(cmdline)
    return found
