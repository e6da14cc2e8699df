"""Writer process for test_durability: commits records forever and acknowledges each commit.

Usage: ``python durability_writer.py DB_PATH SEED``. Each transaction appends a batch of
records with consecutive sequence numbers (continuing from what the file holds) and only
after ``insert_records`` returned prints ``ack <last seq>`` and flushes, the way the daemon
acknowledges a record to a peer. The parent kills this process with SIGKILL at random times.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

from node.store.database import LOCAL_SOURCE, RecordRow, Store

TOPIC = "durability"
AUTHOR = b"\x01" * 32


def blob_for(seq: int) -> bytes:
    """Deterministic content of varying size (32 B .. 1.6 kB), so the parent can verify it."""
    return hashlib.sha256(seq.to_bytes(8, "big")).digest() * (1 + seq % 50)


def main(argv: list[str]) -> None:
    path, seed = Path(argv[1]), int(argv[2])
    rng = random.Random(seed)
    store = Store.open(path, max_events=64)
    # Checkpoint often so that some kills land in the middle of a WAL checkpoint.
    store.db.execute("PRAGMA wal_autocheckpoint = 32")
    seq = store.next_seq(TOPIC, AUTHOR)
    while True:
        batch = [
            RecordRow(TOPIC, AUTHOR, s, s, blob_for(s)) for s in range(seq, seq + rng.randint(1, 8))
        ]
        store.insert_records(batch, LOCAL_SOURCE)
        seq += len(batch)
        sys.stdout.write(f"ack {seq - 1}\n")
        sys.stdout.flush()
        if rng.random() < 0.2:
            store.add_event("durability", f"committed up to {seq - 1}", data={"seq": seq - 1})
        if rng.random() < 0.2:
            store.write_status("node", json.dumps({"seq": seq - 1}).encode())


if __name__ == "__main__":
    main(sys.argv)
