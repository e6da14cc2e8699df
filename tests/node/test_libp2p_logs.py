"""py-libp2p's log records reach a daemon's log as one line each (issue 17, quiet logs)."""

from __future__ import annotations

import io
import logging
import subprocess
import sys

from node.libp2p_logs import one_line_libp2p_logs


def _capture() -> tuple[logging.Logger, io.StringIO]:
    root = logging.Logger("root-under-test")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    one_line_libp2p_logs(root)
    return root, out


def _record(
    name: str, msg: str, args: tuple[object, ...], exc: BaseException | None = None
) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(name, logging.WARNING, __file__, 1, msg, args, exc_info)


def test_an_embedded_traceback_is_cut_to_its_first_line() -> None:
    root, out = _capture()
    tb = 'Traceback (most recent call last):\n  File "x.py", line 1\nSwarmException: closed\n'
    root.handle(
        _record(
            "libp2p.network.swarm",
            "[ADDCONN_FAIL] add_conn failed for peer %s: %r\n%s",
            ("p1", ValueError("closed"), tb),
        )
    )
    line = "[ADDCONN_FAIL] add_conn failed for peer p1: ValueError('closed')"
    assert out.getvalue() == f"WARNING libp2p.network.swarm: {line}\n"


def test_exc_info_becomes_the_exceptions_repr() -> None:
    root, out = _capture()
    try:
        raise OSError("reset by peer")
    except OSError as exc:
        root.handle(_record("libp2p.pubsub", "stream failed", (), exc))
    assert out.getvalue() == "WARNING libp2p.pubsub: stream failed: OSError('reset by peer')\n"


def test_the_shutdown_race_is_dropped_and_our_records_are_left_alone() -> None:
    root, out = _capture()
    stopped = RuntimeError("Cannot schedule task after service has stopped")
    root.handle(
        _record("libp2p.network.swarm", "[ADDCONN_FAIL] for %s: %r\n%s", ("p1", stopped, "tb"))
    )
    try:
        raise KeyError("x")
    except KeyError:
        root.handle(_record("byteswarm.daemon", "two\nlines", (), sys.exc_info()[1]))
    text = out.getvalue()
    assert "ADDCONN_FAIL" not in text
    assert text.startswith("WARNING byteswarm.daemon: two\nlines\nTraceback")


def test_a_daemon_logs_libp2p_records_in_its_format_after_libp2p_detached_its_logger() -> None:
    script = """
import logging
from node.run_cli import _setup_logging
_setup_logging("info")
import libp2p  # its import sets propagate = False on the "libp2p" logger
from node.libp2p_logs import route_libp2p_logs
route_libp2p_logs(logging.INFO)
swarm = logging.getLogger("libp2p.network.swarm")
swarm.info("chatty")
logging.getLogger("libp2p.network.auto_connector").info("sets its own level to INFO")
swarm.warning("[ADDCONN_FAIL] for %s: %r\\n%s", "p1", ValueError("v"), "Traceback ...")
swarm.warning("for %s: %r", "p2", RuntimeError("Cannot schedule task after service has stopped"))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].endswith(
        " WARNING libp2p.network.swarm: [ADDCONN_FAIL] for p1: ValueError('v')"
    )
