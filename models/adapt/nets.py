"""Torch nets: the small device CNN (BatchNorm for training, folded for deployment), its
prompted forms with the prompt as extra inputs, and the larger cloud teacher."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from models.adapt.prompts import PromptFamily

CLASSES = 10
DEVICE_CHANNELS = (8, 16)
DEVICE_DROPOUT = 0.1  # Dropout2d after block 2; MC dropout on the device mimics it


class DeviceCNN(nn.Module):
    """Training form: conv-BN-ReLU-pool ×2, channel dropout, linear. Input (N, 1, 16, 16)."""

    def __init__(self, channels: tuple[int, int] = DEVICE_CHANNELS) -> None:
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c2)
        self.drop = nn.Dropout2d(DEVICE_DROPOUT)
        self.fc = nn.Linear(c2 * 4 * 4, CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        h = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)  # (N, c1, 8, 8)
        h = F.max_pool2d(F.relu(self.bn2(self.conv2(h))), 2)  # (N, c2, 4, 4)
        out: Tensor = self.fc(self.drop(h).flatten(1))  # (N, 10)
        return out

    def fold(self) -> FoldedDeviceCNN:
        """Deployment form: BN folded into the convs (eval statistics), dropout dropped."""
        c1, c2 = self.conv1.out_channels, self.conv2.out_channels
        folded = FoldedDeviceCNN((c1, c2))
        with torch.no_grad():
            pairs = ((self.conv1, self.bn1, folded.conv1), (self.conv2, self.bn2, folded.conv2))
            for conv, bn, out in pairs:
                assert bn.running_var is not None and bn.running_mean is not None
                assert out.bias is not None
                gain = bn.weight / torch.sqrt(bn.running_var + bn.eps)  # (C,)
                out.weight.copy_(conv.weight * gain.view(-1, 1, 1, 1))
                out.bias.copy_(bn.bias - bn.running_mean * gain)
            folded.fc.load_state_dict(self.fc.state_dict())
        return folded.eval()


class FoldedDeviceCNN(nn.Module):
    """What the device runs. `forward_prompted` takes every prompt part as an optional input."""

    def __init__(self, channels: tuple[int, int] = DEVICE_CHANNELS) -> None:
        super().__init__()
        c1, c2 = channels
        self.conv1 = nn.Conv2d(1, c1, 3, padding=1)
        self.conv2 = nn.Conv2d(c1, c2, 3, padding=1)
        self.fc = nn.Linear(c2 * 4 * 4, CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_prompted(x, {})

    def forward_prompted(self, x: Tensor, prompt: dict[str, Tensor]) -> Tensor:
        x = self.prompted_input(x, prompt)  # (N, 1, 16, 16)
        h = self._affine(self.conv1(x), prompt, 1)  # (N, c1, 16, 16)
        h = F.max_pool2d(F.relu(h), 2)  # (N, c1, 8, 8)
        h = self._affine(self.conv2(h), prompt, 2)  # (N, c2, 8, 8)
        h = F.max_pool2d(F.relu(h), 2)  # (N, c2, 4, 4)
        out: Tensor = self.fc(h.flatten(1))  # (N, 10)
        return out

    @staticmethod
    def prompted_input(x: Tensor, prompt: dict[str, Tensor]) -> Tensor:
        """The image after the input-side parts: warp, additive prompt, filter."""
        if "warp" in prompt:
            x = warp_images(x, prompt["warp"])  # (N, 1, 16, 16)
        if "prompt" in prompt:
            x = x + prompt["prompt"]  # (N, 1, 16, 16) + (1, 1, 16, 16)
        if "filter" in prompt:
            x = F.conv2d(x, prompt["filter"], padding=1)  # (N, 1, 16, 16)
        return x

    def conv_outputs(self, x: Tensor, prompt: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        """Both blocks' conv outputs before their feature affine, under `prompt` (the cloud
        matches their statistics; the device never needs them)."""
        c1 = self.conv1(self.prompted_input(x, prompt))  # (N, c1, 16, 16)
        h = F.max_pool2d(F.relu(self._affine(c1, prompt, 1)), 2)  # (N, c1, 8, 8)
        return c1, self.conv2(h)  # (N, c2, 8, 8)

    @staticmethod
    def _affine(h: Tensor, prompt: dict[str, Tensor], block: int) -> Tensor:
        scale, shift = prompt.get(f"scale{block}"), prompt.get(f"shift{block}")
        if scale is None or shift is None:
            return h
        return h * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1)


def warp_images(x: Tensor, warp: Tensor) -> Tensor:
    """(N, C, H, W) sampled through the affine theta = [[1, 0, 0], [0, 1, 0]] + warp (2, 3):
    output pixel centre (u, v) in [-1, 1] reads the input at theta @ (u, v, 1), bilinear,
    zeros outside. Exported as MatMul + Expand + GridSample; at warp = 0 the sampling points
    fall exactly on pixel centres (multiples of 1/W in float32), so the image is unchanged."""
    n, _, h, w = x.shape
    ys = (2 * torch.arange(h, dtype=x.dtype) + 1) / h - 1  # (H,)
    xs = (2 * torch.arange(w, dtype=x.dtype) + 1) / w - 1  # (W,)
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing="ij")  # (H, W) each
    base = torch.stack([grid_x, grid_y, torch.ones_like(grid_x)], dim=-1)  # (H, W, 3)
    theta = torch.eye(2, 3, dtype=x.dtype) + warp  # (2, 3)
    grid = (base @ theta.transpose(0, 1)).unsqueeze(0)  # (1, H, W, 2): (x, y) to read
    grid = grid.expand(n, h, w, 2)  # (N, H, W, 2)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def split_prompt(family: PromptFamily, flat: Tensor) -> dict[str, Tensor]:
    """Torch twin of `PromptFamily.split` (keeps the autograd graph)."""
    out: dict[str, Tensor] = {}
    start = 0
    for part in family.parts:
        n = 1
        for d in part.shape:
            n *= d
        out[part.name] = flat[start : start + n].view(part.shape)
        start += n
    return out


class AdditivePrompted(nn.Module):
    """Export wrapper for the additive family: inputs (image, prompt)."""

    def __init__(self, model: FoldedDeviceCNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: Tensor, prompt: Tensor) -> Tensor:
        return self.model.forward_prompted(image, {"prompt": prompt})


class FilterFeaturePrompted(nn.Module):
    """Export wrapper for the filter + feature family: one graph input per part."""

    def __init__(self, model: FoldedDeviceCNN) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, image: Tensor, filter: Tensor, scale1: Tensor, shift1: Tensor, scale2: Tensor,
        shift2: Tensor,
    ) -> Tensor:  # fmt: skip
        parts = {"filter": filter, "scale1": scale1, "shift1": shift1}
        return self.model.forward_prompted(image, parts | {"scale2": scale2, "shift2": shift2})


class WarpFilterFeaturePrompted(nn.Module):
    """Export wrapper for the warp + filter + feature family: one graph input per part."""

    def __init__(self, model: FoldedDeviceCNN) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, image: Tensor, warp: Tensor, filter: Tensor, scale1: Tensor, shift1: Tensor,
        scale2: Tensor, shift2: Tensor,
    ) -> Tensor:  # fmt: skip
        parts = {"warp": warp, "filter": filter, "scale1": scale1, "shift1": shift1}
        return self.model.forward_prompted(image, parts | {"scale2": scale2, "shift2": shift2})


def prompted_module(model: FoldedDeviceCNN, family: PromptFamily) -> nn.Module:
    """The module whose positional inputs are (image, *family parts in order)."""
    if family.name == "additive":
        return AdditivePrompted(model)
    if family.name == "filter_feature":
        return FilterFeaturePrompted(model)
    if family.name == "warp_filter_feature":
        return WarpFilterFeaturePrompted(model)
    raise ValueError(f"no export wrapper for prompt family {family.name!r}")


class TeacherCNN(nn.Module):
    """The cloud model: wider, deeper, BatchNorm kept (its statistics can be re-estimated)."""

    def __init__(self, width: int = 24) -> None:
        super().__init__()
        w = width

        def block(cin: int, cout: int) -> list[nn.Module]:
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]

        self.body = nn.Sequential(
            *block(1, w), *block(w, w), nn.MaxPool2d(2),  # (N, w, 8, 8)
            *block(w, 2 * w), *block(2 * w, 2 * w), nn.MaxPool2d(2),  # (N, 2w, 4, 4)
            *block(2 * w, 4 * w), nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (N, 4w)
        )  # fmt: skip
        self.head = nn.Linear(4 * w, CLASSES)

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.head(self.body(x))
        return out
