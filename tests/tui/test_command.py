"""``byteswarm tui`` with nothing to open: one line, exit 2, nothing created."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from node.cli.app import cli


def test_no_store_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["tui", "--data-dir", str(tmp_path / "none")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"error: no node store at {tmp_path / 'none' / 'node.db'}; start one with: byteswarm run"
    ]
    assert not (tmp_path / "none").exists()
