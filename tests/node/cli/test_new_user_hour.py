"""Issue 17's acceptance: an hour of ordinary use, as a new user types it.

Every step runs the real ``byteswarm`` command line in a subprocess, on loopback and in
temporary data dirs: commands before any daemon, ``run`` on an explicit port, ``id --wait``,
a second ``run`` on the same data dir and on the taken port, ``--bootstrap``, ``publish``
and ``notes``, ``status`` and ``events``, rank (import, search, click, no match, explore, a
re-import), a tiny shared training run with a member SIGKILLed and restarted, ``train
verify`` on every node, ``train export``, ``adapt start``/``stop``, and ``stop``. Bad input
along the way must exit 2 with one line and no traceback, and what the CLI gave up on must
never run later.

``test_a_new_users_hour[ci]`` is the default run's version (3 nodes, 12 rounds);
``[as-reported]`` (``slow``) replays the issue's training run: 4 nodes, 40 rounds,
checkpoints every 5, node c killed at round 9 and restarted 16 s later.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from node.cli.swarm import Swarm, finetune_run, note_count, run_settled
from tests.node.rank.catalogue import write_catalogue

pytestmark = [pytest.mark.integration, pytest.mark.network]


@dataclass(frozen=True)
class Hour:
    nodes: int
    rounds: int
    every: int
    kill_at: int
    down_s: float


HOURS = [
    pytest.param(Hour(nodes=3, rounds=12, every=4, kill_at=4, down_s=0.0), id="ci"),
    pytest.param(
        Hour(nodes=4, rounds=40, every=5, kill_at=9, down_s=16.0),
        id="as-reported",
        marks=pytest.mark.slow,
    ),
]
AT_ONCE_S = 9.0
"""A command with no daemon to answer it must fail within this: it used to wait 10-120 s
(the control timeout), and starting the CLI alone took up to 5.6 s in CI at a load of 8."""


def byteswarm(*args: str | Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The ``byteswarm`` console script, as a user runs it."""
    script = Path(sys.executable).with_name("byteswarm")
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "node"]
    env = {k: v for k, v in os.environ.items() if k != "BYTESWARM_DATA_DIR"}
    return subprocess.run(
        [*cmd, *map(str, args)], capture_output=True, text=True, timeout=timeout, env=env
    )


def ok(*args: str | Path) -> str:
    result = byteswarm(*args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr, result.stderr
    return result.stdout


def refused(*args: str | Path, needle: str, within: float = AT_ONCE_S) -> str:
    """``byteswarm ARGS`` exits 2 at once with one error line holding ``needle``."""
    t0 = time.monotonic()
    result = byteswarm(*args)
    took = time.monotonic() - t0
    where = f"byteswarm {' '.join(map(str, args))}: {result.stderr}"
    assert result.returncode == 2, where
    assert "Traceback" not in result.stderr, where
    last = (result.stderr.strip().splitlines() or [""])[-1]
    assert last.lower().startswith("error: ") and needle in last, where
    assert took < within, f"{where} took {took:.1f} s"
    return last


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def checkpoint_rounds(train_status: str, run_id: str) -> list[int]:
    block = train_status.split(f"{run_id}: ", 1)[1]
    return [int(r) for r in re.findall(r"^  checkpoint (\d+):", block, flags=re.MULTILINE)]


@pytest.mark.parametrize("hour", HOURS)
def test_a_new_users_hour(tmp_path: Path, hour: Hour) -> None:
    encoders = tmp_path / "encoders"  # a device's encoder_dir, empty until export-encoder
    encoders.mkdir()
    config = f'[finetune]\nencoder_dir = "{encoders}"\n'
    a = tmp_path / "a"
    names = "abcdefgh"[: hour.nodes]
    dirs = [tmp_path / n for n in names]

    # -- before any daemon: fail at once, and nothing is left to run later -------------
    refused("status", "--data-dir", a, needle="byteswarm run")
    for args in (["publish", "early bird"], ["train", "start", "--run", "early"], ["stop"]):
        refused(*args, "--data-dir", a, needle=f"no node is running in {a}")
    refused("adapt", "start", "--data-dir", a, needle="no node is running")
    refused("run", "--data-dir", a, "--listen", "/ip4/127.0.0.1/tcp/x", needle="bad multiaddr")

    with Swarm(tmp_path, sync_interval=1.0) as swarm:
        # -- the first node, on a port the user chose ------------------------------------
        port = free_port()
        swarm.start(data_dir=a, config=config, listen=f"/ip4/127.0.0.1/tcp/{port}")
        peer, addr = ok("id", "--wait", "60", "--data-dir", a).split()
        assert addr == f"/ip4/127.0.0.1/tcp/{port}/p2p/{peer}"
        pid = swarm.procs[0].pid
        refused("run", "--data-dir", a, needle=f"in use by process {pid}")
        taken = f"/ip4/127.0.0.1/tcp/{port}"
        refused("run", "--data-dir", tmp_path / "x", "--listen", taken, needle="cannot listen on")
        assert ok("status", "--data-dir", a).startswith(f"node      running (pid {pid}")

        # -- the others bootstrap off it ---------------------------------------------------
        for d in dirs[1:]:
            swarm.start(addr, data_dir=d, config=config)
        for d in dirs[1:]:
            assert ok("id", "--wait", "60", "--data-dir", d).count("/p2p/") == 1
        swarm.wait_for(
            lambda: len((swarm.status(a) or {}).get("connected_peers", [])) == hour.nodes - 1,
            60,
            "every node connected to a",
        )
        text = ok("status", "--data-dir", a)
        assert f"peers     {hour.nodes - 1} connected" in text
        assert not re.search(r"[{}]|None|True|False", text), text
        events = ok("events", "--data-dir", a)
        assert "started" in events and "connected to" in events

        # -- notes ---------------------------------------------------------------------------
        assert "published 1 note(s)" in ok("publish", "hello from b", "--data-dir", dirs[1])
        refused("publish", "", "--data-dir", a, needle="empty")
        refused("publish", "x", "--rate", "nan", "--data-dir", a, needle="finite")
        swarm.wait_for(lambda: note_count(swarm, a) >= 1, 30, "b's note to reach a")
        assert "hello from b" in ok("notes", "--data-dir", a)

        # -- rank: import, search, click, no match, explore, re-import -----------------------
        catalogue = write_catalogue(tmp_path / "catalogue.jsonl")
        assert ok("items", "import", catalogue, "--data-dir", a) == "imported 4 items\n"
        found = ok("search", "blue", "--data-dir", a)
        assert "Kind of Blue" in found and "Mezzanine" not in found
        assert "click #0" in ok(
            "click", "blue", "a2", "--shown", "a1", "--shown", "a2", "--data-dir", a
        )
        refused("click", "blue", "nope", "--data-dir", a, needle="unknown item 'nope'")
        refused("click", "blue", "a1", "--data-dir", catalogue / "sub", needle="is a file")
        none = ok("search", "zzzz", "--data-dir", a)
        assert none.startswith("no items match 'zzzz'")
        assert not re.search(r"^\s*\d+\.", none, flags=re.MULTILINE), none  # no ranked rows
        # the default preset draws the explored page from the posterior: with three matches
        # it is sometimes the served one, so look at a few pages
        for _ in range(10):
            explored = ok("search", "blue", "--explore", "--data-dir", a)
            if re.search(r"^\s*\d+\.\*", explored, flags=re.MULTILINE):
                break
        assert re.search(r"^\s*\d+\.\*", explored, flags=re.MULTILINE), explored
        assert "moved to explore: not where the ranking puts it" in explored
        renamed = tmp_path / "renamed.jsonl"
        renamed.write_text(catalogue.read_text().replace("Blue Train", "Blue Train (Remaster)"))
        ok("items", "import", renamed, "--data-dir", a)
        assert "Blue Train (Remaster)" in ok("search", "train", "--data-dir", a)

        # -- train: without the encoder, then a run with a member killed and restarted ------
        run = ["--run", "r1", "--model", "tiny"]
        refused("train", "start", *run, "--data-dir", a, needle="train export-encoder --model tiny")
        refused("train", "start", "--run", "R1", "--data-dir", a, needle="--run")
        refused("train", "start", *run, "--round-seconds", "nan", "--data-dir", a, needle="nan")
        ok("train", "export-encoder", "--model", "tiny", "--dir", encoders)
        plan = ["--rounds", str(hour.rounds), "--round-seconds", "1"]
        plan += ["--checkpoint-every", str(hour.every)]
        assert "run r1 starts at" in ok("train", "start", *run, *plan, "--data-dir", a)
        victim = dirs[2]
        swarm.wait_for(
            lambda: finetune_run(victim, "r1").get("round", 0) >= hour.kill_at,
            60 + 2 * hour.kill_at,
            f"round {hour.kill_at} on {victim.name}",
        )
        swarm.procs[2].send_signal(signal.SIGKILL)
        swarm.procs[2].wait(timeout=10)
        assert ok("status", "--data-dir", victim).startswith("node      stopped")
        refused("publish", "while down", "--data-dir", victim, needle="no node is running")
        time.sleep(hour.down_s)
        swarm.start(addr, data_dir=victim, config=config)  # `byteswarm run` again, same dir
        # right after the restart, id waits for the new process (not the dead one's snapshot)
        back = ok("id", "--wait", "60", "--data-dir", victim).split()
        restarted = swarm.wait_for(
            lambda: (
                (swarm.status(victim) or {}).get("pid") == swarm.procs[2].pid
                and swarm.status(victim)
            ),
            30,
            "the restarted node's first snapshot",
        )
        assert back[1:] == restarted["listen_addrs"], back
        try:
            swarm.wait_for(
                lambda: run_settled(dirs, "r1", hour.rounds, final=True),
                60 + 3 * hour.rounds,
                "every node to agree on the final checkpoint",
            )
        except TimeoutError as exc:
            raise AssertionError(f"{exc}: {[finetune_run(d, 'r1') for d in dirs]}") from exc
        finals = {finetune_run(d, "r1")["sha256"] for d in dirs}
        assert len(finals) == 1
        for d in dirs:
            shown = ok("train", "status", "--data-dir", d)
            assert f"r1: done, round {hour.rounds}/{hour.rounds}" in shown, shown
            rounds = checkpoint_rounds(shown, "r1")
            assert rounds == sorted(rounds) and rounds[-1] == hour.rounds, shown
            last = rf"checkpoint {hour.rounds}: \w{{16}} agree {hour.nodes} disagree 0 loss "
            assert re.search(last + r"\d+\.\d{3} accuracy \d+\.\d %", shown), shown
            verified = byteswarm("train", "verify", "--run", "r1", "--data-dir", d)
            assert verified.returncode == 0, (d.name, verified.stdout, verified.stderr)
        theta = tmp_path / "out" / "r1.safetensors"
        exported = ok("train", "export", "--run", "r1", "--out", theta, "--data-dir", dirs[1])
        assert f"sha256 {finals.pop()}" in exported and theta.exists()

        # -- adapt: a device with no cloud does nothing until asked, and stops when told ---
        assert ok("adapt", "start", "--samples", "10", "--data-dir", a).startswith(
            "adaptation running"
        )
        refused("adapt", "start", "--minutes", "nan", "--data-dir", a, needle="nan")
        assert "idle" in ok("adapt", "stop", "--data-dir", a)
        assert "None" not in ok("adapt", "status", "--data-dir", a)

        # -- stop --------------------------------------------------------------------------
        for d, proc in zip(dirs, swarm.procs, strict=True):
            assert f"(pid {proc.pid})" in ok("stop", "--data-dir", d)
            assert proc.wait(timeout=5) == 0
        assert ok("status", "--data-dir", a).startswith("node      stopped")
        refused("stop", "--data-dir", a, needle="no node is running")

    for d in dirs:  # no daemon hit a traceback or a wire error on the way
        log = (d / "daemon.log").read_text(errors="replace")
        assert "Traceback" not in log and "WireError" not in log, f"{d.name}:\n{log[-3000:]}"
    # what the CLI gave up on before the first daemon never ran
    for d in dirs:
        assert "early bird" not in ok("notes", "--limit", "1000", "--data-dir", d)
    assert list(json.loads(ok("train", "status", "--json", "--data-dir", a))["runs"]) == ["r1"]
