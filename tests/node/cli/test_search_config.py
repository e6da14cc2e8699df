"""Offline ``byteswarm search`` ranks with the node's config (``--config``): the preset a
daemon run with the same file would serve, not the default one."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from node.cli.app import cli

NO_ENV: dict[str, str | None] = {"BYTESWARM_DATA_DIR": None}


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=NO_ENV)


def ids(result: Result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


def clicked_store(tmp_path: Path) -> tuple[Path, list[str]]:
    """A data dir whose one click (on the third of four results, the two above it passed
    over) the presets rank differently: v3 counts the skips, v2 only the click."""
    catalogue = tmp_path / "c.jsonl"
    lines = [
        json.dumps({"id": f"r{n}", "title": f"title {n}", "artist": "band", "tags": ["rock"]})
        for n in range(4)
    ]
    catalogue.write_text("\n".join(lines) + "\n")
    data_dir = tmp_path / "node"
    assert invoke("items", "import", str(catalogue), "--data-dir", str(data_dir)).exit_code == 0
    page = ids(invoke("search", "rock", "--json", "--data-dir", str(data_dir)))
    shown = [a for item in page for a in ("--shown", item)]
    clicked = invoke("click", "rock", page[2], *shown, "--data-dir", str(data_dir))
    assert clicked.exit_code == 0, clicked.output
    return data_dir, page


def test_offline_search_ranks_with_the_preset_of_its_config(tmp_path: Path) -> None:
    data_dir, page = clicked_store(tmp_path)
    v2 = tmp_path / "v2.toml"
    v2.write_text('[rank]\npreset = "byteswarm_v2"\n')
    args = ("search", "rock", "--json", "--data-dir", str(data_dir))
    default = ids(invoke(*args))
    with_v2 = ids(invoke(*args, "--config", str(v2)))
    v6 = tmp_path / "v6.toml"
    v6.write_text('[rank]\npreset = "byteswarm_v6"\n')
    with_v6 = ids(invoke(*args, "--config", str(v6)))
    first, second, third, fourth = page  # the page the click was on
    # byteswarm_v5 (the default; v3, v4 and v6 alike): the clicked result, then the one never
    # shown, the two passed over last; byteswarm_v2: the click, then the BM25 order
    assert default == [third, fourth, second, first]
    assert with_v6 == default
    assert with_v2 == [third, first, second, fourth]


def test_the_config_file_can_name_the_data_dir(tmp_path: Path) -> None:
    data_dir, page = clicked_store(tmp_path)
    config = tmp_path / "node.toml"
    config.write_text(f'data_dir = "{data_dir}"\n[rank]\npreset = "byteswarm_v2"\n')
    found = ids(invoke("search", "rock", "--json", "--config", str(config)))
    assert found == [page[2], page[0], page[1], page[3]]


def test_a_bad_config_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data_dir = tmp_path / "node"
    bad = tmp_path / "bad.toml"
    for text, needle in [
        ('[rank]\npreset = "nope"\n', "rank.preset: expected one of"),
        ("[rank]\nsurprise = 1\n", "surprise"),
        ("[rank\n", "not valid TOML"),
    ]:
        bad.write_text(text)
        result = invoke("search", "rock", "--data-dir", str(data_dir), "--config", str(bad))
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert needle in lines[0], lines[0]
        assert not data_dir.exists()  # nothing created: no identity, no store
