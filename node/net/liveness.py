"""Liveness: ping every connection; a connection that stops answering is closed.

py-libp2p 0.8.1 notices no dead peer on its own: yamux measures an RTT every so often but
never closes a connection whose pings go unanswered, its health monitor is off by default,
and TCP keeps a connection to a SIGSTOPped process or a downed link "connected" for
minutes (150 s and more measured in issue 21). Here each connection gets one kept
``/ipfs/ping/1.0.0`` stream (what every libp2p host serves), opened on that connection
(``streams.py``): 32 random bytes every ``ping_interval`` seconds, echoed within
``ping_timeout`` or that connection is closed. A dead peer is noticed within
``ping_interval + ping_timeout`` seconds; redialing it is discovery's business
(node/runtime/discovery.py).

Per connection, not per peer: a peer that restarted with the same key while its old
connection lingers (no FIN reached us) has two connections here. A ping stream opened by
peer id would ride either (py-libp2p picks the one with more streams: the stale one, or
the new one, by chance); on the new one it is answered and the stale connection, which
py-libp2p keeps choosing for new streams, stays for ever; closing the peer's every
connection on a silence would also cut the new one (issue 21).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from typing import Any

import trio
from libp2p.host.ping import ID as PING_PROTOCOL_ID

from node.config.network import LivenessConfig
from node.net.framing import read_exactly
from node.net.streams import live_connections, open_stream, reset_quietly

PING_BYTES = 32


class Liveness:
    """One pinger task per connection; RTTs per peer for the status document."""

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
        self._pinging: set[Any] = set()
        """The connections (py-libp2p ``SwarmConn``) with a pinger."""

    async def run(self) -> None:
        """Start a pinger for each new connection, until cancelled."""
        async with trio.open_nursery() as nursery:
            while True:
                for conn in self.host.get_network().get_connections():
                    if conn not in self._pinging and not conn.is_closed:
                        self._pinging.add(conn)
                        nursery.start_soon(self._pinger, conn)
                await trio.sleep(0.25)

    async def _pinger(self, conn: Any) -> None:
        peer = conn.muxed_conn.peer_id.to_base58()
        try:
            while not conn.is_closed:
                dead = await self._ping_stream(conn, peer)
                if dead:
                    await self._drop(conn, peer)
                    return
                await trio.sleep(self.config.ping_interval)
        finally:
            self._pinging.discard(conn)
            if not live_connections(self.host, peer):
                self.rtt_ms.pop(peer, None)

    async def _ping_stream(self, conn: Any, peer: str) -> bool:
        """Ping over one kept stream on ``conn`` until it fails; True when the connection
        is dead (no answer in time), False when only the stream broke (opened again)."""
        timeout = self.config.ping_timeout
        stream = None
        try:
            with trio.fail_after(timeout):
                stream = await open_stream(self.host, peer, [str(PING_PROTOCOL_ID)], conn)
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
            return not conn.is_closed
        except Exception as exc:  # reset, closed connection: look again after the interval
            self.log.debug("ping stream to %s ended: %r", peer, exc)
            return False
        finally:
            if stream is not None:
                await reset_quietly(stream)

    async def _drop(self, conn: Any, peer: str) -> None:
        self.counters["peers_dead"] += 1
        timeout = self.config.ping_timeout
        others = len(live_connections(self.host, peer)) - 1
        self.log.info(
            "peer %s did not answer a ping in %.0f s: closing that connection (%d other(s))",
            peer,
            timeout,
            others,
        )
        with trio.move_on_after(2), contextlib.suppress(Exception):
            await conn.close()
