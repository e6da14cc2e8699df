"""Per-peer records in/out, connection direction and sync lag: the counters alone, catch-up
and ingest feeding them (no sockets), and two real daemons on loopback."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import trio

from node import wire
from node.cli.swarm import Swarm, run_cli
from node.config.settings import load_config
from node.net.identity import Identity
from node.runtime.daemon import Daemon
from node.runtime.peer_stats import MAX_PEERS, PeerStats, their_lags
from node.store.database import RecordRow, Store


def notes(identity: Identity, count: int, first: int = 0) -> list[wire.SignedRecord]:
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "hi", 1.0))
    return [
        wire.sign_record(identity.seed, wire.NOTES_TOPIC, seq, 1_000 + seq, body)
        for seq in range(first, first + count)
    ]


def rows(records: list[wire.SignedRecord]) -> list[RecordRow]:
    return [RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r)) for r in records]


def test_counters_lag_and_the_peer_limit(tmp_path: Path) -> None:
    now = [100.0]
    stats = PeerStats(lambda: now[0])
    with Store.open(tmp_path / "node.db") as store:
        store.insert_records(rows(notes(Identity.generate(), 5)), "x")
        head = store.heads([wire.NOTES_TOPIC])[wire.NOTES_TOPIC]
        stats.took("p", wire.NOTES_TOPIC, 3)
        stats.took("p", "rank/clicks", 2)
        stats.served("p", wire.NOTES_TOPIC, 4, head - 2)  # it pulled up to 2 records ago
        stats.served("p", "rank/clicks", 7)  # a sample: records out, no cursor
        stats.checked("p", wire.NOTES_TOPIC, ahead=True)
        now[0] = 104.0
        stats.checked("p", wire.NOTES_TOPIC, ahead=True)  # still the first time counts
        got = their_lags(store, *stats.status({"p": "outbound", "q": "inbound"}))
        p = got["p"]
        assert (p.direction, p.records_in, p.records_out) == ("outbound", 5, 11)
        assert p.sent == {wire.NOTES_TOPIC: 3, "rank/clicks": 2}
        assert (p.behind_topics, p.behind_s, p.their_lag) == (1, 4.0, 2)
        assert got["q"].direction == "inbound" and got["q"].their_lag is None  # never pulled
        stats.pulled_to_end("p", wire.NOTES_TOPIC)
        p = their_lags(store, *stats.status({}))["p"]
        assert (p.behind_topics, p.behind_s, p.direction) == (0, 0.0, "")
        assert p.their_lag is None  # not connected: its lag is not counted
    for n in range(MAX_PEERS + 5):
        stats.took(f"peer{n}", wire.NOTES_TOPIC, 1)
    kept, _ = stats.status({})
    assert len(kept) == MAX_PEERS and "p" not in kept and f"peer{MAX_PEERS + 4}" in kept


class OnePeer:
    """A p2p stand-in whose one peer holds ``records`` and advertises their head."""

    def __init__(self, records: list[wire.SignedRecord]) -> None:
        self.records = records
        self.counters: dict[str, int] = {}

    def connected_peers(self) -> list[str]:
        return ["peer"]

    async def request(self, peer: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        topics = wire.decode_sync_heads_request(data).topics
        heads = [len(self.records) if t == wire.NOTES_TOPIC else 0 for t in topics]
        return wire.encode(wire.SyncHeadsResponse(wire.WIRE_VERSION, heads))

    async def sync_from(self, peer: str, request: wire.SyncRequest) -> wire.SyncResponse:
        records = self.records if request.topic == wire.NOTES_TOPIC else []
        return wire.SyncResponse(wire.WIRE_VERSION, records, len(records), False)


def test_catchup_and_ingest_feed_the_counters(tmp_path: Path) -> None:
    daemon = Daemon(load_config(None, data_dir=str(tmp_path)))
    alice, bob, carol = Identity.generate(), Identity.generate(), Identity.generate()
    daemon.p2p = OnePeer(notes(alice, 3))  # type: ignore[assignment]
    stats = daemon.catchup.stats

    async def main() -> None:
        assert await daemon.catchup.topics_behind("peer") == [wire.NOTES_TOPIC]
        assert stats.status({})[0]["peer"].behind_topics == 1
        assert await daemon.catchup.pull("peer", wire.NOTES_TOPIC) == 3
        assert await daemon.catchup.pull("peer", wire.NOTES_TOPIC) == 0  # replays: not counted
        # gossip of two authors in one batch: each author is its sender
        mixed = notes(bob, 2) + notes(carol, 1)
        assert await daemon.ingest(mixed, "gossip") == 3
        request = wire.SyncRequest(wire.WIRE_VERSION, wire.NOTES_TOPIC, 0, 2, [])
        served = await daemon.catchup.server.serve_sync(request, "dave")
        assert len(served.records) == 2

    try:
        trio.run(main)
        got = their_lags(daemon.store, *stats.status({"dave": "inbound"}))
    finally:
        daemon.store.close()
    peer = got["peer"]
    assert (peer.records_in, peer.sent, peer.behind_topics) == (3, {wire.NOTES_TOPIC: 3}, 0)
    assert got[wire.peer_id_str(bob.public_key)].records_in == 2
    assert got[wire.peer_id_str(carol.public_key)].records_in == 1
    dave = got["dave"]
    assert (dave.records_out, dave.their_lag, dave.direction) == (2, 4, "inbound")


@pytest.mark.integration
@pytest.mark.network
def test_two_daemons_report_direction_records_and_lag(tmp_path: Path) -> None:
    quiet = "[adapt]\nenabled = false\n"
    with Swarm(tmp_path) as swarm:
        a = swarm.start(config=quiet)
        a_id = str(swarm.wait_for(lambda: swarm.status(a), 30, "a up")["peer_id"])
        for n in range(3):
            done = run_cli("publish", "--data-dir", str(a), f"note {n}", timeout=60)
            assert done.returncode == 0, done.stderr
        # past gossipsub's message cache (~5 heartbeats of 1 s), so b gets the notes by
        # pulling from a (counted both ways), not by a's gossip replaying them on connect
        time.sleep(7)
        b = swarm.start(swarm.address(a), config=quiet)
        b_id = str(swarm.wait_for(lambda: swarm.status(b), 30, "b up")["peer_id"])

        def traffic(d: Path, peer: str) -> Any:
            return ((swarm.status(d) or {}).get("peer_traffic") or {}).get(peer)

        at_b = swarm.wait_for(
            lambda: (t := traffic(b, a_id)) and t["records_in"] >= 3 and t, 30, "b pulled a"
        )
        assert at_b["direction"] == "outbound"  # b dialed a
        assert at_b["sent"].get(wire.NOTES_TOPIC, 0) >= 3
        at_a = swarm.wait_for(
            lambda: (t := traffic(a, b_id)) and t["records_out"] >= 3 and t, 30, "a served b"
        )
        assert at_a["direction"] == "inbound"
        deadline = time.monotonic() + 30
        while (traffic(a, b_id) or {}).get("their_lag") != 0:
            assert time.monotonic() < deadline, traffic(a, b_id)
            time.sleep(0.5)
