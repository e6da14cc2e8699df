"""The reads sync serves: pages after a cursor by count and bytes, held ranges skipped,
heads per topic, and a property: what is inserted pages back in order."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.store.database import LOCAL_SOURCE, RecordRow, Store, StoredRecord
from tests.node.store.sample_rows import rec


def test_records_since_pages_by_limit(store: Store) -> None:
    store.insert_records([rec(i) for i in range(7)], LOCAL_SOURCE)
    store.insert_records([rec(i, topic="other") for i in range(3)], LOCAL_SOURCE)
    pages, cursor, more = [], 0, True
    while more:
        rows, cursor, more = store.records_since("t", cursor, 3, 1 << 20)
        pages.append([r.seq for r in rows])
    assert pages == [[0, 1, 2], [3, 4, 5], [6]]
    assert store.records_since("t", cursor, 3, 1 << 20) == ([], cursor, False)
    # exactly `limit` rows left: no phantom "more"
    rows, _, more = store.records_since("other", 0, 3, 1 << 20)
    assert len(rows) == 3 and not more
    with pytest.raises(ValueError):
        store.records_since("t", 0, 0, 1 << 20)


def test_held_ranges_claim_only_gapless_runs_and_sync_skips_them(store: Store) -> None:
    a, b, c = b"a" * 32, b"b" * 32, b"c" * 32
    rows = [rec(s, author=a) for s in (3, 4, 5)] + [rec(s, author=b) for s in (0, 2)]
    store.insert_records([*rows, rec(7, author=c)], LOCAL_SOURCE)
    held = store.held_ranges("t", 10)
    assert sorted(held) == [(a, 3, 5), (c, 7, 7)]  # b has a gap at 1: claimed nowhere
    assert store.held_ranges("t", 1) == [(a, 3, 5)]  # the most active authors first
    skip = {author: (first, last) for author, first, last in held}
    got, cursor, more = store.records_since("t", 0, 100, 1 << 20, skip)
    assert [(r.author, r.seq) for r in got] == [(b, 0), (b, 2)]
    assert cursor == store.records_since("t", 0, 100, 1 << 20)[1] and not more
    # skipped rows count towards the limit, so a scan stays bounded, and paging still ends
    got, cursor, more = store.records_since("t", 0, 3, 1 << 20, skip)
    assert got == [] and more
    got, cursor, more = store.records_since("t", cursor, 3, 1 << 20, skip)
    assert [(r.author, r.seq) for r in got] == [(b, 0), (b, 2)] and not more
    # a wider scan passes over the held rows in one page; the limit still bounds the rows
    got, cursor, more = store.records_since("t", 0, 2, 1 << 20, skip, scan=6)
    assert [(r.author, r.seq) for r in got] == [(b, 0), (b, 2)] and more
    got, cursor, more = store.records_since("t", 0, 1, 1 << 20, skip, scan=6)
    assert [(r.author, r.seq) for r in got] == [(b, 0)] and more
    assert store.records_since("t", cursor, 1, 1 << 20, skip, scan=6)[0][0].seq == 2


def test_heads_are_the_latest_cursor_of_each_asked_topic(store: Store) -> None:
    store.insert_records([rec(0), rec(1), rec(0, topic="u")], LOCAL_SOURCE)
    latest_t = store.records_since("t", 0, 10, 1 << 20)[1]
    latest_u = store.records_since("u", 0, 10, 1 << 20)[1]
    assert store.heads(["t", "u", "empty"]) == {"t": latest_t, "u": latest_u}
    assert store.heads([]) == {}


def test_records_since_byte_cap(store: Store) -> None:
    sizes = [40, 40, 40, 500, 10]
    store.insert_records([rec(i, blob=bytes(n)) for i, n in enumerate(sizes)], LOCAL_SOURCE)
    rows, cursor, more = store.records_since("t", 0, 100, 100)
    assert [len(r.blob) for r in rows] == [40, 40] and more
    rows, cursor, more = store.records_since("t", cursor, 100, 100)
    assert [len(r.blob) for r in rows] == [40] and more
    # one record larger than the cap still comes through, alone
    rows, cursor, more = store.records_since("t", cursor, 100, 100)
    assert [len(r.blob) for r in rows] == [500] and more
    rows, cursor, more = store.records_since("t", cursor, 100, 100)
    assert [len(r.blob) for r in rows] == [10] and not more


record_rows = st.builds(
    RecordRow,
    topic=st.sampled_from(["a", "b", "c"]),
    author=st.sampled_from([b"\x00" * 32, b"\xff" * 32, b"x"]),
    seq=st.integers(0, 6),
    ts_ms=st.integers(0, 2**62),
    blob=st.binary(min_size=0, max_size=64),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    batches=st.lists(st.lists(record_rows, max_size=8), max_size=6),
    limit=st.integers(1, 5),
    max_bytes=st.integers(0, 200),
)
def test_property_insert_then_page_round_trips(
    batches: list[list[RecordRow]], limit: int, max_bytes: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "node.db") as store:
        model: dict[tuple[str, bytes, int], RecordRow] = {}  # first insert wins, in order
        for batch in batches:
            expected_new = []
            for row in batch:
                key = (row.topic, row.author, row.seq)
                expected_new.append(key not in model)
                model.setdefault(key, row)
            assert store.insert_records(batch, "p") == expected_new
        for topic in ("a", "b", "c"):
            pages: list[StoredRecord] = []
            cursor, more = 0, True
            while more:
                rows, next_cursor, more = store.records_since(topic, cursor, limit, max_bytes)
                assert 0 < len(rows) <= limit or (not rows and not more)
                assert len(rows) == 1 or sum(len(r.blob) for r in rows) <= max_bytes
                assert next_cursor == (rows[-1].cursor if rows else cursor)
                pages.extend(rows)
                cursor = next_cursor
            want = [r for key, r in model.items() if key[0] == topic]
            got = [RecordRow(r.topic, r.author, r.seq, r.ts_ms, r.blob) for r in pages]
            assert got == want
            assert store.count_records(topic) == len(want)
