"""Export: the swarm's trained θ and the adapted device model to ONNX with their contracts,
each loaded back in onnxruntime and checked against torch (``byteswarm export``'s path).

The adapted device model is the device CNN with the prompt a device last accepted from
its cloud baked in (``byteswarm export --model device --prompt``); it is also checked
against the device's own prompted model and scored on the device's camera batches.
The default run exports the neutral device model too and one adapted model per device;
``--quick`` exports one adapted model."""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
import time
from pathlib import Path
from typing import Any

from node.cli.demo.context import Demo
from node.cli.demo.progress import Skipped


def run(demo: Demo, finetune: dict[str, Any]) -> dict[str, Any]:
    missing = [n for n in ("onnx", "onnxruntime", "torch") if importlib.util.find_spec(n) is None]
    if missing:
        raise Skipped(f"needs {missing[0]} (pip install -e '.[all]')")
    import torch

    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model
    from export.polarity import polarity_spec
    from node.config.settings import load_config
    from node.finetune.export import export_theta

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
    family = load_config(demo.devices[0] / "config.toml", data_dir=demo.devices[0]).adapt.family
    device = demo.progress.busy(lambda: device_spec(None, family), "the device model (torch)")
    if not demo.quick:
        report = demo.progress.busy(
            lambda: export_model(device, models / "device", ExportOptions()),
            f"the device model ({family} prompt inputs) to ONNX and back",
        )
        result["models"]["device"] = _summary(demo, models / "device", report)
    adapted = adapted_models(demo, family, device, models)
    result["models"] |= adapted
    if not adapted:
        result["status"] = "failed"
        result["reason"] = "no device holds an accepted prompt to export"
    _print(demo, result)
    result["seconds"] = round(time.monotonic() - t0, 2)
    return result


def adapted_models(demo: Demo, family: str, device: Any, models: Path) -> dict[str, Any]:
    """The device model with each device's last accepted prompt baked in (one device in
    ``--quick``), loaded back in onnxruntime: parity with torch (the export pipeline), with
    the device's own prompted model, and its accuracy on the device's camera batches."""
    from export.adapted import adapted_spec
    from export.pipeline import export_model
    from models.adapt.prompts import family_by_name
    from node.adapt.prompt_file import prompt_paths

    held = [d for d in demo.devices if prompt_paths(d, family)[0].is_file()]
    found: dict[str, Any] = {}
    for d in held[:1] if demo.quick else held:
        folder = models / f"device_adapted_{d.name}"
        folder.mkdir(parents=True, exist_ok=True)
        npy, sidecar = folder / "prompt.npy", folder / "prompt.json"
        for source, copy in zip(prompt_paths(d, family), (npy, sidecar), strict=True):
            shutil.copyfile(source, copy)  # this one prompt, whatever the device does next
        spec = adapted_spec(device, family_by_name(family), npy)
        report = demo.progress.busy(
            functools.partial(export_model, spec, folder),
            f"{d.name}'s adapted device model (prompt baked in) to ONNX and back",
        )
        summary = _summary(demo, folder, report)
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        summary |= {"node": d.name, "prompt_version": meta.get("version")}
        summary |= check_adapted(d, family, npy, folder / report.variants[0].file)
        found[f"device_adapted_{d.name}"] = summary
    return found


def check_adapted(d: Path, family: str, npy: Path, exported: Path) -> dict[str, Any]:
    """The exported file against the device's own prompted model fed the same prompt, and
    both models' accuracy (exported adapted, frozen source) on the device's camera batches."""
    import numpy as np
    import onnxruntime as ort

    from models.adapt.digits import to_unit
    from models.adapt.prompts import family_by_name
    from models.adapt.runner import DeviceRunner
    from node.adapt.device import camera
    from node.cli.swarm import service_status
    from node.config.settings import load_config

    config = load_config(d / "config.toml", data_dir=d).adapt
    fam = family_by_name(family)
    prompt = fam.split(np.load(npy, allow_pickle=False).astype(np.float32))
    own = DeviceRunner(str(d / "adapt" / f"device-{family}.onnx"))
    session = ort.InferenceSession(str(exported), providers=["CPUExecutionProvider"])
    batches = int(service_status(d, "adapt").get("batches") or 0)
    diff, hits, source_hits, seen = 0.0, 0, 0, 0
    for _, batch in zip(range(batches), camera(config), strict=False):
        images = to_unit(batch.images)
        logits = session.run(None, {"image": images})[0]
        diff = max(diff, float(np.abs(logits - own(images, prompt)).max()))
        hits += int((logits.argmax(axis=1) == batch.labels).sum())
        source = own(images, fam.split(fam.neutral())).argmax(axis=1)
        source_hits += int((source == batch.labels).sum())
        seen += len(batch.labels)
    return {
        "vs_device_max_abs": diff,
        "images": seen,
        "accuracy": round(hits / seen, 4) if seen else None,
        "source_accuracy": round(source_hits / seen, 4) if seen else None,
    }


def _print(demo: Demo, result: dict[str, Any]) -> None:
    for name, m in result["models"].items():
        demo.progress.line(
            f"{name}: {m['file']} ({m['bytes']:,} B), onnxruntime vs torch max |diff| "
            f"{m['parity_max_abs']:.1e}, contract {m['contract']}"
        )
        if "prompt_version" in m:
            demo.progress.line(
                f"    {m['node']}'s prompt v{m['prompt_version']} baked in: vs the device's "
                f"prompted model max |diff| {m['vs_device_max_abs']:.1e}; accuracy on the "
                f"{m['images']} camera images it adapted on {_pct(m['accuracy'])} "
                f"(frozen source {_pct(m['source_accuracy'])})"
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


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _rel(demo: Demo, path: Path) -> str:
    try:
        return str(path.relative_to(demo.out))
    except ValueError:
        return str(path)
