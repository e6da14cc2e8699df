"""``demo --tui``: the operator app on one node of the swarm while the demo runs.

The TUI is a real ``byteswarm tui --read-only`` process in the foreground; it owns the
terminal, so the demo's progress (and anything else the demo process would print) goes to
``DIR/demo.log`` until it exits. The demo tells the TUI where it is with signed notes from
that node (each stage, then where the report is). Quitting the TUI (``q``, Ctrl-C) stops
the demo: the next wait raises ``Stopped`` and every daemon is stopped.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from node.cli.common import UserError
from node.cli.demo.progress import Stopped


def check_tui_installed() -> None:
    """A one-line error before anything starts when textual is missing."""
    if importlib.util.find_spec("textual") is None:
        raise UserError("--tui needs textual: pip install -e '.[tui]' (or '.[all]')")


class TuiWindow:
    """The TUI process on ``data_dir`` and the demo's output redirected to ``log``."""

    def __init__(self, log: Path) -> None:
        self.log_path = log
        self.log: TextIO = log.open("a", encoding="utf-8", buffering=1)
        self.proc: subprocess.Popen[bytes] | None = None
        self._saved: dict[int, int] = {}

    def open(self, data_dir: Path) -> None:
        """Start the TUI on ``data_dir`` (its store must exist) and silence this process."""
        cmd = [sys.executable, "-m", "node", "tui", "--data-dir", str(data_dir), "--read-only"]
        self.proc = subprocess.Popen(cmd)
        sys.stdout.flush()
        sys.stderr.flush()
        for fd in (1, 2):  # stray prints (torch warnings, ...) would tear the TUI's screen
            self._saved[fd] = os.dup(fd)
            os.dup2(self.log.fileno(), fd)

    def check(self) -> None:
        """``Stopped`` once the operator has quit the TUI."""
        if self.proc is not None and self.proc.poll() is not None:
            raise Stopped("the TUI was closed")

    def wait(self) -> None:
        """Block until the operator quits the TUI (the demo is done; the swarm still up)."""
        if self.proc is not None:
            self.proc.wait()

    def note(self, data_dir: Path, text: str) -> None:
        """A signed note from the watched node: the TUI shows where the demo is."""
        from node.cli.control import send_control

        try:
            send_control(data_dir, "publish", {"text": text}, timeout=10)
        except Exception as exc:  # a note is decoration: the demo goes on without it
            self.log.write(f"    (note not published: {exc})\n")

    def close(self) -> None:
        """Stop the TUI if it still runs and give the terminal back to this process."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for fd, saved in self._saved.items():
            os.dup2(saved, fd)
            os.close(saved)
        self._saved = {}
        self.log.close()
