"""A daemon for ``Discovery`` with a fake host, links, guard and store (no sockets): peers
answer, dial and close as a test scripts them; what is dialed, blamed and recorded is kept."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import trio

from node import wire
from node.config.settings import load_config
from node.net.host import P2PError
from node.runtime.discovery import Discovery
from node.store.rows import PeerRow
from node.wire.peers import PeerHint, PeersResponse, decode_peers_request

V = wire.WIRE_VERSION


class FakeGuard:
    def __init__(self) -> None:
        self.blamed: list[tuple[str, str]] = []
        self.bans: set[str] = set()

    def banned(self, peer: str) -> bool:
        return peer in self.bans

    def blame(self, peer: str, cause: str) -> None:
        self.blamed.append((peer, cause))

    def score(self, peer: str) -> float:
        return 0.0


class FakeLinks:
    def __init__(self, p2p: FakeP2P) -> None:
        self.p2p = p2p
        self.held_until: dict[str, float] = {}
        self.dialed_by_us: set[str] = set()
        self.closed: list[str] = []

    def outbound(self, peer: str) -> bool:
        return peer in self.dialed_by_us

    def mesh(self) -> set[str]:
        return set()

    async def close(self, peer: str) -> None:
        self.closed.append(peer)
        self.p2p.up.remove(peer)


class FakeP2P:
    peer_id = "me"

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.up: list[str] = []
        self.addrs: dict[str, list[str]] = {}
        self.dialed: list[tuple[str, list[str]]] = []
        self.reachable: set[str] = set()
        self.guard = FakeGuard()
        self.liveness = type("L", (), {"rtt_ms": {}})()
        self.links = FakeLinks(self)

    def connected_peers(self) -> list[str]:
        return list(self.up)

    def peer_addrs(self, peer: str) -> list[str]:
        return self.addrs.get(peer, [])

    def remote_ips(self, peer: str) -> set[str]:
        return {a.split("/")[2] for a in self.addrs.get(peer, [])}

    async def request(self, peer: str, protocol: str, data: bytes, limit: int) -> bytes:
        decode_peers_request(data)
        if peer not in self.answers:
            raise P2PError("no answer")
        return self.answers[peer]

    async def dial(self, peer: str, addrs: list[str], timeout: float) -> None:
        self.dialed.append((peer, addrs))
        if peer not in self.reachable:
            raise P2PError("unreachable")
        self.up.append(peer)
        self.addrs[peer] = addrs[:1]


class FakeStore:
    def __init__(self, rows: list[PeerRow]) -> None:
        self.rows = rows
        self.recorded: list[tuple[str, list[str], bool]] = []

    def list_peers(self) -> list[PeerRow]:
        return self.rows

    def record_peers(self, changes: list[tuple[str, list[str], bool]], source: str) -> None:
        self.recorded.extend(changes)


class FakeDaemon:
    def __init__(
        self,
        tmp: Path,
        answers: dict[str, bytes],
        rows: list[PeerRow] | None = None,
        **config: Any,
    ) -> None:
        if rows is None:
            rows = []
        self.config = load_config(None, data_dir=str(tmp), **{"role": "cloud", **config})
        self.p2p = FakeP2P(answers)
        self.store = FakeStore(rows)

    async def db(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)


def answer(*peers: str, role: str = "", roles: dict[str, str] | None = None) -> bytes:
    roles = roles or {}
    hints = [
        PeerHint(V, p, [f"/ip4/10.0.0.{i + 2}/tcp/1"], roles.get(p, ""), 0)  # type: ignore[arg-type]
        for i, p in enumerate(peers)
    ]
    return wire.encode(PeersResponse(V, role, hints))  # type: ignore[arg-type]


async def steps(discovery: Discovery, n: int) -> None:
    async with trio.open_nursery() as tasks:
        for _i in range(n):
            await discovery.step(tasks, trio.current_time())
            await trio.sleep(0.3)
