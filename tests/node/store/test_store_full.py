"""A full disk (issue 16 item 5): the daemon stays up read-only, refuses publishes with a
clear error, drops relayed records (counted), and resumes by itself when space returns.

The in-process variant fills the store with ``PRAGMA max_page_count`` on the daemon's own
connection; the tmpfs variant runs a real ``byteswarm run`` on a 2 MiB filesystem (root
only: it mounts one).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from node import wire
from node.config.settings import STORE_FILE, load_config
from node.net.identity import Identity
from node.runtime.daemon import Daemon
from node.store.database import Store, StoreError, StoreFullError
from node.wire import NOTES_TOPIC
from node.wire.status.codec import decode_node
from node.wire.status.node import NodeStatus

REPO_ROOT = Path(__file__).resolve().parents[3]


async def _control(path: Path, command: str, args: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Enqueue a command from another connection, as the CLI does; wait for its end."""
    with Store.open(path) as store:
        control_id = store.enqueue_control(command, args)
        with trio.fail_after(30):
            while True:
                row = store.get_control(control_id)
                if row is not None and row.status in ("done", "failed"):
                    return row.status, dict(row.result or {})
                await trio.sleep(0.1)


async def _status(path: Path) -> NodeStatus:
    with Store.open(path, readonly=True) as store:
        found = store.read_status("node")
    assert found is not None
    return decode_node(found[1])


@pytest.mark.network
def test_a_full_store_keeps_the_daemon_up_and_writes_resume(tmp_path: Path) -> None:
    config = load_config(
        None, data_dir=str(tmp_path), status_interval=0.2, store={"probe_interval": 0.2}
    )
    daemon = Daemon(config)
    path = tmp_path / STORE_FILE
    alice = Identity.generate()
    body = wire.encode(wire.Note(wire.WIRE_VERSION, "relayed", 0.0))

    def cap(pages: int | None) -> None:
        if pages is None:
            pages = int(daemon.store.db.execute("PRAGMA page_count").fetchone()[0])
        daemon.store.db.execute(f"PRAGMA max_page_count = {pages:d}")

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(daemon.run)
            status, result = await _control(path, "publish", {"text": "before", "count": 3})
            assert status == "done", result
            await daemon.db(cap, None)  # the disk is full from now on
            status, result = await _control(path, "publish", {"text": "big " * 200, "count": 50})
            assert status == "failed" and "full" in result["error"], result
            status, result = await _control(path, "publish", {"text": "while full"})
            assert status == "failed", result
            assert "store is full" in result["error"] and "refused" in result["error"]
            now = int(time.time() * 1000)
            relayed = [wire.sign_record(alice.seed, NOTES_TOPIC, s, now, body) for s in range(4)]
            with pytest.raises(StoreFullError):  # dropped; gossip swallows it, sync retries
                await daemon.ingest(relayed, "peer-a")
            with trio.fail_after(10):
                while (await _status(path)).store != "full":
                    await trio.sleep(0.1)
            assert daemon.guard.status().store_refused["full"] >= 4  # stored status may lag
            held = await daemon.db(daemon.store.count_records, NOTES_TOPIC)  # reads still work
            await daemon.db(cap, 1 << 30)  # space returns
            with trio.fail_after(20):
                while (await _status(path)).store != "ok":
                    await trio.sleep(0.1)
            status, result = await _control(path, "publish", {"text": "after"})
            assert status == "done", result
            assert result["seq"] == held
            with trio.fail_after(10):  # the guard's loop writes its news on its next turn
                while not any(
                    "space returned" in e.message
                    for e in await daemon.db(daemon.store.recent_events, 50)
                ):
                    await trio.sleep(0.1)
            nursery.cancel_scope.cancel()

    trio.run(main)


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill_up(where: Path) -> Path:
    """Fill the filesystem to the last byte with one file."""
    filler = where / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for chunk in (bytes(65536), bytes(4096), b"\0"):
            with contextlib.suppress(OSError):
                while os.write(fd, chunk) == len(chunk):
                    pass
    finally:
        os.close(fd)
    return filler


def _cli(data_dir: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    cmd = [sys.executable, "-m", "node", *args, "--data-dir", str(data_dir)]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)


def _start(data_dir: Path, work: Path) -> subprocess.Popen[bytes]:
    """``byteswarm run`` with its config and log in ``work`` (off the small filesystem)."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    config = work / "node.toml"
    config.write_text("status_interval = 0.5\n[store]\nprobe_interval = 0.5\n")
    cmd = [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)]
    with (work / "node.log").open("ab") as log:
        return subprocess.Popen([*cmd, "--config", str(config)], stderr=log, env=env)


def _node_status(data_dir: Path) -> NodeStatus:
    try:
        with Store.open(data_dir / STORE_FILE, readonly=True) as store:
            found = store.read_status("node")
    except StoreError:  # not created yet
        return NodeStatus()
    return NodeStatus() if found is None else decode_node(found[1])


def _wait_for(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.25)


@pytest.mark.integration
def test_a_real_daemon_on_a_full_tmpfs_stays_up_and_resumes(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "mnt", "2m") as mnt:
        data_dir = mnt / "node"
        proc = _start(data_dir, tmp_path)
        try:
            _wait_for(lambda: _node_status(data_dir).running is True, 60)
            assert _cli(data_dir, "publish", "before", "--count", "5").returncode == 0
            acked = 5
            filler = fill_up(mnt)
            _wait_for(lambda: _node_status(data_dir).store == "full", 30)
            out = _cli(data_dir, "publish", "while full")
            assert out.returncode == 2, out.stderr
            assert len(out.stderr.strip().splitlines()) == 1, out.stderr
            assert "store is full" in out.stderr and "refused" in out.stderr
            assert proc.poll() is None, (tmp_path / "node.log").read_text()
            filler.unlink()
            _wait_for(lambda: _node_status(data_dir).store == "ok", 30)
            out = _cli(data_dir, "publish", "after", "--json")
            assert out.returncode == 0, out.stderr
            assert json.loads(out.stdout)["seq"] >= acked
            # a restart while full must not crash, and loses nothing acknowledged
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            filler = fill_up(mnt)
            proc = _start(data_dir, tmp_path)
            _wait_for(lambda: _node_status(data_dir).store == "full", 60)
            assert proc.poll() is None
            with Store.open(data_dir / STORE_FILE, readonly=True) as store:
                assert store.count_records(NOTES_TOPIC) >= acked + 1
        finally:
            proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=60)
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_store_errors_while_full_are_store_full_errors(tmp_path: Path) -> None:
    with Store.open(tmp_path / STORE_FILE) as store:
        store.db.execute("PRAGMA max_page_count = 1")
        with pytest.raises(StoreError, match="is full"):
            store.add_event("x", "y" * 100_000)
