"""``ScreenRule`` on hand-made code tables: strikes only while saturation is a minority,
repeaters and chronic saturators, the window of exclusion, verdicts that read only the
window, round 0 and the scale's left-out authors."""

from __future__ import annotations

import numpy as np
import pytest

from models.spsa.codes import CODE_MAX
from models.spsa.screening import RoundCodes, RoundsHeld, ScreenRule
from tests.models.spsa.swarm_peers import BYZANTINE, HONEST, V3


def _table(*rounds: dict[str, list[int]]) -> RoundsHeld:
    """A hand-made code table: round k holds ``rounds[k]`` (nothing outside it)."""
    held = [RoundCodes.of(codes) for codes in rounds]
    return lambda k: held[k] if 0 <= k < len(held) else RoundCodes()


def _sets(strikes: dict[int, set[str]], authors: int = 5) -> RoundsHeld:
    """Rounds where the given authors saturate among ``authors`` quiet ones (a minority)."""
    quiet = {f"q{i}": [0] for i in range(authors)}
    return lambda k: RoundCodes.of({**quiet, **{a: [CODE_MAX] for a in strikes.get(k, set())}})


def test_a_saturated_code_is_a_strike_only_while_saturation_is_a_minority() -> None:
    v1 = ScreenRule(repeat_after=0)
    assert v1.struck(0, _table({"a": [127], "b": [-127], "c": [3], "d": [5], "e": [0]})) == {
        "a",
        "b",
    }
    assert v1.struck(0, _table({"a": [127], "b": [-127], "c": [3], "d": [126]})) == frozenset()
    assert v1.struck(0, _table({})) == frozenset()


def test_with_probes_a_record_strikes_when_most_of_its_codes_saturate() -> None:
    codes = {"a": [127, -127, 3], "b": [127, 2, 3], "c": [1, 2, 3], "d": [0, 0, 0]}
    assert RoundCodes.of(codes).saturated == {"a"}
    assert ScreenRule().struck(0, _table(codes)) == {"a"}


def test_exclusion_needs_enough_strikes_inside_the_window() -> None:
    rule = ScreenRule(window=5, strikes=3, suspect_after=2, repeat_after=0)
    rounds = _sets({0: {"x"}, 1: {"x"}, 2: {"x", "y"}, 3: {"y"}, 6: {"y"}})
    assert [rule.excluded(r, rounds) for r in (2, 3, 5, 6, 8)] == [
        frozenset(),
        frozenset({"x"}),
        frozenset({"x"}),
        frozenset(),  # x's strikes left the window; y has 2
        frozenset(),
    ]
    assert rule.excluded(7, rounds) == {"y"}
    # a suspect's strike in the round itself is ignored at once; a first strike is not
    assert rule.ignored(2, rounds) == {"x"} and rule.ignored(6, rounds) == {"y"}
    assert rule.ignored(0, rounds) == rule.ignored(1, rounds) == frozenset()


def _byzantine_table(rounds: int, honest_saturating: int = 1) -> RoundsHeld:
    """45 %: 9 of 20 send +127 every round; each round ``honest_saturating`` honest codes
    saturate too, never the same peer twice running (rotating through the 11)."""
    table = []
    for r in range(rounds):
        codes = {a: [CODE_MAX] for a in BYZANTINE}
        for i, author in enumerate(HONEST):
            hit = (i - r * honest_saturating) % len(HONEST) < honest_saturating
            codes[author] = [-CODE_MAX if hit else 17 - 3 * i]
        table.append(codes)
    return _table(*table)


def test_at_45_percent_the_plain_test_judges_nobody_and_repeaters_are_struck() -> None:
    rounds = _byzantine_table(60)
    v1, v2 = ScreenRule(repeat_after=0), ScreenRule(repeat_after=1)
    assert all(v1.struck(r, rounds) == frozenset() for r in range(60))
    assert all(v1.ignored(r, rounds) == frozenset() for r in range(61))
    # v2: round 0 is admitted (nothing to repeat), every later round strikes and ignores them
    assert v2.struck(0, rounds) == v2.ignored(0, rounds) == frozenset()
    assert all(v2.struck(r, rounds) == set(BYZANTINE) for r in range(1, 60))
    assert all(v2.ignored(r, rounds) == set(BYZANTINE) for r in range(1, 60))
    assert v2.excluded(v2.strikes, rounds) == frozenset()
    assert all(v2.excluded(r, rounds) == set(BYZANTINE) for r in range(v2.strikes + 1, 61))


def test_chronic_saturators_leave_the_minority_test_at_45_percent() -> None:
    rounds = _byzantine_table(30)
    rule = ScreenRule(repeat_after=0, chronic_after=3)
    assert all(rule.struck(r, rounds) == frozenset() for r in range(3))
    assert all(rule.struck(r, rounds) == set(BYZANTINE) for r in range(3, 30))
    assert rule.excluded(3 + rule.strikes, rounds) == set(BYZANTINE)
    # most honest codes saturating too (the scale is off): the round still judges nobody
    off = _byzantine_table(30, honest_saturating=6)
    assert all(rule.struck(r, off) == frozenset() for r in range(30))
    assert rule.excluded(30, off) == frozenset()


def test_repeaters_are_struck_only_while_a_minority() -> None:
    rule = ScreenRule(repeat_after=1)
    loud = {f"a{i}": [CODE_MAX] for i in range(10)}
    rounds = _table({**loud, **{f"h{i}": [1] for i in range(10)}}, {**loud, "h0": [1]})
    assert rule.struck(1, rounds) == frozenset() and rule.ignored(1, rounds) == frozenset()
    quieter = _table(*[{**loud, **{f"h{i}": [1] for i in range(11)}}] * 2)
    assert rule.struck(1, quieter) == rule.ignored(1, quieter) == set(loud)


def test_honest_saturations_that_never_repeat_add_no_strike() -> None:
    rng = np.random.default_rng(7)
    table = []
    for r in range(120):
        codes = {a: [int(rng.integers(-100, 100))] for a in HONEST}
        codes[HONEST[r % len(HONEST)]] = [CODE_MAX]  # one a round, each peer every 11th round
        table.append(codes)
    rounds = _table(*table)
    v1, v2 = ScreenRule(repeat_after=0), ScreenRule(repeat_after=1)
    for r in range(121):
        assert v2.struck(r, rounds) == v1.struck(r, rounds)
        assert v2.ignored(r, rounds) == v1.ignored(r, rounds)
        assert v2.excluded(r, rounds) == frozenset()


@pytest.mark.parametrize("rule", [ScreenRule(), ScreenRule(repeat_after=2, chronic_after=3)])
def test_round_r_depends_only_on_rounds_r_minus_window_to_r(rule: ScreenRule) -> None:
    """What a replica from a checkpoint holds is enough: older rounds cannot change a verdict."""
    rng = np.random.default_rng(3)
    authors = HONEST + BYZANTINE

    def random_round() -> dict[str, list[int]]:
        return {
            a: [int(rng.choice([CODE_MAX, -CODE_MAX, 5]))] for a in authors if rng.random() < 0.9
        }

    table = [random_round() for _ in range(140)]
    full = _table(*table)
    for r in (45, 80, 139):
        first = r - rule.window
        garbled = _table(*[random_round() if k < first else table[k] for k in range(140)])
        cut = _table(*[{} if k < first else table[k] for k in range(140)])
        for rounds in (garbled, cut):
            assert rule.ignored(r, rounds) == rule.ignored(r, full)
            assert rule.excluded(r, rounds) == rule.excluded(r, full)
            assert rule.struck(r, rounds) == rule.struck(r, full)
        assert rule.counts(r, full)  # the tables do strike: the check compares something


def test_start_ignored_drops_round_0_saturated_codes_only() -> None:
    rounds = _byzantine_table(5, honest_saturating=3)  # round 0: 12 of 20 saturate
    rule = ScreenRule(start_ignored=True)
    assert ScreenRule().ignored(0, rounds) == frozenset()
    assert rule.ignored(0, rounds) == rounds(0).saturated
    assert rule.struck(0, rounds) == frozenset()  # ignored, not a strike
    assert rule.ignored(1, rounds) == set(BYZANTINE) == ScreenRule().ignored(1, rounds)


def test_scale_left_out_is_who_the_round_ignores_with_rules_v3_and_nobody_without() -> None:
    rounds = _byzantine_table(12)
    for r in range(12):
        assert ScreenRule().scale_left_out(r, rounds) == frozenset()
        assert V3.scale_left_out(r, rounds) == V3.ignored(r, rounds)
    assert V3.scale_left_out(0, rounds) == frozenset()  # round 0 cannot tell them apart yet
    assert V3.scale_left_out(1, rounds) == set(BYZANTINE)
