"""One author, one log at ingest: a second record under one (topic, author, seq) is kept as
evidence and reported; a record of our own key that we did not write stops publishing."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from node import wire
from node.config.settings import load_config
from node.net.identity import Identity
from node.runtime.daemon import Daemon
from node.runtime.equivocation import TWIN_PROBLEM, TwinDetected
from node.store.evidence import evidence, evidence_counts

TOPIC = wire.NOTES_TOPIC


def note(
    identity: Identity, seq: int, text: str, ts_ms: int = 1_700_000_000_000
) -> wire.SignedRecord:
    body = wire.encode(wire.Note(wire.WIRE_VERSION, text, 0.0))
    return wire.sign_record(identity.seed, TOPIC, seq, ts_ms, body)


def test_a_second_record_under_one_seq_is_kept_as_evidence_and_reported(tmp_path: Path) -> None:
    daemon = Daemon(load_config(None, data_dir=str(tmp_path)))
    liar = Identity.generate()
    first, second = note(liar, 0, "yes"), note(liar, 0, "no")

    async def main() -> None:
        assert await daemon.ingest([first], "relay-a") == 1
        assert await daemon.ingest([first], "relay-a") == 0  # a replay is no evidence
        assert await daemon.ingest([second], "relay-b") == 0  # not stored as a record...
        assert await daemon.ingest([second], "relay-c") == 0  # ...and kept once
        await daemon.status_report.write()

    try:
        trio.run(main)
        store = daemon.store
        assert evidence_counts(store) == {liar.public_key: 1}
        [(kept, relay)] = evidence(store, liar.public_key)
        assert kept == second and relay == "relay-b"
        status = daemon.equivocation.status()
        assert status.authors == {wire.peer_id_str(liar.public_key): 1}
        assert status.twin is None
        events = [e.message for e in store.recent_events(10) if e.kind == "authorlog"]
        assert any(f"equivocation by {wire.peer_id_str(liar.public_key)}" in m for m in events)
    finally:
        daemon.store.close()


def test_both_records_in_one_batch_are_caught(tmp_path: Path) -> None:
    daemon = Daemon(load_config(None, data_dir=str(tmp_path)))
    liar = Identity.generate()
    try:
        assert trio.run(daemon.ingest, [note(liar, 3, "a"), note(liar, 3, "b")], "relay") == 1
        assert daemon.equivocation.counts[liar.public_key] == 1
    finally:
        daemon.store.close()


def test_a_record_of_our_key_we_did_not_write_stops_publishing(tmp_path: Path) -> None:
    daemon = Daemon(load_config(None, data_dir=str(tmp_path)))
    daemon.equivocation.started_ms = 1_700_000_000_000
    twin = Identity.from_seed(daemon.identity.seed)  # the same key on another device
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "mine", 0.0))

    async def main() -> None:
        before = note(twin, 0, "from before this start", ts_ms=1_699_999_999_000)
        assert await daemon.ingest([before], "peer") == 1  # our own past: not a twin
        assert daemon.equivocation.twin is None
        await daemon.publish_local(TOPIC, body, gossip=False)  # seq 1
        await daemon.ingest([note(twin, 2, "written elsewhere", ts_ms=1_700_000_000_500)], "peer")
        with pytest.raises(TwinDetected, match=f"publishing refused: {TWIN_PROBLEM}: .*#2"):
            await daemon.publish_local(TOPIC, body, gossip=False)
        await daemon.status_report.write()

    try:
        trio.run(main)
        errors = [e for e in daemon.store.recent_events(10) if e.level == "error"]
        assert len(errors) == 1 and TWIN_PROBLEM in errors[0].message
        assert TWIN_PROBLEM in str(daemon.status_report.snapshot(running=True).equivocation.twin)
    finally:
        daemon.store.close()


def test_a_second_record_of_our_own_seq_is_a_twin(tmp_path: Path) -> None:
    daemon = Daemon(load_config(None, data_dir=str(tmp_path)))
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "mine", 0.0))

    async def main() -> None:
        ours = await daemon.publish_local(TOPIC, body, gossip=False)
        other = note(Identity.from_seed(daemon.identity.seed), ours.seq, "theirs")
        assert await daemon.ingest([other], "peer") == 0
        with pytest.raises(TwinDetected, match="two records under"):
            await daemon.publish_local(TOPIC, body, gossip=False)

    try:
        trio.run(main)
        assert evidence_counts(daemon.store) == {daemon.identity.public_key: 1}
    finally:
        daemon.store.close()
