"""The daemon: one trio nursery running p2p, the store writer, control, sync and services.

SQLite is the single source of truth: every store call runs in one worker thread, one at a
time (a capacity limiter of 1), so there is exactly one writer and the trio loop never
blocks on fsync. Records are acknowledged (to an operator or a peer) only after commit.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import trio

from node import wire
from node.config import STORE_FILE, NodeConfig
from node.identity import Identity, load_or_create_identity
from node.p2p import P2PError, P2PNode
from node.store import RecordRow, Store

NOTES_TOPIC = "byteswarm/notes"
T = TypeVar("T")

log = logging.getLogger("byteswarm.daemon")
HEADS_PROTOCOL = "/byteswarm/sync-heads/1.0.0"
SAMPLE_PROTOCOL = "/byteswarm/sample/1.0.0"
SYNC_SCAN_ROWS = 8192
"""Rows a sync answer may read past (most of them held by the asker) before it replies."""


class Service(Protocol):
    """A slot the service issues (rank, finetune, adapt) fill."""

    name: str
    topics: tuple[str, ...]

    async def run(self, daemon: Daemon) -> None: ...

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Handle a control command, or return None if it is not this service's."""
        ...


class Daemon:
    """A running node. ``run()`` returns after SIGINT/SIGTERM or cancellation."""

    def __init__(self, config: NodeConfig, services: Sequence[Service] = ()) -> None:
        self.config = config
        self.services = list(services)
        self.identity: Identity = load_or_create_identity(config.data_dir)
        self.store = Store.open(config.data_dir / STORE_FILE)
        self._db_limiter = trio.CapacityLimiter(1)
        topics = [NOTES_TOPIC, *config.topics]
        for service in self.services:
            topics.extend(service.topics)
        self.topics = list(dict.fromkeys(topics))
        self.p2p = P2PNode(
            config,
            self.identity,
            on_records=self.ingest,
            serve_sync=self._serve_sync,
            log=logging.getLogger("byteswarm.p2p"),
        )
        self._started = time.time()
        self._cursors: dict[tuple[str, str], int] = {}
        self._stored_counts: dict[str, int] = {}
        self.service_pulled: set[str] = set()
        """Topics a service pulls on its own schedule for now: the sync loop still pulls them
        from a newly connected peer, but leaves them out of its periodic rounds."""

    @property
    def peer_id(self) -> str:
        return self.p2p.peer_id

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a store call in the single store thread."""
        return await trio.to_thread.run_sync(functools.partial(fn, *args), limiter=self._db_limiter)

    # -- lifecycle -----------------------------------------------------------------

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._signals, nursery.cancel_scope)
                await nursery.start(functools.partial(self.p2p.serve, self.topics))
                await self.db(self.store.add_event, "start", f"node {self.peer_id} started")
                log.info("peer id %s listening on %s", self.peer_id, self.p2p.listen_addrs())
                await self._write_status()
                nursery.start_soon(self._status_loop)
                nursery.start_soon(self._control_loop)
                self.p2p.handle(HEADS_PROTOCOL, self._serve_heads, wire.MAX_HEADS_REQUEST_BYTES)
                self.p2p.handle(SAMPLE_PROTOCOL, self._serve_sample, wire.MAX_SAMPLE_REQUEST_BYTES)
                nursery.start_soon(self._sync_loop)
                for service in self.services:
                    nursery.start_soon(self._supervise, service)
                task_status.started()
        finally:
            with trio.CancelScope(shield=True):
                try:
                    await self.db(self.store.add_event, "stop", "node stopped")
                    await self.db(self.store.write_status, "node", self._status(running=False))
                finally:
                    await self.db(self.store.close)

    async def _supervise(self, service: Service) -> None:
        """Run a service; a crash is logged and the service restarted, never the node."""
        delay = 1.0
        while True:
            try:
                await service.run(self)
                return
            except Exception as exc:
                log.exception("service %s crashed; restarting in %.0f s", service.name, delay)
                await self.db(self.store.add_event, "service", f"{service.name} crashed: {exc!r}")
            await trio.sleep(delay)
            delay = min(delay * 2, 60.0)

    async def _signals(self, scope: trio.CancelScope) -> None:
        with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
            async for signum in signals:
                log.info("received %s, shutting down", signal.Signals(signum).name)
                scope.cancel()
                return

    # -- records -------------------------------------------------------------------

    async def ingest(self, records: list[wire.SignedRecord], source: str) -> int:
        """Store verified records; returns how many were new (the rest are replays)."""
        rows = [
            RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r))
            for r in records
            if r.topic in self.topics
        ]
        if not rows:
            return 0
        fresh = await self.db(self._insert_relayed, rows, source)
        return sum(fresh)

    def _insert_relayed(self, rows: list[RecordRow], source: str) -> list[bool]:
        # Records from peers are acknowledged to nobody and can be pulled again: no fsync.
        with self.store.relaxed():
            return self.store.insert_records(rows, source)

    async def join_topic(self, topic: str) -> None:
        """Gossip on, store and sync one more topic from now on."""
        if topic not in self.topics:
            await self.p2p.join(topic)
            self.topics.append(topic)

    async def publish_local(
        self, topic: str, body: bytes, seq: int | None = None, *, gossip: bool = True
    ) -> wire.SignedRecord:
        """Sign a record as this node, commit it, then gossip it (unless ``gossip`` is False:
        then peers get it only by pulling, e.g. a finetune run whose records travel by sync)."""
        if topic not in self.topics:
            raise P2PError(f"not joined to topic {topic!r}")
        wire.decode_body(topic, body)  # never publish what our peers would reject

        def commit() -> wire.SignedRecord:
            with self.store.transaction():
                number = (
                    self.store.next_seq(topic, self.identity.public_key) if seq is None else seq
                )
                record = wire.sign_record(
                    self.identity.seed, topic, number, int(time.time() * 1000), body
                )
                row = RecordRow(topic, record.author, number, record.ts_ms, wire.encode(record))
                if not self.store.insert_records([row], "local")[0]:
                    raise ValueError(f"{topic} #{number} was already published")
            return record

        record = await self.db(commit)
        if gossip:
            self.p2p.publish(record)
        return record

    async def _serve_sync(self, request: wire.SyncRequest, peer: str) -> wire.SyncResponse:
        if request.topic not in self.topics:
            raise wire.WireError(f"unknown topic {request.topic!r}")
        limit = min(request.limit, self.config.sync.max_records)
        budget = self.config.sync.max_response_bytes - 4096
        skip = {h.author: (h.first, h.last) for h in request.held}
        rows, next_cursor, more = await self.db(
            self.store.records_since,
            request.topic,
            request.cursor,
            limit,
            budget,
            skip,
            SYNC_SCAN_ROWS,
        )
        records = [wire.decode_record(row.blob) for row in rows]
        return wire.SyncResponse(wire.WIRE_VERSION, records, next_cursor, more)

    async def sync_topic(self, peer: str, topic: str) -> int:
        """Pull every record of ``topic`` that ``peer`` stored after our cursor."""
        new = 0
        more = True
        while more:
            cursor = self._cursors.get((peer, topic))
            if cursor is None:  # read once; afterwards the cache is the truth
                cursor = await self.db(self.store.get_cursor, peer, topic)
            held = [
                wire.HeldRange(wire.WIRE_VERSION, author, first, last)
                for author, first, last in await self.db(
                    self.store.held_ranges, topic, wire.MAX_SYNC_HELD_RANGES
                )
            ]
            request = wire.SyncRequest(wire.WIRE_VERSION, topic, cursor, 256, held)
            response = await self.p2p.sync_from(peer, request)
            new += await self._ingest_checked(peer, topic, response.records, "sync")
            if response.next_cursor <= cursor and response.more:
                raise P2PError(f"peer {peer} sent a non-advancing cursor")
            # The cursor moves only after the records are committed: a crash re-pulls.
            if response.next_cursor != cursor:
                await self.db(self.store.set_cursor, peer, topic, response.next_cursor)
            self._cursors[(peer, topic)] = response.next_cursor
            more = response.more
        return new

    async def _serve_sample(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_sample_request(data)
        if request.topic not in self.topics:
            raise wire.WireError(f"unknown topic {request.topic!r}")
        limit = request.limit  # at most MAX_SYNC_LIMIT (1,024), and bounded in bytes below
        budget = self.config.sync.max_response_bytes - 4096
        rows = await self.db(self.store.newest_records, request.topic, limit, budget)
        records = [wire.decode_record(row.blob) for row in rows]
        response = wire.SyncResponse(wire.WIRE_VERSION, records, 0, False)
        return wire.encode(wire.pack_sync_response(response, request.topic))

    async def sample_topic(self, peer: str, topic: str, limit: int) -> int:
        """Take ``peer``'s newest ``limit`` records of ``topic`` (checked like any sync
        answer) without touching the sync cursor; returns how many were new."""
        request = wire.encode(wire.SampleRequest(wire.WIRE_VERSION, topic, limit))
        max_bytes = self.config.sync.max_response_bytes
        data = await self.p2p.request(peer, SAMPLE_PROTOCOL, request, max_bytes)
        packed = wire.decode_packed_sync_response(data, max_bytes)
        if packed.topic != topic or len(packed.records) > limit:
            raise wire.WireError(f"asked for {limit} records of {topic!r}, got another answer")
        records = wire.unpack_sync_response(packed).records
        return await self._ingest_checked(peer, topic, records, "sample")

    async def _ingest_checked(
        self, peer: str, topic: str, records: list[wire.SignedRecord], what: str
    ) -> int:
        """Store the records ``peer`` answered with that verify for ``topic``; count new ones."""
        valid = await trio.to_thread.run_sync(_verified, topic, records)
        if len(valid) != len(records):
            log.warning("peer %s sent %d invalid %s records", peer, len(records) - len(valid), what)
        return await self.ingest(valid, peer)

    async def _serve_heads(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_sync_heads_request(data)
        kept = [t for t in request.topics if t in self.topics]
        heads = await self.db(self.store.heads, kept)
        return wire.encode(
            wire.SyncHeadsResponse(wire.WIRE_VERSION, [heads.get(t, 0) for t in request.topics])
        )

    async def _topics_behind(self, peer: str) -> list[str]:
        """Our topics whose log at ``peer`` goes past our cursor there (all, if it cannot say)."""
        topics = [t for t in self.topics if t not in self.service_pulled]
        behind: list[str] = []
        for start in range(0, len(topics), wire.MAX_HEADS_TOPICS):
            part = topics[start : start + wire.MAX_HEADS_TOPICS]
            request = wire.encode(wire.SyncHeadsRequest(wire.WIRE_VERSION, part))
            try:
                data = await self.p2p.request(peer, HEADS_PROTOCOL, request, 1024)
                heads = wire.decode_sync_heads_response(data).heads
            except (P2PError, wire.WireError) as exc:
                log.info("sync heads from %s failed (%s): pulling every topic", peer, exc)
                return topics
            if len(heads) != len(part):
                return topics
            for topic, head in zip(part, heads, strict=True):
                cursor = self._cursors.get((peer, topic))
                if cursor is None:
                    cursor = await self.db(self.store.get_cursor, peer, topic)
                    self._cursors[(peer, topic)] = cursor
                if head > cursor:
                    behind.append(topic)
        return behind

    async def _sync_loop(self) -> None:
        last_full = 0.0
        known: set[str] = set()
        while True:
            peers = set(self.p2p.connected_peers())
            due = trio.current_time() - last_full >= self.config.sync.interval
            targets = peers if due else peers - known
            if due:
                last_full = trio.current_time()
            for peer in targets:
                if peer not in known:
                    addrs = self.p2p.peer_addrs(peer)
                    await self.db(self.store.upsert_peer, peer, addrs, True, "connect")
                    await self.db(self.store.add_event, "peer", f"connected to {peer}")
                # A new peer: pull everything; later rounds ask for heads first (one exchange).
                topics = await self._topics_behind(peer) if peer in known else list(self.topics)
                for topic in topics:
                    try:
                        new = await self.sync_topic(peer, topic)
                        if new:
                            log.info("caught up %d records of %s from %s", new, topic, peer)
                    except (P2PError, wire.WireError) as exc:
                        log.info("sync of %s from %s failed: %s", topic, peer, exc)
                        break
            for gone in known - peers:
                await self.db(
                    self.store.upsert_peer, gone, self.p2p.peer_addrs(gone), False, "connect"
                )
                await self.db(self.store.add_event, "peer", f"disconnected from {gone}")
            known = peers
            await trio.sleep(0.25)

    # -- operator control and status ------------------------------------------------

    async def _control_loop(self) -> None:
        while True:
            for row in await self.db(self.store.claim_control):
                try:
                    result = await self.handle_control(row.command, row.args)
                    await self.db(self.store.finish_control, row.id, True, result)
                except Exception as exc:
                    log.info("control %s failed: %s", row.command, exc)
                    await self.db(self.store.finish_control, row.id, False, {"error": str(exc)})
            await trio.sleep(0.25)  # every poll is a store round trip in the one store thread

    async def handle_control(self, command: str, args: dict[str, Any]) -> dict[str, Any]:
        if command == "publish":
            return await self._publish_notes(
                str(args.get("text", "")),
                float(args.get("value", 0.0)),
                int(args.get("count", 1)),
                float(args.get("rate", 0.0)),
            )
        if command == "connect":
            return {"peer_id": await self.p2p.connect(str(args["addr"]))}
        for service in self.services:
            result = await service.on_control(command, args)
            if result is not None:
                return result
        raise ValueError(f"unknown control command {command!r}")

    async def _publish_notes(
        self, text: str, value: float, count: int, rate: float
    ) -> dict[str, Any]:
        """Publish ``count`` notes, ``rate`` per second (0: as fast as commits allow)."""
        if not 1 <= count <= 1_000_000:
            raise ValueError("count must be between 1 and 1,000,000")
        first_seq = -1
        start = trio.current_time()
        for i in range(count):
            note = wire.Note(wire.WIRE_VERSION, text if count == 1 else f"{text} {i}", value)
            record = await self.publish_local(NOTES_TOPIC, wire.encode(note))
            first_seq = record.seq if first_seq < 0 else first_seq
            if rate > 0:
                await trio.sleep_until(start + (i + 1) / rate)
        return {"topic": NOTES_TOPIC, "seq": first_seq, "count": count}

    async def _status_loop(self) -> None:
        while True:
            await trio.sleep(self.config.status_interval)
            await self._write_status()

    async def _write_status(self) -> None:
        self._stored_counts = await self.db(self.store.topics)
        size = await self.db(self.store.size_bytes)
        status = self._status(running=True)
        status["store_bytes"] = size
        await self.db(self.store.write_status, "node", status)

    def _status(self, *, running: bool) -> dict[str, Any]:
        status = self.p2p.status()
        status.update(
            running=running,
            pid=os.getpid(),
            role=self.config.role,
            data_dir=str(self.config.data_dir),
            uptime_s=round(time.time() - self._started, 1),
            records=self._stored_counts,
            services=[s.name for s in self.services],
            # A device node must never have loaded these (DESIGN.md §1); tests check it.
            heavy_modules=sorted(m for m in ("torch", "textual") if m in sys.modules),
        )
        return status


def _verified(topic: str, records: list[wire.SignedRecord]) -> list[wire.SignedRecord]:
    """Records relayed by a third party count only with their author's valid signature."""
    valid = []
    for record in records:
        try:
            if record.topic != topic:
                raise wire.WireError("topic mismatch")
            wire.check_record(record)
        except wire.WireError:
            continue
        valid.append(record)
    return valid
