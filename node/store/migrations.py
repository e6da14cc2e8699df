"""Ordered schema migrations for the store, tracked in ``PRAGMA user_version``.

Schema version n means the first n functions of ``MIGRATIONS`` have been applied. Each
migration runs in its own ``BEGIN IMMEDIATE`` transaction together with the version bump,
so a failing migration leaves the file exactly at the previous version.

To change the schema (e.g. a service's tables), append a function to ``MIGRATIONS``. Never
edit, remove or reorder one that has shipped: the version number is its position. A
migration receives the ``sqlite_utils.Database`` and may use its table API or plain SQL,
but must not commit, roll back or ``VACUUM`` (it is already inside a transaction).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlite_utils import Database

from node.store.rows import StoreError

Migration = Callable[[Database], None]


def m001_core_tables(db: Database) -> None:
    """Records (the synced log), peers, the event log, operator control rows, status."""
    statements = [
        """CREATE TABLE records (
            cursor INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            author BLOB NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 0),
            ts_ms INTEGER NOT NULL,
            blob BLOB NOT NULL,
            received_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            UNIQUE (topic, author, seq)
        )""",
        "CREATE INDEX records_topic_cursor ON records (topic, cursor)",
        """CREATE TABLE peers (
            peer_id TEXT PRIMARY KEY,
            addrs TEXT NOT NULL DEFAULT '[]',
            first_seen_ms INTEGER NOT NULL,
            last_seen_ms INTEGER NOT NULL,
            connected INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),
            source TEXT NOT NULL
        )""",
        """CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            level TEXT NOT NULL,
            kind TEXT NOT NULL,
            message TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}'
        )""",
        """CREATE TABLE control (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            command TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'running', 'done', 'failed')),
            result TEXT,
            done_ms INTEGER
        )""",
        "CREATE INDEX control_status_id ON control (status, id)",
        """CREATE TABLE status (
            key TEXT PRIMARY KEY,
            ts_ms INTEGER NOT NULL,
            data TEXT NOT NULL
        )""",
    ]
    for sql in statements:
        db.execute(sql)


def m002_sync_cursors(db: Database) -> None:
    """Where each (peer, topic) pull left off, so a restart resumes instead of re-pulling."""
    db.execute(
        """CREATE TABLE sync_cursors (
            peer_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            cursor INTEGER NOT NULL CHECK (cursor >= 0),
            updated_ms INTEGER NOT NULL,
            PRIMARY KEY (peer_id, topic)
        )"""
    )


def m003_rank_items(db: Database) -> None:
    """The rank service's local catalogue (click rows live in ``records``)."""
    db.execute(
        """CREATE TABLE items (
            id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            artist TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]',
            added_ms INTEGER NOT NULL
        )"""
    )


LEGACY_CONTROL_TTL_MS = 120_000
"""The longest an older CLI waited for a control row (``train start``); m004 gives rows
written before it that deadline, so a row its caller gave up on never runs."""


def m004_control_deadlines(db: Database) -> None:
    """Control rows get a deadline (``expires_ms``) and two end states: ``expired`` (the
    daemon found the deadline passed) and ``cancelled`` (the caller gave up). SQLite cannot
    change a CHECK constraint in place, so the table is rebuilt (ids kept)."""
    statements = [
        """CREATE TABLE control_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            ts_ms INTEGER NOT NULL,
            command TEXT NOT NULL,
            args TEXT NOT NULL DEFAULT '{}',
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                ('pending', 'running', 'done', 'failed', 'expired', 'cancelled')),
            result TEXT,
            done_ms INTEGER,
            expires_ms INTEGER NOT NULL
        )""",
        "INSERT INTO control_v4 (id, ts_ms, command, args, status, result, done_ms, expires_ms)"
        " SELECT id, ts_ms, command, args, status, result, done_ms,"
        f" ts_ms + {LEGACY_CONTROL_TTL_MS:d} FROM control",
        "DROP TABLE control",
        "ALTER TABLE control_v4 RENAME TO control",
        "CREATE INDEX control_status_id ON control (status, id)",
    ]
    for sql in statements:
        db.execute(sql)


def m005_records_age_index(db: Database) -> None:
    """Per-topic age of records (``node.store.limits.AGE_EXPR``), for retention sweeps."""
    db.execute("CREATE INDEX records_topic_age ON records (topic, min(ts_ms, received_ms))")


def m006_equivocations(db: Database) -> None:
    """Evidence of equivocation: a second, different, validly signed record under a
    (topic, author, seq) that ``records`` already holds (``node/store/evidence.py``)."""
    db.execute(
        """CREATE TABLE equivocations (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            topic TEXT NOT NULL,
            author BLOB NOT NULL,
            seq INTEGER NOT NULL CHECK (seq >= 0),
            blob BLOB NOT NULL,
            sig BLOB NOT NULL,
            received_ms INTEGER NOT NULL,
            source TEXT NOT NULL,
            UNIQUE (topic, author, seq, sig)
        )"""
    )
    db.execute("CREATE INDEX equivocations_author ON equivocations (author)")


def m007_history(db: Database) -> None:
    """One row per second of the node's own history (``node/store/history.py``)."""
    db.execute(
        """CREATE TABLE IF NOT EXISTS history (
            ts_s INTEGER PRIMARY KEY,
            peers INTEGER NOT NULL,
            records_in INTEGER NOT NULL,
            records_out INTEGER NOT NULL,
            bytes_in INTEGER NOT NULL,
            bytes_out INTEGER NOT NULL,
            rejections INTEGER NOT NULL,
            cpu REAL NOT NULL,
            rss_bytes INTEGER NOT NULL,
            store_bytes INTEGER NOT NULL,
            sample BLOB NOT NULL
        )"""
    )


MIGRATIONS: list[Migration] = [
    m001_core_tables,
    m002_sync_cursors,
    m003_rank_items,
    m004_control_deadlines,
    m005_records_age_index,
    m006_equivocations,
    m007_history,
]
"""Append-only: position i holds the migration that takes the schema from version i to i+1."""


def schema_version(db: Database) -> int:
    """The version recorded in the file (0 for a fresh database)."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    assert isinstance(version, int)
    return version


def latest_version(migrations: Sequence[Migration] | None = None) -> int:
    """The version this code migrates to."""
    return len(MIGRATIONS if migrations is None else migrations)


def check_version(version: int, latest: int) -> None:
    """Refuse a file written by a newer byteswarm: we would misread or damage its schema."""
    if version > latest:
        raise StoreError(
            f"store schema version {version} is newer than this byteswarm knows ({latest});"
            " upgrade byteswarm"
        )


def migrate(db: Database, migrations: Sequence[Migration] | None = None) -> int:
    """Apply every pending migration in order; return the resulting schema version.

    Safe to call on every open: an up-to-date file costs one ``PRAGMA`` read. Two processes
    migrating at once are serialised by ``BEGIN IMMEDIATE`` and the version re-read inside it.
    """
    steps = MIGRATIONS if migrations is None else migrations
    conn = db.conn
    if conn.in_transaction:
        raise StoreError("migrate() must not run inside an open transaction")
    version = schema_version(db)
    check_version(version, len(steps))
    while version < len(steps):
        step_name = "?"
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(db)
            check_version(version, len(steps))
            if version < len(steps):
                step = steps[version]
                step_name = getattr(step, "__name__", repr(step))
                step(db)
                db.execute(f"PRAGMA user_version = {version + 1:d}")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if isinstance(exc, StoreError) or not isinstance(exc, Exception):
                raise
            raise StoreError(
                f"migration {version + 1} ({step_name}) failed and was rolled back: {exc}"
            ) from exc
        version = schema_version(db)
    return version


__all__ = [
    "MIGRATIONS",
    "Migration",
    "check_version",
    "latest_version",
    "m001_core_tables",
    "m002_sync_cursors",
    "m003_rank_items",
    "m004_control_deadlines",
    "m005_records_age_index",
    "m006_equivocations",
    "migrate",
    "schema_version",
]
