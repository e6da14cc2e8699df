"""``byteswarm demo``: real ``byteswarm run`` daemons on 127.0.0.1, every service in turn.

Stages: mesh (and signed notes by gossip), rank, finetune, adapt, export. A stage this
install cannot run, or one that fails, says why in one line and the demo goes on; the exit
code is 1 if any stage failed, 0 otherwise. Errors are one line, never a traceback; the
last lines name the output dir and the report.
"""

from __future__ import annotations

import os
import shutil
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from node.cli_support import UserError
from node.demo.context import DEFAULT, QUICK, Demo
from node.demo.progress import DemoError, Progress, Skipped
from node.swarm import Swarm, note_count

STAGES = ("mesh", "rank", "finetune", "adapt", "export")
NOTES_PER_NODE = 3


class DemoCommand(click.Command):
    """Bad flags are one line and exit code 2, like every other byteswarm error."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            click.echo(f"error: {exc.format_message()} (see byteswarm demo --help)", err=True)
            raise SystemExit(2) from None


def prepare_out(out: Path) -> None:
    """``out`` fresh for this run: a previous demo's nodes and report go, anything else stays."""
    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file")
    earlier = (out / "report.json").exists() or (out / "nodes").is_dir()
    if out.is_dir() and any(out.iterdir()) and not earlier:
        raise UserError(f"--out {out} is not empty and holds no earlier demo")
    shutil.rmtree(out / "nodes", ignore_errors=True)
    shutil.rmtree(out / "models", ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)


def stage_mesh(demo: Demo, peers: int) -> dict[str, Any]:
    from node.control_client import send_control

    swarm, progress = demo.swarm, demo.progress
    t0 = time.monotonic()
    first = swarm.start(config=demo.node_config(0))
    progress.wait(lambda: swarm.status(first), 60, "node0 to start", check=demo.check)
    demo.boot = swarm.address(first)
    demo.devices = [
        first,
        *(swarm.start(demo.boot, config=demo.node_config(i)) for i in range(1, peers)),
    ]

    def connected() -> list[int]:
        return [len((swarm.status(d) or {}).get("connected_peers", [])) for d in demo.devices]

    progress.wait(
        lambda: all(c >= 1 for c in connected()),
        60,
        "the mesh",
        lambda: f"connections per node {connected()}",
        demo.check,
    )
    mesh_s = round(time.monotonic() - t0, 2)
    progress.line(f"{peers} device daemons up and meshed in {mesh_s} s (bootstrap {demo.boot})")
    for i, d in enumerate(demo.devices):
        for j in range(NOTES_PER_NODE):
            send_control(d, "publish", {"text": f"hello from node{i} #{j}", "value": j})
    total = NOTES_PER_NODE * len(demo.devices)
    t1 = time.monotonic()
    progress.wait(
        lambda: all(note_count(swarm, d) >= total for d in demo.devices),
        60,
        f"every node to store all {total} signed notes",
        lambda: f"notes per node {[note_count(swarm, d) for d in demo.devices]}",
        demo.check,
    )
    gossip_s = round(time.monotonic() - t1, 2)
    progress.line(f"{total} signed notes on every node by gossip in {gossip_s} s")
    return {
        "status": "ok",
        "daemons": peers,
        "seconds": mesh_s,
        "notes": total,
        "gossip_s": gossip_s,
    }


def run_stage(
    demo: Demo, report: dict[str, Any], name: str, what: str, body: Callable[[], dict[str, Any]]
) -> None:
    """Run one stage; a skip or a failure is one line in the output and the report."""
    demo.progress.stage(name, what)
    try:
        result = body()
    except Skipped as exc:
        result = {"status": "skipped", "reason": str(exc)}
        demo.progress.line(f"skipped: {exc}")
    except (DemoError, click.ClickException, OSError, RuntimeError, TimeoutError) as exc:
        message = exc.format_message() if isinstance(exc, click.ClickException) else str(exc)
        result = {"status": "failed", "reason": message.splitlines()[0] if message else repr(exc)}
        demo.progress.line(f"FAILED: {result['reason']}")
    except Exception as exc:  # an unexpected bug: one line here, the traceback in a file
        log = demo.out / "demo-error.log"
        with log.open("a", encoding="utf-8") as handle:
            handle.write(f"--- stage {name}\n{traceback.format_exc()}\n")
        result = {"status": "failed", "reason": f"{type(exc).__name__}: {exc} (traceback in {log})"}
        demo.progress.line(f"FAILED: {result['reason']}")
    else:
        if result.get("status") == "failed":
            demo.progress.line(f"FAILED: {result.get('reason', '')}")
    report["stages"][name] = result


@click.command(cls=DemoCommand)
@click.option(
    "--peers",
    default=3,
    show_default=True,
    type=click.IntRange(2, 8),
    help="Device daemons to start (a cloud daemon and a late joiner come on top).",
)
@click.option("--quick", is_flag=True, help="Small sizes (about a minute): what CI runs.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("byteswarm-demo"),
    show_default=True,
    help="Where the report, the exported models and every node's data dir and log go.",
)
@click.option(
    "--keep", is_flag=True, help="Leave the swarm running at the end; print how to attach."
)
@click.option(
    "--seed",
    default=0,
    show_default=True,
    type=click.IntRange(0, 2**31 - 1),
    help="Seed of the catalogue, users, streams and run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print report.json on stdout at the end.")
def demo(peers: int, quick: bool, out: Path, keep: bool, seed: int, as_json: bool) -> None:
    """Start a local swarm and run every service end to end, then write a report.

    Device daemons mesh and gossip signed notes; simulated users search and click while
    served nDCG@10 is tracked against a hidden ground truth (rank); the devices run a
    one-byte SPSA run through a restart and a late joiner, and every node verifies it
    (finetune); a cloud daemon adapts prompts for the devices' drifting camera streams
    (adapt); the trained and device models are exported to ONNX and checked (export).
    """
    import json

    prepare_out(out)
    sizes = QUICK if quick else DEFAULT
    progress = Progress(stages=len(STAGES))
    report: dict[str, Any] = {
        "seed": seed,
        "peers": peers,
        "quick": quick,
        "out": str(out.resolve()),
        "stages": {},
    }
    t0 = time.monotonic()
    swarm = Swarm(out / "nodes")
    run = Demo(swarm, progress, out, seed, sizes, quick=quick)
    from node.demo import adapt_stage, export_stage, finetune_stage, rank_stage

    try:
        run_stage(run, report, "mesh", f"{peers} device daemons", lambda: stage_mesh(run, peers))
        if report["stages"]["mesh"]["status"] == "ok":
            run_stage(
                run, report, "rank", "simulated users search and click", lambda: rank_stage.run(run)
            )
            run_stage(
                run,
                report,
                "finetune",
                "one-byte SPSA across the devices",
                lambda: finetune_stage.run(run),
            )
            run_stage(
                run,
                report,
                "adapt",
                "a cloud adapts prompts for the devices",
                lambda: adapt_stage.run(run),
            )
            run_stage(
                run, report, "export", "trained and device models to ONNX",
                lambda: export_stage.run(run, report["stages"].get("finetune", {})),
            )  # fmt: skip
    except KeyboardInterrupt:
        progress.close()
        click.echo("interrupted: stopping every daemon", err=True)
        swarm.stop()
        raise SystemExit(130) from None
    finally:
        if not keep:
            swarm.stop()
    report["seconds"] = round(time.monotonic() - t0, 1)
    report["exit_codes"] = {
        d.name: p.returncode for d, p in zip(swarm.dirs, swarm.procs, strict=True)
    }
    from node.demo import report as reporting

    written = reporting.write(report, out)
    progress.close()
    click.echo("", err=True)
    for name, status, headline in reporting.summary_rows(report):
        click.echo(f"  {name:<9} {status:<8} {headline}", err=True)
    click.echo("", err=True)
    if keep:
        click.echo("the swarm is still running; attach with, for example:", err=True)
        for d in swarm.dirs:
            click.echo(f"  byteswarm status --data-dir {d}", err=True)
        click.echo("  stop each with: byteswarm stop --data-dir DIR", err=True)
    click.echo(f"demo finished in {report['seconds']} s; output in {out}/", err=True)
    click.echo(f"report: {written[0]} (and report.json, {len(report['plots'])} plots)", err=True)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    failed = [n for n, s in report["stages"].items() if s["status"] == "failed"]
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    demo()
    os._exit(0)
