"""Bounded storage (issue 16 item 4): per-author quotas at ingest, the retention sweeper,
the store ceiling. In-process daemons that never start their network."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import trio

from node import wire
from node.config.settings import load_config
from node.net.identity import Identity
from node.runtime.daemon import Daemon
from node.store.database import RecordRow
from node.wire import NOTES_TOPIC

DAY_MS = 86_400_000


def _daemon(tmp_path: Path, **store: Any) -> Daemon:
    return Daemon(load_config(None, data_dir=str(tmp_path / "node"), store=store))


def _notes(author: Identity, seqs: range, ts_ms: int | None = None) -> list[wire.SignedRecord]:
    now = int(time.time() * 1000) if ts_ms is None else ts_ms
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "hello", 1.0))
    return [wire.sign_record(author.seed, NOTES_TOPIC, s, now, body) for s in seqs]


def _stored_seqs(daemon: Daemon, author: Identity) -> list[int]:
    sql = "SELECT seq FROM records WHERE author = ? ORDER BY seq"
    return [int(r[0]) for r in daemon.store.db.execute(sql, [author.public_key]).fetchall()]


def test_records_past_an_authors_quota_are_refused_and_counted(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, notes_per_author=3)
    alice, bob = Identity.generate(), Identity.generate()

    async def main() -> None:
        assert await daemon.ingest(_notes(alice, range(2)), "peer-a") == 2
        assert await daemon.ingest(_notes(alice, range(2, 6)), "peer-a") == 1
        assert await daemon.ingest(_notes(bob, range(4)), "peer-b") == 3

    trio.run(main)
    assert _stored_seqs(daemon, alice) == [0, 1, 2]
    assert _stored_seqs(daemon, bob) == [0, 1, 2]
    assert daemon.guard.status().store_refused == {"quota": 4}
    daemon.store.close()


def test_own_records_and_finetune_runs_are_exempt_from_quotas(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, notes_per_author=1, other_per_author=1)
    grads = "finetune/grads/run1"
    daemon.topics.append(grads)
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "mine", 0.0))
    own = [
        wire.sign_record(daemon.identity.seed, NOTES_TOPIC, s, int(time.time() * 1000), body)
        for s in range(3)
    ]
    alice = Identity.generate()
    now = int(time.time() * 1000)
    stranger_grads = [wire.sign_record(alice.seed, grads, s, now, b"x") for s in range(5)]

    async def main() -> None:
        assert await daemon.ingest(own, "peer-a") == 3
        assert await daemon.ingest(stranger_grads, "peer-a") == 5

    trio.run(main)
    assert daemon.store.count_records(NOTES_TOPIC) == 3
    assert daemon.store.count_records(grads) == 5
    daemon.store.close()


def test_the_sweeper_deletes_rows_past_retention_but_never_our_own(tmp_path: Path) -> None:
    daemon = _daemon(tmp_path, notes_retention_days=30.0)
    alice = Identity.generate()
    old_ms = int(time.time() * 1000) - 40 * DAY_MS
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "old but mine", 0.0))
    mine = wire.sign_record(daemon.identity.seed, NOTES_TOPIC, 0, old_ms, body)
    rows = [
        RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r))
        for r in [*_notes(alice, range(3), old_ms), mine]
    ]
    daemon.store.insert_records(rows, "peer-a")  # stored before they were this old
    fresh = _notes(alice, range(3, 5))

    async def main() -> None:
        assert await daemon.ingest(fresh, "peer-a") == 2
        assert await daemon.guard.sweep(daemon) == 3
        # arriving again (a peer re-sends them): stored, and gone at the next sweep
        assert await daemon.ingest(_notes(alice, range(3), old_ms), "peer-a") == 3
        assert await daemon.guard.sweep(daemon) == 3

    trio.run(main)
    assert _stored_seqs(daemon, alice) == [3, 4]
    assert _stored_seqs(daemon, daemon.identity) == [0]
    status = daemon.guard.status()
    assert status.store_swept == 6
    daemon.store.close()


def test_above_the_ceiling_relayed_records_are_refused_and_status_says_so(
    tmp_path: Path,
) -> None:
    daemon = _daemon(tmp_path, ceiling_bytes=128 * 1024)
    alice = Identity.generate()
    big = wire.encode(wire.Note(wire.WIRE_VERSION, "x" * 900, 0.0))
    now = int(time.time() * 1000)
    filler = [wire.sign_record(alice.seed, NOTES_TOPIC, s, now, big) for s in range(200)]

    async def main() -> None:
        assert await daemon.ingest(filler, "peer-a") == 200
        await daemon.db(daemon.guard.health.measure, daemon.store)
        assert await daemon.ingest(_notes(alice, range(200, 203)), "peer-a") == 0
        record = await daemon.publish_local(NOTES_TOPIC, big, gossip=False)
        assert record.seq == 0  # the node's own publishes still commit

    trio.run(main)
    status = daemon.guard.status()
    assert status.store == "ceiling"
    assert status.store_refused == {"ceiling": 3}
    assert status.store_live_bytes > 128 * 1024
    daemon.store.close()
