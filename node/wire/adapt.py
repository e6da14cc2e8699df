"""The adapt service's messages: cloud hellos, the device model, uploads and prompts."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from node.wire.base import (
    Finite,
    Sha256,
    Uint63,
    WireError,
    WireMessage,
    decode_limited,
    register_body,
    typed_decoder,
)
from node.wire.records import SignedRecord, check_record

CLOUDS_TOPIC = "adapt/clouds"


PROMPTS_TOPIC = "adapt/prompts"


MAX_MODEL_BYTES = 512 * 1024


MAX_UPLOAD_IMAGES = 256


MAX_UPLOAD_BYTES = MAX_UPLOAD_IMAGES * 32 * 32


MAX_PROMPT_BYTES = 4096


MAX_PROMPT_REPLY_BYTES = MAX_PROMPT_BYTES + 1024  # the prompt plus its record's fields


Family = Literal["additive", "filter_feature"]


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


class PromptRequest(WireMessage, frozen=True):
    """A device asks its cloud for its newest prompt, if newer than ``after_version``."""

    family: Family
    after_version: Uint63


class PromptReply(WireMessage, frozen=True):
    """The newest prompt for the asking device as an ``adapt/prompts`` record, or nothing."""

    record: SignedRecord | None


_CLOUD_HELLO_DECODER = typed_decoder(CloudHello)


_MODEL_REQUEST_DECODER = typed_decoder(ModelRequest)


_MODEL_BLOB_DECODER = typed_decoder(ModelBlob)


_IMAGE_UPLOAD_DECODER = typed_decoder(ImageUpload)


_UPLOAD_ACK_DECODER = typed_decoder(UploadAck)


_PROMPT_DECODER = typed_decoder(Prompt)


_PROMPT_REQUEST_DECODER = typed_decoder(PromptRequest)


_PROMPT_REPLY_DECODER = typed_decoder(PromptReply)


def decode_cloud_hello(data: bytes) -> CloudHello:
    return decode_limited(_CLOUD_HELLO_DECODER, data, 128, "CloudHello")


def decode_model_request(data: bytes) -> ModelRequest:
    return decode_limited(_MODEL_REQUEST_DECODER, data, 64, "ModelRequest")


def decode_model_blob(data: bytes) -> ModelBlob:
    return decode_limited(_MODEL_BLOB_DECODER, data, MAX_MODEL_BYTES + 256, "ModelBlob")


def decode_image_upload(data: bytes) -> ImageUpload:
    limit = MAX_UPLOAD_BYTES + 9 * MAX_UPLOAD_IMAGES + 256
    upload = decode_limited(_IMAGE_UPLOAD_DECODER, data, limit, "ImageUpload")
    if len(upload.images) != len(upload.scores) * upload.side * upload.side:
        raise WireError("ImageUpload: image bytes do not match scores × side²")
    return upload


def decode_upload_ack(data: bytes) -> UploadAck:
    return decode_limited(_UPLOAD_ACK_DECODER, data, 64, "UploadAck")


def decode_prompt(data: bytes) -> Prompt:
    return decode_limited(_PROMPT_DECODER, data, MAX_PROMPT_BYTES + 512, "Prompt")


def decode_prompt_request(data: bytes) -> PromptRequest:
    return decode_limited(_PROMPT_REQUEST_DECODER, data, 64, "PromptRequest")


def decode_prompt_reply(data: bytes) -> PromptReply:
    """A reply whose record, if any, is signed, of topic ``adapt/prompts``, with a Prompt body."""
    reply = decode_limited(_PROMPT_REPLY_DECODER, data, MAX_PROMPT_REPLY_BYTES, "PromptReply")
    if reply.record is not None:
        if reply.record.topic != PROMPTS_TOPIC:
            raise WireError(f"PromptReply: record of topic {reply.record.topic!r}")
        check_record(reply.record)
    return reply


register_body(CLOUDS_TOPIC, decode_cloud_hello)


register_body(PROMPTS_TOPIC, decode_prompt)
