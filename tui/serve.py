"""``byteswarm tui --serve``: the same app in a browser, served by textual-serve on
127.0.0.1 only (the page drives the node: it is not for other machines).

Each browser tab that connects starts its own ``byteswarm tui`` process with the same data
dirs; this process only serves the page and the websocket.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

HOST = "127.0.0.1"


def app_command(data_dirs: list[Path], *, read_only: bool) -> str:
    """The shell command each browser session runs: the terminal app on the same dirs."""
    argv = [sys.executable, "-m", "node", "tui"]
    for data_dir in data_dirs:
        argv += ["--data-dir", str(data_dir)]
    return shlex.join(argv + (["--read-only"] if read_only else []))


def serve(data_dirs: list[Path], *, read_only: bool, port: int) -> None:
    """Serve until Ctrl+C (or SIGTERM)."""
    from textual_serve.server import Server

    command = app_command(data_dirs, read_only=read_only)
    Server(command, host=HOST, port=port, title="byteswarm").serve()
