"""The device's loop step (numpy only): predict, score, pick uploads, accept prompts."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from models.adapt.digits import to_unit
from models.adapt.domain_keys import DomainKeys
from models.adapt.ledger import ByteLedger
from models.adapt.payload import PromptPayload
from models.adapt.uncertainty import (
    DeviceForward,
    entropy,
    extra_passes,
    mc_channel_dropout,
    select,
    tta_variance,
)
from models.adapt.validator import PromptValidator, Verdict

DOMAIN_BYTES = 1  # the domain id on an upload and on a prompt


@dataclass(frozen=True)
class BatchOutcome:
    predictions: NDArray[np.int64]  # (B,)
    upload_index: NDArray[np.int64]  # (k,) most uncertain first
    upload_images: NDArray[np.uint8]  # (k, H, W): what goes on the wire
    upload_scores: NDArray[np.float32]  # (k,)
    domain: int = 0
    """The batch's domain id (0 without domain keys); it goes up with the upload."""


@dataclass
class DeviceAdapter:
    forward: DeviceForward
    validator: PromptValidator
    measure: str = "entropy"
    upload_fraction: float = 0.25
    seed: int = 0
    ledger: ByteLedger = field(default_factory=ByteLedger)
    selection: str = "top"
    """How the upload set is drawn from the scores (see `uncertainty.select`)."""
    domains: DomainKeys | None = None
    """With keys, each batch is predicted with the prompt of its own domain (neutral for a
    domain no prompt has come for yet); without, with the newest accepted prompt."""
    prompts: dict[int, NDArray[np.float32]] = field(default_factory=dict)
    """The accepted prompt of each domain id (domain keys only)."""
    _rng: np.random.Generator = field(init=False)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def prompt_arrays(self, domain: int | None = None) -> dict[str, NDArray[np.float32]]:
        family = self.validator.family
        if domain is None or self.domains is None:
            return family.split(self.validator.current)
        return family.split(self.prompts.get(domain, family.neutral()))

    def process(self, images: NDArray[np.uint8]) -> BatchOutcome:
        """Predict the batch with the current prompt first, then choose what to upload."""
        unit = to_unit(images)  # (B, 1, H, W)
        domain = 0 if self.domains is None else self.domains.assign(unit)
        prompt = self.prompt_arrays(domain)
        logits = self.forward(unit, prompt)  # (B, classes)
        predictions = logits.argmax(axis=1).astype(np.int64)
        scores = self._score(unit, prompt, logits)
        index = select(scores, self.upload_fraction, self.selection, self._rng, predictions)
        self.ledger.record_batch(len(images), 1 + extra_passes(self.measure))
        self.ledger.record_upload(len(index), int(np.prod(images.shape[1:])))
        if self.domains is not None:
            self.ledger.uplink_bytes += DOMAIN_BYTES
        return BatchOutcome(predictions, index, images[index], scores[index], domain)

    def offer_prompt(self, payload: PromptPayload) -> Verdict:
        self.ledger.record_prompt(payload)
        verdict = self.validator.offer(payload)
        if self.domains is not None:
            self.ledger.downlink_bytes += DOMAIN_BYTES
            if verdict.accepted:
                self.prompts[payload.domain] = self.validator.current
        return verdict

    def _score(
        self,
        unit: NDArray[np.float32],
        prompt: dict[str, NDArray[np.float32]],
        logits: NDArray[np.float32],
    ) -> NDArray[np.float32]:
        if self.measure == "entropy":
            return entropy(logits)
        if self.measure == "tta":
            return tta_variance(self.forward, unit, prompt, logits)
        if self.measure == "mc_dropout":
            return mc_channel_dropout(self.forward, unit, prompt, logits, self._rng)
        if self.measure == "random":
            return self._rng.uniform(size=len(logits)).astype(np.float32)
        raise ValueError(f"unknown uncertainty measure {self.measure!r}")
