"""Addresses: a wildcard listen announces the interfaces; what we keep of a peer's is
dialable; py-libp2p's auto-connector never starts."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from node import wire
from node.config.settings import load_config
from node.net.addresses import dialable, expand, interface_ips
from node.net.host import P2PNode
from node.net.identity import Identity

ID = "12D3KooWAmQZA6RXCVfcMFwFxXZMR6bZ4V3vqFG7DqupDUmo1VZp"


def fake_ips(family: str) -> list[str]:
    return ["10.77.0.2", "192.168.1.5"] if family == "ip4" else ["2001:db8::5"]


def test_a_wildcard_becomes_one_address_per_interface() -> None:
    got = expand(["/ip4/0.0.0.0/tcp/4001", "/ip6/::/tcp/4001", "/ip4/127.0.0.1/tcp/9"], fake_ips)
    assert got == [
        "/ip4/10.77.0.2/tcp/4001",
        "/ip4/192.168.1.5/tcp/4001",
        "/ip6/2001:db8::5/tcp/4001",
        "/ip4/127.0.0.1/tcp/9",
    ]


def test_loopback_is_announced_only_when_there_is_no_other_interface() -> None:
    assert interface_ips("ip4", lambda v: ["127.0.0.1", "10.0.0.3"]) == ["10.0.0.3"]
    assert interface_ips("ip4", lambda v: []) == ["127.0.0.1"]
    assert interface_ips("ip6", lambda v: ["::1"]) == ["::1"]


def test_dialable_drops_wildcards_suffixes_junk_and_caps_the_count() -> None:
    raw = [
        f"/ip4/10.0.0.1/tcp/1/p2p/{ID}",
        "/ip4/0.0.0.0/tcp/1",
        "/ip6/::/tcp/1",
        "/ip4/224.0.0.1/tcp/1",
        "/ip4/10.0.0.1/udp/1/quic-v1",
        "/ip4/999.0.0.1/tcp/1",
        "/dns4/node.example/tcp/4001",
        *(f"/ip4/10.0.1.{i}/tcp/1" for i in range(10)),
    ]
    assert dialable(raw) == [
        "/ip4/10.0.0.1/tcp/1",
        "/dns4/node.example/tcp/4001",
        "/ip4/10.0.1.0/tcp/1",
        "/ip4/10.0.1.1/tcp/1",
    ]


@pytest.mark.network
def test_hosts_on_the_wildcard_announce_dial_and_observe_real_addresses(tmp_path: Path) -> None:
    async def no_sync(request: wire.SyncRequest, peer: str) -> wire.SyncResponse:
        return wire.SyncResponse(wire.WIRE_VERSION, [], request.cursor, False)

    async def no_records(records: list[wire.SignedRecord], source: str) -> int:
        return 0

    async def main() -> None:
        nodes = []
        async with trio.open_nursery() as nursery:
            for name in ("a", "b"):
                config = load_config(
                    None, data_dir=str(tmp_path / name), listen=["/ip4/0.0.0.0/tcp/0"]
                )
                node = P2PNode(
                    config,
                    Identity.generate(),
                    on_records=no_records,
                    serve_sync=no_sync,
                    log=logging.getLogger("test"),
                )
                await nursery.start(node.serve, [wire.NOTES_TOPIC])
                nodes.append(node)
            a, b = nodes
            addrs = a.listen_addrs()
            assert addrs and not any("/0.0.0.0/" in x for x in addrs), addrs
            assert all(x.endswith(f"/p2p/{a.peer_id}") for x in addrs)
            assert a.status().listen_addrs == addrs
            # py-libp2p's auto-connector never started: it would redial the peerstore
            assert not a.host.get_network().auto_connector._started
            await b.connect(addrs[0])  # an announced address is dialable
            with trio.fail_after(10):  # identify: what each saw; liveness: a ping RTT
                while not (a.status().observed_addrs and a.peer_id in b.liveness.rtt_ms):
                    await trio.sleep(0.1)
            assert b.peer_addrs(a.peer_id) == [x.split("/p2p/")[0] for x in addrs][:4]
            assert b.remote_ips(a.peer_id) == {addrs[0].split("/")[2]}
            nursery.cancel_scope.cancel()

    trio.run(main)
