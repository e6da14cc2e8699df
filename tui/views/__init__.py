"""The app's screens, one widget each, fed a ``Snapshot`` (``tui.source``).

- ``overview.py`` — the node: peer id, role, addresses, uptime, services, store, events;
  sparklines of its last ten minutes.
- ``peers.py`` — the peers table: id, connected, direction, last seen, records in/out,
  rejections, rate-limited, sync lag both ways, addresses; ``/`` filters, ``r`` sorts;
  ``peer_detail.py`` — one peer in full (Enter): what it sent, why refused, its events.
- ``events.py`` — the event log, newest first, by severity (in a replay: up to then);
  ``/`` filters.
- ``search.py`` — a query box, the ranked results with where each score came from, the
  trusted peers; Enter records a click.
- ``training.py`` — finetune runs: round, records, checkpoints and who agrees, the curves of
  round, held-out accuracy and loss, and bytes per round; start, stop, verify, export θ.
- ``adaptation.py`` — adapt: accuracy, uncertainty, uploads, prompt versions, and their
  curves; start, stop.
- ``job_line.py`` — a line that runs an operator job in a child process and shows its progress.
- ``models.py`` — exported models with contract and parity; ``E`` exports one, with progress.
- ``swarm.py`` — several nodes side by side: peer id, role, peers, records, services, state.
- ``help.py`` — the keys (``?``), listed from the bindings themselves.
- ``dialogs.py`` — ask for a line of text; confirm before anything destructive.
"""
