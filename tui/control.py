"""Typed operator commands from the app to the daemon, through the control table.

The app never talks to the node directly: it queues a row (``node/wire/control.py``
structs, the CLI's own ``send_command``: a deadline, cancelled if nobody waits any more)
and waits for its result in a worker thread. With no daemon running, the answer is an
error at once, never a row that runs later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from node.cli.common import UserError
from node.cli.control import send_command
from node.wire.control import Command

TIMEOUT_S = 10.0
"""How long the app waits for the daemon to answer one command."""

Sender = Callable[[Command], dict[str, Any]]
"""Sends one command and returns its result; raises ``CommandFailed``."""


class CommandFailed(Exception):
    """The command did not run or failed; the message is one line for a notification."""


@dataclass(frozen=True)
class ControlSender:
    """Sends commands to the daemon of ``data_dir`` (blocking: call it from a worker)."""

    data_dir: Path
    timeout: float = TIMEOUT_S

    def __call__(self, command: Command) -> dict[str, Any]:
        try:
            return send_command(self.data_dir, command, self.timeout)
        except UserError as exc:
            raise CommandFailed(exc.format_message()) from None


def send_from(widget: Any, command: Command, done: str) -> None:
    """Send ``command`` through the node pane ``widget`` sits in (its nearest ancestor with
    a ``send_command``), which notifies ``done`` or the error."""
    for node in widget.ancestors_with_self:
        send = getattr(node, "send_command", None)
        if callable(send):
            send(command, done)
            return
