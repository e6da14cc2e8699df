"""The daemon: one trio nursery running p2p, the store writer, control, sync and services.

SQLite is the single source of truth: every store call runs in one worker thread, one at a
time (a capacity limiter of 1), so there is exactly one writer and the trio loop never
blocks on fsync. Records are acknowledged (to an operator or a peer) only after commit.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, TypeVar, cast

import trio

from node import wire
from node.config.settings import STORE_FILE, NodeConfig
from node.net.host import P2PError, P2PNode
from node.net.identity import KEY_FILE, Identity, load_or_create_identity
from node.net.rpc_serve import RequestHandler
from node.runtime.catchup import Catchup
from node.runtime.clock_watch import Clock, ClockWatch
from node.runtime.context import Service
from node.runtime.control_loop import ControlLoop
from node.runtime.control_wake import ControlWake
from node.runtime.discovery import Discovery
from node.runtime.equivocation import EquivocationWatch
from node.runtime.history import HistoryWriter, Probe, Traffic
from node.runtime.peer_stats import author_peer
from node.runtime.recovery import Recovery
from node.runtime.status_report import StatusReport
from node.runtime.store_guard import StoreGuard
from node.runtime.supervision import cancel_on_signals, supervised
from node.runtime.tail import Commits, follow
from node.store.database import RecordRow, StoredRecord, StoreFullError, wall_clock_ms
from node.store.own import commit_own
from node.wire import NOTES_TOPIC
from node.wire.status.codec import encode_section, section_name
from node.wire.status.node import NodeStatus
from node.wire.status.services import ServiceStatus

T = TypeVar("T")

log = logging.getLogger("byteswarm.daemon")


class Daemon:
    """A running node. ``run()`` returns after SIGINT/SIGTERM or cancellation.

    It is the ``NodeContext`` its services receive (node/runtime/context.py)."""

    def __init__(
        self, config: NodeConfig, services: Sequence[Service] = (), clock: Clock = wall_clock_ms
    ) -> None:
        self.config = config
        self.services = list(services)
        self.clock = clock
        """The wall clock (ms) the node signs and closes rounds by; tests skew it."""
        key_existed = (config.data_dir / KEY_FILE).exists()
        self.identity: Identity = load_or_create_identity(config.data_dir)
        self._db_limiter = trio.CapacityLimiter(1)
        topics = [NOTES_TOPIC, *config.topics]
        for service in self.services:
            topics.extend(service.topics)
        self.topics = list(dict.fromkeys(topics))
        # Bounds, a full disk, a damaged or lost store: node/runtime/store_guard.py.
        self.guard = StoreGuard(config, self.identity.public_key)
        self.store = self.guard.open_store(config.data_dir / STORE_FILE, self.topics)
        self.catchup = Catchup(self)
        # One author, one log (docs/architecture.md §8): evidence, twins, own-log recovery.
        self.equivocation = EquivocationWatch(self.identity.public_key, self.store)
        lost_or_empty = bool(self.guard.loss) or not self.guard.mark.heads
        self.recovery = Recovery(self, self.identity.public_key, key_existed and lost_or_empty)
        self.p2p = P2PNode(
            config,
            self.identity,
            on_records=self._ingest_gossip,
            serve_sync=self.catchup.server.serve_sync,
            log=logging.getLogger("byteswarm.p2p"),
        )
        self.discovery = Discovery(self)
        self.control_wake = ControlWake(config.data_dir, config.control_poll_interval)
        self.clocks = ClockWatch(config, self.p2p, self.identity.public_key, clock)
        self.commits = Commits()
        """Wakes the tails of a topic when ingest or a publish commits records of it."""
        self.traffic, self.sections = Traffic(), dict[str, ServiceStatus]()
        self.status_report = StatusReport(self)
        """The ``NodeStatus`` section: written every ``status_interval`` and at the end."""
        self.control = ControlLoop(self)
        """Operator commands from the ``control`` table."""
        self.history = HistoryWriter(config.history) if config.history.enabled else None
        """One sample a second to the ``history`` table (None: ``[history] enabled`` off)."""

    @property
    def peer_id(self) -> str:
        return self.p2p.peer_id

    # -- the NodeContext services receive (the rest: db, join_topic, publish_local) ----

    @property
    def author(self) -> bytes:
        return self.identity.public_key

    @property
    def log(self) -> logging.Logger:
        return self.p2p.log

    def sign(self, topic: str, seq: int, body: bytes) -> wire.SignedRecord:
        return wire.sign_record(self.identity.seed, topic, seq, self.clock(), body)

    def swarm_now_ms(self) -> int:
        return self.clocks.swarm_ms()

    def clock_note(self) -> str | None:
        return self.clocks.note()

    def tail(
        self, topic: str, after: int = 0, *, every: float = 1.0
    ) -> AsyncIterator[list[StoredRecord]]:
        return follow(self.db, self.store, self.commits, topic, after, every)

    def connected_peers(self) -> list[str]:
        return self.p2p.connected_peers()

    async def request(
        self, peer: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        return await self.p2p.request(peer, protocol, data, max_response_bytes)

    def handle(self, protocol: str, handler: RequestHandler, max_request_bytes: int) -> None:
        self.p2p.handle(protocol, handler, max_request_bytes)

    async def pull(self, peer: str, topic: str) -> int:
        return await self.catchup.pull(peer, topic)

    async def sample(self, peer: str, topic: str, limit: int) -> int:
        return await self.catchup.sample(peer, topic, limit)

    @contextlib.contextmanager
    def pulling_itself(self, topics: set[str]) -> Iterator[None]:
        self.catchup.service_pulled |= topics
        try:
            yield
        finally:
            self.catchup.service_pulled -= topics

    async def emit(self, kind: str, message: str) -> None:
        await self.db(self.store.add_event, kind, message)

    async def report(self, status: ServiceStatus) -> None:
        self.sections[section_name(status)] = status  # the history writer samples it
        await self.db(self.store.write_status, section_name(status), encode_section(status))

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call in the single store thread. A full disk turns the node read-only
        (``StoreFullError``); bookkeeping writes then fail quietly (``StoreGuard.fallback``)."""
        call = functools.partial(fn, *args, **kwargs)
        try:
            return await trio.to_thread.run_sync(call, limiter=self._db_limiter)
        except StoreFullError:
            self.guard.on_full()
            quiet, stand_in = self.guard.fallback(self.store, fn)
            if quiet:
                return cast(T, stand_in)
            raise

    # -- lifecycle -----------------------------------------------------------------

    async def run(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(cancel_on_signals, nursery.cancel_scope)
                self.equivocation.started_ms = self.clock()
                await nursery.start(functools.partial(self.p2p.serve, self.topics))
                self.recovery.register()
                self.clocks.register()
                nursery.start_soon(supervised, "recovery", self.recovery.run, self.emit)
                nursery.start_soon(supervised, "clock", self.clocks.run, self.emit)
                await self.db(self.store.add_event, "start", f"node {self.peer_id} started")
                log.info("peer id %s listening on %s", self.peer_id, self.p2p.listen_addrs())
                await self.status_report.write()
                nursery.start_soon(self.status_report.run)
                await nursery.start(self.control_wake.serve)
                nursery.start_soon(self.control.run)
                nursery.start_soon(self.guard.run, self)
                if self.history is not None:
                    task = functools.partial(self.history.run, self)
                    nursery.start_soon(supervised, "history", task, self.emit)
                self.catchup.register()
                self.discovery.register()
                nursery.start_soon(supervised, "discovery", self.discovery.run, self.emit)
                nursery.start_soon(supervised, "catchup", self.catchup.run, self.emit)
                for service in self.services:
                    task = functools.partial(service.run, self)
                    nursery.start_soon(supervised, service.name, task, self.emit)
                task_status.started()
        finally:
            with trio.CancelScope(shield=True):
                try:
                    await self.db(self.store.add_event, "stop", "node stopped")
                    final = encode_section(self.status_report.snapshot(running=False))
                    await self.db(self.store.write_status, NodeStatus.SECTION, final)
                    await self.guard.close()
                finally:
                    await self.db(self.store.close)

    # -- records -------------------------------------------------------------------

    async def ingest(self, records: list[wire.SignedRecord], source: str) -> int:
        """Store verified records; returns how many were new (the rest are replays)."""
        rows = [
            RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r))
            for r in records
            if r.topic in self.topics
        ]
        if len(rows) < len(records):  # a topic we do not follow: dropped quietly, counted
            self.p2p.counters["unfollowed_topic_records"] += len(records) - len(rows)
        if not rows:
            return 0
        insert = self.equivocation.insert
        kept, fresh, conflicts = await self.db(insert, self.guard, self.store, rows, source)
        self.equivocation.saw(kept, fresh, conflicts, self.clock())
        moved = {row.topic for row, new in zip(kept, fresh, strict=True) if new}
        for row in (row for row, new in zip(kept, fresh, strict=True) if new):
            self.traffic.inbound(row.topic, len(row.blob))
            sender = source if source != "gossip" else author_peer(bytes(row.author))
            self.catchup.stats.took(sender, row.topic, 1)
        self.commits.committed(moved)
        for topic in moved:
            self.catchup.saw_new(topic)
        return sum(fresh)

    async def _ingest_gossip(self, records: list[wire.SignedRecord], source: str) -> int:
        self.clocks.saw_gossip(records)
        try:
            return await self.ingest(records, source)
        except StoreFullError:  # dropped and counted; sync brings them once space returns
            return 0

    async def join_topic(self, topic: str) -> None:
        """Gossip on, store and sync one more topic from now on."""
        if topic not in self.topics:
            await self.p2p.join(topic)
            self.topics.append(topic)
            await self.recovery.joined(topic)

    async def publish_local(
        self, topic: str, body: bytes, seq: int | None = None, *, gossip: bool = True
    ) -> wire.SignedRecord:
        """Sign a record as this node, commit it, then gossip it (unless ``gossip`` is False:
        then peers get it only by pulling, e.g. a finetune run whose records travel by sync)."""
        if topic not in self.topics:
            raise P2PError(f"not joined to topic {topic!r}")
        wire.decode_body(topic, body)  # never publish what our peers would reject
        self.equivocation.check_publish()  # our key runs elsewhere: refused
        await self.recovery.ready()  # our peers have told us how far our own log goes
        floor = self.guard.before_publish(topic)  # full, or a lost store: refused
        seed, author, now = self.identity.seed, self.identity.public_key, self.clock()
        record = await self.db(commit_own, self.store, seed, author, topic, body, seq, floor, now)
        self.commits.committed([topic])
        self.traffic.outbound(topic, len(wire.encode(record)))
        await self.guard.published(topic, record.seq)
        if gossip:
            self.p2p.publish(record)
        return record

    # -- status ------------------------------------------------------------------

    def history_probe(self) -> Probe:
        return self.status_report.probe()
