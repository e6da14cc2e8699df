"""The cloud learner: a teacher labels uploads; a prompt is fitted on a buffer of recent
uploads so that the frozen device model agrees with the teacher (torch)."""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import Tensor, nn

from models.adapt.digits import to_unit
from models.adapt.nets import FoldedDeviceCNN, split_prompt
from models.adapt.payload import PromptPayload, encode_prompt
from models.adapt.prompts import PromptFamily

FP16_MARGIN = 0.99  # stay inside the bound after the payload's fp16 rounding


@dataclass(frozen=True)
class CloudConfig:
    buffer_size: int = 128
    """Recent uploads kept for fitting (FIFO)."""
    steps: int = 20
    """Adam steps per received upload batch (warm-started from the last prompt)."""
    lr: float = 0.05
    weighting: str = "uncertainty"
    """"uncertainty": weight each sample by its device score / buffer mean; "uniform"."""
    teacher_bn_from_buffer: bool = False
    """Normalise the teacher with BatchNorm statistics of the upload buffer before labelling."""
    on_shift: str = "reset"
    """When the current prompt fits new uploads worse than the neutral one (a new domain):
    "relearn" drops the stale buffer and refits from the current prompt, "reset" also
    restarts the prompt from neutral, "none" ignores it."""
    shift_test: str = "loss"
    """How a new domain is noticed: "loss" (the current prompt fits the new uploads worse
    than the neutral one, by `reset_margin`) or "inputs" (the uploads' image statistics
    differ from the buffer's: `input_shift`)."""
    shift_threshold: float = 8.0
    """For "inputs": the largest Welch t statistic over the image descriptors that still
    counts as the same domain."""
    reset_margin: float = 0.1
    """Relative margin: reset only when the current loss exceeds the neutral one by this much
    (a dozen uploads give a noisy loss; resetting on noise throws good prompts away)."""
    loss: str = "ce"
    """"ce": cross-entropy against the teacher's softmax (any teacher); "logit_mse": match
    the teacher's logits (only when they share the device's logit space, e.g. a teacher that
    is the device model on cleaned inputs). Soft labels identify an additive offset weakly:
    in 200 steps on a pure offset, "ce" moved the prompt to about -0.06 of -0.3."""
    norm_bound: float = 8.0
    """L2 radius around the neutral prompt; kept by projection so the device accepts it."""
    targets: str = "soft"
    """For "ce": "soft" fits the teacher's softmax, "hard" its argmax (a one-hot label)."""
    min_teacher_confidence: float = 0.0
    """Uploads whose teacher top probability is below this get weight 0 in the fit (the
    hardest uploads are often the ones the teacher gets wrong too)."""
    smoothness: float = 0.0
    """Weight of a penalty on squared neighbour differences of an additive prompt (256 free
    values fitted on a few dozen uploads overfit pixel noise; a smooth prompt generalises)."""


def image_descriptors(x: Tensor) -> Tensor:
    """(N, 1, H, W) -> (N, 5): mean, std, mean neighbour difference, dark and bright
    fractions; cheap statistics that move when the corruption changes."""
    flat = x.flatten(1)  # (N, H·W)
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().flatten(1).mean(1)
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().flatten(1).mean(1)
    dark = (flat < 0.02).float().mean(1)
    bright = (flat > 0.98).float().mean(1)
    return torch.stack([flat.mean(1), flat.std(1), dy + dx, dark, bright], dim=1)


def input_shift(reference: Tensor, new: Tensor) -> float:
    """The largest |Welch t| over the descriptors of two image sets (0 if either is tiny)."""
    if len(reference) < 2 or len(new) < 2:
        return 0.0
    a, b = image_descriptors(reference), image_descriptors(new)  # (Na, 5), (Nb, 5)
    spread = a.var(0) / len(a) + b.var(0) / len(b) + 1e-8
    return float(((a.mean(0) - b.mean(0)).abs() / spread.sqrt()).max())


def normalised_teacher(teacher: nn.Module, x: Tensor) -> nn.Module:
    """A copy of the teacher whose BatchNorm layers use the statistics of `x`."""
    adapted = copy.deepcopy(teacher)
    for m in adapted.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: one pass = the statistics of x
    adapted.train()
    with torch.no_grad():
        adapted(x)
    return adapted.eval()


class CloudLearner:
    def __init__(
        self,
        device_model: FoldedDeviceCNN,
        teacher: nn.Module,
        family: PromptFamily,
        config: CloudConfig = CloudConfig(),
    ) -> None:
        self.device_model = device_model.eval()
        for p in self.device_model.parameters():
            p.requires_grad_(False)
        self.teacher = teacher.eval()
        self.family = family
        self.config = config
        self.neutral = torch.from_numpy(family.neutral())
        self.prompt = self.neutral.clone().requires_grad_(True)
        self._opt = torch.optim.Adam([self.prompt], lr=config.lr)
        self.version = 0
        self.resets = 0
        self._images = torch.zeros(0, 1, 16, 16)
        self._scores = torch.zeros(0)
        self.last_teacher_labels = torch.zeros(0, dtype=torch.long)
        """The teacher's labels for the newest upload (diagnostics)."""

    def teacher_logits(self, x: Tensor) -> Tensor:
        """(N, 10); with `teacher_bn_from_buffer` the teacher is first normalised with the
        statistics of x."""
        teacher = self.teacher
        if self.config.teacher_bn_from_buffer:
            teacher = normalised_teacher(self.teacher, x)
        with torch.no_grad():
            logits: Tensor = teacher(x)
        return logits

    def targets_from(self, logits: Tensor) -> Tensor:
        """Teacher logits -> what the device is fitted to: logits ("logit_mse"), one-hot
        labels ("ce" + "hard") or soft labels ("ce" + "soft")."""
        if self.config.loss == "logit_mse":
            return logits
        if self.config.targets == "hard":
            return F.one_hot(logits.argmax(dim=1), logits.shape[1]).to(logits.dtype)
        return F.softmax(logits, dim=1)

    def teacher_targets(self, x: Tensor) -> Tensor:
        """(N, 10) fitting targets for x (see `targets_from`)."""
        return self.targets_from(self.teacher_logits(x))

    def disagreement(self, flat: Tensor, x: Tensor, targets: Tensor, weights: Tensor) -> Tensor:
        """Weighted disagreement of the prompted device model with the teacher."""
        logits = self.device_model.forward_prompted(x, split_prompt(self.family, flat))
        if self.config.loss == "logit_mse":
            per_sample = ((logits - targets) ** 2).mean(dim=1)  # (N,)
        else:
            per_sample = -(targets * F.log_softmax(logits, dim=1)).sum(dim=1)  # (N,)
        return (weights * per_sample).sum() / weights.sum().clamp_min(1e-12)

    def roughness(self, flat: Tensor) -> Tensor:
        """Mean squared neighbour difference of the additive part (0 for other families)."""
        parts = split_prompt(self.family, flat)
        if "prompt" not in parts:
            return flat.new_zeros(())
        p = parts["prompt"]  # (1, 1, H, W)
        return ((p[..., 1:, :] - p[..., :-1, :]) ** 2).mean() + (
            (p[..., :, 1:] - p[..., :, :-1]) ** 2
        ).mean()

    def receive(self, images: NDArray[np.uint8], scores: NDArray[np.float32]) -> PromptPayload:
        """Take one upload (uint8 (k, 16, 16) + device scores), refit, return the prompt."""
        x_new = torch.from_numpy(to_unit(images))  # (k, 1, 16, 16)
        s_new = torch.from_numpy(np.asarray(scores, np.float32))
        if self.config.on_shift != "none" and self.version > 0 and len(x_new):
            self._maybe_reset(x_new)
        self._images = torch.cat([self._images, x_new])[-self.config.buffer_size :]
        self._scores = torch.cat([self._scores, s_new])[-self.config.buffer_size :]
        if len(self._images):
            self._fit(len(x_new))
        self.version += 1
        return encode_prompt(self.family.name, self.version, self.prompt.detach().numpy())

    def _weights(self, scores: Tensor, teacher_logits: Tensor) -> Tensor:
        if self.config.weighting == "uniform":
            weights = torch.ones_like(scores)
        else:
            weights = (scores / scores.mean().clamp_min(1e-12)).clamp(0.2, 5.0)
        if self.config.min_teacher_confidence > 0:
            confidence = F.softmax(teacher_logits, dim=1).amax(dim=1)  # (N,)
            weights = weights * (confidence >= self.config.min_teacher_confidence)
        return weights

    def _shifted(self, x_new: Tensor) -> bool:
        if self.config.shift_test == "inputs":
            return input_shift(self._images, x_new) > self.config.shift_threshold
        targets = self.teacher_targets(x_new)
        ones = torch.ones(len(x_new))
        with torch.no_grad():
            current = self.disagreement(self.prompt, x_new, targets, ones)
            neutral = self.disagreement(self.neutral, x_new, targets, ones)
        return bool(current > neutral * (1.0 + self.config.reset_margin))

    def _maybe_reset(self, x_new: Tensor) -> None:
        if self._shifted(x_new):
            self.resets += 1
            self._images, self._scores = self._images[:0], self._scores[:0]
            if self.config.on_shift == "reset":
                with torch.no_grad():
                    self.prompt.copy_(self.neutral)
                self._opt = torch.optim.Adam([self.prompt], lr=self.config.lr)

    def _fit(self, newest: int) -> None:
        logits = self.teacher_logits(self._images)  # (N, 10)
        targets = self.targets_from(logits)
        self.last_teacher_labels = logits[len(logits) - newest :].argmax(dim=1)
        weights = self._weights(self._scores, logits)
        for _ in range(self.config.steps):
            loss = self.disagreement(self.prompt, self._images, targets, weights)
            if self.config.smoothness > 0:
                loss = loss + self.config.smoothness * self.roughness(self.prompt)
            self._opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            self._opt.step()
            with torch.no_grad():
                offset = self.prompt - self.neutral
                norm = float(offset.norm())
                radius = self.config.norm_bound * FP16_MARGIN
                if norm > radius:
                    self.prompt.copy_(self.neutral + offset * (radius / norm))


def cloud_preset(family: str) -> CloudConfig:
    """The cloud settings chosen on the bench's validation stream for a prompt family.

    additive: hard teacher labels on a buffer-normalised teacher, restart on an input shift,
    a smooth prompt (bench/adapt/tune.py); filter_feature: session 1's loss-based reset.
    """
    if family == "additive":
        return CloudConfig(
            teacher_bn_from_buffer=True,
            targets="hard",
            shift_test="inputs",
            on_shift="reset",
            smoothness=30.0,
        )
    return CloudConfig(teacher_bn_from_buffer=True)
