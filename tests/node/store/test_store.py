"""Round trips for every Store method, replay protection, paging, control rows, read-only."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.store.database import LOCAL_SOURCE, RecordRow, Store, StoredRecord, StoreError


class FakeClock:
    """Milliseconds that advance by one on every read, so ordering by time is testable."""

    def __init__(self, start: int = 1_000) -> None:
        self.now = start

    def __call__(self) -> int:
        self.now += 1
        return self.now


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "node.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[Store]:
    with Store.open(db_path, clock=FakeClock()) as opened:
        yield opened


def rec(seq: int, topic: str = "t", author: bytes = b"A" * 32, blob: bytes = b"") -> RecordRow:
    return RecordRow(topic, author, seq, 10_000 + seq, blob or f"blob-{topic}-{seq}".encode())


def all_records(store: Store, topic: str) -> list[StoredRecord]:
    rows, _, more = store.records_since(topic, 0, 1_000_000, 1 << 40)
    assert not more
    return rows


# opening


def test_open_creates_dir_and_sets_pragmas(store: Store, db_path: Path) -> None:
    assert store.path == db_path and db_path.is_file() and not store.readonly
    pragma = {
        name: store.db.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    }
    assert pragma == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_unwritable_data_dir_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreError, match=r"data dir .* is not writable"):
        Store.open(blocker / "sub" / "node.db")


def test_non_database_file_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "node.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open(junk)
    with pytest.raises(StoreError, match="cannot open store"):
        Store.open(junk, readonly=True)


def test_close_via_context_manager(db_path: Path) -> None:
    with Store.open(db_path) as store:
        store.write_status("node", b'{"up":true}')
    with pytest.raises(sqlite3.ProgrammingError):
        store.read_status("node")


# records


def test_insert_and_read_back(store: Store) -> None:
    rows = [rec(0), rec(1), rec(0, topic="u")]
    assert store.insert_records(rows, source="peer-1") == [True, True, True]
    stored = all_records(store, "t")
    assert [(r.topic, r.author, r.seq, r.ts_ms, r.blob) for r in stored] == [
        (r.topic, r.author, r.seq, r.ts_ms, r.blob) for r in rows[:2]
    ]
    assert {r.source for r in stored} == {"peer-1"}
    assert stored[0].cursor < stored[1].cursor
    assert store.has_record("t", b"A" * 32, 1)
    assert not store.has_record("t", b"A" * 32, 2)
    assert not store.has_record("t", b"B" * 32, 0)
    assert not store.has_record("v", b"A" * 32, 0)


def test_replayed_record_is_a_noop(store: Store) -> None:
    assert store.insert_records([rec(0, blob=b"original")], LOCAL_SOURCE) == [True]
    replay = rec(0, blob=b"forged or replayed")
    assert store.insert_records([replay, rec(1)], source="peer-2") == [False, True]
    assert store.insert_records([rec(2), rec(2)], source="peer-2") == [True, False]
    stored = all_records(store, "t")
    assert [r.seq for r in stored] == [0, 1, 2]
    assert stored[0].blob == b"original" and stored[0].source == LOCAL_SOURCE


def test_insert_batch_is_atomic(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        store.insert_records([rec(0), rec(-1)], LOCAL_SOURCE)  # seq must be >= 0
    assert store.count_records() == 0


def test_counts_topics_and_next_seq(store: Store) -> None:
    a, b = b"A" * 32, b"B" * 32
    assert store.next_seq("t", a) == 0 and store.topics() == {} and store.count_records() == 0
    store.insert_records([rec(0, author=a), rec(1, author=a), rec(5, author=b)], LOCAL_SOURCE)
    store.insert_records([rec(0, topic="u", author=a)], LOCAL_SOURCE)
    assert store.next_seq("t", a) == 2
    assert store.next_seq("t", b) == 6
    assert store.next_seq("u", b) == 0
    assert store.count_records() == 4
    assert store.count_records("t") == 3
    assert store.count_records("nope") == 0
    assert store.topics() == {"t": 3, "u": 1}


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


# peers, events, status


def test_upsert_peer_keeps_first_seen_and_known_addrs(store: Store) -> None:
    store.upsert_peer("p1", ["/ip4/127.0.0.1/tcp/1"], connected=True, source="bootstrap")
    store.upsert_peer("p2", [], connected=False, source="gossip")
    first = {p.peer_id: p for p in store.list_peers()}["p1"]
    store.upsert_peer("p1", [], connected=False, source="gossip")
    (p1,) = [p for p in store.list_peers() if p.peer_id == "p1"]
    assert p1.addrs == ["/ip4/127.0.0.1/tcp/1"]
    assert p1.first_seen_ms == first.first_seen_ms < p1.last_seen_ms
    assert (p1.connected, p1.source) == (False, "gossip")
    store.upsert_peer("p1", ["/ip4/10.0.0.1/tcp/2", "/ip6/::1/tcp/2"], connected=True, source="x")
    peers = store.list_peers()
    assert [p.peer_id for p in peers] == ["p1", "p2"]  # connected first
    assert peers[0].addrs == ["/ip4/10.0.0.1/tcp/2", "/ip6/::1/tcp/2"] and peers[0].connected


def test_events_newest_first_and_pruned(db_path: Path) -> None:
    with Store.open(db_path, max_events=5, clock=FakeClock()) as store:
        store.add_event("boot", "started")
        (event,) = store.recent_events()
        assert (event.kind, event.message, event.level, event.data) == (
            "boot",
            "started",
            "info",
            {},
        )
        for i in range(9):
            store.add_event("sync", f"pulled {i}", level="warning", data={"n": i, "p": [1.5]})
        events = store.recent_events(limit=100)
        assert [e.data["n"] for e in events] == [8, 7, 6, 5, 4]
        assert events[0].data == {"n": 8, "p": [1.5]} and events[0].level == "warning"
        assert events[0].ts_ms > events[1].ts_ms
        assert [e.data["n"] for e in store.recent_events(limit=2)] == [8, 7]
        until = store.recent_events(limit=2, until_ms=events[2].ts_ms)
        assert [e.data["n"] for e in until] == [6, 5]  # the replay's events: none after
        count = store.db.execute("SELECT count(*) FROM events").fetchone()[0]
        assert count == 5


def test_status_round_trip_and_overwrite(store: Store) -> None:
    assert store.read_status("node") is None
    store.write_status("node", b'{"peers":3,"topics":{"t":1}}')
    ts1, data = store.read_status("node") or (0, "")
    assert json.loads(data) == {"peers": 3, "topics": {"t": 1}}
    store.write_status("node", b'{"peers":4}')
    assert store.read_status("node") == (ts1 + 1, '{"peers":4}')  # the text as written


# control


def test_control_lifecycle(store: Store) -> None:
    first = store.enqueue_control("ping")
    second = store.enqueue_control("pull", {"peer": "p1"})
    third = store.enqueue_control("stop", {})
    pending = store.get_control(second)
    assert pending is not None
    assert (pending.command, pending.args, pending.status, pending.result) == (
        "pull",
        {"peer": "p1"},
        "pending",
        None,
    )
    claimed = store.claim_control(limit=2)
    assert [c.id for c in claimed] == [first, second]
    assert {c.status for c in claimed} == {"running"}
    assert [c.id for c in store.claim_control()] == [third]
    assert store.claim_control() == []
    store.finish_control(first, ok=True, result={"rtt_ms": 3})
    store.finish_control(second, ok=False, result={"error": "unreachable"})
    store.finish_control(third, ok=True)
    done, failed, bare = (store.get_control(i) for i in (first, second, third))
    assert done is not None and failed is not None and bare is not None
    assert (done.status, done.result) == ("done", {"rtt_ms": 3})
    assert done.done_ms is not None and done.done_ms > done.ts_ms
    assert (failed.status, failed.result) == ("failed", {"error": "unreachable"})
    assert (bare.status, bare.result) == ("done", None)
    with pytest.raises(StoreError, match="already done"):
        store.finish_control(first, ok=False)
    with pytest.raises(StoreError, match="does not exist"):
        store.finish_control(999, ok=True)
    assert store.get_control(999) is None


def test_two_claimers_never_claim_the_same_row(db_path: Path) -> None:
    with Store.open(db_path) as a, Store.open(db_path) as b:
        ids = [a.enqueue_control("c", {"i": i}) for i in range(6)]
        got_a = [c.id for c in a.claim_control(limit=4)]
        got_b = [c.id for c in b.claim_control(limit=4)]
        assert got_a == ids[:4] and got_b == ids[4:]


# transactions and read-only access


def test_transaction_rolls_back_and_nests(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.write_status("node", b'{"x":1}')
        store.insert_records([rec(0)], LOCAL_SOURCE)
        raise RuntimeError("boom")
    assert store.read_status("node") is None and store.count_records() == 0
    with store.transaction():
        store.insert_records([rec(0)], LOCAL_SOURCE)
        store.add_event("k", "m")
    assert store.count_records() == 1 and len(store.recent_events()) == 1


def test_busy_writer_is_a_clear_error(store: Store, db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        store.db.execute("PRAGMA busy_timeout = 20")
        with pytest.raises(StoreError, match="busy"):
            store.write_status("node", b"{}")
    finally:
        other.close()
    store.write_status("node", b'{"ok":1}')


def test_readonly_cannot_write_and_sees_changes(store: Store, db_path: Path) -> None:
    store.insert_records([rec(0)], LOCAL_SOURCE)
    with Store.open(db_path, readonly=True) as reader:
        assert reader.readonly and reader.count_records() == 1
        writes: list[Callable[[], object]] = [
            lambda: reader.insert_records([rec(1)], LOCAL_SOURCE),
            lambda: reader.upsert_peer("p", [], True, "x"),
            lambda: reader.add_event("k", "m"),
            lambda: reader.enqueue_control("ping"),
            lambda: reader.claim_control(),
            lambda: reader.finish_control(1, ok=True),
            lambda: reader.write_status("node", b"{}"),
        ]
        for write in writes:
            with pytest.raises(StoreError, match="read-only"):
                write()
        with pytest.raises(sqlite3.OperationalError):
            reader.db.execute("DELETE FROM records")  # the connection itself is read-only
        before = reader.data_version()
        assert reader.data_version() == before  # stable while nobody writes
        store.write_status("node", b'{"peers":1}')
        after = reader.data_version()
        assert after != before
        assert reader.read_status("node") is not None
        store.insert_records([rec(1)], LOCAL_SOURCE)
        assert reader.data_version() != after and reader.count_records() == 1 + 1
        assert reader.size_bytes() == store.size_bytes() > 0
    assert store.count_records() == 2


def test_readonly_needs_an_existing_migrated_file(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "missing.db", readonly=True)
    assert not (tmp_path / "missing.db").exists()
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    with pytest.raises(StoreError, match="start the node once"):
        Store.open(empty, readonly=True)


def test_size_bytes_grows(store: Store) -> None:
    before = store.size_bytes()
    store.insert_records([rec(i, blob=bytes(4096)) for i in range(20)], LOCAL_SOURCE)
    assert store.size_bytes() >= before + 20 * 4096


def test_sync_cursors_persist_per_peer_and_topic(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Store.open(path) as store:
        assert store.get_cursor("peerA", "t") == 0
        store.set_cursor("peerA", "t", 7)
        store.set_cursor("peerA", "u", 3)
        store.set_cursor("peerA", "t", 9)
    with Store.open(path) as store:
        assert store.get_cursor("peerA", "t") == 9
        assert store.get_cursor("peerA", "u") == 3
        assert store.get_cursor("peerB", "t") == 0


def test_relaxed_commits_switch_back_to_full_sync(tmp_path: Path) -> None:
    with Store.open(tmp_path / "r.db") as store:

        def level() -> int:
            return int(store.db.execute("PRAGMA synchronous").fetchone()[0])

        assert level() == 2  # FULL
        with store.relaxed():
            assert level() == 1  # NORMAL
            store.insert_records([RecordRow("t", b"a" * 32, 0, 1, b"x")], "peer")
        assert level() == 2
        store.write_status("node", b'{"ok":true}')
        assert level() == 2
        assert store.count_records("t") == 1
