"""The rows the store hands out and takes in: frozen dataclasses, plus the store's error.

Kept apart from ``store.py`` so readers (TUI, CLI) can name the row types without the
connection logic, and so ``store.py`` stays one noun: the database.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from dataclasses import dataclass
from typing import Any

CONTROL_PENDING = "pending"
CONTROL_RUNNING = "running"
CONTROL_DONE = "done"
CONTROL_FAILED = "failed"
CONTROL_EXPIRED = "expired"
"""The daemon found the row's deadline passed before it could run it."""
CONTROL_CANCELLED = "cancelled"
"""The caller gave up (timeout, Ctrl-C) before the daemon started it."""
CONTROL_STATUSES = (
    CONTROL_PENDING,
    CONTROL_RUNNING,
    CONTROL_DONE,
    CONTROL_FAILED,
    CONTROL_EXPIRED,
    CONTROL_CANCELLED,
)
CONTROL_FINISHED = (CONTROL_DONE, CONTROL_FAILED, CONTROL_EXPIRED, CONTROL_CANCELLED)

LOCAL_SOURCE = "local"
"""``source`` of records this node authored itself (otherwise the peer id it came from)."""


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message is one line an operator can act on."""


class StoreFullError(StoreError):
    """A write failed for lack of space (SQLITE_FULL or ENOSPC): the node turns read-only."""


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` means the database or its disk is full (or wraps such an error)."""
    if isinstance(exc, StoreFullError):
        return True
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)  # extended code: the low byte is primary
        return (code is not None and code & 0xFF == sqlite3.SQLITE_FULL) or (
            "database or disk is full" in str(exc)
        )
    return False


@dataclass(frozen=True)
class RecordRow:
    """A record to insert: its unique key (topic, author, seq) plus the opaque signed blob."""

    topic: str
    author: bytes
    seq: int
    ts_ms: int
    blob: bytes


@dataclass(frozen=True)
class StoredRecord:
    """A record as stored; ``cursor`` orders records by arrival and drives sync paging."""

    cursor: int
    topic: str
    author: bytes
    seq: int
    ts_ms: int
    blob: bytes
    source: str


@dataclass(frozen=True)
class PeerRow:
    """A peer we have heard of, with the addresses we last learned for it."""

    peer_id: str
    addrs: list[str]
    first_seen_ms: int
    last_seen_ms: int
    connected: bool
    source: str


@dataclass(frozen=True)
class EventRow:
    """One line of the node's event log (shown by the TUI, pruned to the newest N)."""

    id: int
    ts_ms: int
    level: str
    kind: str
    message: str
    data: dict[str, Any]


@dataclass(frozen=True)
class ControlRow:
    """An operator command queued for the daemon, and what became of it."""

    id: int
    ts_ms: int
    command: str
    args: dict[str, Any]
    status: str
    result: dict[str, Any] | None
    done_ms: int | None = None
    expires_ms: int | None = None
    """When the command stops being wanted: the daemon never starts it after this."""


def dumps_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def loads_json_object(text: str) -> dict[str, Any]:
    value = json.loads(text)
    if not isinstance(value, dict):
        raise StoreError(f"expected a JSON object in the store, found {type(value).__name__}")
    return value


def control_row_from_sql(row: tuple[Any, ...]) -> ControlRow:
    id_, ts_ms, command, args, status, result, done_ms, expires_ms = row
    parsed = None if result is None else json.loads(result)
    args_dict = loads_json_object(args)
    return ControlRow(id_, ts_ms, command, args_dict, status, parsed, done_ms, expires_ms)
