"""The rank index a node serves from its store: explored pages, a half-life in rows from the
stored click rate, one load at a cold start, re-imported titles in a live index."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from models.rank.config import BYTESWARM, BYTESWARM_V2, RankConfig
from node import wire
from node.net.identity import Identity
from node.rank.index import IndexTail, open_tail, stored_click_rate
from node.rank.records import compact_click, import_items, parse_catalogue
from node.store.database import RecordRow, Store
from tests.node.rank.catalogue import CATALOGUE, write_catalogue


@pytest.mark.parametrize("preset", [BYTESWARM, BYTESWARM_V2], ids=["p=0.5", "p=1"])
def test_explored_pages_swap_results_and_the_served_ranking_stays_put(
    tmp_path: Path, preset: RankConfig
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        import_items(store, parse_catalogue(write_catalogue(tmp_path / "c.jsonl").open(), "c"))
        tail = open_tail(store, "me", preset)
        served = [r["id"] for r in tail.search("blue", 2)]
        assert all([r["id"] for r in tail.search("blue", 2)] == served for _ in range(20))
        pages = {tuple(r["id"] for r in tail.search("blue", 2, explore=True)) for _ in range(60)}
    # p = 0.5 per page: some pages are the served one, some show a swapped or unseen result;
    # p = 1 (the default preset): every explored page differs from the served one
    assert (tuple(served) in pages) == (preset.explore_p < 1.0)
    assert len(pages) > 1 and all(len(page) == 2 for page in pages)


def _store_clicks(store: Store, seconds_apart: float, count: int) -> str:
    alice = Identity.generate()
    body = wire.encode(compact_click("blue", ["a1"], "a1"))
    start_ms = int(time.time() * 1000) - int(count * seconds_apart * 1000)
    rows = []
    for seq in range(count):
        ts_ms = start_ms + int(seq * seconds_apart * 1000)
        record = wire.sign_record(alice.seed, wire.CLICKS_TOPIC, seq, ts_ms, body)
        rows.append(RecordRow(record.topic, record.author, seq, ts_ms, wire.encode(record)))
    store.insert_records(rows, "local")
    return wire.peer_id_str(alice.public_key)


def test_a_half_life_in_rows_follows_the_click_rate_of_the_store(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        import_items(store, parse_catalogue(write_catalogue(tmp_path / "c.jsonl").open(), "c"))
        alice = _store_clicks(store, seconds_apart=10.0, count=21)  # 0.1 click rows a second
        tail = open_tail(store, alice, BYTESWARM_V2)
        half_life_rows = BYTESWARM_V2.half_life_rows
        assert half_life_rows is not None
        assert tail.index.config.half_life_s == pytest.approx(half_life_rows * 10.0)
        assert tail.search("blue", 1)[0]["id"] == "a1"  # her clicks count after the rebuild
        fixed = open_tail(store, alice, BYTESWARM)  # a half-life in seconds stays as it is
        assert fixed.index.config.half_life_s == BYTESWARM.half_life_s


def test_a_cold_start_loads_the_store_once_with_the_stored_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store.open(tmp_path / "s.db") as store:
        import_items(store, parse_catalogue(write_catalogue(tmp_path / "c.jsonl").open(), "c"))
        alice = _store_clicks(store, seconds_apart=10.0, count=21)
        loads = []
        original = IndexTail._load

        def counting_load(self: IndexTail, store: Store) -> int:
            loads.append(1)
            return original(self, store)

        monkeypatch.setattr(IndexTail, "_load", counting_load)
        tail = open_tail(store, alice, BYTESWARM_V2)
        assert len(loads) == 1  # no rebuild straight after the first load
        wanted = stored_click_rate(store).config_for(BYTESWARM_V2)
        assert tail.index.config == wanted != BYTESWARM_V2


def test_a_reimported_title_replaces_the_old_one_in_a_live_index(tmp_path: Path) -> None:
    with Store.open(tmp_path / "s.db") as store:
        import_items(store, parse_catalogue(write_catalogue(tmp_path / "c.jsonl").open(), "c"))
        tail = open_tail(store, "me", BYTESWARM_V2)
        assert tail.search("train", 1)[0]["title"] == "Blue Train"
        renamed = [{**r, "title": "Blue Train (Mono)"} if r["id"] == "a2" else r for r in CATALOGUE]
        path = write_catalogue(tmp_path / "renamed.jsonl", renamed)
        import_items(store, parse_catalogue(path.open(), "renamed"))
        tail.refresh(store)
        assert [r["title"] for r in tail.search("mono", 3)] == ["Blue Train (Mono)"]
        import_items(store, parse_catalogue(path.open(), "renamed"))  # the same again
        assert tail.refresh(store) == 0 and len(tail.search("blue", 10)) == 3
