"""``byteswarm adapt status|start|stop``: the adapt service as the node last reported it,
and the operator's switch for its work (``node/adapt_budget.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from node.adapt_budget import START, STOP, describe
from node.cli import cli
from node.cli_support import FiniteRange, data_dir_option, emit, json_option, open_store
from node.control_client import send_control


@cli.group()
def adapt() -> None:
    """Cloud-device prompt adaptation (device: --role device, cloud: --role cloud)."""


@adapt.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Uploads, prompt version, recent accuracy and uncertainty, bytes on the wire."""
    with open_store(data_dir) as store:
        found = store.read_status("adapt")
    data: dict[str, Any] = (
        found[1] if found else {"role": None, "note": "the adapt service has not reported"}
    )
    if data.get("role") == "device":
        acc, unc = data.get("accuracy_recent"), data.get("uncertainty_recent")
        version = data["prompt_version"]
        lines = [
            f"device paired with {data['cloud'] or '-'} ({data['note']})",
            f"batches {data['batches']}, samples {data['samples']}, domain {data['domain'] or '-'}",
            f"accuracy recent {'-' if acc is None else f'{100 * acc:.1f} %'}, "
            f"uncertainty of uploads {'-' if unc is None else f'{unc:.3f}'}",
            f"uploads {data['uploads']} ({data['uplink_bytes_per_sample']:.1f} B/sample up), "
            f"prompt {'none yet' if version < 0 else f'v{version}'} "
            f"(accepted {data['prompts_accepted']}, "
            f"rejected {data['prompts_rejected']}: {data['last_verdict'] or '-'})",
        ]
    elif data.get("role") == "cloud":
        lines = [
            f"cloud serving {len(data['devices'])} device(s), family {data['family']}",
            f"uploads {data['uploads']} images ({data['upload_bytes']} bytes), "
            f"refused {data['refused']}",
            *(
                f"  {d}: prompt v{v['prompt_version']}, resets {v['resets']}"
                for d, v in data["devices"].items()
            ),
        ]
    else:
        lines = [str(data.get("note"))]
    if "budget" in data:
        lines.insert(0, describe(data["budget"]))
    emit(data, as_json, "\n".join(lines))


@adapt.command()
@data_dir_option
@json_option
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many samples (device: images processed; cloud: images learned "
    "from). Default: no sample limit.",
)
@click.option(
    "--minutes",
    type=FiniteRange(min=0, min_open=True),
    default=None,
    help="Stop after this many minutes. Default: no time limit.",
)
def start(data_dir: Path | None, as_json: bool, samples: int | None, minutes: float | None) -> None:
    """Start adaptation on the running node (device: predict and upload batches; cloud: load
    torch and learn from uploads).

    A node does no adaptation work until this is run: not on start-up, and not after a
    restart (the start is not remembered). Without --samples or --minutes it runs until
    `byteswarm adapt stop`; with them it stops by itself when either is spent. Starting
    again replaces the budget. `byteswarm adapt status` shows what is left.
    """
    budget = send_control(data_dir, START, {"samples": samples, "minutes": minutes})
    emit(budget, as_json, describe(budget))


@adapt.command()
@data_dir_option
@json_option
def stop(data_dir: Path | None, as_json: bool) -> None:
    """Stop adaptation on the running node (a cloud keeps its models loaded)."""
    budget = send_control(data_dir, STOP, {})
    emit(budget, as_json, describe(budget))
