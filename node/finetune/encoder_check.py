"""Whether this node can take part in a finetune run of a model, checked before it
announces one: a node on onnxruntime needs the ONNX encoder exported for exactly those
weights (``byteswarm train export-encoder``), and without it could not join its own run."""

from __future__ import annotations

from pathlib import Path


def missing_encoder(model: str, backend: str, encoder_dir: Path | None) -> str | None:
    """What to run to get the encoder this node lacks for ``model``, or None if it has it
    (or trains on torch, or only replays)."""
    if backend != "onnxruntime":
        return None
    from models.spsa.encoder_file import encoder_path
    from models.spsa.layout import bitfit_layout
    from node.finetune.task import default_encoder_dir, load_weights

    config, weights = load_weights(model)
    layout = bitfit_layout({name: w.shape for name, w in weights.items()})
    path = encoder_path(encoder_dir or default_encoder_dir(), config, layout, weights)
    if path.is_file():
        return None
    return (
        f"this node trains on onnxruntime and has no ONNX encoder for model {model!r} at"
        f" {path}: run `byteswarm train export-encoder --model {model}` where torch is"
        " installed and copy the file there (or run the node with [finetune] backend ="
        ' "torch")'
    )
