"""What the store tests share: a record row by seq, a topic read back whole, and a clock
that ticks on every read."""

from __future__ import annotations

from node.store.database import RecordRow, Store, StoredRecord


class FakeClock:
    """Milliseconds that advance by one on every read, so ordering by time is testable."""

    def __init__(self, start: int = 1_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now


def rec(seq: int, topic: str = "t", author: bytes = b"A" * 32, blob: bytes = b"") -> RecordRow:
    return RecordRow(topic, author, seq, 10_000 + seq, blob or f"blob-{topic}-{seq}".encode())


def all_records(store: Store, topic: str) -> list[StoredRecord]:
    rows, _, more = store.records_since(topic, 0, 1_000_000, 1 << 40)
    assert not more
    return rows
