"""The sync protocol's messages: heads, requests with held ranges, and packed responses."""

from __future__ import annotations

from typing import Annotated

import msgspec

from node.wire.base import (
    MAX_TOPIC_CHARS,
    WIRE_VERSION,
    AuthorKey,
    Body,
    LimitedDecoder,
    Signature,
    Topic,
    Uint63,
    WireError,
    WireMessage,
)
from node.wire.records import SignedRecord

MAX_SYNC_LIMIT = 1024


MAX_SYNC_HELD_RANGES = 256


MAX_HEADS_TOPICS = 64


MAX_HEADS_REQUEST_BYTES = MAX_HEADS_TOPICS * (MAX_TOPIC_CHARS + 3) + 64


MAX_SYNC_REQUEST_BYTES = 1024 + MAX_SYNC_HELD_RANGES * 64


MAX_SAMPLE_REQUEST_BYTES = MAX_TOPIC_CHARS + 64


MAX_SYNC_RESPONSE_RECORDS = 1024


MAX_SYNC_RESPONSE_BYTES = 4 * 1024 * 1024


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


class SampleRequest(WireMessage, frozen=True):
    """Ask a peer for its newest ``limit`` records of ``topic`` (answered with a
    PackedSyncResponse whose cursor means nothing): how a new node bootstraps G-Rank with a
    sample of one peer's rows before the full catch-up."""

    topic: Topic
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_SYNC_LIMIT)]


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


def _check_packed(packed: PackedSyncResponse) -> None:
    """Every author index and time of a packed response resolves."""
    n_authors = len(packed.authors)
    latest = 2**63 - 1 - packed.base_ts_ms
    for record in packed.records:
        if record.author >= n_authors:
            raise WireError(f"PackedSyncResponse: author index {record.author} of {n_authors}")
        if record.ts_offset_ms > latest:
            raise WireError("PackedSyncResponse: a record time overflows")


decode_sync_request = LimitedDecoder(SyncRequest, MAX_SYNC_REQUEST_BYTES)

decode_sample_request = LimitedDecoder(SampleRequest, MAX_SAMPLE_REQUEST_BYTES)

decode_sync_response = LimitedDecoder(SyncResponse, MAX_SYNC_RESPONSE_BYTES)

decode_packed_sync_response = LimitedDecoder(
    PackedSyncResponse, MAX_SYNC_RESPONSE_BYTES, _check_packed
)


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


decode_sync_heads_request = LimitedDecoder(SyncHeadsRequest, MAX_HEADS_REQUEST_BYTES)

decode_sync_heads_response = LimitedDecoder(SyncHeadsResponse, MAX_HEADS_TOPICS * 9 + 64)
