"""Catch-up over request/response: sync pulls, heads checks, samples (answered: catchup_server.py).

Gossip is best effort; this is how a node gets what it missed. On connect a node pulls
every topic from the new peer; afterwards it asks each peer for its topics' heads (one
exchange) and pulls only the topics that moved past our cursor there. A pull answers with
the records stored after the asker's cursor, minus the (author, seq) ranges the asker says
it holds; the cursor moves only after the pulled records are committed, so a crash re-pulls.

Peers are visited concurrently, each request under a deadline (``sync.timeout``); whom
to visit when, and each peer's own failure backoff, is node/runtime/pull_schedule.py's business.

Heads checks back off while a peer is quiet: the delay doubles after each check that found
nothing to pull, from ``sync.interval`` up to ``sync.idle_max_interval``, and drops back to
``sync.interval`` when a check finds something or any new record of a topic this loop
covers arrives (by gossip or from any peer). Every exchange costs ~0.7 kB at the sockets
whatever it carries (a yamux stream, multistream-select, Noise frames), so a node that is
idle in an idle swarm pays it every minute per peer instead of every few seconds. The price:
a record whose gossip was lost in a quiet swarm arrives up to ``idle_max_interval`` late.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import trio

from node import wire
from node.net.host import P2PError, ProtocolUnsupported
from node.runtime.catchup_server import (
    HEADS_PROTOCOL,
    SAMPLE_PROTOCOL,
    CatchupHost,
    CatchupServer,
)
from node.runtime.peer_stats import PeerStats
from node.runtime.pull_schedule import PullSchedule
from node.wire.status.node import CatchupStatus

log = logging.getLogger("byteswarm.daemon")
HELD_RANGES_TTL = 1.0
"""Seconds one read of a topic's held ranges serves every pull (see ``_held_ranges``)."""
T = TypeVar("T")


class PeerTimeout(P2PError):
    """A peer did not answer a catch-up request within ``sync.timeout``."""


class Catchup:
    """One node's catch-up: pulls from its peers (and holds the side that answers them)."""

    def __init__(self, daemon: CatchupHost) -> None:
        self.daemon = daemon
        self._cursors: dict[tuple[str, str], int] | None = None
        """Every (peer, topic) cursor, read from the store once, then kept here."""
        self._held: dict[str, tuple[float, list[wire.HeldRange]]] = {}
        self._resets: dict[str, int] = {}
        """Per peer, how often its cursors were forgotten: a pull that began before keeps
        its answer's records but must not write back a cursor of the replaced store."""
        self.schedule = PullSchedule(daemon.config.sync)
        self.stats = PeerStats(time.monotonic)
        """Records served per peer and how far each side's sync is behind (Peers screen)."""
        self.server = CatchupServer(daemon, self.stats)
        """The answering side: our peers' pulls, heads checks and samples."""
        self.service_pulled: set[str] = set()
        """Topics a service pulls on its own schedule for now: the loop still pulls them
        from a newly connected peer, but leaves them out of its periodic rounds."""

    def register(self) -> None:
        """Answer heads and sample requests (sync requests reach ``serve_sync`` via p2p)."""
        self.server.register()

    def saw_new(self, topic: str) -> None:
        """A new record of ``topic`` was stored: the swarm is not quiet, check every peer
        at the base interval again (unless a service pulls that topic itself)."""
        if topic not in self.service_pulled:
            self.schedule.saw_new()

    async def forget_cursors(self, peer: str) -> None:
        """``peer``'s store was lost or replaced (it asked for its own heads): our cursors
        there count in its old store's numbering, so pull from its start again (held
        ranges keep that cheap) and visit it soon."""
        self._resets[peer] = self._resets.get(peer, 0) + 1
        await self.daemon.db(self.daemon.store.delete_cursors, peer)
        if self._cursors is not None:
            for key in [k for k in self._cursors if k[0] == peer]:
                del self._cursors[key]
        self.schedule.saw_new()

    def penalties(self) -> dict[str, int]:
        """Catch-up requests each peer let time out or answered with an error."""
        return self.schedule.penalties()

    def status(self) -> CatchupStatus:
        """The ``catchup`` section of the status document."""
        return self.schedule.status(self.daemon.p2p.connected_peers())

    # -- pulling ---------------------------------------------------------------------

    async def _cursor(self, peer: str, topic: str) -> int:
        # Read all at once: a burst of new peers must not queue one store call per peer
        # and topic ahead of an operator's commands in the single store thread.
        if self._cursors is None:
            loaded = await self.daemon.db(self.daemon.store.all_cursors)
            if self._cursors is None:  # another visit may have loaded (and moved) them
                self._cursors = loaded
        return self._cursors.get((peer, topic), 0)

    async def _held_ranges(self, topic: str) -> list[wire.HeldRange]:
        """What we hold of ``topic``, shared by the pulls of one second: a stale answer
        only makes a peer send records we already have (dropped as replays)."""
        now = trio.current_time()
        cached = self._held.get(topic)
        if cached is None or now - cached[0] >= HELD_RANGES_TTL:
            rows = await self.daemon.db(
                self.daemon.store.held_ranges, topic, wire.MAX_SYNC_HELD_RANGES
            )
            held = [wire.HeldRange(wire.WIRE_VERSION, a, first, last) for a, first, last in rows]
            cached = self._held[topic] = (now, held)
        return cached[1]

    async def _ask(self, peer: str, exchange: Callable[[], Awaitable[T]]) -> T:
        """One request to ``peer`` under the per-request deadline, counted for the peer."""
        timeout = self.daemon.config.sync.timeout
        self.schedule.asking(peer, trio.current_time())
        try:
            with trio.fail_after(timeout):
                answer = await exchange()
        except (trio.TooSlowError, P2PError, wire.WireError) as exc:
            slow = _timed_out(exc)
            self.schedule.failed(peer, timed_out=slow)
            guard = getattr(self.daemon.p2p, "guard", None)  # absent in a fake host
            if guard is not None and (slow or isinstance(exc, wire.WireError)):
                guard.blame(peer, "timeout" if slow else "protocol_error")  # slow is not honest
            if slow:
                raise PeerTimeout(f"{peer} did not answer within {timeout} s") from exc
            raise
        self.schedule.answered(peer, trio.current_time())
        return answer

    def _bad_answer(self, peer: str, message: str) -> P2PError:
        self.schedule.failed(peer, timed_out=False)
        return P2PError(message)

    async def pull(self, peer: str, topic: str) -> int:
        """Pull every record of ``topic`` that ``peer`` stored after our cursor; returns
        how many were new."""
        daemon = self.daemon
        new = 0
        more = True
        resets = self._resets.get(peer, 0)
        while more:
            cursor = await self._cursor(peer, topic)
            held = await self._held_ranges(topic)
            request = wire.SyncRequest(wire.WIRE_VERSION, topic, cursor, 256, held)
            ask = functools.partial(daemon.p2p.sync_from, peer, request)
            response = await self._ask(peer, ask)
            new += await self._ingest_checked(peer, topic, response.records, "sync")
            if response.next_cursor <= cursor and response.more:
                raise self._bad_answer(peer, f"peer {peer} sent a non-advancing cursor")
            if self._resets.get(peer, 0) != resets:
                return new  # its store was replaced meanwhile: the next visit starts over
            if response.next_cursor != cursor:
                await daemon.db(daemon.store.set_cursor, peer, topic, response.next_cursor)
            if self._cursors is not None:
                self._cursors[(peer, topic)] = response.next_cursor
            more = response.more
        self.stats.pulled_to_end(peer, topic)
        return new

    async def sample(self, peer: str, topic: str, limit: int) -> int:
        """Take ``peer``'s newest ``limit`` records of ``topic`` (checked like any sync
        answer) without touching the sync cursor; returns how many were new."""
        daemon = self.daemon
        request = wire.encode(wire.SampleRequest(wire.WIRE_VERSION, topic, limit))
        max_bytes = daemon.config.sync.max_response_bytes
        ask = functools.partial(daemon.p2p.request, peer, SAMPLE_PROTOCOL, request, max_bytes)
        data = await self._ask(peer, ask)
        packed = wire.decode_packed_sync_response(data, max_bytes)
        if packed.topic != topic or len(packed.records) > limit:
            self.schedule.failed(peer, timed_out=False)
            raise wire.WireError(f"asked for {limit} records of {topic!r}, got another answer")
        records = wire.unpack_sync_response(packed).records
        return await self._ingest_checked(peer, topic, records, "sample")

    async def _ingest_checked(
        self, peer: str, topic: str, records: list[wire.SignedRecord], what: str
    ) -> int:
        """Store the records ``peer`` answered with that verify for ``topic``; count new ones."""
        if not records:  # most idle answers: no thread hop
            return 0
        valid = await trio.to_thread.run_sync(verified_records, topic, records)
        if len(valid) != len(records):
            self.schedule.failed(peer, timed_out=False)
            log.warning("peer %s sent %d invalid %s records", peer, len(records) - len(valid), what)
        return await self.daemon.ingest(valid, peer)

    async def topics_behind(self, peer: str) -> list[str]:
        """Our topics whose log at ``peer`` goes past our cursor there (all, if it answers
        with an error); raises PeerTimeout if it does not answer."""
        topics = [t for t in self.daemon.topics if t not in self.service_pulled]
        behind: list[str] = []
        for start in range(0, len(topics), wire.MAX_HEADS_TOPICS):
            part = topics[start : start + wire.MAX_HEADS_TOPICS]
            request = wire.encode(wire.SyncHeadsRequest(wire.WIRE_VERSION, part))
            ask = functools.partial(self.daemon.p2p.request, peer, HEADS_PROTOCOL, request, 1024)
            try:
                heads = wire.decode_sync_heads_response(await self._ask(peer, ask)).heads
                if len(heads) != len(part):
                    raise self._bad_answer(peer, f"{len(heads)} heads for {len(part)} topics")
            except PeerTimeout:
                raise
            except (P2PError, wire.WireError) as exc:
                log.info("sync heads from %s failed (%s): pulling every topic", peer, exc)
                return topics
            for topic, head in zip(part, heads, strict=True):
                ahead = head > await self._cursor(peer, topic)
                self.stats.checked(peer, topic, ahead)
                if ahead:
                    behind.append(topic)
        return behind

    async def _visit(self, peer: str, known: bool) -> None:
        """One round with ``peer``: every topic on the first visit since it connected,
        afterwards the topics its heads say moved. A timeout ends the visit."""
        found = not known
        try:
            topics = await self.topics_behind(peer) if known else list(self.daemon.topics)
            found = found or bool(topics)
            for topic in topics:
                try:
                    new = await self.pull(peer, topic)
                except (PeerTimeout, ProtocolUnsupported):
                    raise
                except (P2PError, wire.WireError) as exc:
                    log.info("sync of %s from %s failed: %s", topic, peer, exc)
                    continue
                if new:
                    log.info("caught up %d records of %s from %s", new, topic, peer)
        except PeerTimeout as exc:
            log.info("catch-up from %s stopped: %s", peer, exc)
        except ProtocolUnsupported:  # not a byteswarm node: asked again only much later
            self.schedule.refused(peer)
            log.debug("catch-up: %s does not serve sync", peer)
        except Exception:  # a peer's answer must never end the loop (docs/architecture.md §8)
            self.schedule.failed(peer, timed_out=False)
            log.exception("catch-up from %s failed", peer)
        finally:
            self.schedule.finish(peer, trio.current_time(), found=found)

    async def run(self) -> None:
        """Visit each newly connected peer, then each peer whose (backed-off) delay is up,
        best first, as many at once as the schedule has room for."""
        daemon = self.daemon
        schedule = self.schedule
        connected: set[str] = set()
        async with trio.open_nursery() as visits:
            while True:
                peers = set(daemon.p2p.connected_peers())
                for gone in connected - peers:
                    schedule.disconnected(gone)
                connected = peers
                now = trio.current_time()
                for peer in schedule.due(peers, now):
                    if not schedule.has_room(now):
                        break
                    visits.start_soon(self._visit, peer, schedule.start(peer))
                await trio.sleep(0.25)


def _timed_out(exc: BaseException | None) -> bool:
    """Whether ``exc`` was caused by a deadline (rpc.py chains the TooSlowError)."""
    while exc is not None and not isinstance(exc, trio.TooSlowError):
        exc = exc.__cause__ or exc.__context__
    return exc is not None


def verified_records(topic: str, records: list[wire.SignedRecord]) -> list[wire.SignedRecord]:
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
