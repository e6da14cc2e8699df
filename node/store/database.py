"""The SQLite store: the node's single source of truth and the bus between processes.

One writer (the daemon's store worker thread) opens the file read-write; the TUI and CLI
open it read-only and poll ``data_version()``. Every write runs in a ``BEGIN IMMEDIATE``
transaction with ``synchronous=FULL`` and is committed before the method returns, so any
result handed to a caller (and acknowledged to a peer or an operator) is durable. Record
blobs are opaque here: validation and decoding belong to ``node.wire``.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from sqlite_utils import Database

from node.store.connect import closed_on_failure, connect_readonly, connect_writable, damaged
from node.store.history import HistoryTables
from node.store.limits import LimitQueries
from node.store.migrations import check_version, latest_version, migrate, schema_version
from node.store.operator import OperatorTables
from node.store.rows import (
    LOCAL_SOURCE,
    ControlRow,
    EventRow,
    PeerRow,
    RecordRow,
    StoredRecord,
    StoreError,
    StoreFullError,
    is_disk_full,
)
from node.store.sync import SyncQueries

DEFAULT_MAX_EVENTS = 10_000
Clock = Callable[[], int]


def wall_clock_ms() -> int:
    """Milliseconds since the Unix epoch."""
    return time.time_ns() // 1_000_000


class Store(OperatorTables, SyncQueries, LimitQueries, HistoryTables):
    """The node's SQLite database. Use from one thread at a time."""

    def __init__(
        self, db: Database, path: Path, *, readonly: bool, max_events: int, clock: Clock
    ) -> None:
        self._db = db
        self._conn = db.conn
        self.path = path
        self.readonly = readonly
        self._max_events = max_events
        self._clock = clock

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        readonly: bool = False,
        max_events: int = DEFAULT_MAX_EVENTS,
        clock: Clock = wall_clock_ms,
    ) -> Store:
        """Open (writable: create and migrate) the store at ``path``."""
        path = Path(path)
        conn = connect_readonly(path) if readonly else connect_writable(path)
        with closed_on_failure(conn, path):  # a damaged file fails its first read
            db = Database(conn, recursive_triggers=False, execute_plugins=False)
            try:
                if readonly:
                    version, latest = schema_version(db), latest_version()
                    check_version(version, latest)
                    if version < latest:
                        raise StoreError(
                            f"schema version {version} is older than {latest};"
                            " start the node once to migrate it"
                        )
                else:
                    migrate(db)
            except StoreError as exc:
                raise StoreError(f"store {path}: {exc}") from exc
        return cls(db, path, readonly=readonly, max_events=max_events, clock=clock)

    @property
    def db(self) -> Database:
        """The sqlite-utils database, for service modules that own tables of their own."""
        return self._db

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r}, readonly={self.readonly})"

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on any exception).

        Nested use joins the outer transaction through a savepoint; the outermost commit
        is then the one that makes the writes durable.
        """
        if self.readonly:
            raise StoreError(f"store {self.path} is open read-only")
        conn = self._conn
        if conn.in_transaction:
            with self._db.atomic():
                yield
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if is_disk_full(exc):
                raise self._full(exc) from exc
            raise StoreError(f"store {self.path} is busy: {exc}") from exc
        try:
            yield
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if is_disk_full(exc) and not isinstance(exc, StoreFullError):
                raise self._full(exc) from exc
            raise

    def _full(self, exc: BaseException) -> StoreFullError:
        return StoreFullError(
            f"store {self.path} is full ({exc}): the node serves reads and refuses writes"
            " until space is freed on its disk"
        )

    def check_integrity(self) -> None:
        """``PRAGMA quick_check``; a damaged file raises a one-line StoreError saying what
        to do (the daemon runs this at start)."""
        try:
            rows = self._conn.execute("PRAGMA quick_check").fetchall()
        except sqlite3.DatabaseError as exc:
            raise damaged(self.path, exc) from exc
        if rows != [("ok",)]:
            raise damaged(self.path, "; ".join(str(row[0]) for row in rows[:3]))

    @contextlib.contextmanager
    def relaxed(self) -> Iterator[None]:
        """Commit without fsync (``synchronous=NORMAL``) for data acknowledged to nobody.

        In WAL mode a power failure then loses only a suffix of such commits, never
        consistency, and commits stay ordered: a sync cursor written after the records it
        covers can never survive without them. Records a peer relayed can be pulled again;
        anything acknowledged to an operator or a peer keeps ``synchronous=FULL``.
        """
        if self._conn.in_transaction:  # the pragma cannot change inside a transaction
            yield
            return
        self._conn.execute("PRAGMA synchronous = NORMAL")
        try:
            yield
        finally:
            self._conn.execute("PRAGMA synchronous = FULL")

    # records: the synced log; UNIQUE(topic, author, seq) is the replay protection

    def insert_records(self, rows: Sequence[RecordRow], source: str) -> list[bool]:
        """Insert in one transaction; True where new, False where the key was already stored."""
        received_ms = self._clock()
        sql = (
            "INSERT INTO records (topic, author, seq, ts_ms, blob, received_ms, source)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (topic, author, seq) DO NOTHING"
        )
        with self.transaction():
            return [
                self._conn.execute(
                    sql,
                    (r.topic, bytes(r.author), r.seq, r.ts_ms, bytes(r.blob), received_ms, source),
                ).rowcount
                == 1
                for r in rows
            ]

    def has_record(self, topic: str, author: bytes, seq: int) -> bool:
        sql = "SELECT 1 FROM records WHERE topic = ? AND author = ? AND seq = ?"
        return self._conn.execute(sql, (topic, bytes(author), seq)).fetchone() is not None

    def count_records(self, topic: str | None = None) -> int:
        if topic is None:
            return int(self._conn.execute("SELECT count(*) FROM records").fetchone()[0])
        sql = "SELECT count(*) FROM records WHERE topic = ?"
        return int(self._conn.execute(sql, (topic,)).fetchone()[0])

    def topics(self) -> dict[str, int]:
        """Topic -> number of stored records."""
        sql = "SELECT topic, count(*) FROM records GROUP BY topic ORDER BY topic"
        return {topic: int(n) for topic, n in self._conn.execute(sql)}

    def next_seq(self, topic: str, author: bytes) -> int:
        """The sequence number ``author``'s next record in ``topic`` should carry."""
        sql = "SELECT max(seq) FROM records WHERE topic = ? AND author = ?"
        top = self._conn.execute(sql, (topic, bytes(author))).fetchone()[0]
        return 0 if top is None else int(top) + 1

    # housekeeping

    def data_version(self) -> int:
        """Changes whenever another connection commits to the file; cheap to poll."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])

    def get_cursor(self, peer_id: str, topic: str) -> int:
        """Where our last pull of ``topic`` from ``peer_id`` ended (0: from the start)."""
        sql = "SELECT cursor FROM sync_cursors WHERE peer_id = ? AND topic = ?"
        row = self._conn.execute(sql, (peer_id, topic)).fetchone()
        return int(row[0]) if row else 0

    def all_cursors(self) -> dict[tuple[str, str], int]:
        """Every stored cursor by (peer id, topic): catch-up reads them once."""
        rows = self._conn.execute("SELECT peer_id, topic, cursor FROM sync_cursors")
        return {(str(peer), str(topic)): int(cursor) for peer, topic, cursor in rows}

    def set_cursor(self, peer_id: str, topic: str, cursor: int) -> None:
        sql = (
            "INSERT INTO sync_cursors (peer_id, topic, cursor, updated_ms) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (peer_id, topic) DO UPDATE SET cursor = excluded.cursor,"
            " updated_ms = excluded.updated_ms"
        )
        with self.relaxed(), self.transaction():
            self._conn.execute(sql, (peer_id, topic, cursor, self._clock()))

    def delete_cursors(self, peer_id: str) -> None:
        """Forget every cursor of ``peer_id`` (its store was replaced: pull from its start)."""
        with self.relaxed(), self.transaction():
            self._conn.execute("DELETE FROM sync_cursors WHERE peer_id = ?", (peer_id,))

    def size_bytes(self) -> int:
        """Bytes on disk: the database plus its write-ahead log."""
        files = (self.path, self.path.with_name(self.path.name + "-wal"))
        return sum(f.stat().st_size for f in files if f.exists())


__all__ = [
    "LOCAL_SOURCE",
    "ControlRow",
    "EventRow",
    "PeerRow",
    "RecordRow",
    "Store",
    "StoreError",
    "StoreFullError",
    "StoredRecord",
    "wall_clock_ms",
]
