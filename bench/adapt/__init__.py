"""Cloud-device prompt adaptation benches (``models.adapt``).

Commands (``python -m bench.adapt.<name>``):

- ``stream.py`` — the headline bench: every method on the tuned and unseen splits, in order
  and reordered, per seed; mean ± std and paired differences (``results/adapt_splits.json``).
- ``oracle.py`` — the oracle gap: the online fit given true labels vs the same prompt family
  fitted offline per domain, before and after issue 22 (``results/adapt_oracle.json``).
- ``tune.py`` — cloud-learner and selection settings chosen on validation streams, never the
  test one (``results/adapt_tune*.json``); ``--group domains`` runs ``tune_domains.py``.

Pieces:

- ``splits.py`` — the four streams and the per-seed models (device, teacher, ONNX runners).
- ``loops.py`` — the device-cloud loops by name (before / after issue 22, ablations).
- ``runs.py`` — one method over one materialised stream: accuracy per domain, bytes, passes.
- ``tune_domains.py`` — issue 22's candidates, ranked by their worst margin over TENT.
- ``report.py`` — mean ± std over seeds, paired differences and the issues' targets.
- ``plot.py`` — the PNG.
"""
