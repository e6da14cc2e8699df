"""Before its first publish, a node that may have published before asks its peers how far
its own log goes, and continues above it (one author, one log: docs/architecture.md §8).

Who asks: a node whose key existed before this start and whose store either holds none of
its own records or lost some of them (``published.json``, ``node/store/publish_mark.py``):
a lost or emptied ``node.db``, or a key copied to another device. A new key has nothing to
recover and publishes at once.

How: every connected peer is asked ``/byteswarm/own-heads/1.0.0`` (``OwnHeadsRequest``:
our key and our topics, bounded, unknown fields refused) for our highest-seq record of each
topic it holds. The answers carry our own signature, so a peer cannot move our seq where we
never signed; they are stored like any relayed record, and the next seq of each topic
follows the highest one any peer holds. A topic the store lost (``published.json`` says we
published more than the store holds) then publishes above both, and what no peer holds is
named in an event as lost. Catch-up brings the rest of our log back on its
own. Until the first answer, or ``authorlog.recovery_timeout`` seconds, publishing waits;
past it the node says so (an event and status) and publishes after what it knows. A topic
joined later (a finetune run) asks the connected peers once more before it is used.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

import trio

from node import wire
from node.config.settings import NodeConfig
from node.net.host import P2PNode
from node.runtime.catchup import Catchup
from node.runtime.store_guard import StoreGuard
from node.store.database import Store
from node.wire import authorlog as messages
from node.wire.status.authorlog import RecoveryStatus

T = TypeVar("T")
OWN_HEADS_PROTOCOL = "/byteswarm/own-heads/1.0.0"
log = logging.getLogger("byteswarm.daemon")


class RecoveryHost(Protocol):
    """What recovery needs of the daemon it runs in (``node.runtime.daemon``)."""

    config: NodeConfig
    p2p: P2PNode
    store: Store
    topics: list[str]
    guard: StoreGuard
    catchup: Catchup

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    async def ingest(self, records: list[wire.SignedRecord], source: str) -> int: ...


def newest_own(store: Store, author: bytes, topics: list[str], budget: int) -> list[bytes]:
    """Per topic, the blob of ``author``'s highest-seq record the store holds (topics with
    none left out), within ``budget`` bytes (at least one record when any exists)."""
    sql = "SELECT blob FROM records WHERE topic = ? AND author = ? ORDER BY seq DESC LIMIT 1"
    blobs: list[bytes] = []
    total = 0
    for topic in topics:
        row = store.db.conn.execute(sql, (topic, bytes(author))).fetchone()
        if row is None:
            continue
        if blobs and total + len(row[0]) > budget:
            break
        blobs.append(bytes(row[0]))
        total += len(row[0])
    return blobs


class Recovery:
    """Asks peers for our own heads before the first publish, when that is needed."""

    def __init__(self, host: RecoveryHost, author: bytes, needed: bool) -> None:
        self.host = host
        self.author = bytes(author)
        self.needed = needed
        self.state = "asking" if needed else "not needed"
        self.answered: list[str] = []
        self.heads: dict[str, int] = {}
        """Topic -> the highest seq of ours a peer holds (only topics some peer holds)."""
        self.done = trio.Event()
        self._running = False
        self._news: list[tuple[str, str]] = []

    def register(self) -> None:
        self.host.p2p.handle(OWN_HEADS_PROTOCOL, self.serve, messages.MAX_OWN_HEADS_REQUEST_BYTES)

    async def serve(self, data: bytes, peer: str) -> bytes:
        request = messages.decode_own_heads_request(data)
        if peer == wire.peer_id_str(request.author):  # its store is new: our cursors are stale
            await self.host.catchup.forget_cursors(peer)
        followed = [t for t in dict.fromkeys(request.topics) if t in self.host.topics]
        budget = self.host.config.sync.max_response_bytes - 4096
        blobs = await self.host.db(newest_own, self.host.store, request.author, followed, budget)
        records = [wire.decode_record(blob) for blob in blobs]
        return wire.encode(messages.OwnHeadsResponse(wire.WIRE_VERSION, records))

    async def ready(self) -> None:
        """Return once publishing may go on: at once unless recovery runs and is not done."""
        if self._running and not self.done.is_set():
            await self.done.wait()

    def news(self) -> list[tuple[str, str]]:
        news, self._news = self._news, []
        return news

    def status(self) -> RecoveryStatus:
        return RecoveryStatus(state=self.state, answered=len(self.answered), heads=dict(self.heads))

    async def run(self) -> None:
        """Ask the connected peers (and those that connect) until one answers or the
        deadline passes; then let publishing go on."""
        if not self.needed or self.done.is_set():
            self.done.set()
            return
        self._running = True
        timeout = self.host.config.authorlog.recovery_timeout
        deadline = trio.current_time() + timeout
        asked: set[str] = set()
        try:
            while not self.answered and trio.current_time() < deadline:
                peers = [p for p in self.host.p2p.connected_peers() if p not in asked]
                if peers:
                    asked.update(peers)
                    await self._ask(peers, list(self.host.topics), deadline)
                else:
                    await trio.sleep(0.1)
            if self.answered:
                self.state = "done"
                held = ", ".join(f"{t} #{s}" for t, s in sorted(self.heads.items()))
                self._news.append(
                    (
                        "info",
                        f"own-log recovery: {len(self.answered)} peer(s) answered; they hold"
                        f" this identity's records up to {held or 'nothing'}; publishing"
                        " continues above",
                    )
                )
            else:
                self.state = "no answer"
                self._news.append(
                    (
                        "warning",
                        f"own-log recovery: no peer answered within {timeout:g} s (asked"
                        f" {len(asked)}); publishing after what this node holds itself",
                    )
                )
        finally:
            self.done.set()

    async def joined(self, topic: str) -> None:
        """A topic joined after start: ask the connected peers for our head there too."""
        if self.needed:
            deadline = trio.current_time() + self.host.config.sync.timeout
            await self._ask(self.host.p2p.connected_peers(), [topic], deadline)

    async def _ask(self, peers: list[str], topics: list[str], deadline: float) -> None:
        topics = topics[: messages.MAX_OWN_HEADS_TOPICS]
        request = wire.encode(messages.OwnHeadsRequest(wire.WIRE_VERSION, self.author, topics))
        async with trio.open_nursery() as nursery:
            for peer in peers:
                nursery.start_soon(
                    functools.partial(self._ask_one, peer, topics, request, deadline)
                )
        if self.answered:
            await self._settle_loss()

    async def _ask_one(self, peer: str, topics: list[str], request: bytes, deadline: float) -> None:
        limit = self.host.config.sync.max_response_bytes
        with trio.move_on_at(deadline):
            try:
                data = await self.host.p2p.request(peer, OWN_HEADS_PROTOCOL, request, limit)
                records = messages.decode_own_heads_response(data, limit).records
                valid = [r for r in records if self._ours(r, topics)]
                await self.host.ingest(valid, peer)
            except Exception as exc:  # a peer's failure must never stop the node
                log.info("own-heads from %s failed: %s", peer, exc)
                return
            self.answered.append(peer)
            for record in valid:
                self.heads[record.topic] = max(record.seq, self.heads.get(record.topic, -1))

    def _ours(self, record: wire.SignedRecord, topics: list[str]) -> bool:
        if record.author != self.author or record.topic not in topics:
            return False
        try:
            wire.check_record(record)
        except wire.WireError:
            return False
        return True

    async def _settle_loss(self) -> None:
        """A peer answered: a topic the store lost publishes above what any peer holds and
        above the mark; records of it that no peer holds are named as lost."""
        guard = self.host.guard
        lost = await self.host.db(guard.mark.lost, self.host.store)
        for topic in [t for t in guard.loss if t not in lost]:
            guard.loss.pop(topic)  # a peer gave back our head: nothing is missing above it
        for topic, marked in sorted(lost.items()):
            if topic not in guard.loss:
                continue
            held = self.heads.get(topic, -1)
            gone = f"#{held + 1}" if held + 1 == marked else f"#{held + 1}-#{marked}"
            guard.settle_loss(topic)
            self._news.append(
                (
                    "warning",
                    f"own-log recovery: no peer that answered holds {topic} {gone}, published"
                    f" before the store was lost; publishing continues at #{marked + 1}",
                )
            )
