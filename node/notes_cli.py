"""``byteswarm publish`` and ``byteswarm notes``: signed notes on ``byteswarm/notes``."""

from __future__ import annotations

import math
import time
from pathlib import Path

import click

from node.cli import cli
from node.cli_support import (
    FiniteRange,
    UserError,
    data_dir_option,
    emit,
    json_option,
    limit_option,
    open_store,
)
from node.control_client import send_control
from node.wire.bodies import NOTES_TOPIC

MAX_NOTES_BYTES = 64 * 1024 * 1024
"""Enough for any --limit: a note record is well under 2 KB."""


@cli.command()
@data_dir_option
@json_option
@click.argument("text")
@click.option(
    "--value",
    type=float,
    default=0.0,
    show_default=True,
    help="A number carried with the note (NaN and inf are refused).",
)
@click.option(
    "--count",
    type=click.IntRange(1, 1_000_000),
    default=1,
    show_default=True,
    help="Publish this many numbered notes (a load test).",
)
@click.option(
    "--rate",
    type=FiniteRange(0, 100_000),
    default=0.0,
    show_default=True,
    help="Notes per second with --count (0: as fast as commits allow).",
)
def publish(
    data_dir: Path | None, as_json: bool, text: str, value: float, count: int, rate: float
) -> None:
    """Publish signed notes on byteswarm/notes through the running node."""
    if not math.isfinite(value):
        raise UserError("--value must be a finite number")
    if not text.strip():
        raise UserError("the note text is empty")
    if len(text) > 1000:
        raise UserError("the note text is longer than 1000 characters")
    timeout = 10.0 + (count / rate if rate > 0 else count * 0.05)
    args = {"text": text, "value": value, "count": count, "rate": rate}
    result = send_control(data_dir, "publish", args, timeout=timeout)
    emit(result, as_json, f"published {count} note(s) on {result['topic']} from #{result['seq']}")


@cli.command()
@data_dir_option
@json_option
@limit_option("notes")
def notes(data_dir: Path | None, as_json: bool, limit: int) -> None:
    """Show the notes in the store (this node's and its peers'), newest first."""
    from node import wire

    with open_store(data_dir) as store:
        rows = store.newest_records(NOTES_TOPIC, limit, MAX_NOTES_BYTES)
    data = []
    for row in rows:
        note = wire.decode_note(wire.decode_record(row.blob).body)
        data.append(
            {
                "author": wire.peer_id_str(row.author),
                "seq": row.seq,
                "ts_ms": row.ts_ms,
                "text": note.text,
                "value": note.value,
            }
        )
    text = "\n".join(
        f"{time.strftime('%Y-%m-%d %H:%M:%S', time.localtime(n['ts_ms'] / 1000))} "
        f"{str(n['author'])[-8:]} #{n['seq']}: {n['text']}"
        + (f" ({n['value']:g})" if n["value"] else "")
        for n in data
    )
    emit(data, as_json, text or "no notes yet")
