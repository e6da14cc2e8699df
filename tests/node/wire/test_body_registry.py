"""The registry of record bodies per topic: the longest prefix wins, bad prefixes and
conflicts are refused, a failing decoder becomes WireError."""

from __future__ import annotations

import pytest

from node import wire
from node.wire import MAX_BODY_BYTES, Note, WireError


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
