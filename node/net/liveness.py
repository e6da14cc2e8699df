"""Liveness: ping every connected peer; a peer that stops answering is disconnected.

py-libp2p 0.8.1 notices no dead peer on its own: yamux measures an RTT every so often but
never closes a connection whose pings go unanswered, its health monitor is off by default,
and TCP keeps a connection to a SIGSTOPped process or a downed link "connected" for
minutes (150 s and more measured in issue 21). Here each connected peer gets one kept
``/ipfs/ping/1.0.0`` stream (what every libp2p host serves): 32 random bytes every
``ping_interval`` seconds, echoed within ``ping_timeout`` or the peer's connections are
closed. A dead peer is noticed within ``ping_interval + ping_timeout`` seconds; redialing
it is discovery's business (node/runtime/discovery.py).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from typing import Any

import trio
from libp2p.custom_types import TProtocol
from libp2p.host.ping import ID as PING_PROTOCOL_ID
from libp2p.peer.id import ID

from node.config.network import LivenessConfig
from node.net.framing import read_exactly

PING_BYTES = 32


class Liveness:
    """One pinger task per connected peer; RTTs for the status document."""

    def __init__(
        self,
        host: Any,
        config: LivenessConfig,
        counters: Counter[str],
        log: logging.Logger,
    ) -> None:
        self.host = host
        self.config = config
        self.counters = counters
        self.log = log
        self.rtt_ms: dict[str, float] = {}
        self._pinging: set[str] = set()

    async def run(self) -> None:
        """Start a pinger for each newly connected peer, until cancelled."""
        async with trio.open_nursery() as nursery:
            while True:
                for pid in self.host.get_connected_peers():
                    peer = pid.to_base58()
                    if peer not in self._pinging:
                        self._pinging.add(peer)
                        nursery.start_soon(self._pinger, peer)
                await trio.sleep(0.25)

    def connected(self, peer: str) -> bool:
        return bool(self.host.get_network().get_connections(ID.from_base58(peer)))

    async def _pinger(self, peer: str) -> None:
        try:
            while self.connected(peer):
                dead = await self._ping_stream(peer)
                if dead:
                    await self._drop(peer)
                    return
                await trio.sleep(self.config.ping_interval)
        finally:
            self._pinging.discard(peer)
            self.rtt_ms.pop(peer, None)

    async def _ping_stream(self, peer: str) -> bool:
        """Ping ``peer`` on one kept stream until it fails; True when the peer is dead
        (no answer in time), False when only the stream broke (opened again)."""
        timeout = self.config.ping_timeout
        stream = None
        try:
            with trio.fail_after(timeout):
                stream = await self.host.new_stream(
                    ID.from_base58(peer), [TProtocol(str(PING_PROTOCOL_ID))]
                )
            while True:
                payload = os.urandom(PING_BYTES)
                start = trio.current_time()
                with trio.fail_after(timeout):
                    await stream.write(payload)
                    echo = await read_exactly(stream, PING_BYTES)
                if echo != payload:
                    self.counters["ping_mismatch"] += 1
                    return False
                self.rtt_ms[peer] = round((trio.current_time() - start) * 1000, 1)
                self.counters["pings"] += 1
                await trio.sleep(self.config.ping_interval)
        except trio.TooSlowError:
            return self.connected(peer)
        except Exception as exc:  # reset, closed connection: look again after the interval
            self.log.debug("ping stream to %s ended: %r", peer, exc)
            return False
        finally:
            if stream is not None:
                with (
                    trio.CancelScope(shield=True),
                    trio.move_on_after(1),
                    contextlib.suppress(Exception),
                ):
                    await stream.reset()

    async def _drop(self, peer: str) -> None:
        self.counters["peers_dead"] += 1
        timeout = self.config.ping_timeout
        self.log.info("peer %s did not answer a ping in %.0f s: disconnecting", peer, timeout)
        with trio.move_on_after(2), contextlib.suppress(Exception):
            await self.host.disconnect(ID.from_base58(peer))
