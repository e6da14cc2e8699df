"""Rows -> compact counters, and estimates of what each representation costs on the wire.

Estimates (string author ids, float times, no topic): the daemon's real encoding is measured
by ``bench/rank/wire.py`` with ``node.wire`` itself, which ``models`` may not import.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import msgspec

from models.rank.rows import ClickRow, CounterRow, normalise_query

_ENCODER = msgspec.msgpack.Encoder()


def rows_to_counters(
    rows: Iterable[ClickRow], base: dict[tuple[str, str, str], int] | None = None
) -> list[CounterRow]:
    """Aggregate rows into per (author, query, item) counters; ``base`` holds earlier counts
    (updated in place) so that successive batches carry absolute, max-mergeable counts."""
    totals = {} if base is None else base
    latest: dict[tuple[str, str, str], float] = {}
    for row in rows:
        key = (row.author, normalise_query(row.query), row.clicked)
        totals[key] = totals.get(key, 0) + 1
        latest[key] = max(latest.get(key, row.ts), row.ts)
    return [CounterRow(a, q, i, totals[(a, q, i)], ts) for (a, q, i), ts in latest.items()]


def _row_body(row: ClickRow, sig: bytes) -> list[object]:
    return [row.author, row.seq, row.query, list(row.shown), row.clicked, row.ts, sig]


def rows_bytes(rows: Sequence[ClickRow], signature_bytes: int = 64) -> int:
    """Encoded size of a batch of rows, each with an Ed25519 signature placeholder."""
    sig = bytes(signature_bytes)
    return len(_ENCODER.encode([_row_body(row, sig) for row in rows]))


def row_bytes(row: ClickRow, signature_bytes: int = 64) -> int:
    """Encoded size of one row inside a batch: ``rows_bytes`` of a batch is
    ``array_header_bytes(len(batch))`` plus the sum of these (MessagePack is additive)."""
    return len(_ENCODER.encode(_row_body(row, bytes(signature_bytes))))


def array_header_bytes(length: int) -> int:
    """Bytes of a MessagePack array header for ``length`` elements (fixarray, array16, array32)."""
    return 1 if length < 16 else 3 if length < 1 << 16 else 5


def counters_bytes(counters: Sequence[CounterRow], signature_bytes: int = 64) -> int:
    """Encoded size of a batch of counters, each signed by its author like a row."""
    sig = bytes(signature_bytes)
    body = [[c.author, c.query, c.item, c.count, c.ts, sig] for c in counters]
    return len(_ENCODER.encode(body))
