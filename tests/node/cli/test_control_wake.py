"""A control command wakes the daemon through the control socket; the poll is a fallback."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from node.cli import control as control_client
from node.config.settings import load_config
from node.runtime.control_socket import MAX_ADDRESS_BYTES, SOCKET_FILE, WakeClient, socket_path
from node.runtime.control_wake import MAX_CALLERS
from node.runtime.daemon import Daemon
from node.runtime.lock import DataDirLock

pytestmark = [pytest.mark.network]

NEVER = 3600.0
"""A poll interval (and liveness period) no test waits out: only the socket answers."""


@pytest.fixture
def short_dir() -> Iterator[Path]:
    """pytest's tmp_path can be longer than a socket address; mkdtemp in /tmp is not."""
    path = Path(tempfile.mkdtemp(prefix="bsw-", dir="/tmp"))
    yield path
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()


def _run_daemon(data_dir: Path, body: Callable[[Daemon], Any], **config: Any) -> None:
    daemon = Daemon(load_config(None, data_dir=str(data_dir), **config))

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(daemon.run)
            await body(daemon)
            nursery.cancel_scope.cancel()

    with DataDirLock(data_dir):  # what ``byteswarm run`` holds; the CLI asks it
        trio.run(main)


async def _publish(data_dir: Path, text: str) -> dict[str, Any]:
    def call() -> dict[str, Any]:
        return control_client.send_control(data_dir, "publish", {"text": text}, timeout=30)

    return await trio.to_thread.run_sync(call)


def test_a_publish_is_woken_through_the_socket_not_the_poll(
    short_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Neither side ever polls within the test: the daemon's table poll and the caller's
    # fallback check are an hour apart, so only the socket can answer in time.
    monkeypatch.setattr(control_client, "LIVENESS_EVERY_S", NEVER)
    waits: list[bool] = []
    real_wait = WakeClient.wait

    def recording_wait(self: WakeClient, timeout: float) -> bool:
        waits.append(real_wait(self, timeout))
        return waits[-1]

    monkeypatch.setattr(WakeClient, "wait", recording_wait)

    async def body(daemon: Daemon) -> None:
        path = short_dir / SOCKET_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for i in range(5):
            result = await _publish(short_dir, f"note {i}")
            assert result["seq"] == i
        counts = daemon.control_wake.status()
        assert counts.socket and counts.polled == 0 and counts.woken >= 1
        assert waits and all(waits)  # every wait of the caller ended by the daemon's word

    _run_daemon(short_dir, body, control_poll_interval=NEVER)
    assert not (short_dir / SOCKET_FILE).exists()  # removed on stop


def test_a_data_dir_too_long_for_a_socket_falls_back_to_polling(tmp_path: Path) -> None:
    data_dir = tmp_path / ("d" * max(1, MAX_ADDRESS_BYTES + 1 - len(str(tmp_path))))
    assert socket_path(data_dir) is None

    async def body(daemon: Daemon) -> None:
        assert (await _publish(data_dir, "polled"))["seq"] == 0
        status = daemon.control_wake.status()
        assert not status.socket and status.woken == 0

    _run_daemon(data_dir, body, control_poll_interval=0.05)
    assert not list(data_dir.glob("control.*"))


def test_a_stale_socket_file_is_replaced_and_extra_callers_fall_back(short_dir: Path) -> None:
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(short_dir / SOCKET_FILE))  # a daemon killed with SIGKILL left this
    stale.close()
    held: list[socket.socket] = []

    async def body(daemon: Daemon) -> None:
        assert daemon.control_wake.listening

        def crowd() -> None:  # idle callers sending junk: pokes at most
            for _ in range(MAX_CALLERS + 3):
                held.append(socket.socket(socket.AF_UNIX, socket.SOCK_STREAM))
                held[-1].connect(str(short_dir / SOCKET_FILE))
                # a refused caller may already be closed by the daemon: that is the refusal
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    held[-1].sendall(b"junk" * 100)

        await trio.to_thread.run_sync(crowd)  # connect blocks until the daemon accepts
        with trio.fail_after(30):
            while daemon.control_wake.counts["refused"] < 3:
                await trio.sleep(0.01)
        # the caller is refused too: it polls the table and is still answered
        assert (await _publish(short_dir, "crowded"))["seq"] == 0
        assert daemon.control_wake.callers == MAX_CALLERS
        for sock in held:
            sock.close()

    _run_daemon(short_dir, body, control_poll_interval=0.05)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to connect as another user")
def test_another_user_cannot_use_the_socket(short_dir: Path) -> None:
    short_dir.chmod(0o755)  # let the other user reach the file, to test the checks on it

    def as_nobody() -> int:
        """Connect and poke as uid 65534 in a forked child: 2 refused by the file mode,
        3 closed by the daemon, 4 answered."""
        pid = os.fork()
        if pid == 0:  # the child only touches a socket, then leaves without cleanup
            code = 1
            try:
                os.setgid(65534)
                os.setuid(65534)
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(20)
                try:
                    sock.connect(str(short_dir / SOCKET_FILE))
                except PermissionError:
                    code = 2
                else:
                    try:
                        sock.sendall(b"!")
                        code = 3 if sock.recv(1) == b"" else 4
                    except ConnectionError:  # closed with our poke unread
                        code = 3
            finally:
                os._exit(code)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    async def body(daemon: Daemon) -> None:
        assert await trio.to_thread.run_sync(as_nobody) == 2  # the 0600 mode
        (short_dir / SOCKET_FILE).chmod(0o666)  # a filesystem that ignores modes
        assert await trio.to_thread.run_sync(as_nobody) == 3  # closed: another uid
        assert daemon.control_wake.counts["refused"] == 1

    _run_daemon(short_dir, body, control_poll_interval=NEVER)
