"""``train export``: a run's verified θ as safetensors, readable by ``export --weights``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from safetensors import safe_open

from models.spsa.replica import theta_sha256
from node.cli.swarm import run_cli as bs
from node.finetune.export import export_theta
from node.finetune.verify import VerifyError
from tests.node.finetune.test_finetune_verify import RUN, late_record_run


def test_train_export_writes_the_verified_theta_with_its_run_and_hash(tmp_path: Path) -> None:
    live = late_record_run()
    live.store(tmp_path / "node")
    out = tmp_path / "out" / "theta.safetensors"
    written = export_theta(tmp_path / "node", RUN, out)
    with safe_open(str(out), "np") as f:
        theta, metadata = f.get_tensor("theta"), f.metadata()
    assert np.array_equal(theta, live.state.replica.theta) and theta.dtype == np.float32
    assert metadata["sha256"] == theta_sha256(theta) == live.state.replica.sha256
    assert (metadata["run_id"], metadata["round"], metadata["model"]) == (RUN, "15", "tiny")
    assert metadata["layout_digest"] == live.state.spec.layout_digest
    assert written["path"] == str(out) and written["bytes"] == out.stat().st_size
    # the ONNX export's --weights reads it as the polarity model's θ
    from export.polarity import load_theta

    assert np.array_equal(load_theta(out, live.state.task.layout, {}), theta)


def test_train_export_refuses_a_log_whose_replay_misses_the_announced_hash(
    tmp_path: Path,
) -> None:
    live = late_record_run()
    live.announce(15, ["p1", "p2", "p3", "p4"], bytes(32))  # a majority for another θ
    live.store(tmp_path / "node")
    out = tmp_path / "theta.safetensors"
    with pytest.raises(VerifyError, match="does not match the announced hashes"):
        export_theta(tmp_path / "node", RUN, out)
    assert not out.exists()
    shown = bs(
        "train", "export", "--run", RUN, "--data-dir", str(tmp_path / "node"), "--out", str(out)
    )
    assert shown.returncode == 2 and shown.stdout == ""
    assert shown.stderr.count("\n") == 1 and "Traceback" not in shown.stderr
