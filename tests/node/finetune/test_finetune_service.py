"""The finetune service: real daemons train a tiny model together and agree on θ."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest

from node.cli.control import send_control
from node.cli.swarm import Swarm, finetune_run, run_settled, service_status
from node.cli.swarm import run_cli as bs
from node.finetune.task import export_encoder_file

pytestmark = [pytest.mark.integration, pytest.mark.network]
RUN = "tiny-run"


def finetune_status(swarm: Swarm, d: Path) -> dict[str, Any]:
    return finetune_run(d, RUN)


def _brief(run: dict[str, Any]) -> dict[str, Any]:
    keys = ("round", "records", "refused", "final_round", "sha256")
    return {k: run.get(k) for k in keys} | {
        r: (c["sha256"][:8], len(c["agree"]), len(c["disagree"]))
        for r, c in run.get("checkpoints", {}).items()
    }


def test_three_daemons_a_late_joiner_and_a_crash_agree_on_every_checkpoint(
    tmp_path: Path,
) -> None:
    rounds, every = 16, 4
    encoders = tmp_path / "encoders"
    export_encoder_file("tiny", encoders)  # what `train export-encoder` does, with torch
    torch_node = '[finetune]\nbackend = "torch"\n'
    ort_node = f'[finetune]\nbackend = "onnxruntime"\nencoder_dir = "{encoders}"\n'
    with Swarm(tmp_path, sync_interval=1.0) as swarm:
        dirs = swarm.start_star(3, ort_node, first_config=torch_node)
        first, boot = dirs[0], swarm.address(dirs[0])
        args = {
            "run_id": RUN,
            "model": "tiny",
            "mode": "shared",
            "rounds": rounds,
            "round_seconds": 1.0,
            "checkpoint_every": every,
            "delay_seconds": 3.0,
            "probes": 2,  # two one-byte projected gradients per peer per round
        }
        send_control(first, "train_start", args, timeout=60)
        swarm.wait_for(lambda: finetune_status(swarm, dirs[1]) != {}, 30, "the run to spread")
        # Starting the same run again with another config says what differs.
        with pytest.raises(Exception, match="rounds"):
            send_control(dirs[1], "train_start", {**args, "rounds": 99}, timeout=60)
        swarm.wait_for(lambda: finetune_status(swarm, dirs[2]).get("round", 0) >= 6, 60, "round 6")
        swarm.procs[1].send_signal(signal.SIGKILL)  # a peer dies mid-run ...
        swarm.procs[1].wait()
        late = swarm.start(boot, config=ort_node)  # ... a new one joins late, replays the log
        swarm.start(boot, data_dir=dirs[1], config=ort_node)  # the crashed one comes back
        alive = [*dirs, late]

        try:  # final: a majority agreed, the history is closed
            swarm.wait_for(
                lambda: run_settled(alive, RUN, rounds, final=True),
                90,
                "every node to agree on the final θ",
            )
        except TimeoutError as exc:  # say where each node stands
            states = {d.name: _brief(finetune_status(swarm, d)) for d in alive}
            raise AssertionError(f"{exc}: {states}") from exc
        finals = {finetune_status(swarm, d)["sha256"] for d in alive}
        assert len(finals) == 1
        # A node whose finality raced a late record (the crashed node's last one) rebuilt
        # on the majority's checkpoint and keeps no checkpoints from before it; what it had
        # announced for those stays on record with the others as a disagreement.
        rebuilt = {
            (swarm.status(d) or {})["peer_id"]: finetune_status(swarm, d)["rebuilt_on"]
            for d in alive
        }
        for d in alive:
            run = finetune_status(swarm, d)
            assert run["records"] >= rounds  # θ moved on real records
            since = run["rebuilt_on"] or every
            for r in range(since, rounds + 1, every):
                for peer in run["checkpoints"][str(r)]["disagree"]:
                    assert (rebuilt.get(peer) or 0) > r, (d, r, peer, rebuilt, run)
        assert any(finetune_status(swarm, d)["rebuilt_on"] is None for d in alive)
        start_hash = finetune_status(swarm, first)["checkpoints"]["0"]["sha256"]
        assert start_hash not in finals
        # onnxruntime peers trained alongside the torch one without ever loading torch
        for d in alive[1:]:
            status = swarm.status(d) or {}
            assert "torch" not in status["heavy_modules"], status
            assert service_status(d, "finetune")["backend"] == "onnxruntime"
        assert service_status(first, "finetune")["backend"] == "torch"
    shown = bs("train", "status", "--data-dir", str(late))
    assert shown.returncode == 0, shown.stderr
    assert "forward passes on onnxruntime" in shown.stdout
    assert f"round {rounds}/{rounds}" in shown.stdout
    assert f"final checkpoint {rounds}" in shown.stdout
    # Every node's log replays to the announced hashes, the crashed one's and those whose
    # finality raced its late record included (issue 17: verify counts what they counted).
    for d in alive:
        result = bs("train", "verify", "--run", RUN, "--data-dir", str(d), "--json")
        assert result.returncode == 0, (d.name, result.stdout + result.stderr)
        report = json.loads(result.stdout)
        assert report["ok"] and report["round"] == rounds
        assert report["sha256"] in finals


def test_two_starters_racing_with_different_specs_end_on_the_earlier_one(
    tmp_path: Path,
) -> None:
    torch_node = '[finetune]\nbackend = "torch"\n'
    with Swarm(tmp_path, sync_interval=1.0) as swarm:
        a = swarm.start(config=torch_node)
        b = swarm.start(config=torch_node)  # not connected: neither sees the other's start
        addr_a = swarm.address(a)
        swarm.address(b)
        args = {"run_id": RUN, "model": "tiny", "rounds": 12, "delay_seconds": 40.0}
        send_control(a, "train_start", args, timeout=60)
        swarm.wait_for(lambda: finetune_status(swarm, a).get("rounds") == 12, 60, "a's run")
        send_control(b, "train_start", {**args, "rounds": 14}, timeout=60)
        swarm.wait_for(lambda: finetune_status(swarm, b).get("rounds") == 14, 60, "b's run")
        send_control(b, "connect", {"addr": addr_a}, timeout=30)
        swarm.wait_for(
            lambda: all(finetune_status(swarm, d).get("rounds") == 12 for d in (a, b)),
            60,
            "both nodes on the earlier announcement",
        )
        events = bs("events", "--json", "--data-dir", str(b))
        assert "took the earlier announcement (it differs in rounds)" in events.stdout
