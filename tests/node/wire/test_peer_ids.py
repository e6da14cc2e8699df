"""Peer ids: the libp2p layout of an Ed25519 key, its text form (cached per key), refusals."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node import wire
from node.wire import WireError
from tests.node.wire.samples import RFC8032_PUBLIC, SEED_A, public_key


@pytest.mark.parametrize("bad", [bytearray(32), b"\x01" * 31, b"\x01" * 33, "12D3KooW", None])
def test_anything_but_a_32_byte_key_is_refused(bad: object) -> None:
    with pytest.raises(wire.WireError):
        wire.peer_id_str(bad)  # type: ignore[arg-type]


def test_a_cached_answer_is_the_one_computed_for_that_key() -> None:
    keys = [bytes([n]) * 32 for n in range(40)]
    first = [wire.peer_id_str(key) for key in keys]
    again = [wire.peer_id_str(key) for key in reversed(keys)]
    assert first == list(reversed(again))
    assert len(set(first)) == len(keys)


def test_peer_id_layout_and_inverse() -> None:
    author = public_key(SEED_A)
    peer_id = wire.peer_id_from_author(author)
    assert peer_id == b"\x00\x24\x08\x01\x12\x20" + author
    assert wire.author_from_peer_id(peer_id) == author
    assert wire.peer_id_str(RFC8032_PUBLIC).startswith("12D3KooW")


@pytest.mark.parametrize(
    "peer_id",
    [
        b"",
        b"\x00\x24\x08\x01\x12\x20" + bytes(31),
        b"\x00\x24\x08\x01\x12\x20" + bytes(33),
        b"\x00\x24\x08\x00\x12\x20" + bytes(32),  # RSA key type
        b"\x12\x20" + bytes(36),  # sha2-256 multihash (keys too long to inline)
    ],
)
def test_non_ed25519_peer_ids_are_refused(peer_id: bytes) -> None:
    with pytest.raises(WireError):
        wire.author_from_peer_id(peer_id)


@settings(max_examples=30, deadline=None)
@given(seed=st.binary(min_size=32, max_size=32))
def test_peer_id_matches_libp2p(seed: bytes) -> None:
    import base58
    from libp2p.crypto.ed25519 import Ed25519PublicKey as Libp2pKey
    from libp2p.peer.id import ID

    author = public_key(seed)
    theirs = ID.from_pubkey(Libp2pKey.from_bytes(author))
    assert wire.peer_id_str(author) == theirs.to_base58()
    assert wire.peer_id_from_author(author) == theirs.to_bytes()
    assert wire.author_from_peer_id(theirs.to_bytes()) == author
    assert wire.peer_id_str(author) == base58.b58encode(theirs.to_bytes()).decode()
