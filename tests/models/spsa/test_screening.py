from __future__ import annotations

import random

import numpy as np
import pytest

from models.spsa.codes import CODE_MAX, ScaleRule
from models.spsa.engine import Record
from models.spsa.layout import ParamLayout
from models.spsa.replica import Replica, RunConfig
from models.spsa.screening import RoundCodes, RoundsHeld, ScreenRule

LAYOUT = ParamLayout("t1", (("w", (40,)),))
THETA0 = np.linspace(-1, 1, LAYOUT.size, dtype=np.float32)
RULE = ScreenRule(window=40, strikes=10)
HONEST = [f"h{p:02d}" for p in range(11)]
BYZANTINE = [f"b{p}" for p in range(9)]  # 45 % of 20


def _config(mode: str = "shared", screen: ScreenRule | None = RULE) -> RunConfig:
    return RunConfig("run-b", mode, 1e-2, 1e-3, ScaleRule(initial=0.01), 10, screen=screen)  # type: ignore[arg-type]


def _honest_codes(rounds: int, seed: int = 0) -> list[Record]:
    """Shared-mode-like codes: a common part plus per-peer noise; ~3 % saturate (bench: 2–6 %)."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(rounds):
        common = rng.normal(0, 23)
        for author in HONEST:
            code = int(np.clip(np.rint(common + rng.normal(0, 50)), -CODE_MAX, CODE_MAX))
            out.append(Record("run-b", r, author, (code,)))
    return out


def _attack(kind: str, honest: list[Record], start: int = 0) -> list[Record]:
    out = []
    for r in sorted({h.round for h in honest if h.round >= start}):
        median = np.median([h.codes[0] for h in honest if h.round == r])
        for i, author in enumerate(BYZANTINE):
            sign = {"same": 1, "opposing": -1 if median >= 0 else 1}.get(kind, (-1) ** (r + i))
            out.append(Record("run-b", r, author, (sign * CODE_MAX,)))
    return out


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


def test_honest_peers_are_never_excluded_on_a_clean_run() -> None:
    log = _honest_codes(300)
    replica = Replica.replay(_config(), LAYOUT, THETA0, log, 300)
    saturated = sum(abs(r.codes[0]) == CODE_MAX for r in log) / len(log)
    assert 0.02 < saturated < 0.06  # the rate the default rule was sized for
    assert all(replica.excluded(r) == frozenset() for r in range(301))
    ignored = sum(len(HONEST) - len(replica.admitted(r)) for r in range(300))
    assert 0 < ignored < 0.01 * len(log)  # a suspect's saturated code, now and then


@pytest.mark.parametrize("kind", ["random", "same", "opposing"])
@pytest.mark.parametrize("mode", ["shared", "independent"])
def test_saturating_attackers_are_excluded_and_stay_out(kind: str, mode: str) -> None:
    honest = _honest_codes(120)
    replica = Replica.replay(_config(mode), LAYOUT, THETA0, honest + _attack(kind, honest), 120)
    first = next(r for r in range(121) if replica.excluded(r) == set(BYZANTINE))
    assert first <= 2 * RULE.strikes  # some rounds judge nobody (honest saturation ties)
    assert all(replica.excluded(r) == set(BYZANTINE) for r in range(first, 121))
    # repeaters: from round 1 on their codes are ignored, long before the exclusion
    moved = [r for r in range(120) if set(BYZANTINE) & {x.author for x in replica.admitted(r)}]
    assert moved == [0]
    rule = replica.config.scale_rule
    window = range(120 - rule.window, 120)
    honest_only = [
        (replica.scales[k], [h.codes[0] for h in honest if h.round == k]) for k in window
    ]
    # excluded codes no longer feed the scale
    assert replica.scales[120] == rule.next_scale(replica.scales[119], honest_only)


def test_an_attacker_that_turns_late_gets_a_bounded_number_of_rounds() -> None:
    honest = _honest_codes(200)
    sleeper = [r for r in _attack("opposing", honest, start=120) if r.author == "b0"]
    replica = Replica.replay(_config(), LAYOUT, THETA0, honest + sleeper, 200)
    assert all("b0" not in replica.excluded(r) for r in range(121))
    admitted_attacks = [r for r in range(120, 200) if "b0" not in replica.excluded(r)]
    assert len(admitted_attacks) <= RULE.strikes + 2
    assert all("b0" in replica.excluded(r) for r in range(admitted_attacks[-1] + 1, 201))
    moved = [r for r in range(120, 200) if any(x.author == "b0" for x in replica.admitted(r))]
    assert len(moved) <= RULE.suspect_after + 2  # ignored as a suspect long before exclusion


V3 = ScreenRule(window=40, strikes=10, scale_skips_ignored=True)


@pytest.mark.parametrize("rule", [RULE, V3], ids=["v2", "v3"])
def test_screening_is_order_independent_and_repairs_late_records_bit_identically(
    rule: ScreenRule,
) -> None:
    log = _honest_codes(60, seed=4)
    log += _attack("random", log)
    reference = Replica.replay(_config(screen=rule), LAYOUT, THETA0, log, 60)
    shuffled = log.copy()
    random.Random(1).shuffle(shuffled)
    late, early = shuffled[: len(log) // 10], shuffled[len(log) // 10 :]
    replica = Replica(_config(screen=rule), LAYOUT, THETA0)
    for record in early:
        replica.offer(record)
    replica.run_to(60)
    for record in late:
        assert replica.offer(record) is None
    replica.catch_up()
    assert replica.theta.tobytes() == reference.theta.tobytes()
    assert replica.checkpoint_hashes() == reference.checkpoint_hashes()
    assert [replica.excluded(r) for r in range(61)] == [reference.excluded(r) for r in range(61)]


@pytest.mark.parametrize("rule", [RULE, V3], ids=["v2", "v3"])
def test_a_joiner_from_a_checkpoint_screens_like_a_full_replica(rule: ScreenRule) -> None:
    log = _honest_codes(70, seed=5)
    log += _attack("same", log)
    config = _config(screen=rule)
    full = Replica.replay(config, LAYOUT, THETA0, log, 70)
    checkpoint = Replica.replay(config, LAYOUT, THETA0, log, 50).checkpoints[50]
    joiner = Replica.from_checkpoint(config, LAYOUT, checkpoint)
    history = 50 - config.history_rounds
    assert joiner.offer(next(r for r in log if r.round == history - 1)) is not None
    for record in log:
        if record.round >= history:
            assert joiner.offer(record) is None
    joiner.run_to(70)
    assert joiner.excluded(60) == full.excluded(60) == set(BYZANTINE)
    assert joiner.sha256 == full.sha256 and joiner.scales == full.scales


def test_a_joiner_holds_the_screening_window_of_every_round_the_next_scale_reads() -> None:
    """Strikes 47 rounds before a checkpoint decide whether a code 7 rounds before it feeds
    the scale of the round after it: the joiner needs scale window + screen window rounds."""
    log = [r for r in _honest_codes(60, seed=6) if r.author != "h00"]
    loud = {*range(3, 12), 43}  # 9 strikes, then a saturated code: a suspect's, ignored
    log += [Record("run-b", r, "h00", (CODE_MAX if r in loud else 1,)) for r in range(60)]
    full = Replica.replay(_config(), LAYOUT, THETA0, log, 60)
    assert "h00" not in {rec.author for rec in full.admitted(43)}
    assert _config().history_rounds == 48
    joiner = Replica.from_checkpoint(_config(), LAYOUT, full.checkpoints[50])
    for record in log:
        if record.round >= 50 - _config().history_rounds:
            assert joiner.offer(record) is None
    joiner.run_to(60)
    assert joiner.scales == full.scales
    assert joiner.sha256 == full.sha256


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


def test_rules_v3_scale_forgets_round_0_attackers_once_they_are_ignored() -> None:
    honest = _honest_codes(20, seed=8)
    log = honest + _attack("same", honest)
    v2 = Replica.replay(_config(screen=RULE), LAYOUT, THETA0, log, 20)
    v3 = Replica.replay(_config(screen=V3), LAYOUT, THETA0, log, 20)
    rule = v3.config.scale_rule
    assert v2.scales[:2] == v3.scales[:2]  # s_1 still reads round 0's attackers: not yet told
    for r in range(2, 20):
        window = range(max(0, r - rule.window), r)
        honest_only = [(v3.scales[k], [h.codes[0] for h in honest if h.round == k]) for k in window]
        assert v3.scales[r] == rule.next_scale(v3.scales[r - 1], honest_only)
    # v2 reads round 0's attackers until round 0 leaves the window, and never after
    assert all(v2.scales[r] > v3.scales[r] for r in range(2, rule.window + 1))
    assert v2.scales[rule.window + 1 :] != v3.scales[rule.window + 1 :]
