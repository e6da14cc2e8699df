"""``byteswarm adapt status|start|stop``: the adapt service as the node last reported it,
and the operator's switch for its work (``node/adapt/budget.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import msgspec

from node.adapt.budget import describe
from node.cli.common import (
    FiniteRange,
    data_dir_option,
    emit,
    json_option,
    open_store,
    read_section,
)
from node.cli.control import send_command
from node.wire.control import AdaptStart, AdaptStop
from node.wire.status.services import AdaptStatus, BudgetStatus, DeviceAdaptStatus

NOT_REPORTED = "the adapt service has not reported"


@click.group()
def adapt() -> None:
    """Cloud-device prompt adaptation (device: --role device, cloud: --role cloud)."""


@adapt.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Uploads, prompt version, recent accuracy and uncertainty, bytes on the wire."""
    with open_store(data_dir) as store:
        found = read_section(store, "adapt")
    if found is None:
        data: dict[str, Any] = {"role": None, "note": NOT_REPORTED}
        emit(data, as_json, NOT_REPORTED)
        return
    adapt: AdaptStatus = found[1]
    if isinstance(adapt, DeviceAdaptStatus):
        acc, unc, version = adapt.accuracy_recent, adapt.uncertainty_recent, adapt.prompt_version
        lines = [
            f"device paired with {adapt.cloud or '-'} ({adapt.note})",
            f"batches {adapt.batches}, samples {adapt.samples}, domain {adapt.domain or '-'}",
            f"accuracy recent {'-' if acc is None else f'{100 * acc:.1f} %'}, "
            f"uncertainty of uploads {'-' if unc is None else f'{unc:.3f}'}",
            f"uploads {adapt.uploads} ({adapt.uplink_bytes_per_sample:.1f} B/sample up), "
            f"prompt {'none yet' if version < 0 else f'v{version}'} "
            f"(accepted {adapt.prompts_accepted}, "
            f"rejected {adapt.prompts_rejected}: {adapt.last_verdict or '-'})",
        ]
    else:
        lines = [
            f"cloud serving {len(adapt.devices)} device(s), family {adapt.family}",
            f"uploads {adapt.uploads} images ({adapt.upload_bytes} bytes), refused {adapt.refused}",
            *(
                f"  {d}: prompt v{v.prompt_version}, resets {v.resets}"
                for d, v in adapt.devices.items()
            ),
        ]
    lines.insert(0, describe(adapt.budget))
    emit(msgspec.to_builtins(adapt), as_json, "\n".join(lines))


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
    budget = send_command(data_dir, AdaptStart(samples=samples, minutes=minutes))
    emit(budget, as_json, describe(msgspec.convert(budget, BudgetStatus)))


@adapt.command()
@data_dir_option
@json_option
def stop(data_dir: Path | None, as_json: bool) -> None:
    """Stop adaptation on the running node (a cloud keeps its models loaded)."""
    budget = send_command(data_dir, AdaptStop())
    emit(budget, as_json, describe(msgspec.convert(budget, BudgetStatus)))
