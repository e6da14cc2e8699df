"""Schema migrations: fresh files reach the latest version, re-opening is a no-op, newer
files are refused, and a failing migration leaves the file at the previous version."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_utils import Database

from node.store.database import RecordRow, Store, StoreError
from node.store.migrations import MIGRATIONS, Migration, latest_version, migrate, schema_version


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    database = Database(conn, execute_plugins=False)
    yield database
    conn.close()


def schema_sql(db: Database) -> list[tuple[str, str]]:
    rows = db.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    return [(name, sql) for name, sql in rows]


def test_fresh_database_reaches_latest_version(db: Database) -> None:
    assert schema_version(db) == 0
    assert migrate(db) == latest_version() == len(MIGRATIONS) >= 1
    assert schema_version(db) == len(MIGRATIONS)
    assert {"records", "peers", "events", "control", "status"} <= set(db.table_names())
    assert db.table("records").columns_dict == {
        "cursor": int,
        "topic": str,
        "author": bytes,
        "seq": int,
        "ts_ms": int,
        "blob": bytes,
        "received_ms": int,
        "source": str,
    }
    indexes = {tuple(index.columns): index.unique for index in db.table("records").indexes}
    assert indexes[("topic", "author", "seq")] and not indexes[("topic", "cursor")]


def test_reopen_is_a_noop(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    with Store.open(path) as store:
        store.insert_records([RecordRow("t", b"a", 0, 1, b"x")], "local")
        before = schema_sql(store.db)
        version = schema_version(store.db)
    with Store.open(path) as store:
        assert schema_sql(store.db) == before
        assert schema_version(store.db) == version
        assert migrate(store.db) == version
        assert store.count_records() == 1


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "node.db"
    Store.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {latest_version() + 1}")
    conn.close()
    for readonly in (False, True):
        with pytest.raises(StoreError, match="newer than this byteswarm knows") as info:
            Store.open(path, readonly=readonly)
        assert "\n" not in str(info.value) and str(path) in str(info.value)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == latest_version() + 1
    conn.close()


def test_failing_migration_rolls_back(db: Database) -> None:
    def m002_half_done(db: Database) -> None:
        db.execute("CREATE TABLE half (x INTEGER)")
        db.execute("INSERT INTO records_missing VALUES (1)")  # fails: no such table

    steps: list[Migration] = [*MIGRATIONS, m002_half_done]
    with pytest.raises(StoreError, match=r"migration \d+ \(m002_half_done\) failed"):
        migrate(db, steps)
    assert schema_version(db) == len(MIGRATIONS)
    assert "half" not in db.table_names()
    assert not db.conn.in_transaction


def test_interrupted_migration_rolls_back_and_reraises(db: Database) -> None:
    def m002_interrupted(db: Database) -> None:
        db.execute("CREATE TABLE half (x INTEGER)")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        migrate(db, [*MIGRATIONS, m002_interrupted])
    assert schema_version(db) == len(MIGRATIONS) and "half" not in db.table_names()


def test_appended_migration_applies_once(db: Database) -> None:
    calls: list[int] = []

    def m002_service_table(db: Database) -> None:
        calls.append(1)
        db.table("rank_clicks").create({"id": int, "query": str}, pk="id")

    steps = [*MIGRATIONS, m002_service_table]
    assert migrate(db) == len(MIGRATIONS)
    assert migrate(db, steps) == len(steps)
    assert migrate(db, steps) == len(steps)
    assert calls == [1] and "rank_clicks" in db.table_names()
    # the shipped list alone now sees a newer file and refuses it
    with pytest.raises(StoreError, match="newer"):
        migrate(db)


def test_migrate_refuses_an_open_transaction(db: Database) -> None:
    db.conn.execute("BEGIN")
    with pytest.raises(StoreError, match="inside an open transaction"):
        migrate(db)
    db.conn.execute("ROLLBACK")


def test_migration_names_are_unique_and_ordered() -> None:
    names = [step.__name__ for step in MIGRATIONS]
    assert len(set(names)) == len(names)
    assert names[0] == "m001_core_tables"
