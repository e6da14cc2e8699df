"""Dialing: a peer by id at candidate addresses, the bootstrap peers kept connected, and
py-libp2p's own auto-connector switched off.

py-libp2p 0.8.1's ``AutoConnector`` redials every peer in the peerstore (whose addresses any
peer can fill through identify, up to 1,000 each) every 30 s while below 150 connections,
every 10 s below 50, and again on each disconnect. We never want that: discovery
(node/runtime/discovery.py) decides whom to dial, with per-peer backoff, bans and caps.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
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


async def dial(host: Any, peer_id: str, addrs: Sequence[str], timeout: float) -> None:
    """Connect to ``peer_id`` at one of ``addrs`` (no /p2p/ suffix) within ``timeout``;
    raises on failure (a wrong peer at the address fails the Noise handshake)."""
    info = PeerInfo(ID.from_base58(peer_id), [multiaddr.Multiaddr(a) for a in addrs])
    with trio.fail_after(timeout):
        await host.connect(info)


async def connect_to(
    host: Any, addr: multiaddr.Multiaddr, timeout: float, error: type[Exception]
) -> str:
    """Dial a ``.../p2p/ID`` address; returns the peer id, raises ``error`` on failure."""
    try:
        info = info_from_p2p_addr(addr)
    except Exception as exc:
        raise error(f"bad peer address {str(addr)!r} (needs /p2p/<peer id>): {exc}") from exc
    try:
        with trio.fail_after(timeout):
            await host.connect(info)
    except Exception as exc:
        raise error(f"cannot connect to {addr}: {exc!r}") from exc
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
    is ``held`` (it trimmed our link after saying it was full: node/net/links.py)."""
    delays: dict[str, float] = {}
    next_try: dict[str, float] = {}
    while True:
        now = trio.current_time()
        up = set(connected())
        for addr in config.bootstrap:
            peer = addr.rsplit("/p2p/", 1)[-1]
            if peer in up or next_try.get(addr, 0.0) > now or held(peer):
                continue
            try:
                await connect(addr)
                delays.pop(addr, None)
                log.info("connected to bootstrap peer %s", peer)
            except error as exc:
                delay = min(delays.get(addr, 0.5) * 2, config.reconnect_max_backoff)
                delays[addr] = delay
                next_try[addr] = now + delay
                log.info("bootstrap %s unreachable, retry in %.1fs: %s", addr, delay, exc)
        await trio.sleep(0.5)
