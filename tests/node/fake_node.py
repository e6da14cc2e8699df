"""A ``NodeContext`` with a real store and no network, for unit tests of services.

Store calls run inline (no store thread), peers are names, and every request, pull, sample,
event and status report is recorded so a test can assert on what the service asked for.
Pulls and samples answer with what the test queued (records are stored as a real pull
would) or raise what it queued.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from node import wire
from node.config.settings import NodeConfig
from node.net.identity import Identity
from node.net.rpc_serve import RequestHandler
from node.runtime.tail import Commits, follow
from node.store.database import RecordRow, Store, StoredRecord
from node.wire.status.codec import decode_section, encode_section
from node.wire.status.services import ServiceStatus

T = TypeVar("T")


class FakeNode:
    """The node a service runs in, minus the sockets (see node/runtime/context.py)."""

    def __init__(self, store: Store, config: NodeConfig, peers: list[str] | None = None) -> None:
        self.identity = Identity.generate()
        self.store = store
        self.config = config
        self.peers = list(peers or [])
        self.log = logging.getLogger("byteswarm.fake")
        self.topics: list[str] = []
        self.handlers: dict[str, RequestHandler] = {}
        self.published: list[tuple[wire.SignedRecord, bool]] = []
        self.pulls: list[tuple[str, str]] = []
        self.samples: list[tuple[str, str, int]] = []
        self.events: list[tuple[str, str]] = []
        self.reports: dict[str, ServiceStatus] = {}
        """The last section each service reported, as a reader decodes it."""
        self.pulled_itself: set[str] = set()
        self.commits = Commits()
        self.answers: list[list[wire.SignedRecord] | BaseException] = []
        """What the next pulls and samples answer with: records to store, or an error."""
        self.clock_offset_ms = 0
        """What ``swarm_now_ms`` adds to the wall clock."""
        self.clock_message: str | None = None
        """What ``clock_note`` says."""

    @property
    def peer_id(self) -> str:
        return wire.peer_id_str(self.identity.public_key)

    @property
    def author(self) -> bytes:
        return self.identity.public_key

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return fn(*args, **kwargs)

    async def join_topic(self, topic: str) -> None:
        if topic not in self.topics:
            self.topics.append(topic)

    async def publish_local(
        self, topic: str, body: bytes, seq: int | None = None, *, gossip: bool = True
    ) -> wire.SignedRecord:
        wire.decode_body(topic, body)
        number = self.store.next_seq(topic, self.author) if seq is None else seq
        record = self.sign(topic, number, body)
        self._keep([record], "local")
        self.published.append((record, gossip))
        return record

    def sign(self, topic: str, seq: int, body: bytes) -> wire.SignedRecord:
        return wire.sign_record(self.identity.seed, topic, seq, int(time.time() * 1000), body)

    def swarm_now_ms(self) -> int:
        return int(time.time() * 1000) + self.clock_offset_ms

    def clock_note(self) -> str | None:
        return self.clock_message

    def tail(
        self, topic: str, after: int = 0, *, every: float = 1.0
    ) -> AsyncIterator[list[StoredRecord]]:
        return follow(self.db, self.store, self.commits, topic, after, every)

    async def deliver(self, records: list[wire.SignedRecord], source: str = "peer") -> int:
        """Records arriving as gossip would: stored, and the topics' tails woken."""
        return sum(self._keep(records, source))

    def connected_peers(self) -> list[str]:
        return list(self.peers)

    async def request(
        self, peer: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        raise ConnectionError(f"no network in a unit test ({protocol} to {peer})")

    def handle(self, protocol: str, handler: RequestHandler, max_request_bytes: int) -> None:
        self.handlers[protocol] = handler

    async def pull(self, peer: str, topic: str) -> int:
        self.pulls.append((peer, topic))
        return self._answer(peer)

    async def sample(self, peer: str, topic: str, limit: int) -> int:
        self.samples.append((peer, topic, limit))
        return self._answer(peer)

    @contextlib.contextmanager
    def pulling_itself(self, topics: set[str]) -> Iterator[None]:
        self.pulled_itself |= topics
        try:
            yield
        finally:
            self.pulled_itself -= topics

    async def emit(self, kind: str, message: str) -> None:
        self.events.append((kind, message))

    async def report(self, status: ServiceStatus) -> None:
        self.reports[status.SECTION] = decode_section(status.SECTION, encode_section(status))

    def _answer(self, peer: str) -> int:
        if not self.answers:
            return 0
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return sum(self._keep(answer, peer))

    def _keep(self, records: list[wire.SignedRecord], source: str) -> list[bool]:
        rows = [RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r)) for r in records]
        fresh = self.store.insert_records(rows, source)
        self.commits.committed(row.topic for row, new in zip(rows, fresh, strict=True) if new)
        return fresh
