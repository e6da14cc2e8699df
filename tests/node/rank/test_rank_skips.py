"""The daemon's stored clicks carry the results above each click, and the ``byteswarm_v3``
preset ranks with them (the same ``RankIndex`` as the bench)."""

from __future__ import annotations

from pathlib import Path

import pytest

from models.rank.config import BYTESWARM_V2, PRESETS
from models.rank.rows import Item
from node import wire
from node.net.identity import Identity
from node.rank.index import open_tail
from node.rank.records import (
    RankError,
    import_items,
    make_click,
    make_passed,
    record_click_offline,
)
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


def test_a_stored_page_passed_over_sinks_what_it_showed(tmp_path: Path) -> None:
    v6 = PRESETS["byteswarm_v6"]
    alice = Identity.generate()
    with Store.open(tmp_path / "a.db") as store:
        import_items(store, ITEMS)
        page = [item["id"] for item in open_tail(store, "me", v6).search("rock", 4)]
        passed = make_passed(store, "rock", page[:3])
        assert (passed.shown, passed.clicked, passed.position) == (page[:3], "", 0)
        record_click_offline(store, alice.seed, alice.public_key, passed)
        me = wire.peer_id_str(alice.public_key)
        tail = open_tail(store, me, v6)
        skips = tail.index.skip_scores("rock")
        assert skips == {page[0]: 1.0, page[1]: 0.5, page[2]: pytest.approx(1 / 3)}
        assert tail.index.click_scores("rock") == {}
        # the one never shown first, then the three passed over, the shallowest skip last
        served = [item["id"] for item in tail.search("rock", 4)]
        assert served == [page[3], page[2], page[1], page[0]]
        for shown, error in (([], "needs the items"), (["r0", "r0"], "more than once")):
            with pytest.raises(RankError, match=error):
                make_passed(store, "rock", shown)
        with pytest.raises(RankError, match="unknown item 'nope'"):
            make_click(store, "rock", "", ["r0", "nope"])
