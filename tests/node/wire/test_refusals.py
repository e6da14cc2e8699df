"""node.wire refusals: extra, missing or versioned fields, maps, non-finite values, bad topics,
field sizes, list lengths and byte limits (checked before decoding), non-bytes input."""

from __future__ import annotations

import math
import struct
from typing import Any

import msgspec
import pytest

from node import wire
from node.wire import (
    MAX_BATCH_BYTES,
    MAX_BODY_BYTES,
    MAX_RECORD_BYTES,
    Note,
    RecordBatch,
    SyncRequest,
    SyncResponse,
    WireError,
)
from tests.node.wire.samples import DECODERS, SEED_A, note_record


def _examples() -> list[msgspec.Struct]:
    record = note_record()
    return [
        record,
        RecordBatch(1, [record, note_record(seq=2)]),
        SyncRequest(1, "byteswarm/notes", 5, 10, [wire.HeldRange(1, bytes(32), 2, 4)]),
        SyncResponse(1, [record], 6, True),
        wire.pack_sync_response(SyncResponse(1, [record], 6, True), wire.NOTES_TOPIC),
        Note(1, "x", 1.5),
        wire.SampleRequest(1, wire.CLICKS_TOPIC, 16),
    ]


@pytest.mark.parametrize("message", _examples(), ids=lambda m: type(m).__name__)
def test_extra_field_is_refused(message: msgspec.Struct) -> None:
    longer = msgspec.msgpack.encode([*msgspec.structs.astuple(message), 0])
    with pytest.raises(WireError, match="at most length"):
        DECODERS[type(message)](longer)


@pytest.mark.parametrize("message", _examples(), ids=lambda m: type(m).__name__)
def test_missing_field_is_refused(message: msgspec.Struct) -> None:
    shorter = msgspec.msgpack.encode(list(msgspec.structs.astuple(message))[:-1])
    with pytest.raises(WireError, match="at least length"):
        DECODERS[type(message)](shorter)


@pytest.mark.parametrize("version", [0, 2, -1, 2**40])
@pytest.mark.parametrize("message", _examples(), ids=lambda m: type(m).__name__)
def test_other_versions_are_refused(message: msgspec.Struct, version: int) -> None:
    fields = list(msgspec.structs.astuple(message))
    fields[0] = version
    with pytest.raises(WireError, match="unsupported wire version"):
        DECODERS[type(message)](msgspec.msgpack.encode(fields))
    with pytest.raises(WireError):
        msgspec.structs.replace(message, version=version)


def test_map_encoding_is_refused() -> None:
    as_map = msgspec.msgpack.encode({"version": 1, "text": "x", "value": 1.0})
    with pytest.raises(WireError):
        wire.decode_note(as_map)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, 1e31])
def test_non_finite_note_value_is_refused(value: float) -> None:
    with pytest.raises(WireError):
        wire.decode_note(msgspec.msgpack.encode([1, "x", value]))
    for packed in (b"\xca" + struct.pack(">f", value), b"\xcb" + struct.pack(">d", value)):
        with pytest.raises(WireError):
            wire.decode_note(b"\x93\x01\xa1x" + packed)
    with pytest.raises(WireError):
        wire.encode(Note(1, "x", value))


def test_float32_and_int_note_values_decode() -> None:
    assert wire.decode_note(b"\x93\x01\xa1x\xca" + struct.pack(">f", 0.5)).value == 0.5
    assert wire.decode_note(msgspec.msgpack.encode([1, "x", 3])).value == 3.0


@pytest.mark.parametrize(
    "topic", ["", "A", "/a", "-a", "a b", "a\n", "é", "a" * 129, "a\x00"], ids=repr
)
def test_bad_topics_are_refused(topic: str) -> None:
    raw = msgspec.msgpack.encode([1, topic, 0, 1])
    with pytest.raises(WireError):
        wire.decode_sync_request(raw)
    with pytest.raises(WireError):
        wire.decode_body(topic, b"")


def test_topic_and_body_at_their_limits_are_accepted() -> None:
    record = wire.sign_record(SEED_A, "a" * 128, 2**63 - 1, 2**63 - 1, bytes(MAX_BODY_BYTES))
    raw = wire.encode(record)
    assert len(raw) <= MAX_RECORD_BYTES
    assert wire.decode_record(raw) == record


@pytest.mark.parametrize(
    ("field", "value"),
    [("author", bytes(31)), ("author", bytes(33)), ("sig", bytes(63)), ("seq", -1)],
)
def test_wrong_field_sizes_are_refused(field: str, value: object) -> None:
    record = msgspec.structs.replace(note_record(), **{field: value})
    with pytest.raises(WireError):
        wire.decode_record(msgspec.msgpack.encode(record))
    with pytest.raises(WireError):
        wire.encode(record)


def test_list_lengths_at_and_over_their_limits() -> None:
    record = note_record()
    assert len(wire.decode_record_batch(wire.encode(RecordBatch(1, [record] * 256))).records) == 256
    for count in (0, 257):
        with pytest.raises(WireError):
            wire.decode_record_batch(msgspec.msgpack.encode(RecordBatch(1, [record] * count)))
    response = SyncResponse(1, [record] * 1024, 0, False)
    assert wire.decode_sync_response(wire.encode(response)) == response
    with pytest.raises(WireError):
        wire.decode_sync_response(
            msgspec.msgpack.encode(SyncResponse(1, [record] * 1025, 0, False))
        )
    for limit in (0, 1025):
        with pytest.raises(WireError):
            wire.decode_sync_request(msgspec.msgpack.encode(SyncRequest(1, "t", 0, limit, [])))


class _SpyDecoder:
    def __init__(self) -> None:
        self.calls = 0

    def decode(self, data: bytes) -> object:
        self.calls += 1
        raise AssertionError("decoded an oversize input")


@pytest.mark.parametrize(
    ("decode", "limit"),
    [
        (wire.decode_record, MAX_RECORD_BYTES),
        (wire.decode_record_batch, MAX_BATCH_BYTES),
        (wire.decode_sync_request, wire.MAX_SYNC_REQUEST_BYTES),
        (wire.decode_sync_response, wire.MAX_SYNC_RESPONSE_BYTES),
        (wire.decode_packed_sync_response, wire.MAX_SYNC_RESPONSE_BYTES),
        (wire.decode_sample_request, wire.MAX_SAMPLE_REQUEST_BYTES),
        (wire.decode_note, wire.MAX_NOTE_BYTES),
        (wire.decode_grad, 128 + wire.MAX_PROBES),
    ],
    ids=lambda value: getattr(value, "what", None),
)
def test_oversize_input_is_refused_before_decoding(
    monkeypatch: pytest.MonkeyPatch, decode: wire.LimitedDecoder[Any], limit: int
) -> None:
    spy = _SpyDecoder()
    monkeypatch.setattr(decode, "decoder", spy)
    with pytest.raises(WireError, match="exceeds the limit"):
        decode(bytes(limit + 1))
    assert spy.calls == 0


def test_caller_chosen_byte_limits() -> None:
    batch = RecordBatch(1, [note_record(seq=i) for i in range(1, 4)])
    raw = wire.encode(batch)
    assert wire.decode_record_batch(raw, max_bytes=len(raw)) == batch
    with pytest.raises(WireError, match="exceeds the limit"):
        wire.decode_record_batch(raw, max_bytes=len(raw) - 1)
    response_raw = wire.encode(SyncResponse(1, batch.records, 3, False))
    with pytest.raises(WireError, match="exceeds the limit"):
        wire.decode_sync_response(response_raw, max_bytes=100)


def test_batch_byte_limit_is_the_receivers_choice() -> None:
    big = wire.sign_record(SEED_A, "big", 1, 1, bytes(MAX_BODY_BYTES))
    raw = wire.encode(RecordBatch(1, [big] * 5))  # encode checks fields, not byte limits
    assert len(raw) > MAX_BATCH_BYTES
    with pytest.raises(WireError, match="exceeds the limit"):
        wire.decode_record_batch(raw)
    assert wire.decode_record_batch(raw, max_bytes=len(raw)).records == [big] * 5


@pytest.mark.parametrize("data", ["text", None, 12, [1, 2]], ids=repr)
def test_non_bytes_input_raises_wire_error(data: Any) -> None:
    for decode in DECODERS.values():
        with pytest.raises(WireError):
            decode(data)


def test_bytearray_and_memoryview_inputs_decode() -> None:
    raw = wire.encode(Note(1, "x", 2.0))
    assert wire.decode_note(bytearray(raw)) == Note(1, "x", 2.0)  # type: ignore[arg-type]
    assert wire.decode_note(memoryview(raw)) == Note(1, "x", 2.0)  # type: ignore[arg-type]
