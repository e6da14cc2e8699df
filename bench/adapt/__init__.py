"""Cloud-device prompt adaptation benches (``models.adapt``).

Commands (``python -m bench.adapt.<name>``):

- ``stream.py`` — the headline bench: every method on the same continual digits corruption
  stream, per seed; mean ± std over seeds (``results/adapt.json``).
- ``tune.py`` — cloud-learner and selection settings chosen on a validation stream, never the
  test one (``results/adapt_tune.json``).

Pieces:

- ``runs.py`` — one method over one materialised stream: accuracy per domain, bytes, passes.
- ``report.py`` — mean ± std over seeds and the issue's targets.
- ``plot.py`` — the PNG.
"""
