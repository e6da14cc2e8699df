"""Export: the swarm's trained θ and the adapt device model to ONNX with their contracts,
each loaded back in onnxruntime and checked against torch (``byteswarm export``'s path)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from node.demo.context import Demo
from node.demo.progress import Skipped


def run(demo: Demo, finetune: dict[str, Any]) -> dict[str, Any]:
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import torch
    except ImportError as exc:
        raise Skipped(f"needs {exc.name} (pip install -e '.[all]')") from None
    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model
    from export.polarity import polarity_spec
    from node.config import load_config
    from node.finetune_export import export_theta

    torch.set_num_threads(1)
    models = demo.out / "models"
    t0 = time.monotonic()
    result: dict[str, Any] = {"status": "ok", "models": {}}
    if finetune.get("status") == "ok":
        theta_file = models / "theta.safetensors"
        written = export_theta(demo.devices[0], finetune["run_id"], theta_file)
        demo.progress.line(
            f"θ of {finetune['run_id']} replayed and written: {_rel(demo, theta_file)}"
        )
        report = demo.progress.busy(
            lambda: export_model(polarity_spec(theta_file, tiny=True), models / "polarity"),
            "the finetuned polarity model (tiny BERT) to ONNX and back",
        )
        result["theta_sha256"] = written["sha256"]
        result["models"]["polarity"] = _summary(demo, models / "polarity", report)
    if demo.quick:
        _print(demo, result)
        demo.progress.line(
            "device model: not exported in --quick (byteswarm export --model device)"
        )
        result["seconds"] = round(time.monotonic() - t0, 2)
        return result
    family = load_config(demo.devices[0] / "config.toml", data_dir=demo.devices[0]).adapt.family
    report = demo.progress.busy(
        lambda: export_model(device_spec(None, family), models / "device", ExportOptions()),
        f"the device model ({family} prompt inputs) to ONNX and back",
    )
    result["models"]["device"] = _summary(demo, models / "device", report)
    _print(demo, result)
    result["seconds"] = round(time.monotonic() - t0, 2)
    return result


def _print(demo: Demo, result: dict[str, Any]) -> None:
    for name, m in result["models"].items():
        demo.progress.line(
            f"{name}: {m['file']} ({m['bytes']:,} B), onnxruntime vs torch max |diff| "
            f"{m['parity_max_abs']:.1e}, contract {m['contract']}"
        )


def _summary(demo: Demo, folder: Path, report: Any) -> dict[str, Any]:
    fp32 = report.variants[0]
    contract = folder / f"{report.model}.contract.json"
    return {
        "file": _rel(demo, folder / fp32.file),
        "bytes": fp32.size_bytes,
        "sha256": fp32.sha256,
        "parity_max_abs": fp32.parity_max_abs,
        "contract": _rel(demo, contract) if contract.exists() else "in the ONNX metadata",
    }


def _rel(demo: Demo, path: Path) -> str:
    try:
        return str(path.relative_to(demo.out))
    except ValueError:
        return str(path)
