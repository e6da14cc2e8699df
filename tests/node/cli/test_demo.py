"""`byteswarm demo` (the README's first command) runs end to end and exits cleanly."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


@pytest.mark.integration
@pytest.mark.network
def test_demo_runs_end_to_end() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "node",
            "demo",
            "--peers",
            "2",
            "--notes",
            "2",
            "--adapt-batches",
            "3",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout)
    assert summary["clean_exit"] == [0, 0, 0, 0]  # two nodes, the cloud, the late node
    assert summary["notes"] == 4
    assert summary["rank"]["after"][0] == summary["rank"]["before"][-1]
    assert summary["finetune"]["same_theta_everywhere"]
    backends = summary["finetune"]["backends"]
    assert backends and set(backends) == {"onnxruntime"}  # device nodes train without torch
    assert not any(summary["finetune"]["torch_loaded"])
    assert summary["finetune"]["records"] >= summary["finetune"]["rounds"]
    assert summary["adapt"]["batches"] >= 3 and summary["adapt"]["prompts_accepted"] >= 1
