"""The answering side of catch-up: sync pulls, heads checks and samples from the store.

A pull is answered with the records stored after the asker's cursor, minus the (author,
seq) ranges the asker says it holds, bounded in rows and bytes; a heads check with each
asked topic's newest store position; a sample with a topic's newest records. A topic this
node does not follow is answered with nothing. The asking side is node/runtime/catchup.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from node import wire
from node.config.settings import NodeConfig
from node.net.host import P2PNode
from node.runtime.peer_stats import PeerStats
from node.store.database import Store

HEADS_PROTOCOL = "/byteswarm/sync-heads/1.0.0"
SAMPLE_PROTOCOL = "/byteswarm/sample/1.0.0"
SYNC_SCAN_ROWS = 8192
"""Rows a sync answer may read past (most of them held by the asker) before it replies."""
T = TypeVar("T")


class CatchupHost(Protocol):
    """What catch-up needs of the daemon it runs in (``node.runtime.daemon.Daemon``)."""

    config: NodeConfig
    p2p: P2PNode
    store: Store
    topics: list[str]

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...

    async def ingest(self, records: list[wire.SignedRecord], source: str) -> int: ...


class CatchupServer:
    """Answers one node's peers: their sync pulls, heads checks and samples."""

    def __init__(self, daemon: CatchupHost, stats: PeerStats) -> None:
        self.daemon = daemon
        self.stats = stats
        """Records served per peer (shared with the asking side: node/runtime/catchup.py)."""

    def register(self) -> None:
        """Answer heads and sample requests (sync requests reach ``serve_sync`` via p2p)."""
        p2p = self.daemon.p2p
        p2p.handle(HEADS_PROTOCOL, self.serve_heads, wire.MAX_HEADS_REQUEST_BYTES)
        p2p.handle(SAMPLE_PROTOCOL, self.serve_sample, wire.MAX_SAMPLE_REQUEST_BYTES)

    async def serve_sync(self, request: wire.SyncRequest, peer: str) -> wire.SyncResponse:
        daemon = self.daemon
        if self._unfollowed(request.topic):
            return wire.SyncResponse(wire.WIRE_VERSION, [], request.cursor, False)
        limit = min(request.limit, daemon.config.sync.max_records)
        budget = daemon.config.sync.max_response_bytes - 4096
        skip = {h.author: (h.first, h.last) for h in request.held}
        rows, next_cursor, more = await daemon.db(
            daemon.store.records_since,
            request.topic,
            request.cursor,
            limit,
            budget,
            skip,
            SYNC_SCAN_ROWS,
        )
        records = [wire.decode_record(row.blob) for row in rows]
        self.stats.served(peer, request.topic, len(records), next_cursor)
        return wire.SyncResponse(wire.WIRE_VERSION, records, next_cursor, more)

    async def serve_sample(self, data: bytes, peer: str) -> bytes:
        daemon = self.daemon
        request = wire.decode_sample_request(data)
        if self._unfollowed(request.topic):
            rows = []
        else:
            budget = daemon.config.sync.max_response_bytes - 4096
            rows = await daemon.db(
                daemon.store.newest_records, request.topic, request.limit, budget
            )
        # request.limit is at most MAX_SYNC_LIMIT (1,024), and the answer bounded in bytes
        records = [wire.decode_record(row.blob) for row in rows]
        self.stats.served(peer, request.topic, len(records))
        response = wire.SyncResponse(wire.WIRE_VERSION, records, 0, False)
        return wire.encode(wire.pack_sync_response(response, request.topic))

    def _unfollowed(self, topic: str) -> bool:
        """A peer asked for a topic this node does not follow (a joiner pulls every topic
        it follows from everyone): answered with nothing, counted, not an error."""
        if topic in self.daemon.topics:
            return False
        self.daemon.p2p.counters["unfollowed_topic_requests"] += 1
        return True

    async def serve_heads(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_sync_heads_request(data)
        kept = [t for t in request.topics if t in self.daemon.topics]
        heads = await self.daemon.db(self.daemon.store.heads, kept)
        return wire.encode(
            wire.SyncHeadsResponse(wire.WIRE_VERSION, [heads.get(t, 0) for t in request.topics])
        )
