"""Shared exports: each model is exported once per test session into a temp folder."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from export.pipeline import ExportReport

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / ".tools" / "node_modules"


@dataclass(frozen=True)
class Exported:
    out: Path
    report: ExportReport
    cache: Path


@pytest.fixture(scope="session")
def weights_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("weights")


@pytest.fixture(scope="session")
def device_export(tmp_path_factory: pytest.TempPathFactory, weights_cache: Path) -> Exported:
    import torch

    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("device")
    spec = device_spec(cache_dir=weights_cache)
    report = export_model(spec, out, ExportOptions(int8="dynamic", ort_format=True))
    return Exported(out, report, weights_cache)


@pytest.fixture(scope="session")
def warp_device_export(tmp_path_factory: pytest.TempPathFactory, weights_cache: Path) -> Exported:
    """The device model with the warp + filter + feature prompt inputs (issue 22)."""
    import torch

    from export.device import device_spec
    from export.pipeline import ExportOptions, export_model

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("device_warp")
    spec = device_spec(family_name="warp_filter_feature", cache_dir=weights_cache)
    report = export_model(spec, out, ExportOptions(int8="dynamic", ort_format=True))
    return Exported(out, report, weights_cache)


@pytest.fixture(scope="session")
def tiny_polarity_export(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    import torch

    from export.pipeline import ExportOptions, export_model
    from export.polarity import polarity_spec

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("polarity")
    report = export_model(polarity_spec(tiny=True), out, ExportOptions(int8="dynamic"))
    return Exported(out, report, out)


def require_tools(*needed: str) -> None:
    """Skip only if the JDK or npm is missing; fail-fast hint if the tools are not installed."""
    for tool in ("java", "javac", "npm", "node"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} not found: the export tool tests need a JDK >= 17 and npm")
    for package in needed:
        if not (TOOLS / package).is_dir():
            pytest.skip(
                f".tools/node_modules/{package} missing: run scripts/install_export_tools.sh"
            )
