"""The exported models a node's operator can see: every ``*.onnx`` file under the data
dir's ``exports/`` and ``models/`` folders (and a demo root's ``models/``, for a node in
its ``nodes/`` folder), with its size, its contract (the ``<stem>.contract.json`` sidecar that
``byteswarm export`` writes) and the parity its ``<model>.export.json`` report recorded.

Pure file reads, no onnx or onnxruntime: the app calls ``find_artifacts`` from a worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import msgspec

from export.contract import read_sidecar, sidecar_path
from export.errors import ModelRefused

EXPORTS_DIR = "exports"
"""Where the app's export action writes, inside the data dir (one folder per model)."""
MAX_DEPTH = 3
"""How deep under each folder to look (``models/<name>/<file>.onnx`` is 2)."""
MAX_REPORT_BYTES = 1_000_000
"""A bigger ``.export.json`` is not one ``byteswarm export`` wrote: not read."""


class VariantReport(msgspec.Struct):
    """The part of one variant in ``export/pipeline.py``'s report the screen shows."""

    file: str
    variant: str = "?"
    parity_max_abs: float | None = None
    agreement: float | None = None


class ExportReport(msgspec.Struct):
    model: str
    variants: list[VariantReport] = []


@dataclass(frozen=True)
class Artifact:
    """One exported model file."""

    path: Path
    size_bytes: int
    model: str
    variant: str
    contract: str
    """The contract version, or why there is no readable contract."""
    parity: str
    """``diff 5.7e-06`` (largest |onnxruntime - torch|, fp32), ``top-1 99.6 %`` (int8's
    agreement with fp32), or ``-`` where no report recorded it."""


def search_roots(data_dir: Path) -> list[Path]:
    """The folders that may hold a node's exports, nearest first."""
    roots = [data_dir / EXPORTS_DIR, data_dir / "models", data_dir.parent / "models"]
    if data_dir.parent.name == "nodes":  # byteswarm demo: DEMO/nodes/nodeN, DEMO/models
        roots.append(data_dir.parent.parent / "models")
    return [r for r in roots if r.is_dir()]


def _onnx_files(root: Path) -> list[Path]:
    found: list[Path] = []
    for depth in range(MAX_DEPTH):
        found += sorted(root.glob("/".join(["*"] * depth + ["*.onnx"])))
    return found


def _parity(report: VariantReport | None) -> str:
    if report is None:
        return "-"
    if report.parity_max_abs is not None and math.isfinite(report.parity_max_abs):
        return f"diff {report.parity_max_abs:.1e}"
    if report.agreement is not None and math.isfinite(report.agreement):
        return f"top-1 {100 * report.agreement:.1f} %"
    return "-"


def _report_for(path: Path) -> tuple[str, VariantReport] | None:
    """(model, the variant's entry) from the export report beside ``path``."""
    for candidate in sorted(path.parent.glob("*.export.json")):
        try:
            if candidate.stat().st_size > MAX_REPORT_BYTES:
                continue
            report = msgspec.json.decode(candidate.read_bytes(), type=ExportReport)
        except (OSError, msgspec.DecodeError):
            continue
        for variant in report.variants:
            if variant.file == path.name:
                return report.model, variant
    return None


def describe(path: Path) -> Artifact:
    """What the sidecar and the report say about ``path`` (never raises on bad files)."""
    found = _report_for(path)
    report = found[1] if found else None
    model, variant = (found[0], found[1].variant) if found else (path.stem, "?")
    try:
        contract, _ = read_sidecar(sidecar_path(path))
        version, model, variant = f"v{contract.version}", contract.model, contract.variant
    except FileNotFoundError:
        version = "no sidecar"
    except (OSError, ValueError, KeyError, TypeError, ModelRefused) as exc:
        version = f"unreadable: {exc}"
    size = path.stat().st_size if path.exists() else 0
    return Artifact(path, size, model, variant, version, _parity(report))


def find_artifacts(data_dir: Path) -> list[Artifact]:
    """Every exported model under ``search_roots(data_dir)``, each file once."""
    seen: set[Path] = set()
    found: list[Artifact] = []
    for root in search_roots(data_dir):
        for path in _onnx_files(root):
            real = path.resolve()
            if real not in seen:
                seen.add(real)
                found.append(describe(path))
    return found
