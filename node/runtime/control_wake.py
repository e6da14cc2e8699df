"""The daemon's side of the control socket (``node/runtime/control_socket.py``): wake the
control loop the moment a caller queues a row, and tell waiting callers when a pass ends.

The control loop still polls the table every ``control_poll_interval`` seconds, so a
caller that cannot reach the socket is served as before, only later.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from pathlib import Path
from typing import Any

import trio

from node.runtime.control_socket import PASSED, peer_uid, socket_path
from node.wire.status.node import ControlStatus

MAX_CALLERS = 16
"""Callers connected at once; one more is closed at once (it polls the table instead)."""
TEMP_FILE = "control.tmp"
"""Bound and chmod'ed under this name, then renamed: no moment with a looser mode."""

log = logging.getLogger("byteswarm.control")


class ControlWake:
    """``serve`` listens; the control loop calls ``wait`` between passes and ``passed``
    after each one."""

    def __init__(self, data_dir: Path, poll_interval: float) -> None:
        self.data_dir = data_dir
        self.poll_interval = poll_interval
        self.listening = False
        self.callers = 0
        self.counts = {"woken": 0, "polled": 0, "refused": 0}
        self._poked = trio.Event()
        self._pass_ended = trio.Event()

    async def wait(self) -> None:
        """Until a caller pokes (or already did during the last pass) or the poll interval
        passes."""
        with trio.move_on_after(self.poll_interval):
            await self._poked.wait()
        self.counts["woken" if self._poked.is_set() else "polled"] += 1
        self._poked = trio.Event()

    def passed(self) -> None:
        """A pass over the table ended: every connected caller looks at its row."""
        self._pass_ended.set()
        self._pass_ended = trio.Event()

    def status(self) -> ControlStatus:
        return ControlStatus(socket=self.listening, callers=self.callers, **self.counts)

    async def serve(self, *, task_status: Any = trio.TASK_STATUS_IGNORED) -> None:
        """Listen until cancelled; without a usable socket, log why and return (the control
        loop keeps polling)."""
        path = socket_path(self.data_dir)
        if path is None:
            log.info(
                "data dir path too long for a control socket; commands are picked up every %.2f s",
                self.poll_interval,
            )
            task_status.started()
            return
        try:
            listener = await self._bind(path)
        except OSError as exc:
            log.info(
                "no control socket (%s); commands are picked up every %.2f s",
                exc,
                self.poll_interval,
            )
            task_status.started()
            return
        self.listening = True
        try:
            with listener:
                async with trio.open_nursery() as nursery:
                    task_status.started()
                    while True:
                        conn, _ = await listener.accept()
                        nursery.start_soon(self._caller, conn)
        finally:
            self.listening = False
            with contextlib.suppress(OSError):
                path.unlink()

    async def _bind(self, path: Path) -> trio.socket.SocketType:
        temp = self.data_dir / TEMP_FILE
        # Only one daemon holds the data dir (node/runtime/lock.py): a file left here is stale.
        for stale in (temp, path):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        sock = trio.socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            await sock.bind(os.fspath(temp))
            os.chmod(temp, 0o600)
            sock.listen(MAX_CALLERS)
            os.replace(temp, path)
        except BaseException:
            sock.close()
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        return sock

    async def _caller(self, conn: trio.socket.SocketType) -> None:
        with conn:
            try:
                uid = peer_uid(conn)
            except OSError:
                return
            if (uid is not None and uid != os.getuid()) or self.callers >= MAX_CALLERS:
                self.counts["refused"] += 1
                return
            self.callers += 1
            try:
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._tell_passes, conn, nursery.cancel_scope)
                    await self._read_pokes(conn)
                    nursery.cancel_scope.cancel()
            finally:
                self.callers -= 1

    async def _read_pokes(self, conn: trio.socket.SocketType) -> None:
        with contextlib.suppress(OSError):
            while await conn.recv(256):  # any byte is a poke; EOF ends the caller
                self._poked.set()

    async def _tell_passes(self, conn: trio.socket.SocketType, scope: trio.CancelScope) -> None:
        try:
            while True:
                await self._pass_ended.wait()
                await conn.send(PASSED)
        except OSError:  # the caller went away
            scope.cancel()
