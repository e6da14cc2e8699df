"""``byteswarm demo``: a local swarm on this machine, end to end (stages over node.cli.swarm).

Starts real ``byteswarm run`` daemons as separate processes on 127.0.0.1, bootstraps
them off the first, publishes signed notes through the control table, waits until every
node has stored every note, then starts a late node that catches up over the sync
protocol, and shuts everything down cleanly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from node.cli.swarm import Swarm, finetune_run, note_count, service_status

DEMO_CATALOGUE = [
    ("kob", "Kind of Blue", "Miles Davis", ["jazz", "modal"]),
    ("bt", "Blue Train", "John Coltrane", ["jazz", "hard bop"]),
    ("bl", "Blue Lines", "Massive Attack", ["trip hop"]),
    ("mz", "Mezzanine", "Massive Attack", ["trip hop"]),
    ("dm", "Dummy", "Portishead", ["trip hop"]),
    ("bm", "Blue Monday", "New Order", ["synth pop"]),
    ("ok", "OK Computer", "Radiohead", ["alt rock"]),
    ("ka", "Kid A", "Radiohead", ["electronic", "alt rock"]),
]


def stage_notes(swarm: Swarm, notes: int, summary: dict[str, Any]) -> None:
    """Every node publishes signed notes; every node stores every note (gossip)."""
    from node.cli.control import send_control

    with click.progressbar(swarm.dirs, label="publishing notes", file=sys.stderr) as bar:
        for i, d in enumerate(bar):
            for j in range(notes):
                send_control(d, "publish", {"text": f"hello from node{i} #{j}", "value": j})
    total = len(swarm.dirs) * notes
    t1 = time.monotonic()
    swarm.wait_for(
        lambda: all(note_count(swarm, d) >= total for d in swarm.dirs),
        60,
        "every node to store every note",
    )
    summary["notes"] = total
    summary["gossip_s"] = round(time.monotonic() - t1, 2)
    click.echo(f"all {total} notes on all nodes in {summary['gossip_s']} s", err=True)


def stage_rank(swarm: Swarm, summary: dict[str, Any]) -> None:
    """G-Rank: clicks on one node change what a like-minded node serves."""
    from node.cli.control import send_control

    lines = [
        json.dumps({"id": i, "title": t, "artist": a, "tags": g}) for i, t, a, g in DEMO_CATALOGUE
    ]
    path = swarm.root / "catalogue.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for d in swarm.dirs:
        subprocess.run(
            [sys.executable, "-m", "node", "items", "import", str(path), "--data-dir", str(d)],
            check=True,
            capture_output=True,
        )
    clicker, searcher = swarm.dirs[1], swarm.dirs[-1]

    def top3(d: Path) -> list[str]:
        results = send_control(d, "search", {"query": "blue", "k": 3})["results"]
        return [str(r["id"]) for r in results]

    before = top3(searcher)
    target = before[-1]
    for d in (clicker, searcher):  # a shared taste makes the two similar peers
        send_control(d, "click", {"query": "massive attack", "item": "mz"})
    for _ in range(3):
        send_control(clicker, "click", {"query": "blue", "item": target})
    t = time.monotonic()
    after = swarm.wait_for(
        lambda: (r := top3(searcher))[0] == target and r, 60, "the ranking to follow the clicks"
    )
    summary["rank"] = {
        "query": "blue",
        "before": before,
        "after": after,
        "seconds": round(time.monotonic() - t, 2),
    }
    click.echo(
        f"rank: 'blue' on {searcher.name} was {before}, after clicks on "
        f"{clicker.name} it is {after}",
        err=True,
    )


def stage_finetune(swarm: Swarm, summary: dict[str, Any], rounds: int = 8) -> None:
    """One-byte SPSA on the tiny model: every node ends on the same θ, bit for bit."""
    from node.cli.control import send_control
    from node.finetune.task import default_encoder_dir, export_encoder_file

    # The nodes are devices: they train on onnxruntime, from the encoder exported here.
    export_encoder_file("tiny", default_encoder_dir())
    run_id = "demo-tiny"
    args = {
        "run_id": run_id,
        "model": "tiny",
        "mode": "shared",
        "rounds": rounds,
        "round_seconds": 1.0,
        "checkpoint_every": 4,
        "delay_seconds": 3.0,
    }
    send_control(swarm.dirs[0], "train_start", args, timeout=120)
    n = len(swarm.dirs)

    def agreed() -> bool:
        for d in swarm.dirs:
            final = finetune_run(d, run_id).get("checkpoints", {}).get(str(rounds), {})
            if len(final.get("agree", [])) < n:
                return False
        return True

    t = time.monotonic()
    swarm.wait_for(agreed, 60 + rounds * 2, "every node to agree on the trained θ")
    runs = [finetune_run(d, run_id) for d in swarm.dirs]
    summary["finetune"] = {
        "rounds": rounds,
        "records": runs[0]["records"],
        "sha256": runs[0]["sha256"],
        "same_theta_everywhere": len({r["sha256"] for r in runs}) == 1,
        "backends": [service_status(d, "finetune").get("backend") for d in swarm.dirs],
        "torch_loaded": [
            "torch" in ((swarm.status(d) or {}).get("heavy_modules") or []) for d in swarm.dirs
        ],
        "seconds": round(time.monotonic() - t, 2),
    }
    click.echo(
        f"finetune: {rounds} rounds, {runs[0]['records']} records of "
        f"{runs[0].get('probes', 1)} one-byte gradients, all {n} "
        f"nodes at θ {runs[0]['sha256'][:16]} (backends {summary['finetune']['backends']}, "
        f"torch loaded in {sum(summary['finetune']['torch_loaded'])} of them)",
        err=True,
    )


def stage_adapt(swarm: Swarm, boot: str, summary: dict[str, Any], batches: int) -> None:
    """A cloud node (torch) adapts a prompt for a frozen onnxruntime device under shift."""
    from node.cli.control import send_control
    from node.wire.control import AdaptStart

    cloud = swarm.start(boot, config='role = "cloud"\n[adapt]\nteacher_epochs = 10')
    device = swarm.dirs[0]  # every non-cloud node runs the device side; node0 pairs first
    swarm.address(cloud)
    for d in (cloud, device):  # adaptation does nothing until started (byteswarm adapt start)
        send_control(d, AdaptStart.command, {})
    click.echo("adapt: cloud starting (its first start trains a small teacher)", err=True)
    t = time.monotonic()
    status = swarm.wait_for(
        lambda: (s := service_status(device, "adapt")).get("batches", 0) >= batches and s,
        600,
        f"{batches} device batches",
    )
    summary["adapt"] = {
        "batches": status["batches"],
        "accuracy": round(status["accuracy"], 4),
        "prompt_version": status["prompt_version"],
        "prompts_accepted": status["prompts_accepted"],
        "uplink_bytes_per_sample": round(status["uplink_bytes_per_sample"], 1),
        "domain": status["domain"],
        "seconds": round(time.monotonic() - t, 2),
    }
    click.echo(
        f"adapt: {status['batches']} batches up to domain '{status['domain']}', accuracy "
        f"{100 * status['accuracy']:.1f} %, prompt v{status['prompt_version']}, "
        f"{status['uplink_bytes_per_sample']:.0f} B/sample uplink (cloud {cloud.name})",
        err=True,
    )


@click.command()
@click.option(
    "--peers",
    default=3,
    show_default=True,
    type=click.IntRange(2, 20),
    help="Daemons to start before the late joiner.",
)
@click.option(
    "--notes",
    default=5,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Signed notes each daemon publishes.",
)
@click.option(
    "--adapt-batches",
    default=24,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Device batches to run through the cloud-device adaptation (0 skips it).",
)
@click.option("--keep", is_flag=True, help="Keep the swarm's data dirs after the demo.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary.")
def demo(peers: int, notes: int, adapt_batches: int, keep: bool, as_json: bool) -> None:
    """Start a local swarm and run it end to end: gossip, rank, finetune, adapt, catch-up."""
    root = Path(tempfile.mkdtemp(prefix="byteswarm-demo-"))
    summary: dict[str, Any] = {"root": str(root), "peers": peers}
    t0 = time.monotonic()
    with Swarm(root) as swarm:
        first = swarm.start()
        boot = swarm.address(first)
        click.echo(f"node0 up at {boot}", err=True)
        for _ in range(peers - 1):
            swarm.start(boot)
        for d in swarm.dirs:
            swarm.address(d)
        swarm.wait_for(
            lambda: all(
                len((swarm.status(d) or {}).get("connected_peers", [])) >= 1 for d in swarm.dirs
            ),
            30,
            "the mesh",
        )
        summary["mesh_s"] = round(time.monotonic() - t0, 2)
        click.echo(f"{peers} daemons meshed in {summary['mesh_s']} s", err=True)
        stage_notes(swarm, notes, summary)
        stage_rank(swarm, summary)
        stage_finetune(swarm, summary)
        if adapt_batches:
            stage_adapt(swarm, boot, summary, adapt_batches)
        total = summary["notes"]
        late = swarm.start(boot)
        t2 = time.monotonic()
        swarm.wait_for(lambda: note_count(swarm, late) >= total, 60, "the late node to catch up")
        summary["catchup_s"] = round(time.monotonic() - t2, 2)
        click.echo(f"late node caught up on {total} notes in {summary['catchup_s']} s", err=True)
    summary["clean_exit"] = [p.returncode for p in swarm.procs]
    if not keep:
        import shutil

        shutil.rmtree(root, ignore_errors=True)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
    else:
        click.echo(f"demo finished: {summary}")
    if any(code != 0 for code in summary["clean_exit"]):
        raise SystemExit(1)


if __name__ == "__main__":  # pragma: no cover
    demo()
    os._exit(0)
