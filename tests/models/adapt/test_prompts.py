from __future__ import annotations

import numpy as np
import torch

from models.adapt.digits import DigitSplits, to_unit
from models.adapt.imaging import shift
from models.adapt.nets import DeviceCNN, FoldedDeviceCNN, split_prompt, warp_images
from models.adapt.prompts import (
    additive_family,
    filter_feature_family,
    warp_filter_feature_family,
)


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


def test_neutral_warp_prompt_is_bit_exact_with_the_plain_model(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    family = warp_filter_feature_family()
    assert family.size == 6 + 57 and [p.name for p in family.parts][:2] == ["warp", "filter"]
    neutral = family.split(family.neutral())
    assert neutral["warp"].shape == (2, 3) and not neutral["warp"].any()
    x = torch.from_numpy(to_unit(splits.val_images[:64]))
    assert torch.equal(warp_images(x, torch.zeros(2, 3)), x)
    with torch.no_grad():
        plain = folded(x)
        prompted = folded.forward_prompted(
            x, split_prompt(family, torch.from_numpy(family.neutral()))
        )
    assert float((plain - prompted).abs().max()) <= 1e-6


def test_warp_translation_by_whole_pixels_is_an_exact_shift(splits: DigitSplits) -> None:
    x = to_unit(splits.val_images[:8])  # (8, 1, 16, 16)
    warp = torch.tensor([[0.0, 0.0, 2 / 16], [0.0, 0.0, -4 / 16]])  # read 1 px right, 2 up
    out = warp_images(torch.from_numpy(x), warp).numpy()
    np.testing.assert_allclose(out, shift(x, 2, -1), atol=1e-6)  # content: 2 down, 1 left


def test_warp_is_differentiable_in_its_six_numbers(splits: DigitSplits) -> None:
    x = torch.from_numpy(to_unit(splits.val_images[:8]))
    warp = torch.full((2, 3), 0.05, requires_grad=True)
    warp_images(x, warp).square().sum().backward()  # type: ignore[no-untyped-call]
    assert warp.grad is not None and bool((warp.grad != 0).all())
