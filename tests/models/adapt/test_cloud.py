from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import Tensor, nn

from models.adapt.cloud import CloudConfig, CloudLearner, input_shift, normalised_teacher
from models.adapt.digits import DigitSplits, to_uint8, to_unit
from models.adapt.nets import FoldedDeviceCNN, TeacherCNN
from models.adapt.prompts import (
    additive_family,
    filter_feature_family,
    warp_filter_feature_family,
)
from models.adapt.validator import PromptValidator
from models.adapt.warm_start import reference

OFFSET = 0.3


class _OffsetAwareTeacher(nn.Module):
    """An ideal teacher for the offset domain: the device model on the de-offset image."""

    def __init__(self, device: FoldedDeviceCNN) -> None:
        super().__init__()
        self.device = device

    def forward(self, x: Tensor) -> Tensor:
        out: Tensor = self.device(x - OFFSET)
        return out


def test_additive_prompt_learns_the_opposite_brightness_offset(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    torch.manual_seed(0)
    # dimmed to [0, 0.6] so that +0.3 never clips: a pure offset domain
    unit = splits.val_images[:80].astype(np.float32) / 255 * 0.6
    shifted = to_uint8(unit + OFFSET)
    family = additive_family()
    cloud = CloudLearner(
        folded, _OffsetAwareTeacher(folded), family,
        CloudConfig(steps=60, lr=0.05, weighting="uniform", on_shift="none", buffer_size=80,
                    loss="logit_mse"),
    )  # fmt: skip
    validator = PromptValidator(family, norm_bound=8.0)
    scores = np.ones(40, np.float32)
    for start in list(range(0, 80, 40)) * 4:
        assert validator.offer(cloud.receive(shifted[start : start + 40], scores)).accepted
    prompt = validator.current.reshape(16, 16)
    # border pixels barely reach the output and stay loosely determined: judge the bulk
    centre = prompt[2:-2, 2:-2]
    assert abs(float(np.median(prompt)) + OFFSET) < 0.03, np.median(prompt)
    assert abs(float(prompt.mean()) + OFFSET) < 0.08, prompt.mean()
    assert float(np.abs(centre + OFFSET).mean()) < 0.12, np.abs(centre + OFFSET).mean()


def test_versions_increase_and_a_new_domain_resets(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    torch.manual_seed(0)
    family = filter_feature_family()
    cloud = CloudLearner(
        folded, _OffsetAwareTeacher(folded), family,
        CloudConfig(steps=30, lr=0.05, reset_margin=0.0),
    )  # fmt: skip
    scores = np.linspace(0.1, 1, 40).astype(np.float32)
    bright = to_uint8(splits.val_images[:40].astype(np.float32) / 255 * 0.6 + OFFSET)
    payloads = [cloud.receive(bright, scores) for _ in range(3)]
    assert [p.version for p in payloads] == [1, 2, 3] and cloud.resets == 0
    assert not np.allclose(cloud.prompt.detach().numpy(), family.neutral(), atol=1e-3)
    # a new "domain": the teacher now wants the plain model's answers, which the learned
    # prompt reproduces worse than the neutral one, so the learner starts over
    cloud.teacher = folded
    payload = cloud.receive(bright, scores)
    assert cloud.resets == 1 and payload.version == 4


def test_teacher_bn_from_buffer_uses_buffer_statistics(splits: DigitSplits) -> None:
    torch.manual_seed(0)
    teacher = TeacherCNN(width=4).eval()
    x = torch.rand(32, 1, 16, 16) * 0.2 + 0.5
    adapted = normalised_teacher(teacher, x)
    first_bn = next(m for m in adapted.modules() if isinstance(m, nn.BatchNorm2d))
    first_conv = next(m for m in adapted.modules() if isinstance(m, nn.Conv2d))
    with torch.no_grad():
        h = first_conv(x)  # (32, 4, 16, 16)
    torch.testing.assert_close(first_bn.running_mean, h.mean(dim=(0, 2, 3)))
    original_bn = next(m for m in teacher.modules() if isinstance(m, nn.BatchNorm2d))
    assert original_bn.running_mean is not None
    assert torch.equal(original_bn.running_mean, torch.zeros(4))  # the original is untouched


class _FixedTeacher(nn.Module):
    """Logits that do not depend on the image: row i of `table`, cycling over the batch."""

    def __init__(self, table: Tensor) -> None:
        super().__init__()
        self.table = table

    def forward(self, x: Tensor) -> Tensor:
        return self.table[torch.arange(len(x)) % len(self.table)]


def test_hard_targets_are_the_teacher_argmax(folded: FoldedDeviceCNN) -> None:
    table = torch.tensor([[0.0, 2.0] + [0.0] * 8, [1.0] + [0.0] * 9])
    cloud = CloudLearner(
        folded, _FixedTeacher(table), additive_family(), CloudConfig(targets="hard")
    )
    targets = cloud.teacher_targets(torch.zeros(2, 1, 16, 16))
    assert targets.tolist() == torch.eye(10)[[1, 0]].tolist()
    soft = CloudLearner(folded, _FixedTeacher(table), additive_family(), CloudConfig())
    torch.testing.assert_close(soft.teacher_targets(torch.zeros(2, 1, 16, 16)), table.softmax(1))


def test_unconfident_teacher_labels_get_no_weight(folded: FoldedDeviceCNN) -> None:
    sure, unsure = [10.0] + [0.0] * 9, [0.1] + [0.0] * 9
    table = torch.tensor([sure, unsure, sure, unsure])
    config = CloudConfig(min_teacher_confidence=0.5, steps=1, weighting="uniform")
    cloud = CloudLearner(folded, _FixedTeacher(table), additive_family(), config)
    weights = cloud._weights(torch.ones(4), table)
    assert weights.tolist() == [1.0, 0.0, 1.0, 0.0]
    images = np.zeros((4, 16, 16), np.uint8)
    cloud.receive(images, np.ones(4, np.float32))
    assert cloud.last_teacher_labels.tolist() == [0, 0, 0, 0]


def test_smoothness_penalises_only_pixel_differences(folded: FoldedDeviceCNN) -> None:
    family = additive_family()
    cloud = CloudLearner(folded, folded, family, CloudConfig(smoothness=1.0))
    flat = torch.full((family.size,), 0.3)
    assert float(cloud.roughness(flat)) == 0.0
    checker = torch.from_numpy(np.indices((16, 16)).sum(0) % 2).float().ravel()  # 0/1
    assert abs(float(cloud.roughness(checker)) - 2.0) < 1e-6
    other = CloudLearner(folded, folded, filter_feature_family(), CloudConfig(smoothness=1.0))
    assert float(other.roughness(torch.from_numpy(filter_feature_family().neutral()))) == 0.0


def test_input_shift_separates_domains_not_batches(splits: DigitSplits) -> None:
    rng = np.random.default_rng(0)
    clean = torch.from_numpy(splits.val_images[:120].astype(np.float32) / 255)[:, None]
    noisy = (clean + torch.from_numpy(rng.normal(0, 0.3, clean.shape)).float()).clamp(0, 1)
    assert input_shift(clean[:100], clean[100:]) < 8.0  # same domain, other images
    assert input_shift(clean[:100], noisy[100:]) > 8.0
    assert input_shift(clean[:1], noisy[100:]) == 0.0  # too few to judge


def test_input_shift_test_resets_on_a_new_domain(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    torch.manual_seed(0)
    config = CloudConfig(steps=5, shift_test="inputs", on_shift="reset", buffer_size=200)
    cloud = CloudLearner(folded, folded, additive_family(), config)
    scores = np.ones(20, np.float32)
    for start in range(0, 80, 20):
        cloud.receive(splits.val_images[start : start + 20], scores)
    assert cloud.resets == 0 and len(cloud._images) == 80
    dark = to_uint8(splits.val_images[80:100].astype(np.float32) / 255 * 0.12)
    cloud.receive(dark, scores)
    assert cloud.resets == 1 and len(cloud._images) == 20  # the stale buffer was dropped


def test_true_labels_replace_the_teacher(folded: FoldedDeviceCNN, splits: DigitSplits) -> None:
    table = torch.tensor([[5.0] + [0.0] * 9])  # a teacher that always says 0
    cloud = CloudLearner(folded, _FixedTeacher(table), filter_feature_family(),
                         CloudConfig(steps=2, on_shift="none"))  # fmt: skip
    labels = splits.val_labels[:12]
    cloud.receive(splits.val_images[:12], np.ones(12, np.float32), labels)
    assert cloud.last_teacher_labels.tolist() == labels.tolist()
    cloud.receive(splits.val_images[12:24], np.ones(12, np.float32))
    assert cloud.last_teacher_labels.tolist() == [0] * 12  # mixed buffer: the teacher again


def test_each_domain_keeps_its_own_prompt_and_buffer(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    torch.manual_seed(0)
    family = filter_feature_family()
    cloud = CloudLearner(folded, folded, family, CloudConfig(steps=5, on_shift="none"))
    scores = np.ones(20, np.float32)
    clean, labels = splits.val_images[:20], splits.val_labels[:20]
    dark = to_uint8(clean.astype(np.float32) / 255 * 0.15)
    first = cloud.receive(clean, scores, labels, domain=0)
    on_clean = cloud.prompt.detach().clone()
    other = cloud.receive(dark, scores, labels, domain=3)
    assert (first.domain, other.domain) == (0, 3) and len(cloud._images) == 20
    assert other.version == first.version + 1
    assert not torch.equal(cloud.prompt.detach(), on_clean)
    cloud.config = CloudConfig(steps=0, on_shift="none")  # no fitting: the state comes back
    back = cloud.receive(clean[:0], scores[:0], labels[:0], domain=0)
    assert back.domain == 0 and torch.equal(cloud.prompt.detach(), on_clean)
    assert len(cloud._images) == 20


def test_a_new_domain_starts_from_the_best_candidate(
    folded: FoldedDeviceCNN, splits: DigitSplits
) -> None:
    torch.manual_seed(0)
    ref = reference(folded, torch.from_numpy(to_unit(splits.train_images[:256])))
    config = CloudConfig(steps=0, on_shift="none", warm_start="features_warp", weighting="uniform")
    cloud = CloudLearner(folded, folded, warp_filter_feature_family(), config, ref)
    dark = to_uint8(splits.val_images[:60].astype(np.float32) / 255 * 0.12)
    cloud.receive(dark, np.ones(60, np.float32), splits.val_labels[:60], domain=0)
    assert sum(cloud.starts.values()) == 1  # an analytic start fitted better than neutral
    with pytest.raises(ValueError, match="Reference"):
        CloudLearner(folded, folded, warp_filter_feature_family(), config)
