"""The adapt service's messages: cloud hellos, the device model, uploads and prompts."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from node.wire.base import (
    Finite,
    LimitedDecoder,
    Sha256,
    Uint63,
    WireError,
    WireMessage,
    register_body,
)
from node.wire.records import SignedRecord, check_record

CLOUDS_TOPIC = "adapt/clouds"


PROMPTS_TOPIC = "adapt/prompts"


MAX_MODEL_BYTES = 512 * 1024


MAX_UPLOAD_IMAGES = 256


MAX_UPLOAD_BYTES = MAX_UPLOAD_IMAGES * 32 * 32


MAX_PROMPT_BYTES = 4096


MAX_PROMPT_REPLY_BYTES = MAX_PROMPT_BYTES + 1024  # the prompt plus its record's fields


Family = Literal["additive", "filter_feature", "warp_filter_feature"]


DomainId = Annotated[int, msgspec.Meta(ge=0, le=255)]
"""A device's domain id (models/adapt/domain_keys.py); 0 when it does not tell them apart."""


class CloudHello(WireMessage, frozen=True):
    """Body of ``adapt/clouds``: this node serves prompt adaptation for these families."""

    families: Annotated[list[Family], msgspec.Meta(min_length=1, max_length=4)]


class ModelRequest(WireMessage, frozen=True):
    """Ask a cloud for the frozen device model (ONNX with prompt inputs) of a family."""

    family: Family


class ModelBlob(WireMessage, frozen=True):
    """The device model a cloud adapts prompts for; the device keeps it by its hash."""

    family: Family
    onnx: Annotated[bytes, msgspec.Meta(max_length=MAX_MODEL_BYTES)]
    sha256: Sha256


class ImageUpload(WireMessage, frozen=True):
    """The device's most uncertain samples of one batch: uint8 side×side images + scores."""

    model_sha256: Sha256
    side: Annotated[int, msgspec.Meta(ge=4, le=64)]
    images: Annotated[bytes, msgspec.Meta(max_length=MAX_UPLOAD_BYTES)]
    scores: Annotated[list[Finite], msgspec.Meta(max_length=MAX_UPLOAD_IMAGES)]
    domain: DomainId = 0
    """The batch's domain on the device: the cloud keeps one prompt per (device, domain)."""


class UploadAck(WireMessage, frozen=True):
    """The cloud took the upload; its newest prompt for this device has this version."""

    prompt_version: Uint63


class Prompt(WireMessage, frozen=True):
    """Body of ``adapt/prompts``: a prompt for one device, fp16, signed by the cloud."""

    device: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    family: Family
    prompt_version: Uint63
    data: Annotated[bytes, msgspec.Meta(max_length=MAX_PROMPT_BYTES)]
    sha256: Sha256
    domain: DomainId = 0
    """The device domain this prompt is for."""


class PromptRequest(WireMessage, frozen=True):
    """A device asks its cloud for its newest prompt, if newer than ``after_version``."""

    family: Family
    after_version: Uint63


class PromptReply(WireMessage, frozen=True):
    """The newest prompt for the asking device as an ``adapt/prompts`` record, or nothing."""

    record: SignedRecord | None


def _check_upload(upload: ImageUpload) -> None:
    if len(upload.images) != len(upload.scores) * upload.side * upload.side:
        raise WireError("ImageUpload: image bytes do not match scores × side²")


def _check_prompt_reply(reply: PromptReply) -> None:
    """A reply's record, if any, is signed, of topic ``adapt/prompts``, with a Prompt body."""
    if reply.record is not None:
        if reply.record.topic != PROMPTS_TOPIC:
            raise WireError(f"PromptReply: record of topic {reply.record.topic!r}")
        check_record(reply.record)


decode_cloud_hello = LimitedDecoder(CloudHello, 128)

decode_model_request = LimitedDecoder(ModelRequest, 64)

decode_model_blob = LimitedDecoder(ModelBlob, MAX_MODEL_BYTES + 256)

decode_image_upload = LimitedDecoder(
    ImageUpload, MAX_UPLOAD_BYTES + 9 * MAX_UPLOAD_IMAGES + 256, _check_upload
)

decode_upload_ack = LimitedDecoder(UploadAck, 64)

decode_prompt = LimitedDecoder(Prompt, MAX_PROMPT_BYTES + 512)

decode_prompt_request = LimitedDecoder(PromptRequest, 64)

decode_prompt_reply = LimitedDecoder(PromptReply, MAX_PROMPT_REPLY_BYTES, _check_prompt_reply)

register_body(CLOUDS_TOPIC, decode_cloud_hello)


register_body(PROMPTS_TOPIC, decode_prompt)
