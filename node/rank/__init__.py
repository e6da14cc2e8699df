"""``rank``: G-Rank (``models.rank``) in the node: click rows gossiped between peers.

- ``records.py`` — the catalogue (items table) and click records, and the checks on both.
- ``index.py``   — ``IndexTail``: the G-Rank index kept up to date with the store.
- ``explain.py`` — a search answer's score breakdown and trusted peers, typed and checked.
- ``service.py`` — ``RankService``: the daemon slot; pulls after queries, bootstrap sample.
"""
