"""One author, one log across daemons on loopback: a node that lost its store continues
above the seq its peers hold, and a second node with the same key is caught."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import trio

from node import wire
from node.config.settings import STORE_FILE, load_config
from node.net import host as host_module
from node.net.identity import KEY_FILE
from node.net.streams import live_connections
from node.runtime.daemon import Daemon
from node.runtime.equivocation import TWIN_PROBLEM, TwinDetected
from node.store.publish_mark import MARK_FILE

pytestmark = [pytest.mark.network, pytest.mark.integration]
TOPIC = wire.NOTES_TOPIC


def _daemon(data_dir: Path, **overrides: object) -> Daemon:
    sync = {"interval": 0.2, "idle_max_interval": 0.5}
    return Daemon(load_config(None, data_dir=str(data_dir), sync=sync, **overrides))


def _note(text: str) -> bytes:
    return wire.encode(wire.Note(wire.WIRE_VERSION, text, 0.0))


async def _addr(daemon: Daemon) -> str:
    return f"{daemon.p2p.listen_addrs()[0]}/p2p/{daemon.peer_id}"


async def _own_seqs(holder: Daemon, author: bytes) -> list[int]:
    rows = await holder.db(holder.store.records_since, TOPIC, 0, 100, 1 << 20)
    return sorted(r.seq for r in rows[0] if bytes(r.author) == author)


async def _until(condition: object, seconds: float = 60.0) -> None:
    """Wait for ``condition``: correctness, not speed, is tested here (a loaded CI box
    took 20 s and more for what an idle one does in 2)."""
    with trio.fail_after(seconds):
        while not await condition():  # type: ignore[operator]
            await trio.sleep(0.1)


@pytest.mark.parametrize("ending", ["stopped", "crashed"])
def test_a_lost_store_publishes_above_what_peers_hold_and_it_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str
) -> None:
    """``crashed``: the old node never closes its connection (no FIN reaches the peer, as
    after a crash or a restart while isolated): the peer holds it, silent, next to the
    new one, and must ask the restarted node over the new one (issue 21)."""
    peer_dir, node_dir = tmp_path / "peer", tmp_path / "node"

    async def main() -> None:
        # crashed: liveness would close the silent connection only after the test
        patient = {"liveness": {"ping_timeout": 120.0}} if ending == "crashed" else {}
        crashed: list[object] = []
        peer = _daemon(peer_dir, **patient)
        async with trio.open_nursery() as nursery:
            await nursery.start(peer.run)
            node = _daemon(node_dir)
            author = node.identity.public_key
            async with trio.open_nursery() as inner:
                await inner.start(node.run)
                await node.p2p.connect(await _addr(peer))
                for i in range(3):
                    await node.publish_local(TOPIC, _note(f"before {i}"))
                await _until(lambda: _seq_count(peer, author, 3))
                if ending == "crashed":
                    monkeypatch.setattr(host_module, "hang_up", _leave_sockets_open)
                    # held, or the garbage collector closes the sockets when it runs
                    crashed = node.p2p.host.get_network().get_connections()
                inner.cancel_scope.cancel()
            monkeypatch.undo()
            # The store and the publish mark are gone; the key is left (or was copied).
            for name in (STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm", MARK_FILE):
                (node_dir / name).unlink(missing_ok=True)
            node = _daemon(node_dir)
            assert node.recovery.needed
            async with trio.open_nursery() as inner:
                await inner.start(node.run)
                await node.p2p.connect(await _addr(peer))
                record = await node.publish_local(TOPIC, _note("after the loss"))
                assert record.seq == 3  # not 0: the peer held #0-#2
                assert node.recovery.status().state == "done"
                await _until(lambda: _seq_count(peer, author, 4))
                if ending == "crashed":  # asked over the new connection, the old one still up
                    assert peer.p2p.counters["rpc_channels_moved"] >= 1
                    assert len(live_connections(peer.p2p.host, node.peer_id)) == 2
                    assert crashed  # still held
                assert await _own_seqs(peer, author) == [0, 1, 2, 3]
                assert peer.equivocation.status().total == 0
                await node.status_report.write()
                events = [e.message for e in await node.db(node.store.recent_events, 20)]
                assert any("own-log recovery: 1 peer(s) answered" in m for m in events)
                inner.cancel_scope.cancel()
            nursery.cancel_scope.cancel()

    trio.run(main)


async def _leave_sockets_open(host: object, within: float = 2.0) -> None:
    return None


async def _seq_count(holder: Daemon, author: bytes, n: int) -> bool:
    return len(await _own_seqs(holder, author)) >= n


def test_no_peer_answering_is_said_and_publishing_goes_on(tmp_path: Path) -> None:
    node_dir = tmp_path / "node"
    first = _daemon(node_dir)
    first.store.close()
    node = _daemon(node_dir, authorlog={"recovery_timeout": 0.5})
    assert node.recovery.needed  # the key existed; the store holds nothing of ours

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(node.run)
            record = await node.publish_local(TOPIC, _note("alone"))
            assert record.seq == 0
            assert node.recovery.status().state == "no answer"
            await node.status_report.write()
            events = [e.message for e in await node.db(node.store.recent_events, 20)]
            assert any("no peer answered within 0.5 s" in m for m in events)
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_a_second_node_with_the_same_key_is_detected_and_refused(tmp_path: Path) -> None:
    """Two devices with one key behind two relays (libp2p routes one peer id to one host,
    so each twin has its own relay, as on two networks)."""
    a_dir, twin_dir = tmp_path / "a", tmp_path / "twin"

    async def main() -> None:
        # No peer exchange: with it, ``a`` and ``far`` would meet directly and the twin
        # could not hide behind its own relay (the case this test is about).
        alone = {"discovery": {"enabled": False}}
        near, far = _daemon(tmp_path / "near", **alone), _daemon(tmp_path / "far", **alone)
        a = _daemon(a_dir, **alone)
        twin_dir.mkdir()
        shutil.copy2(a_dir / KEY_FILE, twin_dir / KEY_FILE)  # the key copied to a device
        async with trio.open_nursery() as nursery:
            for daemon in (near, far, a):
                await nursery.start(daemon.run)
            await far.p2p.connect(await _addr(near))
            await a.p2p.connect(await _addr(near))
            for i in range(2):
                await a.publish_local(TOPIC, _note(f"a {i}"))
            author = a.identity.public_key
            await _until(lambda: _seq_count(far, author, 2))
            twin = _daemon(twin_dir, **alone)
            await nursery.start(twin.run)
            await twin.p2p.connect(await _addr(far))
            record = await twin.publish_local(TOPIC, _note("the twin"))
            assert record.seq == 2  # it asked first, so it does not fork below a's head
            await _until(lambda: _has_twin(a), 30)
            with pytest.raises(TwinDetected, match=TWIN_PROBLEM):
                await a.publish_local(TOPIC, _note("refused"))
            await a.status_report.write()
            errors = [e for e in await a.db(a.store.recent_events, 50) if e.level == "error"]
            assert len(errors) == 1 and TWIN_PROBLEM in errors[0].message
            assert TWIN_PROBLEM in str(a.status_report.snapshot(running=True).equivocation.twin)
            nursery.cancel_scope.cancel()

    trio.run(main)


async def _has_twin(daemon: Daemon) -> bool:
    return daemon.equivocation.twin is not None
