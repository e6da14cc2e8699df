"""The queries behind the store's bounds: per-author counts, expired rows, live bytes.

A mixin of ``node.store.database.Store`` (kept apart so each module stays one noun). The policy
that decides what to refuse or sweep is ``node.store.quota``; this is only its SQL.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable

AGE_EXPR = "min(ts_ms, received_ms)"
"""A record's age counts from the earlier of its claimed time and its arrival, so an author
dating rows in the future cannot keep them past retention. Indexed per topic (migration 5):
queries must spell it exactly like this for SQLite to use the index."""


class LimitQueries:
    """Counts and deletions for quotas, retention and the store ceiling."""

    _conn: sqlite3.Connection

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def author_counts(self, topic: str, authors: Iterable[bytes]) -> dict[bytes, int]:
        """How many records of ``topic`` each author has stored (one index range each)."""
        sql = "SELECT count(*) FROM records WHERE topic = ? AND author = ?"
        return {
            bytes(a): int(self._conn.execute(sql, (topic, bytes(a))).fetchone()[0])
            for a in set(authors)
        }

    def delete_expired(self, topic: str, before_ms: int, keep_author: bytes, limit: int) -> int:
        """Delete up to ``limit`` records of ``topic`` older than ``before_ms`` (by
        ``AGE_EXPR``), never ``keep_author``'s; returns how many went."""
        sql = (
            "DELETE FROM records WHERE cursor IN (SELECT cursor FROM records"
            f" WHERE topic = ? AND {AGE_EXPR} < ? AND author != ? LIMIT ?)"
        )
        with self.transaction():
            return self._conn.execute(sql, (topic, before_ms, bytes(keep_author), limit)).rowcount

    def live_bytes(self) -> int:
        """Bytes of pages in use (the file minus its free pages, which inserts reuse)."""
        pages = int(self._conn.execute("PRAGMA page_count").fetchone()[0])
        free = int(self._conn.execute("PRAGMA freelist_count").fetchone()[0])
        size = int(self._conn.execute("PRAGMA page_size").fetchone()[0])
        return (pages - free) * size
