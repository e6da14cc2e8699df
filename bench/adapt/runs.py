"""One method over one materialised stream -> accuracy per domain, bytes, forward passes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from models.adapt.cloud import CloudConfig, CloudLearner, normalised_teacher
from models.adapt.device import DeviceAdapter
from models.adapt.digits import to_unit
from models.adapt.domain_keys import DomainKeys
from models.adapt.nets import DeviceCNN, FoldedDeviceCNN, TeacherCNN
from models.adapt.prompts import family_by_name
from models.adapt.references import BatchNormAdapter, TentAdapter
from models.adapt.stream import StreamBatch
from models.adapt.uncertainty import DeviceForward
from models.adapt.validator import PromptValidator
from models.adapt.warm_start import Reference

NORM_BOUND = 8.0


@dataclass(frozen=True)
class LoopSpec:
    """A device-cloud prompt loop: family, uncertainty measure, upload fraction, cloud."""

    family: str
    measure: str
    fraction: float
    cloud: CloudConfig
    selection: str = "top"
    domain_keys: bool = False
    """The device tells domains apart (models/adapt/domain_keys.py) and keeps one prompt
    per domain; the cloud fits one prompt per domain."""
    labels: str = "teacher"
    """"teacher": the cloud labels uploads with its teacher; "oracle": with the true
    classes (the oracle-gap measurement only)."""


def _summary(correct: dict[str, list[float]], **extra: Any) -> dict[str, Any]:
    per_domain = {d: float(np.mean(v)) for d, v in correct.items()}
    return {"per_domain": per_domain, "overall": float(np.mean(list(per_domain.values())))} | extra


def run_predictor(
    stream: Sequence[StreamBatch], predict: Callable[[NDArray[np.uint8]], NDArray[np.int64]]
) -> dict[str, list[float]]:
    correct: dict[str, list[float]] = defaultdict(list)
    for batch in stream:
        correct[batch.domain].extend((predict(batch.images) == batch.labels).tolist())
    return correct


def run_source(
    stream: Sequence[StreamBatch], forward: DeviceForward, family: str
) -> dict[str, Any]:
    prompt = family_by_name(family)
    arrays = prompt.split(prompt.neutral())
    correct = run_predictor(stream, lambda im: forward(to_unit(im), arrays).argmax(1))
    return _summary(correct, uplink_per_sample=0.0, downlink_per_round=0.0, passes_per_sample=1.0)


def run_reference(stream: Sequence[StreamBatch], model: DeviceCNN, kind: str) -> dict[str, Any]:
    adapter = BatchNormAdapter(model) if kind == "bn_stats" else TentAdapter(model)
    correct = run_predictor(stream, adapter.predict)
    backward = 1.0 if kind == "tent" else 0.0
    return _summary(
        correct, uplink_per_sample=0.0, downlink_per_round=0.0, passes_per_sample=1.0,
        backward_passes_per_sample=backward, needs_updatable_device=True,
    )  # fmt: skip


def run_teacher_everywhere(
    stream: Sequence[StreamBatch], teacher: TeacherCNN, bn_from_buffer: bool, buffer_size: int
) -> dict[str, Any]:
    """Upper reference: every image is uploaded and labelled by the cloud teacher."""
    recent = torch.zeros(0, 1, 16, 16)

    def predict(images: NDArray[np.uint8]) -> NDArray[np.int64]:
        nonlocal recent
        x = torch.from_numpy(to_unit(images))  # (B, 1, 16, 16)
        recent = torch.cat([recent, x])[-buffer_size:]
        model = normalised_teacher(teacher, recent) if bn_from_buffer else teacher
        with torch.no_grad():
            return np.asarray(model(x).argmax(1).numpy(), np.int64)

    correct = run_predictor(stream, predict)
    batch = len(stream[0].labels)
    return _summary(
        correct, uplink_per_sample=256.0, downlink_per_round=float(batch), passes_per_sample=0.0
    )


def run_loop(
    stream: Sequence[StreamBatch],
    forward: DeviceForward,
    device_model: FoldedDeviceCNN,
    teacher: TeacherCNN,
    spec: LoopSpec,
    seed: int,
    reference: Reference | None = None,
) -> dict[str, Any]:
    family = family_by_name(spec.family)
    cloud = CloudLearner(device_model, teacher, family, spec.cloud, reference)
    device = DeviceAdapter(
        forward, PromptValidator(family, NORM_BOUND), spec.measure, spec.fraction, seed,
        selection=spec.selection, domains=DomainKeys() if spec.domain_keys else None,
    )  # fmt: skip
    correct: dict[str, list[float]] = defaultdict(list)
    rejected = 0
    # diagnostics (labels are used for scoring only, never by the device or the cloud)
    teacher_right: list[bool] = []
    device_right: list[bool] = []
    classes_per_upload: list[int] = []
    for batch in stream:
        outcome = device.process(batch.images)
        correct[batch.domain].extend((outcome.predictions == batch.labels).tolist())
        truth = batch.labels[outcome.upload_index]
        oracle = truth if spec.labels == "oracle" else None
        domain = outcome.domain if spec.domain_keys else None
        payload = cloud.receive(outcome.upload_images, outcome.upload_scores, oracle, domain)
        rejected += not device.offer_prompt(payload).accepted
        teacher_right += (cloud.last_teacher_labels.numpy() == truth).tolist()
        device_right += (outcome.predictions[outcome.upload_index] == truth).tolist()
        classes_per_upload.append(len(np.unique(truth)))
    ledger = device.ledger
    return _summary(
        correct,
        uplink_per_sample=ledger.uplink_per_sample,
        downlink_per_round=ledger.downlink_per_round,
        downlink_payload_per_round=ledger.downlink_payload_bytes / max(1, ledger.rounds),
        passes_per_sample=ledger.passes_per_sample,
        upload_fraction_actual=ledger.uploads / max(1, ledger.samples_seen),
        cloud_resets=cloud.resets,
        prompts_rejected=rejected,
        teacher_acc_on_uploads=float(np.mean(teacher_right)),
        device_acc_on_uploads=float(np.mean(device_right)),
        classes_per_upload=float(np.mean(classes_per_upload)),
        starts=dict(cloud.starts),
        domains_seen=len(device.domains.keys) if device.domains is not None else 1,
    )
