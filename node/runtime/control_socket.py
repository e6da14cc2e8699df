"""The control socket: a unix socket in the data dir that makes control rows immediate.

Commands still travel only through the control table (``node/cli/control.py`` queues a
row, the daemon claims it). The socket carries no command and no data: a byte from a caller
says "look at the table now", a byte from the daemon says "a pass over the table ended,
look at your row". Whatever a process can do through it, it could do by writing a row.
Without it (a data-dir path too long for a socket address, a filesystem without sockets, a
stale socket file, too many callers at once) both sides poll the table as before.

Only the data dir's owner gets through: the socket file is 0600 (bound under a temporary
name, then renamed in place) and the daemon closes a connection from any other uid
(``SO_PEERCRED``). This module is the caller's side and the shared contract (stdlib only,
the CLI imports it); the daemon's side is ``node/runtime/control_wake.py``.
"""

from __future__ import annotations

import os
import socket
import struct
from pathlib import Path
from types import TracebackType
from typing import Any

SOCKET_FILE = "control.sock"
"""The socket's name inside the data dir."""
MAX_ADDRESS_BYTES = 107
"""``sun_path`` is 108 bytes on Linux, NUL included; a longer path cannot be bound."""
POKE = b"!"
"""Caller to daemon: a row is waiting."""
PASSED = b"."
"""Daemon to callers: a pass over the control table ended."""


def socket_path(data_dir: Path) -> Path | None:
    """Where the daemon of ``data_dir`` listens, or None if the path is too long to bind."""
    path = data_dir / SOCKET_FILE
    return path if len(os.fsencode(path)) <= MAX_ADDRESS_BYTES else None


def peer_uid(sock: Any) -> int | None:
    """The uid of the process at the other end of a unix socket (None where the platform
    cannot tell: the 0600 file mode is then the only check)."""
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None
    creds = sock.getsockopt(socket.SOL_SOCKET, option, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return int(uid)


class WakeClient:
    """A caller's connection to the daemon's control socket. Every method degrades to "not
    connected" on any socket error: the caller then polls the table."""

    def __init__(self, sock: socket.socket | None) -> None:
        self._sock = sock

    @classmethod
    def connect(cls, data_dir: Path) -> WakeClient:
        path = socket_path(data_dir)
        if path is None:
            return cls(None)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(1.0)
            sock.connect(os.fspath(path))
        except OSError:  # no daemon socket, a stale file, a full backlog
            sock.close()
            return cls(None)
        return cls(sock)

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def poke(self) -> None:
        """Tell the daemon a row is waiting."""
        if self._sock is not None:
            try:
                self._sock.sendall(POKE)
            except OSError:
                self.close()

    def wait(self, timeout: float) -> bool:
        """True when the daemon ends a pass over the table; False after ``timeout`` seconds
        or when the daemon closes the socket (it stopped, or has too many callers: the
        client is then no longer connected)."""
        if self._sock is None:
            return False
        try:
            self._sock.settimeout(max(timeout, 1e-3))
            if self._sock.recv(256):
                return True
        except TimeoutError:
            return False
        except OSError:
            pass
        self.close()
        return False

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self) -> WakeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
