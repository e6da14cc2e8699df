"""G-Rank search ranking benches (``models.rank``, the daemon's rank service).

Commands (``python -m bench.rank.<name>``):

- ``grank.py`` — the headline grid: paper reproduction, served-ranking quality, attacks,
  bytes and latency, over seeded scenarios, on both worlds (``results/grank*.json``;
  ``--worlds``: only served nDCG on both, ``results/grank_worlds.json``).
- ``gossip_bytes.py`` — the gossip bytes of the position scenario in the daemon's own
  encoding, at full scale (``results/grank_bytes.json``; ``byteswarm_v3``'s click records,
  the ids above the click included: ``results/grank_bytes_v3.json``).
- ``ceiling.py`` — one central learner that knows the click model and sees every click,
  on the same traffic: what the second world's 10,000 queries can teach
  (``results/grank_ceiling.json``).
- ``click_bytes.py`` — Click body bytes with the results above each click, against
  without (``results/grank_click_bytes.json``).
- ``exposure.py`` — the attacker's item's top-1/top-3 share with and without the attack,
  same seeds, paired (``results/grank_exposure.json``).
- ``latency.py`` — ``rank()`` latency with a 100k-row store (``results/grank_latency.json``).
- ``serve.py`` — ``byteswarm search`` on a real SQLite store (``results/grank_serve.json``).
- ``tune.py`` — one knob of the default preset swept on tuning seeds
  (``results/grank_tune_*.json``).
- ``tune_grid.py`` — any ``RankConfig`` fields of a preset crossed on tuning seeds, with the
  attacker's top-1 where a scenario attacks (``results/grank_tune_beta.json``).
- ``world_ablation.py`` — the second world's differences from ours switched off one at a
  time (``results/grank_second_world_ablation.json``).

Pieces:

- ``grids.py`` — the rankers a bench may run (``METHODS``) and the grids that pair
  scenarios with the methods each compares.
- ``scenario.py`` — a simulation's setup (``Scenario``) and the world it builds.
- ``sim.py`` — the network simulation: peers query, click and pull (or push) gossip.
- ``world.py`` — our seeded worlds (the paper's, the realistic one) and their click models.
- ``second_world.py`` — a world built apart from ours (latent-attribute catalogue, five
  grades, one- and two-term queries, partial catalogues, initial clicks, its own clock).
- ``one_click.py`` — users who click at most once a query: position-based and DBN.
- ``central.py`` — ``ceiling.py``'s central learner, and the variants that read the
  traffic by the peers' rules (``--rules``).
- ``examination.py`` — how often those users looked at a result and passed it over, given
  the page and the click (the central learner's unbiased weights).
- ``peer.py`` — one simulated peer: its click log, known peers and ``RankIndex``.
- ``metrics.py`` — what is measured on the honest peers (distance, nDCG, MRR, attacks).
- ``wire.py`` — what a pull costs in ``node.wire`` encoding.
- ``report.py`` — mean ± std over seeds, milestones, the PNG curves.
"""
