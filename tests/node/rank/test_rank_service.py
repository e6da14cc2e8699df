"""The rank service: catalogue import, offline search and click, and a 3-daemon swarm."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import msgspec
import pytest

from models.rank.attractiveness import skipped
from models.rank.config import BYTESWARM, BYTESWARM_V2, RankConfig
from models.rank.rows import Item
from node import wire
from node.cli.control import send_control
from node.cli.swarm import Swarm, run_cli
from node.net.identity import Identity
from node.rank.index import IndexTail, open_tail, stored_click_rate
from node.rank.records import (
    MAX_CLOCK_SKEW_MS,
    RankError,
    click_row,
    compact_click,
    import_items,
    make_click,
    parse_catalogue,
    record_click_offline,
)
from node.runtime.catchup import verified_records
from node.store.database import RecordRow, Store

CATALOGUE = [
    {"id": "a1", "title": "Kind of Blue", "artist": "Miles Davis", "tags": ["jazz"]},
    {"id": "a2", "title": "Blue Train", "artist": "John Coltrane", "tags": ["jazz"]},
    {"id": "a3", "title": "Blue Lines", "artist": "Massive Attack", "tags": ["trip hop"]},
    {"id": "a4", "title": "Mezzanine", "artist": "Massive Attack", "tags": ["trip hop"]},
]


def write_catalogue(path: Path, rows: list[dict[str, object]] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows or CATALOGUE))
    return path


def bs(*args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(*args, timeout=60)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"id": "a"}\n{oops\n', "f:2: not valid JSON"),
        ("[1, 2]\n", "f:1: expected a JSON object"),
        ('{"id": "a", "colour": "red"}\n', "f:1: unknown field 'colour'"),
        ('{"id": ""}\n', "f:1: 'id' must be"),
        ('{"id": "a", "tags": "jazz"}\n', "f:1: 'tags' must be"),
        ('{"id": "a"}\n\n{"id": "a"}\n', "f:3: duplicate id"),
    ],
)
def test_bad_catalogue_lines_are_named(text: str, needle: str) -> None:
    with pytest.raises(RankError, match=needle):
        parse_catalogue(text.splitlines(), "f")


def test_a_bad_catalogue_imports_nothing(tmp_path: Path) -> None:
    good = write_catalogue(tmp_path / "good.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text(good.read_text() + "{broken\n")
    result = bs("items", "import", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2 and "bad.jsonl:5" in result.stderr
    result = bs("search", "blue", "--json", "--data-dir", str(tmp_path / "d"))
    assert json.loads(result.stdout) == []


def test_offline_clicks_change_the_offline_ranking(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    assert (
        bs(
            "items", "import", str(write_catalogue(tmp_path / "c.jsonl")), "--data-dir", data
        ).returncode
        == 0
    )
    before = [
        r["id"] for r in json.loads(bs("search", "blue", "--json", "--data-dir", data).stdout)
    ]
    assert set(before) == {"a1", "a2", "a3"}  # metadata matches only
    target = before[-1]
    for _ in range(2):
        assert bs("click", "blue", target, "--data-dir", data).returncode == 0
    after = [r["id"] for r in json.loads(bs("search", "blue", "--json", "--data-dir", data).stdout)]
    assert after[0] == target
    unknown = bs("click", "blue", "nope", "--data-dir", data)
    assert unknown.returncode == 2 and "unknown item" in unknown.stderr
    long_query = bs("search", "x" * 300, "--data-dir", data)
    assert long_query.returncode == 2 and "longer than" in long_query.stderr


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


@pytest.mark.integration
@pytest.mark.network
def test_clicks_on_one_node_change_the_ranking_served_on_another(tmp_path: Path) -> None:
    catalogue = str(write_catalogue(tmp_path / "c.jsonl"))
    with Swarm(tmp_path / "swarm", sync_interval=1.0) as swarm:
        first = swarm.start()
        boot = swarm.address(first)
        clicker, searcher = swarm.start(boot), swarm.start(boot)
        for d in (first, clicker, searcher):
            swarm.address(d)
            assert bs("items", "import", catalogue, "--data-dir", str(d)).returncode == 0

        def top(d: Path) -> str:
            return str(send_control(d, "search", {"query": "blue", "k": 3})["results"][0]["id"])

        target = next(i for i in ("a2", "a1", "a3") if i != top(searcher))
        # G-Rank weights a peer by behavioural similarity: give the two a shared taste first.
        for d in (searcher, clicker):
            send_control(d, "click", {"query": "massive attack", "item": "a4"})
        for _ in range(3):
            send_control(clicker, "click", {"query": "blue", "item": target})
        swarm.wait_for(lambda: top(searcher) == target, 30, "the click to change the ranking")


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


def test_a_query_that_matches_nothing_says_so_and_labels_popular_items(tmp_path: Path) -> None:
    data = str(tmp_path / "d")
    catalogue = str(write_catalogue(tmp_path / "c.jsonl"))
    assert bs("items", "import", catalogue, "--data-dir", data).returncode == 0
    assert bs("click", "blue", "a2", "--data-dir", data).returncode == 0
    result = bs("search", "zzzz", "--data-dir", data)
    assert result.returncode == 0
    first, *rest = result.stdout.splitlines()
    assert first == "no items match 'zzzz'"
    assert rest[0].startswith("popular") and "Blue Train" in rest[1]
    assert json.loads(bs("search", "zzzz", "--json", "--data-dir", data).stdout) == []
    assert "no items match" not in bs("search", "blue", "--data-dir", data).stdout


@pytest.mark.integration
@pytest.mark.network
def test_a_running_daemon_serves_a_reimported_catalogue(tmp_path: Path) -> None:
    with Swarm(tmp_path / "swarm") as swarm:
        d = swarm.start(config="[adapt]\nenabled = false")
        swarm.address(d)
        data = str(d)
        assert (
            bs(
                "items", "import", str(write_catalogue(tmp_path / "c.jsonl")), "--data-dir", data
            ).returncode
            == 0
        )
        assert "Blue Train" in bs("search", "train", "--data-dir", data).stdout
        renamed = [{**r, "title": "Blue Train (Mono)"} if r["id"] == "a2" else r for r in CATALOGUE]
        path = write_catalogue(tmp_path / "renamed.jsonl", renamed)
        assert (
            bs("items", "import", str(path), "--data-dir", data).stdout.strip()
            == "imported 4 items"
        )
        assert "Blue Train (Mono)" in bs("search", "train", "--data-dir", data).stdout
        assert bs("click", "blue", "a3", "--data-dir", data).returncode == 0
        none = bs("search", "zzzz", "--data-dir", data).stdout.splitlines()
        assert none[0] == "no items match 'zzzz'" and "Blue Lines" in none[2]
