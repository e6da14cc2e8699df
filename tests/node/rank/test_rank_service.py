"""The rank service from the command line and in daemons: catalogue import, offline search and
click, a 3-daemon swarm, a re-imported catalogue served live."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from node.cli.control import send_control
from node.cli.swarm import Swarm, run_cli
from node.rank.records import RankError, parse_catalogue
from tests.node.rank.catalogue import CATALOGUE, write_catalogue


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
        # a page passed over goes through the daemon too: a signed row without a click
        passed = bs("pass", "blue", "--shown", "a1", "--shown", "a3", "--json", "--data-dir", data)
        assert passed.returncode == 0, passed.stderr
        assert json.loads(passed.stdout) == {"seq": 1, "query": "blue", "item": "", "passed": True}
        unknown = bs("pass", "blue", "--shown", "nope", "--data-dir", data)
        assert unknown.returncode == 2 and "unknown item 'nope'" in unknown.stderr
        none = bs("search", "zzzz", "--data-dir", data).stdout.splitlines()
        assert none[0] == "no items match 'zzzz'" and "Blue Lines" in none[2]
