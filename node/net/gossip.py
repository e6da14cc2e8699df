"""Our record topics on gossipsub: validated batches in, paced batches out.

Inbound, a topic validator (wrapped so it can never raise: a raising validator kills
py-libp2p's pubsub service) charges the forwarder's token bucket, decodes the batch with
typed decoders and checks every record's topic, author = message signer and signature;
readers only decode and queue, and one ingester hands many messages to the node in one
store commit. Outbound, records queue for a paced publisher that packs them into batches
(an unpaced publish loop silently loses most messages).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import trio
from libp2p.peer.id import ID
from libp2p.pubsub.pubsub import Pubsub

from node import wire
from node.config.settings import NodeConfig
from node.net.framing import pack_batches
from node.net.peer_guard import PeerGuard
from node.net.ratelimit import TokenBuckets

RecordsHandler = Callable[[list[wire.SignedRecord], str], Awaitable[object]]


class PublishError(RuntimeError):
    """A record cannot be queued for gossip (unknown topic, full queue)."""


class Gossip:
    """One node's record topics: joining, validating, reading, ingesting, publishing."""

    def __init__(
        self,
        pubsub: Pubsub,
        config: NodeConfig,
        buckets: TokenBuckets,
        counters: Counter[str],
        peer_id: str,
        on_records: RecordsHandler,
        log: logging.Logger,
    ) -> None:
        self.pubsub = pubsub
        self.config = config
        self.buckets = buckets
        self.counters = counters
        self.peer_id = peer_id
        self._on_records = on_records
        self.log = log
        self.topics: list[str] = []
        self.guard: PeerGuard | None = None
        """Where rejections are counted against the forwarder (set by the host)."""
        self._outbox_send, self._outbox_recv = trio.open_memory_channel[wire.SignedRecord](100_000)
        self._inbox_send, self._inbox_recv = trio.open_memory_channel[
            tuple[list[wire.SignedRecord], str]
        ](10_000)

    async def join(self, topic: str, nursery: trio.Nursery) -> None:
        self.pubsub.set_topic_validator(topic, self._make_validator(topic), False)
        subscription = await self.pubsub.subscribe(topic)
        self.topics.append(topic)
        nursery.start_soon(self._reader, topic, subscription)

    # -- inbound gossip --------------------------------------------------------------

    def _make_validator(self, topic: str) -> Callable[[ID, Any], bool]:
        def validate(forwarder: ID, msg: Any) -> bool:
            try:
                return self._validate(topic, forwarder, msg)
            except Exception as exc:  # a raising validator would kill the pubsub service
                self.counters["rejected_validator_error"] += 1
                self.log.warning("validator error on %s: %r", topic, exc)
                return False

        return validate

    def _validate(self, topic: str, forwarder: ID, msg: Any) -> bool:
        # One token per message was charged before the signature check (pubsub_guard.py).
        sender = forwarder.to_base58()
        data: bytes = msg.data
        try:
            batch = wire.decode_record_batch(data, max_bytes=self.config.gossip.max_message_bytes)
            if not self.buckets.take(sender, float(len(batch.records))):
                self.counters["rejected_rate"] += 1
                if self.guard is not None:
                    self.guard.note_rate_reject(forwarder, topic)
                return False
            origin = bytes(msg.from_id)
            for record in batch.records:
                if record.topic != topic:
                    raise wire.WireError(f"record topic {record.topic!r} on {topic!r}")
                if wire.peer_id_from_author(record.author) != origin:
                    raise wire.WireError("record author is not the message signer")
                wire.check_record(record)
        except wire.WireError as exc:
            self.counters["rejected_invalid"] += 1
            if self.guard is not None:
                self.guard.note_invalid(forwarder, "invalid_record")
            self.log.debug("rejected gossip on %s from %s: %s", topic, sender, exc)
            return False
        return True

    async def _reader(self, topic: str, subscription: Any) -> None:
        while True:
            msg = await subscription.get()
            origin = ID(msg.from_id).to_base58()
            if origin == self.peer_id:
                continue
            try:
                batch = wire.decode_record_batch(msg.data, self.config.gossip.max_message_bytes)
            except wire.WireError:  # validated already; only a library bug gets here
                self.counters["rejected_invalid"] += 1
                continue
            self.counters["gossip_messages_in"] += 1
            self.counters["gossip_records_in"] += len(batch.records)
            await self._inbox_send.send((list(batch.records), origin))

    async def ingester(self) -> None:
        """Hand received records to the node in batches: one store commit for many messages.

        Readers only decode and queue, so subscriptions never back up (py-libp2p drops
        silently when they do) and the store's single thread is not hit once per message.
        """
        while True:
            records, origin = await self._inbox_recv.receive()
            sources = {origin}
            while len(records) < 4096:
                try:
                    more, more_origin = self._inbox_recv.receive_nowait()
                except trio.WouldBlock:
                    break
                records.extend(more)
                sources.add(more_origin)
            started = trio.current_time()
            await self._on_records(records, origin if len(sources) == 1 else "gossip")
            self.counters["gossip_ingest_ms"] += int(1000 * (trio.current_time() - started))
            self.counters["gossip_ingest_batches"] += 1

    # -- outbound gossip -------------------------------------------------------------

    def publish(self, record: wire.SignedRecord) -> None:
        """Queue a record for the paced publisher; raises PublishError when it cannot."""
        if record.topic not in self.topics:
            raise PublishError(f"not joined to topic {record.topic!r}")
        try:
            self._outbox_send.send_nowait(record)
        except trio.WouldBlock as exc:
            raise PublishError("publish queue is full") from exc

    async def publisher(self) -> None:
        """Send queued records as batches, one publish per interval (never a tight loop)."""
        g = self.config.gossip
        while True:
            first = await self._outbox_recv.receive()
            pending = [first]
            while len(pending) < g.max_batch_records * 16:
                try:
                    pending.append(self._outbox_recv.receive_nowait())
                except trio.WouldBlock:
                    break
            for payload in pack_batches(pending, g.max_batch_records, g.max_message_bytes):
                topic = payload[0]
                started = trio.current_time()
                await self.pubsub.publish(topic, payload[1])
                self.counters["gossip_messages_out"] += 1
                self.counters["gossip_publish_ms"] += int(1000 * (trio.current_time() - started))
                self.counters["gossip_outbox_max"] = max(
                    self.counters["gossip_outbox_max"],
                    self._outbox_recv.statistics().current_buffer_used,
                )
                await trio.sleep(g.publish_interval)
