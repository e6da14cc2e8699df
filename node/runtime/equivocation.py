"""One author, one log, at ingest: equivocation evidence and a twin of our own key.

Every record ingest stores (gossip, sync, samples) passes through ``insert``: the records
that the store already held under their (topic, author, seq) are compared with the stored
ones, and a different one, validly signed (ingest only sees verified records), is kept as
evidence (``node/store/evidence.py``), logged as an event (once per author a minute) and
counted per author in status. It counts against the author alone: the relay is honest.

A record signed with *our* key that this node did not write means the key runs elsewhere
(a copied identity) or this node forked its own log (a lost store, republished before any
peer answered): either a second record under a seq we hold, or a new record of ours dated
after this process started. From then on the node refuses to publish (``check_publish``),
says so in one event and in status, until an operator restarts it with its own key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from node import wire
from node.runtime.store_guard import StoreGuard
from node.store.database import RecordRow, Store
from node.store.evidence import Conflict, evidence_counts, find_conflicts
from node.wire.status.authorlog import EquivocationStatus

T = TypeVar("T")
EVENT_EVERY_MS = 60_000
"""An author's equivocation is logged at most once per this many ms (the count goes on)."""
TWIN_PROBLEM = "identity key in use by another node"


class TwinDetected(RuntimeError):
    """This node's key signed records this node did not write: publishing is refused."""


class EvidenceHost(Protocol):
    """What the watch needs of the daemon it runs in (``node.runtime.daemon``)."""

    store: Store

    async def db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...


class EquivocationWatch:
    """Equivocation evidence per author, and whether our own key has a twin."""

    def __init__(self, author: bytes, store: Store) -> None:
        self.author = bytes(author)
        self.counts: Counter[bytes] = Counter(evidence_counts(store))
        self.twin: str | None = None
        """The problem in one line once our key signed a record this node did not write."""
        self.started_ms: int | None = None
        """Our clock when the daemon started; a new record of ours dated after it is a twin's."""
        self._logged_ms: dict[bytes, int] = {}
        self._news: list[tuple[str, str]] = []

    def insert(
        self, guard: StoreGuard, store: Store, rows: list[RecordRow], source: str
    ) -> tuple[list[RecordRow], list[bool], list[Conflict]]:
        """``StoreGuard.insert_relayed``, then keep the replays that differ as evidence
        (store thread): (kept rows, which were new, conflicts not seen before)."""
        kept, fresh = guard.insert_relayed(store, rows, source)
        replays = [row for row, new in zip(kept, fresh, strict=True) if not new]
        return kept, fresh, find_conflicts(store, replays, source)

    def saw(
        self, kept: list[RecordRow], fresh: list[bool], conflicts: list[Conflict], now_ms: int
    ) -> None:
        """Count the conflicts, and look for a twin among what ingest stored (trio thread)."""
        for conflict in conflicts:
            self.counts[conflict.author] += 1
            if conflict.author == self.author:
                self._twin(f"two records under {conflict.describe()}")
                continue
            last = self._logged_ms.get(conflict.author)
            if last is None or now_ms - last >= EVENT_EVERY_MS:
                self._logged_ms[conflict.author] = now_ms
                who = wire.peer_id_str(conflict.author)
                self._news.append(
                    ("warning", f"equivocation by {who}: {conflict.describe()}; kept as evidence")
                )
        if self.started_ms is None:
            return
        for row, new in zip(kept, fresh, strict=True):
            if new and bytes(row.author) == self.author and row.ts_ms > self.started_ms:
                self._twin(
                    f"{row.topic} #{row.seq} signed with this node's key at ts {row.ts_ms},"
                    " after this node started, was not written by it"
                )

    def _twin(self, evidence: str) -> None:
        if self.twin is None:
            self.twin = f"{TWIN_PROBLEM}: {evidence}"
            self._news.append(("error", self.twin + "; publishing is refused"))

    def check_publish(self) -> None:
        """Refuse a publish once our key has a twin (one line, for the operator)."""
        if self.twin is not None:
            raise TwinDetected(f"publishing refused: {self.twin}")

    def news(self) -> list[tuple[str, str]]:
        """Events to log (level, message) since the last call."""
        news, self._news = self._news, []
        return news

    def status(self) -> EquivocationStatus:
        """The ``equivocation`` part of the node's status document."""
        return EquivocationStatus(
            authors={wire.peer_id_str(a): n for a, n in sorted(self.counts.items())},
            total=sum(self.counts.values()),
            twin=self.twin,
        )
