"""Supervision: a crashed task restarted with backoff (never the node), and the stop signals."""

from __future__ import annotations

import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Any

import trio

log = logging.getLogger("byteswarm.daemon")


async def supervised(
    name: str, run: Callable[[], Any], emit: Callable[[str, str], Awaitable[None]]
) -> None:
    """Run a task; a crash is logged (and ``emit``-ed as a ``service`` event) and the task
    restarted, never the node."""
    delay = 1.0
    while True:
        try:
            await run()
            return
        except Exception as exc:
            log.exception("%s crashed; restarting in %.0f s", name, delay)
            await emit("service", f"{name} crashed: {exc!r}")
        await trio.sleep(delay)
        delay = min(delay * 2, 60.0)


async def cancel_on_signals(scope: trio.CancelScope) -> None:
    """Cancel ``scope`` on the first SIGINT or SIGTERM."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            log.info("received %s, shutting down", signal.Signals(signum).name)
            scope.cancel()
            return
