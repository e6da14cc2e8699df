"""The cloud side of ``adapt``: label uploads with a teacher, learn a prompt, sign it back.

Runs only with ``--role cloud`` (it needs torch). It serves the frozen device model (ONNX
with prompt inputs, exported deterministically from the default weights) to devices that
lack it and takes uploads over ``/byteswarm/adapt/upload/1.0.0``. Each new prompt is signed
as an ``adapt/prompts`` record addressed to the uploading device but never gossiped: the
upload's acknowledgement announces its version (a few bytes) and the device fetches the
prompt itself over ``/byteswarm/adapt/prompt/1.0.0`` (announce small, fetch bulk), so a
cloud serving many devices sends each prompt to its device only. One learner per device:
each device sees its own stream. It loads nothing (no torch) until ``byteswarm adapt
start``, refuses uploads while idle, and stops learning when that start's budget of samples
(images learned from) or minutes is spent (``node/adapt/budget.py``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import trio

from node import wire
from node.adapt.budget import AdaptBudget
from node.config.services import AdaptConfig
from node.runtime.context import NodeContext
from node.wire.status.services import CloudAdaptStatus, CloudDeviceStatus

MODEL_PROTOCOL = "/byteswarm/adapt/model/1.0.0"
UPLOAD_PROTOCOL = "/byteswarm/adapt/upload/1.0.0"
PROMPT_PROTOCOL = "/byteswarm/adapt/prompt/1.0.0"


UPLOAD_QUEUE = 8
"""Uploads waiting for the learner; beyond this the cloud acks but drops (it is behind)."""


@dataclass(frozen=True)
class Upload:
    device: str
    images: Any  # (n, 16, 16) uint8
    scores: Any  # (n,) float32
    domain: int = 0
    """The device's domain id for these images (0: the device does not key domains)."""


@dataclass
class CloudModels:
    """What the cloud holds: the device model (folded, torch), its ONNX bytes, the teacher."""

    family: Any
    folded: Any
    teacher: Any
    onnx: bytes
    sha256: bytes
    reference: Any = None
    """Clean-image statistics under the neutral prompt, for the presets that start a new
    domain from computed points (models/adapt/warm_start.py); None when unused."""


REFERENCE_IMAGES = 256
"""Clean training images the reference statistics are taken over (as the bench does)."""


def load_cloud_models(family_name: str, teacher_epochs: int = 40) -> CloudModels:
    """Default weights (seed 0, trained once and cached), exported with prompt inputs."""
    from export.device import load_device
    from export.weights import default_cache_dir
    from models.adapt import digits
    from models.adapt.cloud import cloud_preset
    from models.adapt.onnx_export import export_device_onnx
    from models.adapt.prompts import family_by_name
    from models.adapt.training import TrainConfig, teacher_model

    family = family_by_name(family_name)
    folded = load_device(None).fold()
    budget = TrainConfig(teacher_epochs=teacher_epochs)
    splits = digits.load_digit_splits()
    teacher = teacher_model(splits, 0, default_cache_dir(), budget)
    onnx = export_device_onnx(folded, family)
    reference = None
    if cloud_preset(family_name).warm_start != "none":
        import torch

        from models.adapt.warm_start import reference as clean_reference

        clean = torch.from_numpy(digits.to_unit(splits.train_images[:REFERENCE_IMAGES]))
        reference = clean_reference(folded, clean)
    return CloudModels(family, folded, teacher, onnx, hashlib.sha256(onnx).digest(), reference)


@dataclass
class CloudAdapt:
    """The cloud service: one prompt learner per device."""

    config: AdaptConfig
    name: str = "adapt"
    topics: tuple[str, ...] = (wire.CLOUDS_TOPIC,)
    learners: dict[str, Any] = field(default_factory=dict)
    prompts: dict[str, wire.SignedRecord] = field(default_factory=dict)
    """Each device's newest prompt, signed, waiting to be fetched."""
    prompt_bytes: int = 0
    uploads: int = 0
    upload_bytes: int = 0
    refused: int = 0
    dropped: int = 0
    """Uploads acknowledged but not learned from: the queue was full."""
    note: str = "starting"
    budget: AdaptBudget = field(default_factory=AdaptBudget)
    _started: trio.Event = field(default_factory=trio.Event)
    _models: CloudModels | None = None

    async def run(self, node: NodeContext) -> None:
        while self._models is None and not self.budget.allows():  # torch loads on start
            self.note = f"idle: {self.budget.note}"
            await node.report(self.status())
            with trio.move_on_after(1.0):
                await self._started.wait()
        if self._models is None:
            self.note = "loading models (the first start trains the teacher: minutes)"
            await node.report(self.status())
            self._models = await trio.to_thread.run_sync(
                load_cloud_models, self.config.family, self.config.teacher_epochs
            )
        self.note = "serving"
        node.handle(MODEL_PROTOCOL, self._serve_model, max_request_bytes=64)
        limit = wire.MAX_UPLOAD_BYTES + 9 * wire.MAX_UPLOAD_IMAGES + 256
        send, receive = trio.open_memory_channel[Upload](UPLOAD_QUEUE)
        node.handle(UPLOAD_PROTOCOL, self._make_upload_handler(send), limit)
        node.handle(PROMPT_PROTOCOL, self._serve_prompt, max_request_bytes=64)
        hello = wire.CloudHello(wire.WIRE_VERSION, [self.config.family])
        await node.publish_local(wire.CLOUDS_TOPIC, wire.encode(hello))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._learn, node, receive)
            while True:
                self.note = "serving" if self.budget.allows() else f"idle: {self.budget.note}"
                await node.report(self.status())
                await trio.sleep(1.0)

    def status(self) -> CloudAdaptStatus:
        return CloudAdaptStatus(
            note=self.note,
            family=self.config.family,
            model_sha256=self._models.sha256.hex() if self._models else None,
            devices={
                d: CloudDeviceStatus(prompt_version=lr.version, resets=lr.resets)
                for d, lr in self.learners.items()
            },
            uploads=self.uploads,
            upload_bytes=self.upload_bytes,
            prompt_bytes_served=self.prompt_bytes,
            refused=self.refused,
            dropped=self.dropped,
            budget=self.budget.status(),
        )

    async def _serve_model(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_model_request(data)
        models = self._models
        if models is None or request.family != self.config.family:
            raise ValueError(f"no device model for family {request.family!r}")
        return wire.encode(
            wire.ModelBlob(wire.WIRE_VERSION, request.family, models.onnx, models.sha256)
        )

    async def _serve_prompt(self, data: bytes, peer: str) -> bytes:
        """The asking device's own newest prompt, if newer than it has; nobody else's."""
        request = wire.decode_prompt_request(data)
        record = self.prompts.get(peer)
        if record is not None and record.seq <= request.after_version:
            record = None
        reply = wire.encode(wire.PromptReply(wire.WIRE_VERSION, record))
        self.prompt_bytes += len(reply)
        return reply

    def _make_upload_handler(self, send: trio.MemorySendChannel[Upload]) -> Any:
        async def on_upload(data: bytes, peer: str) -> bytes:
            upload = wire.decode_image_upload(data)
            models = self._models
            if models is None or upload.model_sha256 != models.sha256 or upload.side != 16:
                self.refused += 1
                raise ValueError("upload for a device model this cloud does not hold")
            if not self.budget.allows():
                self.refused += 1
                raise ValueError(f"adaptation is idle on this cloud: {self.budget.note}")
            images = np.frombuffer(upload.images, np.uint8).reshape(-1, 16, 16)
            scores = np.asarray(upload.scores, np.float32)
            try:  # learning takes longer than a request may wait: ack now, learn behind
                send.send_nowait(Upload(peer, images, scores, int(upload.domain)))
            except trio.WouldBlock:
                self.dropped += 1  # the learner is behind; the device uploads again soon
            self.uploads += len(scores)
            self.upload_bytes += len(data)
            current = self.prompts.get(peer)
            return wire.encode(wire.UploadAck(wire.WIRE_VERSION, current.seq if current else 0))

        return on_upload

    async def _learn(self, node: NodeContext, receive: trio.MemoryReceiveChannel[Upload]) -> None:
        """Learn from queued uploads, everything queued at once when the learner is behind."""
        models = self._models
        assert models is not None
        async for first in receive:
            for upload in coalesced(first, receive):
                if not self.budget.allows():  # stopped while these waited
                    self.dropped += 1
                    continue
                await self._learn_one(node, models, upload)
                self.budget.spend(len(upload.scores))

    async def _learn_one(self, node: NodeContext, models: CloudModels, upload: Upload) -> None:
        """Label one (merged) upload, update that device's prompt and sign it for fetching."""
        learner = self.learners.get(upload.device)
        if learner is None:
            from dataclasses import replace

            from models.adapt.cloud import CloudLearner, cloud_preset

            preset = cloud_preset(models.family.name)
            cloud_config = replace(preset, norm_bound=self.config.norm_bound)
            learner = self.learners[upload.device] = CloudLearner(
                models.folded, models.teacher, models.family, cloud_config, models.reference
            )
        from models.adapt.cloud_config import device_preset

        domain = upload.domain if device_preset(models.family.name).domain_keys else None
        payload = await trio.to_thread.run_sync(
            learner.receive, upload.images, upload.scores, None, domain
        )
        prompt = wire.Prompt(
            wire.WIRE_VERSION,
            upload.device,
            payload.family,
            payload.version,
            payload.data,
            bytes.fromhex(payload.sha256),
            payload.domain,
        )
        self.prompts[upload.device] = node.sign(
            wire.PROMPTS_TOPIC, payload.version, wire.encode(prompt)
        )

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        result = self.budget.on_control(command, args)
        if self.budget.running:
            self._started.set()
        return result


def coalesced(first: Upload, receive: trio.MemoryReceiveChannel[Upload]) -> list[Upload]:
    """``first`` plus whatever else is queued, merged per (device, domain), oldest images
    first: a learner that fell behind takes one step on everything instead of dropping
    uploads, and never mixes two domains' images into one prompt's fit."""
    pending = [first]
    while True:
        try:
            pending.append(receive.receive_nowait())
        except trio.WouldBlock:
            break
    merged: dict[tuple[str, int], list[Upload]] = {}
    for upload in pending:
        merged.setdefault((upload.device, upload.domain), []).append(upload)
    return [
        Upload(
            device,
            np.concatenate([u.images for u in ups]),
            np.concatenate([u.scores for u in ups]),
            domain,
        )
        for (device, domain), ups in merged.items()
    ]
