"""``python -m bench.rank.grank``'s argument errors: one line, exit 2, nothing run."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.rank.grank import main


@pytest.mark.parametrize(
    ("flag", "value", "said"),
    [
        ("--methods", "byteswarm_v9", "--methods: unknown byteswarm_v9"),
        ("--only", "second_pbm1_unifrom", "--only: no scenario second_pbm1_unifrom"),
    ],
)
def test_a_name_the_bench_does_not_know_is_an_error_not_an_empty_run(
    flag: str, value: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out.json"
    with pytest.raises(SystemExit) as exited:
        main(["--worlds", flag, value, "--json", str(out)])
    assert exited.value.code == 2
    assert said in capsys.readouterr().err
    assert not out.exists()
