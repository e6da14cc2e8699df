"""The rank service against a fake NodeContext: no daemon, no sockets, a static clock.

What it asks of its node after a search (one pull), when it holds nobody else's clicks (a
bootstrap sample), when a peer fails (nothing), and what a click publishes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
import trio
import trio.testing

from models.rank.rows import Item
from node import wire
from node.config.settings import load_config
from node.net.identity import Identity
from node.rank.records import RankError, import_items
from node.rank.service import BOOTSTRAP_ROWS, REFRESH_EVERY, RankService
from node.store.database import RecordRow, Store
from node.wire.status.services import RankStatus
from tests.node.fake_node import FakeNode

ITEMS = [
    Item("a1", "Kind of Blue", "Miles Davis", ("jazz",)),
    Item("a2", "Blue Train", "John Coltrane", ("jazz",)),
    Item("a3", "Blue Lines", "Massive Attack", ("trip hop",)),
]


def clicks_by_someone_else(count: int) -> list[wire.SignedRecord]:
    alice = Identity.generate()
    body = wire.encode(wire.Click(wire.WIRE_VERSION, "blue", [], "a3", 3))
    return [
        wire.sign_record(alice.seed, wire.CLICKS_TOPIC, seq, 1_000 + seq, body)
        for seq in range(count)
    ]


def jump(seconds: float) -> None:
    clock = trio.lowlevel.current_clock()
    assert isinstance(clock, trio.testing.MockClock)
    clock.jump(seconds)


def run_service(
    tmp_path: Path, peers: list[str], test: Callable[[RankService, FakeNode], Awaitable[None]]
) -> FakeNode:
    with Store.open(tmp_path / "node.db") as store:
        import_items(store, ITEMS)
        node = FakeNode(store, load_config(None, data_dir=str(tmp_path)), peers)
        service = RankService()

        async def main() -> None:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(service.run, node)
                await trio.testing.wait_all_tasks_blocked()
                await test(service, node)
                nursery.cancel_scope.cancel()

        trio.run(main, clock=trio.testing.MockClock())  # time stands still unless jumped
        return node


def test_a_click_is_signed_as_this_node_committed_and_gossiped(tmp_path: Path) -> None:
    async def test(service: RankService, node: FakeNode) -> None:
        result = await service.on_control("click", {"query": " Blue ", "item": "a2"})
        assert result == {"seq": 0, "query": "Blue", "item": "a2", "passed": False}
        answer = await service.on_control("search", {"query": "blue", "k": 3})
        assert answer is not None and answer["results"][0]["id"] == "a2"

    node = run_service(tmp_path, [], test)
    assert node.reports["rank"] == RankStatus(searches=1, clicks=1)  # no peer: no pull
    [(record, gossiped)] = node.published
    assert gossiped and record.author == node.author and record.topic == wire.CLICKS_TOPIC
    assert wire.decode_click(record.body).clicked == "a2"


def test_each_search_pulls_from_one_connected_peer(tmp_path: Path) -> None:
    async def test(service: RankService, node: FakeNode) -> None:
        node.pulls.clear()
        for _ in range(3):
            await service.on_control("search", {"query": "blue"})
            await trio.testing.wait_all_tasks_blocked()
        assert node.pulls == [("p1", wire.CLICKS_TOPIC)] * 3

    node = run_service(tmp_path, ["p1"], test)
    assert node.reports["rank"] == RankStatus(searches=3, pulls=3)


def test_a_failing_peer_does_not_stop_the_service(tmp_path: Path) -> None:
    async def test(service: RankService, node: FakeNode) -> None:
        node.answers = [RuntimeError("peer gone"), wire.WireError("junk")]
        for _ in range(3):
            answer = await service.on_control("search", {"query": "blue"})
            assert answer is not None and len(answer["results"]) == 3
            await trio.testing.wait_all_tasks_blocked()
        assert len(node.pulls) == 3 and not node.answers

    run_service(tmp_path, ["p1"], test)


def test_a_node_without_others_clicks_bootstraps_from_one_peers_sample(tmp_path: Path) -> None:
    async def test(service: RankService, node: FakeNode) -> None:
        assert node.samples == []  # nobody to ask yet: it waits
        node.peers = ["p1"]
        node.answers = [clicks_by_someone_else(5)]
        jump(0.5)
        await trio.testing.wait_all_tasks_blocked()
        assert node.samples == [("p1", wire.CLICKS_TOPIC, BOOTSTRAP_ROWS)]
        assert node.events == [("rank", "bootstrapped with 5 of p1's newest click rows")]
        jump(60)
        await trio.testing.wait_all_tasks_blocked()
        assert len(node.samples) == 1  # it holds others' clicks now: no second sample

    node = run_service(tmp_path, [], test)
    assert node.reports["rank"].bootstrapped == 5  # type: ignore[union-attr]


def test_commands_before_the_service_runs_and_other_services_commands(tmp_path: Path) -> None:
    service = RankService()

    async def main() -> None:
        with pytest.raises(RankError, match="still starting"):
            await service.on_control("search", {"query": "blue"})
        assert await service.on_control("train_start", {}) is None

    trio.run(main)


def test_clicks_committed_by_ingest_reach_the_index_without_a_search(tmp_path: Path) -> None:
    """The refresher follows ``tail``: a commit wakes it at once, no clock has to move."""

    async def test(service: RankService, node: FakeNode) -> None:
        index = service._tail
        assert index is not None and index.click_cursor == 0
        await node.deliver(clicks_by_someone_else(3))
        await trio.testing.wait_all_tasks_blocked()
        assert index.click_cursor > 0 and index.rate.seen == 3

    run_service(tmp_path, [], test)


def test_clicks_another_process_writes_reach_the_index_within_refresh_every(
    tmp_path: Path,
) -> None:
    """The CLI's offline clicks wake no commit signal: ``PRAGMA data_version`` finds them."""
    records = clicks_by_someone_else(2)
    rows = [RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r)) for r in records]

    async def test(service: RankService, node: FakeNode) -> None:
        index = service._tail
        assert index is not None
        with Store.open(tmp_path / "node.db") as cli:
            cli.insert_records(rows, "cli")
        jump(REFRESH_EVERY * 0.9)
        await trio.testing.wait_all_tasks_blocked()
        assert index.click_cursor == 0  # not yet: the fallback looks every REFRESH_EVERY
        jump(REFRESH_EVERY * 0.2)
        await trio.testing.wait_all_tasks_blocked()
        assert index.click_cursor > 0 and index.rate.seen == 2

    run_service(tmp_path, [], test)
