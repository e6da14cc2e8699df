"""Dialing: a peer by id at candidate addresses, the bootstrap peers kept connected,
py-libp2p's own dialing switched off (its auto-connector, and the dial hidden in opening a
stream), and every connection closed at shutdown.

py-libp2p 0.8.1's ``AutoConnector`` redials every peer in the peerstore (whose addresses any
peer can fill through identify, up to 1,000 each) every 30 s while below 150 connections,
every 10 s below 50, and again on each disconnect. We never want that: discovery
(node/runtime/discovery.py) decides whom to dial, with per-peer backoff, bans and caps.
In the same way ``Swarm.new_stream`` dials a peer it has no connection to: a catch-up
pull, a clock round trip or a ping stream that starts just after the connection manager
closed a peer's link would reconnect it, undoing the trim (found with one bootstrap and 32
leaves: the bootstrap kept trimming the same leaves, some reconnected by its own requests).
``only_our_dials`` also makes a stream to an unconnected peer fail instead; only ``dial`` and
``connect_to`` dial.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Any

import multiaddr
import trio
from libp2p.peer.id import ID
from libp2p.peer.peerinfo import PeerInfo, info_from_p2p_addr

from node.config.settings import NodeConfig


def switch_off_auto_connector(host: Any) -> None:
    """Keep the swarm's auto-connector from ever starting: its periodic task and its
    on-disconnect trigger both return at once while it is not started."""
    connector = host.get_network().auto_connector

    async def _never() -> None:
        return None

    connector.start = _never


SHORT_LINK = 30.0
"""Seconds a bootstrap link must last before its loss is redialed without backoff."""
_EXPLICIT: ContextVar[bool] = ContextVar("byteswarm_explicit_dial", default=False)
"""Set while ``dial`` or ``connect_to`` runs: the only dials ``no_implicit_dials`` lets by."""


class NotConnected(Exception):
    """A stream was asked of a peer we have no connection to (and we do not dial for it)."""


def only_our_dials(host: Any) -> None:
    """No auto-connector, and no dial for a stream."""
    switch_off_auto_connector(host)
    no_implicit_dials(host)


def no_implicit_dials(host: Any) -> None:
    """Refuse the swarm's dials that ``dial`` and ``connect_to`` did not ask for."""
    network = host.get_network()
    dial_peer = network.dial_peer

    async def explicit_only(peer_id: ID) -> Any:
        if not _EXPLICIT.get():
            raise NotConnected(f"not connected to {peer_id} (and not dialing it for a stream)")
        return await dial_peer(peer_id)

    network.dial_peer = explicit_only


async def dial(host: Any, peer_id: str, addrs: Sequence[str], timeout: float) -> None:
    """Connect to ``peer_id`` at one of ``addrs`` (no /p2p/ suffix) within ``timeout``;
    raises on failure (a wrong peer at the address fails the Noise handshake)."""
    info = PeerInfo(ID.from_base58(peer_id), [multiaddr.Multiaddr(a) for a in addrs])
    token = _EXPLICIT.set(True)
    try:
        with trio.fail_after(timeout):
            await host.connect(info)
    finally:
        _EXPLICIT.reset(token)


async def connect_to(
    host: Any, addr: multiaddr.Multiaddr, timeout: float, error: type[Exception]
) -> str:
    """Dial a ``.../p2p/ID`` address; returns the peer id, raises ``error`` on failure."""
    try:
        info = info_from_p2p_addr(addr)
    except Exception as exc:
        raise error(f"bad peer address {str(addr)!r} (needs /p2p/<peer id>): {exc}") from exc
    token = _EXPLICIT.set(True)
    try:
        with trio.fail_after(timeout):
            await host.connect(info)
    except Exception as exc:
        raise error(f"cannot connect to {addr}: {exc!r}") from exc
    finally:
        _EXPLICIT.reset(token)
    return str(info.peer_id.to_base58())


async def keep_bootstrap(
    config: NodeConfig,
    connect: Callable[[str], Awaitable[str]],
    connected: Callable[[], list[str]],
    held: Callable[[str], bool],
    log: logging.Logger,
    error: type[Exception],
) -> None:
    """Keep every bootstrap peer connected, with exponential backoff per peer; not one that
    is ``held`` (it trimmed our link after saying it was full: node/net/links.py). A link
    that lasted less than ``SHORT_LINK`` seconds does not reset the backoff: a bootstrap
    that closes us soon after we connect (a trim before we heard "full") is not redialed
    at once, again and again."""
    delays: dict[str, float] = {}
    next_try: dict[str, float] = {}
    linked: dict[str, float] = {}
    while True:
        now = trio.current_time()
        up = set(connected())
        for addr in config.bootstrap:
            peer = addr.rsplit("/p2p/", 1)[-1]
            if peer in up:
                if now - linked.get(addr, now) >= SHORT_LINK:
                    delays.pop(addr, None)  # a link that lasted: the next loss redials at once
                continue
            if addr in linked and now - linked.pop(addr) < SHORT_LINK:
                next_try[addr] = now + _later(delays, addr, config.reconnect_max_backoff)
            if next_try.get(addr, 0.0) > now or held(peer):
                continue
            try:
                await connect(addr)
                linked[addr] = trio.current_time()
                log.info("connected to bootstrap peer %s", peer)
            except error as exc:
                delay = _later(delays, addr, config.reconnect_max_backoff)
                next_try[addr] = now + delay
                log.info("bootstrap %s unreachable, retry in %.1fs: %s", addr, delay, exc)
        await trio.sleep(0.5)


async def hang_up(host: Any, within: float = 2.0) -> None:
    """Close every connection's socket, shielded, all at once, within ``within`` seconds.

    Run as the node stops, before py-libp2p's host is left. The swarm's own shutdown
    closes the connections inside the cancelled scope: ``SwarmConn.close`` marks the
    connection closed, then aborts at its first await, before the muxer closes the socket,
    and the later ``host.close()`` skips a connection marked closed. The socket stayed
    open until garbage collection, and each peer held a silent connection until its
    liveness pings gave up (issue 21). So the muxer is closed here directly, whatever
    the ``SwarmConn`` says.
    """

    async def close(conn: Any) -> None:
        with contextlib.suppress(Exception):
            if not conn.muxed_conn.is_closed:
                await conn.muxed_conn.close()
        with contextlib.suppress(Exception):
            await conn.close()

    with trio.CancelScope(shield=True), trio.move_on_after(within):
        async with trio.open_nursery() as nursery:
            for conn in host.get_network().get_connections():
                nursery.start_soon(close, conn)


def _later(delays: dict[str, float], addr: str, cap: float) -> float:
    delay = delays[addr] = min(delays.get(addr, 0.5) * 2, cap)
    return delay
