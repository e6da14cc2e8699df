"""Many operator commands to one running daemon at once, through its control table.

``send_control`` waits for one command at a time; the daemon claims queued rows back to
back, so queueing a batch and then waiting for all of it costs one poll, not one per row.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from node.config import STORE_FILE
from node.demo.progress import DemoError
from node.store_rows import CONTROL_CANCELLED, CONTROL_DONE, CONTROL_EXPIRED, CONTROL_FAILED

DONE = (CONTROL_DONE, CONTROL_FAILED, CONTROL_EXPIRED, CONTROL_CANCELLED)


def control_many(
    data_dir: Path, commands: list[tuple[str, dict[str, Any]]], timeout: float = 30.0
) -> list[dict[str, Any]]:
    """Queue ``commands`` for the daemon in ``data_dir``; their results, in order."""
    from node.store import Store

    if not commands:
        return []
    with Store.open(data_dir / STORE_FILE) as store:
        ids = [
            store.enqueue_control(cmd, args, ttl_ms=int(timeout * 1000)) for cmd, args in commands
        ]
        deadline = time.monotonic() + timeout
        results: dict[int, dict[str, Any]] = {}
        while len(results) < len(ids):
            for control_id in ids:
                if control_id in results:
                    continue
                row = store.get_control(control_id)
                if row is None or row.status not in DONE:
                    continue
                if row.status != CONTROL_DONE:
                    reason = (row.result or {}).get("error", row.status)
                    raise DemoError(f"{data_dir.name}: {row.command} {row.status}: {reason}")
                results[control_id] = dict(row.result or {})
            if len(results) < len(ids):
                if time.monotonic() > deadline:
                    raise DemoError(f"{data_dir.name} did not answer {len(ids)} commands in time")
                time.sleep(0.05)
    return [results[i] for i in ids]
