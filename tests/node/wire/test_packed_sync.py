"""Packed sync responses: authors factored out, signatures kept, author indices, times,
lengths and byte limits checked."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given, settings

from node import wire
from node.wire import SyncResponse, WireError
from tests.node.wire.samples import SEED_A, SEED_B, note_record, public_key
from tests.node.wire.strategies import sync_responses, topics


@settings(max_examples=40, deadline=None)
@given(response=sync_responses, topic=topics)
def test_pack_unpack_gives_back_the_sync_response(response: SyncResponse, topic: str) -> None:
    records = [msgspec.structs.replace(r, topic=topic) for r in response.records]
    response = msgspec.structs.replace(response, records=records)
    packed = wire.pack_sync_response(response, topic)
    raw = wire.encode(packed)
    assert wire.unpack_sync_response(wire.decode_packed_sync_response(raw)) == response
    assert len(packed.authors) == len({r.author for r in records})


def test_unpacked_records_keep_their_signatures_and_are_smaller() -> None:
    records = [note_record(SEED_A, 1), note_record(SEED_B, 1), note_record(SEED_A, 2)]
    response = SyncResponse(1, records, 9, True)
    raw = wire.encode(wire.pack_sync_response(response, wire.NOTES_TOPIC))
    back = wire.unpack_sync_response(wire.decode_packed_sync_response(raw))
    assert back == response
    for record in back.records:
        wire.check_record(record)
    assert len(raw) <= len(wire.encode(response)) - 2 * (16 + 16)  # 2 topics + 1 key saved
    forged = msgspec.structs.replace(
        wire.decode_packed_sync_response(raw), authors=[public_key(SEED_B), public_key(SEED_A)]
    )
    for record in wire.unpack_sync_response(forged).records:
        with pytest.raises(WireError, match="does not verify"):
            wire.check_record(record)


def test_pack_refuses_records_of_another_topic() -> None:
    response = SyncResponse(1, [note_record()], 1, False)
    with pytest.raises(WireError, match="in a 'rank/clicks' sync"):
        wire.pack_sync_response(response, wire.CLICKS_TOPIC)
    empty = wire.pack_sync_response(SyncResponse(1, [], 4, False), wire.CLICKS_TOPIC)
    assert wire.unpack_sync_response(empty) == SyncResponse(1, [], 4, False)


def _packed_raw(authors: int, index: int, base: int, offset: int) -> bytes:
    row = wire.PackedRecord(index, 1, offset, b"", bytes(64))
    packed = wire.PackedSyncResponse(1, "t", [bytes(32)] * authors, base, [row], 0, False)
    return msgspec.msgpack.encode(packed)


def test_packed_author_indices_and_times_must_resolve() -> None:
    assert wire.decode_packed_sync_response(_packed_raw(2, 1, 2**62, 2**62 - 1)).records
    with pytest.raises(WireError, match="author index 2 of 2"):
        wire.decode_packed_sync_response(_packed_raw(2, 2, 0, 0))
    with pytest.raises(WireError, match="author index 0 of 0"):
        wire.decode_packed_sync_response(_packed_raw(0, 0, 0, 0))
    with pytest.raises(WireError, match="overflows"):
        wire.decode_packed_sync_response(_packed_raw(1, 0, 2**62, 2**62))
    with pytest.raises(WireError):
        wire.decode_packed_sync_response(_packed_raw(1, -1, 0, 0))


def test_packed_list_lengths_and_byte_limits() -> None:
    record = note_record()
    full = wire.pack_sync_response(SyncResponse(1, [record] * 1024, 0, False), wire.NOTES_TOPIC)
    raw = wire.encode(full)
    assert wire.decode_packed_sync_response(raw) == full
    over = msgspec.structs.replace(full, records=[*full.records, full.records[0]])
    with pytest.raises(WireError, match="length"):
        wire.decode_packed_sync_response(msgspec.msgpack.encode(over))
    with pytest.raises(WireError, match="exceeds the limit"):
        wire.decode_packed_sync_response(raw, max_bytes=len(raw) - 1)
    extra = msgspec.msgpack.encode([*msgspec.structs.astuple(full.records[0]), 0])
    with pytest.raises(WireError):
        wire.decode_packed_sync_response(
            raw.replace(msgspec.msgpack.encode(full.records[0]), extra, 1)
        )
