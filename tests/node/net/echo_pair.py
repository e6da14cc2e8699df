"""Two bare ``P2PNode`` hosts on 127.0.0.1, a server answering ``ECHO`` and a connected
client: the fixture of the request/response and link-fault tests."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import trio

from node import wire
from node.config.settings import load_config
from node.net.host import P2PNode
from node.net.identity import Identity

ECHO = "/test/echo/1"


async def no_sync(request: wire.SyncRequest, peer: str) -> wire.SyncResponse:
    return wire.SyncResponse(wire.WIRE_VERSION, [], request.cursor, False)


async def ignore(records: list[wire.SignedRecord], source: str) -> None:
    return None


@asynccontextmanager
async def echo_pair(
    tmp: Path,
    echo: Callable[[bytes, str], Awaitable[bytes]],
    server: dict[str, Any],
    client: dict[str, Any],
) -> AsyncIterator[tuple[P2PNode, P2PNode]]:
    """(server, client), each from ``load_config`` with its own overrides."""
    nodes = []
    for name, overrides in (("server", server), ("client", client)):
        config = load_config(None, data_dir=str(tmp / name), **overrides)
        log = logging.getLogger(f"test.{name}")
        identity = Identity.generate()
        nodes.append(P2PNode(config, identity, on_records=ignore, serve_sync=no_sync, log=log))
    server_node, client_node = nodes
    async with trio.open_nursery() as nursery:
        for node in nodes:
            await nursery.start(node.serve, [wire.NOTES_TOPIC])
        server_node.handle(ECHO, echo, max_request_bytes=1024)
        await client_node.connect(server_node.listen_addrs()[0])
        yield server_node, client_node
        nursery.cancel_scope.cancel()
