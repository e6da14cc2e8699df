"""Export the encoder to ONNX with the trainable tensors as ONE flat graph input ``theta``.

This is an export-time step and needs torch; the file it writes is all a device needs.
Files are cached by a digest of the weights, the layout and this exporter's version.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from models.spsa.bert import BertConfig, Weights
from models.spsa.encoder_file import OPSET, encoder_path
from models.spsa.layout import ParamLayout
from models.spsa.torch_backend import TorchEncoder


class _FlatThetaEncoder(torch.nn.Module):
    def __init__(self, encoder: TorchEncoder) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(
        self, theta: torch.Tensor, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> torch.Tensor:
        return self.encoder.embed_tensor(theta[None], input_ids[None], attention_mask[None])[0]


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "byteswarm-spsa-onnx"


def export_encoder(
    config: BertConfig, layout: ParamLayout, weights: Weights, cache_dir: Path | None = None
) -> Path:
    """Path of the cached ONNX encoder (inputs theta (D,), input_ids, attention_mask (B, T))."""
    folder = cache_dir or default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = encoder_path(folder, config, layout, weights)
    if target.exists():
        return target
    module = _FlatThetaEncoder(TorchEncoder(config, layout, weights)).eval()
    theta = torch.from_numpy(layout.flatten(weights))
    ids = torch.ones((2, 3), dtype=torch.int64)
    mask = torch.ones((2, 3), dtype=torch.float32)
    partial = target.with_suffix(".partial")
    torch.onnx.export(
        module,
        (theta, ids, mask),
        str(partial),
        input_names=["theta", "input_ids", "attention_mask"],
        output_names=["embeddings"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "tokens"},
            "attention_mask": {0: "batch", 1: "tokens"},
            "embeddings": {0: "batch"},
        },
        opset_version=OPSET,
        dynamo=False,
    )
    partial.replace(target)  # atomic: a concurrent reader never sees half a file
    return target
