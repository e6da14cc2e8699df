"""``byteswarm demo --tui``: the TUI opens on node0 while the demo runs (in a real
terminal: a pty), and Ctrl-C in it stops the demo with every child process gone."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from tests.node.cli.demo_checks import leftover_processes


class Terminal:
    """A pty of 120×40 whose output is collected on a thread."""

    def __init__(self) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.output = bytearray()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the last process on the pty is gone
                return
            if not chunk:
                return
            self.output += chunk


def wait_until(done: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.integration
@pytest.mark.network
def test_tui_watches_node0_and_ctrl_c_in_it_stops_the_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    term = Terminal()
    proc = subprocess.Popen(
        [sys.executable, "-m", "node", "demo", "--quick", "--tui", "--out", str(out)],
        stdin=term.slave,
        stdout=term.slave,
        stderr=term.slave,
        env={**os.environ, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(term.slave)
    log = out / "demo.log"
    try:
        # The app is up (its tabs drawn on the terminal) while the demo goes on in the log.
        wait_until(lambda: b"Overview" in term.output, 120, "the TUI to draw")
        wait_until(
            lambda: log.is_file() and "[3/5] finetune" in log.read_text(), 120, "finetune to start"
        )
        assert b"Traceback" not in term.output
        assert "[1/5] mesh" not in term.output.decode(errors="replace")  # progress: the log
        os.write(term.master, b"\x03")  # Ctrl-C, as the TUI (raw mode) reads it
        assert proc.wait(timeout=120) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    wait_until(lambda: "report" in term.output.decode(errors="replace"), 5, "the last lines")
    text = term.output.decode(errors="replace")
    assert "interrupted (the TUI was closed): stopping every daemon" in text
    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] == "the TUI was closed"
    statuses = {name: s["status"] for name, s in report["stages"].items()}
    assert statuses["mesh"] == "ok" and "stopped" in statuses.values(), statuses
    assert all(code is not None for code in report["exit_codes"].values())
    assert not leftover_processes(out)  # no daemon, no TUI, no verify left behind
    # The demo told the TUI's node where it was: its stage notes are signed notes on node0.
    assert _notes_mention(out / "nodes" / "node0", "demo stage 2: rank")


def _notes_mention(data_dir: Path, text: str) -> bool:
    from node.config.settings import STORE_FILE
    from node.store.database import Store

    with Store.open(data_dir / STORE_FILE, readonly=True) as store:
        blobs = store.db.execute(
            "SELECT blob FROM records WHERE topic = 'byteswarm/notes'"
        ).fetchall()
    return any(text.encode() in bytes(b[0]) for b in blobs)
