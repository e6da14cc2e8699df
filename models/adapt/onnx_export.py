"""Export the folded device CNN with its prompt parts as ONNX graph inputs (torch side)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch

from models.adapt.nets import FoldedDeviceCNN, prompted_module
from models.adapt.prompts import PromptFamily

OPSET = 20


def export_device_onnx(
    model: FoldedDeviceCNN, family: PromptFamily | None, path: Path | None = None
) -> bytes:
    """ONNX bytes with inputs ("image" (batch, 1, 16, 16), *family part names) and output
    "logits" (batch, 10); the batch dimension is dynamic. `family=None` exports the plain
    model (input "image" only). Written to `path` if given."""
    image = torch.zeros(2, 1, 16, 16)
    batch = torch.export.Dim("batch", min=1, max=4096)
    wrapper: torch.nn.Module
    if family is None:
        wrapper, parts, names = model.eval(), [], ["image"]
        dynamic: dict[str, object] = {"x": {0: batch}}
    else:
        wrapper = prompted_module(model, family).eval()
        parts = [torch.from_numpy(a) for a in family.split(family.neutral()).values()]
        names = ["image", *(p.name for p in family.parts)]
        dynamic = {"image": {0: batch}} | {p.name: None for p in family.parts}
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "device.onnx" if path is None else Path(path)
        torch.onnx.export(
            wrapper,
            (image, *parts),
            str(target),
            input_names=names,
            output_names=["logits"],
            dynamic_shapes=dynamic,
            opset_version=OPSET,
            dynamo=True,
            external_data=False,
            verbose=False,
        )
        return target.read_bytes()
