"""The control loop: operator commands claimed from the ``control`` table one row at a time,
run (publish and connect here, the rest by the service that owns the command) and answered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import trio

from node import wire
from node.net.host import P2PNode
from node.runtime.context import Service
from node.runtime.control_wake import ControlWake
from node.store.database import Store
from node.wire import NOTES_TOPIC
from node.wire.control import Connect, Publish, decode_command

T = TypeVar("T")

log = logging.getLogger("byteswarm.daemon")


class Controlled(Protocol):
    """What the loop needs of the daemon it runs in (``node.runtime.daemon.Daemon``)."""

    services: list[Service]
    store: Store
    p2p: P2PNode
    control_wake: ControlWake

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    async def publish_local(
        self, topic: str, body: bytes, seq: int | None = None, *, gossip: bool = True
    ) -> wire.SignedRecord: ...


class ControlLoop:
    """Runs one daemon's operator commands."""

    def __init__(self, node: Controlled) -> None:
        self.node = node

    async def run(self) -> None:
        node = self.node
        while True:
            # One row at a time: a row waiting behind a slow one can still expire or be
            # cancelled by its caller until the moment it starts.
            claimed = await node.db(node.store.claim_control, 1)
            for row in claimed:
                try:
                    result = await self.handle(row.command, row.args)
                    await node.db(node.store.finish_control, row.id, True, result)
                except Exception as exc:
                    log.info("control %s failed: %s", row.command, exc)
                    await node.db(node.store.finish_control, row.id, False, {"error": str(exc)})
            node.control_wake.passed()  # callers waiting on the socket look at their rows
            if not claimed:
                # A caller's poke through the control socket ends the wait at once; else
                # poll (every poll is a store round trip in the store thread).
                await node.control_wake.wait()

    async def handle(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        if command == Publish.command:
            return await self._publish_notes(decode_command(Publish, args))
        if command == Connect.command:
            return {"peer_id": await self.node.p2p.connect(decode_command(Connect, args).addr)}
        for service in self.node.services:
            result = await service.on_control(command, args)
            if result is not None:
                return result
        raise ValueError(f"unknown control command {command!r}")

    async def _publish_notes(self, command: Publish) -> dict[str, Any]:
        """Publish ``count`` notes, ``rate`` per second (0: as fast as commits allow)."""
        text, value, count, rate = command.text, command.value, command.count, command.rate
        if not 1 <= count <= 1_000_000:
            raise ValueError("count must be between 1 and 1,000,000")
        first_seq = -1
        start = trio.current_time()
        for i in range(count):
            note = wire.Note(wire.WIRE_VERSION, text if count == 1 else f"{text} {i}", value)
            record = await self.node.publish_local(NOTES_TOPIC, wire.encode(note))
            first_seq = record.seq if first_seq < 0 else first_seq
            if rate > 0:
                await trio.sleep_until(start + (i + 1) / rate)
        return {"topic": NOTES_TOPIC, "seq": first_seq, "count": count}
