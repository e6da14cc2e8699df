"""``RankConfig``: the paper's constants and each defence beyond the paper, all switchable."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

AuthorCap = Literal["none", "log", "distinct", "share", "top", "recent"]
ExploreScope = Literal["any", "shown", "tail", "sample"]
Estimator = Literal["votes", "beta"]
RelatedFrom = Literal["both", "supersets"]


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
    """Per (author, query, item) contribution: raw count, log(1 + c), min(c, 1) (a vote), or
    ``share``: c over the author's clicks for the query, so each author has one vote per query
    to split across items (keeps how often it picked each item, bounds its total influence);
    or ``top``: c over the author's largest count for the query, so its favourite item gets a
    full vote (as with ``distinct``) and its other items proportionally less; or ``recent``:
    one vote that decays from the author's latest click on the item (``half_life_s``), so a
    burst of clicks counts as one click at its time. With ``distinct`` and decay, c clicks
    made at once keep a full vote for log2(c) half-lives (a mimic's 100 clicks: 6.6) while
    an honest single click starts fading at once; ``recent`` takes that lever away."""
    min_support: float = 0.0
    """An item's click score counts only if at least this fraction of the (trusted) authors who
    clicked anything for the query clicked it; below, it ranks as if never clicked. Against a
    minority of colluding authors lifting one item (mimicry)."""
    consensus_rounds: int = 0
    """Rounds of per-query consensus reweighting (0: off). Each round scores the query's
    items, then multiplies every other author's weight *for this query* by its agreement with
    those scores: ``sum_k share_j(k) * score(k) / max score``, ``share_j`` the author's split
    of its (capped) clicks on the query. Authors who click what the trusted majority ranks
    first keep their weight; a clique that puts its clicks on one item the others rank low
    (mimicry: normal everywhere else, so the similarity trusts it) loses weight on that query
    each round, geometrically. The node's own clicks are never discounted. Cost: minority
    tastes on a query count less too. Measured (bench/results/grank_v2_ablation.json, 30-peer
    mimicry, seeds 100-109): it *raises* the attacker's top-1 (0.12 -> 0.20 with ``distinct``,
    0.33 -> 0.58 with ``share``): where the clique already wins round 0 the rounds entrench it,
    and honest authors who explored several items agree less than the clique. Off everywhere."""
    half_life_s: float | None = 20_000.0
    """Exponential time decay of click weights; None keeps every click forever (the paper)."""
    half_life_rows: float | None = None
    """The same half-life counted in click rows instead of seconds, for a node whose traffic
    is not the simulation's (1 query a second): the service sets ``half_life_s`` to this
    over the click rate its store has seen (rows a second). None: ``half_life_s`` as is."""
    vote_budget: float | None = None
    """The most decayed vote weight an author may hold across all its (query, item) votes;
    above it every vote of that author is scaled down to fit (the node's own never are).
    Against click-log inflation: 1,000 distinct spam votes at once weigh like ``vote_budget``
    votes, while an honest author holds about its clicks per half-life times 1.44. None: off
    (the default; session 7 probes in NOTES.md)."""
    trust_floor: float = 0.05
    """Authors whose normalised similarity is below this get weight 0 (F included)."""
    similarity_power: float = 1.0
    """Authors at or above ``trust_floor`` weigh ``S ** similarity_power + F``: 1 is the
    paper's S; below 1 flattens the weights of the trusted (0: every trusted author weighs
    1 + F; with a floor of 0 that includes authors with S = 0) while authors under the
    floor still weigh 0."""
    popular_half_life_s: float | None = 86_400.0
    """Decay of the 'recent popular items' fallback for queries with no match at all."""
    inverse_position: bool = False
    """Weight a row's click by min(r, R) / R, r its rank in ``shown`` (R = ``position_horizon``):
    the inverse of a position-based examination probability ~1/r, so clicks deep in the list,
    which users rarely reach, count more than clicks on whatever was ranked first. Applies to
    rows (they carry ``shown``); compact counters carry plain click counts. The author names
    the positions, so pair it with the ``share`` cap: then a claimed position only moves weight
    among that author's own items (with ``distinct`` 10 repeated rank-1 clicks saturate a vote
    that honest authors reach slowly: a mimicry attacker got its item to top-1 in 75 %)."""
    position_horizon: int = 10
    explore_p: float = 0.5
    """Probability of one exploration swap when ``rank`` is given an RNG (never in evaluation;
    the service never passes one)."""
    explore_swaps: int = 1
    """How many exploration swaps a page gets when it explores (each as ``explore_scope``
    says; later swaps may move an earlier one's items again)."""
    explore_scope: ExploreScope = "any"
    """Which results an exploration swap exchanges: a shown slot with any ranked result (can
    bring an unshown one into view), two shown slots (reorders the page, never changes what is
    on it), or ``tail``: the last shown slot, the one users examine least, with a random
    unshown result (every swap explores; the top of the page is never disturbed); or
    ``sample`` (``beta`` estimator only; otherwise as ``any``): no swaps, the page is the
    matches sorted by one draw from each item's posterior (Thompson sampling,
    ``models.rank.attractiveness.posterior``), so exploration goes to items whose evidence
    is thin rather than to random ones."""
    explore_concentration: float = 1.0
    """``sample``: the posterior's pseudo-counts are multiplied by this before the draw
    (larger: the shown page stays closer to the served one)."""
    estimator: Estimator = "votes"
    """How click evidence orders the metadata matches. ``votes``: by the summed click score
    (every clicked match above every unclicked one), then BM25 (the paper, with our caps).
    ``beta``: by click-or-skip attractiveness on a metadata prior
    (``models.rank.attractiveness``): the results above a click count as passed over, one
    decayed skip vote per (author, query, item) next to the click vote, both weighted by
    similarity; needs rows that carry the page above the click (``ClickRow.shown``)."""
    prior_strength: float = 4.0
    """``beta``: how many similarity-weighted votes the metadata prior is worth."""
    prior_relative: bool = False
    """``beta``: the prior is worth ``prior_strength`` times the mean votes (C + S) of the
    query's items that have any, instead of that many votes: scale-free, so a decay shared
    by every vote (a collapsed half-life) leaves the order as it was."""
    prior_cap: float | None = None
    """``beta`` with ``prior_relative``: the prior is worth at most this many votes. Where the
    query's items hold more than ``prior_cap / prior_strength`` votes on average the prior
    stops growing and the evidence takes over, as with an absolute prior; where a shared
    decay shrank every vote (a flood collapsing the half-life) it shrinks with them, as the
    scale-free prior does. None: no cap."""
    prior_top: float = 0.5
    """``beta``: the prior attractiveness of the best metadata match (others in proportion
    to their BM25 score)."""
    skip_position_power: float = 0.0
    """``beta``: a skip at page rank r weighs ``r ** -power``: 0 for cascade users (who read
    every result above their click), 1 for position-based ones (who see rank r with
    probability ~1/r, so a result deep on the page was likely never looked at)."""
    related_strength: float | None = None
    """``beta``: evidence from related queries (one's terms a strict subset of the other's)
    moves an item's prior, worth this many votes of pseudo-count (larger: less); None: off."""
    passed_pages: bool = False
    """The simulation's nodes log each page their user passed over without a click (a row
    whose ``clicked`` is empty; the daemon logs what its front-end reports, ``byteswarm
    pass``). Every ``beta`` index reads such rows, whatever this says, as skip votes on the
    shown items (rank r weighs ``r ** -skip_position_power``), kept apart from the skips above
    a click: one per author, query and item, never settled against that author's clicks (a
    page passed over is weak evidence against an item the author once chose)."""
    related_from: RelatedFrom = "both"
    """``beta``: which related queries: ``both`` (subsets and supersets) or ``supersets``
    only (a one-term query learns from its two-term refinements, never the other way)."""
    bm25_k1: float = 1.2
    bm25_b: float = 0.75


_PAPER = RankConfig(
    author_cap="none",
    half_life_s=None,
    trust_floor=0.0,
    popular_half_life_s=None,
    inverse_position=False,
    explore_p=0.5,
)
PAPER_F0 = replace(_PAPER, isolation_f=0.0)
"""G-Rank exactly as in the paper, isolation constant F = 0."""
PAPER_F1 = replace(_PAPER, isolation_f=1.0)
"""G-Rank exactly as in the paper, isolation constant F = 1."""
GLOBAL_COUNTS = replace(_PAPER, use_similarity=False, popular_half_life_s=86_400.0)
"""Baseline: every author's clicks count 1, no similarity."""
BM25_ONLY = RankConfig(use_clicks=False)
"""Baseline: metadata text match only."""
BYTESWARM = RankConfig()
"""Session 2's defaults (preset ``byteswarm``): dedupe, one vote per (author, query, item),
decay, similarity floor. ``BYTESWARM_V2`` builds on it, ``BYTESWARM_V3`` on that and
``BYTESWARM_V4`` on that, ``BYTESWARM_V5`` (the daemon's default) on that, and
``BYTESWARM_V6`` (a preset) on that."""
BYTESWARM_IPS = replace(BYTESWARM, author_cap="share", inverse_position=True, explore_p=1.0)
"""Best served nDCG with position-biased clicks (bench/results/grank.json): inverse-position
weighted clicks, one vote per author and query split by them, an exploration swap on every
simulated page. Not the default: with 25 % mimics in a 30-peer network the attacker's item
reached honest top-1 in 35-70 % of checks (tuning seeds), against 1-33 % for the defaults."""
BYTESWARM_V2 = replace(
    BYTESWARM,
    author_cap="recent",
    half_life_s=250.0,
    half_life_rows=460.0,
    explore_p=1.0,
    explore_swaps=2,
)
"""The daemon's default in sessions 4-11 (``[rank] preset``; bench/results/grank_v2*.json): one
vote per (author, query, item) that decays from the author's latest click on it, a short
half-life, and an exploration swap on every page a user is shown (``byteswarm search
--explore``). The ablation of ``BYTESWARM_IPS`` (bench/results/grank_v2_ablation.json):
exploration gives about half of its nDCG gain over the defaults at full scale (most of it at
50 peers), inverse position the rest, the share cap nothing; the share cap, and inverse
position under ``distinct``, open the mimicry hole. This keeps one bounded vote per author and
takes its extra signal from recency.

The half-life is counted in click rows and turned into seconds with the click rate each node
has seen (``models.rank.click_rate``), in the daemon and in the simulation alike;
``half_life_s`` is only the start, before a node has a rate. ``half_life_rows`` = 460 (~250 s
at the simulation's 1.85 rows a second) is the longest value within 0.005 of the best mean
served nDCG@10 on tuning seeds 100-104 (bench/results/grank_tune_half_life.json: 1,850 rows
0.897, 925 0.914, 460 0.931, 325 0.934, 230 0.927). Results on seeds 0-4 are in the README
(bench/results/grank_v3.json).

``explore_swaps`` = 2 since issue 22 (session 7 had 1): tuned on our world only (position
scenario and the 30-peer mimicry check, tuning seeds 100-102,
bench/results/grank_tune_explore_swaps.json: 1 / 2 / 3 swaps 0.923 / 0.950 / 0.950 served
nDCG@10, mimicry top-1 17.5 / 17.5 / 14.2 %; 2 is the fewest within 0.005 of the best), then
checked on the second world (``bench.rank.second_world``; bench/results/grank_worlds.json).
The swaps only touch pages users are shown (``byteswarm search --explore``), never the
served ranking."""

BYTESWARM_V3 = replace(
    BYTESWARM_V2,
    estimator="beta",
    half_life_rows=1_850.0,
    half_life_s=1_000.0,
    prior_strength=1.0,
    prior_top=0.5,
    skip_position_power=1.0,
    related_strength=1.0,
    prior_relative=True,
)
"""Issue 22: ``byteswarm_v2``'s votes and exploration, with the matches ordered by
click-or-skip attractiveness on a BM25 prior (``models.rank.attractiveness``): the results
above a click count as passed over (one decayed skip vote per author, query and item beside
the click vote, the newer of the two wins), the metadata order is worth one mean vote of
the query, and queries whose terms contain or are contained in the query's move the prior.
Tuned on the second world's tuning seed 100 only (``bench.rank.tune_grid``, pbm1 uniform
and dbn1 Zipf; bench/results/grank_tune_beta.json), then checked on ours; results on both worlds in
docs/results.md (bench/results/grank_worlds.json, ``byteswarm_v3``; v2 0.953 on ours,
0.789-0.847 on the second world).

``prior_relative``: the prior is worth one *mean vote of the query's voted items*, not one
vote. Tuned with an absolute prior (``byteswarm_v3_absolute`` in the bench: seeds 0-4, ours
0.945 ± 0.006, second world 0.870-0.909), which lost most of its served nDCG under click
floods (the paper's inflation and sybil75 attacks: 0.81 and 0.87 against v2's 0.98 and
0.99), because a flood collapses the row-counted half-life and every honest vote decays
below the one-vote prior; the scale-free prior keeps v2's level there
(bench/results/grank_v3_attacks.json).

The daemon's default in session 12 (``BYTESWARM_V4`` since session 13): on seeds
0-4 it holds the paper's attacks at 0 % attacker top-1, and the top-3 exposure it showed
there is the same without the attack (``bench.rank.exposure``,
bench/results/grank_exposure.json); docs/results.md has the decision."""

BYTESWARM_V4 = replace(
    BYTESWARM_V3,
    explore_scope="sample",
    explore_concentration=2.0,
    prior_strength=2.0,
    half_life_rows=7_400.0,
    half_life_s=4_000.0,
)
"""Issue 22, session 13: ``byteswarm_v3``'s evidence, with the pages users are shown drawn
from the posterior (Thompson sampling, pseudo-counts doubled) instead of two random swaps,
a prior worth two mean votes, and a 7,400-row half-life. A central learner that knows the
click model (``bench.rank.ceiling``) showed that *how pages explore* is what separates the
peers from 0.90, not how clicks are read. Tuned on seeds 101-103 (pbm1 and dbn1 uniform,
our position scenario; bench/results/grank_tune_v3_prior_sample.json,
grank_tune_v3_sample_half_life.json, grank_tune_v3_sample_concentration.json): better than
v3 on both the served ranking and the shown pages in all three. The daemon's default in
session 13; results on seeds 0-4 (both worlds,
the paper's attacks) in docs/results.md."""

BYTESWARM_V5 = replace(BYTESWARM_V4, prior_cap=2.0)
"""Issue 22, session 14: ``byteswarm_v4`` with its relative prior capped at two votes
(``prior_cap``): where a query's items hold more than one vote on average the evidence takes
over, as with an absolute prior, while a flood that shrinks every vote still leaves the order
as it was. Tuned on seeds 101-103 (pbm1 and dbn1 uniform, our position scenario;
bench/results/grank_tune_v4_prior_cap.json and
grank_tune_v4_prior_cap_dbn1_position.json). The daemon's default since session 14
(``DEFAULT_PRESET``, ``RankSettings.preset``); results on seeds 0-4 (both worlds, the paper's
attacks) in docs/results.md."""

BYTESWARM_V6 = replace(
    BYTESWARM_V5,
    similarity_power=0.0,
    related_strength=None,
    prior_strength=2.0,
    prior_cap=8.0,
    explore_concentration=0.5,
    half_life_rows=20_000.0,
    half_life_s=10_800.0,
)
"""Issue 22, session 16 (a preset, not the default): ``byteswarm_v5`` with the similarity
as a gate. Every author at or above the trust floor weighs 1 (``similarity_power`` 0), those
below it 0, so sybils, whose similarity stays under the floor, still count nothing. Votes
counted one each need no related-query prior (it swamped the metadata prior); the prior is
worth two mean votes, at most eight (capped relative, so a flood that shortens the
row-counted half-life shrinks it with the votes); the draws are wider (concentration 0.5)
and the half-life is 20,000 rows. Tuned on seeds 101-103
(bench/results/grank_tune_v6_*.json). Seeds 0-4: the best served nDCG of any preset on
both worlds (+0.004 to +0.009 over v5), the paper's attacks held, but the pages users are shown
score 0.015-0.058 below v5's (docs/results.md)."""

BYTESWARM_V7 = replace(BYTESWARM_V6, passed_pages=True, explore_concentration=1.0)
"""Issue 22, session 17: ``byteswarm_v6`` whose users' pages passed over without a click
are logged (``passed_pages``; the daemon's front-end reports them: ``byteswarm pass``), and
drawn at concentration 1. On tuning seeds 101-103 (bench/results/grank_tune_v6_passed_pages*.json)
the pages passed over lift v6's served nDCG@10 by 0.017 (pbm1 uniform) and 0.010 (dbn1
uniform), and at concentration 1 both the served ranking and the shown pages beat v5's
(pbm1 uniform 0.912 / 0.590 against 0.897 / 0.584; dbn1 uniform 0.918 / 0.625 against
0.915 / 0.608). Results on seeds 0-4 in docs/results.md."""

PRESETS: dict[str, RankConfig] = {
    "byteswarm": BYTESWARM,
    "byteswarm_v2": BYTESWARM_V2,
    "byteswarm_v3": BYTESWARM_V3,
    "byteswarm_v4": BYTESWARM_V4,
    "byteswarm_v5": BYTESWARM_V5,
    "byteswarm_v6": BYTESWARM_V6,
    "byteswarm_v7": BYTESWARM_V7,
}
"""The configs a node's ``[rank] preset`` may name."""
