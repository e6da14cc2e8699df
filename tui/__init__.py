"""byteswarm's operator app (textual): reads a node's store read-only, writes typed
operator commands as control rows (docs/architecture.md §6). Imports no torch,
onnxruntime, libp2p or trio.

- ``app.py`` — ``NodeApp`` and ``run_app`` (what ``byteswarm tui`` runs, node/cli/tui.py):
  the tabs, the keys, the 1 s poll of the store in a worker.
- ``source.py`` — ``StoreReader``: one read-only look at the store, as a ``Snapshot``.
- ``control.py`` — sending typed commands (search, click) to the daemon from a worker.
- ``text.py`` — pure formatting: durations, sizes, clocks, peer ids.
- ``views/`` — one widget per screen: ``overview.py``, ``peers.py``, ``search.py``.
"""
