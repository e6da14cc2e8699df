"""The Android app's Kotlin core compiles (kotlinc from .tools) against the ai.onnxruntime
stand-in and passes its JVM contract test on the goldens of a real export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from subprocess import CompletedProcess

import numpy as np
import pytest

from export.goldens import read_golden
from tests.export.conftest import REPO, TOOLS, Exported, require_tools

DEMO = REPO / "android_demo"


@pytest.fixture(scope="module")
def kotlin_classpath(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The core and GoldenCheck compiled once against the ai.onnxruntime stand-in."""
    require_tools("kotlin-compiler")
    build = tmp_path_factory.mktemp("kotlin")
    stubs = sorted(str(p) for p in (DEMO / "jvm-test" / "ortstub").rglob("*.java"))
    subprocess.run(["javac", "-d", str(build / "stub"), *stubs], check=True, timeout=300)
    kotlinc = TOOLS / "kotlin-compiler" / "bin" / "kotlinc"
    compiled = subprocess.run(
        ["bash", str(kotlinc), "-nowarn", "-cp", str(build / "stub"),
         str(DEMO / "core" / "src" / "main" / "kotlin"), str(DEMO / "jvm-test" / "src"),
         "-d", str(build / "out")],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    stdlib = TOOLS / "kotlin-compiler" / "lib" / "kotlin-stdlib.jar"
    return ":".join(str(p) for p in (build / "out", build / "stub", stdlib))


def _golden_check(classpath: str, export: Exported, *foreign: Path) -> CompletedProcess[str]:
    return subprocess.run(
        ["java", "-cp", classpath, "GoldenCheckKt", str(export.out / "device.onnx"),
         str(export.out / "device.golden"), *map(str, foreign)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def golden_check(
    kotlin_classpath: str, device_export: Exported, tiny_polarity_export: Exported
) -> CompletedProcess[str]:
    foreign = [tiny_polarity_export.out / "polarity.onnx", device_export.out / "device.export.json"]
    return _golden_check(kotlin_classpath, device_export, *foreign)


def test_jvm_golden_check_passes(golden_check: CompletedProcess[str]) -> None:
    assert golden_check.returncode == 0, golden_check.stdout + golden_check.stderr
    lines = golden_check.stdout.splitlines()
    assert "GOLDEN CHECK PASSED" in lines
    assert "ok preprocess 8 digits 8x8 -> 16x16 bit-exact" in lines
    assert "ok prompt file split part prompt" in lines
    assert "ok foreign model polarity.onnx refused" in lines
    assert "ok foreign model device.export.json refused" in lines


def test_kotlin_reads_the_contract_from_model_metadata(
    golden_check: CompletedProcess[str], device_export: Exported
) -> None:
    parsed = dict(
        line.removeprefix("contract ").split("=", 1)
        for line in golden_check.stdout.splitlines()
        if line.startswith("contract ")
    )
    sidecar = json.loads((device_export.out / "device.contract.json").read_text())["contract"]
    assert parsed == sidecar


def test_kotlin_top3_matches_numpy(
    golden_check: CompletedProcess[str], device_export: Exported
) -> None:
    golden = device_export.out / "device.golden"
    rows = [line.split() for line in golden_check.stdout.splitlines() if line.startswith("top3 ")]
    assert len(rows) == 16
    for _, where, labels, _probs in rows:
        prefix, index = where.rsplit(".", 1)
        name = "output.logits.npy" if prefix == "plain" else "prompted.output.logits.npy"
        logits = read_golden(golden, name)[int(index)]
        expected = np.argsort(-logits, kind="stable")[:3]
        assert labels == ",".join(str(i) for i in expected)


def test_kotlin_core_learns_the_warp_input_from_the_contract(
    kotlin_classpath: str, warp_device_export: Exported
) -> None:
    """No Kotlin change for a new prompt input: the core reads the prompt inputs, their
    shapes and neutral values from the contract; GoldenCheck passes on the warp export."""
    done = _golden_check(kotlin_classpath, warp_device_export)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "GOLDEN CHECK PASSED" in lines
    for part in ("warp", "filter", "scale1", "shift1", "scale2", "shift2"):
        assert f"ok neutral prompt part {part}" in lines
        assert f"ok prompt file split part {part}" in lines
