"""The queries sync serves from the record log: pages after a cursor, the newest records,
topic heads and the seq ranges a node holds.

A mixin of ``node.store.database.Store`` (kept apart so each module stays one noun); read-only, so
it needs only the connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from node.store.rows import StoredRecord

RECORD_COLUMNS = "cursor, topic, author, seq, ts_ms, blob, source"


class SyncQueries:
    """Reads of the ``records`` table for sync, bootstrap samples and heads checks."""

    _conn: sqlite3.Connection

    def records_since(
        self,
        topic: str,
        cursor: int,
        limit: int,
        max_bytes: int,
        skip: Mapping[bytes, tuple[int, int]] | None = None,
        scan: int | None = None,
    ) -> tuple[list[StoredRecord], int, bool]:
        """Records of ``topic`` after ``cursor`` in cursor order: (rows, next_cursor, more).

        Stops at ``limit`` rows or before the blobs would exceed ``max_bytes``, but returns
        at least one row when any exists so a single large record cannot stall a sync.
        ``skip`` (author -> (first, last) seq) leaves out what the asker holds; the cursor
        moves past skipped rows, and at most ``scan`` rows (default ``limit``) are read in
        all, so the work stays bounded. A larger ``scan`` lets a page pass over what the asker
        holds: with ``scan = limit`` a pull at 10k G-Rank queries took ~49 round trips,
        each resending the asker's held ranges (~190 kB of requests per pull).
        """
        if limit < 1:
            raise ValueError(f"limit must be >= 1, got {limit}")
        scan = limit if scan is None else max(scan, limit)
        sql = (
            f"SELECT {RECORD_COLUMNS} FROM records WHERE topic = ? AND cursor > ?"
            " ORDER BY cursor LIMIT ?"
        )
        rows: list[StoredRecord] = []
        total_bytes = scanned = 0
        last = cursor
        more = False
        found = self._conn.execute(sql, (topic, cursor, scan + 1))
        try:
            for row in found:
                record = StoredRecord(*row)
                full = len(rows) == limit or scanned == scan
                if full or (rows and total_bytes + len(record.blob) > max_bytes):
                    more = True
                    break
                scanned += 1
                last = record.cursor
                held = skip.get(record.author) if skip else None
                if held is not None and held[0] <= record.seq <= held[1]:
                    continue
                rows.append(record)
                total_bytes += len(record.blob)
        finally:
            found.close()
        return rows, last, more

    def newest_records(self, topic: str, limit: int, max_bytes: int) -> list[StoredRecord]:
        """The latest ``limit`` records of ``topic``, newest first, within ``max_bytes`` of
        blobs (at least one when any exists)."""
        sql = f"SELECT {RECORD_COLUMNS} FROM records WHERE topic = ? ORDER BY cursor DESC LIMIT ?"
        rows: list[StoredRecord] = []
        total = 0
        for row in self._conn.execute(sql, (topic, limit)):
            record = StoredRecord(*row)
            if rows and total + len(record.blob) > max_bytes:
                break
            rows.append(record)
            total += len(record.blob)
        return rows

    def heads(self, topics: Sequence[str]) -> dict[str, int]:
        """Topic -> the cursor of its latest stored record (topics with none are absent)."""
        if not topics:
            return {}
        marks = ", ".join("?" * len(topics))
        sql = f"SELECT topic, MAX(cursor) FROM records WHERE topic IN ({marks}) GROUP BY topic"
        return {topic: int(head) for topic, head in self._conn.execute(sql, list(topics))}

    def held_ranges(self, topic: str, limit: int) -> list[tuple[bytes, int, int]]:
        """(author, first, last) for authors of whom we hold every seq in [first, last].

        The ``limit`` authors with the most records; an author with a gap is left out (a
        range must never claim a record we lack, or sync would never bring it).
        """
        sql = (
            "SELECT author, MIN(seq), MAX(seq), COUNT(*) AS n FROM records WHERE topic = ?"
            " GROUP BY author ORDER BY n DESC LIMIT ?"
        )
        return [
            (bytes(author), int(first), int(last))
            for author, first, last, n in self._conn.execute(sql, (topic, limit))
            if last - first + 1 == n
        ]

    def count_after(self, topic: str, cursor: int, cap: int) -> int:
        """Records of ``topic`` stored after ``cursor``, counted up to ``cap`` (how far a
        peer that pulled up to ``cursor`` is behind us)."""
        sql = "SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE topic = ? AND cursor > ? LIMIT ?)"
        (count,) = self._conn.execute(sql, (topic, cursor, cap)).fetchone()
        return int(count)
