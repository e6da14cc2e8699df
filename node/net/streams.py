"""Opening a stream on a chosen connection: a peer's newest live one, or a given one.

Why not ``host.new_stream``: when a peer restarts with the same identity while its old
connection is still open on our side (it vanished without a FIN: a crash, a cut link, an
isolated node restarted), we hold two connections to one peer id, and py-libp2p 0.8.1's
swarm opens every new stream on its "best" connection: the one with the most open streams,
ties broken by ``id(conn)`` (a memory address). The stale connection carries the streams
its dead peer never closed (gossip, ping, request channel), so it wins, and every new
stream goes into the void until something closes it (issue 21, docs/architecture.md §9).
The newest connection is the one the peer made last: it is the live one when the other
is stale, and as good as any when both are live. A stale connection is closed by
liveness (``liveness.py`` pings each connection on a stream opened here).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import trio
from libp2p.custom_types import TProtocol
from libp2p.peer.id import ID
from libp2p.protocol_muxer.exceptions import MultiselectClientError, ProtocolNotSupportedError
from libp2p.protocol_muxer.multiselect_communicator import MultiselectCommunicator

NEGOTIATE_TIMEOUT = 30
"""Seconds for multistream-select on a stream we open (py-libp2p's default); every caller
bounds the whole open with its own, shorter deadline."""


def live_connections(host: Any, peer_id: str) -> list[Any]:
    """The peer's open connections, oldest first (the swarm appends new ones)."""
    conns = host.get_network().get_connections(ID.from_base58(peer_id))
    return [conn for conn in conns if not conn.is_closed]


def newest_connection(host: Any, peer_id: str) -> Any | None:
    """The connection the peer made last, or None when it is not connected."""
    conns = live_connections(host, peer_id)
    return conns[-1] if conns else None


async def open_stream(
    host: Any, peer_id: str, protocols: Sequence[str], conn: Any | None = None
) -> Any:
    """A stream speaking one of ``protocols`` on ``conn`` (default: the peer's newest
    connection; a peer we are not connected to is dialed by py-libp2p as usual).

    Raises what ``host.new_stream`` raises: a MultiselectClientError ("protocols not
    supported") when the peer refuses them all, anything else when the stream breaks."""
    wanted = [TProtocol(p) for p in protocols]
    conn = conn if conn is not None else newest_connection(host, peer_id)
    if conn is None:
        return await host.new_stream(ID.from_base58(peer_id), wanted)
    stream = await conn.new_stream()
    try:
        selected = await host.multiselect_client.select_one_of(
            wanted, MultiselectCommunicator(stream), NEGOTIATE_TIMEOUT
        )
    except BaseException:
        await reset_quietly(stream)
        raise
    stream.set_protocol(selected)
    return stream


async def reset_quietly(stream: Any) -> None:
    """Reset ``stream``, shielded and bounded: a dead connection must not hold us."""
    with trio.CancelScope(shield=True), trio.move_on_after(1.0), contextlib.suppress(Exception):
        await stream.reset()


def not_supported(exc: BaseException | None) -> bool:
    """Whether a failed stream open was the peer refusing every protocol offered.
    py-libp2p 0.8 raises a plain MultiselectClientError for that, told apart from a
    negotiation timeout or a broken stream only by its message."""
    while exc is not None:
        if isinstance(exc, ProtocolNotSupportedError):
            return True
        if isinstance(exc, MultiselectClientError):
            return str(exc).startswith("protocols not supported")
        exc = exc.__cause__ or exc.__context__
    return False
