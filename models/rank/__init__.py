"""G-Rank: unsupervised peer-to-peer ranking from gossiped click logs (Gold & Pouwelse, 2023).

- ``rows.py``       — the records: catalogue ``Item``, signed ``ClickRow``, compact ``CounterRow``.
- ``config.py``     — ``RankConfig``: the paper's constants and every switch beyond the paper.
- ``bm25.py``       — BM25 over item title/artist/tags: metadata matches and cold start.
- ``similarity.py`` — the paper's peer similarity ``(k_t + k_m^2) / k_u``, max-normalised.
- ``profiles.py``   — per-author k_t, k_m, k_u kept incrementally; the similarity vector.
- ``counters.py``   — incremental (query, item, author) click counters with decay and caps.
- ``attractiveness.py`` — skips above a click, one skip vote per author beside its click vote,
  and the Beta posterior on a BM25 prior (the ``beta`` estimator).
- ``index.py``      — ``RankIndex``: ingests rows, keeps similarity fresh, answers ``rank()``.
- ``popularity.py`` — clicks across every query: the fallback when a query matches nothing.
- ``explore.py``    — exploration: swaps on the shown page (``explore_p``, ``_swaps``, ``_scope``).
- ``explain.py``    — where a ranking came from: own/peers' clicks, BM25, the most trusted peers.
- ``click_rate.py`` — the click rate a node has seen; a half-life in rows turned into seconds.
- ``wire_size.py``  — rows -> counters, and the encoded bytes of each gossip representation.
"""
