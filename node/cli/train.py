"""``byteswarm train start|status|stop|verify``: the finetune service's commands."""

from __future__ import annotations

import math
import re
import time
from pathlib import Path
from typing import Any

import click
import msgspec

from node.cli.common import (
    FiniteRange,
    UserError,
    cli_config,
    command_option,
    data_dir_option,
    emit,
    json_option,
    open_store,
    read_section,
)
from node.cli.control import send_command
from node.cli.encoder import export_encoder
from node.wire.control import TrainStart, TrainStop, default_of
from node.wire.finetune import MAX_PULL_EVERY
from node.wire.status.services import FinetuneStatus, RunStatus

DEFAULT_PULL_EVERY = default_of(TrainStart, "pull_every")

RUN_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
"""What a run id may be (``node.wire.finetune.RunId``)."""


def _finite_positive(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"{param.opts[0]} must be a finite number > 0")
    return value


@click.group()
def train() -> None:
    """One-byte SPSA finetuning runs shared with peers."""


def _run_id(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not RUN_ID.fullmatch(value) or len(value) > 64:
        raise click.BadParameter(
            f"{value!r}: use 1-64 lower-case letters, digits and '-', not starting with '-'"
        )
    return value


@train.command()
@data_dir_option
@json_option
@click.option(
    "--run",
    "run_id",
    required=True,
    callback=_run_id,
    help="Run id (1-64 lower-case letters, digits, -).",
)
@command_option(
    TrainStart,
    "model",
    "--model",
    type=click.Choice(["tiny", "minilm"]),
    help="tiny: a random BERT twin (fast, for tests); minilm: all-MiniLM-L6-v2.",
)
@command_option(
    TrainStart,
    "mode",
    "--mode",
    type=click.Choice(["independent", "shared"]),
    help="Own direction per peer, or one per round with median.",
)
@command_option(
    TrainStart,
    "rounds",
    "--rounds",
    type=click.IntRange(1, 1_000_000),
)
@command_option(
    TrainStart,
    "round_seconds",
    "--round-seconds",
    type=FiniteRange(0.1, 3600),
    help="Wall-clock length of a round.",
)
@command_option(
    TrainStart,
    "checkpoint_every",
    "--checkpoint-every",
    type=click.IntRange(1, 10_000),
    help="Announce SHA-256(θ) every C rounds.",
)
@command_option(
    TrainStart,
    "learning_rate",
    "--lr",
    "learning_rate",
    type=float,
    callback=_finite_positive,
    help="η (chosen on a validation split with the default probes and decay: bench/spsa_tune).",
)
@command_option(
    TrainStart,
    "epsilon",
    "--epsilon",
    type=float,
    callback=_finite_positive,
    help="SPSA perturbation size.",
)
@command_option(
    TrainStart,
    "batch",
    "--batch",
    type=click.IntRange(1, 256),
    help="Words per peer per round.",
)
@command_option(
    TrainStart,
    "probes",
    "--probes",
    type=click.IntRange(1, 64),
    help="Projected gradients per peer per round, one byte and one fresh batch each.",
)
@command_option(
    TrainStart,
    "decay_floor",
    "--decay-floor",
    type=FiniteRange(0.0, 1.0),
    help="η falls linearly to this fraction of --lr by the last round (1: constant).",
)
@click.option(
    "--screen/--no-screen",
    default=None,
    help="Shared mode: exclude authors that keep sending saturated codes [default: on in "
    "shared mode, off in independent mode].",
)
@command_option(
    TrainStart,
    "grads_by",
    "--grads-by",
    type=click.Choice(["gossip", "pull"]),
    help="How the run's records travel: gossiped as made, or pulled by sync from every peer "
    "every --pull-every rounds (fewer wire bytes; a peer's codes then use a θ that may "
    "lack up to --pull-every rounds of the others' records).",
)
@click.option(
    "--pull-every",
    type=click.IntRange(1, MAX_PULL_EVERY),
    default=None,
    help=f"With --grads-by pull: rounds between pulls [default: {DEFAULT_PULL_EVERY}].",
)
def start(data_dir: Path | None, as_json: bool, run_id: str, **kw: Any) -> None:
    """Announce a run; every peer that has the same initial weights joins it."""
    if kw["pull_every"] is None:
        kw["pull_every"] = DEFAULT_PULL_EVERY
    elif kw["grads_by"] != "pull":
        raise click.UsageError("--pull-every needs --grads-by pull")
    result = send_command(data_dir, TrainStart(run_id=run_id, **kw), timeout=120)
    note = " (already announced)" if result.get("existing") else ""
    emit(result, as_json, f"run {run_id} {_starts(result['start_ms'])}{note}")


def _starts(start_ms: int) -> str:
    at = time.strftime("%H:%M:%S", time.localtime(start_ms / 1000))
    wait = start_ms / 1000 - time.time()
    return f"starts at {at} (in {wait:.0f} s)" if wait >= 0.5 else f"started at {at}"


@train.command()
@data_dir_option
@json_option
def status(data_dir: Path | None, as_json: bool) -> None:
    """Show each run: its state (training, done), round, records, and at each checkpoint
    the θ hash, which peers agree, and loss and accuracy on held-out words where known."""
    with open_store(data_dir) as store:
        found = read_section(store, FinetuneStatus.SECTION)
    data: FinetuneStatus = found[1] if found else FinetuneStatus()
    lines = [f"forward passes on {data.backend}"] if data.backend else []
    for run_id, run in data.runs.items():
        lines.append(
            f"{run_id}: {_state(run)}, round {run.round}/{run.rounds} ({run.mode}, "
            f"{run.model}, {run.probes} byte(s) a record, "
            f"{_transport(run)}) "
            f"records {run.records} refused {run.refused} "
            f"final checkpoint {run.final_round}"
        )
        for r, c in sorted(run.checkpoints.items(), key=lambda rc: int(rc[0])):
            scored = (
                f" loss {c.loss:.3f} accuracy {100 * c.accuracy:.1f} %"
                if c.accuracy is not None and c.loss is not None
                else ""
            )
            lines.append(
                f"  checkpoint {r}: {c.sha256[:16]} agree {len(c.agree)} "
                f"disagree {len(c.disagree)}{scored}"
            )
    for run_id, reason in data.failed.items():
        lines.append(f"{run_id}: not joined: {reason}")
    emit(msgspec.to_builtins(data), as_json, "\n".join(lines) or "no runs")


def _state(run: RunStatus) -> str:
    """done: the last round is trained and final (a majority closed it); else training."""
    if run.round >= run.rounds and run.final_round >= run.rounds:
        return "done"
    if run.round >= run.rounds:
        return "trained, not final yet"
    return "training" if run.participating else "following (not contributing)"


def _transport(run: RunStatus) -> str:
    if run.grads_by == "pull":
        return f"records pulled every {run.pull_every} rounds"
    return "records gossiped"


@train.command()
@data_dir_option
@json_option
@click.option("--run", "run_id", required=True, help="The run to stop taking part in.")
def stop(data_dir: Path | None, as_json: bool, run_id: str) -> None:
    """Stop contributing to a run (the node keeps following it)."""
    result = send_command(data_dir, TrainStop(run_id=run_id))
    emit(result, as_json, f"stopped contributing to {run_id}")


@train.command()
@data_dir_option
@json_option
@click.option("--run", "run_id", required=True, help="The run to verify.")
def verify(data_dir: Path | None, as_json: bool, run_id: str) -> None:
    """Replay the stored record log from the initial weights and check announced hashes."""
    from node.finetune.verify import VerifyError, verify_run

    config = cli_config(data_dir)
    try:
        report = verify_run(config.data_dir, run_id)
    except VerifyError as exc:
        raise UserError(str(exc)) from exc
    lines = [f"run {run_id}: replayed {report['records']} records to round {report['round']}"]
    for r in report["adopted"]:  # as the live node did: its checkpoints before r are gone
        lines.append(f"  rebuilt on final checkpoint {r}: the majority's θ, less a late record")
    for r, c in report["checkpoints"].items():
        lines.append(
            f"  checkpoint {r}: {c['sha256'][:16]} matches {len(c['agree'])} "
            f"announcement(s), differs from {len(c['disagree'])}"
        )
    emit(report, as_json, "\n".join(lines))
    if not report["ok"]:
        raise SystemExit(1)


@train.command("export")
@data_dir_option
@json_option
@click.option("--run", "run_id", required=True, help="The run whose θ to export.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The safetensors file to write (θ as 'theta'; `byteswarm export --weights` reads it).",
)
def export_theta(data_dir: Path | None, as_json: bool, run_id: str, out: Path) -> None:
    """Write a run's θ, replayed and verified from the stored log, as safetensors."""
    from node.finetune.export import export_theta as write
    from node.finetune.verify import VerifyError

    config = cli_config(data_dir)
    try:
        result = write(config.data_dir, run_id, out)
    except VerifyError as exc:
        raise UserError(str(exc)) from exc
    text = (
        f"{result['path']}: θ of run {run_id} at round {result['round']}, sha256 {result['sha256']}"
    )
    emit(result, as_json, text)


train.add_command(export_encoder)
