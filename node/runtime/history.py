"""The history writer: one sample a second of what the node did, written to the store's
``history`` table in batches from the store thread (``node/store/history.py``).

The trio side only reads counters and builds a small struct each second (no I/O); every
``[history] write_every`` seconds the buffered rows go to the store in one transaction
through ``NodeContext.db``-style ``db`` calls, which also delete at most ``DELETE_BATCH``
rows older than ``retention_hours`` (a backlog after a long stop drains a batch a write).

The daemon runs the writer under ``supervised`` (a crash is an event and a restart with
backoff, never the node's end). The buffer lives on the writer, not in ``run``: a restart
loses no sample, and while the store refuses writes (a full disk; the node read-only) the
samples wait for the next write, at most ``BUFFER_LIMIT`` of them, the oldest dropped first
and counted (``HistoryStatus.dropped`` in the node's status). Samples still buffered when
the node stops are lost (at most ``write_every`` seconds, or the backlog of a full store).
"""

from __future__ import annotations

import os
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import trio

from node.config.settings import HistoryConfig
from node.store.history import HistoryRow
from node.store.rows import StoreFullError
from node.wire.status.history import (
    HistorySample,
    HistoryStatus,
    RunPoint,
    TopicTraffic,
    encode_sample,
)
from node.wire.status.services import (
    CloudAdaptStatus,
    DeviceAdaptStatus,
    FinetuneStatus,
    RankStatus,
    RunStatus,
    ServiceStatus,
)

DELETE_BATCH = 600
"""Rows older than the retention deleted per write at most (10 minutes of history)."""
BUFFER_LIMIT = 600
"""Samples kept while the store refuses writes (10 minutes); beyond it the oldest go."""


@dataclass
class Traffic:
    """Records and bytes per topic since the last sample; the daemon bumps it on commit
    (in: new records stored from peers) and on publish (out: this node's records)."""

    topics: dict[str, TopicTraffic] = field(default_factory=dict)

    def inbound(self, topic: str, size: int) -> None:
        t = self.topics.setdefault(topic, TopicTraffic())
        t.records_in += 1
        t.bytes_in += size

    def outbound(self, topic: str, size: int) -> None:
        t = self.topics.setdefault(topic, TopicTraffic())
        t.records_out += 1
        t.bytes_out += size

    def take(self) -> dict[str, TopicTraffic]:
        taken, self.topics = self.topics, {}
        return taken


@dataclass(frozen=True)
class Probe:
    """What the node says at the end of a second (cumulative counters; the writer takes
    differences)."""

    peers: int
    rejections: dict[str, int]
    store_bytes: int
    sections: dict[str, ServiceStatus]
    """The services' last reported status sections, by section name."""
    store_full: bool = False
    """The node is read-only (a full disk): the writer keeps its rows for a later write
    rather than spend the space the store keeps for bookkeeping."""


class HistoryHost(Protocol):
    store: Any
    traffic: Traffic

    def history_probe(self) -> Probe: ...

    def db(self, fn: Callable[..., Any], *args: Any) -> Awaitable[Any]: ...


def rss_bytes() -> int:
    """Resident set size now (Linux /proc; 0 where it cannot be read)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class HistoryWriter:
    """Samples once a second, writes in batches; ``clock`` is wall time (Unix seconds)."""

    def __init__(self, config: HistoryConfig, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.written = 0
        self.deleted = 0
        self.dropped = 0
        """Samples dropped, oldest first, past ``BUFFER_LIMIT`` while writes failed."""
        self.failed_writes = 0
        """Writes the store refused (StoreFullError); their rows stayed in the buffer."""
        self.pending: deque[HistoryRow] = deque()
        """Samples not written yet, oldest first (at most ``BUFFER_LIMIT``)."""
        self._since_write = 0
        self._rejections: Counter[str] = Counter()
        self._rank = RankStatus()
        self._cpu = (time.process_time(), time.monotonic())

    def status(self) -> HistoryStatus:
        return HistoryStatus(
            enabled=True,
            written=self.written,
            deleted=self.deleted,
            buffered=len(self.pending),
            dropped=self.dropped,
            failed_writes=self.failed_writes,
        )

    def sample(self, probe: Probe, traffic: dict[str, TopicTraffic]) -> HistorySample:
        now = self.clock()
        cpu, wall = time.process_time(), time.monotonic()
        share = (cpu - self._cpu[0]) / max(wall - self._cpu[1], 1e-3)
        self._cpu = (cpu, wall)
        totals = Counter(probe.rejections)
        rejected = {k: n for k, n in (totals - self._rejections).items() if n > 0}
        self._rejections = totals
        sample = HistorySample(
            ts_s=int(now),
            peers=probe.peers,
            topics=traffic,
            rejections=rejected,
            cpu=round(min(share, 64.0), 4),
            rss_bytes=rss_bytes(),
            store_bytes=probe.store_bytes,
        )
        rank = probe.sections.get(RankStatus.SECTION)
        if isinstance(rank, RankStatus):
            sample.searches = max(0, rank.searches - self._rank.searches)
            sample.clicks = max(0, rank.clicks - self._rank.clicks)
            self._rank = rank
        finetune = probe.sections.get(FinetuneStatus.SECTION)
        if isinstance(finetune, FinetuneStatus):
            sample.runs = {rid: _run_point(run) for rid, run in finetune.runs.items()}
        adapt = probe.sections.get(DeviceAdaptStatus.SECTION)
        if isinstance(adapt, DeviceAdaptStatus | CloudAdaptStatus):
            sample.adapt_uploads = adapt.uploads
        if isinstance(adapt, CloudAdaptStatus):
            sample.adapt_upload_bytes = adapt.upload_bytes
        if isinstance(adapt, DeviceAdaptStatus):
            sample.adapt_accuracy = adapt.accuracy_recent
            sample.adapt_uncertainty = adapt.uncertainty_recent
            sample.adapt_upload_bytes = round(adapt.uplink_bytes_per_sample * adapt.samples)
            sample.prompt_version = adapt.prompt_version
        return sample

    async def run(self, node: HistoryHost) -> None:
        """Sample every second, write every ``write_every`` seconds; runs until cancelled.
        A restart (``supervised``) keeps the buffer and the counters."""
        tick = trio.current_time()
        while True:
            tick += 1.0
            await trio.sleep_until(tick)
            probe = node.history_probe()
            self.keep(as_row(self.sample(probe, node.traffic.take())))
            self._since_write += 1
            if self._since_write >= self.config.write_every and not probe.store_full:
                self._since_write = 0
                await self.write(node)

    def keep(self, row: HistoryRow) -> None:
        """Buffer ``row``; past ``BUFFER_LIMIT`` the oldest buffered row is dropped."""
        self.pending.append(row)
        while len(self.pending) > BUFFER_LIMIT:
            self.pending.popleft()
            self.dropped += 1

    async def write(self, node: HistoryHost) -> None:
        """Write the whole buffer in one transaction; a full store keeps it for next time."""
        rows = list(self.pending)
        before = int(self.clock() - self.config.retention_hours * 3600)
        try:
            deleted = await node.db(node.store.write_history, rows, before, DELETE_BATCH)
        except StoreFullError:  # a full disk never stops the node: keep them, retry later
            self.failed_writes += 1
            return
        for _ in rows:  # only this task appends: the buffer still starts with ``rows``
            self.pending.popleft()
        self.deleted += deleted
        self.written += len(rows)


def _run_point(run: RunStatus) -> RunPoint:
    """Round, θ hash and the held-out accuracy and loss at the newest scored checkpoint."""
    scored = [int(r) for r, c in run.checkpoints.items() if c.accuracy is not None]
    newest = run.checkpoints[str(max(scored))] if scored else None
    return RunPoint(
        round=run.round,
        sha256=run.sha256[:16],
        accuracy=None if newest is None else newest.accuracy,
        loss=None if newest is None else newest.loss,
    )


def as_row(sample: HistorySample) -> HistoryRow:
    """The table row for ``sample``: its scalars as columns, the whole sample encoded."""
    topics = sample.topics.values()
    return HistoryRow(
        ts_s=sample.ts_s,
        peers=sample.peers,
        records_in=sum(t.records_in for t in topics),
        records_out=sum(t.records_out for t in topics),
        bytes_in=sum(t.bytes_in for t in topics),
        bytes_out=sum(t.bytes_out for t in topics),
        rejections=sum(sample.rejections.values()),
        cpu=sample.cpu,
        rss_bytes=sample.rss_bytes,
        store_bytes=sample.store_bytes,
        sample=encode_sample(sample),
    )
