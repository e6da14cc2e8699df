"""A damaged or lost store (issue 16 item 5): ``PRAGMA quick_check`` at start, and a 0-byte
``node.db`` next to an identity that has published is a store loss, never a silent restart
from seq 0."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from node import wire
from node.config.errors import ConfigError
from node.config.settings import STORE_FILE, load_config
from node.net.identity import load_or_create_identity
from node.runtime.daemon import Daemon
from node.store.database import RecordRow, Store, StoreError
from node.store.publish_mark import MARK_FILE
from node.wire import NOTES_TOPIC

REPO_ROOT = Path(__file__).resolve().parents[3]


def _filled_store(path: Path, n: int = 300) -> None:
    author = bytes(32)
    with Store.open(path) as store:
        rows = [RecordRow("t", author, s, s, os.urandom(200)) for s in range(n)]
        store.insert_records(rows, "peer")


def test_quick_check_failure_is_one_line_exit_2(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    db_path = data_dir / STORE_FILE
    _filled_store(db_path)
    with db_path.open("r+b") as handle:  # garbage over page 2
        handle.seek(4096)
        handle.write(b"\xa5" * 4096)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert str(db_path) in lines[0]
    assert "damaged" in lines[0] and "move it aside" in lines[0]


def test_check_integrity_names_the_file_and_what_to_do(tmp_path: Path) -> None:
    db_path = tmp_path / STORE_FILE
    _filled_store(db_path)
    with db_path.open("r+b") as handle:
        handle.seek(4096)
        handle.write(b"\x00\x01" * 2048)
    with (
        pytest.raises(StoreError, match=r"damaged.*move it aside.*re-syncs"),
        Store.open(db_path) as store,
    ):
        store.check_integrity()


def _publish(daemon: Daemon, text: str) -> int:
    async def main() -> int:
        body = wire.encode(wire.Note(wire.WIRE_VERSION, text, 0.0))
        record = await daemon.publish_local(NOTES_TOPIC, body, gossip=False)
        await daemon.guard.close()
        return record.seq

    return trio.run(main)


def _lose_store(data_dir: Path) -> None:
    for name in (STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm"):
        (data_dir / name).unlink(missing_ok=True)
    (data_dir / STORE_FILE).write_bytes(b"")


def test_an_empty_store_next_to_a_used_identity_is_a_store_loss(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    config = load_config(None, data_dir=str(data_dir))
    daemon = Daemon(config)
    assert [_publish(daemon, f"note {i}") for i in range(3)] == [0, 1, 2]
    daemon.store.close()
    assert (data_dir / MARK_FILE).exists()
    _lose_store(data_dir)

    daemon = Daemon(config)
    assert daemon.guard.status().store_loss == {NOTES_TOPIC: 2}
    with pytest.raises(StoreError, match=r"lost records this node published.*accept_loss"):
        _publish(daemon, "again")
    assert daemon.store.count_records() == 0
    daemon.store.close()

    accepting = load_config(None, data_dir=str(data_dir), store={"accept_loss": True})
    daemon = Daemon(accepting)
    assert _publish(daemon, "after the loss") == 3  # never seq 0 again
    daemon.store.close()


def test_a_store_loss_heals_when_our_records_re_sync(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    config = load_config(None, data_dir=str(data_dir))
    daemon = Daemon(config)
    _publish(daemon, "a")
    _publish(daemon, "b")
    saved = daemon.store.records_since(NOTES_TOPIC, 0, 10, 1 << 20)[0]
    daemon.store.close()
    _lose_store(data_dir)

    daemon = Daemon(config)
    assert daemon.guard.loss == {NOTES_TOPIC: 1}

    async def main() -> None:
        records = [wire.decode_record(row.blob) for row in saved]
        assert await daemon.ingest(records, "peer-a") == 2  # a peer gave them back
        async with trio.open_nursery() as nursery:
            nursery.start_soon(daemon.guard.run, daemon)
            with trio.fail_after(30):
                while daemon.guard.loss:
                    await trio.sleep(0.2)
            nursery.cancel_scope.cancel()

    trio.run(main)
    assert _publish(daemon, "c") == 2
    daemon.store.close()


def test_the_mark_never_lets_a_new_identity_inherit_old_heads(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    daemon = Daemon(load_config(None, data_dir=str(data_dir)))
    _publish(daemon, "a")
    daemon.store.close()
    (data_dir / "identity.key").unlink()
    _lose_store(data_dir)
    load_or_create_identity(data_dir)
    daemon = Daemon(load_config(None, data_dir=str(data_dir)))
    assert daemon.guard.loss == {}
    assert _publish(daemon, "fresh key") == 0
    daemon.store.close()


def test_store_config_values_are_checked() -> None:
    with pytest.raises(ConfigError, match=r"store\.notes_per_author"):
        load_config(None, store={"notes_per_author": 0})
    with pytest.raises(ConfigError, match=r"store\.clicks_retention_days"):
        load_config(None, store={"clicks_retention_days": float("nan")})
