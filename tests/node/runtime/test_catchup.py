"""The catch-up loop: which topics its heads checks cover, how often, and who goes first."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing

from node import wire
from node.config.settings import load_config
from node.net.host import P2PError
from node.runtime.backoff import Backoff
from node.runtime.catchup_server import HEADS_PROTOCOL
from node.runtime.daemon import Daemon


def test_periodic_heads_skip_topics_a_service_pulls_itself(tmp_path: Path) -> None:
    config = load_config(None, data_dir=str(tmp_path), topics=["a/b", "a/c"])
    daemon = Daemon(config)
    asked: list[list[str]] = []

    async def request(peer: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        assert protocol == HEADS_PROTOCOL
        topics = wire.decode_sync_heads_request(data).topics
        asked.append(list(topics))
        return wire.encode(wire.SyncHeadsResponse(wire.WIRE_VERSION, [1] * len(topics)))

    daemon.p2p.request = request  # type: ignore[method-assign]

    async def main() -> None:
        assert set(await daemon.catchup.topics_behind("peer")) == {wire.NOTES_TOPIC, "a/b", "a/c"}
        daemon.catchup.service_pulled.add("a/c")
        assert set(await daemon.catchup.topics_behind("peer")) == {wire.NOTES_TOPIC, "a/b"}

    try:
        trio.run(main)
    finally:
        daemon.store.close()
    assert "a/c" in asked[0] and "a/c" not in asked[1]


class QuietPeer:
    """A p2p stand-in with one connected peer whose heads never move past our cursor."""

    def __init__(self) -> None:
        self.heads_checks: list[float] = []
        self.pulls: list[str] = []

    def connected_peers(self) -> list[str]:
        return ["peer"]

    def peer_addrs(self, peer: str) -> list[str]:
        return []

    async def request(self, peer: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        self.heads_checks.append(trio.current_time())
        topics = wire.decode_sync_heads_request(data).topics
        return wire.encode(wire.SyncHeadsResponse(wire.WIRE_VERSION, [0] * len(topics)))

    async def sync_from(self, peer: str, request: wire.SyncRequest) -> wire.SyncResponse:
        self.pulls.append(request.topic)
        return wire.SyncResponse(wire.WIRE_VERSION, [], request.cursor, False)


def _run_loop(
    tmp_path: Path, seconds: float, during: Any = None, peer: QuietPeer | None = None
) -> QuietPeer:
    config = load_config(None, data_dir=str(tmp_path))
    daemon = Daemon(config)
    peer = peer or QuietPeer()
    daemon.p2p = peer  # type: ignore[assignment]

    async def db(fn: Any, *args: Any) -> Any:  # in the trio thread: the mock clock's
        return fn(*args)  # autojump would otherwise jump while a store thread works

    daemon.db = db  # type: ignore[method-assign]

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(daemon.catchup.run)
            if during is not None:
                await during(daemon)
            await trio.sleep_until(seconds)
            nursery.cancel_scope.cancel()

    try:
        trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))
    finally:
        daemon.store.close()
    return peer


def test_heads_checks_of_a_quiet_peer_back_off_to_the_idle_maximum(tmp_path: Path) -> None:
    peer = _run_loop(tmp_path, 400.0)
    assert sorted(peer.pulls) == sorted(set(peer.pulls))  # a new peer: each topic pulled once
    assert wire.NOTES_TOPIC in peer.pulls
    gaps = [b - a for a, b in zip(peer.heads_checks, peer.heads_checks[1:], strict=False)]
    # 5, 10, 20, 40 s after each check that found nothing, then the 60 s cap (± the loop tick)
    assert [round(g / 5) * 5 for g in gaps[:5]] == [10, 20, 40, 60, 60]
    assert 8 <= len(peer.heads_checks) <= 10  # at a fixed 5 s: 80


def test_a_new_record_brings_the_checks_back_to_the_base_interval(tmp_path: Path) -> None:
    async def new_record_at_200(daemon: Daemon) -> None:
        await trio.sleep_until(200.0)
        daemon.catchup.saw_new(wire.NOTES_TOPIC)

    peer = _run_loop(tmp_path, 230.0, new_record_at_200)
    after = [t for t in peer.heads_checks if t >= 200.0]
    assert after and after[0] < 206.0  # due 5 s after the last check, which was long ago
    assert len(after) >= 2 and after[1] - after[0] < 11.0


def test_a_topic_a_service_pulls_itself_does_not_reset_the_backoff(tmp_path: Path) -> None:
    async def pulled_record_at_200(daemon: Daemon) -> None:
        daemon.catchup.service_pulled.add("finetune/grads/x")
        await trio.sleep_until(200.0)
        daemon.catchup.saw_new("finetune/grads/x")

    peer = _run_loop(tmp_path, 230.0, pulled_record_at_200)
    assert len([t for t in peer.heads_checks if t >= 200.0]) <= 1


def test_backoff_doubles_to_its_cap_and_resets() -> None:
    backoff = Backoff(5.0, 60.0)
    delays = []
    for _ in range(6):
        delays.append(backoff.delay)
        backoff.lengthen()
    assert delays == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
    backoff.reset()
    assert backoff.delay == 5.0
    with pytest.raises(ValueError, match="base <= cap"):
        Backoff(10.0, 5.0)


class SilentCrowd(QuietPeer):
    """One quiet honest peer behind 20 peers (whose ids sort first) that never answer."""

    def __init__(self) -> None:
        super().__init__()
        self.silent = [f"a-silent-{i:02}" for i in range(20)]
        self.asked_silent: dict[str, list[float]] = {p: [] for p in self.silent}
        self.waiting = self.most_waiting = 0

    def connected_peers(self) -> list[str]:
        return [*self.silent, "b-honest"]

    async def _never(self, peer: str) -> None:
        self.asked_silent[peer].append(trio.current_time())
        self.waiting += 1
        self.most_waiting = max(self.most_waiting, self.waiting)
        try:
            await trio.sleep(10.0)  # sync.timeout, as rpc.py's requests give up
        finally:
            self.waiting -= 1
        raise P2PError(f"request to {peer} timed out") from trio.TooSlowError()

    async def request(self, peer: str, protocol: str, data: bytes, max_bytes: int) -> bytes:
        if peer != "b-honest":
            await self._never(peer)
        return await super().request(peer, protocol, data, max_bytes)

    async def sync_from(self, peer: str, request: wire.SyncRequest) -> wire.SyncResponse:
        if peer != "b-honest":
            await self._never(peer)
        self.heads_checks.append(trio.current_time())  # the first visit pulls: count it
        return await super().sync_from(peer, request)


def test_silent_peers_back_off_alone_and_the_honest_peer_keeps_its_pace(tmp_path: Path) -> None:
    crowd = SilentCrowd()
    checks: dict[str, Any] = {}

    async def new_record_at_200(daemon: Daemon) -> None:
        await trio.sleep_until(200.0)
        checks["before"] = {p: len(t) for p, t in crowd.asked_silent.items()}
        daemon.catchup.saw_new(wire.NOTES_TOPIC)
        await trio.sleep_until(206.0)
        checks["after"] = {p: len(t) for p, t in crowd.asked_silent.items()}
        checks["penalties"] = daemon.catchup.penalties()
        checks["status"] = daemon.catchup.status()

    _run_loop(tmp_path, 400.0, new_record_at_200, crowd)
    first = crowd.heads_checks[0]
    assert first < 5.0  # 20 silent peers ahead of it by id held it ~200 s before issue 16
    heads = [t for t in crowd.heads_checks if t > first + 1.0]  # the first visit's pulls
    gaps = [b - a for a, b in itertools.pairwise(heads)]
    assert [round(g / 5) * 5 for g in gaps[:3]] == [10, 20, 40]  # as if it were alone
    assert any(200.0 <= t < 206.0 for t in heads)  # the new record: checked again at once
    assert checks["after"] == checks["before"]  # ... and no silent peer asked sooner
    for times in crowd.asked_silent.values():
        waits = [b - a for a, b in itertools.pairwise(times)]
        # asked, 10 s deadline, then 10, 20, 40, 80 ... s of its own backoff
        assert waits[:3] == pytest.approx([20.0, 30.0, 50.0], abs=1.0)
    assert crowd.most_waiting <= 24  # 4 × sync.max_in_flight
    assert set(checks["penalties"]) == set(crowd.silent)
    honest = checks["status"].peers["b-honest"]
    assert honest.timeouts == 0 and honest.last_success is not None
    assert checks["status"].peers["a-silent-00"].timeouts >= 3
