"""Signed records: tampering, forged authors and keys off the curve are refused; golden bytes
pin the signing layout."""

from __future__ import annotations

import struct

import msgspec
import pytest

from node import wire
from node.wire import MAX_BODY_BYTES, Note, WireError
from tests.node.wire.samples import (
    RFC8032_PUBLIC,
    RFC8032_SEED,
    SEED_A,
    SEED_B,
    note_record,
    public_key,
)

GOLDEN_RECORD = bytes.fromhex(
    "9701af62797465737761726d2f6e6f746573c420d75a980182b10ab7d54bfed3c964073a0ee172f3"
    "daa62325af021a68f707511a07cf0000018bcfe56800c4119301a568656c6c6fcb3fe00000000000"
    "00c440a6286c53330a2f43c883a733560fd9d956f2c2b583ce614bc064f654492ca0069bc84f30ca"
    "8e8220cacec738a774b8c8b325c0940428cae09f88440472d3d20c"
)


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
    record = note_record(seq=1)
    wire.verify_record(record)
    tampered = msgspec.structs.replace(record, **{field: value})
    with pytest.raises(WireError):
        wire.verify_record(tampered)
    with pytest.raises(WireError):
        wire.check_record(tampered)


@pytest.mark.parametrize("bit", [0, 7, 100, 511])
def test_signature_bit_flip_is_refused(bit: int) -> None:
    record = note_record()
    sig = bytearray(record.sig)
    sig[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(WireError):
        wire.verify_record(msgspec.structs.replace(record, sig=bytes(sig)))


def test_record_claiming_another_author_is_refused() -> None:
    record = note_record(seed=SEED_A)
    forged = msgspec.structs.replace(record, author=public_key(SEED_B))
    with pytest.raises(WireError, match="does not verify"):
        wire.verify_record(forged)


def test_author_that_is_not_a_curve_point_raises_wire_error_only() -> None:
    record = note_record()
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
