"""Screening: which authors' records a round ignores, from the codes of earlier rounds.

An honest code saturates (|q| = 127) only when a projected gradient is ~4× the median |g|
the scale rule aims at (papers.md: a median |g| lands on code 32); a saturated code is also
censored (its true value is unknown). A *strike* is a saturated code in a round where
saturated codes are a minority of the round's records (when most saturate, the scale is off,
not the peers: that round judges nobody, so an attacker who drags the scale down by sending
zeros cannot get honest peers excluded). Counting each author's strikes over the ``window``
rounds before r: a *suspect* (``suspect_after`` strikes) has its saturated code of round r
ignored at once, and an author with ``strikes`` strikes is excluded from round r: none of its
codes moves θ or feeds the scale. Ignoring a suspect early matters: damage done along early
directions is never undone (later random directions are orthogonal to it), and waiting for
10 strikes cost up to 17 points at 30 % (seed 1). Ignoring every saturated code from the
start would also stop a first strike, but it biases honest rounds with large gradients
(the ones whose codes saturate): −4.6 points on a clean run (seed 0, one run). Honest peers
reach a few strikes too (their codes saturate ~5 % of the time), so ``suspect_after`` trades
honest codes ignored against attacker rounds admitted (see its docstring).

Both sets for round r are pure functions of the records held for rounds r−window..r
(counts and a majority test: no order, no floats), so replicas that hold the same records
agree, and a replica that starts from a checkpoint needs only those rounds' records. An
attacker that sends ±127 moves θ in at most ``suspect_after`` rounds per window (plus rounds
where saturation is a majority); one that sends codes below 127 is not screened, and only
the median (``shared`` mode) bounds what it does.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from models.spsa.codes import CODE_MAX


@dataclass(frozen=True)
class ScreenRule:
    """Count each author's strikes over the ``window`` rounds before r: from ``suspect_after``
    strikes its saturated codes are ignored, from ``strikes`` on all of its codes."""

    window: int = 40
    strikes: int = 10
    """Honest codes saturated 5.2–5.7 % of the time in the bench's honest 20-peer runs
    (bench/results/spsa.json, ``honest_saturated_share``): at that rate an honest peer
    reaches 10 strikes in 40 rounds with probability ~1e-4; none was ever excluded there."""
    suspect_after: int = 3
    """At a 5.5 % rate an honest peer has 2 strikes in 40 rounds ~2/3 of the time but 3 only
    ~0.4 of it: 3 ignores ~2 % of honest codes (the largest ones) where 2 ignored ~3.6 %.
    Chosen on seeds 10–17 (bench/results/spsa_screen_tune.json; 20 peers, 60 rounds): honest
    82.8 ± 2.5 (2: 81.9 ± 3.5, 4: 83.0 ± 2.1; unscreened 82.5 ± 2.8), worst attack 81.4 at
    30 % and 79.6 at 45 % (2: 80.1 and 78.3; 4: 81.4 and 78.2). Differences between 2, 3 and
    4 are within the seed noise; 3 was best or tied on the worst attack at both fractions."""

    def __post_init__(self) -> None:
        if self.window < 1 or not 1 <= self.suspect_after <= self.strikes:
            raise ValueError("need window >= 1 and 1 <= suspect_after <= strikes")

    @staticmethod
    def struck(codes: Mapping[str, Sequence[int]]) -> frozenset[str]:
        """Authors whose record in this round is a strike: more than half of its codes (its
        one code, with one probe a round) saturate while such records are a minority."""
        saturated = frozenset(
            author
            for author, record in codes.items()
            if 2 * sum(abs(code) >= CODE_MAX for code in record) > len(record)
        )
        return saturated if 2 * len(saturated) < len(codes) else frozenset()

    def counts(self, round_index: int, struck_in: Callable[[int], frozenset[str]]) -> Counter[str]:
        """Each author's strikes in the ``window`` rounds before ``round_index``."""
        counts: Counter[str] = Counter()
        for k in range(max(0, round_index - self.window), round_index):
            counts.update(struck_in(k))
        return counts

    def excluded(
        self, round_index: int, struck_in: Callable[[int], frozenset[str]]
    ) -> frozenset[str]:
        """Authors excluded from ``round_index`` given each earlier round's strikes."""
        counts = self.counts(round_index, struck_in)
        return frozenset(author for author, n in counts.items() if n >= self.strikes)

    def ignored(
        self, round_index: int, struck_in: Callable[[int], frozenset[str]]
    ) -> frozenset[str]:
        """Authors whose record round ``round_index`` ignores: the excluded ones, and the
        suspects whose code in this very round is a strike."""
        counts = self.counts(round_index, struck_in)
        now = struck_in(round_index)
        return frozenset(
            author
            for author, n in counts.items()
            if n >= self.strikes or (n >= self.suspect_after and author in now)
        )
