"""node.wire: round trips, limits, refusals, signatures, golden bytes (peer ids: elsewhere)."""

from __future__ import annotations

import math
import struct
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from node import wire
from node.wire import (
    MAX_BATCH_BYTES,
    MAX_BODY_BYTES,
    MAX_RECORD_BYTES,
    Note,
    RecordBatch,
    SignedRecord,
    SyncRequest,
    SyncResponse,
    WireError,
)

SEED_A = bytes(range(32))
SEED_B = bytes(range(32, 64))
# RFC 8032 section 7.1, TEST 1: pins the seed -> public key derivation independently.
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
GOLDEN_RECORD = bytes.fromhex(
    "9701af62797465737761726d2f6e6f746573c420d75a980182b10ab7d54bfed3c964073a0ee172f3"
    "daa62325af021a68f707511a07cf0000018bcfe56800c4119301a568656c6c6fcb3fe00000000000"
    "00c440a6286c53330a2f43c883a733560fd9d956f2c2b583ce614bc064f654492ca0069bc84f30ca"
    "8e8220cacec738a774b8c8b325c0940428cae09f88440472d3d20c"
)

DECODERS: dict[type[msgspec.Struct], Callable[[bytes], object]] = {
    SignedRecord: wire.decode_record,
    RecordBatch: wire.decode_record_batch,
    SyncRequest: wire.decode_sync_request,
    SyncResponse: wire.decode_sync_response,
    wire.PackedSyncResponse: wire.decode_packed_sync_response,
    Note: wire.decode_note,
    wire.Click: wire.decode_click,
    wire.RunSpec: wire.decode_run_spec,
    wire.Grad: wire.decode_grad,
    wire.ThetaHash: wire.decode_theta_hash,
    wire.CloudHello: wire.decode_cloud_hello,
    wire.ModelRequest: wire.decode_model_request,
    wire.ModelBlob: wire.decode_model_blob,
    wire.ImageUpload: wire.decode_image_upload,
    wire.UploadAck: wire.decode_upload_ack,
    wire.Prompt: wire.decode_prompt,
    wire.PromptRequest: wire.decode_prompt_request,
    wire.PromptReply: wire.decode_prompt_reply,
    wire.CheckpointRequest: wire.decode_checkpoint_request,
    wire.CheckpointBlob: wire.decode_checkpoint_blob,
    wire.SyncHeadsRequest: wire.decode_sync_heads_request,
    wire.SampleRequest: wire.decode_sample_request,
    wire.SyncHeadsResponse: wire.decode_sync_heads_response,
}

# ---- strategies -------------------------------------------------------------------------

topics = st.from_regex(r"[a-z0-9][a-z0-9/_.-]{0,127}", fullmatch=True)
uint63 = st.integers(0, 2**63 - 1)
records = st.builds(
    SignedRecord,
    version=st.just(1),
    topic=topics,
    author=st.binary(min_size=32, max_size=32),
    seq=uint63,
    ts_ms=uint63,
    body=st.binary(max_size=300),
    sig=st.binary(min_size=64, max_size=64),
)
batches = st.builds(RecordBatch, version=st.just(1), records=st.lists(records, min_size=1))
held_ranges = st.builds(
    wire.HeldRange,
    version=st.just(1),
    author=st.binary(min_size=32, max_size=32),
    first=uint63,
    last=uint63,
)
sync_requests = st.builds(
    SyncRequest,
    version=st.just(1),
    topic=topics,
    cursor=uint63,
    limit=st.integers(1, 1024),
    held=st.lists(held_ranges, max_size=wire.MAX_SYNC_HELD_RANGES),
)
sync_responses = st.builds(
    SyncResponse,
    version=st.just(1),
    records=st.lists(records, max_size=40),
    next_cursor=uint63,
    more=st.booleans(),
)
finite = st.floats(-1e30, 1e30, allow_nan=False, allow_infinity=False)
notes = st.builds(Note, version=st.just(1), text=st.text(max_size=1024), value=finite)
item_ids = st.text(min_size=1, max_size=wire.MAX_ITEM_ID_CHARS)
clicks = st.builds(
    wire.Click,
    version=st.just(1),
    query=st.text(min_size=1, max_size=wire.MAX_QUERY_CHARS),
    shown=st.lists(item_ids, max_size=wire.MAX_SHOWN),
    clicked=item_ids,
    position=st.integers(0, wire.MAX_CLICK_POSITION),
)
packed_sync_responses = st.lists(
    st.binary(min_size=32, max_size=32), min_size=1, max_size=5
).flatmap(
    lambda authors: st.builds(
        wire.PackedSyncResponse,
        version=st.just(1),
        topic=topics,
        authors=st.just(authors),
        base_ts_ms=st.integers(0, 2**62),
        records=st.lists(
            st.builds(
                wire.PackedRecord,
                author=st.integers(0, len(authors) - 1),
                seq=uint63,
                ts_offset_ms=st.integers(0, 2**62),
                body=st.binary(max_size=300),
                sig=st.binary(min_size=64, max_size=64),
            ),
            max_size=20,
        ),
        next_cursor=uint63,
        more=st.booleans(),
    )
)
run_ids = st.from_regex(r"\A[a-z0-9][a-z0-9-]{0,63}\Z")
rounds = st.integers(0, wire.MAX_ROUNDS)
positive = st.floats(1e-12, 1e6, allow_nan=False)
run_specs = st.builds(
    wire.RunSpec,
    version=st.just(1),
    run_id=run_ids,
    model=st.sampled_from(["tiny", "minilm"]),
    mode=st.sampled_from(["independent", "shared"]),
    learning_rate=positive,
    epsilon=positive,
    initial_scale=positive,
    rounds=st.integers(1, wire.MAX_ROUNDS),
    round_ms=st.integers(100, 3_600_000),
    start_ms=uint63,
    checkpoint_every=st.integers(1, 10_000),
    batch=st.integers(1, 256),
    theta0_sha256=st.binary(min_size=32, max_size=32),
    layout_digest=st.text(max_size=64),
    screen=st.booleans(),
    probes=st.integers(1, wire.MAX_PROBES),
    decay_floor=st.floats(0.0, 1.0),
    rules=st.integers(1, 1_000),
    grads_by=st.sampled_from(["gossip", "pull"]),
    pull_every=st.integers(1, wire.finetune.MAX_PULL_EVERY),
)
grads = st.builds(
    wire.Grad.of,
    run_id=run_ids,
    round_index=rounds,
    codes=st.lists(st.integers(-127, 127), min_size=1, max_size=wire.MAX_PROBES).map(tuple),
)
families = st.sampled_from(["additive", "filter_feature", "warp_filter_feature"])
sha = st.binary(min_size=32, max_size=32)
cloud_hellos = st.builds(
    wire.CloudHello, version=st.just(1), families=st.lists(families, min_size=1, max_size=4)
)
model_requests = st.builds(wire.ModelRequest, version=st.just(1), family=families)
model_blobs = st.builds(
    wire.ModelBlob, version=st.just(1), family=families, onnx=st.binary(max_size=2000), sha256=sha
)
image_uploads = st.integers(0, 8).flatmap(
    lambda k: st.builds(
        wire.ImageUpload,
        version=st.just(1),
        model_sha256=sha,
        side=st.just(16),
        images=st.binary(min_size=k * 256, max_size=k * 256),
        scores=st.lists(finite, min_size=k, max_size=k),
        domain=st.integers(0, 255),
    )
)
upload_acks = st.builds(wire.UploadAck, version=st.just(1), prompt_version=uint63)
prompts = st.builds(
    wire.Prompt,
    version=st.just(1),
    device=st.text(min_size=1, max_size=128),
    family=families,
    prompt_version=uint63,
    data=st.binary(max_size=wire.MAX_PROMPT_BYTES),
    sha256=sha,
    domain=st.integers(0, 255),
)
prompt_requests = st.builds(
    wire.PromptRequest, version=st.just(1), family=families, after_version=uint63
)


def _signed_prompt(prompt: wire.Prompt, seed: bytes, seq: int) -> SignedRecord:
    return wire.sign_record(seed, wire.PROMPTS_TOPIC, seq, 1, wire.encode(prompt))


prompt_replies = st.builds(
    wire.PromptReply,
    version=st.just(1),
    record=st.none()
    | st.builds(
        _signed_prompt,
        prompts,
        st.binary(min_size=32, max_size=32),
        st.integers(0, 2**63 - 1),
    ),
)
sample_requests = st.builds(
    wire.SampleRequest, version=st.just(1), topic=topics, limit=st.integers(1, 1024)
)
heads_requests = st.builds(
    wire.SyncHeadsRequest,
    version=st.just(1),
    topics=st.lists(topics, max_size=wire.MAX_HEADS_TOPICS),
)
heads_responses = st.builds(
    wire.SyncHeadsResponse,
    version=st.just(1),
    heads=st.lists(uint63, max_size=wire.MAX_HEADS_TOPICS),
)
checkpoint_requests = st.builds(
    wire.CheckpointRequest, version=st.just(1), run_id=run_ids, round=rounds
)
checkpoint_blobs = st.builds(
    wire.CheckpointBlob,
    version=st.just(1),
    run_id=run_ids,
    round=rounds,
    tensors=st.binary(max_size=3000),
    window=st.lists(
        st.builds(
            wire.WindowKey,
            version=st.just(1),
            round=rounds,
            author=st.text(min_size=1, max_size=128),
        ),
        max_size=20,
    ),
)
theta_hashes = st.builds(
    wire.ThetaHash,
    version=st.just(1),
    run_id=run_ids,
    round=rounds,
    sha256=st.binary(min_size=32, max_size=32),
)


def _note_record(seed: bytes = SEED_A, seq: int = 1) -> SignedRecord:
    body = wire.encode(Note(1, f"note {seq}", 0.25 * seq))
    return wire.sign_record(seed, wire.NOTES_TOPIC, seq, 1_700_000_000_000 + seq, body)


def _public(seed: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()


# ---- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "strategy",
    [
        records,
        batches,
        sync_requests,
        sync_responses,
        packed_sync_responses,
        notes,
        clicks,
        run_specs,
        grads,
        theta_hashes,
        cloud_hellos,
        model_requests,
        model_blobs,
        image_uploads,
        upload_acks,
        prompts,
        prompt_requests,
        prompt_replies,
        checkpoint_requests,
        checkpoint_blobs,
        heads_requests,
        heads_responses,
        sample_requests,
    ],
    ids=[
        "record",
        "batch",
        "sync_request",
        "sync_response",
        "packed_sync_response",
        "note",
        "click",
        "run_spec",
        "grad",
        "theta_hash",
        "cloud_hello",
        "model_request",
        "model_blob",
        "image_upload",
        "upload_ack",
        "prompt",
        "prompt_request",
        "prompt_reply",
        "checkpoint_request",
        "checkpoint_blob",
        "heads_request",
        "heads_response",
        "sample_request",
    ],
)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_encode_decode_round_trip(strategy: st.SearchStrategy[msgspec.Struct], data: Any) -> None:
    message = data.draw(strategy)
    raw = wire.encode(message)
    decoded = DECODERS[type(message)](raw)
    assert decoded == message
    assert type(decoded) is type(message)


@settings(max_examples=40, deadline=None)
@given(topic=topics, seq=uint63, ts_ms=uint63, body=st.binary(max_size=2000))
def test_sign_verify_round_trip(topic: str, seq: int, ts_ms: int, body: bytes) -> None:
    record = wire.sign_record(SEED_A, topic, seq, ts_ms, body)
    assert record.author == _public(SEED_A)
    again = wire.decode_record(wire.encode(record))
    wire.verify_record(again)


def test_check_record_accepts_a_valid_note_record() -> None:
    wire.check_record(_note_record())


# ---- signatures -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topic", "byteswarm/notez"),
        ("seq", 2),
        ("ts_ms", 0),
        ("body", wire.encode(Note(1, "note 1", 0.5))),
        ("sig", bytes(64)),
    ],
)
def test_tampered_record_is_refused(field: str, value: object) -> None:
    record = _note_record(seq=1)
    wire.verify_record(record)
    tampered = msgspec.structs.replace(record, **{field: value})
    with pytest.raises(WireError):
        wire.verify_record(tampered)
    with pytest.raises(WireError):
        wire.check_record(tampered)


@pytest.mark.parametrize("bit", [0, 7, 100, 511])
def test_signature_bit_flip_is_refused(bit: int) -> None:
    record = _note_record()
    sig = bytearray(record.sig)
    sig[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(WireError):
        wire.verify_record(msgspec.structs.replace(record, sig=bytes(sig)))


def test_record_claiming_another_author_is_refused() -> None:
    record = _note_record(seed=SEED_A)
    forged = msgspec.structs.replace(record, author=_public(SEED_B))
    with pytest.raises(WireError, match="does not verify"):
        wire.verify_record(forged)


def test_author_that_is_not_a_curve_point_raises_wire_error_only() -> None:
    record = _note_record()
    for author in (bytes(32), b"\xff" * 32, bytes([1] + [0] * 31)):
        with pytest.raises(WireError):
            wire.verify_record(msgspec.structs.replace(record, author=author))


def test_check_record_requires_a_valid_body_for_the_topic() -> None:
    bad_body = wire.sign_record(SEED_A, wire.NOTES_TOPIC, 1, 1, b"not a note")
    wire.verify_record(bad_body)  # the signature itself is fine
    with pytest.raises(WireError):
        wire.check_record(bad_body)
    unknown_topic = wire.sign_record(SEED_A, "nobody/serves/this", 1, 1, b"")
    with pytest.raises(WireError, match="no body decoder"):
        wire.check_record(unknown_topic)


def test_sign_record_refuses_what_peers_would_refuse() -> None:
    with pytest.raises(WireError):
        wire.sign_record(SEED_A, "Upper/Case", 1, 1, b"")
    with pytest.raises(WireError):
        wire.sign_record(SEED_A, "ok", -1, 1, b"")
    with pytest.raises(WireError):
        wire.sign_record(SEED_A, "ok", 1, 2**63, b"")
    with pytest.raises(WireError):
        wire.sign_record(SEED_A, "ok", 1, 1, bytes(MAX_BODY_BYTES + 1))
    with pytest.raises(WireError):
        wire.sign_record(SEED_A[:31], "ok", 1, 1, b"")


# ---- golden bytes -----------------------------------------------------------------------


def test_signing_bytes_follow_the_msgpack_spec_by_hand() -> None:
    body = b"ab"
    expected = (
        b"byteswarm/record/v1\0"
        + b"\x96"  # fixarray of 6
        + b"\x01"  # version
        + b"\xaf"
        + b"byteswarm/notes"  # fixstr of 15
        + b"\xc4\x20"
        + RFC8032_PUBLIC  # bin8 of 32
        + b"\x07"  # seq
        + b"\xcf"
        + (1_700_000_000_000).to_bytes(8, "big")  # uint64
        + b"\xc4\x02"
        + body
    )
    got = wire.record_signing_bytes(
        1, "byteswarm/notes", RFC8032_PUBLIC, 7, 1_700_000_000_000, body
    )
    assert got == expected


def test_golden_record_bytes() -> None:
    body = wire.encode(Note(1, "hello", 0.5))
    assert body == b"\x93\x01\xa5hello\xcb" + struct.pack(">d", 0.5)
    record = wire.sign_record(RFC8032_SEED, wire.NOTES_TOPIC, 7, 1_700_000_000_000, body)
    assert record.author == RFC8032_PUBLIC
    assert wire.encode(record) == GOLDEN_RECORD
    decoded = wire.decode_record(GOLDEN_RECORD)
    assert decoded == record
    wire.check_record(decoded)
    assert wire.decode_body(decoded.topic, decoded.body) == Note(1, "hello", 0.5)


# ---- refusals ---------------------------------------------------------------------------


def _examples() -> list[msgspec.Struct]:
    record = _note_record()
    return [
        record,
        RecordBatch(1, [record, _note_record(seq=2)]),
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
    record = msgspec.structs.replace(_note_record(), **{field: value})
    with pytest.raises(WireError):
        wire.decode_record(msgspec.msgpack.encode(record))
    with pytest.raises(WireError):
        wire.encode(record)


def test_list_lengths_at_and_over_their_limits() -> None:
    record = _note_record()
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
    batch = RecordBatch(1, [_note_record(seq=i) for i in range(1, 4)])
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


# ---- topic bodies -----------------------------------------------------------------------


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    from node.wire import base

    monkeypatch.setattr(base, "_BODY_DECODERS", dict(base._BODY_DECODERS))


def test_notes_topic_is_registered_at_import() -> None:
    assert wire.decode_body("byteswarm/notes", wire.encode(Note(1, "n", 1.0))) == Note(1, "n", 1.0)
    with pytest.raises(WireError):
        wire.decode_body("byteswarm/notes", b"\x93\x01\xa1x")


@pytest.mark.usefixtures("registry")
def test_longest_prefix_wins_on_segment_boundaries() -> None:
    wire.register_body("svc", lambda body: ("svc", body))
    wire.register_body("svc/run", lambda body: ("svc/run", body))
    wire.register_body("pre/", lambda body: ("pre/", body))
    assert wire.decode_body("svc", b"x") == ("svc", b"x")
    assert wire.decode_body("svc/other", b"x") == ("svc", b"x")
    assert wire.decode_body("svc/run", b"x") == ("svc/run", b"x")
    assert wire.decode_body("svc/run/42", b"x") == ("svc/run", b"x")
    assert wire.decode_body("svc/running", b"x") == ("svc", b"x")
    assert wire.decode_body("pre/a", b"x") == ("pre/", b"x")
    for unknown in ("svcx", "sv", "other/svc", "byteswarm/notes2"):
        with pytest.raises(WireError, match="no body decoder"):
            wire.decode_body(unknown, b"x")


@pytest.mark.usefixtures("registry")
def test_register_body_refuses_bad_prefixes_and_conflicts() -> None:
    def decoder(body: bytes) -> object:
        return body

    wire.register_body("svc", decoder)
    wire.register_body("svc", decoder)  # the same decoder again is harmless
    with pytest.raises(ValueError, match="already has"):
        wire.register_body("svc", lambda body: body)
    for bad in ("", "Svc", "svc\n", "a" * 129):
        with pytest.raises(ValueError, match="not a valid topic prefix"):
            wire.register_body(bad, decoder)


@pytest.mark.usefixtures("registry")
def test_a_failing_body_decoder_becomes_wire_error() -> None:
    def broken(body: bytes) -> object:
        known: dict[bytes, object] = {}
        return known[body]

    wire.register_body("broken", broken)
    with pytest.raises(WireError, match="bad body"):
        wire.decode_body("broken/x", b"k")


def test_oversize_body_is_refused_before_its_decoder_runs() -> None:
    with pytest.raises(WireError, match="body exceeds"):
        wire.decode_body("byteswarm/notes", bytes(MAX_BODY_BYTES + 1))


def test_wire_imports_neither_libp2p_nor_trio() -> None:
    code = (
        "import sys, node.wire; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'libp2p', 'trio', 'base58'}); "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_click_round_trip_and_limits() -> None:
    click = wire.Click(wire.WIRE_VERSION, "jazz", ["a", "b"], "b")
    body = wire.encode(click)
    assert wire.decode_click(body) == click
    assert wire.decode_body(wire.CLICKS_TOPIC, body) == click
    for bad in (
        wire.Click(wire.WIRE_VERSION, "jazz", ["a"] * (wire.MAX_SHOWN + 1), "a"),
        wire.Click(wire.WIRE_VERSION, "", ["a"], "a"),
        wire.Click(wire.WIRE_VERSION, "jazz", ["a"], "x" * (wire.MAX_ITEM_ID_CHARS + 1)),
    ):
        with pytest.raises(wire.WireError):
            wire.decode_click(msgspec.msgpack.encode(msgspec.structs.astuple(bad)))


def test_an_upload_whose_pixels_do_not_match_its_scores_is_refused() -> None:
    bad = wire.ImageUpload(wire.WIRE_VERSION, bytes(32), 16, bytes(3 * 256), [0.1, 0.2])
    with pytest.raises(wire.WireError, match="do not match"):
        wire.decode_image_upload(wire.encode(bad))


def test_a_domain_id_outside_one_byte_is_refused_on_uploads_and_prompts() -> None:
    upload = wire.ImageUpload(wire.WIRE_VERSION, bytes(32), 16, bytes(256), [0.1], 255)
    assert wire.decode_image_upload(wire.encode(upload)).domain == 255
    prompt = wire.Prompt(1, "12D3KooW", "warp_filter_feature", 3, bytes(8), bytes(32), 7)
    assert wire.decode_prompt(wire.encode(prompt)).domain == 7
    for bad in (
        msgspec.structs.replace(upload, domain=256),
        msgspec.structs.replace(upload, domain=-1),
        msgspec.structs.replace(prompt, domain=256),
    ):
        raw = msgspec.msgpack.encode(msgspec.structs.astuple(bad))
        decode = wire.decode_prompt if isinstance(bad, wire.Prompt) else wire.decode_image_upload
        with pytest.raises(WireError):
            decode(raw)


def test_prompt_reply_refuses_a_record_of_another_topic_or_a_bad_signature() -> None:
    prompt = wire.Prompt(1, "12D3KooW", "additive", 3, bytes(8), bytes(32))
    note_topic = wire.sign_record(SEED_A, wire.NOTES_TOPIC, 1, 1, wire.encode(Note(1, "x", 0.0)))
    with pytest.raises(WireError, match="topic"):
        wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, note_topic)))
    good = _signed_prompt(prompt, SEED_A, 3)
    forged = msgspec.structs.replace(good, author=_public(SEED_B))
    with pytest.raises(WireError):
        wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, forged)))
    assert wire.decode_prompt_reply(wire.encode(wire.PromptReply(1, good))).record == good


def test_old_click_bodies_decode_with_position_from_the_page() -> None:
    old = msgspec.msgpack.encode((wire.WIRE_VERSION, "jazz", ["a", "b", "c"], "b"))
    click = wire.decode_click(old)
    assert (click.shown, click.clicked, click.position) == (["a", "b", "c"], "b", 0)
    compact = wire.Click(wire.WIRE_VERSION, "jazz", [], "b", 2)
    assert wire.decode_click(wire.encode(compact)) == compact
    assert len(wire.encode(compact)) < len(old)
    for position in (-1, wire.MAX_CLICK_POSITION + 1):
        with pytest.raises(WireError):
            wire.decode_click(msgspec.msgpack.encode((1, "jazz", [], "b", position)))


# ---- packed sync responses ---------------------------------------------------------------


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
    records = [_note_record(SEED_A, 1), _note_record(SEED_B, 1), _note_record(SEED_A, 2)]
    response = SyncResponse(1, records, 9, True)
    raw = wire.encode(wire.pack_sync_response(response, wire.NOTES_TOPIC))
    back = wire.unpack_sync_response(wire.decode_packed_sync_response(raw))
    assert back == response
    for record in back.records:
        wire.check_record(record)
    assert len(raw) <= len(wire.encode(response)) - 2 * (16 + 16)  # 2 topics + 1 key saved
    forged = msgspec.structs.replace(
        wire.decode_packed_sync_response(raw), authors=[_public(SEED_B), _public(SEED_A)]
    )
    for record in wire.unpack_sync_response(forged).records:
        with pytest.raises(WireError, match="does not verify"):
            wire.check_record(record)


def test_pack_refuses_records_of_another_topic() -> None:
    response = SyncResponse(1, [_note_record()], 1, False)
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
    record = _note_record()
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


def test_grad_codes_are_int8_within_127() -> None:
    grad = wire.decode_grad(wire.encode(wire.Grad.of("r", 3, (-127, 0, 5, 127))))
    assert grad.values == (-127, 0, 5, 127)
    with pytest.raises(wire.WireError, match="-128"):
        wire.decode_grad(wire.encode(wire.Grad(1, "r", 3, bytes([0x80]))))
    with pytest.raises(wire.WireError, match="outside"):
        wire.Grad.of("r", 3, (128,))
    with pytest.raises(wire.WireError):
        wire.decode_grad(wire.encode(wire.Grad(1, "r", 3, b"")))
    too_many = bytes(wire.MAX_PROBES + 1)
    with pytest.raises(wire.WireError):
        wire.decode_grad(msgspec.msgpack.encode((1, "r", 3, too_many)))


def test_a_run_spec_without_later_fields_decodes_with_their_defaults() -> None:
    spec = wire.RunSpec(
        1, "r", "tiny", "shared", 5e-3, 1e-3, 0.05, 10, 1000, 0, 5, 8, bytes(32), "x", True, 4
    )
    spec = msgspec.structs.replace(spec, decay_floor=0.1, rules=2)
    assert wire.decode_run_spec(wire.encode(spec)) == spec
    session_2 = msgspec.msgpack.encode(msgspec.structs.astuple(spec)[:-5])
    legacy = wire.decode_run_spec(session_2)  # no probes, decay_floor, rules
    assert (legacy.probes, legacy.decay_floor, legacy.rules) == (1, 1.0, 1)
    session_3 = msgspec.msgpack.encode(msgspec.structs.astuple(spec)[:-2])
    gossiped = wire.decode_run_spec(session_3)  # no grads_by, pull_every
    assert (gossiped.grads_by, gossiped.pull_every, gossiped.rules) == ("gossip", 8, 2)


def test_a_run_spec_with_an_unknown_transport_or_pull_period_is_refused() -> None:
    spec = wire.RunSpec(
        1, "r", "tiny", "shared", 5e-3, 1e-3, 0.05, 10, 1000, 0, 5, 8, bytes(32), "x", True, 4
    )
    pulled = msgspec.structs.replace(spec, grads_by="pull", pull_every=16)
    assert wire.decode_run_spec(wire.encode(pulled)) == pulled
    fields = list(msgspec.structs.astuple(pulled))
    for bad in (("push", 16), ("pull", 0), ("pull", wire.finetune.MAX_PULL_EVERY + 1)):
        fields[-2:] = bad
        with pytest.raises(wire.WireError):
            wire.decode_run_spec(msgspec.msgpack.encode(fields))
