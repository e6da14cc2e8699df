"""Deterministic training of the device CNN (clean data) and the teacher (generic
augmentation), cached as safetensors with their seed in the metadata."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import nn

from models.adapt.digits import DigitSplits, to_unit
from models.adapt.imaging import gaussian_blur, rotate, shift
from models.adapt.nets import DeviceCNN, TeacherCNN

FORMAT = "byteswarm.adapt.v1"


@dataclass(frozen=True)
class TrainConfig:
    device_epochs: int = 30
    teacher_epochs: int = 40
    batch_size: int = 64
    lr: float = 3e-3


def generic_augment(unit: NDArray[np.float32], rng: np.random.Generator) -> NDArray[np.float32]:
    """(N, 16, 16) in [0, 1] -> a randomly perturbed copy: small rotations and shifts,
    brightness/contrast jitter, light noise and blur. Generic, not the stream's severities."""
    n = len(unit)
    x = rotate(unit, rng.uniform(-20, 20, n))
    dy, dx = rng.integers(-1, 2, size=2)
    x = shift(x, int(dy), int(dx))
    blurred = gaussian_blur(x, 0.8)
    x = np.where(rng.uniform(size=(n, 1, 1)) < 0.3, blurred, x)
    mean = x.mean(axis=(1, 2), keepdims=True)
    x = (x - mean) * rng.uniform(0.3, 1.2, (n, 1, 1)) + mean
    x = x * rng.uniform(0.3, 1.1, (n, 1, 1)) + rng.uniform(-0.1, 0.3, (n, 1, 1))
    x = x + rng.normal(0, 1, x.shape) * rng.uniform(0, 0.2, (n, 1, 1))
    return np.asarray(np.clip(x, 0, 1), np.float32)


def _fit(
    model: nn.Module,
    images: NDArray[np.uint8],
    labels: NDArray[np.int64],
    epochs: int,
    config: TrainConfig,
    seed: int,
    augment: bool,
) -> None:
    rng = np.random.default_rng(seed)
    opt = torch.optim.Adam(model.parameters(), lr=config.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    unit = images.astype(np.float32) / np.float32(255.0)  # (N, 16, 16)
    y_all = torch.from_numpy(labels)
    model.train()
    for _ in range(epochs):
        x_epoch = generic_augment(unit, rng) if augment else unit
        x_all = torch.from_numpy(x_epoch[:, None])  # (N, 1, 16, 16)
        order = torch.from_numpy(rng.permutation(len(labels)))
        for start in range(0, len(order), config.batch_size):
            idx = order[start : start + config.batch_size]
            loss = F.cross_entropy(model(x_all[idx]), y_all[idx])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
        sched.step()
    model.eval()


def accuracy(model: nn.Module, images: NDArray[np.uint8], labels: NDArray[np.int64]) -> float:
    with torch.no_grad():
        pred = model(torch.from_numpy(to_unit(images))).argmax(1).numpy()
    return float((pred == labels).mean())


def _cached(
    kind: str,
    seed: int,
    epochs: int,
    cache_dir: Path | None,
    build: nn.Module,
    train: Callable[[nn.Module], None],
) -> nn.Module:
    from safetensors.torch import load_file, save_file

    name = f"adapt_{kind}_seed{seed}_e{epochs}.safetensors"
    path = None if cache_dir is None else Path(cache_dir) / name
    if path is not None and path.exists():
        build.load_state_dict(load_file(str(path)))
        return build.eval()
    torch.manual_seed(seed)
    for m in build.modules():
        reset = getattr(m, "reset_parameters", None)
        if callable(reset):
            reset()
    train(build)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = {"format": FORMAT, "kind": kind, "seed": str(seed), "epochs": str(epochs)}
        save_file({k: v.contiguous() for k, v in build.state_dict().items()}, str(path), meta)
    return build.eval()


def device_model(
    splits: DigitSplits, seed: int, cache_dir: Path | None, config: TrainConfig = TrainConfig()
) -> DeviceCNN:
    """The device CNN trained on clean images (training form, with BatchNorm)."""
    model = DeviceCNN()

    def train(m: nn.Module) -> None:
        _fit(m, splits.train_images, splits.train_labels, config.device_epochs, config, seed,
             augment=False)  # fmt: skip

    out = _cached("device", seed, config.device_epochs, cache_dir, model, train)
    assert isinstance(out, DeviceCNN)
    return out


def teacher_model(
    splits: DigitSplits, seed: int, cache_dir: Path | None, config: TrainConfig = TrainConfig()
) -> TeacherCNN:
    """The cloud teacher trained with generic augmentation."""
    model = TeacherCNN()

    def train(m: nn.Module) -> None:
        _fit(m, splits.train_images, splits.train_labels, config.teacher_epochs, config,
             seed + 7919, augment=True)  # fmt: skip

    out = _cached("teacher", seed, config.teacher_epochs, cache_dir, model, train)
    assert isinstance(out, TeacherCNN)
    return out


def weights_seed(path: Path) -> int:
    """The training seed recorded in a cached weights file."""
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        return int(f.metadata()["seed"])
