"""What the demo prints: a header per stage, one line per result, a tick while waiting.

Every wait goes through ``Progress.wait``, which shows what it waits for, the seconds so far
and a live detail at least every ``TICK_S`` (rewritten in place on a terminal, a new line
otherwise), so the demo never sits silent for more than two seconds.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TextIO, TypeVar

T = TypeVar("T")
TICK_S = 1.0


class DemoError(Exception):
    """A stage failed; the message is the one line the user sees."""


class Skipped(Exception):
    """A stage this install cannot run; the message says why in one line."""


class Stopped(KeyboardInterrupt):
    """The operator stopped the demo (closed its TUI): handled like Ctrl-C."""


class Progress:
    def __init__(self, stream: TextIO | None = None, stages: int = 1) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.stages = stages
        self.number = 0
        self.t0 = time.monotonic()
        self._pending = False  # a tick line is on screen (tty: to be overwritten)
        self.last_print = time.monotonic()
        self.stop_check: Callable[[], None] | None = None
        """Called on every wait; raises ``Stopped`` to end the demo (``--tui``)."""

    def _write(self, text: str) -> None:
        if self._pending and self.tty:
            self.stream.write("\r\033[K")
        self._pending = False
        self.stream.write(text + "\n")
        self.stream.flush()
        self.last_print = time.monotonic()

    def stage(self, name: str, what: str) -> None:
        self.number += 1
        clock = time.monotonic() - self.t0
        self._write(f"[{self.number}/{self.stages}] {name}: {what}  (t={clock:.0f} s)")

    def line(self, text: str) -> None:
        self._write(f"    {text}")

    def tick(self, text: str) -> None:
        """A transient line: overwritten on a terminal, printed at most every ``TICK_S``."""
        if time.monotonic() - self.last_print < (TICK_S if self.tty else 2 * TICK_S):
            return
        if self.tty:
            self.stream.write(f"\r\033[K    … {text}")
            self._pending = True
        else:
            self.stream.write(f"    … {text}\n")
        self.stream.flush()
        self.last_print = time.monotonic()

    def wait(
        self,
        predicate: Callable[[], T],
        timeout: float,
        what: str,
        detail: Callable[[], str] | None = None,
        check: Callable[[], None] | None = None,
        poll: float = 0.2,
    ) -> T:
        """``predicate()`` once it is truthy; DemoError after ``timeout`` seconds. ``check``
        raises DemoError when the wait cannot succeed (a daemon died)."""
        start = time.monotonic()
        while True:
            if self.stop_check is not None:
                self.stop_check()
            if check is not None:
                check()
            value = predicate()
            if value:
                if self._pending and self.tty:
                    self.stream.write("\r\033[K")
                    self._pending = False
                return value
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                raise DemoError(f"timed out after {timeout:.0f} s waiting for {what}")
            extra = ""
            if detail is not None:
                try:
                    extra = f": {detail()}"
                except Exception:  # a detail is decoration; a failing one is not an error
                    extra = ""
            self.tick(f"waiting for {what} ({elapsed:.0f} s){extra}")
            time.sleep(poll)

    def busy(self, work: Callable[[], T], what: str) -> T:
        """``work()`` in a thread while the tick says ``what`` (exports block for seconds)."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            future = pool.submit(work)
            self.wait(future.done, 3600, what)
            return future.result()

    def close(self) -> None:
        if self._pending and self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()
        self._pending = False


def in_background(work: Callable[[], T], name: str) -> Future[T]:
    """``work()`` on a daemon thread (an interrupted demo does not wait for it): its future."""
    future: Future[T] = Future()

    def body() -> None:
        try:
            future.set_result(work())
        except BaseException as exc:  # the stage that takes the result reports it
            future.set_exception(exc)

    threading.Thread(target=body, name=name, daemon=True).start()
    return future


def fmt(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)
