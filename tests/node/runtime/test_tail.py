"""``tail(topic)``, one contract for both NodeContext implementations (the daemon, not
running, so no sockets; the tests' fake): the backlog first, then each commit's records
as soon as ingest or a publish commits them, and another process's writes (the CLI) within
``every`` seconds through ``PRAGMA data_version``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import trio

from node import wire
from node.config.settings import STORE_FILE, load_config
from node.net.identity import Identity
from node.runtime import tail as tail_module
from node.runtime.daemon import Daemon
from node.store.database import RecordRow, Store, StoredRecord
from node.wire import NOTES_TOPIC
from tests.node.fake_node import FakeNode

SLOW = 60.0
"""A fallback so slow that a test passing within seconds was woken by the commit."""


class Harness:
    """One implementation, and how records arrive at it from a peer."""

    def __init__(self, node: Any, arrive: Callable[[list[wire.SignedRecord]], Awaitable[int]]):
        self.node = node
        self.arrive = arrive


@pytest.fixture(params=["daemon", "fake"])
def harness(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Harness]:
    config = load_config(None, data_dir=str(tmp_path))
    if request.param == "daemon":
        daemon = Daemon(config)
        yield Harness(daemon, lambda records: daemon.ingest(records, "peer"))
        daemon.store.close()
    else:
        with Store.open(tmp_path / STORE_FILE) as store:
            fake = FakeNode(store, config)
            yield Harness(fake, fake.deliver)


def notes(first: int, count: int, who: Identity | None = None) -> list[wire.SignedRecord]:
    author = who or Identity.generate()
    return [
        wire.sign_record(
            author.seed,
            NOTES_TOPIC,
            seq,
            1_000 + seq,
            wire.encode(wire.Note(wire.WIRE_VERSION, f"n{seq}", seq)),
        )
        for seq in range(first, first + count)
    ]


def seqs(batch: list[StoredRecord]) -> list[int]:
    return [r.seq for r in batch]


async def next_batch(tail: AsyncIterator[list[StoredRecord]], within: float = 5.0) -> Any:
    with trio.fail_after(within):
        return await tail.__anext__()


def run(test: Callable[[], Awaitable[None]]) -> None:
    trio.run(test)


def test_the_backlog_comes_first_then_each_commit(harness: Harness) -> None:
    alice = Identity.generate()

    async def test() -> None:
        await harness.arrive(notes(0, 3, alice))
        tail = harness.node.tail(NOTES_TOPIC, every=SLOW)
        first = await next_batch(tail)
        assert seqs(first) == [0, 1, 2]
        async with trio.open_nursery() as nursery:
            nursery.start_soon(harness.arrive, notes(3, 2, alice))
            second = await next_batch(tail)
        assert seqs(second) == [3, 4] and second[0].cursor > first[-1].cursor
        await tail.aclose()

    run(test)


def test_after_skips_what_the_caller_holds(harness: Harness) -> None:
    alice = Identity.generate()

    async def test() -> None:
        await harness.arrive(notes(0, 4, alice))
        whole = await next_batch(harness.node.tail(NOTES_TOPIC, every=SLOW))
        rest = await next_batch(harness.node.tail(NOTES_TOPIC, after=whole[1].cursor))
        assert seqs(rest) == [2, 3]

    run(test)


def test_a_tail_waits_without_yielding_empty_batches(harness: Harness) -> None:
    async def test() -> None:
        tail = harness.node.tail(NOTES_TOPIC, every=0.01)
        with trio.move_on_after(0.2) as waited:
            await tail.__anext__()
        assert waited.cancelled_caught  # nothing committed: nothing yielded

    run(test)


def test_a_replay_wakes_nobody(harness: Harness) -> None:
    alice = Identity.generate()

    async def test() -> None:
        records = notes(0, 2, alice)
        await harness.arrive(records)
        tail = harness.node.tail(NOTES_TOPIC, every=SLOW)
        assert seqs(await next_batch(tail)) == [0, 1]
        assert await harness.arrive(records) == 0
        with trio.move_on_after(0.2) as waited:
            await tail.__anext__()
        assert waited.cancelled_caught

    run(test)


def test_our_own_publish_wakes_the_tail(harness: Harness) -> None:
    async def test() -> None:
        tail = harness.node.tail(NOTES_TOPIC, every=SLOW)
        body = wire.encode(wire.Note(wire.WIRE_VERSION, "mine", 1))
        async with trio.open_nursery() as nursery:
            nursery.start_soon(lambda: harness.node.publish_local(NOTES_TOPIC, body, gossip=False))
            [record] = await next_batch(tail)
        assert record.author == harness.node.author and record.seq == 0

    run(test)


def test_each_topic_wakes_only_its_own_tails(harness: Harness) -> None:
    async def test() -> None:
        clicks = harness.node.tail(wire.CLICKS_TOPIC, every=SLOW)
        await harness.arrive(notes(0, 2))
        with trio.move_on_after(0.2) as waited:
            await clicks.__anext__()
        assert waited.cancelled_caught

    run(test)


def test_another_process_writing_the_store_is_seen_through_data_version(
    harness: Harness,
) -> None:
    """The CLI's offline writes reach no commit signal: the fallback finds them."""
    records = notes(0, 2)
    rows = [RecordRow(r.topic, r.author, r.seq, r.ts_ms, wire.encode(r)) for r in records]

    async def test() -> None:
        tail = harness.node.tail(NOTES_TOPIC, every=0.05)
        with Store.open(harness.node.config.data_dir / STORE_FILE) as cli:
            async with trio.open_nursery() as nursery:

                async def write_later() -> None:
                    await trio.sleep(0.1)  # the tail is waiting by now
                    cli.insert_records(rows, "cli")

                nursery.start_soon(write_later)
                assert seqs(await next_batch(tail)) == [0, 1]

    run(test)


def test_a_long_backlog_comes_in_pages(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tail_module, "PAGE_ROWS", 2)
    alice = Identity.generate()

    async def test() -> None:
        await harness.arrive(notes(0, 5, alice))
        tail = harness.node.tail(NOTES_TOPIC, every=SLOW)
        assert [seqs(await next_batch(tail)) for _ in range(3)] == [[0, 1], [2, 3], [4]]

    run(test)


def test_every_must_be_positive(harness: Harness) -> None:
    async def test() -> None:
        with pytest.raises(ValueError, match="every"):
            await harness.node.tail(NOTES_TOPIC, every=0).__anext__()

    run(test)
