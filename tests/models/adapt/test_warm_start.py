"""The cloud's analytic starts: moment warp and feature-statistics alignment."""

from __future__ import annotations

import numpy as np
import torch

from models.adapt.corruptions import corrupt
from models.adapt.digits import DigitSplits, to_unit
from models.adapt.nets import FoldedDeviceCNN, split_prompt, warp_images
from models.adapt.prompts import filter_feature_family, warp_filter_feature_family
from models.adapt.warm_start import _channel_stats, align_features, moment_warp, reference


def _unit(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(to_unit(images))


def test_moment_warp_recovers_a_shared_shift_and_undoes_it(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    ref = reference(folded, _unit(splits.train_images[:256]))
    x = splits.val_images[:120].astype(np.float32) / np.float32(255)
    moved = corrupt(x, "shift", 5, np.random.default_rng(0))  # 3 px down-right
    warp = moment_warp(torch.from_numpy(moved[:, None]), ref)
    # the output should read the input 3 px right and down (+0.375 in normalised units);
    # ink pushed over the border shrinks the moments, so the estimate falls short
    tx, ty = warp[:, 2].tolist()
    assert 0.25 < tx < 0.45 and 0.12 < ty < 0.45, (tx, ty)
    undone = warp_images(torch.from_numpy(moved[:, None]), warp)
    clean = torch.from_numpy(x[:, None])
    assert float((undone - clean).abs().mean()) < 0.5 * float((clean - moved[:, None]).abs().mean())


def test_moment_warp_is_near_neutral_on_clean_images(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    ref = reference(folded, _unit(splits.train_images[:256]))
    assert float(moment_warp(_unit(splits.val_images[:150]), ref).abs().max()) < 0.05


def test_aligned_features_give_clean_block_statistics(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    ref = reference(folded, _unit(splits.train_images[:256]))
    dark = splits.val_images[:100].astype(np.float32) / np.float32(255) * 0.2
    x = torch.from_numpy(dark[:, None])
    for family in (filter_feature_family(), warp_filter_feature_family()):
        flat = align_features(folded, family, torch.from_numpy(family.neutral()), x, ref)
        parts = split_prompt(family, flat)
        with torch.no_grad():
            c1, c2 = folded.conv_outputs(x, parts)
        for block, c in ((1, c1), (2, c2)):
            scale, shift = parts[f"scale{block}"], parts[f"shift{block}"]
            mean, std = _channel_stats(c * scale.view(1, -1, 1, 1) + shift.view(1, -1, 1, 1))
            torch.testing.assert_close(mean, ref.block_mean[block - 1], atol=1e-3, rtol=1e-3)
            torch.testing.assert_close(std, ref.block_std[block - 1], atol=1e-3, rtol=1e-3)
