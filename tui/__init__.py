"""byteswarm's operator app (textual): reads a node's store read-only, writes typed
operator commands as control rows (docs/architecture.md §6). Imports no torch,
onnxruntime, libp2p or trio.

- ``app.py`` — ``NodeApp`` and ``run_app`` (what ``byteswarm tui`` runs, node/cli/tui.py):
  the tabs, the keys, the 1 s poll of the store in a worker.
- ``source.py`` — ``StoreReader``: one read-only look at the store, as a ``Snapshot``.
- ``control.py`` — sending typed commands (search, click) to the daemon from a worker.
- ``text.py`` — pure formatting: durations, sizes, clocks, peer ids.
- ``artifacts.py`` — the exported models under a data dir: size, contract, parity.
- ``jobs.py`` — child processes the app starts: an export, a detached daemon.
- ``views/`` — one widget per screen (overview, peers, events, search, training,
  adaptation, models) and the dialogs.
"""
