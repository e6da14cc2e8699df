"""The device CNN as an export spec: BatchNorm folded, every prompt part a graph input.

Default weights: ``models.adapt.training.device_model`` with seed 0 and its default budget
(clean training digits, seconds on one core), cached as safetensors.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from numpy.typing import NDArray

from export.errors import ExportError
from export.spec import Feeds, ModelSpec
from export.weights import default_cache_dir, tensors_sha256
from models.adapt import digits
from models.adapt.nets import CLASSES, DeviceCNN, prompted_module
from models.adapt.prompts import PromptFamily, family_by_name
from models.adapt.training import device_model

DEFAULT_SEED = 0
GOLDEN_COUNT = 8
GOLDEN_PROMPT_SEED = 20240607
PROMPT_GOLDEN_STD = 0.1
HELDOUT_BATCH = 256
CALIBRATION_COUNT = 256


PART_MEANING = {
    "warp": "theta=[[1,0,0],[0,1,0]]+warp; output pixel centre (u,v) in [-1,1] "
    "(align_corners=false) reads the input at theta.(u,v,1), bilinear, zeros outside",
}


def load_device(weights: Path | None, cache_dir: Path | None = None) -> DeviceCNN:
    """The training-form CNN from ``weights`` (a DeviceCNN safetensors state dict) or the
    deterministic default (seed 0, cached)."""
    if weights is None:
        folder = cache_dir or default_cache_dir()
        return device_model(digits.load_digit_splits(), DEFAULT_SEED, folder)
    from safetensors.torch import load_file

    model = DeviceCNN()
    try:
        model.load_state_dict(load_file(str(weights)))
    except Exception as exc:  # safetensors and torch raise several types for a bad file
        raise ExportError(f"{weights}: not DeviceCNN safetensors weights ({exc})") from None
    return model.eval()


def _raw_digits() -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """The 8×8 sources of the held-out (validation) images, in [0, 1], ink bright."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    small = np.asarray(bunch.images, np.float32) / np.float32(16.0)  # (1797, 8, 8)
    order = np.random.default_rng(digits.SPLIT_SEED).permutation(len(small))
    val = order[digits.N_TRAIN : digits.N_TRAIN + digits.N_VAL]
    return small[val], np.asarray(bunch.target, np.int64)[val]


def preprocess_source(small: NDArray[np.float32]) -> NDArray[np.float32]:
    """What the contract prescribes: bilinear resize, uint8 rounding, divide by 255."""
    from models.adapt.imaging import resize_bilinear

    return digits.to_unit(digits.to_uint8(resize_bilinear(small, digits.SIDE)))


def _contract(family: PromptFamily) -> dict[str, str]:
    props = {
        "task": "digit-classification",
        "labels": ",".join(str(c) for c in range(CLASSES)),
        "preprocess.source": "grayscale in [0,1], ink bright (1) on dark (0), any size",
        "preprocess.resize": "bilinear,half-pixel-centres,edge-clamp",
        "preprocess.side": str(digits.SIDE),
        "preprocess.quantize": "uint8,round-half-even,clip",
        "preprocess.divisor": "255",
        "preprocess.layout": "NCHW",
        "prompt.family": family.name,
        "prompt.inputs": ",".join(p.name for p in family.parts),
        "prompt.size": str(family.size),
        "prompt.file": "npy float32 little-endian, flat (prompt.size,), parts in order",
    }
    for part in family.parts:
        neutral = "identity" if part.name == "filter" else repr(float(part.neutral))
        props[f"prompt.input.{part.name}.neutral"] = neutral
        if part.name in PART_MEANING:
            props[f"prompt.input.{part.name}.meaning"] = PART_MEANING[part.name]
    return props


def _feeds(images: NDArray[np.float32], parts: dict[str, NDArray[np.float32]]) -> Feeds:
    return {"image": images, **parts}


def device_spec(
    weights: Path | None = None, family_name: str = "additive", cache_dir: Path | None = None
) -> ModelSpec:
    trained = load_device(weights, cache_dir)
    source_sha = tensors_sha256({k: v.numpy() for k, v in trained.state_dict().items()})
    family = family_by_name(family_name)
    module = prompted_module(trained.fold(), family).eval()
    neutral = family.split(family.neutral())
    splits = digits.load_digit_splits()

    small, labels = _raw_digits()
    golden_small = small[:GOLDEN_COUNT]
    golden_images = preprocess_source(golden_small)  # (8, 1, 16, 16)
    expected = digits.to_unit(splits.val_images[:GOLDEN_COUNT])
    if not np.array_equal(golden_images, expected):
        raise ExportError("digits preprocessing drifted from models.adapt.digits")
    rng = np.random.default_rng(GOLDEN_PROMPT_SEED)
    noise = rng.normal(0.0, PROMPT_GOLDEN_STD, family.size).astype(np.float32)
    prompt_flat = (family.neutral() + noise).astype(np.float32)

    heldout_images = digits.to_unit(np.concatenate([splits.val_images, splits.stream_images]))
    heldout = [
        _feeds(heldout_images[i : i + HELDOUT_BATCH], neutral)
        for i in range(0, len(heldout_images), HELDOUT_BATCH)
    ]
    calibration_images = digits.to_unit(splits.train_images[:CALIBRATION_COUNT])
    example: tuple[torch.Tensor, ...] = (torch.zeros(2, 1, digits.SIDE, digits.SIDE),)
    example += tuple(torch.from_numpy(a) for a in neutral.values())
    return ModelSpec(
        name="device",
        module=module,
        example=example,
        input_names=("image", *neutral),
        output_names=("logits",),
        dynamic_axes={"image": {0: "batch"}},
        max_dims={"batch": 4096},
        contract=_contract(family),
        golden_feeds=_feeds(golden_images, neutral),
        heldout=heldout,
        calibration=[_feeds(calibration_images, neutral)],
        source_sha256=source_sha,
        golden_extra={
            "digits_8x8": golden_small,
            "labels": labels[:GOLDEN_COUNT],
            "prompt_flat": prompt_flat,
        },
        golden_extra_outputs={"prompted": _feeds(golden_images, family.split(prompt_flat))},
        quantize_exclude_inputs=tuple(neutral),
    )
