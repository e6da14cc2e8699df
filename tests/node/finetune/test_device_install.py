"""A device install (``pip install '.[device]'``, no torch) trains with its peers.

``scripts/test.sh`` builds that install in ``.venv-device`` and points
``BYTESWARM_DEVICE_PYTHON`` at it; without it this test is skipped, saying so.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from node.finetune.task import export_encoder_file

pytestmark = [pytest.mark.integration, pytest.mark.network]
DEVICE_PYTHON = os.environ.get("BYTESWARM_DEVICE_PYTHON", "")


@pytest.mark.skipif(
    not DEVICE_PYTHON, reason="no device venv: run `bash scripts/test.sh` (it builds one)"
)
def test_a_device_install_without_torch_trains_with_its_peers(tmp_path: Path) -> None:
    probe = subprocess.run(
        [DEVICE_PYTHON, "-c", "import torch"], capture_output=True, text=True, timeout=60
    )
    assert probe.returncode != 0, "the device venv must not have torch"
    encoders = tmp_path / "encoders"
    export_encoder_file("tiny", encoders)  # done where torch is, as the README says
    script = Path(__file__).with_name("device_train.py")
    result = subprocess.run(
        [DEVICE_PYTHON, str(script), str(tmp_path / "swarm"), str(encoders)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert not summary["torch_importable"]
    assert summary["backends"] == ["onnxruntime"] * 3
    assert summary["heavy_modules"] == [[], [], []]
    assert len(summary["sha256"]) == 1  # every node on the same θ, bit for bit
    assert all(n >= 12 for n in summary["records"])
