"""In-process libp2p tests: security, hostile gossip, validator faults, clean shutdown."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import msgspec
import pytest
import trio
from libp2p import new_host
from libp2p.crypto.ed25519 import create_new_key_pair
from libp2p.custom_types import TProtocol
from libp2p.peer.peerinfo import info_from_p2p_addr
from libp2p.security.insecure.transport import PLAINTEXT_PROTOCOL_ID, InsecureTransport

from node import wire
from node.config.settings import load_config
from node.net.host import P2PError, P2PNode, parse_multiaddr
from node.net.identity import Identity

pytestmark = [pytest.mark.network]
TOPIC = wire.NOTES_TOPIC


class Inbox:
    def __init__(self) -> None:
        self.records: list[wire.SignedRecord] = []

    async def on_records(self, records: list[wire.SignedRecord], source: str) -> None:
        self.records.extend(records)


async def _no_sync(request: wire.SyncRequest, peer: str) -> wire.SyncResponse:
    return wire.SyncResponse(wire.WIRE_VERSION, [], request.cursor, False)


@asynccontextmanager
async def running(tmp: Path, name: str) -> AsyncIterator[tuple[P2PNode, Inbox, Identity]]:
    config = load_config(None, data_dir=str(tmp / name))
    identity = Identity.generate()
    inbox = Inbox()
    node = P2PNode(
        config,
        identity,
        on_records=inbox.on_records,
        serve_sync=_no_sync,
        log=logging.getLogger(f"test.{name}"),
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(node.serve, [TOPIC])
        yield node, inbox, identity
        nursery.cancel_scope.cancel()


def note(identity: Identity, seq: int, text: str = "hi", value: float = 1.0) -> wire.SignedRecord:
    body = wire.encode(wire.Note(wire.WIRE_VERSION, text, value))
    return wire.sign_record(identity.seed, TOPIC, seq, 1_700_000_000_000 + seq, body)


def batch(*records: wire.SignedRecord) -> bytes:
    return wire.encode(wire.RecordBatch(wire.WIRE_VERSION, list(records)))


async def meshed(a: P2PNode, b: P2PNode) -> None:
    await a.connect(b.listen_addrs()[0])
    with trio.fail_after(15):
        while not (a.gossipsub.mesh.get(TOPIC) and b.gossipsub.mesh.get(TOPIC)):
            await trio.sleep(0.1)


def test_plaintext_only_peer_is_refused(tmp_path: Path) -> None:
    async def main() -> None:
        async with running(tmp_path, "victim") as (victim, _, _):
            key_pair = create_new_key_pair()
            plain = new_host(
                key_pair=key_pair,
                sec_opt={TProtocol(PLAINTEXT_PROTOCOL_ID): InsecureTransport(key_pair)},
            )
            async with plain.run([parse_multiaddr("/ip4/127.0.0.1/tcp/0")]):
                info = info_from_p2p_addr(parse_multiaddr(victim.listen_addrs()[0]))
                with pytest.raises(Exception), trio.fail_after(15):  # noqa: B017
                    await plain.connect(info)
                assert plain.get_network().connections.get(info.peer_id) is None
                assert victim.connected_peers() == []
            await plain.close()

    trio.run(main)


def test_hostile_gossip_is_rejected_and_valid_gossip_still_flows(tmp_path: Path) -> None:
    async def main() -> None:
        async with (
            running(tmp_path, "victim") as (victim, inbox, _),
            running(tmp_path, "rogue") as (rogue, _, rogue_id),
        ):
            # The rogue skips its own validator so its garbage actually leaves the host.
            rogue.pubsub.remove_topic_validator(TOPIC)
            await meshed(rogue, victim)
            other = Identity.generate()
            good = note(rogue_id, 0)
            extra = msgspec.msgpack.encode([1, [[*list(msgspec.structs.astuple(good)), b"x"]]])
            nan_body = msgspec.msgpack.encode([wire.WIRE_VERSION, "nan", float("nan")])
            nan_note = wire.sign_record(rogue_id.seed, TOPIC, 1, 1, nan_body)
            tampered = msgspec.structs.replace(note(rogue_id, 2), body=b"\x93\x01\xa1x\x01")
            hostile = [
                b"\xc1not msgpack",  # malformed
                b"\x00" * (wire.MAX_BATCH_BYTES + 10),  # oversize
                batch(nan_note),  # NaN-bearing body
                extra,  # extra field
                batch(note(other, 3)),  # signed by a key that is not the gossip signer
                batch(tampered),  # author signature broken
            ]
            for payload in hostile:
                await rogue.pubsub.publish(TOPIC, payload)
                await trio.sleep(0.05)
            await rogue.pubsub.publish(TOPIC, batch(good))
            with trio.fail_after(10):
                while not inbox.records:
                    await trio.sleep(0.05)
            await trio.sleep(0.5)
            assert inbox.records == [good]
            assert victim.counters["rejected_invalid"] >= 5, victim.counters

    trio.run(main)


def test_a_raising_validator_cannot_kill_the_node(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real_check = wire.check_record

    def flaky_check(record: wire.SignedRecord) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("validator bug")
        real_check(record)

    async def main() -> None:
        async with (
            running(tmp_path, "victim") as (victim, inbox, _),
            running(tmp_path, "peer") as (peer, _, peer_id),
        ):
            await meshed(peer, victim)
            monkeypatch.setattr(wire, "check_record", flaky_check)
            peer.pubsub.remove_topic_validator(TOPIC)
            await peer.pubsub.publish(TOPIC, batch(note(peer_id, 0)))
            await trio.sleep(0.5)
            await peer.pubsub.publish(TOPIC, batch(note(peer_id, 1)))
            with trio.fail_after(10):
                while not inbox.records:
                    await trio.sleep(0.05)
            assert [r.seq for r in inbox.records] == [1]
            assert victim.counters["rejected_validator_error"] == 1

    trio.run(main)


def test_paced_publisher_delivers_every_record_in_batches(tmp_path: Path) -> None:
    async def main() -> None:
        async with (
            running(tmp_path, "a") as (a, _, a_id),
            running(tmp_path, "b") as (b, inbox, _),
        ):
            await meshed(a, b)
            sent = [note(a_id, i) for i in range(500)]
            for record in sent:
                a.publish(record)
            with trio.fail_after(30):
                while len(inbox.records) < len(sent):
                    await trio.sleep(0.05)
            assert sorted(r.seq for r in inbox.records) == list(range(500))
            # 500 records left in far fewer gossip messages than records.
            assert a.counters["gossip_messages_out"] <= 500 // 16

    trio.run(main)


def test_shutdown_leaves_no_thread_behind(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}

    async def main() -> None:
        async with running(tmp_path, "solo"):
            await trio.sleep(0.2)

    trio.run(main)
    deadline = time.monotonic() + 5
    leftover: list[Any] = []
    while time.monotonic() < deadline:
        # trio's idle worker-thread cache is daemonic and reused; anything else is a leak.
        leftover = [
            t
            for t in threading.enumerate()
            if t.ident not in before and not t.name.startswith("Trio thread")
        ]
        if not leftover:
            break
        time.sleep(0.1)
    assert leftover == []


def test_request_response_bounds_and_survives_a_failing_handler(tmp_path: Path) -> None:
    async def echo(data: bytes, peer: str) -> bytes:
        if data == b"boom":
            raise RuntimeError("handler bug")
        return data * 2

    async def main() -> None:
        async with (
            running(tmp_path, "server") as (server, _, _),
            running(tmp_path, "client") as (client, _, _),
        ):
            server.handle("/test/echo/1", echo, max_request_bytes=1024)
            await client.connect(server.listen_addrs()[0])
            peer = server.peer_id
            assert await client.request(peer, "/test/echo/1", b"ab", 16) == b"abab"
            with pytest.raises(wire.WireError, match="exceeds"):  # oversize response refused
                await client.request(peer, "/test/echo/1", b"x" * 100, 16)
            with pytest.raises(P2PError):  # oversize request: the server hangs up
                await client.request(peer, "/test/echo/1", b"x" * 2000, 1 << 20)
            with pytest.raises(P2PError):  # a raising handler closes the stream, nothing more
                await client.request(peer, "/test/echo/1", b"boom", 1024)
            assert await client.request(peer, "/test/echo/1", b"ok", 16) == b"okok"
            assert server.counters["test_echo_1_errors"] == 2

    trio.run(main)


def test_a_request_to_a_peer_we_closed_fails_instead_of_dialing_it(tmp_path: Path) -> None:
    """py-libp2p dials a peer to open a stream to it; ours do not (connector.py): a request
    that starts just after the connection manager closed a link must not reopen it."""

    async def echo(data: bytes, peer: str) -> bytes:
        return data

    async def main() -> None:
        async with (
            running(tmp_path, "server") as (server, _, _),
            running(tmp_path, "client") as (client, _, _),
        ):
            server.handle("/test/echo/1", echo, max_request_bytes=1024)
            await client.connect(server.listen_addrs()[0])
            assert await client.request(server.peer_id, "/test/echo/1", b"a", 16) == b"a"
            await client.links.close(server.peer_id)
            with trio.fail_after(5):
                while server.peer_id in client.connected_peers():
                    await trio.sleep(0.05)
            with pytest.raises(P2PError, match="not connected"):
                await client.request(server.peer_id, "/test/echo/1", b"b", 16)
            await trio.sleep(0.5)
            assert server.peer_id not in client.connected_peers()
            assert client.peer_id not in server.connected_peers()
            await client.connect(server.listen_addrs()[0])  # an explicit dial still works
            assert await client.request(server.peer_id, "/test/echo/1", b"c", 16) == b"c"

    trio.run(main)
