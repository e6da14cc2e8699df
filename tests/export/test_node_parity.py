"""Numeric parity of the exported files in a second runtime: onnxruntime-node, pinned to the
onnxruntime-android release the demo app uses."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from export.pipeline import PARITY_TOLERANCE
from export.versions import NODE_ORT_VERSION
from tests.export.conftest import TOOLS, Exported, require_tools

SCRIPT = Path(__file__).with_name("ort_node_check.js")


def _node(model: Path, golden: Path) -> dict[str, object]:
    require_tools("onnxruntime-node")
    env = os.environ | {"NODE_PATH": str(TOOLS)}
    done = subprocess.run(["node", str(SCRIPT), str(model), str(golden)], env=env,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_node_runtime_is_the_pinned_release() -> None:
    require_tools("onnxruntime-node")
    package = json.loads((TOOLS / "onnxruntime-node" / "package.json").read_text())
    assert package["version"] == NODE_ORT_VERSION


def test_device_goldens_in_node(device_export: Exported) -> None:
    report = _node(device_export.out / "device.onnx", device_export.out / "device.golden")
    assert report["runtime"] == f"onnxruntime-node {NODE_ORT_VERSION}"
    sets = report["sets"]
    assert isinstance(sets, dict) and set(sets) == {"plain.", "prompted."}
    for result in sets.values():
        assert result["rows"] == 8 and result["top1_agree"] == 8
        assert result["scaled"] <= PARITY_TOLERANCE


def test_int8_device_in_node(device_export: Exported) -> None:
    report = _node(
        device_export.out / "device.int8-dynamic.onnx", device_export.out / "device.golden"
    )
    sets = report["sets"]
    assert isinstance(sets, dict)
    assert all(r["top1_agree"] == r["rows"] for r in sets.values())


def test_polarity_goldens_in_node(tiny_polarity_export: Exported) -> None:
    out = tiny_polarity_export.out
    report = _node(out / "polarity.onnx", out / "polarity.golden")
    sets = report["sets"]
    assert isinstance(sets, dict) and sets["plain."]["scaled"] <= PARITY_TOLERANCE


def test_ort_format_files_load_in_the_pinned_release(device_export: Exported) -> None:
    # The converter is the Python package's (newer than the app's runtime); the ORT format
    # is versioned, so check that the pinned release reads what it wrote.
    for stem in ("device", "device.int8-dynamic"):
        report = _node(device_export.out / f"{stem}.ort", device_export.out / "device.golden")
        sets = report["sets"]
        assert isinstance(sets, dict) and set(sets) == {"plain.", "prompted."}, report
        assert all(r["top1_agree"] == r["rows"] for r in sets.values()), (stem, sets)
        if stem == "device":
            assert all(r["scaled"] <= PARITY_TOLERANCE for r in sets.values()), sets
