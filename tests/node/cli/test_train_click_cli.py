"""``train start`` and ``click`` check their options and say which one is wrong."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from node.finetune.encoder_check import missing_encoder
from tests.node.cli.test_cli import assert_one_line_error, run_cli


@pytest.mark.parametrize(
    ("option", "value"), [("--lr", "nan"), ("--lr", "-1"), ("--epsilon", "inf")]
)
def test_train_start_names_a_bad_number(tmp_path: Path, option: str, value: str) -> None:
    result = run_cli("train", "start", "--run", "r", option, value, "--data-dir", str(tmp_path))
    assert_one_line_error(result, f"error: {option} must be a finite number > 0")


def test_a_node_on_onnxruntime_without_the_encoder_is_told_what_to_run(tmp_path: Path) -> None:
    why = missing_encoder("tiny", "onnxruntime", tmp_path)
    assert why is not None and "byteswarm train export-encoder --model tiny" in why
    assert str(tmp_path) in why
    assert missing_encoder("tiny", "torch", tmp_path) is None


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    lines = [json.dumps({"id": i, "title": i, "artist": "a", "tags": []}) for i in ("t1", "t2")]
    (tmp_path / "c.jsonl").write_text("\n".join(lines) + "\n")
    data_dir = tmp_path / "node"
    result = run_cli("items", "import", str(tmp_path / "c.jsonl"), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    return data_dir


@pytest.mark.parametrize(
    ("shown", "needle"),
    [
        (["NOPE", "t1"], "--shown: unknown item 'NOPE'"),
        (["t2"], "--shown must include the clicked item 't1'"),
        (["t1", "t1"], "--shown lists 't1' more than once"),
    ],
)
def test_click_checks_the_shown_page(catalogue_dir: Path, shown: list[str], needle: str) -> None:
    args = [a for item in shown for a in ("--shown", item)]
    result = run_cli("click", "blue", "t1", *args, "--data-dir", str(catalogue_dir))
    assert_one_line_error(result, needle)


def test_click_with_a_good_page_is_recorded(catalogue_dir: Path) -> None:
    args = ["--shown", "t2", "--shown", "t1", "--data-dir", str(catalogue_dir)]
    result = run_cli("click", "blue", "t1", *args)
    assert result.returncode == 0 and "click #0" in result.stdout, result.stderr
