"""The data-dir lock: one daemon per data directory.

``byteswarm run`` takes an exclusive ``flock`` on ``node.lock`` in the data dir before it
touches the identity, the store or the event log, writes its pid into the file and holds the
lock for the life of the process (the kernel drops it when the process dies, even by
SIGKILL, so a stale file never blocks a restart). The CLI asks the same file whether a node
is running and which pid it has (``holder``).
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

LOCK_FILE = "node.lock"
"""The lock file's name inside a node's data dir."""
PROBE_RETRIES = 10


class LockHeld(RuntimeError):
    """Another live process holds the data dir; ``pid`` is the one it wrote (0: unknown)."""

    def __init__(self, path: Path, pid: int) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{path.parent} is in use by {who} (a node is already running there)")
        self.pid = pid


def _read_pid(fd: int) -> int:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else 0


def _lock_exclusive(fd: int, path: Path) -> None:
    # ``holder`` probes with a shared lock for a few microseconds: retry briefly so a probe
    # (``byteswarm id`` polling a starting node) never makes the start fail.
    for _ in range(PROBE_RETRIES):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            time.sleep(0.05)
    raise LockHeld(path, _read_pid(fd))


class DataDirLock:
    """An exclusive lock on one data dir, held until ``release`` (or process exit)."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock and write our pid; LockHeld if a live process has it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            _lock_exclusive(fd, self.path)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> DataDirLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def holder(data_dir: Path) -> int | None:
    """The pid of the process holding ``data_dir``'s lock (0 if it wrote none yet), or None
    if no live process holds it (no lock file, or a stale one)."""
    try:
        fd = os.open(data_dir / LOCK_FILE, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_pid(fd)
        return None  # we got it: nobody holds the dir (closing the fd releases it)
    finally:
        os.close(fd)
