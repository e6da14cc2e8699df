from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from models.adapt.cloud import CloudConfig, CloudLearner, normalised_teacher
from models.adapt.digits import DigitSplits, to_uint8
from models.adapt.nets import FoldedDeviceCNN, TeacherCNN
from models.adapt.prompts import additive_family, filter_feature_family
from models.adapt.validator import PromptValidator

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
