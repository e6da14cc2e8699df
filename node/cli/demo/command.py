"""``byteswarm demo``: real ``byteswarm run`` daemons on 127.0.0.1, every service in turn.

Stages: mesh (and signed notes by gossip), rank, finetune, adapt, export. A stage this
install cannot run, or one that fails, says why in one line and the demo goes on; the exit
code is 1 if any stage failed, 130 if the operator stopped it (Ctrl-C, or quitting the
``--tui`` app), 0 otherwise. Errors are one line, never a traceback; the last lines name
the output dir and the report.
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

from node.cli.common import UserError
from node.cli.demo.context import DEFAULT, QUICK, Demo
from node.cli.demo.progress import DemoError, Progress, Skipped
from node.cli.demo.watch import TuiWindow, check_tui_installed
from node.cli.swarm import Swarm

STAGES = ("mesh", "rank", "finetune", "adapt", "export")


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


def run_stage(
    demo: Demo, report: dict[str, Any], name: str, what: str, body: Callable[[], dict[str, Any]]
) -> None:
    """Run one stage; a skip or a failure is one line in the output and the report."""
    demo.progress.stage(name, what)
    if demo.window is not None:
        demo.window.check()
        demo.window.note(demo.devices[0], f"demo stage {demo.progress.number}: {name}: {what}")
    try:
        result = body()
    except KeyboardInterrupt:
        report["stages"][name] = {"status": "stopped", "reason": "stopped by the operator"}
        raise
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


def finetune(run: Demo) -> dict[str, Any]:
    """The finetune stage, the cloud daemon starting meanwhile (its start and model loading
    take seconds the one-second rounds leave idle)."""
    from node.cli.demo import adapt_stage, finetune_stage

    adapt_stage.prepare(run)
    return finetune_stage.run(run)


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
@click.option(
    "--tui",
    is_flag=True,
    help="Watch node0 in the TUI while the demo runs (progress goes to DIR/demo.log); "
    "quitting the TUI stops the demo.",
)
def demo(
    peers: int, quick: bool, out: Path, keep: bool, seed: int, as_json: bool, tui: bool
) -> None:
    """Start a local swarm and run every service end to end, then write a report.

    Device daemons mesh and gossip signed notes; simulated users search and click while
    served nDCG@10 is tracked against a hidden ground truth (rank); the devices run a
    one-byte SPSA run through a restart and a late joiner, and every node verifies it
    (finetune); a cloud daemon adapts prompts for the devices' drifting camera streams
    (adapt); the trained model and the adapted device model are exported to ONNX and
    checked (export).
    """
    import json

    from node.cli.demo import adapt_stage, export_stage, mesh_stage, rank_stage
    from node.cli.demo import report as reporting

    if tui:
        check_tui_installed()
    prepare_out(out)
    window = TuiWindow(out / "demo.log") if tui else None
    progress = Progress(stream=window.log if window else None, stages=len(STAGES))
    report: dict[str, Any] = {
        "seed": seed,
        "peers": peers,
        "quick": quick,
        "out": str(out.resolve()),
        "stages": {},
    }
    t0 = time.monotonic()
    swarm = Swarm(out / "nodes")
    run = Demo(swarm, progress, out, seed, QUICK if quick else DEFAULT, quick=quick)
    stages: list[tuple[str, str, Callable[[], dict[str, Any]]]] = [
        ("rank", "simulated users search and click", lambda: rank_stage.run(run)),
        ("finetune", "one-byte SPSA across the devices", lambda: finetune(run)),
        ("adapt", "a cloud adapts prompts for the devices", lambda: adapt_stage.run(run)),
        ("export", "the trained and the adapted models to ONNX",
         lambda: export_stage.run(run, report["stages"].get("finetune", {}))),
    ]  # fmt: skip
    if window is not None:
        opens = "the TUI opens on node0 once it is up"
        click.echo(f"starting the swarm; {opens} (log: {window.log_path})", err=True)
    interrupted = False
    try:
        run_stage(
            run, report, "mesh", f"{peers} device daemons", lambda: mesh_stage.run(run, peers)
        )
        if report["stages"]["mesh"]["status"] == "ok":
            if window is not None:
                window.open(run.devices[0])
                run.window = window
                progress.stop_check = window.check
            for name, what, body in stages:
                run_stage(run, report, name, what, body)
        report["seconds"] = round(time.monotonic() - t0, 1)
        if window is not None:
            progress.line(f"demo done in {report['seconds']} s; waiting for the TUI to quit")
            done = f"demo done in {report['seconds']} s"
            window.note(
                run.devices[0], f"{done}: quit (q) to stop the swarm, write {out}/report.md"
            )
            window.wait()
    except KeyboardInterrupt as exc:
        interrupted = True
        report["interrupted"] = str(exc) or "Ctrl-C"
    finally:
        if window is not None:
            window.close()
        progress.close()
        if interrupted:
            click.echo(f"interrupted ({report['interrupted']}): stopping every daemon", err=True)
        t_stop = time.monotonic()
        if interrupted or not keep:
            swarm.terminate()  # the daemons shut down while the plots are drawn
    report.setdefault("seconds", round(time.monotonic() - t0, 1))
    plots = reporting.plots(report, out)
    if interrupted or not keep:
        swarm.stop()
        report["teardown_s"] = round(time.monotonic() - t_stop, 2)
    report["exit_codes"] = {
        d.name: p.returncode for d, p in zip(swarm.dirs, swarm.procs, strict=True)
    }
    written = reporting.write(report, out, plots)
    click.echo("", err=True)
    for name, status, headline in reporting.summary_rows(report):
        click.echo(f"  {name:<9} {status:<8} {headline}", err=True)
    click.echo("", err=True)
    if keep and not interrupted:
        click.echo("the swarm is still running; attach with, for example:", err=True)
        for d in swarm.dirs:
            click.echo(f"  byteswarm status --data-dir {d}", err=True)
        click.echo(f"  byteswarm tui --data-dir {swarm.dirs[0]}", err=True)
        click.echo("  stop each with: byteswarm stop --data-dir DIR", err=True)
    ended = "stopped after" if interrupted else "finished in"
    click.echo(f"demo {ended} {report['seconds']} s; output in {out}/", err=True)
    click.echo(f"report: {written[0]} (and report.json, {len(report['plots'])} plots)", err=True)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    if interrupted:
        raise SystemExit(130)
    if any(s["status"] == "failed" for s in report["stages"].values()):
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    demo()
    os._exit(0)
