"""Rows -> compact counters, and what each representation costs on the wire (MessagePack)."""

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


def rows_bytes(rows: Sequence[ClickRow], signature_bytes: int = 64) -> int:
    """Encoded size of a batch of rows, each with an Ed25519 signature placeholder."""
    sig = bytes(signature_bytes)
    body = [[r.author, r.seq, r.query, list(r.shown), r.clicked, r.ts, sig] for r in rows]
    return len(_ENCODER.encode(body))


def counters_bytes(counters: Sequence[CounterRow], signature_bytes: int = 64) -> int:
    """Encoded size of a batch of counters, each signed by its author like a row."""
    sig = bytes(signature_bytes)
    body = [[c.author, c.query, c.item, c.count, c.ts, sig] for c in counters]
    return len(_ENCODER.encode(body))
