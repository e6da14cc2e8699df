"""The Models screen: exported files with their contract and parity, and the export
action run as a child process (a stand-in for ``byteswarm export``: torch is not loaded
by these tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from tests.tui.frozen import FrozenSource
from tests.tui.pilot import drive, no_daemon, static_text, table_rows, wait_for
from tui import jobs
from tui.app import NodeApp
from tui.artifacts import find_artifacts

CONTRACT = {
    "byteswarm.contract_version": "1",
    "byteswarm.model": "device",
    "byteswarm.task": "digits",
    "byteswarm.variant": "fp32",
    "byteswarm.inputs": "image",
    "byteswarm.outputs": "logits",
    "byteswarm.labels": "0,1",
    "byteswarm.weights_sha256": "ab" * 32,
    "byteswarm.source_sha256": "cd" * 32,
    "byteswarm.opset": "20",
    "byteswarm.ir_version": "9",
    "byteswarm.input.image.shape": "batch,1,8,8",
    "byteswarm.input.image.dtype": "float32",
    "byteswarm.output.logits.shape": "batch,10",
    "byteswarm.output.logits.dtype": "float32",
}


def write_export(
    folder: Path, model: str = "device", size: int = 150_000, int8: bool = False
) -> None:
    """What ``byteswarm export`` leaves: the file, its sidecar, the report."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{model}.onnx").write_bytes(b"\0" * size)
    contract = CONTRACT | {"byteswarm.model": model}
    body = {"contract": contract, "file": f"{model}.onnx", "file_sha256": "ef" * 32}
    (folder / f"{model}.contract.json").write_text(json.dumps(body))
    variants = [{"file": f"{model}.onnx", "variant": "fp32", "parity_max_abs": 5.7e-06}]
    if int8:
        variants.append({"file": f"{model}.int8.onnx", "variant": "int8", "agreement": 0.996})
        (folder / f"{model}.int8.onnx").write_bytes(b"\0" * (size // 4))
    report = {"model": model, "opset": 20, "variants": variants}
    (folder / f"{model}.export.json").write_text(json.dumps(report))


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    """A demo root: node0's own exports and the demo's models folder beside it."""
    node = tmp_path / "node0"
    write_export(node / "exports" / "device", int8=True)
    write_export(tmp_path / "models" / "polarity", "polarity", 2_000_000)
    (tmp_path / "models" / "stray.onnx").write_bytes(b"x")  # no sidecar, no report
    return node


def test_find_artifacts_reads_sidecars_and_reports(exports: Path) -> None:
    found = {a.path.name: a for a in find_artifacts(exports)}
    assert sorted(found) == ["device.int8.onnx", "device.onnx", "polarity.onnx", "stray.onnx"]
    assert (found["device.onnx"].contract, found["device.onnx"].parity) == ("v1", "diff 5.7e-06")
    assert found["device.onnx"].size_bytes == 150_000
    assert found["device.int8.onnx"].parity == "top-1 99.6 %"
    assert found["device.int8.onnx"].contract == "no sidecar"
    assert found["polarity.onnx"].model == "polarity"
    assert (found["stray.onnx"].contract, found["stray.onnx"].parity) == ("no sidecar", "-")


def test_a_demo_nodes_models_are_the_demos(tmp_path: Path) -> None:
    node = tmp_path / "nodes" / "node0"  # byteswarm demo --keep: DEMO/nodes/nodeN, DEMO/models
    node.mkdir(parents=True)
    write_export(tmp_path / "models" / "polarity", "polarity")
    assert [a.path.name for a in find_artifacts(node)] == ["polarity.onnx"]


def test_a_sidecar_that_is_not_a_contract_is_named_not_trusted(tmp_path: Path) -> None:
    write_export(tmp_path / "exports" / "device")
    (tmp_path / "exports" / "device" / "device.contract.json").write_text('{"contract": {}}')
    (artifact,) = find_artifacts(tmp_path)
    assert artifact.path.name == "device.onnx"
    assert artifact.contract.startswith("unreadable: no byteswarm contract")


def test_models_screen_lists_the_artifacts(exports: Path) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("m")
        assert app.query_one(TabbedContent).active == "models"
        await wait_for(pilot, lambda: len(table_rows(app, "#models-table")) == 4)
        rows = {r[0]: r for r in table_rows(app, "#models-table")}
        assert rows["device.onnx"] == [
            "device.onnx", "device", "fp32", "150.0 KB", "v1", "diff 5.7e-06"
        ]  # fmt: skip
        assert "4 exported model(s)" in static_text(app, "#models-summary")

    drive(NodeApp(FrozenSource(data_dir=exports), send=no_daemon), scenario)


FAKE_EXPORT = """
import sys, time
from pathlib import Path
print("preparing device", flush=True)
time.sleep(0.5)
print("checking parity", flush=True)
time.sleep(0.5)
Path(sys.argv[1]).mkdir(parents=True, exist_ok=True)
(Path(sys.argv[1]) / "device.onnx").write_bytes(b"0" * 1000)
"""


def test_export_runs_in_a_child_shows_progress_and_the_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exports" / "device"
    commands: list[Any] = []

    def fake(data_dir: Path, model: str) -> list[str]:
        commands.append(jobs.export_command(data_dir, model))
        return [sys.executable, "-c", FAKE_EXPORT, str(out)]

    monkeypatch.setattr("tui.views.models.export_command", fake)
    seen: list[str] = []

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("m", "E", *"device", "enter")
        await wait_for(pilot, lambda: "preparing device" in static_text(app, "#export-status"))
        seen.append(static_text(app, "#export-status"))
        assert app.query_one("#export-progress").has_class("running")
        assert app.query_one(TabbedContent).active == "models"  # the UI did not wait
        await wait_for(pilot, lambda: static_text(app, "#export-status").startswith("exported"))
        await wait_for(pilot, lambda: len(table_rows(app, "#models-table")) == 1)
        assert not app.query_one("#export-progress").has_class("running")

    drive(NodeApp(FrozenSource(data_dir=tmp_path), send=no_daemon), scenario)
    assert commands == [
        [sys.executable, "-m", "node", "export", "--model", "device", "--out", str(out)]
    ]


def test_a_failed_export_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    failing = [sys.executable, "-c", "import sys; print('error: no torch'); sys.exit(2)"]
    monkeypatch.setattr("tui.views.models.export_command", lambda d, m: failing)

    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("m", "E", *"device", "enter")
        await wait_for(pilot, lambda: "failed (2)" in static_text(app, "#export-status"))
        assert "error: no torch" in static_text(app, "#export-status")

    drive(NodeApp(FrozenSource(data_dir=tmp_path), send=no_daemon), scenario)


def test_read_only_has_no_export(tmp_path: Path) -> None:
    async def scenario(app: NodeApp, pilot: Pilot[None]) -> None:
        await pilot.press("m", "E")
        assert len(app.screen_stack) == 1
        assert "E exports" not in static_text(app, "#models-summary")

    drive(NodeApp(FrozenSource(data_dir=tmp_path), send=no_daemon, read_only=True), scenario)


def test_export_command_refuses_an_unknown_model(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="device or polarity"):
        jobs.export_command(tmp_path, "resnet")
