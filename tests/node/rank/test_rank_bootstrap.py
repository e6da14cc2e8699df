"""G-Rank's join: a new node takes a sample (the newest rows) of one peer's click log."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import trio

from node import wire
from node.config.settings import load_config
from node.net.identity import Identity
from node.rank.records import compact_click, holds_others_clicks
from node.rank.service import RankService
from node.runtime.catchup_server import SAMPLE_PROTOCOL
from node.runtime.daemon import Daemon
from node.store.database import RecordRow, Store


def _clicks(author: Identity, count: int) -> list[wire.SignedRecord]:
    body = wire.encode(compact_click("blue", ["a1"], "a1"))
    now_ms = int(time.time() * 1000)
    return [
        wire.sign_record(author.seed, wire.CLICKS_TOPIC, seq, now_ms - 1000 * (count - seq), body)
        for seq in range(count)
    ]


def _rows(records: list[wire.SignedRecord]) -> list[RecordRow]:
    return [RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r)) for r in records]


def test_the_store_gives_its_newest_records_first_within_a_byte_budget(tmp_path: Path) -> None:
    alice = Identity.generate()
    records = _clicks(alice, 30)
    with Store.open(tmp_path / "s.db") as store:
        store.insert_records(_rows(records), "local")
        newest = store.newest_records(wire.CLICKS_TOPIC, 10, 10**6)
        assert [r.seq for r in newest] == list(range(29, 19, -1))
        one_blob = len(newest[0].blob)
        assert len(store.newest_records(wire.CLICKS_TOPIC, 10, 3 * one_blob)) == 3
        assert len(store.newest_records(wire.CLICKS_TOPIC, 10, 1)) == 1  # never stalls
        assert store.newest_records(wire.NOTES_TOPIC, 10, 10**6) == []


def _daemon(path: Path) -> Daemon:
    return Daemon(load_config(None, data_dir=str(path)), [RankService()])


def _answer_from(peer: Daemon, tamper: Any = None, limit: int | None = None) -> Any:
    """Stand in for the network: ``peer`` answers the request as its handler would (to a
    request for ``limit`` rows instead, if given), then ``tamper`` may change the answer."""

    async def request(peer_id: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        assert protocol == SAMPLE_PROTOCOL
        if limit is not None:
            data = wire.encode(wire.SampleRequest(wire.WIRE_VERSION, wire.CLICKS_TOPIC, limit))
        answer = await peer.catchup.server.serve_sample(data, "asker")
        return tamper(answer) if tamper else answer

    return request


def test_a_new_node_takes_the_newest_rows_of_one_peer_and_checks_them(tmp_path: Path) -> None:
    alice = Identity.generate()
    records = _clicks(alice, 40)
    old, new = _daemon(tmp_path / "old"), _daemon(tmp_path / "new")
    old.store.insert_records(_rows(records), "local")

    def forge(answer: bytes) -> bytes:
        packed = wire.decode_packed_sync_response(answer)
        first = packed.records[0]
        bad = wire.PackedRecord(first.author, first.seq, first.ts_offset_ms, first.body, bytes(64))
        fields = {f: getattr(packed, f) for f in packed.__struct_fields__}
        return wire.encode(wire.PackedSyncResponse(**{**fields, "records": [bad]}))

    async def main() -> None:
        assert not await new.db(holds_others_clicks, new.store, new.identity.public_key)
        new.p2p.request = _answer_from(old, forge)  # type: ignore[method-assign]
        assert await new.catchup.sample("old", wire.CLICKS_TOPIC, 5) == 0  # bad signature
        new.p2p.request = _answer_from(old)  # type: ignore[method-assign]
        assert await new.catchup.sample("old", wire.CLICKS_TOPIC, 5) == 5
        assert await new.catchup.sample("old", wire.CLICKS_TOPIC, 5) == 0  # replays add nothing
        assert await new.db(holds_others_clicks, new.store, new.identity.public_key)
        held = await new.db(new.store.newest_records, wire.CLICKS_TOPIC, 100, 10**6)
        assert sorted(r.seq for r in held) == list(range(35, 40))
        new.p2p.request = _answer_from(old, limit=5)  # type: ignore[method-assign]
        with pytest.raises(wire.WireError, match="got another answer"):
            await new.catchup.sample("old", wire.CLICKS_TOPIC, 4)  # it answers with 5
        new.p2p.request = _answer_from(old)  # type: ignore[method-assign]
        assert await new.catchup.sample("old", "byteswarm/elsewhere", 5) == 0  # not followed

    try:
        trio.run(main)
    finally:
        old.store.close()
        new.store.close()


def test_a_sample_may_be_larger_than_one_sync_page(tmp_path: Path) -> None:
    records = _clicks(Identity.generate(), 300)
    old, new = _daemon(tmp_path / "old"), _daemon(tmp_path / "new")
    old.store.insert_records(_rows(records), "local")
    assert old.config.sync.max_records < 290  # a sync page is smaller than this sample

    async def main() -> None:
        new.p2p.request = _answer_from(old)  # type: ignore[method-assign]
        assert await new.catchup.sample("old", wire.CLICKS_TOPIC, 290) == 290

    try:
        trio.run(main)
    finally:
        old.store.close()
        new.store.close()


def test_a_topic_the_node_does_not_follow_is_answered_empty_and_counted(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A joiner pulls every topic it follows from each peer; a peer that does not follow
    one answers with nothing (no error, nothing logged) and counts it, and records of a
    topic this node does not follow are dropped and counted the same way."""
    alice = Identity.generate()
    node = _daemon(tmp_path / "node")
    elsewhere = "byteswarm/elsewhere"
    note = wire.sign_record(
        alice.seed, elsewhere, 0, 1, wire.encode(wire.Note(wire.WIRE_VERSION, "x", 1.0))
    )

    async def main() -> None:
        ask = wire.SyncRequest(wire.WIRE_VERSION, elsewhere, 7, 256, [])
        answer = await node.catchup.server.serve_sync(ask, "joiner")
        assert (answer.records, answer.next_cursor, answer.more) == ([], 7, False)
        sample = wire.encode(wire.SampleRequest(wire.WIRE_VERSION, elsewhere, 5))
        packed = wire.decode_packed_sync_response(
            await node.catchup.server.serve_sample(sample, "j")
        )
        assert packed.records == []
        assert await node.ingest([note], "joiner") == 0

    try:
        with caplog.at_level("DEBUG"):
            trio.run(main)
    finally:
        node.store.close()
    assert node.p2p.counters["unfollowed_topic_requests"] == 2
    assert node.p2p.counters["unfollowed_topic_records"] == 1
    assert not [r for r in caplog.records if "unknown topic" in r.getMessage()]
