"""Peer id text: cached per author, and still refusing what is not a 32-byte key."""

from __future__ import annotations

import pytest

from node import wire


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
