"""``tail(topic)``: follow a topic's committed records, woken by commits, not by polling.

The node calls ``Commits.committed(topics)`` after every commit that stored something new
(ingest of gossip, sync and samples, and its own publishes), which wakes the tails of those
topics at once. Records another process commits into the store file (the CLI's offline
click, ``byteswarm items import``) reach no such call: a tail with nothing to read also
looks at SQLite's ``PRAGMA data_version`` every ``every`` seconds, which moves when another
connection commits, and reads again when it moved. See docs/architecture.md §4.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import trio

from node.store.database import Store, StoredRecord

PAGE_ROWS = 1024
"""Most records in one batch a tail yields (a long backlog comes in several batches)."""

PAGE_BYTES = 16 * 1024 * 1024
"""Most record bytes in one batch (at least one record is always yielded)."""


class Commits:
    """Per-topic wake-ups: a tail waits on its topic's event, a commit sets it."""

    def __init__(self) -> None:
        self._waiting: dict[str, trio.Event] = {}

    def event(self, topic: str) -> trio.Event:
        """The event the next commit of ``topic`` sets (take it *before* reading the store,
        so a commit that lands while the read runs is not missed)."""
        event = self._waiting.get(topic)
        if event is None:
            event = self._waiting[topic] = trio.Event()
        return event

    def committed(self, topics: Iterable[str]) -> None:
        """Records of ``topics`` were committed: wake their tails."""
        for topic in set(topics):
            event = self._waiting.pop(topic, None)
            if event is not None:
                event.set()


async def follow(
    db: Callable[..., Awaitable[Any]],
    store: Store,
    commits: Commits,
    topic: str,
    after: int,
    every: float,
) -> AsyncIterator[list[StoredRecord]]:
    """Batches of ``topic``'s records committed after store cursor ``after``, in cursor
    order, each batch as soon as it is committed; never an empty batch. ``db`` runs a store
    call the way the node runs them (its store thread)."""
    if every <= 0:
        raise ValueError(f"every must be > 0, got {every}")
    cursor = after
    version: int = await db(store.data_version)
    while True:
        woken = commits.event(topic)
        rows: list[StoredRecord]
        rows, cursor, _ = await db(store.records_since, topic, cursor, PAGE_ROWS, PAGE_BYTES)
        if rows:
            yield rows
            continue
        while True:
            with trio.move_on_after(every):
                await woken.wait()
            if woken.is_set():  # we committed records of the topic
                break
            seen: int = await db(store.data_version)
            if seen != version:  # another process committed to the file
                version = seen
                break
