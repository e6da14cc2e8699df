"""Catch-up over request/response from the store: sync pulls, heads checks, samples.

Gossip is best effort; this is how a node gets what it missed. On connect a node pulls
every topic from the new peer; afterwards it asks each peer for its topics' heads (one
exchange) and pulls only the topics that moved past our cursor there. A pull answers with
the records stored after the asker's cursor, minus the (author, seq) ranges the asker says
it holds; the cursor moves only after the pulled records are committed, so a crash re-pulls.

Heads checks back off while a peer is quiet: the delay doubles after each check that found
nothing to pull, from ``sync.interval`` up to ``sync.idle_max_interval``, and drops back to
``sync.interval`` when a check finds something or any new record of a topic this loop
covers arrives (by gossip or from any peer). Every exchange costs ~0.7 kB at the sockets
whatever it carries (a yamux stream, multistream-select, Noise frames), so a node that is
idle in an idle swarm pays it every minute per peer instead of every few seconds. The price:
a record whose gossip was lost in a quiet swarm arrives up to ``idle_max_interval`` late.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import trio

from node import wire
from node.backoff import Backoff
from node.p2p import P2PError

if TYPE_CHECKING:
    from node.daemon import Daemon

log = logging.getLogger("byteswarm.daemon")
HEADS_PROTOCOL = "/byteswarm/sync-heads/1.0.0"
SAMPLE_PROTOCOL = "/byteswarm/sample/1.0.0"
SYNC_SCAN_ROWS = 8192
"""Rows a sync answer may read past (most of them held by the asker) before it replies."""


class Catchup:
    """One node's catch-up: serves its peers' pulls and pulls from them."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self._cursors: dict[tuple[str, str], int] = {}
        self._quiet: dict[str, Backoff] = {}
        self.service_pulled: set[str] = set()
        """Topics a service pulls on its own schedule for now: the loop still pulls them
        from a newly connected peer, but leaves them out of its periodic rounds."""

    def register(self) -> None:
        """Answer heads and sample requests (sync requests reach ``serve_sync`` via p2p)."""
        p2p = self.daemon.p2p
        p2p.handle(HEADS_PROTOCOL, self.serve_heads, wire.MAX_HEADS_REQUEST_BYTES)
        p2p.handle(SAMPLE_PROTOCOL, self.serve_sample, wire.MAX_SAMPLE_REQUEST_BYTES)

    def saw_new(self, topic: str) -> None:
        """A new record of ``topic`` was stored: the swarm is not quiet, check every peer
        at the base interval again (unless a service pulls that topic itself)."""
        if topic not in self.service_pulled:
            for backoff in self._quiet.values():
                backoff.reset()

    # -- serving ---------------------------------------------------------------------

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

    # -- pulling ---------------------------------------------------------------------

    async def _cursor(self, peer: str, topic: str) -> int:
        cursor = self._cursors.get((peer, topic))
        if cursor is None:  # read once; afterwards the cache is the truth
            cursor = await self.daemon.db(self.daemon.store.get_cursor, peer, topic)
            self._cursors[(peer, topic)] = cursor
        return cursor

    async def pull(self, peer: str, topic: str) -> int:
        """Pull every record of ``topic`` that ``peer`` stored after our cursor; returns
        how many were new."""
        daemon = self.daemon
        new = 0
        more = True
        while more:
            cursor = await self._cursor(peer, topic)
            held = [
                wire.HeldRange(wire.WIRE_VERSION, author, first, last)
                for author, first, last in await daemon.db(
                    daemon.store.held_ranges, topic, wire.MAX_SYNC_HELD_RANGES
                )
            ]
            request = wire.SyncRequest(wire.WIRE_VERSION, topic, cursor, 256, held)
            response = await daemon.p2p.sync_from(peer, request)
            new += await self._ingest_checked(peer, topic, response.records, "sync")
            if response.next_cursor <= cursor and response.more:
                raise P2PError(f"peer {peer} sent a non-advancing cursor")
            if response.next_cursor != cursor:
                await daemon.db(daemon.store.set_cursor, peer, topic, response.next_cursor)
            self._cursors[(peer, topic)] = response.next_cursor
            more = response.more
        return new

    async def sample(self, peer: str, topic: str, limit: int) -> int:
        """Take ``peer``'s newest ``limit`` records of ``topic`` (checked like any sync
        answer) without touching the sync cursor; returns how many were new."""
        daemon = self.daemon
        request = wire.encode(wire.SampleRequest(wire.WIRE_VERSION, topic, limit))
        max_bytes = daemon.config.sync.max_response_bytes
        data = await daemon.p2p.request(peer, SAMPLE_PROTOCOL, request, max_bytes)
        packed = wire.decode_packed_sync_response(data, max_bytes)
        if packed.topic != topic or len(packed.records) > limit:
            raise wire.WireError(f"asked for {limit} records of {topic!r}, got another answer")
        records = wire.unpack_sync_response(packed).records
        return await self._ingest_checked(peer, topic, records, "sample")

    async def _ingest_checked(
        self, peer: str, topic: str, records: list[wire.SignedRecord], what: str
    ) -> int:
        """Store the records ``peer`` answered with that verify for ``topic``; count new ones."""
        if not records:  # most idle answers: no thread hop
            return 0
        valid = await trio.to_thread.run_sync(_verified, topic, records)
        if len(valid) != len(records):
            log.warning("peer %s sent %d invalid %s records", peer, len(records) - len(valid), what)
        return await self.daemon.ingest(valid, peer)

    async def topics_behind(self, peer: str) -> list[str]:
        """Our topics whose log at ``peer`` goes past our cursor there (all, if it cannot say)."""
        topics = [t for t in self.daemon.topics if t not in self.service_pulled]
        behind: list[str] = []
        for start in range(0, len(topics), wire.MAX_HEADS_TOPICS):
            part = topics[start : start + wire.MAX_HEADS_TOPICS]
            request = wire.encode(wire.SyncHeadsRequest(wire.WIRE_VERSION, part))
            try:
                data = await self.daemon.p2p.request(peer, HEADS_PROTOCOL, request, 1024)
                heads = wire.decode_sync_heads_response(data).heads
            except (P2PError, wire.WireError) as exc:
                log.info("sync heads from %s failed (%s): pulling every topic", peer, exc)
                return topics
            if len(heads) != len(part):
                return topics
            for topic, head in zip(part, heads, strict=True):
                if head > await self._cursor(peer, topic):
                    behind.append(topic)
        return behind

    async def run(self) -> None:
        """Pull everything from each newly connected peer, then check each peer's heads
        once its (backed-off) delay since the last check is up, and pull what moved."""
        daemon = self.daemon
        settings = daemon.config.sync
        checked: dict[str, float] = {}
        while True:
            peers = set(daemon.p2p.connected_peers())
            for peer in sorted(peers):
                known = peer in checked
                quiet = self._quiet.setdefault(
                    peer,
                    Backoff(settings.interval, max(settings.interval, settings.idle_max_interval)),
                )
                if known and trio.current_time() < checked[peer] + quiet.delay:
                    continue
                checked[peer] = trio.current_time()
                if not known:
                    addrs = daemon.p2p.peer_addrs(peer)
                    await daemon.db(daemon.store.upsert_peer, peer, addrs, True, "connect")
                    await daemon.db(daemon.store.add_event, "peer", f"connected to {peer}")
                # A new peer: pull everything; later rounds ask for heads first (one exchange).
                topics = await self.topics_behind(peer) if known else list(daemon.topics)
                if known and not topics:
                    quiet.lengthen()
                else:
                    quiet.reset()
                for topic in topics:
                    try:
                        new = await self.pull(peer, topic)
                        if new:
                            log.info("caught up %d records of %s from %s", new, topic, peer)
                    except (P2PError, wire.WireError) as exc:
                        log.info("sync of %s from %s failed: %s", topic, peer, exc)
                        break
            for gone in set(checked) - peers:
                del checked[gone]
                self._quiet.pop(gone, None)
                addrs = daemon.p2p.peer_addrs(gone)
                await daemon.db(daemon.store.upsert_peer, gone, addrs, False, "connect")
                await daemon.db(daemon.store.add_event, "peer", f"disconnected from {gone}")
            await trio.sleep(0.25)


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
