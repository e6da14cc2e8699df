"""A run whose records travel by sync pulls, not gossip: the replicas still agree."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from node.cli.control import send_control
from node.cli.swarm import Swarm, finetune_run, run_settled
from node.cli.swarm import run_cli as bs
from node.finetune.task import export_encoder_file

pytestmark = [pytest.mark.integration, pytest.mark.network]
RUN = "pulled-run"


def _ort_node(tmp_path: Path) -> str:
    encoders = tmp_path / "encoders"
    export_encoder_file("tiny", encoders)
    return f'[finetune]\nbackend = "onnxruntime"\nencoder_dir = "{encoders}"\n'


def _pulled(rounds: int, every: int, pull_every: int, mode: str, delay: float) -> dict[str, Any]:
    return {
        "run_id": RUN,
        "model": "tiny",
        "mode": mode,
        "rounds": rounds,
        "round_seconds": 1.0,
        "checkpoint_every": every,
        "delay_seconds": delay,
        "probes": 2,
        "grads_by": "pull",
        "pull_every": pull_every,
    }


def _settled_runs(swarm: Swarm, dirs: list[Path], rounds: int, timeout: float) -> list[Any]:
    try:
        swarm.wait_for(
            lambda: run_settled(dirs, RUN, rounds), timeout, "every node to agree on the final θ"
        )
    except TimeoutError as exc:
        states = {d.name: finetune_run(d, RUN) for d in dirs}
        raise AssertionError(f"{exc}: {states}") from exc
    return [finetune_run(d, RUN) for d in dirs]


def test_three_daemons_pulling_every_k_rounds_agree_and_gossip_no_run_record(
    tmp_path: Path,
) -> None:
    rounds, every, pull_every = 8, 4, 2
    ort_node = _ort_node(tmp_path)
    # The sync loop checks peers once a minute only: records travel by the service's pulls.
    with Swarm(tmp_path, sync_interval=60.0) as swarm:
        # The others know only the first node: records reach them relayed by its store.
        dirs = swarm.start_star(3, ort_node)
        first = dirs[0]
        args = _pulled(rounds, every, pull_every, "independent", delay=2.0)
        send_control(first, "train_start", args, timeout=60)
        runs = _settled_runs(swarm, dirs, rounds, 60)
        statuses: list[dict[str, Any]] = [swarm.status(d) or {} for d in dirs]
    assert len({r["sha256"] for r in runs}) == 1
    for run in runs:
        assert run["grads_by"] == "pull" and run["pull_every"] == pull_every
        assert run["records"] == len(dirs) * rounds  # every peer's record of every round
        assert run["gossiped"] == 0  # neither grads nor hash announcements were gossiped
        assert run["pulls"] >= rounds // pull_every
        for r in range(every, rounds + 1, every):
            assert len(run["checkpoints"][str(r)]["agree"]) == len(dirs), (r, run)
    # What did arrive by gossip: the run's announcement (one record at each other node).
    received = sum(int(s["counters"].get("gossip_records_in", 0)) for s in statuses)
    assert received <= len(dirs) - 1, [s["counters"] for s in statuses]
    shown = bs("train", "status", "--data-dir", str(first))
    assert shown.returncode == 0, shown.stderr
    assert f"records pulled every {pull_every} rounds" in shown.stdout


def test_a_pulled_run_survives_a_crash_and_a_late_joiner(tmp_path: Path) -> None:
    rounds, every, pull_every = 16, 4, 2
    ort_node = _ort_node(tmp_path)
    with Swarm(tmp_path, sync_interval=60.0) as swarm:
        dirs = swarm.start_star(3, ort_node)
        first, boot = dirs[0], swarm.address(dirs[0])
        args = _pulled(rounds, every, pull_every, "shared", delay=3.0)
        send_control(first, "train_start", args, timeout=60)
        swarm.wait_for(lambda: finetune_run(dirs[2], RUN).get("round", 0) >= 6, 60, "round 6")
        swarm.procs[1].send_signal(signal.SIGKILL)  # a peer dies mid-run, records unpulled ...
        swarm.procs[1].wait()
        late = swarm.start(boot, config=ort_node)  # ... a new one joins late and replays
        swarm.start(boot, data_dir=dirs[1], config=ort_node)  # the crashed one comes back
        alive = [*dirs, late]
        runs = _settled_runs(swarm, alive, rounds, 120)
    assert len({r["sha256"] for r in runs}) == 1
    start_hash = runs[0]["checkpoints"]["0"]["sha256"]
    assert runs[0]["sha256"] != start_hash  # θ moved
    for run in runs:
        assert run["grads_by"] == "pull" and run["gossiped"] == 0
        # The joiner holds the records of the rounds before it came, from the others' stores.
        assert run["records"] >= 2 * rounds, run
    result = bs("train", "verify", "--run", RUN, "--data-dir", str(late), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout)["sha256"] == runs[0]["sha256"]


def test_train_start_refuses_a_pull_period_without_the_pull_transport(tmp_path: Path) -> None:
    base = ["train", "start", "--run", "r", "--data-dir", str(tmp_path)]
    lone = bs(*base, "--pull-every", "4")
    assert lone.returncode == 2 and "--pull-every needs --grads-by pull" in lone.stderr
    for bad in (["--grads-by", "push"], ["--grads-by", "pull", "--pull-every", "0"]):
        result = bs(*base, *bad)
        assert result.returncode == 2 and "Invalid value" in result.stderr, result.stderr
