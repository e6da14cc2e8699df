"""The grid sweep reads each ``field=value`` as the field's type and refuses what it cannot be."""

from __future__ import annotations

import pytest

from bench.rank.tune_grid import main, parse_pairs


def test_words_become_the_fields_types() -> None:
    pairs = parse_pairs(
        [
            "use_similarity=false,true",
            "explore_concentration=0.5,2",
            "half_life_rows=none,7400",
            "author_cap=distinct",
        ]
    )
    assert pairs == [
        ("use_similarity", [False, True]),
        ("explore_concentration", [0.5, 2]),
        ("half_life_rows", [None, 7400]),
        ("author_cap", ["distinct"]),
    ]
    assert pairs[0][1][0] is False  # not the truthy word "false"


@pytest.mark.parametrize(
    "text",
    [
        "use_similarity=flase",
        "use_similarity=1",
        "author_cap=distnct",
        "explore_p=abc",
        "prior_strength=true",
        "prior_strength=none",
        "nope=1",
        "explore_p=",
    ],
)
def test_a_value_the_field_cannot_take_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pairs([text])


def test_the_command_line_says_so_in_one_line_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "--base", "byteswarm_v4", "--grid", "use_similarity=flase",
                "--scenarios", "second_pbm1_uniform", "--seeds", "101", "--json", "unused.json",
            ]
        )  # fmt: skip
    assert exit_info.value.code == 2
    assert (
        capsys.readouterr()
        .err.strip()
        .splitlines()[-1]
        .endswith("use_similarity cannot be 'flase'")
    )
