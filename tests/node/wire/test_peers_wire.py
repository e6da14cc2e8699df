"""The peer-exchange codec: bounded, typed, strict (issue 21 item 1)."""

from __future__ import annotations

import contextlib

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from node import wire
from node.wire.peers import (
    MAX_PEX_ADDRS,
    MAX_PEX_PEERS,
    MAX_PEX_RESPONSE_BYTES,
    PeerHint,
    PeersRequest,
    PeersResponse,
    decode_peers_request,
    decode_peers_response,
)

V = wire.WIRE_VERSION
PEER = "12D3KooWAmQZA6RXCVfcMFwFxXZMR6bZ4V3vqFG7DqupDUmo1VZp"
raw = msgspec.msgpack.encode

peer_ids = st.text(
    alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", min_size=1, max_size=64
)
addrs = st.builds(
    lambda a, b, c, d, port: f"/ip4/{a}.{b}.{c}.{d}/tcp/{port}",
    *(st.integers(1, 254) for _ in range(4)),
    st.integers(1, 65535),
)
hints = st.builds(
    lambda p, a, r, s: PeerHint(V, p, a, r, s),
    peer_ids,
    st.lists(addrs, min_size=1, max_size=MAX_PEX_ADDRS),
    st.sampled_from(["", "device", "cloud"]),
    st.integers(0, 2**63 - 1),
)


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(["", "device", "cloud"]), st.lists(hints, max_size=MAX_PEX_PEERS))
def test_every_valid_answer_round_trips_within_the_limit(role: str, peers: list[PeerHint]) -> None:
    data = wire.encode(PeersResponse(V, role, peers))  # type: ignore[arg-type]
    assert len(data) <= MAX_PEX_RESPONSE_BYTES
    assert decode_peers_response(data) == PeersResponse(V, role, peers)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_raise_wire_error_only(data: bytes) -> None:
    for decode in (decode_peers_request, decode_peers_response):
        with contextlib.suppress(wire.WireError):
            decode(data)


def hint(
    peer: str = PEER, addrs: object = ("/ip4/10.0.0.2/tcp/4001",), seen: object = 3
) -> list[object]:
    return [V, peer, list(addrs), "", seen]  # type: ignore[call-overload]


def test_an_answer_of_10000_peers_is_refused() -> None:
    with pytest.raises(wire.WireError):
        decode_peers_response(raw([V, "", [hint()] * 10_000]))
    with pytest.raises(wire.WireError):  # even under a generous byte limit
        decode_peers_response(raw([V, "", [hint()] * 10_000]), 10_000_000)


@pytest.mark.parametrize(
    "bad",
    [
        hint(addrs=[f"/ip4/10.0.0.{i}/tcp/1" for i in range(MAX_PEX_ADDRS + 1)]),  # too many
        hint(addrs=[]),  # none
        hint(addrs=["/ip4/0.0.0.0/tcp/4001"]),  # the wildcard
        hint(addrs=["/ip6/::/tcp/4001"]),
        hint(addrs=["/ip4/10.0.0.2/tcp/4001/p2p/" + PEER]),  # someone else's id inside
        hint(addrs=["not an address"]),
        hint(addrs=["/ip4/10.0.0.2/tcp/" + "1" * 200]),  # oversize
        hint(peer="0OIl"),  # not base58
        hint(peer="x" * 65),
        hint(seen=float("nan")),
        hint(seen=-1),
        [V, PEER, ["/ip4/10.0.0.2/tcp/1"], "", 3, "extra"],  # an unknown field
        [V, PEER, ["/ip4/10.0.0.2/tcp/1"], "admin", 3],  # an unknown role
    ],
)
def test_bad_hints_are_refused(bad: list[object]) -> None:
    with pytest.raises(wire.WireError):
        decode_peers_response(raw([V, "", [bad]]))


def test_requests_are_bounded_and_strict() -> None:
    assert decode_peers_request(wire.encode(PeersRequest(V, 8, "cloud"))).want == 8
    for bad in ([V, 0, ""], [V, MAX_PEX_PEERS + 1, ""], [V, 8, "", 1], [V, float("nan"), ""]):
        with pytest.raises(wire.WireError):
            decode_peers_request(raw(bad))
    with pytest.raises(wire.WireError):
        decode_peers_request(b"\x90" * 100)  # oversize before decoding
