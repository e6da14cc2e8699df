"""Whether the store can take writes: a full disk, the ceiling, and the space reserve.

A full disk (SQLITE_FULL, ENOSPC) makes the node read-only, never dead: it keeps serving
reads, refuses publishes and relayed records (counted), and probes for space every
``store.probe_interval`` s. A small reserve file next to the store is deleted the moment
the disk fills, so the bookkeeping the node still does while full (status, events, the
answer to an operator's refused command, WAL checkpoints) has room; it is written again
when space returns, and before the store opens at start it is deleted too, so a node
restarted on a full disk can open its store. The disk counts as full when a write fails
or when less than ``PROBE_BYTES`` is free; it has space again once a probe finds room for
the reserve and a 64 KiB insert (hysteresis: the freed reserve alone is not enough).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

from node.store.database import Store, StoreFullError
from node.store.rows import is_disk_full
from node.wire.status.node import StoreHealthStatus

RESERVE_FILE = "store.reserve"
RESERVE_BYTES = 256 * 1024
PROBE_BYTES = 64 * 1024
"""Space a probe must find: a real 64 KiB insert (rolled back by a delete), after
``RESERVE_BYTES`` of free disk for the reserve."""


class StoreHealth:
    """The store's writability, as the daemon reports it in status (``store``)."""

    def __init__(self, data_dir: Path, ceiling_bytes: int) -> None:
        self.data_dir = data_dir
        self.reserve = data_dir / RESERVE_FILE
        self.ceiling_bytes = ceiling_bytes
        self.full = False
        self.over_ceiling = False
        self.live_bytes = 0
        self.refused: Counter[str] = Counter()
        """Records refused by cause: full, ceiling, quota, publish_full."""
        self.swept = 0

    @property
    def state(self) -> str:
        return "full" if self.full else "ceiling" if self.over_ceiling else "ok"

    def status(self) -> StoreHealthStatus:
        return StoreHealthStatus(
            store=self.state,
            store_live_bytes=self.live_bytes,
            store_ceiling_bytes=self.ceiling_bytes,
            store_refused=dict(sorted(self.refused.items())),
            store_swept=self.swept,
        )

    def release_reserve(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.reserve.unlink()

    def fill_reserve(self) -> None:
        """Write the reserve file (fsynced); raises OSError (ENOSPC) when it does not fit."""
        if self.reserve.exists() and self.reserve.stat().st_size == RESERVE_BYTES:
            return
        tmp = self.reserve.with_suffix(".tmp")
        try:
            with tmp.open("wb") as handle:
                handle.write(bytes(RESERVE_BYTES))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.reserve)
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise

    def mark_full(self) -> bool:
        """Enter read-only mode (True if it was not already) and free the reserve."""
        was_full, self.full = self.full, True
        self.release_reserve()
        return not was_full

    def low_on_space(self) -> bool:
        """Whether the disk is (nearly) full even though no write has failed yet: then
        other writers (the CLI's control rows) may already fail, so free the reserve."""
        return shutil.disk_usage(self.data_dir).free < PROBE_BYTES

    def measure(self, store: Store) -> None:
        """Update the live size and the ceiling state (store thread)."""
        self.live_bytes = store.live_bytes()
        self.over_ceiling = self.live_bytes > self.ceiling_bytes

    def probe(self, store: Store) -> bool:
        """Whether space has returned (store thread); refills the reserve when it has."""
        if shutil.disk_usage(self.data_dir).free < RESERVE_BYTES + PROBE_BYTES:
            return False
        try:
            _checkpoint(store)
            with store.relaxed(), store.transaction():
                store.db.execute(
                    "INSERT INTO events (ts_ms, level, kind, message, data)"
                    " VALUES (0, 'debug', 'space_probe', '', zeroblob(?))",
                    [PROBE_BYTES],
                )
                store.db.execute("DELETE FROM events WHERE id = last_insert_rowid()")
            self.fill_reserve()
        except (OSError, sqlite3.Error, StoreFullError) as exc:
            if is_disk_full(exc):
                return False
            raise
        self.full = False
        return True

    def checkpoint(self, store: Store) -> None:
        """Copy the WAL into the file so small writes reuse the WAL's space (while full)."""
        with contextlib.suppress(StoreFullError):
            _checkpoint(store)


def _checkpoint(store: Store) -> None:
    try:
        store.db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as exc:
        if is_disk_full(exc):
            raise StoreFullError(f"store {store.path} is full: {exc}") from exc
        raise
