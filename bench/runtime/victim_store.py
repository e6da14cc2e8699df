"""What a victim daemon stored, read from its ``node.db`` (read-only): honest delivery
delays and the attackers' rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bench.runtime.fault_attacks import NOTES
from node import wire


def delivery_ms(data_dir: Path, since_ms: int, author_id: str) -> list[int]:
    """Author-commit to victim-commit delay of every note by ``author_id`` (the honest
    node) that reached the victim from a peer since ``since_ms`` (one clock)."""
    db = sqlite3.connect(f"file:{data_dir / 'node.db'}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute(
            "SELECT author, received_ms - ts_ms FROM records"
            " WHERE topic = ? AND source != 'local' AND ts_ms >= ?",
            (NOTES, since_ms),
        ).fetchall()
    finally:
        db.close()
    return [int(delay) for author, delay in rows if wire.peer_id_str(bytes(author)) == author_id]


def attacker_rows(data_dir: Path, ids: set[str]) -> tuple[int, int]:
    """(records, bytes) the victim stored whose author is one of the attackers' peer ids."""
    db = sqlite3.connect(f"file:{data_dir / 'node.db'}?mode=ro", uri=True, timeout=5)
    try:
        rows = db.execute(
            "SELECT author, count(*), sum(length(blob)) FROM records"
            " WHERE source != 'local' GROUP BY author"
        ).fetchall()
    finally:
        db.close()
    mine = [(n, size) for author, n, size in rows if wire.peer_id_str(bytes(author)) in ids]
    return sum(n for n, _ in mine), sum(size for _, size in mine)
