"""Evidence of equivocation: two different records, both validly signed, under one
(topic, author, seq).

The ``records`` table keeps the first one it stored (``UNIQUE(topic, author, seq)`` is the
replay protection); a second, different one used to vanish there as a "replay". Here it is
compared with the stored one and, when it differs, kept in ``equivocations`` (migration 6)
with who relayed it. The evidence names the author only: a relay that forwards both
records is honest (it cannot know which one came first elsewhere).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from node import wire
from node.store.database import Store, wall_clock_ms
from node.store.rows import RecordRow

MAX_EVIDENCE_PER_AUTHOR = 64
"""Second records kept per author: the count goes on, the table stays bounded."""


@dataclass(frozen=True)
class Conflict:
    """A second record under a key the store holds: the stored and the new one."""

    topic: str
    author: bytes
    seq: int
    held: wire.SignedRecord
    other: wire.SignedRecord
    source: str

    def describe(self) -> str:
        """One line naming the two records (time, body size, signature prefix)."""
        held, other = self.held, self.other
        return (
            f"{self.topic} #{self.seq}: ts {held.ts_ms} sig {held.sig[:6].hex()}"
            f" vs ts {other.ts_ms} sig {other.sig[:6].hex()} (via {self.source})"
        )


def find_conflicts(store: Store, rows: Sequence[RecordRow], source: str) -> list[Conflict]:
    """Keep the rows whose key the store holds with a different record as evidence (store
    thread, one transaction); returns the conflicts not kept before (past an author's
    ``MAX_EVIDENCE_PER_AUTHOR`` they are returned but no longer kept)."""
    if not rows:
        return []
    select = "SELECT blob FROM records WHERE topic = ? AND author = ? AND seq = ?"
    insert = (
        "INSERT INTO equivocations (topic, author, seq, blob, sig, received_ms, source)"
        " SELECT ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM equivocations"
        " WHERE author = ?) < ? ON CONFLICT (topic, author, seq, sig) DO NOTHING"
    )
    found: list[Conflict] = []
    conn = store.db.conn
    with store.transaction():
        for row in rows:
            author = bytes(row.author)
            stored = conn.execute(select, (row.topic, author, row.seq)).fetchone()
            if stored is None or bytes(stored[0]) == bytes(row.blob):
                continue
            held, other = wire.decode_record(bytes(stored[0])), wire.decode_record(row.blob)
            if held.sig == other.sig:  # one record, encoded another way: not a second one
                continue
            values = (row.topic, author, row.seq, bytes(row.blob), other.sig)
            cursor = conn.execute(
                insert, (*values, wall_clock_ms(), source, author, MAX_EVIDENCE_PER_AUTHOR)
            )
            if cursor.rowcount == 1 or not _known(store, row.topic, author, row.seq, other.sig):
                found.append(Conflict(row.topic, author, row.seq, held, other, source))
    return found


def _known(store: Store, topic: str, author: bytes, seq: int, sig: bytes) -> bool:
    sql = "SELECT 1 FROM equivocations WHERE topic = ? AND author = ? AND seq = ? AND sig = ?"
    return store.db.conn.execute(sql, (topic, author, seq, sig)).fetchone() is not None


def evidence_counts(store: Store) -> dict[bytes, int]:
    """Author -> second records kept as evidence against it."""
    sql = "SELECT author, count(*) FROM equivocations GROUP BY author"
    return {bytes(author): int(n) for author, n in store.db.conn.execute(sql)}


def evidence(store: Store, author: bytes, limit: int = 16) -> list[tuple[wire.SignedRecord, str]]:
    """The latest second records kept against ``author``, with who relayed each."""
    sql = "SELECT blob, source FROM equivocations WHERE author = ? ORDER BY id DESC LIMIT ?"
    rows = store.db.conn.execute(sql, (bytes(author), limit))
    return [(wire.decode_record(bytes(blob)), str(source)) for blob, source in rows]
