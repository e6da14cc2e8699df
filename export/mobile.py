"""ORT-format conversion and the mobile usability check, each leaving a text report.

The converter runs as ``python -m onnxruntime.tools.convert_onnx_models_to_ort`` and the
usability check in-process (the logic behind ``check_onnx_model_mobile_usability``), both on
a copy in a scratch folder whose path the reports replace by ``DIR``.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from export.errors import ExportError


def _tool(module: str, args: list[str], cwd: Path) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", f"onnxruntime.tools.{module}", *args],
        cwd=cwd, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    return done.returncode, (done.stdout + done.stderr).replace(str(cwd), "DIR")


def usability_report(model_file: Path) -> str:
    from onnxruntime.tools.mobile_helpers import usability_checker

    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(logging.Formatter("%(levelname)s:  %(message)s"))
    logger = logging.getLogger("byteswarm.export.mobile_usability")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        with tempfile.TemporaryDirectory(prefix="byteswarm-mobile-") as tmp:
            local = Path(tmp) / model_file.name
            shutil.copyfile(model_file, local)
            try_eps = usability_checker.analyze_model(local, skip_optimize=False, logger=logger)
            advice = (
                "NNAPI/CoreML may help: compare with the CPU EP" if try_eps else "use the CPU EP"
            )
            logger.info("Recommendation: %s", advice)
            text = buffer.getvalue().replace(tmp, "DIR")
    except Exception as exc:  # the checker's own failures are reported, not hidden
        raise ExportError(f"mobile usability check failed on {model_file.name}: {exc}") from None
    finally:
        logger.removeHandler(handler)
    return text


def convert_to_ort(model_file: Path, out_dir: Path) -> tuple[Path, str]:
    """Writes ``<stem>.ort`` (and the operator config the converter emits) into out_dir."""
    with tempfile.TemporaryDirectory(prefix="byteswarm-ort-") as tmp:
        work = Path(tmp)
        shutil.copyfile(model_file, work / model_file.name)
        code, text = _tool(
            "convert_onnx_models_to_ort", [model_file.name, "--optimization_style", "Fixed"], work
        )
        if code != 0:
            raise ExportError(f"ORT-format conversion failed on {model_file.name}: {text[-300:]}")
        produced = sorted(p for p in work.iterdir() if p.name != model_file.name and p.is_file())
        for path in produced:
            shutil.copyfile(path, out_dir / path.name)
    ort_file = out_dir / (model_file.stem + ".ort")
    if not ort_file.exists():
        raise ExportError(f"the converter wrote no {ort_file.name}")
    return ort_file, text
