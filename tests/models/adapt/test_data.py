from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import torch

from models.adapt.corruptions import (
    CORRUPTIONS,
    STREAM_DOMAINS,
    TUNED_DOMAINS,
    brightness_offset,
)
from models.adapt.digits import DigitSplits
from models.adapt.imaging import affine, rotate
from models.adapt.stream import StreamConfig, apply_domain, materialise, segment_order
from models.adapt.training import TrainConfig, device_model, weights_seed
from models.adapt.unseen import UNSEEN_CORRUPTIONS, UNSEEN_DOMAINS


def test_splits_are_fixed_and_disjoint_in_size(splits: DigitSplits) -> None:
    assert splits.train_images.shape == (1000, 16, 16) and splits.train_images.dtype == np.uint8
    assert len(splits.val_labels) == 197 and len(splits.stream_labels) == 600
    assert set(np.unique(splits.train_labels)) == set(range(10))


@pytest.mark.parametrize("domain", sorted(CORRUPTIONS) + sorted(UNSEEN_CORRUPTIONS))
def test_each_corruption_changes_images_within_range(domain: str, splits: DigitSplits) -> None:
    x = splits.val_images[:20].astype(np.float32) / np.float32(255)
    for severity in (1, 5):
        out = apply_domain(x, domain, severity, np.random.default_rng(0))
        assert out.shape == x.shape and out.dtype == np.float32
        assert out.min() >= 0 and out.max() <= 1 and np.abs(out - x).mean() > 1e-3


def test_stream_is_deterministic_and_ordered(splits: DigitSplits) -> None:
    config = StreamConfig(images_per_domain=100, batch_size=25)
    a = materialise(splits.stream_images, splits.stream_labels, config, seed=4)
    b = materialise(splits.stream_images, splits.stream_labels, config, seed=4)
    assert len(STREAM_DOMAINS) >= 8 and len(a) == 8 * 4
    assert [x.domain for x in a[::4]] == list(STREAM_DOMAINS)
    assert all(np.array_equal(x.images, y.images) for x, y in zip(a, b, strict=True))
    assert a[0].images.dtype == np.uint8 and a[0].images.shape == (25, 16, 16)


def test_brightness_offset_is_pure() -> None:
    x = np.zeros((1, 16, 16), np.float32)
    assert np.all(brightness_offset(x, 0.3) == np.float32(0.3))


def test_weights_cache_records_the_seed(splits: DigitSplits, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    config = TrainConfig(device_epochs=1)
    first = device_model(splits, 5, tmp_path, config)
    (path,) = tmp_path.glob("*.safetensors")
    assert weights_seed(path) == 5
    again = device_model(splits, 5, tmp_path, config)  # loaded, not retrained
    fresh = device_model(splits, 5, None, config)  # retrained: deterministic
    for k, v in first.state_dict().items():
        assert torch.equal(v, again.state_dict()[k]) and torch.equal(v, fresh.state_dict()[k])


def test_unseen_split_shares_no_family_with_the_tuned_one() -> None:
    assert set(UNSEEN_DOMAINS) == set(UNSEEN_CORRUPTIONS) and len(UNSEEN_DOMAINS) == 8
    assert not set(UNSEEN_DOMAINS) & set(CORRUPTIONS)
    assert set(TUNED_DOMAINS) <= set(CORRUPTIONS) and set(STREAM_DOMAINS) < set(TUNED_DOMAINS)


def test_affine_is_the_rotation_and_an_exact_pixel_shift(splits: DigitSplits) -> None:
    x = splits.val_images[:6].astype(np.float32) / np.float32(255)
    angle = np.deg2rad(30.0)
    c, s = np.cos(angle), np.sin(angle)
    turn = np.array([[c, -s, 0.0], [s, c, 0.0]])
    np.testing.assert_allclose(affine(x, turn), rotate(x, np.full(6, 30.0)), atol=1e-6)
    moved = affine(x, np.array([[1.0, 0.0, -2.0], [0.0, 1.0, 1.0]]))  # down 2, left 1
    np.testing.assert_array_equal(moved[:, 2:, :-1], x[:, :-2, 1:])
    assert not moved[:, :2].any() and not moved[:, :, -1].any()


def test_reordered_stream_keeps_every_domains_batches_in_short_segments(
    splits: DigitSplits,
) -> None:
    rng = np.random.default_rng(0)
    order = segment_order(8, 8, (1, 3), rng)
    assert all(1 <= size <= 3 for _, size in order)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(order))
    assert [sum(size for d, size in order if d == k) for k in range(8)] == [8] * 8
    config = StreamConfig(domains=UNSEEN_DOMAINS, images_per_domain=150, segment_batches=(1, 2))
    a = materialise(splits.stream_images, splits.stream_labels, config, seed=3)
    b = materialise(splits.stream_images, splits.stream_labels, config, seed=3)
    assert len(a) == len(b) == 8 * 3
    assert all(np.array_equal(x.images, y.images) for x, y in zip(a, b, strict=True))
    assert {x.domain for x in a} == set(UNSEEN_DOMAINS)
    assert len([x for x, y in itertools.pairwise(a) if x.domain != y.domain]) >= 8
    for domain in UNSEEN_DOMAINS:
        assert [x.batch_index for x in a if x.domain == domain] == [0, 1, 2]
