"""Long operator jobs the app runs as child processes, never in its own process: exporting
a model (torch loads in the child, the TUI stays torch-free) and starting a daemon.

``export_command``, ``verify_command``, ``theta_command`` and ``daemon_command`` only build
the argv (tests check them);
``run_lines`` runs one to the end, handing each output line to a callback (call it from a
worker thread); ``start_detached`` starts one that outlives the app.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tui.artifacts import EXPORTS_DIR

EXPORT_MODELS = ("device", "polarity")
"""What ``byteswarm export --model`` takes."""
DAEMON_LOG = "tui-daemon.log"
"""Where a daemon the app starts writes its output, inside the data dir."""


def export_command(data_dir: Path, model: str) -> list[str]:
    """``byteswarm export`` of ``model`` into the data dir's ``exports/<model>/``."""
    if model not in EXPORT_MODELS:
        raise ValueError(f"no model {model!r}: {' or '.join(EXPORT_MODELS)}")
    out = data_dir / EXPORTS_DIR / model
    return [sys.executable, "-m", "node", "export", "--model", model, "--out", str(out)]


def verify_command(data_dir: Path, run_id: str) -> list[str]:
    """``byteswarm train verify --json``: the run's stored log replayed, announced hashes
    checked; the report as JSON."""
    node = [sys.executable, "-m", "node", "train"]
    return [*node, "verify", "--data-dir", str(data_dir), "--run", run_id, "--json"]


def theta_path(data_dir: Path, run_id: str) -> Path:
    """Where the app writes a run's trained θ: ``exports/theta/RUN.safetensors``."""
    return data_dir / EXPORTS_DIR / "theta" / f"{run_id}.safetensors"


def theta_command(data_dir: Path, run_id: str) -> list[str]:
    """``byteswarm train export``: the run's θ, replayed and verified, as safetensors."""
    out = theta_path(data_dir, run_id)
    node = [sys.executable, "-m", "node", "train"]
    return [*node, "export", "--data-dir", str(data_dir), "--run", run_id, "--out", str(out)]


def daemon_command(data_dir: Path) -> list[str]:
    """``byteswarm run`` on ``data_dir``, as the CLI would run it."""
    return [sys.executable, "-m", "node", "run", "--data-dir", str(data_dir)]


def stop_command(data_dir: Path) -> list[str]:
    """``byteswarm stop`` on ``data_dir``: SIGTERM to its daemon, then wait for the exit."""
    return [sys.executable, "-m", "node", "stop", "--data-dir", str(data_dir)]


def run_lines(command: list[str], on_line: Callable[[str], None]) -> int:
    """Run ``command`` to the end, ``on_line`` for each line it prints (stdout and stderr
    together); returns its exit code."""
    with subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as child:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip():
                on_line(line.rstrip())
        return child.wait()


def start_detached(command: list[str], log: Path) -> int:
    """Start ``command`` in its own session (it survives the app and the terminal), output
    appended to ``log``; returns its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return child.pid
