"""The signed record (the unit that is gossiped, relayed and stored), gossip batches of
records, author signatures and libp2p peer ids of author keys."""

from __future__ import annotations

import functools
from typing import Annotated

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from node.wire.base import (
    ENCODER,
    WIRE_VERSION,
    AuthorKey,
    Body,
    LimitedDecoder,
    Signature,
    Topic,
    Uint63,
    WireError,
    WireMessage,
    decode_body,
    encode,
)

MAX_RECORD_BYTES = 60 * 1024  # a full body plus topic, keys and framing (~260 bytes)


MAX_BATCH_RECORDS = 256


MAX_BATCH_BYTES = 256 * 1024


SIGNING_DOMAIN = b"byteswarm/record/v1\0"


# libp2p peer id of an Ed25519 key: identity multihash (0x00, 36) of the protobuf
# PublicKey{Type: Ed25519 (field 1 = 1), Data: key (field 2, 32 bytes)}.
_PEER_ID_PREFIX = b"\x00\x24\x08\x01\x12\x20"


_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


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


decode_record = LimitedDecoder(SignedRecord, MAX_RECORD_BYTES)

decode_record_batch = LimitedDecoder(RecordBatch, MAX_BATCH_BYTES)


def record_signing_bytes(
    version: int, topic: str, author: bytes, seq: int, ts_ms: int, body: bytes
) -> bytes:
    """The exact bytes an author signs: a domain prefix, then the fields as a msgpack array."""
    try:
        return SIGNING_DOMAIN + ENCODER.encode((version, topic, author, seq, ts_ms, body))
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


def peer_id_from_author(author: bytes) -> bytes:
    """libp2p peer id bytes of an Ed25519 public key (identity multihash of its protobuf)."""
    if not isinstance(author, bytes) or len(author) != 32:
        raise WireError("an Ed25519 public key is 32 bytes")
    return _PEER_ID_PREFIX + author


def peer_id_str(author: bytes) -> str:
    """The base58btc text form of the peer id ("12D3KooW...")."""
    if not isinstance(author, bytes):  # checked before the cache, which needs a hashable key
        raise WireError("an Ed25519 public key is 32 bytes")
    return _peer_id_text(author)


@functools.lru_cache(maxsize=16_384)
def _peer_id_text(author: bytes) -> str:
    # base58 is quadratic big-int division: half the cost of loading 100k click rows was
    # this, for a thousand distinct authors
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
