"""One line that runs an operator job (``tui.jobs``) in a child process from a worker
thread and shows its newest output line as it runs, then the outcome (and a notification).

One job at a time per line; the UI never waits on the child.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from tui import text
from tui.jobs import run_lines


class JobLine(Static):
    """``start(label, argv)``: the job's progress on this line; ``running`` while it runs."""

    DEFAULT_CSS = "JobLine { height: auto; padding: 0 1; }"

    def __init__(self, **kw: Any) -> None:
        super().__init__("", **kw)
        self.running: str | None = None
        self.output: list[str] = []

    def start(
        self, label: str, command: list[str], done: Callable[[int, list[str]], str] | None = None
    ) -> bool:
        """Run ``command``; ``done(code, output lines)`` words the outcome. False if busy."""
        if self.running is not None:
            self.app.notify(f"still running: {self.running}", severity="warning")
            return False
        self.running, self.output = label, []
        self._say(f"{label}: starting")
        self._work(label, command, done)
        return True

    @work(thread=True, exclusive=True, group="job-line")
    def _work(self, label: str, command: list[str], done: Callable[[int, str], str] | None) -> None:
        start = time.monotonic()

        def line(message: str) -> None:
            self.output.append(message)
            took = text.duration(time.monotonic() - start)
            self.app.call_from_thread(self._say, f"{label} ({took}): {message}")

        try:
            code = run_lines(command, line)
        except OSError as exc:
            code = -1
            self.output.append(str(exc))
        if self.app.is_running:
            self.app.call_from_thread(self._finish, label, code, done)

    def _say(self, message: str, style: str = "") -> None:
        self.update(Text(text.clip(message, 400), style=style))  # a child's output: not markup

    def _finish(self, label: str, code: int, done: Callable[[int, list[str]], str] | None) -> None:
        self.running = None
        outcome = done(code, self.output) if done else ""
        last = self.output[-1] if self.output else "no output"
        if code == 0:
            message = outcome or f"{label}: done"
            self._say(message)
            self.app.notify(message)
        else:
            message = outcome or f"{label} failed ({code}): {last}"
            self._say(message, "red")
            self.app.notify(message, severity="error")
