"""The daemon's stored clicks carry the results above each click, and the ``byteswarm_v3``
preset ranks with them (the same ``RankIndex`` as the bench)."""

from __future__ import annotations

from pathlib import Path

from models.rank.config import BYTESWARM_V2, PRESETS
from models.rank.rows import Item
from node import wire
from node.net.identity import Identity
from node.rank.index import open_tail
from node.rank.records import import_items, make_click, record_click_offline
from node.store.database import Store

ITEMS = [Item(f"r{n}", f"title {n}", "band", ("rock",)) for n in range(4)]


def test_stored_clicks_make_skips_and_the_v3_preset_ranks_with_them(tmp_path: Path) -> None:
    v3 = PRESETS["byteswarm_v3"]
    assert v3.estimator == "beta"
    alice = Identity.generate()
    with Store.open(tmp_path / "a.db") as store:
        import_items(store, ITEMS)
        page = [item["id"] for item in open_tail(store, "me", v3).search("rock", 4)]
        click = make_click(store, "rock", page[2], page)
        assert (click.shown, click.position) == (page[:2], 3)
        record_click_offline(store, alice.seed, alice.public_key, click)
        me = wire.peer_id_str(alice.public_key)
        beta = open_tail(store, me, v3)
        assert set(beta.index.skip_scores("rock")) == set(page[:2])
        served = [item["id"] for item in beta.search("rock", 4)]
        # the clicked result first, the two passed over last, below the one never shown; a
        # skip at rank 2 weighs half one at rank 1 (position-based users)
        assert served == [page[2], page[3], page[1], page[0]]
        votes = open_tail(store, me, BYTESWARM_V2)
        assert [item["id"] for item in votes.search("rock", 4)] == [
            page[2],
            page[0],
            page[1],
            page[3],
        ]
