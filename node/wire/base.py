"""What every message shares: the version, the error, typed decoding under a size limit,
the self-checking ``encode``, and the registry of record bodies per topic."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Generic, TypeVar

import msgspec

WIRE_VERSION = 1


MAX_TOPIC_CHARS = 128


MAX_BODY_BYTES = 60_000
MAX_ITEM_ID_CHARS = 128


# \Z, not $: re.search's $ also matches before a trailing newline ("abc\n").
TOPIC_PATTERN = r"^[a-z0-9][a-z0-9/_.-]*\Z"


_TOPIC_RE = re.compile(TOPIC_PATTERN)


Finite = Annotated[float, msgspec.Meta(ge=-1e30, le=1e30)]  # NaN and ±inf fail both bounds


Topic = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_TOPIC_CHARS, pattern=TOPIC_PATTERN)
]


Uint63 = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]  # fits SQLite's signed INTEGER


AuthorKey = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]


Signature = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64)]


Body = Annotated[bytes, msgspec.Meta(max_length=MAX_BODY_BYTES)]


Sha256 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32)]
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


ENCODER = msgspec.msgpack.Encoder()


def decode_limited(
    decoder: msgspec.msgpack.Decoder[T], data: bytes, max_bytes: int, what: str
) -> T:
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


_DECODERS: dict[type[msgspec.Struct], msgspec.msgpack.Decoder[Any]] = {}
S = TypeVar("S", bound=msgspec.Struct)


def typed_decoder(cls: type[S]) -> msgspec.msgpack.Decoder[S]:
    """The decoder of ``cls``, which ``encode`` also uses to check every message it makes."""
    decoder = msgspec.msgpack.Decoder(cls)
    _DECODERS[cls] = decoder
    return decoder


class LimitedDecoder(Generic[S]):
    """Decodes one message type, refusing anything over ``max_bytes`` before decoding it
    (WireError for any bad input); ``check`` adds what field constraints cannot say.
    Registered for ``encode``'s self-check. Callers may pass a tighter or looser limit."""

    def __init__(
        self, cls: type[S], max_bytes: int, check: Callable[[S], None] | None = None
    ) -> None:
        self.decoder = typed_decoder(cls)
        self.max_bytes = max_bytes
        self.what = cls.__name__
        self.check = check

    def __call__(self, data: bytes, max_bytes: int | None = None) -> S:
        limit = self.max_bytes if max_bytes is None else max_bytes
        message = decode_limited(self.decoder, data, limit, self.what)
        if self.check is not None:
            self.check(message)
        return message


def encode(obj: msgspec.Struct) -> bytes:
    """MessagePack bytes of ``obj``; WireError if one of our types breaks a field constraint.

    Byte limits are not applied: records, requests and notes cannot exceed theirs when
    their fields are valid, and batch/response limits are the receiver's choice.
    """
    try:
        raw = ENCODER.encode(obj)
    except Exception as exc:
        raise WireError(f"{type(obj).__name__}: cannot encode: {exc}") from exc
    decoder = _DECODERS.get(type(obj))
    if decoder is not None:
        decode_limited(decoder, raw, len(raw), type(obj).__name__)
    return raw


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
