"""The rank service: G-Rank (models.rank) over the node's store and the sync protocol.

Click rows are SignedRecords on ``rank/clicks`` (author-signed, so any peer may relay
them; ``UNIQUE(topic, author, seq)`` deduplicates). The G-Rank pull gossip is our sync
protocol: after each local query the node pulls the rows it has not yet received from one
random connected peer (the responder's per-requester cursor is our stored sync cursor),
and it pulls again ``pull_interval`` seconds after that when idle, doubling the wait after
each pull that brought nothing, up to ``sync.idle_max_interval`` (an exchange costs ~0.7 kB
whatever it carries). Searching needs no network.

A node that holds no one else's clicks bootstraps, as in the paper, with a sample of one
peer's rows: the newest ``BOOTSTRAP_ROWS`` (``/byteswarm/sample/1.0.0``), the ones a decayed
vote weighs most, so its first searches use the network's recent clicks while the full
catch-up (the daemon's sync) runs behind.
"""

from __future__ import annotations

import contextlib
import random
from typing import Any

import trio

from models.rank.config import RankConfig
from node import wire
from node.net.host import P2PError
from node.rank.explain import checked
from node.rank.index import DEFAULT_PRESET, IndexTail, open_tail
from node.rank.records import RankError, holds_others_clicks, make_click
from node.runtime.backoff import Backoff
from node.runtime.context import NodeContext
from node.wire.control import Click, Search, decode_command
from node.wire.status.services import RankStatus

BOOTSTRAP_ROWS = 1024
"""Rows a new node asks one peer for (half a ``byteswarm_v2`` half-life, a little over half
of ``byteswarm_v3``'s, a seventh of ``byteswarm_v4``'s; ~120 kB: the rest arrives by pull
gossip)."""


REFRESH_EVERY = 2.0
"""Seconds within which the index notices clicks another process (the CLI) wrote."""


class RankService:
    """The daemon slot for G-Rank."""

    name = "rank"
    topics: tuple[str, ...] = (wire.CLICKS_TOPIC,)

    def __init__(self, config: RankConfig | None = None, pull_interval: float = 10.0) -> None:
        self.rank_config = config or DEFAULT_PRESET
        self.pull_interval = pull_interval
        self._node: NodeContext | None = None
        self._tail: IndexTail | None = None
        self._pull_now, self._pull_wait = trio.open_memory_channel[None](1)
        self._rng = random.Random()
        self.counts = RankStatus()
        """Searches, clicks and pulls since the daemon started (the ``rank`` status)."""

    async def run(self, node: NodeContext) -> None:
        self._node = node
        self._tail = await node.db(open_tail, node.store, node.peer_id, self.rank_config)
        await node.report(self.counts)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._refresher, node)
            nursery.start_soon(self._bootstrap, node)
            idle = Backoff(self.pull_interval, self._longest_wait(node))
            while True:
                with trio.move_on_after(idle.delay):
                    await self._pull_wait.receive()
                if await self._pull_one(node):
                    idle.reset()
                else:
                    idle.lengthen()

    def _longest_wait(self, node: NodeContext) -> float:
        return max(self.pull_interval, node.config.sync.idle_max_interval)

    async def _refresher(self, node: NodeContext) -> None:
        # Searches and clicks refresh on demand; this only keeps the index warm: clicks that
        # gossip, sync or a sample commit wake it at once, the CLI's offline clicks (another
        # process) within REFRESH_EVERY. The tail only wakes it: ``refresh`` reads from the
        # index's own cursor, which a search may have moved or a rebuild reset.
        assert self._tail is not None
        clicks = node.tail(wire.CLICKS_TOPIC, after=self._tail.click_cursor, every=REFRESH_EVERY)
        async for _ in clicks:
            await node.db(self._tail.refresh, node.store)

    async def _bootstrap(self, node: NodeContext) -> None:
        author = node.author
        later = Backoff(self.pull_interval, self._longest_wait(node))
        while not await node.db(holds_others_clicks, node.store, author):
            peers = node.connected_peers()
            if not peers:
                await trio.sleep(0.5)
                continue
            peer = self._rng.choice(peers)
            try:
                new = await node.sample(peer, wire.CLICKS_TOPIC, BOOTSTRAP_ROWS)
            except (P2PError, wire.WireError) as exc:
                node.log.info("rank bootstrap from %s failed: %s", peer, exc)
                await trio.sleep(later.delay)
                later.lengthen()
                continue
            if new:
                self.counts.bootstrapped += new
                await node.report(self.counts)
                message = f"bootstrapped with {new} of {peer}'s newest click rows"
                await node.emit("rank", message)
            else:  # the peer has no clicks either (or sync brought them first): look later
                await trio.sleep(later.delay)
                later.lengthen()

    async def _pull_one(self, node: NodeContext) -> int:
        """Pull clicks from one random connected peer; how many were new."""
        peers = node.connected_peers()
        if not peers:
            return 0
        peer = self._rng.choice(peers)
        try:
            new = await node.pull(peer, wire.CLICKS_TOPIC)
        except Exception as exc:  # one bad peer must not stop the service
            node.log.info("rank pull from %s failed: %s", peer, exc)
            return 0
        self.counts.pulls += 1
        self.counts.pulled += new
        await node.report(self.counts)
        return new

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        node, tail = self._node, self._tail
        if command not in (Search.command, Click.command):
            return None
        if node is None or tail is None:
            raise RankError("the rank service is still starting")
        if command == Search.command:
            search = decode_command(Search, args)
            await node.db(tail.refresh, node.store)
            answer = tail.answer(search.query, search.k, search.explore, search.explain)
            with contextlib.suppress(trio.WouldBlock):
                self._pull_now.send_nowait(None)  # G-Rank: pull after each local query
            self.counts.searches += 1
            await node.report(self.counts)
            return checked({"query": search.query, **answer})
        asked = decode_command(Click, args)
        click = await node.db(make_click, node.store, asked.query, asked.item, asked.shown)
        record = await node.publish_local(wire.CLICKS_TOPIC, wire.encode(click))
        await node.db(tail.refresh, node.store)
        if not click.passed_over:
            self.counts.clicks += 1
            await node.report(self.counts)
        return {
            "seq": record.seq,
            "query": click.query,
            "item": click.clicked,
            "passed": click.passed_over,
        }
