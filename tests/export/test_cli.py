"""The click command: light import, one-line errors with exit code 2, real exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from export.cli import export
from export.verify import load_contract
from tests.export.conftest import REPO


def test_cli_module_does_not_import_torch_or_onnx() -> None:
    code = (
        "import sys, export.cli; print(sorted({'torch', 'onnx', 'onnxruntime'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.strip() == "[]"


def test_bad_opset_is_a_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        export, ["--model", "device", "--out", str(tmp_path), "--opset", "9"]
    )
    assert result.exit_code == 2
    assert "Error: --opset must be within 18..21, not 9" in result.output


def test_android_only_for_device(tmp_path: Path) -> None:
    args = ["--model", "polarity", "--out", str(tmp_path), "--android"]
    result = CliRunner().invoke(export, args)
    assert result.exit_code == 2 and "device model only" in result.output


def test_bad_weights_file_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "w.safetensors"
    bogus.write_bytes(b"not safetensors")
    args = ["--model", "device", "--weights", str(bogus), "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(export, args)
    assert result.exit_code == 2 and "not DeviceCNN safetensors" in result.output


def test_device_export_with_given_weights(tmp_path: Path, weights_cache: Path) -> None:
    from safetensors.torch import save_file

    from export.device import load_device

    weights = tmp_path / "mine.safetensors"
    save_file(dict(load_device(None, weights_cache).state_dict()), str(weights))
    args = ["--model", "device", "--weights", str(weights), "--out", str(tmp_path)]
    result = CliRunner().invoke(export, args)
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "device.onnx") in result.output
    assert load_contract(tmp_path / "device.onnx").get("prompt.family") == "additive"


def test_out_under_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = CliRunner().invoke(export, ["--model", "device", "--out", str(blocker / "o")])
    assert result.exit_code == 2 and result.exception is not None
    assert isinstance(result.exception, SystemExit)  # not an OSError traceback
    assert f"{blocker} is a file, not a directory" in result.output.strip().splitlines()[-1]
