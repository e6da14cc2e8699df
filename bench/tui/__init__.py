"""The operator app (``tui/``) against a big store.

Commands (``python -m bench.tui.<name>``):

- ``paint.py`` — time to first paint, store-change-to-redraw time and RSS, each run in a
  fresh process against a store of 100k records, 50 peers and 500 events
  (``results/tui_paint.json`` and ``.png``).

Pieces:

- ``fill.py`` — the big store: records, peers, events and a status document, seeded.
"""
