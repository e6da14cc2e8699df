"""Click records: forged and foreign rows dropped, the position and the results above it
written, future dates clamped, compact clicks ranking like old ones."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from models.rank.attractiveness import skipped
from models.rank.rows import Item
from node import wire
from node.net.identity import Identity
from node.rank.index import open_tail
from node.rank.records import (
    MAX_CLOCK_SKEW_MS,
    click_row,
    compact_click,
    import_items,
    make_click,
    record_click_offline,
)
from node.runtime.catchup import verified_records
from node.store.database import Store
from tests.node.rank.catalogue import CATALOGUE


def test_forged_and_foreign_rows_are_dropped_before_storage() -> None:
    alice, mallory = Identity.generate(), Identity.generate()
    body = wire.encode(wire.Click(wire.WIRE_VERSION, "blue", ["a1"], "a1"))
    good = wire.sign_record(alice.seed, wire.CLICKS_TOPIC, 0, 1, body)
    forged = wire.SignedRecord(  # claims alice, signed by mallory
        wire.WIRE_VERSION,
        wire.CLICKS_TOPIC,
        alice.public_key,
        1,
        1,
        body,
        wire.sign_record(mallory.seed, wire.CLICKS_TOPIC, 1, 1, body).sig,
    )
    note = wire.sign_record(
        alice.seed, wire.NOTES_TOPIC, 0, 1, wire.encode(wire.Note(wire.WIRE_VERSION, "x", 1.0))
    )
    assert verified_records(wire.CLICKS_TOPIC, [good, forged, note]) == [good]


def test_the_service_writes_the_position_and_the_results_above_it() -> None:
    click = compact_click("blue", ["a2", "a1", "a3"], "a1")
    assert (click.shown, click.clicked, click.position) == (["a2"], "a1", 2)
    assert compact_click("blue", ["a1", "a2"], "a1").shown == []
    assert compact_click("blue", ["a2"], "a9").position == 0
    alice = Identity.generate()
    old_body = msgspec.msgpack.encode((wire.WIRE_VERSION, "blue", ["a2", "a1", "a3"], "a1"))
    old = click_row(wire.sign_record(alice.seed, wire.CLICKS_TOPIC, 0, 1_000, old_body))
    new = click_row(wire.sign_record(alice.seed, wire.CLICKS_TOPIC, 1, 1_000, wire.encode(click)))
    assert (old.shown, old.position, old.page_position()) == (("a2", "a1", "a3"), 0, 2)
    assert (new.shown, new.position, new.page_position()) == (("a2",), 2, 2)
    assert skipped(old) == skipped(new) == ("a2",)
    assert len(wire.encode(click)) < len(old_body)  # the page below the click is left out


def test_a_click_dated_in_the_future_counts_as_now() -> None:
    alice = Identity.generate()
    body = wire.encode(compact_click("blue", ["a1"], "a1"))
    now_ms = 1_800_000_000_000
    year_ahead = wire.sign_record(alice.seed, wire.CLICKS_TOPIC, 0, now_ms + 365 * 86_400_000, body)
    assert click_row(year_ahead, now_ms).ts == (now_ms + MAX_CLOCK_SKEW_MS) / 1000
    on_time = wire.sign_record(alice.seed, wire.CLICKS_TOPIC, 1, now_ms - 5_000, body)
    assert click_row(on_time, now_ms).ts == (now_ms - 5_000) / 1000


def test_stored_compact_clicks_rank_like_old_ones(tmp_path: Path) -> None:
    """An old-format store and a compact one serve the same ranking under position weights:
    a2 has more clicks, a1 clicks from lower on the page, which count more (1 vs 1/3)."""
    import dataclasses

    from models.rank.config import GLOBAL_COUNTS

    config = dataclasses.replace(GLOBAL_COUNTS, inverse_position=True, position_horizon=3)
    page = ["a2", "a3", "a1"]
    clicks = ["a2", "a1", "a2", "a1", "a2"]
    served = []
    for name, compact in (("old", False), ("new", True)):
        alice = Identity.generate()
        with Store.open(tmp_path / f"{name}.db") as store:
            import_items(store, [Item(r["id"], r["title"], r["artist"]) for r in CATALOGUE])
            for item in clicks:
                if compact:
                    click = make_click(store, "blue", item, page)
                    assert click.shown == page[: page.index(item)]
                else:
                    click = wire.Click(wire.WIRE_VERSION, "blue", page, item)
                record_click_offline(store, alice.seed, alice.public_key, click)
            tail = open_tail(store, wire.peer_id_str(alice.public_key), config)
            served.append(
                (tail.index.click_scores("blue"), [r["id"] for r in tail.search("blue", 3)])
            )
    (old_scores, old_ranking), (new_scores, new_ranking) = served
    assert new_scores == pytest.approx(old_scores, rel=1e-3)  # decay: clicks made ms apart
    assert old_scores == pytest.approx({"a1": 2.0, "a2": 1.0}, rel=1e-3)
    assert new_ranking == old_ranking == ["a1", "a2", "a3"]
