"""byteswarm's operator app (textual): reads a node's store read-only, writes typed
operator commands as control rows (docs/architecture.md §6). Imports no torch,
onnxruntime, libp2p or trio.

- ``app.py`` — ``NodeApp`` and ``run_app`` (what ``byteswarm tui`` runs, node/cli/tui.py):
  one node's tabs, or a tab per node and the swarm; the keys, help, the app's palette entries.
- ``pane.py`` — ``NodePane``: one node's screens, the 0.5 s poll of its store in a worker,
  the commands and jobs sent to it, the "no node is running" banner.
- ``serve.py`` — ``byteswarm tui --serve``: the app in a browser (textual-serve, 127.0.0.1).
- ``palette.py`` — the command palette (Ctrl+P) provider: every node action by name.
- ``actions.py`` — the palette's list: the actions on the node showing that work now.
- ``source.py`` — ``StoreReader``: one read-only look at the store, as a ``Snapshot``.
- ``history.py`` — the retained history as drawn: the recent and whole windows, downsampled,
  and the series the sparklines and curves plot.
- ``replay.py`` — a past second as a ``Snapshot``, the replay banner, reading a time, the
  playback's position at a speed.
- ``replayer.py`` — ``Replayer``: a pane's replay (stepping, playing on a timer, reading a
  past second in a worker, its banner) and ``refused``: no action on the node during one.
- ``chart.py`` — a compact block-character chart (a rich renderable) for the curves.
- ``control.py`` — sending typed commands (search, click) to the daemon from a worker.
- ``jobs.py`` — child processes the app starts: an export, ``byteswarm stop``, a detached
  daemon.
- ``artifacts.py`` — the exported models under a data dir: size, contract, parity.
- ``text.py`` — pure formatting: durations, sizes, clocks, peer ids.
- ``views/`` — one widget per screen (overview, peers, events, search, training,
  adaptation, models, swarm), the help screen and the dialogs.
"""
