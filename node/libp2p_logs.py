"""py-libp2p's log records in the daemon's log: our format, one line each.

Importing libp2p detaches its logger (``propagate = False``, no handler, unless
``LIBP2P_DEBUG`` is set), so its warnings reached stderr through Python's last-resort
handler: no time, no logger name. ``route_libp2p_logs`` sends them through our handler
again, one level quieter than ours (it is chatty at INFO). Some failures py-libp2p has
already handled are logged with a traceback (``[ADDCONN_FAIL]`` embeds one in its message,
others pass ``exc_info``): an operator can act on neither, and a connection that arrives
while the node shuts down ("Cannot schedule task after service has stopped") is no failure
at all. The filter keeps the first line and the exception's repr and drops the shutdown
race; at ``--log-level debug`` nothing is cut or dropped.
"""

from __future__ import annotations

import logging

SHUTDOWN_RACE = "after service has stopped"
"""py-libp2p's LifecycleError text for work scheduled while its service stops."""


class OneLineLibp2pRecords(logging.Filter):
    """Handler filter: ``libp2p.*`` records below ``level`` dropped (a module may set its
    own logger's level: the auto-connector logs at INFO whatever ``libp2p``'s level is),
    the shutdown race dropped, the others as one line (at DEBUG: as logged)."""

    def __init__(self, level: int = logging.WARNING) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("libp2p"):
            return True
        if record.levelno < self.level:
            return False
        if self.level <= logging.DEBUG:
            return True
        text = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            text += f": {record.exc_info[1]!r}"
        if SHUTDOWN_RACE in text:
            return False
        first = text.split("\n", 1)[0]
        if first != text or record.exc_info:
            record.msg, record.args = first, None
            record.exc_info = record.exc_text = None
        return True


def route_libp2p_logs(level: int) -> None:
    """After libp2p is imported: its records go through the root logger's handlers at
    ``level`` or WARNING, whichever is higher, one line each unless ``level`` is DEBUG."""
    libp2p = logging.getLogger("libp2p")
    if libp2p.handlers:  # LIBP2P_DEBUG: py-libp2p writes its own log
        return
    libp2p.propagate = True
    libp2p.setLevel(max(logging.WARNING, level))
    one_line_libp2p_logs(level=max(logging.WARNING, level) if level > logging.DEBUG else level)


def one_line_libp2p_logs(root: logging.Logger | None = None, level: int = logging.WARNING) -> None:
    """Install the filter on the root logger's handlers (``logging.basicConfig``'s)."""
    for handler in (root or logging.getLogger()).handlers:
        handler.addFilter(OneLineLibp2pRecords(level))
