"""The CLI's side of the control table: queue an operator command, wait for the result.

Every row carries a deadline (the caller's timeout): the daemon never starts a row past it,
and the caller cancels its row when it gives up (timeout, Ctrl-C), so a command nobody
waits for any more never runs later. With no daemon holding the data dir's lock, the
caller is told at once instead of waiting.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from pathlib import Path
from typing import Any

from node.cli.common import UserError, cli_config, no_node_error, node_pid
from node.config.settings import STORE_FILE
from node.runtime.control_socket import WakeClient
from node.store.rows import (
    CONTROL_CANCELLED,
    CONTROL_DONE,
    CONTROL_EXPIRED,
    CONTROL_FAILED,
    CONTROL_PENDING,
    CONTROL_RUNNING,
    ControlRow,
    StoreError,
)
from node.wire.control import Command, command_args

POLL_S = 0.05
LIVENESS_EVERY_S = 1.0
"""How often the waiting caller checks that the daemon is still alive."""


def send_control(
    data_dir: Path | None, command: str, args: dict[str, Any], timeout: float = 10.0
) -> dict[str, Any]:
    """Queue an operator command for the running daemon and wait for its result."""
    from node.store.database import Store

    config = cli_config(data_dir)
    path = config.data_dir / STORE_FILE
    if node_pid(config.data_dir) is None or not path.exists():
        raise no_node_error(config.data_dir)
    try:
        # Connected before the row exists, so the pass that finishes it is reported to us.
        with Store.open(path) as store, WakeClient.connect(config.data_dir) as wake:
            row = _queue_and_wait(store, wake, config.data_dir, command, args, timeout)
    except (StoreError, sqlite3.OperationalError) as exc:  # full disk, I/O error, locked
        raise UserError(f"{command}: {exc}") from None
    return _result(row)


def _queue_and_wait(
    store: Any,
    wake: WakeClient,
    data_dir: Path,
    command: str,
    args: dict[str, Any],
    timeout: float,
) -> ControlRow:
    control_id = store.enqueue_control(command, args, ttl_ms=int(timeout * 1000))
    wake.poke()
    try:
        row = _wait(store, wake, control_id, data_dir, timeout)
    except KeyboardInterrupt:
        _give_up(store, control_id)
        raise UserError(f"interrupted; {command} was cancelled and will not run") from None
    except (StoreError, sqlite3.OperationalError):
        with contextlib.suppress(StoreError, sqlite3.OperationalError):  # it must not run later
            _give_up(store, control_id)
        raise
    if row is None:
        row = _give_up(store, control_id)
    if row is None:
        raise UserError(
            f"the node did not answer within {timeout:g} s; {command} was cancelled"
            " and will not run"
        )
    return row


def _wait(
    store: Any, wake: WakeClient, control_id: int, data_dir: Path, timeout: float
) -> ControlRow | None:
    """The finished row, or None at the deadline. Looks at the row whenever the daemon
    ends a pass over the table; without the control socket, every ``POLL_S``."""
    deadline = time.monotonic() + timeout
    next_check = time.monotonic() + LIVENESS_EVERY_S
    while time.monotonic() < deadline:
        row: ControlRow | None = store.get_control(control_id)
        if row is not None and row.status not in (CONTROL_PENDING, CONTROL_RUNNING):
            return row
        if time.monotonic() >= next_check:
            next_check = time.monotonic() + LIVENESS_EVERY_S
            if node_pid(data_dir) is None:
                _give_up(store, control_id)
                raise UserError(f"the node in {data_dir} stopped before it answered")
        remaining = min(deadline, next_check) - time.monotonic()
        if wake.connected:
            wake.wait(remaining)
        else:
            time.sleep(min(POLL_S, max(remaining, 0.0)))
    return None


def _give_up(store: Any, control_id: int) -> ControlRow | None:
    """Cancel the row; the row if it finished meanwhile, else None (cancelled or still
    running: the daemon had already started it)."""
    row: ControlRow | None = store.cancel_control(control_id)
    if row is not None and row.status in (CONTROL_DONE, CONTROL_FAILED):
        return row
    if row is not None and row.status == CONTROL_RUNNING:
        raise UserError("the node started the command but did not finish it in time")
    return None


def _result(row: ControlRow) -> dict[str, Any]:
    if row.status == CONTROL_FAILED:
        raise UserError((row.result or {}).get("error", "command failed"))
    if row.status in (CONTROL_EXPIRED, CONTROL_CANCELLED):
        raise UserError(f"{row.command} was {row.status} before the node ran it")
    return dict(row.result or {})


def send_command(data_dir: Path | None, command: Command, timeout: float = 10.0) -> dict[str, Any]:
    """``send_control`` for a typed command (node/wire/control.py)."""
    return send_control(data_dir, command.command, command_args(command), timeout)
