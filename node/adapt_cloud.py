"""The cloud side of ``adapt``: label uploads with a teacher, learn a prompt, sign it back.

Runs only with ``--role cloud`` (it needs torch). It serves the frozen device model (ONNX
with prompt inputs, exported deterministically from the default weights) to devices that
lack it, takes uploads over ``/byteswarm/adapt/upload/1.0.0`` and publishes each new
prompt as a signed record on ``adapt/prompts`` addressed to the uploading device; the
device pulls it from us. One learner per device: each device sees its own stream.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import trio

from node import wire
from node.config import AdaptConfig

if TYPE_CHECKING:
    from node.daemon import Daemon

MODEL_PROTOCOL = "/byteswarm/adapt/model/1.0.0"
UPLOAD_PROTOCOL = "/byteswarm/adapt/upload/1.0.0"


@dataclass
class CloudModels:
    """What the cloud holds: the device model (folded, torch), its ONNX bytes, the teacher."""

    family: Any
    folded: Any
    teacher: Any
    onnx: bytes
    sha256: bytes


def load_cloud_models(family_name: str, teacher_epochs: int = 40) -> CloudModels:
    """Default weights (seed 0, trained once and cached), exported with prompt inputs."""
    from export.device import load_device
    from export.weights import default_cache_dir
    from models.adapt import digits
    from models.adapt.onnx_export import export_device_onnx
    from models.adapt.prompts import family_by_name
    from models.adapt.training import TrainConfig, teacher_model

    family = family_by_name(family_name)
    folded = load_device(None).fold()
    budget = TrainConfig(teacher_epochs=teacher_epochs)
    teacher = teacher_model(digits.load_digit_splits(), 0, default_cache_dir(), budget)
    onnx = export_device_onnx(folded, family)
    return CloudModels(family, folded, teacher, onnx, hashlib.sha256(onnx).digest())


@dataclass
class CloudAdapt:
    """The cloud service: one prompt learner per device."""

    config: AdaptConfig
    name: str = "adapt"
    topics: tuple[str, ...] = (wire.CLOUDS_TOPIC, wire.PROMPTS_TOPIC)
    learners: dict[str, Any] = field(default_factory=dict)
    uploads: int = 0
    upload_bytes: int = 0
    refused: int = 0
    note: str = "starting"
    _models: CloudModels | None = None
    _limiter: trio.CapacityLimiter = field(default_factory=lambda: trio.CapacityLimiter(1))

    async def run(self, daemon: Daemon) -> None:
        self.note = "loading models (the first start trains the teacher: minutes)"
        await daemon.db(daemon.store.write_status, "adapt", self.status())
        self._models = await trio.to_thread.run_sync(
            load_cloud_models, self.config.family, self.config.teacher_epochs
        )
        self.note = "serving"
        daemon.p2p.handle(MODEL_PROTOCOL, self._serve_model, max_request_bytes=64)
        limit = wire.MAX_UPLOAD_BYTES + 9 * wire.MAX_UPLOAD_IMAGES + 256
        daemon.p2p.handle(UPLOAD_PROTOCOL, self._make_upload_handler(daemon), limit)
        hello = wire.CloudHello(wire.WIRE_VERSION, [self.config.family])
        await daemon.publish_local(wire.CLOUDS_TOPIC, wire.encode(hello))
        while True:
            await daemon.db(daemon.store.write_status, "adapt", self.status())
            await trio.sleep(1.0)

    def status(self) -> dict[str, Any]:
        return {
            "role": "cloud",
            "note": self.note,
            "family": self.config.family,
            "model_sha256": self._models.sha256.hex() if self._models else None,
            "devices": {
                d: {"prompt_version": lr.version, "resets": lr.resets}
                for d, lr in self.learners.items()
            },
            "uploads": self.uploads,
            "upload_bytes": self.upload_bytes,
            "refused": self.refused,
        }

    async def _serve_model(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_model_request(data)
        models = self._models
        if models is None or request.family != self.config.family:
            raise ValueError(f"no device model for family {request.family!r}")
        return wire.encode(
            wire.ModelBlob(wire.WIRE_VERSION, request.family, models.onnx, models.sha256)
        )

    def _make_upload_handler(self, daemon: Daemon) -> Any:
        async def on_upload(data: bytes, peer: str) -> bytes:
            upload = wire.decode_image_upload(data)
            models = self._models
            if models is None or upload.model_sha256 != models.sha256 or upload.side != 16:
                self.refused += 1
                raise ValueError("upload for a device model this cloud does not hold")
            images = np.frombuffer(upload.images, np.uint8).reshape(-1, 16, 16)
            scores = np.asarray(upload.scores, np.float32)
            learner = self.learners.get(peer)
            if learner is None:
                from models.adapt.cloud import CloudConfig, CloudLearner

                cloud_config = CloudConfig(
                    teacher_bn_from_buffer=True, norm_bound=self.config.norm_bound
                )
                learner = self.learners[peer] = CloudLearner(
                    models.folded, models.teacher, models.family, cloud_config
                )
            payload = await trio.to_thread.run_sync(
                learner.receive, images, scores, limiter=self._limiter
            )
            self.uploads += len(scores)
            self.upload_bytes += len(data)
            prompt = wire.Prompt(
                wire.WIRE_VERSION,
                peer,
                payload.family,
                payload.version,
                payload.data,
                bytes.fromhex(payload.sha256),
            )
            await daemon.publish_local(wire.PROMPTS_TOPIC, wire.encode(prompt))
            return wire.encode(wire.UploadAck(wire.WIRE_VERSION, payload.version))

        return on_upload

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        return None
