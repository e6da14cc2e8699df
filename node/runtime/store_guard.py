"""The daemon's store bounds at work: admission of relayed records, publish checks, the
space probe, the retention sweeper and the publish mark (docs/architecture.md §8, "Bounded").

- Relayed records pass ``admit``: dropped (counted) while the disk is full, refused above
  the ceiling, refused past an author's quota or retention (``node.store.quota``).
- A publish is refused while the store is full, and on a topic the store lost (see
  ``node.store.publish_mark``) unless ``[store] accept_loss``; it never reuses a marked seq.
- One task probes for space while full (``store.probe_interval``), measures the store and
  sweeps past-retention rows (``store.sweep_interval``, bounded batches in the store
  thread), saves the publish mark, and notices when a lost topic has re-synced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import trio

from node.config.settings import NodeConfig
from node.store.database import RecordRow, Store, StoreError, StoreFullError, wall_clock_ms
from node.store.health import StoreHealth
from node.store.publish_mark import SAVE_INTERVAL, PublishMark
from node.store.quota import SWEEP_BATCH, StoragePolicy
from node.store.rows import is_disk_full
from node.wire.status.node import StoreHealthStatus

T = TypeVar("T")


class GuardHost(Protocol):
    """What the guard's task needs of the daemon it runs in (``node.runtime.daemon``)."""

    store: Store
    topics: list[str]

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...


log = logging.getLogger("byteswarm.store")
BEST_EFFORT = {
    "write_status": None,
    "add_event": None,
    "upsert_peer": None,
    "record_peers": None,
    "finish_control": None,
}
"""Store calls that may fail while the disk is full without failing their caller (their
result, when a write is lost, is the value given); ``claim_control`` yields no rows."""
LOSS_CHECK_INTERVAL = 10.0


class StoreGuard:
    """One daemon's store bounds; ``run`` is its background task."""

    def __init__(self, config: NodeConfig, author: bytes) -> None:
        self.settings = config.store
        self.health = StoreHealth(config.data_dir, config.store.ceiling_bytes)
        self.policy = StoragePolicy(config.store, author)
        self.mark = PublishMark.load(config.data_dir, author)
        self.loss: dict[str, int] = {}
        self._settled: set[str] = set()
        """Lost topics that publish on after the mark anyway: peers told us what they hold
        (``node/runtime/recovery.py``)."""
        self._news: list[tuple[str, str]] = []

    def open_store(self, path: Path, topics: list[str]) -> Store:
        """Open and check the store (one-line StoreError when damaged); never fails only
        because the disk is full: the node then starts read-only."""
        self.health.release_reserve()  # room for the WAL and shm files, at least
        store = Store.open(path)
        try:
            store.check_integrity()
            self.loss = self.mark.lost(store)
            self.mark.seed(store, topics)
            self.health.measure(store)
        except BaseException:
            store.close()
            raise
        try:
            self.health.fill_reserve()
        except OSError as exc:
            if not is_disk_full(exc):
                raise StoreError(f"cannot write {self.health.reserve}: {exc.strerror}") from exc
            self.health.full = True
            self._news.append(("warning", "the store's disk is full: started read-only"))
        if self.loss:
            lost = ", ".join(f"{t} up to #{h}" for t, h in sorted(self.loss.items()))
            self._news.append(("warning", f"store lost records this node published ({lost})"))
        self._save_mark()
        return store

    def fallback(self, store: Store, fn: Any) -> tuple[bool, Any]:
        """Whether a store call that hit a full disk may be swallowed, and its stand-in."""
        name = getattr(fn, "__name__", "")
        if getattr(fn, "__self__", None) is not store:
            return False, None
        if name == "claim_control":
            return True, []
        return name in BEST_EFFORT, None

    def on_full(self) -> None:
        if self.health.mark_full():
            log.warning("the store is full: serving reads, refusing writes until space returns")
            self._news.append(("warning", "store full: read-only until space returns"))

    # -- writes ------------------------------------------------------------------------

    def insert_relayed(
        self, store: Store, rows: list[RecordRow], source: str
    ) -> tuple[list[RecordRow], list[bool]]:
        """Admit and insert records peers relayed (store thread): (kept rows, which were
        new). Raises StoreFullError while full so a sync cursor does not move past them."""
        health = self.health
        if health.full:
            health.refused["full"] += len(rows)
            raise StoreFullError("the store is full: relayed records are dropped")
        if health.over_ceiling:
            own = [r for r in rows if bytes(r.author) == self.policy.own_author]
            health.refused["ceiling"] += len(rows) - len(own)
            rows = own
        kept, refused = self.policy.admit(store, rows)
        health.refused.update(refused)
        if not kept:
            return kept, []
        try:
            with store.relaxed():  # acknowledged to nobody and pulled again if lost: no fsync
                return kept, store.insert_records(kept, source)
        except StoreFullError:
            health.refused["full"] += len(kept)
            raise

    def before_publish(self, topic: str) -> int:
        """Refuse a publish the store cannot take; else the lowest seq it may carry."""
        if self.health.full:
            self.health.refused["publish_full"] += 1
            raise StoreFullError(
                "the store is full: publishing is refused until space is freed on its disk"
            )
        if topic in self.loss and not self.settings.accept_loss:
            raise StoreError(
                f"the store lost records this node published on {topic} (up to"
                f" #{self.loss[topic]}): waiting to re-sync them from peers; set [store]"
                " accept_loss = true to publish after them now"
            )
        return self.mark.floor(topic)

    def settle_loss(self, topic: str) -> None:
        """Publish on ``topic`` after its mark although the store lacks records of it (what
        the peers hold is known: own-log recovery)."""
        self._settled.add(topic)
        self.loss.pop(topic, None)

    async def published(self, topic: str, seq: int) -> None:
        if self.mark.note(topic, seq):
            await trio.to_thread.run_sync(self._save_mark)

    def _save_mark(self) -> None:
        if not self.mark.dirty:
            return
        try:
            self.mark.save()
        except OSError as exc:  # a full disk: the next save retries
            log.warning("cannot save %s: %s", self.mark.path, exc.strerror)

    def status(self) -> StoreHealthStatus:
        status = self.health.status()
        status.store_loss = dict(self.loss)
        return status

    # -- the background task ------------------------------------------------------------

    async def run(self, daemon: GuardHost) -> None:
        now = trio.current_time()
        next_probe, next_sweep = now, now + self.settings.sweep_interval
        next_save = next_loss = now + SAVE_INTERVAL
        while True:
            for level, message in self._news:
                await daemon.db(daemon.store.add_event, "store", message, level=level)
            self._news.clear()
            now = trio.current_time()
            try:
                if self.health.full:
                    if now >= next_probe:
                        next_probe = now + self.settings.probe_interval
                        await self._probe(daemon)
                elif await trio.to_thread.run_sync(self.health.low_on_space):
                    self.on_full()
                    next_probe = now + self.settings.probe_interval
                else:
                    await daemon.db(self.health.measure, daemon.store)
                    if now >= next_sweep:
                        next_sweep = now + self.settings.sweep_interval
                        await self.sweep(daemon)
                if self.loss and now >= next_loss:
                    next_loss = now + LOSS_CHECK_INTERVAL
                    await self._check_loss(daemon)
            except StoreFullError:
                pass  # daemon.db has turned the node read-only; the probe takes over
            if self.mark.dirty and now >= next_save:
                next_save = now + SAVE_INTERVAL
                await trio.to_thread.run_sync(self._save_mark)
            await trio.sleep(min(1.0, self.settings.probe_interval))

    async def _probe(self, daemon: GuardHost) -> None:
        if not await daemon.db(self.health.probe, daemon.store):
            await daemon.db(self.health.checkpoint, daemon.store)
            return
        log.info("space returned: the store takes writes again")
        self._news.append(("info", "store space returned: writes resumed"))

    async def _check_loss(self, daemon: GuardHost) -> None:
        lost = await daemon.db(self.mark.lost, daemon.store)
        self.loss = {t: h for t, h in lost.items() if t not in self._settled}
        if not self.loss:
            self._news.append(("info", "the store holds every record this node published again"))

    async def sweep(self, daemon: GuardHost) -> int:
        """Delete every past-retention record of the node's topics, batch by batch."""
        total = 0
        for topic in list(daemon.topics):
            while True:
                n = await daemon.db(self.policy.sweep_batch, daemon.store, topic, wall_clock_ms())
                total += n
                if n < SWEEP_BATCH:
                    break
        self.health.swept += total
        if total:
            log.info("swept %d records past retention", total)
        return total

    async def close(self) -> None:
        await trio.to_thread.run_sync(self._save_mark)
