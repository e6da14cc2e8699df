"""What a bench reads off the daemons it started: a process's CPU seconds (``/proc``), the
bytes its TCP sockets sent (``ss -ti``), and the JSON report of a set of runs."""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def socket_bytes_sent(pids: set[int]) -> int:
    """Sum of tcp_info bytes_sent over every TCP socket the given processes own."""
    out = subprocess.run(["ss", "-tinpH"], capture_output=True, text=True, check=True).stdout
    total = 0
    owner: int | None = None
    for line in out.splitlines():
        if not line.startswith("\t") and not line.startswith(" "):
            match = re.search(r"pid=(\d+)", line)
            owner = int(match.group(1)) if match else None
            continue
        if owner in pids:
            match = re.search(r"bytes_sent:(\d+)", line)
            total += int(match.group(1)) if match else 0
    return total


def write_report(
    bench: str,
    module: str,
    runs: list[dict[str, Any]],
    settings: set[str],
    extra: dict[str, Any],
    path: Path | None,
) -> None:
    """Print (and write to ``path``) the runs with mean ± std of every measured float;
    ``settings`` are float keys that were set, not measured; ``module`` is the bench's
    ``python -m`` name, written in the report's command."""
    keys = [k for k, v in runs[0].items() if isinstance(v, float) and k not in settings]
    summary = {
        k: {
            "mean": float(np.mean([r[k] for r in runs])),
            "std": float(np.std([r[k] for r in runs])),
        }
        for k in keys
    }
    result = {
        "bench": bench,
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "command": " ".join([f"python -m {module}", *sys.argv[1:]]),
        **extra,
        "runs": runs,
        "summary": summary,
    }
    text = json.dumps(result, indent=2)
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n")
    print(text)


def rss_mb(pid: int) -> float:
    """A process's resident set now, MB (``/proc/PID/status``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def pct(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile of ``values`` to 0.1, or None when there are none."""
    return round(float(np.percentile(values, q)), 1) if values else None
