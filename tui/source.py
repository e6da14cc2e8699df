"""One read-only look at a node's store, as plain data the screens draw.

The app keeps one ``StoreReader`` for its life and calls ``read`` from a worker thread
twice a second. The status document is re-read every time (whether the node still runs
depends on its age); peers and events only when ``PRAGMA data_version`` says another
connection committed since the last look; the history windows (``tui.history.refresh``)
only when its newest second moved (the daemon writes it every few seconds). ``past`` reads
what the replay (``tui.replay``) needs to show a past second.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from node.cli.common import as_read
from node.store.database import Store
from node.store.rows import EventRow, PeerRow, StoreError
from node.wire.status.codec import decode_adapt, decode_finetune, decode_node
from node.wire.status.node import NodeStatus, PeerGuardStatus
from node.wire.status.services import AdaptStatus, FinetuneStatus
from tui import history as hist
from tui.history import History

EVENTS_SHOWN = 500
"""How many of the newest events a snapshot carries (the Events screen's page)."""


@dataclass(frozen=True)
class Snapshot:
    """What the store said at ``now_ms``; a section is None until it is first written.
    Sections are decoded with their structs (``node/wire/status``): one that breaks its
    type raises ``StatusError`` out of ``read``, which the app reports."""

    now_ms: int
    status: NodeStatus | None
    peers: list[PeerRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    finetune: FinetuneStatus | None = None
    adapt: AdaptStatus | None = None
    history: History | None = None
    """The retained history drawn up to ``history.end_s`` (None: none written yet)."""
    replay_s: int | None = None
    """The past second this snapshot shows (``tui.replay.past``); None: the store now."""

    def guard(self, peer_id: str) -> PeerGuardStatus | None:
        """The peer guard's entry for ``peer_id`` (None: nothing recorded about it)."""
        return None if self.status is None else self.status.peers.peers.get(peer_id)

    def rejections(self, peer_id: str) -> dict[str, int]:
        """Records refused from ``peer_id``, by cause (from the peer guard's status)."""
        entry = self.guard(peer_id)
        return {} if entry is None else dict(entry.rejections)


class Source(Protocol):
    """What the app reads a node through: ``StoreReader``, or a fixed snapshot in tests."""

    data_dir: Path

    def read(self) -> Snapshot: ...

    def past(self, ts_s: int) -> tuple[History | None, list[EventRow]]:
        """The history drawn up to ``ts_s`` and the newest events logged by then."""
        ...

    def close(self) -> None: ...


class StoreReader:
    """A read-only connection to ``data_dir``'s store, safe to call from any one thread at a
    time (a lock serialises overlapping workers)."""

    def __init__(self, data_dir: Path, store_path: Path) -> None:
        self.data_dir = data_dir
        self._store = Store.open(store_path, readonly=True)
        self._lock = threading.Lock()
        self._closed = False
        self._version: int | None = None
        self._peers: list[PeerRow] = []
        self._events: list[EventRow] = []
        self._history: History | None = None
        self._history_bounds: tuple[int, int] | None = None

    def read(self) -> Snapshot:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            version = self._store.data_version()
            if version != self._version:
                self._peers = self._store.list_peers()
                self._events = self._store.recent_events(EVENTS_SHOWN)
                self._version = version
            node = self._store.read_status(NodeStatus.SECTION)
            status = None if node is None else as_read(decode_node(node[1]), node[0], self.data_dir)
            finetune = self._store.read_status(FinetuneStatus.SECTION)
            adapt = self._store.read_status("adapt")
            bounds = self._store.history_bounds()
            pending = self._history is not None and self._history.span_pending
            if bounds != self._history_bounds or pending:
                self._history = hist.refresh(self._store, self._history)
                self._history_bounds = bounds
            now_ms = time.time_ns() // 1_000_000
            return Snapshot(
                now_ms,
                status,
                self._peers,
                self._events,
                finetune=None if finetune is None else decode_finetune(finetune[1]),
                adapt=None if adapt is None else decode_adapt(adapt[1]),
                history=self._history,
            )

    def past(self, ts_s: int) -> tuple[History | None, list[EventRow]]:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            history = hist.load(self._store, ts_s)
            return history, self._store.recent_events(EVENTS_SHOWN, until_ms=ts_s * 1000 + 999)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._store.close()
