"""``IndexTail``: a node's G-Rank index kept up to date with its store.

The rank service and the CLI's offline ``byteswarm search`` both rank through it: it tails
the items table (past the last rowid seen: ``import_items`` gives a changed item a new,
higher rowid, so a re-imported title reaches a running daemon's index) and the
``rank/clicks`` records (whoever wrote them: gossip, sync or the CLI), and converts a
half-life counted in click rows with the rate the store has seen.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from models.rank.click_rate import ClickRate, drifted
from models.rank.config import BYTESWARM_V5, RankConfig
from models.rank.index import RankIndex
from models.rank.rows import Item
from node import wire
from node.rank.explain import TRUSTED_SHOWN, breakdown, trusted
from node.rank.records import check_query, click_row, latest_click_ms
from node.store.database import Store
from node.wire.control import MAX_TEXT_CHARS

_PAGE = 2048
"""Click records read from the store per query while catching up."""


DEFAULT_PRESET = BYTESWARM_V5
"""What a node ranks with when its config names no preset (``RankSettings.preset``)."""


@dataclass
class IndexTail:
    """A RankIndex kept up to date with the store by tailing items and click records.

    With ``half_life_rows`` set in the preset, the half-life in seconds follows the click
    rate seen in the store (``models.rank.click_rate``), and the index is rebuilt from the
    store when that rate has moved it by more than ``REBUILD_DRIFT``.
    """

    index: RankIndex
    preset: RankConfig
    """The config asked for; ``index.config`` is it with the half-life the rate gave."""
    item_rowid: int = 0
    click_cursor: int = 0
    titles: dict[str, Item] = field(default_factory=dict)
    rate: ClickRate = field(default_factory=ClickRate)

    def refresh(self, store: Store) -> int:
        added = self._load(store)
        wanted = self.rate.config_for(self.preset)
        if drifted(self.index.config, wanted):
            self.index = RankIndex(self.index.self_id, wanted)
            self.item_rowid = self.click_cursor = 0
            self.rate = ClickRate()
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
            self.rate.observe(r.ts for r in rows)
            added += self.index.add_rows(rows)
        return added

    def search(self, query: str, k: int, explore: bool = False) -> list[dict[str, Any]]:
        """The ranking for ``query`` (matches only: empty when nothing matches); ``explore``
        shows a user's page with the preset's exploration (``explore_scope``: swaps, or a
        page drawn from the posterior), so lower-ranked items get seen and clicked;
        evaluation and scripts leave it off and get the served ranking."""
        results: list[dict[str, Any]] = self.answer(query, k, explore)["results"]
        return results

    def answer(
        self, query: str, k: int, explore: bool = False, explain: bool = False
    ) -> dict[str, Any]:
        """``{"results": matches, "popular": []}``, or, when no item matches ``query``,
        ``{"results": [], "popular": ...}``: the ranker's fallback, popular items, which a
        caller must show as such and never as results. With ``explore`` every row says
        whether exploration put it there (``explored``). With ``explain`` every result
        carries its ``score`` (``node.wire.control.ScoreBreakdown``) and the answer the
        ``trusted`` peers; the ranking is the same either way."""
        query = check_query(query)
        rng = np.random.default_rng() if explore else None
        ranked, fallback = self.index.rank_or_popular(query, k, explore_rng=rng)
        rows = [self._row(rank, item_id) for rank, item_id in enumerate(ranked, 1)]
        if explore:  # mark what the swap moved: rows not at their place in the served ranking
            served = self.index.rank_or_popular(query, k)[0]
            for row, place in zip(rows, served, strict=True):
                row["explored"] = row["id"] != place
        answer: dict[str, Any] = {
            "results": [] if fallback else rows,
            "popular": rows if fallback else [],
        }
        if explain:
            if not fallback:
                served_all = self.index.rank(query, None)
                places = {item: n for n, item in enumerate(served_all, 1)}
                parts = self.index.explain(query, ranked)
                for row in rows:
                    row["score"] = breakdown(parts[row["id"]], places[row["id"]])
            answer["trusted"] = trusted(self.index.trusted(TRUSTED_SHOWN))
        return answer

    def _row(self, rank: int, item_id: str) -> dict[str, Any]:
        item = self.titles.get(item_id)
        return {
            "rank": rank,
            "id": item_id,
            "title": item.title[:MAX_TEXT_CHARS] if item else "",
            "artist": item.artist[:MAX_TEXT_CHARS] if item else "",
        }


def stored_click_rate(store: Store, now_ms: int | None = None) -> ClickRate:
    """The click rate of every click record in the store, from the ``ts_ms`` column alone
    (capped as ``click_row`` caps it), without decoding a record."""
    latest = latest_click_ms(now_ms)
    rate = ClickRate()
    cursor = store.db.execute("SELECT ts_ms FROM records WHERE topic = ?", (wire.CLICKS_TOPIC,))
    rate.observe(min(ts_ms, latest) / 1000.0 for (ts_ms,) in cursor)
    return rate


def open_tail(store: Store, self_id: str, config: RankConfig | None = None) -> IndexTail:
    preset = config or DEFAULT_PRESET
    # the half-life the stored rows' rate gives, up front: loading them with the preset's
    # starting half-life would rebuild at once and load everything twice
    tail = IndexTail(RankIndex(self_id, stored_click_rate(store).config_for(preset)), preset)
    tail.refresh(store)
    return tail
