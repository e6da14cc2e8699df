"""A TCP transport that shapes what this node sends: delay, jitter, loss, bandwidth, per peer
address (``[link_faults]``, ``node/config/link_faults.py``). Only built when rules are set:
without them the host uses py-libp2p's TCP transport untouched.

Why in the transport, not a proxy in front of it (docs/architecture.md §10): peers learn each
other's real listen addresses and dial them directly, so a proxy would shape only the
connections someone remembered to route through it; here every connection the node makes or
accepts is shaped, whoever found the address. ``tc netem`` would do it in the kernel but is
not in every kernel (not in ours).

Model, per connection and per direction (this node's writes): a write of n bytes occupies
the link for n / rate seconds after the previous one (bandwidth), then arrives ``delay`` ±
``jitter`` later, never before the write ahead of it (TCP keeps order). TCP cannot lose
bytes, so a loss is its consequence: each 1448-byte segment is lost with probability
``drop``, and a write with a lost segment waits one ``rto`` more, and so does everything
behind it (head-of-line blocking). Writes are handed to a pump task; a writer waits only
when ``QUEUE`` writes are in flight (the socket buffer).
"""

from __future__ import annotations

import logging
import math
import random
from collections import Counter
from typing import Any

import trio
from libp2p.abc import IRawConnection, ITransport
from libp2p.custom_types import THandler
from libp2p.io.abc import ReadWriteCloser
from libp2p.network.connection.raw_connection import RawConnection
from libp2p.transport.tcp.tcp import TCP, TCPListener
from multiaddr import Multiaddr

from node.config.link_faults import LinkFault, LinkFaultsConfig

SEGMENT = 1448
"""Bytes of TCP payload in one Ethernet-sized segment (1500 - IP - TCP with timestamps)."""
QUEUE = 256
"""Writes in flight on one shaped connection before a writer waits."""


class ShapedStream(ReadWriteCloser):
    """A raw stream whose writes reach the wire as ``fault`` says; reads pass through."""

    def __init__(
        self, inner: ReadWriteCloser, fault: LinkFault, rng: random.Random, counters: Counter[str]
    ) -> None:
        self.inner = inner
        self.fault = fault
        self.rng = rng
        self.counters = counters
        self._send, self._recv = trio.open_memory_channel[tuple[float, bytes]](QUEUE)
        self._last_due = 0.0
        self._wire_free = 0.0
        self._error: BaseException | None = None
        self._pumping = False

    def schedule(self, size: int, now: float) -> float:
        """When ``size`` bytes written at ``now`` reach the wire (and move the link state)."""
        f = self.fault
        start = max(now, self._wire_free)
        self._wire_free = start + (size / f.rate if f.rate > 0 else 0.0)
        due = self._wire_free + f.delay + (self.rng.uniform(-f.jitter, f.jitter) if f.jitter else 0)
        if f.drop > 0:
            segments = max(1, math.ceil(size / SEGMENT))
            if self.rng.random() < 1 - (1 - f.drop) ** segments:
                due += f.rto
                self.counters["link_fault_stalls"] += 1
        self._last_due = max(self._last_due, due)
        return self._last_due

    async def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        if not self._pumping:
            self._pumping = True
            trio.lowlevel.spawn_system_task(self._pump, name="link-faults-pump")
        self.counters["link_fault_writes"] += 1
        due = self.schedule(len(data), trio.current_time())
        try:
            await self._send.send((due, bytes(data)))
        except (trio.ClosedResourceError, trio.BrokenResourceError):
            if self._error is not None:  # the pump died while we waited for room
                raise self._error from None
            # closed locally: like a write on a closed TrioTCPStream, nothing happens

    async def _pump(self) -> None:
        try:
            async for due, data in self._recv:
                await trio.sleep_until(due)
                await self.inner.write(data)
        except Exception as exc:  # the connection broke: later writes raise it
            self._error = exc  # before the channel closes: a waiting writer must see it
            self._recv.close()
            with trio.CancelScope(shield=True), trio.move_on_after(1):
                await self.inner.close()
        finally:
            self._recv.close()

    async def read(self, n: int | None = None) -> bytes:
        return await self.inner.read(n)

    async def close(self) -> None:
        self._send.close()
        await self.inner.close()

    def get_remote_address(self) -> tuple[str, int] | None:
        return self.inner.get_remote_address()

    def __getattr__(self, name: str) -> Any:  # anything else py-libp2p asks the socket
        return getattr(self.inner, name)


class ShapedTCP(TCP):
    """py-libp2p's TCP transport with every dialled and accepted connection shaped."""

    def __init__(self, config: LinkFaultsConfig, counters: Counter[str]) -> None:
        super().__init__()
        self.faults = config.faults()
        self.seed = config.seed
        self.counters = counters

    def shape(self, stream: ReadWriteCloser) -> ReadWriteCloser:
        remote = stream.get_remote_address()
        host, port = remote if remote is not None else ("", 0)
        fault = next((f for f in self.faults if f.matches(host)), None)
        if fault is None:
            return stream
        self.counters["link_fault_connections"] += 1
        rng = random.Random(f"{self.seed}:{host}:{port}:{self.counters['link_fault_connections']}")
        return ShapedStream(stream, fault, rng, self.counters)

    async def dial(self, maddr: Multiaddr) -> IRawConnection:
        return self._shaped(await super().dial(maddr))

    async def dial_with_source(self, maddr: Multiaddr, source: tuple[str, int]) -> IRawConnection:
        return self._shaped(await super().dial_with_source(maddr, source))

    def _shaped(self, conn: IRawConnection) -> IRawConnection:
        if isinstance(conn, RawConnection):
            conn.stream = self.shape(conn.stream)
        return conn

    def create_listener(self, handler_function: THandler) -> TCPListener:
        async def shaped(stream: ReadWriteCloser) -> None:
            await handler_function(self.shape(stream))

        return super().create_listener(shaped)


def shaped_transports(
    config: LinkFaultsConfig, counters: Counter[str], log: logging.Logger
) -> list[ITransport] | None:
    """The transports for ``new_host``: a shaped TCP when rules are set, else None (the
    default transports, untouched)."""
    if not config.rules:
        return None
    log.warning("link faults injected into this node's sends: %s", "; ".join(config.rules))
    return [ShapedTCP(config, counters)]
