"""Nothing a peer sends takes the node down: junk on every protocol it accepts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from bench.attacker import Attacker, payloads
from node.config import load_config
from node.daemon import NOTES_TOPIC, Daemon
from node.services import default_services

pytestmark = [pytest.mark.network, pytest.mark.integration]


def _accepted_protocols(daemon: Daemon) -> list[str]:
    handlers = daemon.p2p.host.get_mux().handlers
    return sorted(str(p) for p in handlers if p is not None)


async def _honest_note_arrives(victim: Daemon, honest: Daemon, text: str) -> None:
    """An honest peer's note still reaches the victim (by gossip or by catch-up)."""
    before = (await victim.db(victim.store.topics)).get(NOTES_TOPIC, 0)
    await honest.handle_control("publish", {"text": text})
    with trio.move_on_after(30):
        while (await victim.db(victim.store.topics)).get(NOTES_TOPIC, 0) <= before:
            await trio.sleep(0.1)
        return
    raise AssertionError(
        f"no honest note; honest {honest.peer_id}: {honest.p2p.status()['connected_peers']}"
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
