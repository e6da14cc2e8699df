"""Real ``byteswarm run`` daemons as separate processes on 127.0.0.1."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import pytest

from node.cli.control import send_control
from node.cli.swarm import Swarm, note_count

pytestmark = [pytest.mark.integration, pytest.mark.network]


def _port(addr: str) -> int:
    parts = addr.split("/")
    return int(parts[parts.index("tcp") + 1])


def test_three_daemons_gossip_and_a_late_node_catches_up(tmp_path: Path) -> None:
    # A long sync interval: the first three can only learn the notes through gossip.
    with Swarm(tmp_path, sync_interval=600.0) as swarm:
        first = swarm.start()
        boot = swarm.address(first)
        dirs = [first, swarm.start(boot), swarm.start(boot)]
        swarm.wait_for(
            lambda: (
                all(len((swarm.status(d) or {}).get("connected_peers", [])) >= 1 for d in dirs)
                and len(swarm.status(first)["connected_peers"]) == 2
            ),  # type: ignore[index]
            30,
            "the mesh",
        )
        time.sleep(2.0)  # let gossipsub graft the mesh (heartbeat 1 s)
        for i, d in enumerate(dirs):
            for j in range(4):
                send_control(d, "publish", {"text": f"node{i} note{j}", "value": j})
        swarm.wait_for(lambda: all(note_count(swarm, d) == 12 for d in dirs), 30, "gossip")
        for d in dirs:
            counters = swarm.status(d)["counters"]  # type: ignore[index]
            assert counters.get("gossip_records_in", 0) >= 8, counters
            # A running device node (rank, finetune and adapt services up) has no torch.
            assert swarm.status(d)["heavy_modules"] == []  # type: ignore[index]

        # gossipsub's message cache replays the last ~5 heartbeats to newcomers; wait it out
        # so that whatever the late node gets can only have come through the sync protocol.
        time.sleep(6.0)
        late = swarm.start(boot)
        swarm.wait_for(lambda: note_count(swarm, late) == 12, 30, "catch-up")
        late_counters = swarm.status(late)["counters"]  # type: ignore[index]
        assert late_counters.get("sync_responses_in", 0) >= 1
        assert late_counters.get("gossip_records_in", 0) == 0  # old notes came only by sync
    assert all(p.returncode == 0 for p in swarm.procs), [p.returncode for p in swarm.procs]


def test_sigkill_restart_keeps_peer_id_and_rejoins(tmp_path: Path) -> None:
    with Swarm(tmp_path, sync_interval=1.0) as swarm:
        first = swarm.start()
        boot = swarm.address(first)
        second = swarm.start(boot)
        before = swarm.address(second).rsplit("/p2p/", 1)[1]
        send_control(second, "publish", {"text": "acknowledged before the crash"})
        swarm.procs[1].send_signal(signal.SIGKILL)
        swarm.procs[1].wait(timeout=10)
        swarm.start(boot, data_dir=second)
        restarted = swarm.procs[-1].pid
        swarm.wait_for(
            lambda: (
                (status := swarm.status(second) or {}).get("pid") == restarted  # not a stale one
                and status.get("peer_id") == before
                and first_peer_id(swarm, first) in status["connected_peers"]
            ),
            30,
            "the restarted node to rejoin",
        )
        assert note_count(swarm, second) == 1  # the acknowledged note survived SIGKILL
        swarm.wait_for(lambda: note_count(swarm, first) == 1, 30, "the note to reach node0")


def first_peer_id(swarm: Swarm, data_dir: Path) -> str:
    return str(swarm.address(data_dir).rsplit("/p2p/", 1)[1])


def test_sigterm_exits_cleanly_and_closes_the_port(tmp_path: Path) -> None:
    with Swarm(tmp_path) as swarm:
        only = swarm.start()
        port = _port(swarm.address(only))
        swarm.procs[0].send_signal(signal.SIGTERM)
        assert swarm.procs[0].wait(timeout=15) == 0
        with (
            pytest.raises(ConnectionRefusedError),
            socket.create_connection(("127.0.0.1", port), timeout=2),
        ):
            pass
        log = (only / "daemon.log").read_text()
        assert "Traceback" not in log, log


def test_idle_sync_rounds_ask_for_heads_only_and_pull_what_moved(tmp_path: Path) -> None:
    def pulls(d: Path) -> int:
        return int((swarm.status(d) or {}).get("counters", {}).get("sync_responses_in", 0))

    with Swarm(tmp_path, sync_interval=1.0) as swarm:
        first = swarm.start()
        second = swarm.start(swarm.address(first))
        swarm.wait_for(lambda: pulls(second) >= 1, 30, "the first full sync")
        time.sleep(3.0)  # let the status snapshot catch up with the first rounds
        idle = pulls(second)
        time.sleep(4.0)  # four sync rounds with nothing new anywhere
        assert pulls(second) == idle  # heads only: no topic was pulled
        send_control(first, "publish", {"text": "moved", "value": 1.0})
        swarm.wait_for(lambda: note_count(swarm, second) == 1, 30, "the note")
        swarm.wait_for(lambda: pulls(second) > idle, 30, "a pull of the topic that moved")
