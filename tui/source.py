"""One read-only look at a node's store, as plain data the screens draw.

The app keeps one ``StoreReader`` for its life and calls ``read`` from a worker thread
twice a second. The status document is re-read every time (whether the node still runs
depends on its age); peers and events only when ``PRAGMA data_version`` says another
connection committed since the last look.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from node.cli.common import read_status
from node.store.database import Store
from node.store.rows import EventRow, PeerRow, StoreError

EVENTS_SHOWN = 500
"""How many of the newest events a snapshot carries (the Events screen's page)."""

SERVICE_STATUS = ("finetune", "adapt")
"""The status documents besides ``node`` the screens draw."""


@dataclass(frozen=True)
class Snapshot:
    """What the store said at ``now_ms``; ``status`` is None before the node's first one."""

    now_ms: int
    status: dict[str, Any] | None
    peers: list[PeerRow] = field(default_factory=list)
    events: list[EventRow] = field(default_factory=list)
    services: dict[str, dict[str, Any]] = field(default_factory=dict)
    """The services' own status documents (``finetune``, ``adapt``), where written."""

    def rejections(self, peer_id: str) -> dict[str, int]:
        """Records refused from ``peer_id``, by cause (from the peer guard's status)."""
        guard = (self.status or {}).get("peers", {})
        entry = guard.get("peers", {}).get(peer_id, {}) if isinstance(guard, dict) else {}
        causes = entry.get("rejections", {}) if isinstance(entry, dict) else {}
        return {str(k): int(v) for k, v in causes.items()}


class Source(Protocol):
    """What the app reads a node through: ``StoreReader``, or a fixed snapshot in tests."""

    data_dir: Path

    def read(self) -> Snapshot: ...

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

    def read(self) -> Snapshot:
        with self._lock:
            if self._closed:
                raise StoreError("the store is closed")
            version = self._store.data_version()
            if version != self._version:
                self._peers = self._store.list_peers()
                self._events = self._store.recent_events(EVENTS_SHOWN)
                self._version = version
            status = read_status(self._store, self.data_dir)
            services = {}
            for key in SERVICE_STATUS:
                found = self._store.read_status(key)
                if found is not None:
                    services[key] = found[1]
            now_ms = time.time_ns() // 1_000_000
            return Snapshot(now_ms, status, self._peers, self._events, services)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._store.close()
