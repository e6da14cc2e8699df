"""Opening the store's SQLite file: the pragmas and the one-line errors when it cannot be.

Connections use ``isolation_level=None`` so the store issues ``BEGIN IMMEDIATE`` itself,
and ``check_same_thread=False`` because the daemon hands the store to one worker thread.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from node.store.rows import StoreError

BUSY_TIMEOUT_MS = 5000
"""How long a connection waits for another process's write lock before giving up."""


def connect_writable(path: Path) -> sqlite3.Connection:
    """Create the data dir if needed; WAL, ``synchronous=FULL``, foreign keys, busy timeout."""
    data_dir = path.parent
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"data dir {data_dir} is not writable: {exc.strerror}") from exc
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StoreError(f"data dir {data_dir} is not writable")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StoreError(f"store file {path} is not writable")
    conn = sqlite3.connect(
        path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
    )
    with closed_on_failure(conn, path):
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise StoreError(f"store {path} cannot use WAL (journal_mode is {mode})")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
    return conn


@contextlib.contextmanager
def closed_on_failure(conn: sqlite3.Connection, path: Path) -> Iterator[None]:
    """Close ``conn`` if the block fails; a SQLite error becomes a one-line StoreError
    naming ``path`` (locked, full or I/O as it is; anything else as a damaged file)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError):  # locked, full, I/O: not damage
            raise StoreError(f"cannot open store {path}: {exc}") from exc
        raise damaged(path, exc) from exc
    except BaseException:
        conn.close()
        raise


def damaged(path: Path, problem: object) -> StoreError:
    """The one-line error for a store file SQLite cannot read back."""
    what = " ".join(str(problem).split())
    return StoreError(
        f"cannot open store {path}: it is damaged ({what}); move it aside (mv {path}"
        f" {path}.damaged) and restart: the node re-syncs its records from peers"
    )


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A ``mode=ro`` URI connection that also refuses writes via ``query_only``."""
    if not path.is_file():
        raise StoreError(f"store {path} does not exist (has the node run yet?)")
    uri = f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"
    try:
        conn = sqlite3.connect(
            uri,
            uri=True,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open store {path} read-only: {exc}") from exc
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS:d}")
        conn.execute("PRAGMA query_only = ON")
        conn.execute("PRAGMA schema_version").fetchone()  # fail now if it is not a database
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"cannot open store {path} read-only: {exc}") from exc
    return conn
