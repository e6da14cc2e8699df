"""The attacks ``bench/runtime/faults.py`` runs against a victim daemon, one coroutine each.

Each runs in the bench process until cancelled (the end of the measurement window) and
records what it did in a ``Case``: identities used, frames sent, anything it measured
itself (the slow-Sybil case times the catch-up of an honest late joiner). The flooders come
back under a fresh identity when the victim drops them, as a real attacker would; the
valid-note flooder keeps one identity (its store growth is what the case measures).
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trio

from bench.runtime.attacker import Attacker, bad_signature_rpc, keys_below, payloads
from node import wire
from node.cli.control import send_control

NOTES = "byteswarm/notes"
KNOWN_PROTOCOLS = (
    "/meshsub/1.2.0",
    "/meshsub/1.1.0",
    "/byteswarm/rpc/1.0.0",
    "/byteswarm/sync/2.0.0",
    "/byteswarm/sync-heads/1.0.0",
    "/byteswarm/sample/1.0.0",
    "/byteswarm/finetune/checkpoint/1.0.0",
    "/ipfs/id/1.0.0",
    "/ipfs/id/push/1.0.0",
)
STALL_PROTOCOLS = ("/byteswarm/rpc/1.0.0", "/byteswarm/sync/2.0.0")
VALID_RATE = 200.0
"""Notes per second of the valid flood: the victim's per-peer token bucket rate
(``[peer_limits] rate``), i.e. as fast as it lets one peer send without a penalty."""
VALID_BATCH = 20
"""Notes per gossip message of the valid flood (one message every 0.1 s)."""
SYBILS = 20
LATE_NOTES = 50
GOSSIP_CACHE_S = 6.0
"""Wait this long after the late joiner published before it connects, so its notes can
only arrive by catch-up (gossipsub's message cache holds ~5 heartbeats of 1 s)."""


@dataclass
class Case:
    """What one attack did: identities used, counts, the attackers' peer ids."""

    ids: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)
    accepted: list[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Measurements an attack takes itself (catch-up time of the late joiner)."""

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


@dataclass(frozen=True)
class LateJoiner:
    """An honest node that published before it connected to anyone."""

    data_dir: Path
    addr: str
    peer_id: str
    author: bytes
    published_at: float
    """``time.monotonic()`` when its notes were committed."""


def author_rows(data_dir: Path, author: bytes) -> int:
    """Records by ``author`` in the store of the node in ``data_dir``."""
    db = sqlite3.connect(f"file:{data_dir / 'node.db'}?mode=ro", uri=True, timeout=5)
    try:
        row = db.execute("SELECT count(*) FROM records WHERE author = ?", (author,)).fetchone()
    finally:
        db.close()
    return int(row[0])


@contextlib.asynccontextmanager
async def _connected(addr: str, case: Case) -> AsyncIterator[Attacker | None]:
    """An attacker under a new identity, connected to the victim (None if refused)."""
    attacker = Attacker()
    case.ids.add(attacker.peer_id)
    case.add("identities")
    async with contextlib.AsyncExitStack() as stack:
        try:
            connected: Attacker | None = await stack.enter_async_context(attacker.running(addr))
        except Exception:
            case.add("connect_failures")
            connected = None
        yield connected


async def junk(addr: str, case: Case) -> None:
    """Every malformed payload on every accepted protocol, round after round."""
    accepted: list[str] = []
    async with _connected(addr, case) as probe:
        if probe is None:
            return
        for protocol in KNOWN_PROTOCOLS:
            data = payloads(protocol)["junk"]
            if await probe.send(protocol, data, linger=0.05):
                accepted.append(protocol)
    case.counts["accepted_protocols"] = len(accepted)
    case.accepted = accepted
    seed = 0
    while True:
        async with _connected(addr, case) as attacker:
            if attacker is None:
                await trio.sleep(0.2)
                continue
            while attacker.connected():
                seed += 1
                for protocol in accepted:
                    for data in payloads(protocol, seed).values():
                        if await attacker.send(protocol, data, linger=0.02):
                            case.add("frames_sent")
                        else:
                            case.add("streams_refused")
                await trio.sleep(0)


async def bad_signature(addr: str, case: Case) -> None:
    """Frames of 50 messages with a zero libp2p signature, stream reopened when reset."""
    while True:
        async with _connected(addr, case) as attacker:
            if attacker is None:
                await trio.sleep(0.2)
                continue
            frame = bad_signature_rpc(attacker.host.get_id().to_bytes(), NOTES, b"\x92\x01\x90", 50)
            stream = None
            while attacker.connected():
                if stream is None:
                    stream = await attacker.stall("/meshsub/1.1.0", b"")
                    case.add("streams_opened")
                    if stream is None:
                        await trio.sleep(0.05)
                        continue
                try:
                    await stream.write(frame)
                    case.add("frames_sent")
                except Exception:
                    stream = None
                await trio.sleep(0.01)


@contextlib.asynccontextmanager
async def _rogue(addr: str, case: Case, data_dir: Path, **config: Any) -> AsyncIterator[Any]:
    """An in-process daemon (a correctly signing host) connected to the victim, with the
    victim in its notes mesh; None if it could not connect."""
    from node.config.settings import load_config
    from node.runtime.daemon import Daemon

    case.add("identities")
    rogue = Daemon(load_config(None, data_dir=str(data_dir), **config))
    case.ids.add(rogue.peer_id)
    async with trio.open_nursery() as nursery:
        await nursery.start(rogue.run)
        try:
            await rogue.p2p.connect(addr)
        except Exception:
            case.add("connect_failures")
        victim = addr.rsplit("/p2p/", 1)[1]
        with trio.move_on_after(10):
            while victim not in [p.to_base58() for p in rogue.p2p.gossipsub.mesh.get(NOTES, ())]:
                await trio.sleep(0.1)
        yield rogue
        nursery.cancel_scope.cancel()


def _still_connected(rogue: Any, addr: str) -> bool:
    victim = addr.rsplit("/p2p/", 1)[1]
    return victim in [p.to_base58() for p in rogue.p2p.host.get_connected_peers()]


async def garbage_gossip(addr: str, case: Case, root: Path) -> None:
    """A correctly signed host (its own validator removed) publishing records the victim's
    validator rejects; a new identity each time it is dropped."""
    n = 0
    while True:
        async with _rogue(addr, case, root / f"rogue{len(case.ids)}") as rogue:
            rogue.p2p.pubsub.remove_topic_validator(NOTES)
            while _still_connected(rogue, addr):
                try:
                    await rogue.p2p.pubsub.publish(NOTES, b"\xc1junk%d" % n)
                    case.add("frames_sent")
                except Exception:
                    case.add("publish_errors")
                n += 1
                await trio.sleep(0.02)
        await trio.sleep(0.2)


async def valid_notes(addr: str, case: Case, root: Path) -> None:
    """One identity publishing correctly signed 1 kB notes at the victim's per-peer rate:
    everything it sends is valid, so only the victim's per-author quota bounds what it
    stores."""
    gossip = {"publish_interval": VALID_BATCH / VALID_RATE, "max_batch_records": VALID_BATCH}
    async with _rogue(addr, case, root / "rogue-notes", gossip=gossip) as rogue:
        body = wire.encode(wire.Note(wire.WIRE_VERSION, "x" * 1000, 1.0))
        case.extra["author"] = bytes(rogue.identity.public_key).hex()
        start = trio.current_time()
        seq = 0
        while _still_connected(rogue, addr):
            ts_ms = int(time.time() * 1000)
            rogue.p2p.publish(wire.sign_record(rogue.identity.seed, NOTES, seq, ts_ms, body))
            seq += 1
            case.add("notes_sent")
            await trio.sleep_until(start + seq / VALID_RATE)
        case.add("dropped_by_victim")
        await trio.sleep_forever()


async def stalled(addr: str, case: Case, streams: int = 200) -> None:
    """``streams`` streams on the rpc/sync protocols, each left after a partial frame."""
    async with _connected(addr, case) as attacker:
        if attacker is None:
            return
        held = []
        for i in range(streams):
            protocol = STALL_PROTOCOLS[i % len(STALL_PROTOCOLS)]
            stream = await attacker.stall(protocol, payloads(protocol, i)["truncated"])
            if stream is None:
                case.add("streams_refused")
            else:
                held.append(stream)
                case.add("streams_opened")
        await trio.sleep_forever()


async def identities(addr: str, case: Case, count: int = 100) -> None:
    """``count`` distinct hosts connecting and staying connected."""

    async def one() -> None:
        async with _connected(addr, case) as attacker:
            if attacker is not None:
                case.add("connected")
                await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        for _ in range(count):
            nursery.start_soon(one)
            await trio.sleep(0.01)


async def slow_sybils(addr: str, case: Case, victim: Path, late: LateJoiner) -> None:
    """``SYBILS`` hosts that accept every catch-up request and never answer (ids ground to
    sort before the late joiner's), connected to the victim; then the victim meets an
    honest late joiner whose ``LATE_NOTES`` notes it can only get by catch-up. Records
    how long they took (``catchup_s``, from the victim's connect command)."""
    connected = 0

    async def one(key_pair: Any) -> None:
        nonlocal connected
        attacker = Attacker(key_pair).silent()
        case.ids.add(attacker.peer_id)
        case.add("identities")
        try:
            async with attacker.running(addr):
                connected += 1
                case.add("connected")
                await trio.sleep_forever()
        except Exception:
            case.add("connect_failures")

    async with trio.open_nursery() as nursery:
        for key_pair in keys_below(SYBILS, late.peer_id):
            nursery.start_soon(one, key_pair)
        with trio.move_on_after(10):
            while connected < SYBILS:
                await trio.sleep(0.05)
        await trio.sleep(max(0.0, late.published_at + GOSSIP_CACHE_S - time.monotonic()))
        start = time.monotonic()
        connect = {"addr": late.addr}
        await trio.to_thread.run_sync(lambda: send_control(victim, "connect", connect))
        got = 0
        while got < LATE_NOTES:
            got = await trio.to_thread.run_sync(author_rows, victim, late.author)
            case.extra["catchup_notes"] = got
            case.extra["catchup_s"] = (
                round(time.monotonic() - start, 2) if got >= LATE_NOTES else None
            )
            await trio.sleep(0.1)
        case.extra["sybils_connected_at_catchup"] = connected
