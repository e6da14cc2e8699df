from __future__ import annotations

import numpy as np
import pytest
import torch

from models.adapt.digits import DigitSplits, to_unit
from models.adapt.nets import FoldedDeviceCNN, split_prompt
from models.adapt.onnx_export import export_device_onnx
from models.adapt.prompts import (
    FAMILIES,
    PromptFamily,
    additive_family,
    family_by_name,
    warp_filter_feature_family,
)
from models.adapt.runner import DeviceRunner


@pytest.fixture(scope="module", params=FAMILIES)
def exported(
    request: pytest.FixtureRequest, folded: FoldedDeviceCNN
) -> tuple[PromptFamily, DeviceRunner]:
    family = family_by_name(request.param)
    return family, DeviceRunner(export_device_onnx(folded, family))


def test_graph_inputs_are_the_prompt_parts(exported: tuple[PromptFamily, DeviceRunner]) -> None:
    family, runner = exported
    assert runner.input_names == ("image", *(p.name for p in family.parts))


def test_onnxruntime_matches_torch_with_prompt_inputs(
    exported: tuple[PromptFamily, DeviceRunner], folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    family, runner = exported
    x = to_unit(splits.val_images[:37])  # odd batch: the batch dimension is dynamic
    rng = np.random.default_rng(3)
    for flat in (family.neutral(), family.neutral() + rng.normal(0, 0.2, family.size)):
        flat = flat.astype(np.float32)
        with torch.no_grad():
            ref = folded.forward_prompted(
                torch.from_numpy(x), split_prompt(family, torch.from_numpy(flat))
            ).numpy()
        out = runner(x, family.split(flat))
        assert out.shape == (37, 10)
        # logits reach ~±30: 1e-5 relative, and the class probabilities agree within 1e-5
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
        p_out = np.exp(out - out.max(1, keepdims=True))
        p_ref = np.exp(ref - ref.max(1, keepdims=True))
        p_out, p_ref = p_out / p_out.sum(1, keepdims=True), p_ref / p_ref.sum(1, keepdims=True)
        assert np.abs(p_out - p_ref).max() <= 1e-5


@pytest.mark.slow
def test_zero_prompt_graph_is_bit_exact_with_plain_graph(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    """Both graphs in onnxruntime: the additive graph at prompt 0 equals the plain export."""
    family = additive_family()
    plain = DeviceRunner(export_device_onnx(folded, None))
    prompted = DeviceRunner(export_device_onnx(folded, family))
    x = to_unit(splits.val_images[:40])
    np.testing.assert_array_equal(plain(x, {}), prompted(x, family.split(family.neutral())))


def test_neutral_warp_graph_equals_the_plain_graph(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    """Both graphs in onnxruntime: the warp family at its neutral prompt reproduces the
    plain export within 1e-6 (GridSample at the pixel centres reads the pixels)."""
    family = warp_filter_feature_family()
    plain = DeviceRunner(export_device_onnx(folded, None))
    prompted = DeviceRunner(export_device_onnx(folded, family))
    x = to_unit(splits.val_images[:40])
    gap = np.abs(plain(x, {}) - prompted(x, family.split(family.neutral()))).max()
    assert gap <= 1e-6, gap


def test_onnxruntime_matches_torch_for_warps_that_move_the_image(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    family = warp_filter_feature_family()
    runner = DeviceRunner(export_device_onnx(folded, family))
    x = to_unit(splits.val_images[:16])
    cases = {
        "shift 1.5 px": [[0, 0, 0.19], [0, 0, -0.19]],
        "zoom out": [[0.35, 0, 0], [0, 0.35, 0]],
        "shear + turn": [[0, 0.3, 0], [-0.2, 0, 0.1]],
    }
    for name, warp in cases.items():
        flat = family.neutral()
        flat[:6] = np.asarray(warp, np.float32).ravel()
        with torch.no_grad():
            ref = folded.forward_prompted(
                torch.from_numpy(x), split_prompt(family, torch.from_numpy(flat))
            ).numpy()
        out = runner(x, family.split(flat))
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5, err_msg=name)
        assert np.abs(out - runner(x, family.split(family.neutral()))).max() > 1e-2, name
