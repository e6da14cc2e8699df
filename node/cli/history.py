"""``byteswarm history``: the node's per-second history (``node/store/history.py``),
downsampled in SQL to a few points: peers, records and bytes in and out, rejections, CPU,
RSS and store size over the last ``--since``."""

from __future__ import annotations

import re
import time
from pathlib import Path

import click

from node.cli.common import UserError, data_dir_option, emit, json_option, open_store

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> int:
    """``90s``, ``10m``, ``2h``, ``1d`` (or plain seconds) as seconds; UserError otherwise."""
    match = re.fullmatch(r"\s*(\d{1,7})\s*([smhd]?)\s*", text)
    if match is None or int(match[1]) == 0:
        raise UserError(f"--since: expected a duration like 90s, 10m, 2h or 1d, got {text!r}")
    return int(match[1]) * UNITS[match[2] or "s"]


@click.command()
@data_dir_option
@json_option
@click.option("--since", default="10m", show_default=True, help="How far back: 90s, 10m, 2h, 1d.")
@click.option(
    "--points",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="At most this many rows (each the sum or mean of its seconds).",
)
def history(data_dir: Path | None, as_json: bool, since: str, points: int) -> None:
    """Show what the node did over time: peers, records and bytes in/out, rejections, CPU,
    RSS and store size, one line per stretch of seconds (``[history]`` in the config)."""
    seconds = parse_since(since)
    now = int(time.time())
    with open_store(data_dir) as store:
        rows = store.read_history(now - seconds, now, points)
    data = [
        {
            "ts_s": r.ts_s,
            "seconds": r.seconds,
            "peers": round(r.peers, 2),
            "records_in": r.records_in,
            "records_out": r.records_out,
            "bytes_in": r.bytes_in,
            "bytes_out": r.bytes_out,
            "rejections": r.rejections,
            "cpu": round(r.cpu, 4),
            "rss_bytes": r.rss_bytes,
            "store_bytes": r.store_bytes,
        }
        for r in rows
    ]
    lines = [
        f"{time.strftime('%H:%M:%S', time.localtime(r.ts_s))} {r.seconds:5d}s"
        f" peers {r.peers:4.1f} records in {r.records_in} out {r.records_out}"
        f" bytes in {r.bytes_in} out {r.bytes_out} rejected {r.rejections}"
        f" cpu {100 * r.cpu:.1f} % rss {r.rss_bytes / 1e6:.0f} MB"
        for r in rows
    ]
    emit(data, as_json, "\n".join(lines) or f"no history in the last {since}")
