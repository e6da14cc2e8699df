"""Peer exchange: ask a connected peer for a bounded sample of the peers it knows.

Everything in an answer is a hint from an untrusted peer: an address counts only once a
dial to it succeeded (node/runtime/peer_book.py), so the limits here only bound what one
answer can cost us to read and keep.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from node.wire.base import LimitedDecoder, Uint63, WireError, WireMessage

PEX_PROTOCOL = "/byteswarm/peers/1.1.0"
"""1.1.0: an answer carries ``full`` (1.0.0 had no such field); a 1.0.0 node fails to
negotiate the protocol instead of refusing the longer answer as a protocol error."""
MAX_PEX_PEERS = 32
"""Peers in one answer."""
MAX_PEX_ADDRS = 4
"""Addresses per peer in one answer (and kept per peer in our book)."""
MAX_ADDR_CHARS = 128
MAX_PEER_ID_CHARS = 64
MAX_PEX_REQUEST_BYTES = 64
MAX_PEX_RESPONSE_BYTES = 64 + MAX_PEX_PEERS * (
    MAX_PEER_ID_CHARS + MAX_PEX_ADDRS * (MAX_ADDR_CHARS + 3) + 32
)
"""~21 KiB: a full answer with every field at its longest."""

Role = Literal["", "device", "cloud"]
"""A peer's role as far as the answerer knows ("" unknown)."""
BASE58 = r"^[1-9A-HJ-NP-Za-km-z]+\Z"
PeerIdText = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_PEER_ID_CHARS, pattern=BASE58)
]
AddrText = Annotated[
    str, msgspec.Meta(min_length=1, max_length=MAX_ADDR_CHARS, pattern=r"^/[A-Za-z0-9/._:-]+\Z")
]


class PeersRequest(WireMessage, frozen=True):
    """Ask for up to ``want`` peers; ``role`` is the asker's own (how clouds get found)."""

    want: Annotated[int, msgspec.Meta(ge=1, le=MAX_PEX_PEERS)]
    role: Role


class PeerHint(WireMessage, frozen=True):
    """One peer the answerer reached itself: id, dialable addresses (no /p2p/ suffix),
    role if known, and how long ago the answerer last saw it connected."""

    peer_id: PeerIdText
    addrs: Annotated[list[AddrText], msgspec.Meta(min_length=1, max_length=MAX_PEX_ADDRS)]
    role: Role
    seen_ago_s: Uint63


class PeersResponse(WireMessage, frozen=True):
    """The answerer's role and a sample of its peers; ``full``: the answerer is above its
    connection high-water mark and may close our link: do not redial it soon if it does
    (node/runtime/conn_manager.py)."""

    role: Role
    peers: Annotated[list[PeerHint], msgspec.Meta(max_length=MAX_PEX_PEERS)]
    full: bool = False


def _no_wildcards(response: PeersResponse) -> None:
    for hint in response.peers:
        for addr in hint.addrs:
            if "/p2p/" in addr or addr.startswith(("/ip4/0.0.0.0/", "/ip6/::/")):
                raise WireError(f"PeersResponse: undialable address {addr!r:.140}")


decode_peers_request = LimitedDecoder(PeersRequest, MAX_PEX_REQUEST_BYTES)
decode_peers_response = LimitedDecoder(PeersResponse, MAX_PEX_RESPONSE_BYTES, _no_wildcards)
