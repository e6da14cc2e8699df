"""One line per py-libp2p log record in a daemon's log (below ``--log-level debug``).

py-libp2p logs some failures it has already handled with a traceback: ``[ADDCONN_FAIL]``
embeds one in its message, others pass ``exc_info``. An operator can act on neither, and a
connection that arrives while the node shuts down ("Cannot schedule task after service has
stopped") is no failure at all. The filter keeps the first line and the exception's repr,
and drops the shutdown race; at ``--log-level debug`` nothing is filtered.
"""

from __future__ import annotations

import logging

SHUTDOWN_RACE = "after service has stopped"
"""py-libp2p's LifecycleError text for work scheduled while its service stops."""


class OneLineLibp2pRecords(logging.Filter):
    """Handler filter: ``libp2p.*`` records as one line; the shutdown race dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("libp2p"):
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


def one_line_libp2p_logs(root: logging.Logger | None = None) -> None:
    """Install the filter on the root logger's handlers (``logging.basicConfig``'s)."""
    for handler in (root or logging.getLogger()).handlers:
        handler.addFilter(OneLineLibp2pRecords())
