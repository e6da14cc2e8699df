"""The operator's commands on a live node: id, status, publish/notes, train start, stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from node.cli.node import status_text
from node.config.settings import STORE_FILE
from node.runtime.lock import holder
from node.store.database import Store
from node.wire.status.history import HistoryStatus
from node.wire.status.node import NodeStatus
from tests.node.cli.test_cli import assert_one_line_error, run_cli


def start(tmp_path: Path, name: str) -> tuple[Path, subprocess.Popen[bytes]]:
    data_dir, encoders = tmp_path / name, tmp_path / "encoders"
    data_dir.mkdir()
    encoders.mkdir(exist_ok=True)
    config = tmp_path / f"{name}.toml"
    config.write_text(f'[finetune]\nencoder_dir = "{encoders}"\n')  # empty: no encoder
    cmd = [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)]
    cmd += ["--config", str(config), "--log-level", "warning"]
    with (tmp_path / f"{name}.log").open("ab") as log:
        return data_dir, subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


@pytest.mark.integration
@pytest.mark.network
def test_operator_commands_on_a_live_node(tmp_path: Path) -> None:
    d, proc = start(tmp_path, "n")
    at = ["--data-dir", str(d)]
    try:
        # right after `run &`: id waits for the node instead of failing
        ident = run_cli("id", *at, "--wait", "50")
        assert ident.returncode == 0, ident.stderr
        peer, *addrs = ident.stdout.split()
        assert addrs and addrs[0].endswith(f"/p2p/{peer}")
        text = run_cli("status", *at)
        assert text.returncode == 0, text.stderr
        assert f"node      running (pid {proc.pid}" in text.stdout and "{" not in text.stdout
        assert json.loads(run_cli("status", "--json", *at).stdout)["running"] is True
        assert run_cli("publish", "first", *at).returncode == 0
        assert run_cli("publish", "second", *at).returncode == 0
        notes = run_cli("notes", *at, "--limit", "1")
        assert notes.returncode == 0 and "second" in notes.stdout and "first" not in notes.stdout
        # a device without the tiny encoder cannot join: refused before any announcement
        train = run_cli("train", "start", "--run", "zz", "--model", "tiny", *at)
        assert_one_line_error(train, "byteswarm train export-encoder --model tiny")
        stop = run_cli("stop", *at)
        assert stop.returncode == 0 and f"(pid {proc.pid})" in stop.stdout, stop.stderr
        assert proc.wait(timeout=1) == 0 and holder(d) is None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "node      stopped" in run_cli("status", *at).stdout
    assert_one_line_error(run_cli("stop", *at), f"no node is running in {d}")
    with Store.open(d / STORE_FILE, readonly=True) as store:
        assert "finetune/runs" not in store.topics()


@pytest.mark.integration
@pytest.mark.network
def test_status_says_stopped_at_once_after_a_kill(tmp_path: Path) -> None:
    d, proc = start(tmp_path, "k")
    try:
        assert run_cli("id", "--data-dir", str(d), "--wait", "50").returncode == 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # the last snapshot is under a second old and still says "running"
    status = json.loads(run_cli("status", "--json", "--data-dir", str(d)).stdout)
    assert status["running"] is False
    assert_one_line_error(run_cli("publish", "x", "--data-dir", str(d)), "no node is running")


def test_status_text_shows_the_history_writer_only_once_the_store_refused_it() -> None:
    quiet = NodeStatus(running=True, history=HistoryStatus(enabled=True, written=60))
    assert "history" not in status_text(quiet)
    full = HistoryStatus(enabled=True, written=60, buffered=600, dropped=42, failed_writes=150)
    line = status_text(NodeStatus(running=True, history=full)).splitlines()[-1]
    assert line == "history   600 samples waiting, 42 dropped (150 writes refused: store full)"
