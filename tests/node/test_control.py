"""Control rows have a deadline: a command its caller gave up on never runs later."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlite_utils import Database

from node.cli import cli, main
from node.cli_support import UserError
from node.config import STORE_FILE
from node.control_client import send_control
from node.lock import DataDirLock
from node.migrations import LEGACY_CONTROL_TTL_MS, MIGRATIONS, migrate
from node.store import Store, StoreError
from tests.node.test_cli import assert_one_line_error, run_cli
from tests.node.test_store_full import fill_up, tmpfs


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1_000_000

    def __call__(self) -> int:
        return self.now


def test_a_row_past_its_deadline_is_expired_not_claimed(tmp_path: Path) -> None:
    clock = SteppedClock()
    with Store.open(tmp_path / STORE_FILE, clock=clock) as store:
        late = store.enqueue_control("publish", {"text": "x"}, ttl_ms=10_000)
        fresh = store.enqueue_control("publish", {"text": "y"}, ttl_ms=60_000)
        clock.now += 10_000
        assert [row.id for row in store.claim_control()] == [fresh]
        row = store.get_control(late)
        assert row is not None and row.status == "expired"
        assert row.expires_ms == 1_010_000 and "expired" in (row.result or {})["error"]
        with pytest.raises(StoreError, match="already expired"):
            store.finish_control(late, ok=True)


def test_a_cancelled_row_never_runs_and_a_running_one_is_left_alone(tmp_path: Path) -> None:
    with Store.open(tmp_path / STORE_FILE) as store:
        gave_up = store.enqueue_control("train_start", {"run_id": "zz"})
        started = store.enqueue_control("publish", {})
        cancelled = store.cancel_control(gave_up)
        assert cancelled is not None and cancelled.status == "cancelled"
        assert [row.id for row in store.claim_control()] == [started]
        still = store.cancel_control(started)
        assert still is not None and still.status == "running"
        assert store.claim_control() == []


def test_migration_4_gives_old_rows_a_deadline_and_keeps_ids(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    db = Database(conn, execute_plugins=False)
    migrate(db, MIGRATIONS[:3])
    db.execute("INSERT INTO control (id, ts_ms, command, status) VALUES (7, 5000, 'x', 'pending')")
    assert migrate(db) == len(MIGRATIONS)
    row = db.execute("SELECT id, status, expires_ms FROM control").fetchone()
    assert row == (7, "pending", 5000 + LEGACY_CONTROL_TTL_MS)
    db.execute("INSERT INTO control (ts_ms, command, expires_ms) VALUES (1, 'y', 2)")
    assert db.execute("SELECT max(id) FROM control").fetchone()[0] == 8
    db.execute("UPDATE control SET status = 'cancelled' WHERE id = 7")  # allowed now
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE control SET status = 'lost' WHERE id = 7")
    assert [i.columns for i in db.table("control").indexes] == [["status", "id"]]
    conn.close()


def test_without_a_daemon_the_cli_says_so_at_once(tmp_path: Path) -> None:
    Store.open(tmp_path / STORE_FILE).close()  # a node ran here once
    expected = f"no node is running in {tmp_path} (start it with: byteswarm run --data-dir"
    for args in (["publish", "x"], ["train", "start", "--run", "zz"]):
        result = run_cli(*args, "--data-dir", str(tmp_path))
        assert_one_line_error(result, expected)
    with Store.open(tmp_path / STORE_FILE) as store:
        assert store.claim_control() == []  # nothing was queued for a later daemon


def test_a_row_the_cli_gave_up_on_never_runs(tmp_path: Path) -> None:
    Store.open(tmp_path / STORE_FILE).close()
    gave_up = "did not answer within 0.3 s; publish was cancelled"
    # "a daemon" holds the dir but never answers
    with DataDirLock(tmp_path), pytest.raises(UserError, match=gave_up):
        send_control(tmp_path, "publish", {"text": "late"}, timeout=0.3)
    with Store.open(tmp_path / STORE_FILE) as store:
        assert store.claim_control() == []  # the daemon that starts later skips it
        row = store.get_control(1)
        assert row is not None and row.status == "cancelled"


def test_a_full_disk_while_queueing_is_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(store: Store, *args: Any, **kw: Any) -> int:
        raise store._full(sqlite3.OperationalError("database or disk is full"))

    Store.open(tmp_path / STORE_FILE).close()
    monkeypatch.setattr(Store, "enqueue_control", full)
    with DataDirLock(tmp_path):  # "a daemon" runs here
        result = CliRunner().invoke(cli, ["publish", "x", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # not a StoreFullError traceback
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("error: publish: store ") and "is full" in result.stderr


@pytest.mark.integration
def test_the_cli_on_a_really_full_disk_is_one_line(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "1m") as mnt:
        data_dir = mnt / "node"
        data_dir.mkdir()
        Store.open(data_dir / STORE_FILE).close()
        catalogue = tmp_path / "c.jsonl"
        catalogue.write_text('{"id": "t1", "title": "Blue"}\n')
        with DataDirLock(data_dir):
            filler = fill_up(mnt)
            for args in (
                ["publish", "x"],
                ["click", "blue", "t1"],
                ["items", "import", str(catalogue)],
            ):
                result = run_cli(*args, "--data-dir", str(data_dir))
                assert_one_line_error(result, "full")
            filler.unlink()


def test_a_store_error_nobody_caught_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def damaged(*args: Any, **kw: Any) -> None:
        raise StoreError("store x is damaged: restore it")

    monkeypatch.setattr(Store, "recent_events", damaged)
    Store.open(tmp_path / STORE_FILE).close()
    monkeypatch.setattr(sys, "argv", ["byteswarm", "events", "--data-dir", str(tmp_path)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err == "error: store x is damaged: restore it\n"
