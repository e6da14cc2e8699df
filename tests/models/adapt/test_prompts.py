from __future__ import annotations

import numpy as np
import torch

from models.adapt.digits import DigitSplits, to_unit
from models.adapt.nets import DeviceCNN, FoldedDeviceCNN, split_prompt
from models.adapt.prompts import additive_family, filter_feature_family


def test_split_join_round_trip_and_sizes() -> None:
    family = filter_feature_family()
    assert family.size == 9 + 2 * 8 + 2 * 16 == 57
    flat = np.arange(family.size, dtype=np.float32)
    parts = family.split(flat)
    assert parts["filter"].shape == (1, 1, 3, 3) and parts["shift2"].shape == (16,)
    np.testing.assert_array_equal(family.join(parts), flat)
    neutral = family.split(family.neutral())
    assert neutral["filter"].sum() == 1.0 and neutral["filter"][0, 0, 1, 1] == 1.0
    assert (neutral["scale1"] == 1).all() and (neutral["shift1"] == 0).all()


def test_folding_matches_batchnorm_model(trained_device: DeviceCNN, splits: DigitSplits) -> None:
    x = torch.from_numpy(to_unit(splits.val_images[:64]))
    with torch.no_grad():
        ref = trained_device.eval()(x)
        out = trained_device.fold()(x)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)


def test_zero_additive_prompt_is_bit_exact(folded: FoldedDeviceCNN, splits: DigitSplits) -> None:
    family = additive_family()
    x = torch.from_numpy(to_unit(splits.val_images[:64]))
    with torch.no_grad():
        plain = folded(x)
        prompted = folded.forward_prompted(x, split_prompt(family, torch.zeros(family.size)))
    assert torch.equal(plain, prompted)


def test_neutral_filter_feature_prompt_within_1e6(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    family = filter_feature_family()
    x = torch.from_numpy(to_unit(splits.val_images[:64]))
    neutral = split_prompt(family, torch.from_numpy(family.neutral()))
    with torch.no_grad():
        plain = folded(x)
        prompted = folded.forward_prompted(x, neutral)
    assert float((plain - prompted).abs().max()) <= 1e-6
    # and the parts do act: a non-neutral prompt changes the output
    moved = dict(neutral, shift1=torch.full((8,), 0.5))
    with torch.no_grad():
        assert float((folded.forward_prompted(x, moved) - plain).abs().max()) > 1e-2
