"""This node's own records: signed and committed in one transaction.

The daemon's publishes (``Daemon.publish_local``) and the CLI's offline click
(``node.rank.records.record_click_offline``) both go through ``commit_own``, so a record of
ours gets its seq, its time and its signature the same way whoever writes it.
"""

from __future__ import annotations

import time

from node import wire
from node.store.database import Store
from node.store.rows import RecordRow


def commit_own(
    store: Store,
    seed: bytes,
    author: bytes,
    topic: str,
    body: bytes,
    seq: int | None = None,
    floor: int = 0,
    ts_ms: int | None = None,
) -> wire.SignedRecord:
    """Sign ``body`` as ``author`` (whose Ed25519 seed is ``seed``) under the next seq of
    ``topic`` (at least ``floor``; or ``seq`` if given), timed now (``ts_ms``: the daemon's
    clock) and commit it; ValueError if that (topic, seq) is already ours."""
    with store.transaction():
        number = max(floor, store.next_seq(topic, author)) if seq is None else seq
        now = int(time.time() * 1000) if ts_ms is None else ts_ms
        record = wire.sign_record(seed, topic, number, now, body)
        row = RecordRow(topic, record.author, number, record.ts_ms, wire.encode(record))
        if not store.insert_records([row], "local")[0]:
            raise ValueError(f"{topic} #{number} was already published")
    return record
