"""Nothing a peer sends takes the node down: junk on every protocol it accepts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from bench.runtime.attacker import Attacker, bad_signature_rpc, payloads
from node.cli.services import default_services
from node.config.settings import load_config
from node.runtime.daemon import Daemon
from node.wire import NOTES_TOPIC

pytestmark = [pytest.mark.network, pytest.mark.integration]


def _accepted_protocols(daemon: Daemon) -> list[str]:
    handlers = daemon.p2p.host.get_mux().handlers
    return sorted(str(p) for p in handlers if p is not None)


async def _honest_note_arrives(victim: Daemon, honest: Daemon, text: str) -> None:
    """An honest peer's note still reaches the victim (by gossip or by catch-up)."""
    before = (await victim.db(victim.store.topics)).get(NOTES_TOPIC, 0)
    await honest.control.handle("publish", {"text": text})
    with trio.move_on_after(30):
        while (await victim.db(victim.store.topics)).get(NOTES_TOPIC, 0) <= before:
            await trio.sleep(0.1)
        return
    raise AssertionError(
        f"no honest note; honest {honest.peer_id}: {honest.p2p.status().connected_peers}"
        f" victim: {victim.p2p.status()}"
    )


def test_junk_on_every_protocol_leaves_the_node_up_and_serving(tmp_path: Path) -> None:
    victim_cfg = load_config(None, data_dir=str(tmp_path / "victim"))
    honest_cfg = load_config(None, data_dir=str(tmp_path / "honest"))
    victim = Daemon(victim_cfg, default_services(victim_cfg))
    honest = Daemon(honest_cfg)
    tried: list[str] = []

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(victim.run)
            await nursery.start(honest.run)
            addr = f"{victim.p2p.listen_addrs()[0]}/p2p/{victim.peer_id}"
            await honest.p2p.connect(addr)
            await _honest_note_arrives(victim, honest, "before")
            protocols = _accepted_protocols(victim)
            assert any(p.startswith("/meshsub") for p in protocols), protocols
            assert "/byteswarm/rpc/1.0.0" in protocols, protocols
            for seed, protocol in enumerate(protocols):
                for name, data in payloads(protocol, seed).items():
                    async with Attacker().running(addr) as attacker:
                        if await attacker.send(protocol, data):
                            tried.append(f"{protocol}:{name}")
                await trio.sleep(0)
            await trio.sleep(1.0)
            await _honest_note_arrives(victim, honest, "still here")
            nursery.cancel_scope.cancel()

    trio.run(main)
    assert len(tried) >= 6 * 8, tried
    logging.getLogger(__name__).info("tried %d frames", len(tried))


def test_a_bad_signature_flooder_is_counted_banned_and_disconnected(tmp_path: Path) -> None:
    """Copies of a message with a broken libp2p signature cost the sender its connection."""
    config = load_config(None, data_dir=str(tmp_path / "victim"))
    victim = Daemon(config)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(victim.run)
            addr = f"{victim.p2p.listen_addrs()[0]}/p2p/{victim.peer_id}"
            async with Attacker().running(addr) as attacker:
                frame = bad_signature_rpc(
                    attacker.host.get_id().to_bytes(), NOTES_TOPIC, b"\x92\x01\x90", 50
                )
                started = trio.current_time()
                with trio.move_on_after(20):
                    stream = None
                    while attacker.connected():
                        # a stream the victim reset is reopened, as a real flooder would
                        if stream is None:
                            stream = await attacker.stall("/meshsub/1.1.0", b"")
                        try:
                            await stream.write(frame)
                        except Exception:
                            stream = None
                        await trio.sleep(0.05)
                took = trio.current_time() - started
                guard = victim.p2p.guard
                assert guard.rejections[attacker.peer_id]["bad_signature"] >= 10
                assert guard.banned(attacker.peer_id)
                assert not attacker.connected(), "the flooder is still connected after 20 s"
                assert took < 10, f"banned only after {took:.1f} s"
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_stalled_requests_are_blamed_at_the_read_deadline_not_the_answer_deadline(
    tmp_path: Path,
) -> None:
    """A request frame begun and never finished costs its sender at
    ``request_read_timeout``, well before the ``[sync] timeout`` an answer may take."""
    config = load_config(None, data_dir=str(tmp_path / "victim"))
    assert config.peer_limits.request_read_timeout < config.sync.timeout
    victim = Daemon(config)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(victim.run)
            addr = f"{victim.p2p.listen_addrs()[0]}/p2p/{victim.peer_id}"
            async with Attacker().running(addr) as attacker:
                guard = victim.p2p.guard
                started = trio.current_time()
                held = []
                for i in range(40):
                    protocol = ("/byteswarm/rpc/1.0.0", "/byteswarm/sync/2.0.0")[i % 2]
                    held.append(await attacker.stall(protocol, payloads(protocol, i)["truncated"]))
                assert any(s is not None for s in held)
                with trio.move_on_after(config.sync.timeout):
                    while not guard.graylisted(attacker.peer_id):
                        await trio.sleep(0.1)
                took = trio.current_time() - started
                assert guard.rejections[attacker.peer_id]["request_error"] >= 20
                assert guard.graylisted(attacker.peer_id)
                assert took < config.peer_limits.request_read_timeout + 3.0, took
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_an_invalid_gossip_flooder_is_graylisted_and_honest_gossip_flows(tmp_path: Path) -> None:
    """Correctly signed gossip whose records are invalid: graylisted within 10 s."""
    victim_cfg = load_config(None, data_dir=str(tmp_path / "victim"))
    honest_cfg = load_config(None, data_dir=str(tmp_path / "honest"))
    rogue_cfg = load_config(None, data_dir=str(tmp_path / "rogue"))
    victim, honest, rogue = Daemon(victim_cfg), Daemon(honest_cfg), Daemon(rogue_cfg)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            for daemon in (victim, honest, rogue):
                await nursery.start(daemon.run)
            addr = f"{victim.p2p.listen_addrs()[0]}/p2p/{victim.peer_id}"
            await honest.p2p.connect(addr)
            await rogue.p2p.connect(addr)
            # The rogue skips its own validator so its garbage actually leaves the host.
            rogue.p2p.pubsub.remove_topic_validator(NOTES_TOPIC)
            with trio.fail_after(15):
                while rogue.peer_id not in [
                    p.to_base58() for p in victim.p2p.gossipsub.mesh.get(NOTES_TOPIC, ())
                ]:
                    await trio.sleep(0.1)
            started = trio.current_time()
            with trio.move_on_after(15):
                n = 0
                while not victim.p2p.guard.graylisted(rogue.peer_id):
                    await rogue.p2p.pubsub.publish(NOTES_TOPIC, b"\xc1junk%d" % n)
                    n += 1
                    await trio.sleep(0.02)
            took = trio.current_time() - started
            assert victim.p2p.guard.graylisted(rogue.peer_id), victim.p2p.guard.status()
            assert took < 10, f"graylisted only after {took:.1f} s"
            assert not victim.p2p.guard.graylisted(honest.peer_id)
            await _honest_note_arrives(victim, honest, "after the flood")
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_metrics_endpoint_serves_our_counters_and_libp2p_metrics(tmp_path: Path) -> None:
    """``[metrics] listen`` serves Prometheus text on the operator's address only."""
    import socket
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    (tmp_path / "m.toml").write_text(f'[metrics]\nlisten = "127.0.0.1:{port}"\n')
    a = Daemon(load_config(tmp_path / "m.toml", data_dir=str(tmp_path / "a")))
    b = Daemon(load_config(None, data_dir=str(tmp_path / "b")))
    pages: list[str] = []

    def scrape() -> None:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as page:
            pages.append(page.read().decode())

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(a.run)
            await nursery.start(b.run)
            await b.p2p.connect(f"{a.p2p.listen_addrs()[0]}/p2p/{a.peer_id}")
            await b.control.handle("publish", {"text": "metered"})
            await trio.sleep(2.0)
            await trio.to_thread.run_sync(scrape)
            nursery.cancel_scope.cancel()

    trio.run(main)
    text = pages[0]
    assert "byteswarm_peers_connected 1.0" in text, text[:2000]
    assert 'byteswarm_events_total{name="gossip_messages_in"}' in text, text[:2000]
    assert "gossipsub" in text, "py-libp2p's gossipsub metrics are missing"
