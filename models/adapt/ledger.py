"""Byte accounting for the device-cloud loop (what would cross the network)."""

from __future__ import annotations

from dataclasses import dataclass

from models.adapt.payload import PromptPayload

SCORE_BYTES = 4  # one float32 uncertainty per uploaded image, used for cloud weighting


@dataclass
class ByteLedger:
    samples_seen: int = 0
    forward_passes: int = 0
    """Per-sample forward passes run on the device (a batch of B counts B per pass)."""
    uplink_bytes: int = 0
    uploads: int = 0
    downlink_bytes: int = 0
    downlink_payload_bytes: int = 0
    rounds: int = 0

    def record_batch(self, n_samples: int, passes_per_sample: int) -> None:
        self.samples_seen += n_samples
        self.forward_passes += n_samples * passes_per_sample

    def record_upload(self, n_images: int, image_bytes: int) -> None:
        """`image_bytes` per image (uint8 pixels) plus its uncertainty score."""
        self.uploads += n_images
        self.uplink_bytes += n_images * (image_bytes + SCORE_BYTES)

    def record_prompt(self, payload: PromptPayload) -> None:
        self.rounds += 1
        self.downlink_bytes += payload.wire_bytes
        self.downlink_payload_bytes += len(payload.data)

    @property
    def uplink_per_sample(self) -> float:
        return self.uplink_bytes / max(1, self.samples_seen)

    @property
    def downlink_per_round(self) -> float:
        return self.downlink_bytes / max(1, self.rounds)

    @property
    def passes_per_sample(self) -> float:
        return self.forward_passes / max(1, self.samples_seen)
