"""The bench's streams and models: the tuned and unseen splits, in order and reordered.

- ``tuned``            — the default stream's 8 domains plus ``shift`` and ``zoom``, each
  domain once (8 batches of 50);
- ``tuned_reordered``  — the same domains cut into segments of 1-3 batches, shuffled;
- ``unseen``           — ``models/adapt/unseen.py`` (photometric, geometric, occlusion,
  noise families no setting was chosen on), in order;
- ``unseen_reordered`` — the unseen domains in segments of 1-3 batches.

Bench streams draw from the stream pool with the run seed; ``bench.adapt.tune`` builds the
tuned streams from the validation split with seeds 10 and 11 and never sees ``unseen*``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from models.adapt.corruptions import TUNED_DOMAINS
from models.adapt.digits import DigitSplits, load_digit_splits, to_unit
from models.adapt.nets import DeviceCNN, FoldedDeviceCNN, TeacherCNN
from models.adapt.onnx_export import export_device_onnx
from models.adapt.prompts import FAMILIES, family_by_name
from models.adapt.runner import DeviceRunner
from models.adapt.stream import StreamBatch, StreamConfig, materialise
from models.adapt.training import TrainConfig, device_model, teacher_model
from models.adapt.unseen import UNSEEN_DOMAINS
from models.adapt.warm_start import Reference, reference

SEGMENTS = (1, 3)
SPLITS: dict[str, tuple[tuple[str, ...], tuple[int, int] | None]] = {
    "tuned": (TUNED_DOMAINS, None),
    "tuned_reordered": (TUNED_DOMAINS, SEGMENTS),
    "unseen": (UNSEEN_DOMAINS, None),
    "unseen_reordered": (UNSEEN_DOMAINS, SEGMENTS),
}
REFERENCE_IMAGES = 256  # clean training images the cloud summarises for its warm starts
QUICK_TRAIN = TrainConfig(device_epochs=10, teacher_epochs=8)


@dataclass(frozen=True)
class Models:
    trained: DeviceCNN
    folded: FoldedDeviceCNN
    teacher: TeacherCNN
    runners: dict[str, DeviceRunner]
    reference: Reference


def stream_config(split: str, quick: bool, severity: int = 5) -> StreamConfig:
    domains, segments = SPLITS[split]
    # 400 of the 600 pool images per domain: 8 batches a domain (quick: 2)
    return StreamConfig(
        domains=domains, severity=severity, images_per_domain=100 if quick else 400,
        segment_batches=segments,
    )  # fmt: skip


def bench_stream(split: str, seed: int, quick: bool, severity: int = 5) -> list[StreamBatch]:
    splits = load_digit_splits()
    config = stream_config(split, quick, severity)
    return list(materialise(splits.stream_images, splits.stream_labels, config, seed))


def validation_stream(split: str, seed: int, offset: int) -> list[StreamBatch]:
    """A tuned split built from the validation images (each shown twice per domain)."""
    if split.startswith("unseen"):
        raise ValueError("settings are never chosen on the unseen split")
    splits = load_digit_splits()
    images = np.concatenate([splits.val_images, splits.val_images])  # (394, 16, 16)
    labels = np.concatenate([splits.val_labels, splits.val_labels])
    domains, segments = SPLITS[split]
    config = StreamConfig(domains=domains, images_per_domain=len(labels), segment_batches=segments)
    return list(materialise(images, labels, config, offset + seed))


def load_models(
    seed: int, cache: Path, quick: bool = False, splits: DigitSplits | None = None
) -> Models:
    splits = splits or load_digit_splits()
    train = QUICK_TRAIN if quick else TrainConfig()
    trained = device_model(splits, seed, cache, train)
    teacher = teacher_model(splits, seed, cache, train)
    folded = trained.fold()
    runners = {name: DeviceRunner(export_device_onnx(folded, family_by_name(name)))
               for name in FAMILIES}  # fmt: skip
    clean = torch.from_numpy(to_unit(splits.train_images[:REFERENCE_IMAGES]))
    return Models(trained, folded, teacher, runners, reference(folded, clean))
