"""``RankConfig``: the paper's constants and each defence beyond the paper, all switchable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

AuthorCap = Literal["none", "log", "distinct"]


@dataclass(frozen=True, slots=True)
class RankConfig:
    """How a node turns click rows into a ranking. Defaults are byteswarm's defences."""

    isolation_f: float = 0.0
    """F in ``sum_j c_j(Q,k) * (S_i(j) + F)``: weight every author gets regardless of similarity."""
    top_k_terms: int = 10
    """K: how many of each node's most frequent query terms enter k_t."""
    use_clicks: bool = True
    """False gives the metadata/BM25-only baseline."""
    use_similarity: bool = True
    """False weights every author 1 (global click counts, the no-similarity baseline)."""
    dedupe: bool = True
    """Count a row with an already seen (author, seq) key once; False counts replays again."""
    author_cap: AuthorCap = "distinct"
    """Per (author, query, item) contribution: raw count, log(1 + c), or min(c, 1) (a vote)."""
    half_life_s: float | None = 20_000.0
    """Exponential time decay of click weights; None keeps every click forever (the paper)."""
    trust_floor: float = 0.05
    """Authors whose normalised similarity is below this get weight 0 (F included)."""
    popular_half_life_s: float | None = 86_400.0
    """Decay of the 'recent popular items' fallback for queries with no match at all."""
    inverse_position: bool = False
    """Weight a row's click by min(r, R) / R, r its rank in ``shown`` (R = ``position_horizon``):
    the inverse of a position-based examination probability ~1/r, so clicks deep in the list,
    which users rarely reach, count more than clicks on whatever was ranked first. Applies to
    rows (they carry ``shown``); compact counters carry plain click counts."""
    position_horizon: int = 10
    explore_p: float = 0.5
    """Probability of one exploration swap when ``rank`` is given an RNG (never in evaluation)."""
    bm25_k1: float = 1.2
    bm25_b: float = 0.75


PAPER_F0 = RankConfig(
    isolation_f=0.0, author_cap="none", half_life_s=None, trust_floor=0.0, popular_half_life_s=None
)
"""G-Rank exactly as in the paper, isolation constant F = 0."""
PAPER_F1 = RankConfig(
    isolation_f=1.0, author_cap="none", half_life_s=None, trust_floor=0.0, popular_half_life_s=None
)
"""G-Rank exactly as in the paper, isolation constant F = 1."""
GLOBAL_COUNTS = RankConfig(
    use_similarity=False, author_cap="none", half_life_s=None, trust_floor=0.0
)
"""Baseline: every author's clicks count 1, no similarity."""
BM25_ONLY = RankConfig(use_clicks=False)
"""Baseline: metadata text match only."""
BYTESWARM = RankConfig()
"""byteswarm's defaults: dedupe, one vote per author, decay, similarity floor."""
