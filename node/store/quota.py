"""Per-author quotas and per-topic retention: what the store refuses at ingest and sweeps.

Topic classes (``node.config.store.StoreConfig``): notes (``byteswarm/*``), clicks
(``rank/clicks``), finetune (``finetune/*``: never refused or swept, a run's records are
bounded by its rounds and needed while it is live) and other. The node's own records are
exempt: sweeping them would lower its next seq, and they are bounded by its own rate.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from node import wire
from node.config.store import StoreConfig
from node.store.database import RecordRow, Store

DAY_MS = 86_400_000
SWEEP_BATCH = 2_000
"""Rows one sweep transaction deletes; the store thread serves other calls in between."""


@dataclass(frozen=True)
class TopicLimits:
    """How much of one topic the store keeps: None means unbounded."""

    per_author: int | None
    retention_ms: int | None


def _retention(days: float) -> int | None:
    return None if days == 0 else int(days * DAY_MS)


class StoragePolicy:
    """Decides, per topic, which relayed records to refuse and which stored ones to sweep."""

    def __init__(self, config: StoreConfig, own_author: bytes) -> None:
        self.own_author = bytes(own_author)
        self.notes = TopicLimits(config.notes_per_author, _retention(config.notes_retention_days))
        self.clicks = TopicLimits(
            config.clicks_per_author, _retention(config.clicks_retention_days)
        )
        self.other = TopicLimits(config.other_per_author, _retention(config.other_retention_days))
        self.unbounded = TopicLimits(None, None)

    def limits(self, topic: str) -> TopicLimits:
        if topic.startswith("finetune/"):
            return self.unbounded
        if topic == wire.CLICKS_TOPIC:
            return self.clicks
        if topic.startswith("byteswarm/"):
            return self.notes
        return self.other

    def cutoff(self, topic: str, now_ms: int) -> int | None:
        """Records of ``topic`` older than this are past retention (None: kept forever)."""
        retention = self.limits(topic).retention_ms
        return None if retention is None else now_ms - retention

    def admit(
        self, store: Store, rows: Sequence[RecordRow]
    ) -> tuple[list[RecordRow], Counter[str]]:
        """The rows to insert (in order) and the refused ones counted by cause (``quota``:
        the author holds its quota). Retention is the sweeper's alone: records dated past
        it are stored and swept at the next sweep, so a peer's clock or a test's dates
        never make ingest and sweeping disagree."""
        refused: Counter[str] = Counter()
        held: dict[str, dict[bytes, int]] = {}
        kept: list[RecordRow] = []
        for row in rows:
            author = bytes(row.author)
            if author == self.own_author:
                kept.append(row)
                continue
            limits = self.limits(row.topic)
            if limits.per_author is not None:
                counts = held.get(row.topic)
                if counts is None:
                    authors = {bytes(r.author) for r in rows if r.topic == row.topic}
                    counts = held[row.topic] = store.author_counts(row.topic, authors)
                if counts[author] >= limits.per_author:
                    refused["quota"] += 1
                    continue
                counts[author] += 1
            kept.append(row)
        return kept, refused

    def sweep_batch(self, store: Store, topic: str, now_ms: int) -> int:
        """Delete up to ``SWEEP_BATCH`` past-retention records of ``topic``; how many went."""
        cutoff = self.cutoff(topic, now_ms)
        if cutoff is None:
            return 0
        with store.relaxed():  # deletions are acknowledged to nobody
            return store.delete_expired(topic, cutoff, self.own_author, SWEEP_BATCH)
