"""The libp2p host, hardened; with gossip.py and rpc.py the only modules that touch libp2p.

What py-libp2p 0.8.x gets wrong by default and what we do instead (docs/architecture.md §9):
the transports, Noise only and gossipsub's settings are built in stack.py; topic
validators are wrapped so they can never raise and publishes go through a paced, batching
queue (gossip.py); request/response reads are bounded and ride one kept stream per peer
(rpc.py); shutdown stops the seen-message sweeper thread.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import multiaddr
import trio
from libp2p.peer.id import ID
from libp2p.tools.anyio_service import background_trio_service

from node import wire
from node.config.settings import NodeConfig
from node.net.addresses import announced_by, observed, remote_ips
from node.net.connector import connect_to, dial, hang_up, keep_bootstrap, only_our_dials
from node.net.gossip import Gossip, PublishError, RecordsHandler
from node.net.identity import Identity
from node.net.links import Links
from node.net.liveness import Liveness
from node.net.peer_guard import GuardLimits, PeerGuard
from node.net.pubsub_guard import SupervisedPubsub
from node.net.ratelimit import TokenBuckets
from node.net.rpc import ProtocolRefused, RequestError, Requests
from node.net.rpc_serve import RequestHandler
from node.net.stack import build_gossipsub, build_host
from node.wire.status.node import P2PStatus

SYNC_PROTOCOL = "/byteswarm/sync/2.0.0"
"""2.0.0: responses are PackedSyncResponse (1.0.0 sent SyncResponse); a 1.0.0 node fails to
negotiate the protocol instead of misreading the bytes."""

SyncServer = Callable[[wire.SyncRequest, str], Awaitable[wire.SyncResponse]]


class P2PError(RuntimeError):
    """A network operation failed (bad address, dial error, protocol violation)."""


class ProtocolUnsupported(P2PError):
    """The peer does not speak the protocol asked for (it is not a byteswarm node)."""


def parse_multiaddr(text: str) -> multiaddr.Multiaddr:
    """Parse ``text`` or raise P2PError naming it."""
    try:
        return multiaddr.Multiaddr(text)
    except Exception as exc:
        raise P2PError(f"bad multiaddr {text!r}: {exc}") from exc


class P2PNode:
    """A libp2p host with gossipsub, our record topics and the sync protocol."""

    def __init__(
        self,
        config: NodeConfig,
        identity: Identity,
        *,
        on_records: RecordsHandler,
        serve_sync: SyncServer,
        log: logging.Logger,
    ) -> None:
        self.config = config
        self.log = log
        self._serve_sync = serve_sync
        self.counters: Counter[str] = Counter()
        self.host = build_host(config, identity, self.counters, log)
        only_our_dials(self.host)  # discovery dials, bounded; not py-libp2p (connector.py)
        self.peer_id: str = self.host.get_id().to_base58()
        g = config.gossip
        limits = config.peer_limits
        self.guard = PeerGuard(
            GuardLimits(limits.graylist_score, limits.ban_score, limits.ban_seconds),
            logging.getLogger("byteswarm.peers"),
        )
        self.gossipsub = build_gossipsub(config, self.guard)
        self.buckets = TokenBuckets(config.peer_limits.rate, config.peer_limits.burst)
        self.pubsub = SupervisedPubsub(
            self.host,
            self.gossipsub,
            strict_signing=True,
            max_inbound_rpc_size=g.max_message_bytes + 64 * 1024,
            guard=self.guard,
            buckets=self.buckets,
        )
        self.requests = Requests(
            self.host,
            self.buckets,
            self.counters,
            config.sync.timeout,
            log,
            self.guard,
            read_timeout=config.peer_limits.request_read_timeout,
        )
        self.gossip = Gossip(
            self.pubsub, config, self.buckets, self.counters, self.peer_id, on_records, log
        )
        self.gossip.guard = self.guard
        self.liveness = Liveness(self.host, config.liveness, self.counters, log)
        self.links = Links(self.host, self.gossipsub, log)
        self._nursery: trio.Nursery | None = None

    # -- lifecycle -----------------------------------------------------------------

    async def serve(
        self, topics: Sequence[str], *, task_status: Any = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Listen, join ``topics`` and run until cancelled; shut down cleanly."""
        listen = [parse_multiaddr(a) for a in self.config.listen]
        try:
            async with (
                self.host.run(listen_addrs=listen),
                background_trio_service(self.pubsub),
                background_trio_service(self.gossipsub),
                trio.open_nursery() as nursery,
            ):
                if not self.host.get_addrs():
                    # py-libp2p logs a failed bind and carries on listening on nothing.
                    raise OSError(98, "address already in use or not available")
                await self.pubsub.wait_until_ready()
                self.handle(SYNC_PROTOCOL, self._answer_sync, wire.MAX_SYNC_REQUEST_BYTES)
                self._nursery = nursery
                for topic in topics:
                    await self._join(topic, nursery)
                nursery.start_soon(self.gossip.publisher)
                nursery.start_soon(self.gossip.ingester)
                peers, log, held = self.connected_peers, self.log, self.links.held
                nursery.start_soon(
                    keep_bootstrap, self.config, self.connect, peers, held, log, P2PError
                )
                nursery.start_soon(self.liveness.run)
                nursery.start_soon(self._police)
                if self.config.metrics.listen:
                    from node.net.metrics import serve_metrics

                    events = self.host.get_metrics_recv_channel()
                    nursery.start_soon(
                        serve_metrics, self.config.metrics.listen, self.status, events
                    )
                task_status.started()
                try:
                    await trio.sleep_forever()
                finally:  # before the swarm's own shutdown, which leaves sockets open
                    await hang_up(self.host)
        finally:
            with trio.CancelScope(shield=True):
                await self._shutdown()

    async def _shutdown(self) -> None:
        try:
            await self.host.close()
        except Exception as exc:  # a half-open connection must not block shutdown
            self.log.warning("host close failed: %s", exc)
        # The seen-message cache runs a sweeper thread that nothing else stops.
        stop = getattr(self.pubsub.seen_messages, "stop", None)
        if stop is not None:
            await trio.to_thread.run_sync(stop)

    async def join(self, topic: str) -> None:
        """Join another topic while running (services open per-run topics)."""
        if topic in self.gossip.topics:
            return
        if self._nursery is None:
            raise P2PError("the host is not running")
        try:
            await self._join(topic, self._nursery)
        except RuntimeError as exc:  # the nursery closes while the node shuts down
            raise P2PError(f"cannot join {topic}: {exc}") from exc

    async def _join(self, topic: str, nursery: trio.Nursery) -> None:
        await self.gossip.join(topic, nursery)

    def publish(self, record: wire.SignedRecord) -> None:
        """Queue a record for the paced publisher; raises P2PError when the queue is full."""
        try:
            self.gossip.publish(record)
        except PublishError as exc:
            raise P2PError(str(exc)) from exc

    # -- peers -----------------------------------------------------------------------

    def listen_addrs(self) -> list[str]:
        return [str(a) for a in self.host.get_addrs()]

    def connected_peers(self) -> list[str]:
        return [p.to_base58() for p in self.host.get_connected_peers()]

    def remote_ips(self, peer_id: str) -> set[str]:
        """The IPs ``peer_id``'s live connections come from (what its claims must match)."""
        return remote_ips(self.host, peer_id)

    def peer_addrs(self, peer_id: str) -> list[str]:
        """The dialable addresses ``peer_id`` announced (identify), at most four."""
        return announced_by(self.host, peer_id)

    async def connect(self, addr: str) -> str:
        """Dial a ``/ip4/.../tcp/.../p2p/ID`` address; returns the peer id."""
        return await connect_to(
            self.host, parse_multiaddr(addr), self.config.sync.timeout, P2PError
        )

    async def dial(self, peer_id: str, addrs: list[str], timeout: float) -> None:
        """Connect to ``peer_id`` at one of ``addrs``; P2PError on failure."""
        try:
            await dial(self.host, peer_id, addrs, timeout)
        except Exception as exc:
            raise P2PError(f"cannot dial {peer_id}: {exc!r}") from exc

    async def _police(self) -> None:
        """Disconnect peers whose score fell below the ban threshold (and keep them out)."""
        while True:
            await trio.sleep(0.5)
            self.guard.topics = list(self.gossip.topics)
            for peer in self.guard.police(self.connected_peers()):
                self.pubsub.blacklisted_peers.add(ID.from_base58(peer))
                await self.links.close(peer)  # each connection: links.py says why
            for pid in list(self.pubsub.blacklisted_peers):
                if not self.guard.banned(pid.to_base58()):
                    self.pubsub.blacklisted_peers.discard(pid)

    # -- request/response --------------------------------------------------------------

    def handle(self, protocol: str, handler: RequestHandler, max_request_bytes: int) -> None:
        """Serve ``protocol`` (on its own streams and over request channels: rpc.py)."""
        self.requests.handle(protocol, handler, max_request_bytes)

    async def request(
        self, peer_id: str, protocol: str, data: bytes, max_response_bytes: int
    ) -> bytes:
        """Send one request to ``peer_id`` and return its (size-checked) response bytes."""
        try:
            return await self.requests.request(peer_id, protocol, data, max_response_bytes)
        except ProtocolRefused as exc:
            raise ProtocolUnsupported(str(exc)) from exc
        except RequestError as exc:
            raise P2PError(str(exc)) from exc

    async def sync_from(self, peer_id: str, request: wire.SyncRequest) -> wire.SyncResponse:
        """Ask ``peer_id`` for the stored records of a topic after a cursor."""
        limit = self.config.sync.max_response_bytes
        data = await self.request(peer_id, SYNC_PROTOCOL, wire.encode(request), limit)
        packed = wire.decode_packed_sync_response(data, limit)
        if packed.topic != request.topic:
            raise wire.WireError(f"asked for {request.topic!r}, got {packed.topic!r}")
        self.counters["sync_responses_in"] += 1
        self.counters["sync_response_bytes_in"] += len(data)
        return wire.unpack_sync_response(packed)

    async def _answer_sync(self, data: bytes, peer: str) -> bytes:
        request = wire.decode_sync_request(data)
        response = await self._serve_sync(request, peer)
        self.counters["sync_responses_out"] += 1
        return wire.encode(wire.pack_sync_response(response, request.topic))

    def status(self) -> P2PStatus:
        mesh = getattr(self.gossipsub, "mesh", {})
        return P2PStatus(
            peer_id=self.peer_id,
            listen_addrs=self.listen_addrs(),
            observed_addrs=observed(self.host),
            connected_peers=self.connected_peers(),
            topics={t: len(mesh.get(t, ())) for t in self.gossip.topics},
            counters=dict(self.counters),
            peers=self.guard.status(),
        )
