"""Operator tables: peers, the event log, status documents and control rows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.store.database import Store, StoreError
from tests.node.store.sample_rows import FakeClock

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
