"""The operator-facing tables: peers, the event log, control rows and status documents.

A mixin of ``node.store.database.Store`` (kept apart so each module stays one noun): the daemon
writes peers, events and status and consumes control rows; the TUI and CLI read all four
and enqueue control rows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sqlite3
from collections.abc import Callable, Sequence
from typing import Any

from node.store.rows import (
    CONTROL_CANCELLED,
    CONTROL_DONE,
    CONTROL_EXPIRED,
    CONTROL_FAILED,
    CONTROL_PENDING,
    CONTROL_RUNNING,
    ControlRow,
    EventRow,
    PeerRow,
    StoreError,
    control_row_from_sql,
    dumps_json,
    loads_json_object,
)

_CONTROL_COLUMNS = "id, ts_ms, command, args, status, result, done_ms, expires_ms"
DEFAULT_CONTROL_TTL_MS = 60_000
"""How long a control row waits for the daemon unless its caller says otherwise."""
EXPIRED_RESULT = '{"error":"expired: the caller gave up before the node ran it"}'


class OperatorTables:
    """Peers, events, control and status; needs the connection, clock and transaction."""

    _conn: sqlite3.Connection
    _clock: Callable[[], int]
    _max_events: int

    def transaction(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    def relaxed(self) -> contextlib.AbstractContextManager[None]:
        raise NotImplementedError

    # peers

    def upsert_peer(self, peer_id: str, addrs: Sequence[str], connected: bool, source: str) -> None:
        """Record a sighting; an empty ``addrs`` keeps the addresses learned before."""
        now = self._clock()
        sql = (
            "INSERT INTO peers (peer_id, addrs, first_seen_ms, last_seen_ms, connected, source)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (peer_id) DO UPDATE SET"
            " addrs = CASE WHEN excluded.addrs = '[]' THEN peers.addrs ELSE excluded.addrs END,"
            " last_seen_ms = excluded.last_seen_ms, connected = excluded.connected,"
            " source = excluded.source"
        )
        with self.transaction():
            self._conn.execute(
                sql, (peer_id, dumps_json(list(addrs)), now, now, int(connected), source)
            )

    def record_peers(self, changes: Sequence[tuple[str, Sequence[str], bool]], source: str) -> None:
        """Peers that connected (True) or left (False), with their addresses: one row
        each in ``peers`` and one event each, in one transaction without fsync (the
        bookkeeping of a burst of connections must not queue an operator's commits
        behind one fsync per peer)."""
        with self.relaxed(), self.transaction():
            for peer_id, addrs, up in changes:
                self.upsert_peer(peer_id, addrs, up, source)
                what = f"connected to {peer_id}" if up else f"disconnected from {peer_id}"
                self.add_event("peer", what)

    def list_peers(self) -> list[PeerRow]:
        """Connected peers first, then most recently seen."""
        sql = (
            "SELECT peer_id, addrs, first_seen_ms, last_seen_ms, connected, source FROM peers"
            " ORDER BY connected DESC, last_seen_ms DESC, peer_id"
        )
        return [
            PeerRow(pid, list(json.loads(addrs)), first, last, bool(conn), source)
            for pid, addrs, first, last, conn, source in self._conn.execute(sql)
        ]

    # events: a bounded log for the operator

    def add_event(
        self, kind: str, message: str, *, level: str = "info", data: dict[str, Any] | None = None
    ) -> None:
        sql = "INSERT INTO events (ts_ms, level, kind, message, data) VALUES (?, ?, ?, ?, ?)"
        with self.transaction():
            cur = self._conn.execute(
                sql, (self._clock(), level, kind, message, dumps_json(data or {}))
            )
            # ids are max+1 and only the oldest are ever deleted, so this keeps exactly N rows
            newest = cur.lastrowid
            assert newest is not None
            self._conn.execute("DELETE FROM events WHERE id <= ?", (newest - self._max_events,))

    def recent_events(self, limit: int = 100, until_ms: int | None = None) -> list[EventRow]:
        """Newest first; with ``until_ms``, only those logged at or before it (the TUI's
        replay)."""
        where = "" if until_ms is None else " WHERE ts_ms <= ?"
        sql = f"SELECT id, ts_ms, level, kind, message, data FROM events{where}"
        sql += " ORDER BY id DESC LIMIT ?"
        args = (limit,) if until_ms is None else (until_ms, limit)
        return [
            EventRow(id_, ts, level, kind, message, loads_json_object(data))
            for id_, ts, level, kind, message, data in self._conn.execute(sql, args)
        ]

    # control: operator commands, written by the TUI/CLI and consumed by the daemon.
    # Their rows commit without fsync: what a command does commits durably on its own (a
    # publish's record), and WAL keeps commits in order, so that fsync also covers the
    # claim before it. A row lost to a power failure before that was never acted on: its
    # caller times out and cancels, as when the daemon is down; one lost after is only
    # bookkeeping. Four fsyncs per publish were ~20-60 ms of its acknowledgement here.

    def enqueue_control(
        self,
        command: str,
        args: dict[str, Any] | None = None,
        *,
        ttl_ms: int = DEFAULT_CONTROL_TTL_MS,
    ) -> int:
        """Queue ``command``; the daemon never starts it later than ``ttl_ms`` from now."""
        sql = (
            "INSERT INTO control (ts_ms, command, args, status, expires_ms) VALUES (?, ?, ?, ?, ?)"
        )
        now = self._clock()
        with self.relaxed(), self.transaction():
            params = (now, command, dumps_json(args or {}), CONTROL_PENDING, now + ttl_ms)
            new_id = self._conn.execute(sql, params).lastrowid
        assert new_id is not None
        return new_id

    def claim_control(self, limit: int = 16) -> list[ControlRow]:
        """Mark pending commands past their deadline expired, then move up to ``limit``
        pending ones to running, oldest first, atomically."""
        select = f"SELECT {_CONTROL_COLUMNS} FROM control WHERE status = ? ORDER BY id LIMIT ?"
        expire = (
            "UPDATE control SET status = ?, result = ?, done_ms = ?"
            " WHERE status = ? AND expires_ms <= ?"
        )
        now = self._clock()
        with self.relaxed(), self.transaction():
            self._conn.execute(expire, (CONTROL_EXPIRED, EXPIRED_RESULT, now, CONTROL_PENDING, now))
            claimed = [
                control_row_from_sql(row)
                for row in self._conn.execute(select, (CONTROL_PENDING, limit)).fetchall()
            ]
            for row in claimed:
                self._conn.execute(
                    "UPDATE control SET status = ? WHERE id = ?", (CONTROL_RUNNING, row.id)
                )
        return [dataclasses.replace(row, status=CONTROL_RUNNING) for row in claimed]

    def cancel_control(self, control_id: int) -> ControlRow | None:
        """The caller gives up: a pending row becomes cancelled and never runs. Returns the
        row as it is now (already running or finished rows are left as they are)."""
        sql = "UPDATE control SET status = ?, done_ms = ? WHERE id = ? AND status = ?"
        with self.relaxed(), self.transaction():
            params = (CONTROL_CANCELLED, self._clock(), control_id, CONTROL_PENDING)
            self._conn.execute(sql, params)
            return self.get_control(control_id)

    def finish_control(
        self, control_id: int, ok: bool, result: dict[str, Any] | None = None
    ) -> None:
        """Mark a pending or running command done (``ok``) or failed, with its result."""
        sql = (
            "UPDATE control SET status = ?, result = ?, done_ms = ?"
            " WHERE id = ? AND status IN (?, ?)"
        )
        status = CONTROL_DONE if ok else CONTROL_FAILED
        params = (status, None if result is None else dumps_json(result), self._clock(), control_id)
        with self.relaxed(), self.transaction():
            changed = self._conn.execute(sql, (*params, CONTROL_PENDING, CONTROL_RUNNING)).rowcount
            if changed == 0:
                existing = self.get_control(control_id)
                state = "does not exist" if existing is None else f"is already {existing.status}"
                raise StoreError(f"control row {control_id} {state}")

    def get_control(self, control_id: int) -> ControlRow | None:
        sql = f"SELECT {_CONTROL_COLUMNS} FROM control WHERE id = ?"
        row = self._conn.execute(sql, (control_id,)).fetchone()
        return None if row is None else control_row_from_sql(row)

    # status: small JSON documents the daemon overwrites (key 'node' every second), one per
    # section, encoded and decoded by node/wire/status (the store keeps the text as it is)

    def write_status(self, key: str, data: bytes) -> None:
        """Store ``data`` (a section's JSON, ``node.wire.status.codec.encode_section``)."""
        sql = (
            "INSERT INTO status (key, ts_ms, data) VALUES (?, ?, ?) ON CONFLICT (key)"
            " DO UPDATE SET ts_ms = excluded.ts_ms, data = excluded.data"
        )
        # Rewritten every second and acknowledged to nobody: no fsync needed.
        with self.relaxed(), self.transaction():
            self._conn.execute(sql, (key, self._clock(), data.decode()))

    def read_status(self, key: str) -> tuple[int, str] | None:
        """(ts_ms, the section's JSON text) or None if the key was never written; decode it
        with ``node.wire.status.codec.decode_section``."""
        row = self._conn.execute("SELECT ts_ms, data FROM status WHERE key = ?", (key,)).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))
