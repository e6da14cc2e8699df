"""Request channels: one stream per peer carries exchange after exchange (node/net/rpc.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
import trio
from libp2p.custom_types import TProtocol

from node import wire
from node.net.host import P2PError, P2PNode
from node.net.rpc_serve import RPC_PROTOCOL
from tests.node.net.echo_pair import ECHO, echo_pair

pytestmark = [pytest.mark.network]


@asynccontextmanager
async def pair(tmp: Path, timeout: float = 10.0) -> AsyncIterator[tuple[P2PNode, P2PNode]]:
    """A server answering ECHO (data × 2; b"slow" sleeps first) and a connected client."""

    async def echo(data: bytes, peer: str) -> bytes:
        if data == b"slow":
            await trio.sleep(timeout * 0.75)
        if data == b"boom":
            raise RuntimeError("handler bug")
        return data * 2

    sync = {"sync": {"timeout": timeout}}
    async with echo_pair(tmp, echo, sync, sync) as nodes:
        yield nodes


def test_exchanges_share_one_channel_and_a_bad_exchange_only_costs_the_channel(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        async with pair(tmp_path) as (server, client):
            peer = server.peer_id
            for i in range(20):
                assert await client.request(peer, ECHO, bytes([i]), 16) == bytes([i]) * 2
            assert client.counters["rpc_channels_opened"] == 1
            assert server.counters["test_echo_1_served"] == 20
            # A handler's error is answered with its reason: the channel stays.
            with pytest.raises(P2PError, match="handler bug"):
                await client.request(peer, ECHO, b"boom", 1024)
            with pytest.raises(P2PError, match="over 1024 bytes"):
                await client.request(peer, ECHO, b"x" * 1100, 1 << 20)
            with pytest.raises(P2PError, match="no handler"):
                await client.request(peer, "/test/unknown/1", b"x", 16)
            assert client.counters["rpc_channels_opened"] == 1
            with pytest.raises(wire.WireError, match="exceeds"):  # read whole, then refused
                await client.request(peer, ECHO, b"x" * 50, 16)
            assert client.counters["rpc_channels_opened"] == 1
            # An answer over what we read leaves unread bytes: that channel is closed.
            with pytest.raises(wire.WireError, match="exceeds"):
                await client.request(peer, ECHO, b"x" * 500, 16)
            assert await client.request(peer, ECHO, b"ok", 16) == b"okok"
            assert client.counters["rpc_channels_opened"] == 2

    trio.run(main)


def test_a_busy_channel_sends_the_next_request_on_a_stream_of_its_own(tmp_path: Path) -> None:
    async def main() -> None:
        async with pair(tmp_path, timeout=4.0) as (server, client):
            peer = server.peer_id
            answers: list[bytes] = []

            async def ask(data: bytes) -> None:
                answers.append(await client.request(peer, ECHO, data, 64))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(ask, b"slow")  # holds the channel for 3 s
                await trio.sleep(0.2)
                nursery.start_soon(ask, b"quick")  # waits 2 s for it, then its own stream
            # Waiting for the channel instead would answer "quick" after "slow".
            assert answers == [b"quickquick", b"slowslow"]
            assert client.counters["rpc_channels_opened"] == 1
            assert server.counters["test_echo_1_served"] == 2

    trio.run(main)


def test_a_peer_without_channels_is_asked_on_a_stream_per_request(tmp_path: Path) -> None:
    async def main() -> None:
        async with pair(tmp_path) as (server, client):
            server.host.remove_stream_handler(TProtocol(RPC_PROTOCOL))  # an older node
            assert await client.request(server.peer_id, ECHO, b"ab", 16) == b"abab"
            assert client.counters["rpc_channels_opened"] == 0

    trio.run(main)


def test_a_kept_channel_found_broken_is_replaced_and_the_request_sent_again(
    tmp_path: Path,
) -> None:
    async def main() -> None:
        async with pair(tmp_path) as (server, client):
            peer = server.peer_id
            assert await client.request(peer, ECHO, b"a", 16) == b"aa"
            # What a reconnect leaves behind: the kept stream is dead, nobody said so.
            await client.requests._channels[peer].stream.reset()
            assert await client.request(peer, ECHO, b"b", 16) == b"bb"
            assert client.counters["rpc_channels_lost"] == 1
            assert client.counters["rpc_channels_opened"] == 2

    trio.run(main)
