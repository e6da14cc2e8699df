"""One daemon per data dir: ``node.lock`` is held for the daemon's life and names its pid."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from node.config import STORE_FILE
from node.lock import LOCK_FILE, DataDirLock, LockHeld, holder
from node.store import Store, StoreError
from tests.node.test_cli import assert_one_line_error, run_cli


def test_lock_is_exclusive_and_names_its_pid(tmp_path: Path) -> None:
    assert holder(tmp_path) is None
    with DataDirLock(tmp_path):
        assert holder(tmp_path) == os.getpid()
        with pytest.raises(LockHeld, match=f"process {os.getpid()}"):
            DataDirLock(tmp_path).acquire()
    assert holder(tmp_path) is None  # released; the stale file blocks nobody
    assert (tmp_path / LOCK_FILE).exists()
    with DataDirLock(tmp_path):
        assert holder(tmp_path) == os.getpid()


def test_second_run_refuses_before_touching_the_store(tmp_path: Path) -> None:
    with DataDirLock(tmp_path):
        result = run_cli("run", "--data-dir", str(tmp_path))
    assert_one_line_error(result, f"in use by process {os.getpid()}")
    assert not (tmp_path / STORE_FILE).exists()
    assert not (tmp_path / "identity.key").exists()


def wait_running(data_dir: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the daemon exited"
        if (data_dir / STORE_FILE).exists():
            try:
                with Store.open(data_dir / STORE_FILE, readonly=True) as store:
                    if store.read_status("node") is not None:
                        return
            except StoreError:  # created, not migrated yet: the daemon is still starting
                pass
        time.sleep(0.2)
    raise TimeoutError("daemon did not start")


def start_daemon(data_dir: Path) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)]
    cmd += ["--log-level", "warning"]
    log = (data_dir.parent / f"{data_dir.name}.log").open("ab")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.integration
@pytest.mark.network
def test_second_daemon_leaves_the_live_one_alone(tmp_path: Path) -> None:
    data_dir = tmp_path / "a"
    data_dir.mkdir()
    first = start_daemon(data_dir)
    try:
        wait_running(data_dir, first)
        second = run_cli("run", "--data-dir", str(data_dir))
        assert_one_line_error(second, f"in use by process {first.pid}")
        with Store.open(data_dir / STORE_FILE, readonly=True) as store:
            kinds = [e.kind for e in store.recent_events(50)]
        assert "stop" not in kinds
        assert first.poll() is None
    finally:
        first.send_signal(signal.SIGTERM)
        first.wait(timeout=30)
