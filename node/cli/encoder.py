"""``byteswarm train export-encoder``: the ONNX encoder a node without torch trains with."""

from __future__ import annotations

from pathlib import Path

import click

from node.cli.common import UserError, emit, json_option


@click.command("export-encoder")
@json_option
@click.option(
    "--model",
    type=click.Choice(["tiny", "minilm"]),
    default="minilm",
    show_default=True,
    help="Whose encoder to export.",
)
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write it (a device's [finetune] encoder_dir); default: the user cache.",
)
def export_encoder(as_json: bool, model: str, folder: Path | None) -> None:
    """Export the ONNX encoder (θ as an input) that lets a node without torch train.

    Needs torch (here, not on the device). The file is named by a digest of the weights,
    so a device finds it by the same name; copy it into the device's encoder_dir.
    """
    from node.finetune.task import default_encoder_dir, export_encoder_file

    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise UserError("exporting needs torch: pip install 'byteswarm[cloud]'") from exc
    path = export_encoder_file(model, folder or default_encoder_dir())
    emit(
        {"model": model, "path": str(path), "bytes": path.stat().st_size},
        as_json,
        f"{model} encoder: {path} ({path.stat().st_size} bytes)",
    )
