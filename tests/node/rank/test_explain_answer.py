"""A search answer with its score breakdown (``Search.explain``): typed, checked at the
boundary, computed by the ranker, and never a different ranking."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import msgspec
import pytest
import trio

from node import wire
from node.net.identity import Identity
from node.rank.explain import explained_text
from node.rank.index import open_tail
from node.rank.records import import_items, make_click, record_click_offline
from node.rank.service import RankService
from node.store.database import RecordRow, Store
from node.wire.control import MAX_TOP_PEERS, decode_search_answer
from tests.node.fake_node import FakeNode
from tests.node.rank.test_rank_unit import ITEMS, run_service


def peer_clicks(identity: Identity, picks: list[tuple[str, str]]) -> list[RecordRow]:
    rows = []
    for seq, (query, item) in enumerate(picks):
        body = wire.encode(wire.Click(wire.WIRE_VERSION, query, [], item, 1))
        record = wire.sign_record(identity.seed, wire.CLICKS_TOPIC, seq, 1_000 + seq, body)
        rows.append(RecordRow(record.topic, record.author, seq, record.ts_ms, wire.encode(record)))
    return rows


@pytest.fixture
def store(tmp_path: Path) -> Any:
    me = Identity.generate()
    alice, bob = Identity.generate(), Identity.generate()
    with Store.open(tmp_path / "node.db") as store:
        import_items(store, ITEMS)
        row = make_click(store, "blue", "a2", [])
        record_click_offline(store, me.seed, me.public_key, row)
        # alice clicks what we click (and more), bob only other things
        store.insert_records(peer_clicks(alice, [("blue", "a2"), ("blue", "a3")]), "alice")
        store.insert_records(peer_clicks(bob, [("miles", "a1")]), "bob")
        yield store, wire.peer_id_str(me.public_key), wire.peer_id_str(alice.public_key)


def test_the_breakdown_composes_the_score_and_changes_no_ranking(store: Any) -> None:
    store, me, alice = store
    tail = open_tail(store, me)
    plain = tail.answer("blue", 10)
    explained = tail.answer("blue", 10, explain=True)
    typed = decode_search_answer({"query": "blue", **explained})
    assert [r.id for r in typed.results] == [r["id"] for r in plain["results"]]
    first = typed.results[0]
    assert first.id == "a2" and first.score is not None
    assert first.score.own > 0 and first.score.peers > 0  # ours and alice's
    for result in typed.results:
        score = result.score
        assert score is not None and score.matched and score.bm25 > 0
        assert math.isclose(score.own + score.peers, score.clicks, abs_tol=1e-9)
        assert score.served_rank == result.rank  # no exploration: served as ranked
        assert len(score.top_peers) <= MAX_TOP_PEERS
    a3 = next(r for r in typed.results if r.id == "a3")
    assert a3.score is not None and a3.score.own == 0
    assert [p.peer for p in a3.score.top_peers] == [alice]
    [trusted] = typed.trusted  # bob shares nothing with us: weight 0, not trusted
    assert trusted.peer == alice and trusted.shared_items == 1 and trusted.similarity == 1.0


def test_explored_rows_say_where_the_served_ranking_puts_them(store: Any) -> None:
    store, me, _ = store
    tail = open_tail(store, me)
    for _ in range(20):  # the default preset samples every explored page: some row moves
        answer = decode_search_answer({"query": "blue", **tail.answer("blue", 2, True, True)})
        moved = [r for r in answer.results if r.explored]
        for r in answer.results:
            assert r.score is not None and (r.score.served_rank != r.rank) == r.explored
        if moved:
            text = explained_text({"query": "blue", **tail.answer("blue", 2, True, True)})
            break
    else:
        raise AssertionError("no exploration swap in 20 pages")
    # the command line's text shows what the default preset sorts the matches by
    lines = text.splitlines()[1:3]
    assert all("attractiveness" in line and "(skips" in line for line in lines)


def test_the_text_names_the_served_place_of_every_explored_row(store: Any) -> None:
    store, me, _ = store
    tail = open_tail(store, me)
    for _ in range(40):
        answer = {"query": "blue", **tail.answer("blue", 2, True, True)}
        explored = {r["id"] for r in answer["results"] if r["explored"]}
        if explored:
            break
    else:
        raise AssertionError("no explored row in 40 pages")
    served = {r["id"]: r["score"]["served_rank"] for r in answer["results"]}
    for line in explained_text(answer).splitlines()[1:3]:
        item = line.split()[1]
        says = f"explored: served at #{served[item]}"
        assert (says in line) == (item in explored)


def test_an_answer_with_nan_unknown_fields_or_too_many_peers_is_refused(store: Any) -> None:
    store, me, _ = store
    good = {"query": "blue", **open_tail(store, me).answer("blue", 10, explain=True)}
    decode_search_answer(good)
    bad_score = msgspec.json.decode(msgspec.json.encode(good))
    bad_score["results"][0]["score"]["own"] = float("nan")
    unknown = msgspec.json.decode(msgspec.json.encode(good))
    unknown["results"][0]["score"]["why"] = "trust me"
    crowded = msgspec.json.decode(msgspec.json.encode(good))
    share = {"peer": "p", "weight": 1.0, "share": 1.0}
    crowded["results"][0]["score"]["top_peers"] = [share] * (MAX_TOP_PEERS + 1)
    for answer, what in ((bad_score, "own"), (unknown, "why"), (crowded, "top_peers")):
        with pytest.raises(ValueError, match=what):
            decode_search_answer(answer)


def test_the_service_answers_explain_and_leaves_plain_answers_as_they_were(
    tmp_path: Path,
) -> None:
    async def test(service: RankService, node: FakeNode) -> None:
        await service.on_control("click", {"query": "blue", "item": "a3"})
        plain = await service.on_control("search", {"query": "blue"})
        explained = await service.on_control("search", {"query": "blue", "explain": True})
        assert plain is not None and explained is not None
        assert set(plain) == {"query", "results", "popular"}
        assert all("score" not in r for r in plain["results"])
        assert [r["id"] for r in explained["results"]] == [r["id"] for r in plain["results"]]
        assert explained["results"][0]["score"]["own"] == 1.0  # our vote, weight 1 + F
        assert explained["trusted"] == []
        await trio.sleep(0)

    run_service(tmp_path, [], test)
