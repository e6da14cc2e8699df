"""Every message format on the wire: typed msgspec structs, size limits, author signatures.

Messages are MessagePack arrays (``array_like``) with a leading ``version``. Decoding goes
through pre-built typed decoders only, after a size check on the raw bytes, and every
malformed input raises :class:`WireError` and nothing else. ``encode`` checks what it
produces with the same decoder, so a message that breaks a field constraint never leaves.

A :class:`SignedRecord` carries its author's own Ed25519 signature so that third parties can
relay it; the author key is the libp2p peer id of the signer (``peer_id_from_author``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

WIRE_VERSION = 1
MAX_TOPIC_CHARS = 128
MAX_BODY_BYTES = 60_000
MAX_RECORD_BYTES = 60 * 1024  # a full body plus topic, keys and framing (~260 bytes)
MAX_BATCH_RECORDS = 256
MAX_BATCH_BYTES = 256 * 1024
MAX_SYNC_LIMIT = 1024
MAX_SYNC_HELD_RANGES = 256
MAX_HEADS_TOPICS = 64
MAX_HEADS_REQUEST_BYTES = MAX_HEADS_TOPICS * (MAX_TOPIC_CHARS + 3) + 64
MAX_SYNC_REQUEST_BYTES = 1024 + MAX_SYNC_HELD_RANGES * 64
MAX_SYNC_RESPONSE_RECORDS = 1024
MAX_SYNC_RESPONSE_BYTES = 4 * 1024 * 1024
MAX_NOTE_CHARS = 1024
MAX_NOTE_BYTES = 4 * MAX_NOTE_CHARS + 64  # UTF-8 needs at most 4 bytes a character
NOTES_TOPIC = "byteswarm/notes"
CLICKS_TOPIC = "rank/clicks"
RUNS_TOPIC = "finetune/runs"
GRADS_TOPIC = "finetune/grads"  # + "/<run id>"
HASHES_TOPIC = "finetune/hashes"  # + "/<run id>"
MAX_ROUNDS = 1_000_000
MAX_PROBES = 64
MAX_CHECKPOINT_BYTES = 1024 * 1024  # θ of MiniLM's 31,104 values is 124 kB + 8 B a round
MAX_WINDOW_KEYS = 4096
CLOUDS_TOPIC = "adapt/clouds"
PROMPTS_TOPIC = "adapt/prompts"
MAX_MODEL_BYTES = 512 * 1024
MAX_UPLOAD_IMAGES = 256
MAX_UPLOAD_BYTES = MAX_UPLOAD_IMAGES * 32 * 32
MAX_PROMPT_BYTES = 4096
MAX_PROMPT_REPLY_BYTES = MAX_PROMPT_BYTES + 1024  # the prompt plus its record's fields
MAX_QUERY_CHARS = 256
MAX_ITEM_ID_CHARS = 128
MAX_SHOWN = 50
MAX_CLICK_POSITION = 10_000
MAX_CLICK_BYTES = 4 * (MAX_QUERY_CHARS + (MAX_SHOWN + 1) * MAX_ITEM_ID_CHARS) + 256
SIGNING_DOMAIN = b"byteswarm/record/v1\0"

# \Z, not $: re.search's $ also matches before a trailing newline ("abc\n").
TOPIC_PATTERN = r"^[a-z0-9][a-z0-9/_.-]*\Z"
_TOPIC_RE = re.compile(TOPIC_PATTERN)
# libp2p peer id of an Ed25519 key: identity multihash (0x00, 36) of the protobuf
# PublicKey{Type: Ed25519 (field 1 = 1), Data: key (field 2, 32 bytes)}.
_PEER_ID_PREFIX = b"\x00\x24\x08\x01\x12\x20"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

Finite = Annotated[float, msgspec.Meta(ge=-1e30, le=1e30)]  # NaN and ±inf fail both bounds
Topic = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_TOPIC_CHARS, pattern=TOPIC_PATTERN)
]
Uint63 = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]  # fits SQLite's signed INTEGER
AuthorKey = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
Signature = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]
Body = Annotated[bytes, msgspec.Meta(max_length=MAX_BODY_BYTES)]
ItemId = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ITEM_ID_CHARS)]

T = TypeVar("T")


class WireError(ValueError):
    """Bytes or a message that this node refuses: malformed, oversize, badly signed."""


class WireMessage(msgspec.Struct, array_like=True, forbid_unknown_fields=True, frozen=True):
    """Base of every message: a leading version, checked on construction and on decode."""

    version: int

    def __post_init__(self) -> None:
        if self.version != WIRE_VERSION:
            raise WireError(
                f"unsupported wire version {self.version} (this node speaks {WIRE_VERSION})"
            )


class SignedRecord(WireMessage, frozen=True):
    """One authored, signed record: the unit that is gossiped, relayed and stored."""

    topic: Topic
    author: AuthorKey  # raw Ed25519 public key; the peer id is derived from it
    seq: Uint63  # (author, seq) is the record's unique key
    ts_ms: Uint63
    body: Body  # a message of the topic's registered body type
    sig: Signature  # Ed25519 over record_signing_bytes(...)


class RecordBatch(WireMessage, frozen=True):
    """Records pushed together in one gossip message."""

    records: Annotated[list[SignedRecord], msgspec.Meta(min_length=1, max_length=MAX_BATCH_RECORDS)]


class HeldRange(WireMessage, frozen=True):
    """The requester holds every record of ``author`` with ``first <= seq <= last``."""

    author: Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
    first: Uint63
    last: Uint63


class SyncRequest(WireMessage, frozen=True):
    """Ask a peer for up to ``limit`` records of ``topic`` after ``cursor``.

    ``held`` lets the peer skip what the requester already has (gossip delivered most of
    it): without it every record relayed to that peer would come back once more.
    """

    topic: Topic
    cursor: Uint63
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_SYNC_LIMIT)]
    held: Annotated[list[HeldRange], msgspec.Meta(max_length=MAX_SYNC_HELD_RANGES)]


class SyncHeadsRequest(WireMessage, frozen=True):
    """Ask a peer how far its log of each topic goes: one cheap exchange per sync round,
    then only the topics that moved are pulled (idle sync was 94 % of idle traffic)."""

    topics: Annotated[list[Topic], msgspec.Meta(max_length=MAX_HEADS_TOPICS)]


class SyncHeadsResponse(WireMessage, frozen=True):
    """The peer's latest cursor per asked topic, in order (0: nothing stored or not kept)."""

    heads: Annotated[list[Uint63], msgspec.Meta(max_length=MAX_HEADS_TOPICS)]


class SyncResponse(WireMessage, frozen=True):
    """The answer to a SyncRequest; ``more`` says whether to ask again from next_cursor."""

    records: Annotated[list[SignedRecord], msgspec.Meta(max_length=MAX_SYNC_RESPONSE_RECORDS)]
    next_cursor: Uint63
    more: bool


class PackedRecord(msgspec.Struct, array_like=True, forbid_unknown_fields=True, frozen=True):
    """A SignedRecord inside a PackedSyncResponse, less what the response says once: the
    topic, the author key (an index into ``authors``), the version and the base time."""

    author: Annotated[int, msgspec.Meta(ge=0, lt=MAX_SYNC_RESPONSE_RECORDS)]
    seq: Uint63
    ts_offset_ms: Uint63  # ts_ms - base_ts_ms
    body: Body
    sig: Signature


class PackedSyncResponse(WireMessage, frozen=True):
    """A SyncResponse as sent on the wire: the topic once, each author key once, times as
    offsets (a click row shrinks from ~125 + body bytes to ~75 + body).

    ``unpack_sync_response`` rebuilds the author-signed SignedRecords, which the receiver
    checks exactly as before; nothing here is trusted more than a plain SyncResponse.
    """

    topic: Topic
    authors: Annotated[list[AuthorKey], msgspec.Meta(max_length=MAX_SYNC_RESPONSE_RECORDS)]
    base_ts_ms: Uint63
    records: Annotated[list[PackedRecord], msgspec.Meta(max_length=MAX_SYNC_RESPONSE_RECORDS)]
    next_cursor: Uint63
    more: bool


class Note(WireMessage, frozen=True):
    """Body of the demo topic ``byteswarm/notes``."""

    text: Annotated[str, msgspec.Meta(max_length=MAX_NOTE_CHARS)]
    value: Finite


class Click(WireMessage, frozen=True):
    """Body of ``rank/clicks``: the author searched ``query`` and clicked ``clicked``, which
    the page showed at ``position`` (1-based; 0 = unknown).

    The model needs only that rank, so the service writes ``shown=[]`` (~80 of ~230 bytes a
    row); older records carry the page in ``shown`` and no ``position`` (decodes as 0), and
    the rank is then read from ``shown``. Author, sequence number and time are the
    enclosing SignedRecord's.
    """

    query: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_QUERY_CHARS)]
    shown: Annotated[list[ItemId], msgspec.Meta(max_length=MAX_SHOWN)]
    clicked: ItemId
    position: Annotated[int, msgspec.Meta(ge=0, le=MAX_CLICK_POSITION)] = 0


RunId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9-]*\Z")]
Round = Annotated[int, msgspec.Meta(ge=0, le=MAX_ROUNDS)]
Sha256 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
Positive = Annotated[float, msgspec.Meta(gt=0.0, le=1e6)]


class RunSpec(WireMessage, frozen=True):
    """Body of ``finetune/runs``: everything peers must agree on to train one run together."""

    run_id: RunId
    model: Literal["tiny", "minilm"]
    mode: Literal["independent", "shared"]
    learning_rate: Positive
    epsilon: Positive
    initial_scale: Positive
    rounds: Annotated[int, msgspec.Meta(ge=1, le=MAX_ROUNDS)]
    round_ms: Annotated[int, msgspec.Meta(ge=100, le=3_600_000)]
    start_ms: Uint63
    checkpoint_every: Annotated[int, msgspec.Meta(ge=1, le=10_000)]
    batch: Annotated[int, msgspec.Meta(ge=1, le=256)]
    theta0_sha256: Sha256
    layout_digest: Annotated[str, msgspec.Meta(max_length=64)]
    screen: bool
    """Shared mode: ignore, then exclude, authors that keep sending saturated codes."""
    probes: Annotated[int, msgspec.Meta(ge=1, le=MAX_PROBES)] = 1
    """Projected gradients (one byte each) per peer per round."""


class Grad(WireMessage, frozen=True):
    """Body of ``finetune/grads/<run>`` (record seq = round): one byte per projected gradient.

    ``codes`` holds the run's ``probes`` codes as int8 (two's complement; -128 is refused).
    """

    run_id: RunId
    round: Round
    codes: Annotated[bytes, msgspec.Meta(min_length=1, max_length=MAX_PROBES)]

    @property
    def values(self) -> tuple[int, ...]:
        return tuple(int(v) for v in memoryview(self.codes).cast("b"))

    @classmethod
    def of(cls, run_id: str, round_index: int, codes: tuple[int, ...]) -> Grad:
        """The body for these codes; WireError outside ±127."""
        if not all(-127 <= c <= 127 for c in codes):
            raise WireError(f"Grad: a code outside ±127 in {codes}")
        raw = bytes(c & 0xFF for c in codes)
        return cls(WIRE_VERSION, run_id, round_index, raw)


class ThetaHash(WireMessage, frozen=True):
    """Body of ``finetune/hashes/<run>`` (record seq = round): SHA-256 of θ at a checkpoint."""

    run_id: RunId
    round: Round
    sha256: Sha256


class CheckpointRequest(WireMessage, frozen=True):
    """Ask a peer for its checkpoint of a run at a round (to adopt a final one)."""

    run_id: RunId
    round: Round


class WindowKey(WireMessage, frozen=True):
    """(round, author) of a record the rounds after a checkpoint depend on."""

    round: Round
    author: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class CheckpointBlob(WireMessage, frozen=True):
    """θ and scales at a checkpoint (safetensors) plus the keys of the records before it.

    The records themselves come from the asker's own store: they are signed, the peer only
    says which ones it used, and θ is checked against the final (majority) hash.
    """

    run_id: RunId
    round: Round
    tensors: Annotated[bytes, msgspec.Meta(max_length=MAX_CHECKPOINT_BYTES)]
    window: Annotated[list[WindowKey], msgspec.Meta(max_length=MAX_WINDOW_KEYS)]


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


_ENCODER = msgspec.msgpack.Encoder()
_RECORD_DECODER = msgspec.msgpack.Decoder(SignedRecord)
_BATCH_DECODER = msgspec.msgpack.Decoder(RecordBatch)
_SYNC_REQUEST_DECODER = msgspec.msgpack.Decoder(SyncRequest)
_SYNC_RESPONSE_DECODER = msgspec.msgpack.Decoder(SyncResponse)
_PACKED_SYNC_RESPONSE_DECODER = msgspec.msgpack.Decoder(PackedSyncResponse)
_SYNC_HEADS_REQUEST_DECODER = msgspec.msgpack.Decoder(SyncHeadsRequest)
_SYNC_HEADS_RESPONSE_DECODER = msgspec.msgpack.Decoder(SyncHeadsResponse)
_NOTE_DECODER = msgspec.msgpack.Decoder(Note)
_CLICK_DECODER = msgspec.msgpack.Decoder(Click)
_RUN_SPEC_DECODER = msgspec.msgpack.Decoder(RunSpec)
_GRAD_DECODER = msgspec.msgpack.Decoder(Grad)
_THETA_HASH_DECODER = msgspec.msgpack.Decoder(ThetaHash)
_CLOUD_HELLO_DECODER = msgspec.msgpack.Decoder(CloudHello)
_MODEL_REQUEST_DECODER = msgspec.msgpack.Decoder(ModelRequest)
_MODEL_BLOB_DECODER = msgspec.msgpack.Decoder(ModelBlob)
_IMAGE_UPLOAD_DECODER = msgspec.msgpack.Decoder(ImageUpload)
_UPLOAD_ACK_DECODER = msgspec.msgpack.Decoder(UploadAck)
_PROMPT_DECODER = msgspec.msgpack.Decoder(Prompt)
_PROMPT_REQUEST_DECODER = msgspec.msgpack.Decoder(PromptRequest)
_CHECKPOINT_REQUEST_DECODER = msgspec.msgpack.Decoder(CheckpointRequest)
_CHECKPOINT_BLOB_DECODER = msgspec.msgpack.Decoder(CheckpointBlob)
_PROMPT_REPLY_DECODER = msgspec.msgpack.Decoder(PromptReply)


def _decode(decoder: msgspec.msgpack.Decoder[T], data: bytes, max_bytes: int, what: str) -> T:
    try:
        size = memoryview(data).nbytes
    except TypeError as exc:
        raise WireError(f"{what}: expected bytes, got {type(data).__name__}") from exc
    if size > max_bytes:
        raise WireError(f"{what}: {size} bytes exceeds the limit of {max_bytes}")
    try:
        return decoder.decode(data)
    except Exception as exc:  # the contract: malformed input raises WireError only
        raise WireError(f"{what}: {exc}") from exc


def decode_record(data: bytes) -> SignedRecord:
    return _decode(_RECORD_DECODER, data, MAX_RECORD_BYTES, "SignedRecord")


def decode_record_batch(data: bytes, max_bytes: int = MAX_BATCH_BYTES) -> RecordBatch:
    return _decode(_BATCH_DECODER, data, max_bytes, "RecordBatch")


def decode_sync_request(data: bytes) -> SyncRequest:
    return _decode(_SYNC_REQUEST_DECODER, data, MAX_SYNC_REQUEST_BYTES, "SyncRequest")


def decode_sync_response(data: bytes, max_bytes: int = MAX_SYNC_RESPONSE_BYTES) -> SyncResponse:
    return _decode(_SYNC_RESPONSE_DECODER, data, max_bytes, "SyncResponse")


def decode_packed_sync_response(
    data: bytes, max_bytes: int = MAX_SYNC_RESPONSE_BYTES
) -> PackedSyncResponse:
    """A packed response whose author indices and times all resolve (WireError otherwise)."""
    packed = _decode(_PACKED_SYNC_RESPONSE_DECODER, data, max_bytes, "PackedSyncResponse")
    n_authors = len(packed.authors)
    latest = 2**63 - 1 - packed.base_ts_ms
    for record in packed.records:
        if record.author >= n_authors:
            raise WireError(f"PackedSyncResponse: author index {record.author} of {n_authors}")
        if record.ts_offset_ms > latest:
            raise WireError("PackedSyncResponse: a record time overflows")
    return packed


def pack_sync_response(response: SyncResponse, topic: str) -> PackedSyncResponse:
    """The wire form of ``response``, whose records must all be of ``topic``."""
    index: dict[bytes, int] = {}
    base = min((r.ts_ms for r in response.records), default=0)
    packed: list[PackedRecord] = []
    for record in response.records:
        if record.topic != topic:
            raise WireError(f"SyncResponse: a record of {record.topic!r} in a {topic!r} sync")
        author = index.setdefault(record.author, len(index))
        packed.append(
            PackedRecord(author, record.seq, record.ts_ms - base, record.body, record.sig)
        )
    authors = list(index)
    return PackedSyncResponse(
        WIRE_VERSION, topic, authors, base, packed, response.next_cursor, response.more
    )


def unpack_sync_response(packed: PackedSyncResponse) -> SyncResponse:
    """The SignedRecords of a decoded packed response (signatures unchecked, as decoded)."""
    topic, authors, base = packed.topic, packed.authors, packed.base_ts_ms
    records = [
        SignedRecord(
            WIRE_VERSION, topic, authors[r.author], r.seq, base + r.ts_offset_ms, r.body, r.sig
        )
        for r in packed.records
    ]
    return SyncResponse(WIRE_VERSION, records, packed.next_cursor, packed.more)


def decode_sync_heads_request(data: bytes) -> SyncHeadsRequest:
    return _decode(_SYNC_HEADS_REQUEST_DECODER, data, MAX_HEADS_REQUEST_BYTES, "SyncHeadsRequest")


def decode_sync_heads_response(data: bytes) -> SyncHeadsResponse:
    return _decode(
        _SYNC_HEADS_RESPONSE_DECODER, data, MAX_HEADS_TOPICS * 9 + 64, "SyncHeadsResponse"
    )


def decode_note(data: bytes) -> Note:
    return _decode(_NOTE_DECODER, data, MAX_NOTE_BYTES, "Note")


def decode_click(data: bytes) -> Click:
    return _decode(_CLICK_DECODER, data, MAX_CLICK_BYTES, "Click")


def decode_run_spec(data: bytes) -> RunSpec:
    return _decode(_RUN_SPEC_DECODER, data, 512, "RunSpec")


def decode_grad(data: bytes) -> Grad:
    grad = _decode(_GRAD_DECODER, data, 128 + MAX_PROBES, "Grad")
    if 0x80 in grad.codes:
        raise WireError("Grad: code -128 (codes are within ±127)")
    return grad


def decode_theta_hash(data: bytes) -> ThetaHash:
    return _decode(_THETA_HASH_DECODER, data, 160, "ThetaHash")


def decode_cloud_hello(data: bytes) -> CloudHello:
    return _decode(_CLOUD_HELLO_DECODER, data, 128, "CloudHello")


def decode_model_request(data: bytes) -> ModelRequest:
    return _decode(_MODEL_REQUEST_DECODER, data, 64, "ModelRequest")


def decode_model_blob(data: bytes) -> ModelBlob:
    return _decode(_MODEL_BLOB_DECODER, data, MAX_MODEL_BYTES + 256, "ModelBlob")


def decode_image_upload(data: bytes) -> ImageUpload:
    limit = MAX_UPLOAD_BYTES + 9 * MAX_UPLOAD_IMAGES + 256
    upload = _decode(_IMAGE_UPLOAD_DECODER, data, limit, "ImageUpload")
    if len(upload.images) != len(upload.scores) * upload.side * upload.side:
        raise WireError("ImageUpload: image bytes do not match scores × side²")
    return upload


def decode_upload_ack(data: bytes) -> UploadAck:
    return _decode(_UPLOAD_ACK_DECODER, data, 64, "UploadAck")


def decode_prompt(data: bytes) -> Prompt:
    return _decode(_PROMPT_DECODER, data, MAX_PROMPT_BYTES + 512, "Prompt")


def decode_checkpoint_request(data: bytes) -> CheckpointRequest:
    return _decode(_CHECKPOINT_REQUEST_DECODER, data, 128, "CheckpointRequest")


def decode_checkpoint_blob(data: bytes) -> CheckpointBlob:
    limit = MAX_CHECKPOINT_BYTES + MAX_WINDOW_KEYS * 160 + 256
    return _decode(_CHECKPOINT_BLOB_DECODER, data, limit, "CheckpointBlob")


def decode_prompt_request(data: bytes) -> PromptRequest:
    return _decode(_PROMPT_REQUEST_DECODER, data, 64, "PromptRequest")


def decode_prompt_reply(data: bytes) -> PromptReply:
    """A reply whose record, if any, is signed, of topic ``adapt/prompts``, with a Prompt body."""
    reply = _decode(_PROMPT_REPLY_DECODER, data, MAX_PROMPT_REPLY_BYTES, "PromptReply")
    if reply.record is not None:
        if reply.record.topic != PROMPTS_TOPIC:
            raise WireError(f"PromptReply: record of topic {reply.record.topic!r}")
        check_record(reply.record)
    return reply


_DECODERS: dict[type[msgspec.Struct], msgspec.msgpack.Decoder[Any]] = {
    SignedRecord: _RECORD_DECODER,
    RecordBatch: _BATCH_DECODER,
    SyncRequest: _SYNC_REQUEST_DECODER,
    SyncResponse: _SYNC_RESPONSE_DECODER,
    PackedSyncResponse: _PACKED_SYNC_RESPONSE_DECODER,
    SyncHeadsRequest: _SYNC_HEADS_REQUEST_DECODER,
    SyncHeadsResponse: _SYNC_HEADS_RESPONSE_DECODER,
    Note: _NOTE_DECODER,
    Click: _CLICK_DECODER,
    RunSpec: _RUN_SPEC_DECODER,
    Grad: _GRAD_DECODER,
    ThetaHash: _THETA_HASH_DECODER,
    CloudHello: _CLOUD_HELLO_DECODER,
    ModelRequest: _MODEL_REQUEST_DECODER,
    ModelBlob: _MODEL_BLOB_DECODER,
    ImageUpload: _IMAGE_UPLOAD_DECODER,
    UploadAck: _UPLOAD_ACK_DECODER,
    Prompt: _PROMPT_DECODER,
    PromptRequest: _PROMPT_REQUEST_DECODER,
    CheckpointRequest: _CHECKPOINT_REQUEST_DECODER,
    CheckpointBlob: _CHECKPOINT_BLOB_DECODER,
    PromptReply: _PROMPT_REPLY_DECODER,
}


def encode(obj: msgspec.Struct) -> bytes:
    """MessagePack bytes of ``obj``; WireError if one of our types breaks a field constraint.

    Byte limits are not applied: records, requests and notes cannot exceed theirs when
    their fields are valid, and batch/response limits are the receiver's choice.
    """
    try:
        raw = _ENCODER.encode(obj)
    except Exception as exc:
        raise WireError(f"{type(obj).__name__}: cannot encode: {exc}") from exc
    decoder = _DECODERS.get(type(obj))
    if decoder is not None:
        _decode(decoder, raw, len(raw), type(obj).__name__)
    return raw


# ---- topic bodies -------------------------------------------------------------------------

_BODY_DECODERS: dict[str, Callable[[bytes], object]] = {}


def _covers(prefix: str, topic: str) -> bool:
    """Prefixes match whole path segments: "a/b" covers "a/b" and "a/b/c", not "a/bc"."""
    if not topic.startswith(prefix):
        return False
    return len(topic) == len(prefix) or prefix.endswith("/") or topic[len(prefix)] == "/"


def register_body(topic_prefix: str, decoder: Callable[[bytes], object]) -> None:
    """Declare how bodies of topics under ``topic_prefix`` decode (call at import time)."""
    if len(topic_prefix) > MAX_TOPIC_CHARS or not _TOPIC_RE.search(topic_prefix):
        raise ValueError(f"not a valid topic prefix: {topic_prefix!r}")
    existing = _BODY_DECODERS.get(topic_prefix)
    if existing is not None and existing != decoder:
        raise ValueError(f"topic prefix {topic_prefix!r} already has a body decoder")
    _BODY_DECODERS[topic_prefix] = decoder


def decode_body(topic: str, body: bytes) -> object:
    """Decode ``body`` with the decoder of the longest registered prefix covering ``topic``."""
    if not isinstance(topic, str) or len(topic) > MAX_TOPIC_CHARS or not _TOPIC_RE.search(topic):
        raise WireError(f"not a valid topic: {topic!r:.200}")
    matches = [prefix for prefix in _BODY_DECODERS if _covers(prefix, topic)]
    if not matches:
        raise WireError(f"no body decoder for topic {topic!r}")
    decoder = _BODY_DECODERS[max(matches, key=len)]
    try:
        if memoryview(body).nbytes > MAX_BODY_BYTES:
            raise WireError(f"{topic}: body exceeds {MAX_BODY_BYTES} bytes")
        return decoder(body)
    except WireError:
        raise
    except Exception as exc:  # a service decoder's own error is still a refusal
        raise WireError(f"{topic}: bad body: {exc}") from exc


register_body(NOTES_TOPIC, decode_note)
register_body(CLICKS_TOPIC, decode_click)
register_body(RUNS_TOPIC, decode_run_spec)
register_body(GRADS_TOPIC, decode_grad)
register_body(HASHES_TOPIC, decode_theta_hash)
register_body(CLOUDS_TOPIC, decode_cloud_hello)
register_body(PROMPTS_TOPIC, decode_prompt)


# ---- signatures ---------------------------------------------------------------------------


def record_signing_bytes(
    version: int, topic: str, author: bytes, seq: int, ts_ms: int, body: bytes
) -> bytes:
    """The exact bytes an author signs: a domain prefix, then the fields as a msgpack array."""
    try:
        return SIGNING_DOMAIN + _ENCODER.encode((version, topic, author, seq, ts_ms, body))
    except Exception as exc:
        raise WireError(f"cannot encode record fields: {exc}") from exc


def sign_record(seed: bytes, topic: str, seq: int, ts_ms: int, body: bytes) -> SignedRecord:
    """A record signed by the Ed25519 key with this 32-byte seed.

    Checks the record's format and limits (WireError otherwise), not that ``body`` decodes
    for ``topic``: receivers check that in :func:`check_record`.
    """
    if not isinstance(seed, bytes) or len(seed) != 32:
        raise WireError("an Ed25519 seed is 32 bytes")
    key = Ed25519PrivateKey.from_private_bytes(seed)
    author = key.public_key().public_bytes_raw()
    sig = key.sign(record_signing_bytes(WIRE_VERSION, topic, author, seq, ts_ms, body))
    record = SignedRecord(WIRE_VERSION, topic, author, seq, ts_ms, body, sig)
    encode(record)  # refuse here what every peer would refuse
    return record


def verify_record(record: SignedRecord) -> None:
    """WireError unless ``record.sig`` is ``record.author``'s signature over its fields."""
    message = record_signing_bytes(
        record.version, record.topic, record.author, record.seq, record.ts_ms, record.body
    )
    try:
        Ed25519PublicKey.from_public_bytes(record.author).verify(record.sig, message)
    except InvalidSignature as exc:
        raise WireError("record signature does not verify for its author") from exc
    except Exception as exc:  # e.g. an author that is not an Ed25519 point
        raise WireError(f"record author or signature is malformed: {exc}") from exc


def check_record(record: SignedRecord) -> None:
    """Everything a receiver checks before storing: signature, then body for its topic."""
    verify_record(record)
    decode_body(record.topic, record.body)


# ---- peer ids -----------------------------------------------------------------------------


def peer_id_from_author(author: bytes) -> bytes:
    """libp2p peer id bytes of an Ed25519 public key (identity multihash of its protobuf)."""
    if not isinstance(author, bytes) or len(author) != 32:
        raise WireError("an Ed25519 public key is 32 bytes")
    return _PEER_ID_PREFIX + author


def peer_id_str(author: bytes) -> str:
    """The base58btc text form of the peer id ("12D3KooW...")."""
    return _base58(peer_id_from_author(author))


def author_from_peer_id(peer_id: bytes) -> bytes:
    """Inverse of peer_id_from_author; WireError for any other kind of peer id."""
    if not isinstance(peer_id, bytes | bytearray) or len(peer_id) != len(_PEER_ID_PREFIX) + 32:
        raise WireError("not an Ed25519 identity peer id (wrong length)")
    if not peer_id.startswith(_PEER_ID_PREFIX):
        raise WireError("not an Ed25519 identity peer id (wrong prefix)")
    return bytes(peer_id[len(_PEER_ID_PREFIX) :])


def _base58(raw: bytes) -> str:
    number = int.from_bytes(raw, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_BASE58[rest])
    leading_zeros = len(raw) - len(raw.lstrip(b"\0"))
    return "1" * leading_zeros + "".join(reversed(digits))
