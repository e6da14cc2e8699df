"""A peer restarts with the same key while its old connection lingers, silent (issue 21).

What a crash, a cut link or an isolated node restarting looks like from here: no FIN ever
arrives, so we hold the old connection and the new one to the same peer id. py-libp2p opens
new streams on the old one (it has more streams), so requests went into the void until
something closed it, and liveness, pinging by peer id, might never close it. The old link
runs through a relay the test freezes: the relay keeps both sockets open and forwards
nothing, as a dead peer behind a live TCP connection does.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from node import wire
from node.config.settings import load_config
from node.net.host import P2PNode
from node.net.identity import Identity
from node.net.streams import live_connections
from tests.node.net.echo_pair import ECHO, ignore, no_sync

pytestmark = [pytest.mark.network]


class FreezingRelay:
    """A TCP relay to ``port`` that can stop forwarding without closing anything."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.frozen = trio.Event()
        self.listen_port = 0

    async def serve(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
        self.listen_port = listeners[0].socket.getsockname()[1]
        task_status.started()
        await trio.serve_listeners(self._relay, listeners)

    async def _relay(self, inbound: trio.SocketStream) -> None:
        outbound = await trio.open_tcp_stream("127.0.0.1", self.port)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._pump, inbound, outbound)
            nursery.start_soon(self._pump, outbound, inbound)

    async def _pump(self, source: trio.SocketStream, sink: trio.SocketStream) -> None:
        with trio.move_on_after(3600):
            while not self.frozen.is_set():
                with trio.move_on_after(0.05):
                    data = await source.receive_some(65536)
                    if not data:
                        return
                    if self.frozen.is_set():
                        break
                    await sink.send_all(data)
            await trio.sleep_forever()  # frozen: hold both sockets open, forward nothing


def _node(tmp: Path, name: str, identity: Identity, **overrides: object) -> P2PNode:
    config = load_config(None, data_dir=str(tmp / name), **overrides)
    log = logging.getLogger(f"test.{name}")
    return P2PNode(config, identity, on_records=ignore, serve_sync=no_sync, log=log)


async def _echo(data: bytes, peer: str) -> bytes:
    return data * 2


def test_a_peer_restarted_with_its_key_is_asked_on_its_new_connection(tmp_path: Path) -> None:
    key = Identity.generate()
    liveness = {"liveness": {"ping_interval": 0.5, "ping_timeout": 4.0}}
    client = _node(tmp_path, "client", Identity.generate(), **liveness)
    first = _node(tmp_path, "first", key)
    second = _node(tmp_path, "second", key)  # the same key, restarted
    peer = first.peer_id

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(client.serve, [wire.NOTES_TOPIC])
            async with trio.open_nursery() as old:
                await old.start(first.serve, [wire.NOTES_TOPIC])
                first.handle(ECHO, _echo, max_request_bytes=1024)
                port = int(first.listen_addrs()[0].split("/tcp/")[1].split("/")[0])
                relay = FreezingRelay(port)
                await nursery.start(relay.serve)
                await client.connect(f"/ip4/127.0.0.1/tcp/{relay.listen_port}/p2p/{peer}")
                assert await client.request(peer, ECHO, b"a", 16) == b"aa"
                relay.frozen.set()  # from here the old link is silent, never closed
                old.cancel_scope.cancel()
            await nursery.start(second.serve, [wire.NOTES_TOPIC])
            second.handle(ECHO, _echo, max_request_bytes=1024)
            await second.connect(client.listen_addrs()[0])  # it dials us, as on a restart
            stale, fresh = live_connections(client.host, peer)
            pings = client.counters["pings"]

            start = trio.current_time()
            with trio.fail_after(5):  # the request deadline is 10 s: not a timeout and a retry
                assert await client.request(peer, ECHO, b"b", 16) == b"bb"
            assert trio.current_time() - start < 1.5  # liveness needs 4 s to close the old one
            assert client.counters["rpc_channels_moved"] == 1
            assert second.counters["test_echo_1_served"] == 1

            # Each connection is pinged on its own: the new one answers while the old is
            # silent (one pinger per peer id waited on the old connection's stream).
            with trio.fail_after(2):
                while client.counters["pings"] < pings + 2:
                    await trio.sleep(0.05)
            # Liveness closes the silent connection alone, within interval + timeout.
            with trio.fail_after(10):
                while len(live_connections(client.host, peer)) > 1:
                    await trio.sleep(0.1)
            assert stale.is_closed and live_connections(client.host, peer) == [fresh]
            assert client.counters["peers_dead"] == 1
            assert await client.request(peer, ECHO, b"c", 16) == b"cc"
            nursery.cancel_scope.cancel()

    trio.run(main)


def test_a_stopped_node_closes_its_connections(tmp_path: Path) -> None:
    """py-libp2p's own shutdown left the sockets open (a peer then held a silent connection
    until its pings gave up); the peer sees the connection go at once."""
    server = _node(tmp_path, "server", Identity.generate())
    client = _node(tmp_path, "client", Identity.generate())

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            await nursery.start(server.serve, [wire.NOTES_TOPIC])
            async with trio.open_nursery() as inner:
                await inner.start(client.serve, [wire.NOTES_TOPIC])
                await client.connect(server.listen_addrs()[0])
                with trio.fail_after(5):
                    while client.peer_id not in server.connected_peers():
                        await trio.sleep(0.05)
                inner.cancel_scope.cancel()
            with trio.fail_after(3):  # liveness would take 3 + 8 s
                while client.peer_id in server.connected_peers():
                    await trio.sleep(0.05)
            nursery.cancel_scope.cancel()

    trio.run(main)
