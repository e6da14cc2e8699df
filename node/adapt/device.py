"""The device side of ``adapt``: a frozen ONNX model, uncertain uploads, validated prompts.

No torch: the device runs the model in onnxruntime (models.adapt.runner) and never takes a
backward pass. Per batch of its (simulated) camera it predicts first, then uploads the
most uncertain fraction to its cloud, and, when the cloud acknowledges a newer prompt,
fetches it from the cloud over ``/byteswarm/adapt/prompt/1.0.0`` and applies it only if it
is addressed to this device, signed by the paired cloud, and passes the validator (shape,
dtype, hash, finite, norm bound, newer version); otherwise the last good prompt stays.
An applied prompt is also written to the data dir (``node/adapt/prompt_file.py``).
It takes no batch until ``byteswarm adapt start``, and stops when that start's budget of
samples or minutes is spent (``node/adapt/budget.py``).
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import trio

from node import wire
from node.adapt.budget import AdaptBudget
from node.adapt.cloud import MODEL_PROTOCOL, PROMPT_PROTOCOL, UPLOAD_PROTOCOL
from node.adapt.prompt_file import save_prompt, write_atomically
from node.config.services import AdaptConfig
from node.runtime.context import NodeContext
from node.wire.status.services import DeviceAdaptStatus


def accept_prompt_record(adapter: Any, record: wire.SignedRecord, me: str) -> tuple[bool, str]:
    """Offer one ``adapt/prompts`` record to the device; (applied, reason)."""
    from models.adapt.payload import PromptPayload

    prompt = wire.decode_prompt(record.body)
    if prompt.device != me:
        return False, "addressed to another device"
    if prompt.prompt_version <= adapter.validator.version:
        return False, "superseded"  # gossip and sync may deliver versions out of order
    payload = PromptPayload(
        prompt.family,
        int(prompt.prompt_version),
        prompt.data,
        prompt.sha256.hex(),
        signer=wire.peer_id_str(record.author),
        domain=int(prompt.domain),
    )
    verdict = adapter.offer_prompt(payload)
    return bool(verdict.accepted), str(verdict.reason)


def make_adapter(model: bytes, config: AdaptConfig, cloud: str) -> Any:
    from models.adapt.cloud_config import device_preset
    from models.adapt.device import DeviceAdapter
    from models.adapt.domain_keys import DomainKeys
    from models.adapt.prompts import family_by_name
    from models.adapt.runner import DeviceRunner
    from models.adapt.validator import PromptValidator

    validator = PromptValidator(
        family_by_name(config.family),
        config.norm_bound,
        signer_check=lambda payload: payload.signer == cloud,
    )
    preset = device_preset(config.family)
    return DeviceAdapter(
        DeviceRunner(model),
        validator,
        config.measure,
        config.upload_fraction,
        seed=config.stream_seed,
        selection=preset.selection,
        domains=DomainKeys() if preset.domain_keys else None,
    )


def camera(config: AdaptConfig) -> Iterator[Any]:
    """The simulated camera: the digits corruption stream from ``first_domain`` on, looping,
    never reset."""
    from models.adapt.digits import load_digit_splits
    from models.adapt.stream import StreamConfig, domain_stream

    splits = load_digit_splits()
    order = StreamConfig().domains
    first = config.first_domain % len(order)
    stream = StreamConfig(
        domains=(*order[first:], *order[:first]),
        severity=config.severity,
        batch_size=config.batch_size,
    )
    lap = 0
    while True:
        yield from domain_stream(
            splits.stream_images, splits.stream_labels, stream, config.stream_seed + lap
        )
        lap += 1


@dataclass
class DeviceAdapt:
    """The device service."""

    config: AdaptConfig
    name: str = "adapt"
    topics: tuple[str, ...] = (wire.CLOUDS_TOPIC,)
    cloud: str = ""
    model_sha256: bytes = b""
    batches: int = 0
    samples: int = 0
    correct: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=10))
    uncertainty: deque[float] = field(default_factory=lambda: deque(maxlen=10))
    domain: str = ""
    uploads: int = 0
    uplink_bytes: int = 0
    downlink_bytes: int = 0
    prompts_accepted: int = 0
    prompts_rejected: int = 0
    last_verdict: str = ""
    note: str = "starting"
    budget: AdaptBudget = field(default_factory=AdaptBudget)
    _adapter: Any = None
    _clouds: dict[str, None] = field(default_factory=dict)
    """Authors of ``adapt/clouds`` records, the one that announced itself last at the end."""

    async def run(self, node: NodeContext) -> None:
        self._clouds = {}
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._follow_clouds, node)
            await self._batches(node)

    async def _batches(self, node: NodeContext) -> None:
        frames: Iterator[Any] | None = None
        while True:
            await node.report(self.status())
            await trio.sleep(self.config.batch_interval)
            if not self.budget.allows():  # no work until the operator starts it
                self.note = f"idle: {self.budget.note}"
                continue
            if not await self._paired(node):
                continue
            if frames is None:
                try:
                    frames = await trio.to_thread.run_sync(camera, self.config)
                except ImportError as exc:  # a device install without the camera's data
                    self.budget.stop(f"no camera: {exc}")
                    continue
            batch = await trio.to_thread.run_sync(next, frames)
            await self._step(node, batch)
            self.budget.spend(len(batch.labels))

    async def _paired(self, node: NodeContext) -> bool:
        if not self.cloud:
            self.cloud = self.config.cloud_peer or await self._latest_cloud(node)
        if not self.cloud:
            self.note = "waiting for a cloud (set adapt.cloud_peer or connect to one)"
            return False
        if self.cloud not in node.connected_peers():
            self.note = f"cloud {self.cloud} not connected"
            return False
        if self._adapter is None:
            model = await self._model(node)
            self._adapter = await trio.to_thread.run_sync(
                make_adapter, model, self.config, self.cloud
            )
        self.note = "running"
        return True

    async def _follow_clouds(self, node: NodeContext) -> None:
        """Note each cloud announcement as it is committed (by gossip or sync)."""
        async for batch in node.tail(wire.CLOUDS_TOPIC, every=self.config.batch_interval):
            for row in batch:
                author = wire.peer_id_str(wire.decode_record(row.blob).author)
                self._clouds.pop(author, None)
                self._clouds[author] = None

    async def _latest_cloud(self, node: NodeContext) -> str:
        """The connected cloud that announced itself last, or "" when none is connected."""
        connected = set(node.connected_peers())
        return next((a for a in reversed(self._clouds) if a in connected), "")

    async def _model(self, node: NodeContext) -> bytes:
        """The device model: from the data dir, else fetched once from the paired cloud."""
        path = node.config.data_dir / "adapt" / f"device-{self.config.family}.onnx"
        if not path.exists():
            request = wire.encode(wire.ModelRequest(wire.WIRE_VERSION, self.config.family))
            data = await node.request(
                self.cloud, MODEL_PROTOCOL, request, wire.MAX_MODEL_BYTES + 1024
            )
            blob = wire.decode_model_blob(data)
            if hashlib.sha256(blob.onnx).digest() != blob.sha256:
                raise ValueError("the cloud's device model does not match its hash")
            self.downlink_bytes += len(data)
            write_atomically(path, blob.onnx)
        model = path.read_bytes()
        self.model_sha256 = hashlib.sha256(model).digest()
        return model

    async def _step(self, node: NodeContext, batch: Any) -> None:
        outcome = await trio.to_thread.run_sync(self._adapter.process, batch.images)
        hits = int((outcome.predictions == batch.labels).sum())
        self.batches += 1
        self.samples += len(batch.labels)
        self.correct += hits
        self.recent.append(hits / len(batch.labels))
        if len(outcome.upload_scores):
            self.uncertainty.append(float(np.mean(outcome.upload_scores)))
        self.domain = batch.domain
        upload = wire.ImageUpload(
            wire.WIRE_VERSION,
            self.model_sha256,
            16,
            outcome.upload_images.tobytes(),
            [float(s) for s in outcome.upload_scores],
            int(outcome.domain),
        )
        data = wire.encode(upload)
        try:
            reply = await node.request(self.cloud, UPLOAD_PROTOCOL, data, 64)
        except Exception as exc:  # the cloud is best effort: keep predicting
            self.note = f"upload failed: {exc}"
            return
        self.uploads += len(upload.scores)
        self.uplink_bytes += len(data)
        ack = wire.decode_upload_ack(reply)
        if ack.prompt_version > max(self._adapter.validator.version, 0):
            await self._fetch_prompt(node)

    async def _fetch_prompt(self, node: NodeContext) -> None:
        version = max(self._adapter.validator.version, 0)  # -1 before the first prompt
        request = wire.encode(wire.PromptRequest(wire.WIRE_VERSION, self.config.family, version))
        try:
            data = await node.request(
                self.cloud, PROMPT_PROTOCOL, request, wire.MAX_PROMPT_REPLY_BYTES
            )
            reply = wire.decode_prompt_reply(data)  # checks the record's signature
        except Exception as exc:  # a bad or gone cloud: keep the last good prompt
            self.last_verdict = f"prompt fetch failed: {exc}"
            return
        self.downlink_bytes += len(data)
        if reply.record is None:
            return
        applied, reason = accept_prompt_record(self._adapter, reply.record, node.peer_id)
        self.prompts_accepted += applied
        self.prompts_rejected += not applied
        self.last_verdict = reason
        if applied:  # on disk for ``byteswarm export --model device --prompt``
            validator = self._adapter.validator
            meta = {
                "version": int(validator.version),
                "sha256": wire.decode_prompt(reply.record.body).sha256.hex(),
                "cloud": self.cloud,
                "device": node.peer_id,
            }
            await trio.to_thread.run_sync(
                save_prompt, node.config.data_dir, self.config.family, validator.current, meta
            )

    def status(self) -> DeviceAdaptStatus:
        version = self._adapter.validator.version if self._adapter is not None else -1
        return DeviceAdaptStatus(
            cloud=self.cloud,
            note=self.note,
            family=self.config.family,
            measure=self.config.measure,
            model_sha256=self.model_sha256.hex(),
            batches=self.batches,
            samples=self.samples,
            accuracy=self.correct / self.samples if self.samples else None,
            accuracy_recent=float(np.mean(self.recent)) if self.recent else None,
            domain=self.domain,
            uncertainty_recent=float(np.mean(self.uncertainty)) if self.uncertainty else None,
            uploads=self.uploads,
            uplink_bytes_per_sample=self.uplink_bytes / self.samples if self.samples else 0.0,
            downlink_bytes=self.downlink_bytes,
            prompt_version=version,
            prompts_accepted=self.prompts_accepted,
            prompts_rejected=self.prompts_rejected,
            last_verdict=self.last_verdict,
            budget=self.budget.status(),
        )

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        return self.budget.on_control(command, args)
