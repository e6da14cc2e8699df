"""The rank service: G-Rank (models.rank) over the node's store and the sync protocol.

Click rows are SignedRecords on ``rank/clicks`` (author-signed, so any peer may relay
them; ``UNIQUE(topic, author, seq)`` deduplicates). The G-Rank pull gossip is our sync
protocol: after each local query the node pulls the rows it has not yet received from one
random connected peer (the responder's per-requester cursor is our stored sync cursor),
and it pulls again every ``pull_interval`` seconds when idle. Searching needs no network.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import trio

from models.rank.config import RankConfig
from models.rank.index import RankIndex
from models.rank.rows import ClickRow, Item
from node import wire
from node.store import RecordRow, Store

if TYPE_CHECKING:
    from node.daemon import Daemon

MAX_QUERY_CHARS = wire.MAX_QUERY_CHARS
_PAGE = 2048


class RankError(ValueError):
    """Bad rank input: an empty or over-long query, an unknown item, a bad catalogue line."""


def check_query(query: str) -> str:
    text = " ".join(query.split())
    if not text:
        raise RankError("the query is empty")
    if len(text) > MAX_QUERY_CHARS:
        raise RankError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    return text


def parse_catalogue(lines: Iterable[str], source: str) -> list[Item]:
    """JSONL lines ``{"id", "title", "artist", "tags"}`` -> items; RankError names the line."""
    items: list[Item] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RankError(f"{where}: not valid JSON ({exc.msg})") from exc
        if not isinstance(raw, dict):
            raise RankError(f"{where}: expected a JSON object")
        unknown = set(raw) - {"id", "title", "artist", "tags"}
        if unknown:
            raise RankError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        item_id, title = raw.get("id"), raw.get("title", "")
        artist, tags = raw.get("artist", ""), raw.get("tags", [])
        if not isinstance(item_id, str) or not 1 <= len(item_id) <= wire.MAX_ITEM_ID_CHARS:
            raise RankError(f"{where}: 'id' must be a string of 1-{wire.MAX_ITEM_ID_CHARS} chars")
        if not isinstance(title, str) or not isinstance(artist, str):
            raise RankError(f"{where}: 'title' and 'artist' must be strings")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise RankError(f"{where}: 'tags' must be a list of strings")
        if item_id in seen:
            raise RankError(f"{where}: duplicate id {item_id!r}")
        seen.add(item_id)
        items.append(Item(item_id, title, artist, tuple(tags)))
    return items


def import_items(store: Store, items: list[Item]) -> int:
    """Insert or replace ``items`` in one transaction (all or nothing)."""
    sql = (
        "INSERT INTO items (id, title, artist, tags, added_ms) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (id) DO UPDATE SET title = excluded.title, artist = excluded.artist,"
        " tags = excluded.tags, added_ms = excluded.added_ms"
    )
    now = int(time.time() * 1000)
    with store.transaction():
        for item in items:
            store.db.execute(sql, (item.id, item.title, item.artist, json.dumps(item.tags), now))
    return len(items)


MAX_CLOCK_SKEW_MS = 5 * 60 * 1000
"""How far ahead of our clock a click's time may be; later times count as now + this."""


def click_row(record: wire.SignedRecord, now_ms: int | None = None) -> ClickRow:
    """The model's row of a click record, old (page in ``shown``) or compact (``position``).

    The author chooses ``ts_ms``: a row dated in the future would move the index's clock
    forward and decay every other author's votes while its own stay fresh, so times beyond
    ``now_ms + MAX_CLOCK_SKEW_MS`` are capped there (the signed record is kept as it is).
    """
    click = wire.decode_click(record.body)
    latest = int(time.time() * 1000 if now_ms is None else now_ms) + MAX_CLOCK_SKEW_MS
    return ClickRow(
        wire.peer_id_str(record.author),
        record.seq,
        click.query,
        tuple(click.shown),
        click.clicked,
        min(record.ts_ms, latest) / 1000.0,
        click.position,
    )


def compact_click(query: str, shown: Sequence[str], item: str) -> wire.Click:
    """The click body the service writes: the clicked item's rank on the page, not the page
    (the model uses only that rank; 0 when ``item`` was not on it)."""
    position = shown.index(item) + 1 if item in shown else 0
    return wire.Click(wire.WIRE_VERSION, query, [], item, position)


MIN_HALF_LIFE_S = 60.0
"""The shortest click half-life a row-counted one may turn into (a burst of traffic)."""
REBUILD_DRIFT = 1.25
"""Rebuild the index when the click rate moves its half-life by more than this factor."""


@dataclass
class IndexTail:
    """A RankIndex kept up to date with the store by tailing items and click records.

    With ``half_life_rows`` set in the preset, the half-life in seconds follows the click
    rate seen in the store (rows over their time span), and the index is rebuilt from the
    store when that rate has moved it by more than ``REBUILD_DRIFT``.
    """

    index: RankIndex
    preset: RankConfig
    """The config asked for; ``index.config`` is it with the half-life the rate gave."""
    item_rowid: int = 0
    click_cursor: int = 0
    titles: dict[str, Item] = field(default_factory=dict)
    clicks_seen: int = 0
    first_ts: float = math.inf
    last_ts: float = -math.inf

    def effective_config(self) -> RankConfig:
        """The preset with ``half_life_s`` from the click rate, once two rows set a rate."""
        preset = self.preset
        rows = preset.half_life_rows
        span = self.last_ts - self.first_ts
        if rows is None or self.clicks_seen < 2 or span <= 0:
            return preset
        rate = (self.clicks_seen - 1) / span  # click rows a second, as this node saw them
        return replace(preset, half_life_s=max(MIN_HALF_LIFE_S, rows / rate))

    def refresh(self, store: Store) -> int:
        added = self._load(store)
        wanted = self.effective_config()
        new, used = wanted.half_life_s, self.index.config.half_life_s
        if new and used and max(new / used, used / new) > REBUILD_DRIFT:
            self.index = RankIndex(self.index.self_id, wanted)
            self.item_rowid = self.click_cursor = self.clicks_seen = 0
            self.first_ts, self.last_ts = math.inf, -math.inf
            added = self._load(store)
        return added

    def _load(self, store: Store) -> int:
        rows = store.db.execute(
            "SELECT rowid, id, title, artist, tags FROM items WHERE rowid > ? ORDER BY rowid",
            (self.item_rowid,),
        ).fetchall()
        if rows:
            items = [Item(r[1], r[2], r[3], tuple(json.loads(r[4]))) for r in rows]
            self.index.add_items(items)
            self.titles.update((i.id, i) for i in items)
            self.item_rowid = int(rows[-1][0])
        added = 0
        more = True
        now_ms = int(time.time() * 1000)
        while more:
            stored, self.click_cursor, more = store.records_since(
                wire.CLICKS_TOPIC, self.click_cursor, _PAGE, 64 * 1024 * 1024
            )
            rows = [click_row(wire.decode_record(r.blob), now_ms) for r in stored]
            if rows:
                self.clicks_seen += len(rows)
                self.first_ts = min(self.first_ts, min(r.ts for r in rows))
                self.last_ts = max(self.last_ts, max(r.ts for r in rows))
            added += self.index.add_rows(rows)
        return added

    def search(self, query: str, k: int, explore: bool = False) -> list[dict[str, Any]]:
        """The ranking for ``query``; ``explore`` shows a user's page with G-Rank's
        exploration swap (probability ``explore_p``), so lower-ranked items get seen and
        clicked; evaluation and scripts leave it off and get the served ranking."""
        rng = np.random.default_rng() if explore else None
        ranked = self.index.rank(check_query(query), k, explore_rng=rng)
        out = []
        for rank, item_id in enumerate(ranked, 1):
            item = self.titles.get(item_id)
            out.append(
                {
                    "rank": rank,
                    "id": item_id,
                    "title": item.title if item else "",
                    "artist": item.artist if item else "",
                }
            )
        return out


def open_tail(store: Store, self_id: str, config: RankConfig | None = None) -> IndexTail:
    preset = config or RankConfig()
    tail = IndexTail(RankIndex(self_id, preset), preset)
    tail.refresh(store)
    return tail


def make_click(store: Store, query: str, item: str, shown: list[str]) -> wire.Click:
    """Validate a click against the catalogue; RankError says what is wrong."""
    query = check_query(query)
    known = store.db.execute("SELECT 1 FROM items WHERE id = ?", (item,)).fetchone()
    if known is None:
        raise RankError(f"unknown item {item!r} (import a catalogue with: byteswarm items import)")
    shown = shown or [item]
    if len(shown) > wire.MAX_SHOWN:
        raise RankError(f"at most {wire.MAX_SHOWN} shown items")
    return compact_click(query, shown, item)


def record_click_offline(store: Store, seed: bytes, author: bytes, click: wire.Click) -> int:
    """Sign and commit a click without a running daemon; it spreads when peers pull."""
    body = wire.encode(click)
    with store.transaction():
        seq = store.next_seq(wire.CLICKS_TOPIC, author)
        record = wire.sign_record(seed, wire.CLICKS_TOPIC, seq, int(time.time() * 1000), body)
        row = RecordRow(record.topic, record.author, seq, record.ts_ms, wire.encode(record))
        store.insert_records([row], "local")
    return seq


class RankService:
    """The daemon slot for G-Rank."""

    name = "rank"
    topics: tuple[str, ...] = (wire.CLICKS_TOPIC,)

    def __init__(self, config: RankConfig | None = None, pull_interval: float = 10.0) -> None:
        self.rank_config = config or RankConfig()
        self.pull_interval = pull_interval
        self._daemon: Daemon | None = None
        self._tail: IndexTail | None = None
        self._pull_now, self._pull_wait = trio.open_memory_channel[None](1)
        self._rng = random.Random()

    async def run(self, daemon: Daemon) -> None:
        self._daemon = daemon
        self._tail = await daemon.db(open_tail, daemon.store, daemon.peer_id, self.rank_config)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._refresher, daemon)
            while True:
                with trio.move_on_after(self.pull_interval):
                    await self._pull_wait.receive()
                await self._pull_one(daemon)

    async def _refresher(self, daemon: Daemon) -> None:
        # Searches refresh on demand; this only keeps the index warm (the CLI may write
        # items and clicks straight into the store), so it need not run often.
        while True:
            await trio.sleep(2.0)
            assert self._tail is not None
            await daemon.db(self._tail.refresh, daemon.store)

    async def _pull_one(self, daemon: Daemon) -> None:
        peers = daemon.p2p.connected_peers()
        if not peers:
            return
        peer = self._rng.choice(peers)
        try:
            await daemon.sync_topic(peer, wire.CLICKS_TOPIC)
        except (wire.WireError, Exception) as exc:  # one bad peer must not stop the service
            daemon.p2p.log.info("rank pull from %s failed: %s", peer, exc)

    async def on_control(self, command: str, args: dict[str, Any]) -> dict[str, Any] | None:
        daemon, tail = self._daemon, self._tail
        if command not in ("search", "click"):
            return None
        if daemon is None or tail is None:
            raise RankError("the rank service is still starting")
        if command == "search":
            await daemon.db(tail.refresh, daemon.store)
            query, k = str(args.get("query", "")), int(args.get("k", 10))
            results = tail.search(query, k, bool(args.get("explore", False)))
            with contextlib.suppress(trio.WouldBlock):
                self._pull_now.send_nowait(None)  # G-Rank: pull after each local query
            return {"query": args.get("query"), "results": results}
        click = await daemon.db(
            make_click,
            daemon.store,
            str(args.get("query", "")),
            str(args.get("item", "")),
            [str(s) for s in args.get("shown", [])],
        )
        record = await daemon.publish_local(wire.CLICKS_TOPIC, wire.encode(click))
        await daemon.db(tail.refresh, daemon.store)
        return {"seq": record.seq, "query": click.query, "item": click.clicked}


def catalogue_from_file(path: Path) -> list[Item]:
    try:
        with path.open(encoding="utf-8") as handle:
            return parse_catalogue(handle, str(path))
    except OSError as exc:
        raise RankError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise RankError(f"{path}: not UTF-8 text") from exc
