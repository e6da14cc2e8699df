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

from models.adapt.cloud_config import CloudConfig, cloud_preset
from models.adapt.digits import to_unit
from models.adapt.domain_shift import input_shift
from models.adapt.nets import FoldedDeviceCNN, split_prompt, warp_images
from models.adapt.payload import PromptPayload, encode_prompt
from models.adapt.prompts import PromptFamily
from models.adapt.warm_start import Reference, align_features, moment_warp

__all__ = ["CloudConfig", "CloudLearner", "cloud_preset", "input_shift", "normalised_teacher"]
DEFAULT_CONFIG = CloudConfig()
FP16_MARGIN = 0.99  # stay inside the bound after the payload's fp16 rounding


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
        config: CloudConfig = DEFAULT_CONFIG,
        reference: Reference | None = None,
    ) -> None:
        if config.warm_start != "none" and reference is None:
            raise ValueError(f"warm_start={config.warm_start!r} needs a clean Reference")
        self.reference = reference
        self.device_model = device_model.eval()
        for p in self.device_model.parameters():
            p.requires_grad_(False)
        self.teacher = teacher.eval()
        self.family = family
        self.config = config
        self.neutral = torch.from_numpy(family.neutral())
        scale = {p.name: config.warp_lr_scale if p.name == "warp" else 1.0 for p in family.parts}
        self._step_scale = torch.cat(
            [torch.full((int(np.prod(p.shape)),), scale[p.name]) for p in family.parts]
        )  # (size,): per-entry fraction of each Adam step
        self.prompt = self.neutral.clone().requires_grad_(True)
        self._opt = torch.optim.Adam([self.prompt], lr=config.lr)
        self.version = 0
        self.resets = 0
        self._images = torch.zeros(0, 1, 16, 16)
        self._scores = torch.zeros(0)
        self._labels = torch.zeros(0, dtype=torch.long)  # -1: the teacher labels it
        self._fresh = True
        self.bank: list[Tensor] = []
        self.domain = 0
        """The device domain being fitted (uploads carry its id when the device has keys)."""
        self._parked: dict[int, _Parked] = {}
        self.starts: dict[str, int] = {}
        """How often each candidate start was taken (diagnostics)."""
        self.last_teacher_labels = torch.zeros(0, dtype=torch.long)
        """The teacher's labels for the newest upload (diagnostics)."""

    def teacher_logits(self, x: Tensor) -> Tensor:
        """(N, 10); with `teacher_bn_from_buffer` the teacher is first normalised with the
        statistics of x."""
        if self.config.teacher_view == "moments" and self.reference is not None and len(x) > 1:
            aligned = warp_images(x, moment_warp(x, self.reference))
            raw_logits, aligned_logits = self._teacher(x), self._teacher(aligned)
            confidence = [F.softmax(z, 1).amax(1).mean() for z in (raw_logits, aligned_logits)]
            return aligned_logits if confidence[1] > confidence[0] else raw_logits
        return self._teacher(x)

    def _teacher(self, x: Tensor) -> Tensor:
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

    def receive(
        self,
        images: NDArray[np.uint8],
        scores: NDArray[np.float32],
        labels: NDArray[np.int64] | None = None,
        domain: int | None = None,
    ) -> PromptPayload:
        """Take one upload (uint8 (k, 16, 16) + device scores), refit, return the prompt.
        `labels` (the bench's oracle only) replace the teacher by the true classes. With a
        `domain` id each domain has its own prompt, buffer and optimiser; a new one starts
        from the best of neutral, the analytic starts and the other domains' prompts."""
        if domain is not None:
            self._switch(domain)
        x_new = torch.from_numpy(to_unit(images))  # (k, 1, 16, 16)
        s_new = torch.from_numpy(np.asarray(scores, np.float32))
        y_new = torch.full((len(x_new),), -1, dtype=torch.long)
        if labels is not None:
            y_new = torch.from_numpy(np.asarray(labels, np.int64))
        if self.config.on_shift != "none" and self.version > 0 and len(x_new):
            self._maybe_reset(x_new, y_new)
        size = self.config.buffer_size
        self._images = torch.cat([self._images, x_new])[-size:]
        self._scores = torch.cat([self._scores, s_new])[-size:]
        self._labels = torch.cat([self._labels, y_new])[-size:]
        if len(self._images):
            self._fit(len(x_new))
        self.version += 1
        flat = self.prompt.detach().numpy()
        return encode_prompt(self.family.name, self.version, flat, self.domain)

    def _switch(self, domain: int) -> None:
        if domain == self.domain:
            return
        self._parked[self.domain] = _Parked(
            self.prompt, self._opt, self._images, self._scores, self._labels, self._fresh
        )
        parked = self._parked.pop(domain, None)
        self.domain = domain
        if parked is None:
            self.prompt = self.neutral.clone().requires_grad_(True)
            self._opt = torch.optim.Adam([self.prompt], lr=self.config.lr)
            self._images, self._scores = self._images[:0], self._scores[:0]
            self._labels, self._fresh = self._labels[:0], True
            return
        self.prompt, self._opt, self._fresh = parked.prompt, parked.opt, parked.fresh
        self._images, self._scores, self._labels = parked.images, parked.scores, parked.labels

    def _targets_for(self, x: Tensor, labels: Tensor) -> tuple[Tensor, Tensor]:
        """(targets, teacher logits) for x: the teacher's, or one-hot true labels when every
        label is known (oracle)."""
        if len(labels) and bool((labels >= 0).all()):
            onehot = F.one_hot(labels, 10).float()
            return onehot, onehot * 10.0
        logits = self.teacher_logits(x)
        return self.targets_from(logits), logits

    def _weights(self, scores: Tensor, teacher_logits: Tensor) -> Tensor:
        if self.config.weighting == "uniform":
            weights = torch.ones_like(scores)
        else:
            weights = (scores / scores.mean().clamp_min(1e-12)).clamp(0.2, 5.0)
        if self.config.min_teacher_confidence > 0:
            confidence = F.softmax(teacher_logits, dim=1).amax(dim=1)  # (N,)
            weights = weights * (confidence >= self.config.min_teacher_confidence)
        return weights

    def _shifted(self, x_new: Tensor, y_new: Tensor) -> bool:
        if self.config.shift_test == "inputs":
            return input_shift(self._images, x_new) > self.config.shift_threshold
        targets, _ = self._targets_for(x_new, y_new)
        ones = torch.ones(len(x_new))
        with torch.no_grad():
            current = self.disagreement(self.prompt, x_new, targets, ones)
            neutral = self.disagreement(self.neutral, x_new, targets, ones)
        return bool(current > neutral * (1.0 + self.config.reset_margin))

    def _maybe_reset(self, x_new: Tensor, y_new: Tensor) -> None:
        if self._shifted(x_new, y_new):
            self.resets += 1
            self._fresh = True
            if self.config.bank_size > 0:
                self.bank = [*self.bank, self.prompt.detach().clone()][-self.config.bank_size :]
            self._images, self._scores = self._images[:0], self._scores[:0]
            self._labels = self._labels[:0]
            if self.config.on_shift == "reset":
                self._jump(self.neutral)

    def _jump(self, flat: Tensor) -> None:
        with torch.no_grad():
            self.prompt.copy_(flat)
        self._opt = torch.optim.Adam([self.prompt], lr=self.config.lr)

    def _candidates(self) -> dict[str, Tensor]:
        """Starts that may replace the current prompt before this round's fit."""
        out = {f"bank{i}": p for i, p in enumerate(self.bank)}
        if self._fresh:
            out |= {f"domain{d}": p.prompt.detach() for d, p in self._parked.items()}
        if self.config.warm_start == "none" or self.reference is None:
            return out
        x, ref = self._images, self.reference
        out["features"] = align_features(self.device_model, self.family, self.neutral, x, ref)
        parts = split_prompt(self.family, self.neutral.clone())
        if self.config.warm_start == "features_warp" and "warp" in parts:
            parts["warp"].copy_(moment_warp(x, ref))
            warped = self.family.join({k: v.numpy() for k, v in parts.items()})
            out["warp"] = align_features(
                self.device_model, self.family, torch.from_numpy(warped), x, ref
            )
        return out

    def _choose_start(self, targets: Tensor, weights: Tensor) -> None:
        candidates = self._candidates()
        if not candidates:
            return
        with torch.no_grad():
            best = float(self.disagreement(self.prompt, self._images, targets, weights))
            choice = ""
            for name, flat in candidates.items():
                offset = flat - self.neutral
                if float(offset.norm()) > self.config.norm_bound * FP16_MARGIN:
                    continue
                loss = float(self.disagreement(flat, self._images, targets, weights))
                if loss < best:
                    best, choice = loss, name
        if choice:
            self.starts[choice] = self.starts.get(choice, 0) + 1
            self._jump(candidates[choice])

    def _fit(self, newest: int) -> None:
        targets, logits = self._targets_for(self._images, self._labels)  # (N, 10) each
        self.last_teacher_labels = logits[len(logits) - newest :].argmax(dim=1)
        weights = self._weights(self._scores, logits)
        self._choose_start(targets, weights)
        steps = self.config.steps + (self.config.fresh_steps if self._fresh else 0)
        self._fresh = False
        for _ in range(steps):
            loss = self.disagreement(self.prompt, self._images, targets, weights)
            if self.config.smoothness > 0:
                loss = loss + self.config.smoothness * self.roughness(self.prompt)
            self._opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            before = self.prompt.detach().clone()
            self._opt.step()
            with torch.no_grad():
                self.prompt.copy_(before + (self.prompt - before) * self._step_scale)
                offset = self.prompt - self.neutral
                norm = float(offset.norm())
                radius = self.config.norm_bound * FP16_MARGIN
                if norm > radius:
                    self.prompt.copy_(self.neutral + offset * (radius / norm))


@dataclass
class _Parked:
    """A domain's learner state while the cloud fits another domain."""

    prompt: Tensor
    opt: torch.optim.Adam
    images: Tensor
    scores: Tensor
    labels: Tensor
    fresh: bool
