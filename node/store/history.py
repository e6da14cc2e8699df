"""The ``history`` table: one row per second of the node's own history, written in batches
by the daemon's history writer (``node/runtime/history.py``) and read, downsampled in SQL,
by the TUI and ``byteswarm history``.

A row keeps the scalars a sparkline draws as columns (peers, records and bytes in and out,
rejections, CPU, RSS, store size), so downsampling is one ``GROUP BY`` over the primary key
with no decoding, and everything else (per topic, per service) in one MessagePack ``sample``
(``node.wire.status.history.HistorySample``), read only for the points drawn.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

HISTORY_COLUMNS = (
    "ts_s, peers, records_in, records_out, bytes_in, bytes_out, rejections, cpu, rss_bytes,"
    " store_bytes, sample"
)


@dataclass(frozen=True)
class HistoryRow:
    """One second (``ts_s``: Unix seconds at its end); ``sample`` is an encoded
    ``HistorySample``. Over a downsampled bucket (``read_history``): ``ts_s`` and ``sample``
    are the bucket's last second, counts are sums, ``peers`` and ``cpu`` means, ``rss_bytes``
    and ``store_bytes`` maxima, and ``seconds`` the rows it holds."""

    ts_s: int
    peers: float
    records_in: int
    records_out: int
    bytes_in: int
    bytes_out: int
    rejections: int
    cpu: float
    rss_bytes: int
    store_bytes: int
    sample: bytes
    seconds: int = 1


class HistoryTables:
    """Writing and reading the history; needs the connection and transactions."""

    _conn: sqlite3.Connection

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def relaxed(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def write_history(self, rows: Sequence[HistoryRow], before_s: int, delete_max: int) -> int:
        """Add ``rows`` (a second written twice keeps the later) and delete at most
        ``delete_max`` rows older than ``before_s``, in one transaction; how many were
        deleted (at most ``delete_max`` a call keeps each commit short)."""
        insert = (
            f"INSERT OR REPLACE INTO history ({HISTORY_COLUMNS}) VALUES ({', '.join('?' * 11)})"
        )
        delete = (
            "DELETE FROM history WHERE ts_s IN"
            " (SELECT ts_s FROM history WHERE ts_s < ? ORDER BY ts_s LIMIT ?)"
        )
        # Rewritten every few seconds, acknowledged to nobody: no fsync (as the status rows).
        with self.relaxed(), self.transaction():
            self._conn.executemany(
                insert,
                [
                    (
                        r.ts_s,
                        int(r.peers),
                        r.records_in,
                        r.records_out,
                        r.bytes_in,
                        r.bytes_out,
                        r.rejections,
                        r.cpu,
                        r.rss_bytes,
                        r.store_bytes,
                        r.sample,
                    )
                    for r in rows
                ],
            )
            return self._conn.execute(delete, (before_s, delete_max)).rowcount

    def read_history(self, t0_s: int, t1_s: int, points: int) -> list[HistoryRow]:
        """Rows with ``t0_s <= ts_s <= t1_s``, oldest first, downsampled in SQL to at most
        ``points`` buckets of equal width (one row a bucket; see ``HistoryRow``)."""
        if t1_s < t0_s or points < 1:
            return []
        span = t1_s - t0_s + 1
        # The bucket's last second carries its sample (joined back on the primary key).
        sql = (
            "WITH b AS (SELECT MAX(ts_s) AS last, AVG(peers) AS peers, SUM(records_in) AS ri,"
            " SUM(records_out) AS ro, SUM(bytes_in) AS bi, SUM(bytes_out) AS bo,"
            " SUM(rejections) AS rj, AVG(cpu) AS cpu, MAX(rss_bytes) AS rss,"
            " MAX(store_bytes) AS sb, COUNT(*) AS n"
            " FROM history WHERE ts_s BETWEEN ? AND ? GROUP BY ((ts_s - ?) * ?) / ?)"
            " SELECT b.last, b.peers, b.ri, b.ro, b.bi, b.bo, b.rj, b.cpu, b.rss, b.sb,"
            " h.sample, b.n FROM b JOIN history h ON h.ts_s = b.last ORDER BY b.last"
        )
        rows = self._conn.execute(sql, (t0_s, t1_s, t0_s, points, span)).fetchall()
        return [
            HistoryRow(
                ts_s=int(r[0]),
                peers=float(r[1]),
                records_in=int(r[2]),
                records_out=int(r[3]),
                bytes_in=int(r[4]),
                bytes_out=int(r[5]),
                rejections=int(r[6]),
                cpu=float(r[7]),
                rss_bytes=int(r[8]),
                store_bytes=int(r[9]),
                sample=bytes(r[10]),
                seconds=int(r[11]),
            )
            for r in rows
        ]

    def history_bounds(self) -> tuple[int, int] | None:
        """(oldest, newest) second held, or None while the table is empty."""
        row = self._conn.execute("SELECT MIN(ts_s), MAX(ts_s) FROM history").fetchone()
        return None if row is None or row[0] is None else (int(row[0]), int(row[1]))
